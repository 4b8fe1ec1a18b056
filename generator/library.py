"""Add a task to a library that the template rendered before (``flash-task add``).

A library keeps the answers of its first task in ``.copier-answers.yml``. Another task is
rendered into the same directory with ``new_library=false``, so the template renders only the
task's own files (its package, tests and example) and leaves the library's ``pyproject.toml``,
README and core alone; its answers go to ``.copier-answers.<data_type>-<task_type>.yml``, so
each task can be updated on its own. The library's shared answers (:data:`SHARED_QUESTIONS`)
are read from its answers file, so the new task lands in the same package.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .errors import ConflictError, LibraryError
from .questionnaire import Questionnaire
from .render import (
    DEFAULT_ANSWERS_FILE,
    RenderPlan,
    is_remote,
    preview,
    read_answers,
    recorded_answers,
    render,
)
from .template import TEMPLATE_ROOT

__all__ = [
    "NEW_LIBRARY",
    "SHARED_QUESTIONS",
    "TaskPlan",
    "add_task",
    "base_library_answers",
    "library_template",
    "plan_task",
    "task_answers_file",
    "task_package_dir",
]

NEW_LIBRARY: Final = "new_library"
"""The template's question that renders a whole library (true) or only a task (false)."""

SHARED_QUESTIONS: Final[tuple[str, ...]] = (
    "project_name",
    "library_name",
    "description",
    "author_name",
    "author_email",
    "license",
    "core_import",
)
"""The answers every task of a library shares, read from the library's answers file."""

_PREVIEW_ANSWERS: Final = ".copier-answers.flash-task-add.yml"
"""Where the trial rendering records its answers, before the task's own file is known."""


def task_answers_file(data_type: str, task_type: str) -> str:
    """Name the answers file of a task added to a library.

    Args:
        data_type: The task's data type, e.g. ``tabular``.
        task_type: The task's type, e.g. ``regression``.

    Returns:
        ``.copier-answers.<data_type>-<task_type>.yml``.
    """
    return f".copier-answers.{data_type}-{task_type}.yml"


def task_package_dir(library: Path, library_name: str, data_type: str, task_type: str) -> Path:
    """Locate a task's package in a library: ``src/<library>/<data_type>/<task_type>``.

    Args:
        library: The library's root.
        library_name: Its import package.
        data_type: The task's data type.
        task_type: The task's type.

    Returns:
        The package directory (which may not exist).
    """
    return library / "src" / library_name / data_type / task_type


def library_template(answers: Mapping[str, Any]) -> str | Path:
    """Find the template a library was rendered from, to render its next task with.

    Args:
        answers: The library's recorded answers.

    Returns:
        Its ``_src_path`` when that is a URL or an existing directory, else this repository.
    """
    source = answers.get("_src_path")
    if isinstance(source, str) and source:
        if is_remote(source) or Path(source).expanduser().is_dir():
            return source
    return TEMPLATE_ROOT


@dataclass(frozen=True)
class TaskPlan:
    """How a task would be added to a library.

    Attributes:
        library: The library's root, absolute.
        data: The answers to render the task with (shared answers, ``new_library=false``,
            and every answer the trial rendering recorded).
        answers_file: The task's answers file, relative to the library.
        data_type: The task's data type.
        task_type: The task's type.
        plan: What rendering it would do to the library's files (the trial rendering's
            answers file left out).
    """

    library: Path
    data: dict[str, Any]
    answers_file: str
    data_type: str
    task_type: str
    plan: RenderPlan


def plan_task(
    library: str | Path,
    data: Mapping[str, Any] | None = None,
    *,
    template: str | Path | None = None,
    vcs_ref: str | None = "HEAD",
    defaults: bool = True,
) -> TaskPlan:
    """Work out how to add a task to a library, without writing to it.

    Args:
        library: The library's root (with ``.copier-answers.yml``).
        data: The task's answers, e.g. ``{"data_type": "tabular"}``; they win over the
            library's shared answers.
        template: The template; by default the one the library was rendered from.
        vcs_ref: The template's git revision; ``None`` takes the latest tag.
        defaults: Whether unanswered questions take their default (else copier asks them).

    Returns:
        The plan.

    Raises:
        LibraryError: When ``library`` is not a rendered library, the template cannot add a
            task, or the library already has this task.
        AnswerError: When the template refuses an answer.
    """
    root = Path(library).expanduser().resolve()
    if not (root / DEFAULT_ANSWERS_FILE).is_file():
        raise LibraryError(f"{root} is not a rendered library: it has no {DEFAULT_ANSWERS_FILE}")
    existing = read_answers(root)
    shared = {key: existing[key] for key in SHARED_QUESTIONS if key in existing}
    answers = {**shared, **dict(data or {}), NEW_LIBRARY: False}
    source = library_template(existing) if template is None else template
    trial = preview(
        root,
        answers,
        template=source,
        vcs_ref=vcs_ref,
        answers_file=_PREVIEW_ANSWERS,
        defaults=defaults,
    )
    recorded = recorded_answers(trial.answers)
    if NEW_LIBRARY not in recorded:
        raise LibraryError(
            f"the template at {source} has no {NEW_LIBRARY} question, so it cannot add a task "
            "to an existing library"
        )
    data_type, task_type = str(recorded.get("data_type")), str(recorded.get("task_type"))
    answers_file = task_answers_file(data_type, task_type)
    if (root / answers_file).exists():
        raise LibraryError(f"{root} already has a {data_type}/{task_type} task: {answers_file}")
    library_name = str(recorded.get("library_name", existing.get("library_name", "")))
    package = task_package_dir(root, library_name, data_type, task_type)
    if package.exists():
        relative = package.relative_to(root).as_posix()
        raise LibraryError(f"{root} already has a {data_type}/{task_type} task: {relative}")
    plan = RenderPlan(
        root,
        answers_file,
        trial.answers,
        (*(path for path in trial.create if path != trial.answers_file), answers_file),
        trial.identical,
        tuple(path for path in trial.conflicts if path != trial.answers_file),
        trial.skipped,
    )
    return TaskPlan(
        root, {**answers, **recorded, NEW_LIBRARY: False}, answers_file, data_type, task_type, plan
    )


def add_task(
    library: str | Path,
    data: Mapping[str, Any] | None = None,
    *,
    template: str | Path | None = None,
    vcs_ref: str | None = "HEAD",
    overwrite: bool = False,
    defaults: bool = True,
) -> TaskPlan:
    """Add a task to a library: plan it, refuse conflicts, then render it into the library.

    Args:
        library: The library's root (with ``.copier-answers.yml``).
        data: The task's answers, e.g. ``{"data_type": "tabular"}``.
        template: The template; by default the one the library was rendered from.
        vcs_ref: The template's git revision; ``None`` takes the latest tag.
        overwrite: Whether to overwrite library files that differ from the rendering.
        defaults: Whether unanswered questions take their default (else copier asks them).

    Returns:
        The plan that was carried out.

    Raises:
        LibraryError: When the library cannot take the task (see :func:`plan_task`).
        ConflictError: When the task would overwrite different files and ``overwrite`` is
            false; nothing has been written then.
        AnswerError: When the template refuses an answer; nothing has been written then.
    """
    plan = plan_task(library, data, template=template, vcs_ref=vcs_ref, defaults=defaults)
    if plan.plan.conflicts and not overwrite:
        raise ConflictError(str(plan.library), plan.plan.conflicts)
    source = library_template(read_answers(plan.library)) if template is None else template
    render(
        plan.library,
        plan.data,
        template=source,
        vcs_ref=vcs_ref,
        overwrite=overwrite,
        answers_file=plan.answers_file,
    )
    return plan


def base_library_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Choose a library to add a ``new_library=false`` task to, for checking such a task.

    The library shares the task's :data:`SHARED_QUESTIONS` answers and holds another task:
    the next ``task_type`` choice, or else a ``<data_type>_base`` data type.

    Args:
        questionnaire: The template's questions.
        answers: The task's answers.

    Returns:
        The answers to render the library with (``new_library=true``).
    """
    task = questionnaire.check({**answers})
    base: dict[str, Any] = {key: answers[key] for key in SHARED_QUESTIONS if key in answers}
    base[NEW_LIBRARY] = True
    evaluation = questionnaire.evaluate(base)
    others = [
        choice.value
        for choice in evaluation.choices.get("task_type", ())
        if choice.value != task.get("task_type") and not choice.disabled
    ]
    if others:
        base["task_type"] = others[0]
    else:
        base["data_type"] = f"{task.get('data_type', 'task')}_base"
    return base
