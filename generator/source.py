"""Read a template's settings, so the generator restates none of them.

The after-copy message and the library's own questions belong to the template's
``copier.yml``; the generator reads them there: a local template's from its working tree, a
URL's from a clone at the revision copier renders.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .questionnaire import Questionnaire
from .template import is_computed, load_config

__all__ = [
    "FIRST_TASK_QUESTION",
    "LIBRARY_QUESTIONS",
    "TemplateInfo",
    "after_copy_message",
    "library_questions",
    "open_template",
]

LIBRARY_QUESTIONS: Final = "library_questions"
"""A computed question (``when: false``) that lists the questions a library's tasks share."""

FIRST_TASK_QUESTION: Final = "data_type"
"""Without :data:`LIBRARY_QUESTIONS`, the questions before this one are the library's."""


@dataclass(frozen=True)
class TemplateInfo:
    """A template at one revision.

    Attributes:
        location: The template, a directory or a URL.
        message_after_copy: Its ``_message_after_copy``, not rendered yet.
        questionnaire: Its questions.
    """

    location: str
    message_after_copy: str
    questionnaire: Questionnaire


@contextmanager
def open_template(template: str | Path, vcs_ref: str | None) -> Iterator[TemplateInfo]:
    """Open a template at a revision, as copier would render it.

    Args:
        template: A template directory (read as it is) or a git URL.
        vcs_ref: A URL's revision; ``None`` takes its latest tag.

    Yields:
        The template's settings and questions.
    """
    # The runner imports the library module, which imports this one.
    from .runner import copier_file, local_template

    with local_template(template, vcs_ref) as (root, _, origin):
        path = copier_file(root)
        message = load_config(path).get("_message_after_copy") if path.is_file() else None
        questionnaire = Questionnaire.from_file(path) if path.is_file() else Questionnaire({})
        yield TemplateInfo(origin["template"], str(message or ""), questionnaire)


def library_questions(
    questionnaire: Questionnaire, answers: Mapping[str, Any] | None = None
) -> tuple[str, ...]:
    """Name the questions whose answers every task of a library shares.

    The template names them in its computed :data:`LIBRARY_QUESTIONS` list; a template
    without one shares the asked questions declared before :data:`FIRST_TASK_QUESTION`.

    Args:
        questionnaire: The template's questions.
        answers: Answers to evaluate the list with, if it depends on them.

    Returns:
        The question names, in the template's order.
    """
    if LIBRARY_QUESTIONS in questionnaire.questions:
        value = questionnaire.evaluate(answers).answers.get(LIBRARY_QUESTIONS)
        if isinstance(value, list):
            return tuple(str(name) for name in value)
    names: list[str] = []
    for name, question in questionnaire.questions.items():
        if name == FIRST_TASK_QUESTION:
            break
        if not is_computed(question):
            names.append(name)
    return tuple(names)


def after_copy_message(
    info: TemplateInfo, answers: Mapping[str, Any], dest: Path, answers_file: str
) -> str:
    """Render the template's ``_message_after_copy`` for a rendering, as copier would.

    Args:
        info: The template.
        answers: The rendering's answers.
        dest: Where it was rendered.
        answers_file: Its answers file, relative to ``dest``.

    Returns:
        The message, without trailing blank lines; empty when the template has none.
    """
    if not info.message_after_copy:
        return ""
    context = {
        **info.questionnaire.evaluate(answers).answers,
        "_copier_conf": {
            "dst_path": str(dest),
            "src_path": info.location,
            "answers_file": answers_file,
            "sep": os.sep,
        },
    }
    return str(info.questionnaire.render(info.message_after_copy, context)).rstrip()
