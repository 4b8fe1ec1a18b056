"""Answer a ``copier.yml``'s questionnaire the way copier does, without rendering anything.

Copier validates answers only while it copies, and a copy (even ``pretend=True``) clones the
template and takes most of a second. :class:`Questionnaire` follows copier's own steps for
``copier copy --defaults --data ...`` in microseconds instead: it walks the questions in order,
renders each ``when``, ``default``, ``choices`` and ``validator`` with Jinja (with the Ansible
filters copier loads, e.g. ``regex_search``, and the template's ``_envops``), casts each answer
to its ``type``, checks it against the rendered choices and runs the question's validator. The
answer matrix (:mod:`generator.matrix`) uses it to keep only the answer sets copier accepts.
"""

import copy
import json
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from jinja2 import Template as JinjaTemplate
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from .errors import AnswerError
from .template import (
    COPIER_FILE,
    Question,
    is_computed,
    load_config,
    load_questions,
    load_yaml,
)

__all__ = [
    "Evaluation",
    "Questionnaire",
    "RenderedChoice",
    "cast_to_bool",
]

ANSIBLE_FILTERS: Final = "jinja2_ansible_filters.AnsibleCoreFiltersExtension"
"""The Jinja extension copier always loads (``regex_search``, ``to_yaml``, ``to_nice_yaml``...)."""

_CASTS: Final = frozenset({"bool", "float", "int", "json", "str", "yaml", "path"})


class _Missing:
    """A question without a default (copier's ``MISSING``)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def cast_to_bool(value: Any) -> bool:
    """Read anything as a bool, as copier does for ``type: bool`` and for ``when``.

    Args:
        value: A bool, a number, or text such as ``yes``, ``off`` or ``"{{ x }}"`` rendered.

    Returns:
        The bool: numbers are true unless 0, YAML's words for true and false count as such,
        empty text is false, anything else is Python's ``bool(value)``.
    """
    with suppress(TypeError, ValueError):
        return bool(float(value))
    if isinstance(value, str):
        lower = value.strip().lower()
        if not lower:
            return False
        if lower in {"y", "yes", "t", "true", "on"}:
            return True
        if lower in {"n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
    return bool(value)


def _cast_to_str(value: Any) -> str:
    """Cast a text or a number to ``str`` and refuse anything else, as copier does."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode()
    raise ValueError(f"Could not convert {value!r} to string")


def _parse_yaml_list(text: str) -> list[str]:
    """Split a YAML list in text into its raw items, as copier reads a multiselect default.

    Args:
        text: A YAML list, e.g. ``[numpy, sklearn]`` or ``- numpy``.

    Returns:
        Each item's text, unquoted.

    Raises:
        TypeError: When the text is not a YAML list.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.nodes.SequenceNode):
        raise TypeError(f"Not a YAML list: {text!r}")
    items = []
    for item in node.value:
        raw = text[item.start_mark.index : item.end_mark.index].strip()
        if (
            isinstance(item, yaml.nodes.ScalarNode)
            and item.tag == "tag:yaml.org,2002:str"
            and len(raw) >= 2
            and raw[0] == raw[-1]
            and raw[0] in {'"', "'"}
        ):
            raw = raw[1:-1]
        items.append(raw)
    return items


@dataclass(frozen=True)
class RenderedChoice:
    """One choice of a question, rendered for a set of answers.

    Attributes:
        value: The value the answer takes (what lands in the answers file).
        disabled: Why the choice is not allowed now (its rendered ``validator``); empty if it is.
    """

    value: Any
    disabled: str = ""


@dataclass(frozen=True)
class Evaluation:
    """What copier would make of a set of answers.

    Attributes:
        answers: Every question's answer up to the first refusal, computed ones included, by
            name, as the template's files see them.
        asked: The questions copier asks for these answers (not computed, ``when`` true), in
            order.
        choices: Each choice question's choices as rendered for these answers.
        error: The first refusal, or ``None`` when copier accepts every answer.
    """

    answers: dict[str, Any]
    asked: tuple[str, ...]
    choices: dict[str, tuple[RenderedChoice, ...]] = field(default_factory=dict)
    error: AnswerError | None = None

    @property
    def ok(self) -> bool:
        """Whether copier accepts every answer."""
        return self.error is None


_ABSENT: Final = ("__absent__",)
"""What a question reads of an answer that is not there, in an outcome's key."""


def _hashable(value: Any) -> Any:
    """Make an answer hashable, telling apart values that compare equal but differ in type."""
    if isinstance(value, Mapping):
        return ("__map__", *((key, _hashable(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return ("__list__", *(_hashable(item) for item in value))
    if isinstance(value, (str, int, float, bool, type(None))):
        return (type(value).__name__, value)
    return ("__repr__", type(value).__name__, repr(value))


@dataclass(frozen=True)
class _Outcome:
    """What one question makes of the answers it reads.

    Attributes:
        when: Whether the question is asked.
        choices: Its rendered choices, for a choice question (as far as they rendered).
        answer: Its answer.
        error: Its refusal, if any.
        skipped: Whether it has no answer at all (not asked, no default).
        key: The answer made hashable, as the outcomes of the questions that read it are
            remembered by.
    """

    when: bool
    choices: tuple[RenderedChoice, ...] | None
    answer: Any = None
    error: AnswerError | None = None
    skipped: bool = False
    key: Any = None


def _shown(question: Question, rendered: tuple[RenderedChoice, ...] | None) -> Any:
    """The choices an evaluation shows for a question refused while they rendered."""
    return rendered if question.get("choices") and rendered is not None else None


class Questionnaire:
    """A ``copier.yml``'s questions, answered like ``copier copy --defaults --data ...``.

    Args:
        questions: The questions, in order, as :func:`generator.template.load_questions`
            reads them.
        envops: The template's ``_envops`` (Jinja environment options).
        extensions: More Jinja extensions (the template's ``_jinja_extensions``); one that
            cannot be imported is left out.
        context: Extra names for Jinja, e.g. a stand-in for copier's ``_copier_conf``.
    """

    def __init__(
        self,
        questions: Mapping[str, Question],
        envops: Mapping[str, Any] | None = None,
        extensions: Sequence[str] = (),
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.questions: dict[str, Question] = dict(questions)
        options = {"keep_trailing_newline": True, **dict(envops or {})}
        options.pop("undefined", None)  # copier only allows its own two; the default fits
        loaded: list[str] = [ANSIBLE_FILTERS]
        for extension in extensions:
            with suppress(Exception):
                SandboxedEnvironment(extensions=[extension])
                loaded.append(extension)
        self._env = SandboxedEnvironment(extensions=loaded, **options)
        self._templates: dict[str, JinjaTemplate] = {}
        self._jinja_text: dict[str, bool] = {}
        self._variables: dict[str, frozenset[str]] = {}
        self._reads: dict[str, tuple[str, ...]] = {}
        self._outcomes: dict[tuple[Any, ...], _Outcome] = {}
        # Text without Jinja syntax renders to itself; most settings are such text.
        env = self._env
        self._markers: tuple[str, ...] = (
            env.variable_start_string,
            env.block_start_string,
            env.comment_start_string,
        )
        self._always_render = bool(
            env.line_statement_prefix or env.line_comment_prefix or not env.keep_trailing_newline
        )
        self._context: dict[str, Any] = {
            "_copier_conf": {"answers_file": ".copier-answers.yml", "sep": os.sep, "os": "linux"},
            "_folder_name": "project",
            "_copier_python": sys.executable,
            **dict(context or {}),
        }

    @classmethod
    def from_file(cls, path: Path = COPIER_FILE) -> "Questionnaire":
        """Read a template's ``copier.yml``: its questions, ``_envops`` and extensions.

        Args:
            path: The ``copier.yml`` to read.

        Returns:
            The questionnaire.
        """
        config = load_config(path)
        return cls(
            load_questions(path),
            envops=config.get("_envops") or {},
            extensions=config.get("_jinja_extensions") or (),
            context={"_copier_conf": {"src_path": str(path.parent), "sep": os.sep}},
        )

    # --- Jinja ---------------------------------------------------------------------------------

    def _compile(self, text: str) -> JinjaTemplate:
        template = self._templates.get(text)
        if template is None:
            template = self._templates[text] = self._env.from_string(text)
        return template

    def render(self, value: Any, context: Mapping[str, Any]) -> Any:
        """Render a value as copier renders a question's setting.

        Args:
            value: Text to render as Jinja; a list has each item rendered; anything else is
                returned as it is.
            context: The names Jinja sees (the answers so far).

        Returns:
            The rendered value.
        """
        if isinstance(value, str):
            if not self._is_jinja(value):
                return value
            return self._compile(value).render({**self._context, **context})
        if isinstance(value, list):
            if not any(isinstance(item, (str, list)) and self._is_jinja(item) for item in value):
                return list(value)
            return [self.render(item, context) for item in value]
        return value

    def _is_jinja(self, value: str | list[Any]) -> bool:
        """Tell whether text (or any text in a list) holds Jinja syntax, so renders to another."""
        if isinstance(value, list):
            return any(isinstance(item, (str, list)) and self._is_jinja(item) for item in value)
        found = self._jinja_text.get(value)
        if found is None:
            found = self._always_render or any(mark in value for mark in self._markers)
            self._jinja_text[value] = found
        return found

    def references(
        self, name: str, keys: Sequence[str] = ("when", "default", "choices", "type")
    ) -> set[str]:
        """Name every variable that some of a question's templated settings use.

        Args:
            name: The question.
            keys: The settings to look at; add ``validator`` for what its check reads.

        Returns:
            The names those settings read, the question itself excluded.
        """
        question = self.questions[name]
        found: set[str] = set()
        pending: list[Any] = [question.get(key) for key in keys]
        while pending:
            value = pending.pop()
            if isinstance(value, Mapping):
                pending.extend(value.keys())
                pending.extend(value.values())
            elif isinstance(value, (list, tuple)):
                pending.extend(value)
            elif isinstance(value, str) and self._is_jinja(value):
                found |= self._undeclared(value)
        found.discard(name)
        return found

    def _undeclared(self, text: str) -> frozenset[str]:
        """The variables a Jinja text reads, parsed once per text (none when it cannot parse)."""
        found = self._variables.get(text)
        if found is None:
            found = frozenset()
            with suppress(Exception):
                found = frozenset(meta.find_undeclared_variables(self._env.parse(text)))
            self._variables[text] = found
        return found

    # --- One question --------------------------------------------------------------------------

    def type_name(self, name: str, context: Mapping[str, Any] | None = None) -> str:
        """Tell a question's type, rendered, or inferred from its default as copier does.

        Args:
            name: The question.
            context: The answers so far, for a templated ``type``.

        Returns:
            One of ``str``, ``int``, ``float``, ``bool``, ``json``, ``yaml`` and ``path``.

        Raises:
            ValueError: For a type copier does not know.
        """
        question = self.questions[name]
        if "type" in question and question["type"] not in (None, ""):
            type_name = str(self.render(question["type"], context or {})).strip()
        else:
            inferred = type(question.get("default")).__name__
            type_name = inferred if inferred in _CASTS else "yaml"
        if type_name not in _CASTS:
            raise ValueError(f'Unsupported type "{type_name}" in question "{name}"')
        return type_name

    def _cast(self, name: str, type_name: str, value: Any) -> Any:
        if value is None and type_name not in {"json", "yaml"}:
            raise ValueError(f'Invalid answer "None" to question "{name}" of type "{type_name}"')
        if type_name == "bool":
            return cast_to_bool(value)
        if type_name == "float":
            return float(value)
        if type_name == "int":
            return int(value)
        if type_name in {"str", "path"}:
            return _cast_to_str(value) if type_name == "str" else str(value)
        if not isinstance(value, str):
            return value
        if type_name == "json":
            return json.loads(value)
        return load_yaml(value)

    def cast(self, name: str, value: Any, context: Mapping[str, Any] | None = None) -> Any:
        """Cast an answer (or each item of a multiselect answer) to the question's type.

        Args:
            name: The question.
            value: The answer.
            context: The answers so far, for a templated ``type``.

        Returns:
            The cast answer.
        """
        type_name = self.type_name(name, context)
        if self.questions[name].get("multiselect") and isinstance(value, list):
            return [self._cast(name, type_name, item) for item in value]
        return self._cast(name, type_name, value)

    def choices(self, name: str, context: Mapping[str, Any]) -> tuple[RenderedChoice, ...]:
        """Render a question's choices for a set of answers.

        Copier's ``choices`` may be a list of values or of ``[label, value]`` pairs, a mapping
        from label to value (a value may be ``{"value": ..., "validator": ...}``), or Jinja
        text that renders to a YAML list or mapping.

        Args:
            name: The question.
            context: The answers so far.

        Returns:
            The choices in order; none for a question that takes free input.
        """
        choices = self.questions[name].get("choices")
        if not choices:
            return ()
        if isinstance(choices, str):
            choices = load_yaml(self.render(choices, context)) or []
        items = list(choices.items()) if isinstance(choices, Mapping) else list(choices)
        rendered = []
        for item in items:
            value = item[1] if isinstance(item, (list, tuple)) and len(item) == 2 else item
            disabled = ""
            if isinstance(item, (list, tuple)) and isinstance(value, Mapping):
                disabled = str(self.render(value.get("validator", ""), context)).strip()
                value = value["value"]
            value = self.render(value, context)
            rendered.append(RenderedChoice(self.cast(name, value, context), disabled))
        return tuple(rendered)

    def _parse_one(
        self, name: str, answer: Any, choices: Sequence[RenderedChoice], context: Mapping[str, Any]
    ) -> Any:
        value = self.cast(name, answer, context)
        if not choices:
            return value
        for choice in choices:
            if choice.value == value:
                if choice.disabled:
                    raise AnswerError(name, " ".join(choice.disabled.split()))
                return value
        valid = [choice.value for choice in choices if not choice.disabled]
        raise AnswerError(name, f"{value!r} is not in {valid}")

    def parse(
        self, name: str, answer: Any, choices: Sequence[RenderedChoice], context: Mapping[str, Any]
    ) -> Any:
        """Parse an answer as copier does: cast it and check it against the choices.

        Args:
            name: The question.
            answer: The answer as given (a multiselect answer may be a YAML list in text).
            choices: The question's rendered choices.
            context: The answers so far.

        Returns:
            The parsed answer; a multiselect answer lists its values in the choices' order.

        Raises:
            AnswerError: When the answer is not one of the choices.
        """
        if not self.questions[name].get("multiselect"):
            return self._parse_one(name, answer, choices, context)
        if isinstance(answer, str):
            answer = _parse_yaml_list(answer)
        if not isinstance(answer, (list, tuple)):
            raise AnswerError(name, f"expected a list, got {answer!r}")
        parsed = [self._parse_one(name, item, choices, context) for item in answer]
        if not choices:
            return parsed
        return [choice.value for choice in choices if choice.value in parsed]

    def validate(self, name: str, answer: Any, context: Mapping[str, Any]) -> None:
        """Run a question's validator on an answer.

        Args:
            name: The question.
            answer: Its parsed answer.
            context: The other answers so far.

        Raises:
            AnswerError: When the validator renders a message.
        """
        validator = self.questions[name].get("validator")
        if not validator:
            return
        try:
            message = str(self.render(validator, {**context, name: answer})).strip()
        except Exception as error:  # copier reports any failure as the message
            message = str(error)
        if message:
            raise AnswerError(name, " ".join(message.split()))

    # --- Every question ------------------------------------------------------------------------

    def evaluate(
        self, data: Mapping[str, Any] | None = None, *, shared: bool = False
    ) -> Evaluation:
        """Answer every question as ``copier copy --defaults --data ...`` would.

        Each question takes its answer from ``data`` or else its rendered default; asked
        questions (and computed ones answered in ``data``) are validated, as copier does.
        Every setting renders with the answers so far over ``data``, as copier's context.
        A question's outcome depends only on the answers its settings read (and its own given
        answer), so it is worked out once per such answers and remembered.

        Args:
            data: Answers by question name; the others take their default.
            shared: Let the answers' lists and mappings be the very objects other evaluations
                get (faster, for a caller that never changes them); else each is a copy.

        Returns:
            The answers up to the first refusal, the questions asked, and the refusal if any.
        """
        given = dict(data or {})
        answers: dict[str, Any] = {}
        keys: dict[str, Any] = {}  # each answer so far (or given) as its outcome's key reads it
        asked: list[str] = []
        choices: dict[str, tuple[RenderedChoice, ...]] = {}
        for name in self.questions:
            outcome = self._outcome(name, given, answers, keys)
            if outcome.choices is not None:
                choices[name] = outcome.choices
            if outcome.error is not None:
                return Evaluation(answers, tuple(asked), choices, outcome.error)
            if outcome.skipped:
                continue
            answer = outcome.answer
            if not shared and isinstance(answer, (list, dict)):
                answer = copy.deepcopy(answer)
            answers[name] = answer
            keys[name] = outcome.key
            if outcome.when:
                asked.append(name)
        return Evaluation(answers, tuple(asked), choices)

    def _outcome(
        self,
        name: str,
        given: Mapping[str, Any],
        answers: Mapping[str, Any],
        keys: dict[str, Any],
    ) -> _Outcome:
        """One question's outcome for the answers so far, remembered by what it reads."""
        reads = self._reads.get(name)
        if reads is None:
            settings = ("when", "default", "choices", "type", "validator")
            reads = self._reads[name] = tuple(sorted(self.references(name, settings)))
        parts = [name, _hashable(given[name]) if name in given else _ABSENT]
        for other in reads:
            if other not in keys:
                keys[other] = _hashable(given[other]) if other in given else _ABSENT
            parts.append(keys[other])
        key = tuple(parts)
        found = self._outcomes.get(key)
        if found is None:
            found = self._work_out(name, given, {**given, **answers})
            self._outcomes[key] = found
        return found

    def _work_out(
        self, name: str, given: Mapping[str, Any], context: Mapping[str, Any]
    ) -> _Outcome:
        """Work out one question's outcome: asked or not, its choices, answer or refusal."""
        question = self.questions[name]
        when = False
        rendered: tuple[RenderedChoice, ...] | None = None
        try:
            when = not is_computed(question) and cast_to_bool(
                self.render(question.get("when", True), context)
            )
            rendered = self.choices(name, context)
            shown = rendered if question.get("choices") else None
            if name in given:
                answer = self.parse(name, given[name], rendered, context)
                self.validate(name, answer, context)
            else:
                default = question.get("default", MISSING)
                if default is MISSING:
                    if not when:
                        return _Outcome(when, shown, skipped=True)
                    raise AnswerError(name, "an answer is required")
                default = self.render(default, {**context, "UNSET": MISSING})
                answer = self.parse(name, default, rendered, context)
                if when and not question.get("secret"):
                    self.validate(name, answer, context)
        except AnswerError as error:
            return _Outcome(when, _shown(question, rendered), error=error)
        except Exception as error:  # a template error refuses the answers
            message = " ".join(str(error).split()) or type(error).__name__
            return _Outcome(when, _shown(question, rendered), error=AnswerError(name, message))
        return _Outcome(when, shown, answer, key=_hashable(answer))

    def check(self, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Answer every question, or raise the refusal, like :meth:`evaluate`.

        Args:
            data: Answers by question name.

        Returns:
            Every question's answer, computed ones included.

        Raises:
            AnswerError: When copier would refuse an answer.
        """
        evaluation = self.evaluate(data)
        if evaluation.error is not None:
            raise evaluation.error
        return evaluation.answers
