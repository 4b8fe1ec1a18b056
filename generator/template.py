"""The Copier template: where it lives and what questions its ``copier.yml`` asks.

The template is this repository: ``copier.yml`` sits at its root and the files to render sit
under ``template/`` (``_subdirectory: template``). ``TEMPLATE_ROOT`` is found relative to this
package, so it points at the repository when the generator runs from a checkout or an editable
install (``pip install -e .``).
"""

import copy
import difflib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, TypeAlias

import yaml

from .errors import AnswerError

__all__ = [
    "COPIER_FILE",
    "TEMPLATE_ROOT",
    "asked_questions",
    "check_answer_keys",
    "choice_values",
    "computed_questions",
    "is_computed",
    "load_config",
    "load_questions",
    "load_yaml",
]

TEMPLATE_ROOT: Final[Path] = Path(__file__).resolve().parent.parent
"""The template's root: the repository directory that holds ``copier.yml``."""

COPIER_FILE: Final[Path] = TEMPLATE_ROOT / "copier.yml"
"""The template's questions and settings."""

Question: TypeAlias = dict[str, Any]
"""One question's settings as written in ``copier.yml`` (``type``, ``default``, ``help``...)."""


_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4096)
def _load_yaml_cached(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)  # a safe loader


def load_yaml(text: str) -> Any:
    """Parse YAML text like ``yaml.safe_load``, fast: parsed texts are cached, copies returned.

    Args:
        text: The YAML text.

    Returns:
        The parsed value, a copy of its own that the caller may change.
    """
    return copy.deepcopy(_load_yaml_cached(text))


def load_config(path: Path = COPIER_FILE) -> dict[str, Any]:
    """Read a ``copier.yml`` whole: its settings (``_*`` keys) and its questions.

    Args:
        path: The ``copier.yml`` to read.

    Returns:
        The parsed YAML mapping.

    Raises:
        ValueError: When the file does not hold a YAML mapping.
    """
    config = load_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(config, dict):
        raise ValueError(f"{path} must hold a YAML mapping, got {type(config).__name__}.")
    return config


def load_questions(path: Path = COPIER_FILE) -> dict[str, Question]:
    """Read the questions of a ``copier.yml``, in the order the file gives them.

    Settings (keys that start with ``_``) are left out. A question written in copier's short
    form, ``name: default``, is returned as ``{"default": default}``.

    Args:
        path: The ``copier.yml`` to read.

    Returns:
        Each question's name mapped to its settings.
    """
    questions: dict[str, Question] = {}
    for name, settings in load_config(path).items():
        if str(name).startswith("_"):
            continue
        questions[str(name)] = (
            dict(settings) if isinstance(settings, Mapping) else {"default": settings}
        )
    return questions


def is_computed(question: Mapping[str, Any]) -> bool:
    """Tell whether a question is computed rather than asked (``when: false``).

    Copier never asks a computed question and keeps it out of the answers file; its rendered
    ``default`` is available to every template file.

    Args:
        question: One question's settings.

    Returns:
        ``True`` for a question with ``when: false``.
    """
    when = question.get("when", True)
    if isinstance(when, str):
        return when.strip().lower() in {"false", "no", "off", "0"}
    return when is False


def asked_questions(questions: Mapping[str, Question] | None = None) -> dict[str, Question]:
    """Keep the questions that copier asks (those that are not ``when: false``).

    Args:
        questions: The questions to filter; defaults to the template's.

    Returns:
        The asked questions, in order.
    """
    questions = load_questions() if questions is None else questions
    return {name: q for name, q in questions.items() if not is_computed(q)}


def computed_questions(questions: Mapping[str, Question] | None = None) -> dict[str, Question]:
    """Keep the computed questions (``when: false``), which copier derives and never asks.

    Args:
        questions: The questions to filter; defaults to the template's.

    Returns:
        The computed questions, in order.
    """
    questions = load_questions() if questions is None else questions
    return {name: q for name, q in questions.items() if is_computed(q)}


def choice_values(question: Mapping[str, Any]) -> list[Any]:
    """List the values a question accepts, in order, or none if it takes free input.

    Copier's ``choices`` may be a list of values, a list of ``[label, value]`` pairs, or a
    mapping from label to value, where a value may itself be ``{"value": ..., "validator": ...}``.

    Args:
        question: One question's settings.

    Returns:
        The accepted values (what lands in the answers file), or ``[]`` without ``choices``.
    """
    choices = question.get("choices")
    if not choices:
        return []
    if isinstance(choices, Mapping):
        items: list[Any] = list(choices.values())
    else:
        items = [
            item[1] if isinstance(item, (list, tuple)) and len(item) == 2 else item
            for item in choices
        ]
    return [
        item["value"] if isinstance(item, Mapping) and "value" in item else item for item in items
    ]


def check_answer_keys(
    data: Mapping[str, Any], questions: Mapping[str, Question], *, unknown: bool = True
) -> None:
    """Refuse answers to questions the template does not ask, before anything renders.

    Copier ignores an answer to a question it does not have, so a typo (``task-type``) would
    silently render the default; and it lets ``--data`` replace a computed answer.

    Args:
        data: The answers given, by question name.
        questions: The template's questions.
        unknown: Whether to refuse a key that is no question at all, too; without it only
            computed questions are refused (a caller may probe whether a question exists).

    Raises:
        AnswerError: For the first key that is not an asked question, naming the key and, for
            a typo, the closest question.
    """
    asked = [name for name, question in questions.items() if not is_computed(question)]
    for key in data:
        name = str(key)
        if name in asked:
            continue
        if name in questions:
            raise AnswerError(
                name,
                "is computed from the other answers and cannot be set; answer the "
                "questions it derives from instead.",
            )
        if not unknown:
            continue
        normal = name.strip().lower().replace("-", "_").replace(" ", "_")
        close = difflib.get_close_matches(normal, asked, n=1, cutoff=0.6)
        hint = (
            f"; did you mean '{close[0]}'?"
            if close
            else f"; the questions are: {', '.join(asked)}."
        )
        raise AnswerError(
            name.encode("unicode_escape").decode("ascii"), f"not a question of this template{hint}"
        )
