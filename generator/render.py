"""Render the template into a new project with copier, non-interactively by default."""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import copier
import yaml

from .errors import AnswerError
from .template import TEMPLATE_ROOT

__all__ = ["DEFAULT_ANSWERS_FILE", "read_answers", "render"]

DEFAULT_ANSWERS_FILE = ".copier-answers.yml"
"""Where a rendered project records its answers (the template's ``_answers_file``)."""

# The ways copier 9 words a refused answer, each naming the question.
_REFUSALS = (
    re.compile(r"^Validation error for question '(?P<question>[^']+)':\s*(?P<message>.*)$", re.S),
    re.compile(r"^Invalid choice for '(?P<question>[^']+)':\s*(?P<message>.*)$", re.S),
    re.compile(r'^Question "(?P<question>[^"]+)" is required(?P<message>)$', re.S),
)


def _as_answer_error(error: ValueError) -> AnswerError | None:
    """Turn copier's ``ValueError`` for a refused answer into an ``AnswerError``.

    Args:
        error: What copier raised.

    Returns:
        The ``AnswerError``, or ``None`` when ``error`` is not about an answer.
    """
    text = str(error).strip()
    for pattern in _REFUSALS:
        found = pattern.match(text)
        if found:
            message = " ".join(found["message"].split()) or "an answer is required"
            return AnswerError(found["question"], message)
    return None


def render(
    dest: str | Path,
    data: Mapping[str, Any] | None = None,
    *,
    template: str | Path = TEMPLATE_ROOT,
    vcs_ref: str | None = "HEAD",
    overwrite: bool = False,
    pretend: bool = False,
    quiet: bool = True,
    answers_file: str | Path | None = None,
    defaults: bool = True,
) -> Path:
    """Render the template into ``dest`` with copier.

    Questions answered in ``data`` take that answer; the others take their default. With
    ``vcs_ref="HEAD"`` and a git template, uncommitted changes to the template are rendered
    too (copier warns with ``DirtyLocalWarning``). Nothing runs but Jinja: the template has no
    tasks, so copier's ``unsafe`` stays off.

    Args:
        dest: The directory to render into; created when missing.
        data: Answers, by question name (e.g. ``{"task_type": "regression"}``).
        template: The template's root (the directory with ``copier.yml``), or a git URL.
        vcs_ref: The git revision of the template to render; ``None`` takes the latest tag.
        overwrite: Whether to overwrite files in ``dest`` that differ from the rendering.
        pretend: Whether to only pretend: copier reports what it would do and writes nothing.
        quiet: Whether to keep copier from printing what it writes.
        answers_file: Where to record the answers, relative to ``dest``; defaults to the
            template's ``_answers_file``.
        defaults: Whether to take the default of every question not in ``data``; ``False``
            lets copier ask them on the terminal.

    Returns:
        The rendered project's directory, absolute.

    Raises:
        AnswerError: When the template refuses an answer; nothing has been written then.
    """
    destination = Path(dest).expanduser().resolve()
    source = str(template)
    if "://" not in source and not source.startswith("git@"):
        # A local template: copier needs an absolute path to find it from its clone.
        source = str(Path(source).expanduser().resolve())
    try:
        copier.run_copy(
            source,
            destination,
            data=dict(data or {}),
            answers_file=answers_file,
            vcs_ref=vcs_ref,
            defaults=defaults,
            overwrite=overwrite,
            pretend=pretend,
            quiet=quiet,
            unsafe=False,
        )
    except ValueError as error:
        refused = _as_answer_error(error)
        if refused is None:
            raise
        raise refused from error
    return destination


def read_answers(
    project: str | Path, answers_file: str | Path = DEFAULT_ANSWERS_FILE
) -> dict[str, Any]:
    """Read the answers a rendered project recorded.

    Args:
        project: The rendered project's directory.
        answers_file: The answers file, relative to ``project``.

    Returns:
        The recorded answers, including copier's own ``_src_path`` and ``_commit``.

    Raises:
        ValueError: When the file does not hold a YAML mapping.
    """
    path = Path(project) / answers_file
    answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(answers, dict):
        raise ValueError(f"{path} must hold a YAML mapping, got {type(answers).__name__}.")
    return answers
