"""Add a task to a library that the template rendered before (``flash-task add``).

A library keeps the answers of its first task in ``.copier-answers.yml``. Another task is
rendered into the same directory with ``new_library=false``, so the template renders only the
task's own files (its package, tests and example) and leaves the library's ``pyproject.toml``,
README and core alone; copier names the task's own answers file from the template's
``_answers_file``, so each task can be updated on its own. The library's shared answers (the
template's :func:`~generator.source.library_questions`) are read from its answers file, so the
new task lands in the same package, and the library's README (task table, install notes),
CHANGELOG, re-exports, dependencies, mypy overrides and CI workflow take the new task
(:mod:`generator.library_files`).

By default a task renders from the template and version the library's answers file records,
so it matches the library's core; ``flash-task update`` then brings every task forward.
"""

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Final

from .errors import ConflictError, LibraryError
from .git import has_commit, repository_root
from .library_files import FileEdit, library_edits
from .questionnaire import Questionnaire
from .render import (
    DEFAULT_ANSWERS_FILE,
    RenderPlan,
    default_vcs_ref,
    is_remote,
    preview,
    read_answers,
    recorded_answers,
    render,
)
from .source import library_questions, open_template
from .template import TEMPLATE_ROOT

__all__ = [
    "NEW_LIBRARY",
    "RECORDED",
    "TaskPlan",
    "add_planned",
    "add_task",
    "base_library_answers",
    "library_template",
    "plan_task",
]

NEW_LIBRARY: Final = "new_library"
"""The template's question that renders a whole library (true) or only a task (false)."""

TASK_PACKAGE: Final = "task_package"
"""The template's computed dotted name of a task's package, when it has one."""


class _Recorded(Enum):
    RECORDED = "recorded"


RECORDED: Final = _Recorded.RECORDED
"""``vcs_ref`` for the template version the library's answers file records."""


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


def _revision(
    existing: Mapping[str, Any], template: str | Path | None, vcs_ref: "str | _Recorded | None"
) -> tuple[str | Path, str | None, str]:
    """Choose the template, its revision, and say which, for a task added to a library.

    Returns:
        The template, the revision to render it at, and both in words.
    """
    source = library_template(existing) if template is None else template
    local_git = not is_remote(source) and repository_root(Path(source)) is not None
    if vcs_ref is not RECORDED:
        return source, vcs_ref, f"{source} at {vcs_ref or 'its latest tag'}"
    commit = existing.get("_commit")
    if (
        template is None
        and commit
        and (is_remote(source) or not local_git or has_commit(Path(source), str(commit)))
    ):
        return (
            source,
            str(commit),
            f"{source} at {commit}, the version {DEFAULT_ANSWERS_FILE} records",
        )
    ref = default_vcs_ref(source)
    if not is_remote(source) and not local_git:
        where = "as it is (not a git repository)"
    elif ref is None:
        where = "at its latest tag"
    else:
        where = "at HEAD, uncommitted edits included"
    if template is None and commit:
        where += f" ({DEFAULT_ANSWERS_FILE} records {commit}, which it does not have)"
    return source, ref, f"{source} {where}"


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
        plan: What rendering it would do to the library's files.
        template: The template to render.
        vcs_ref: Its revision.
        origin: The template and its revision, in words.
        edits: The library's own files as they will be with the task (README, CHANGELOG,
            pyproject, CI workflow, a data type's re-exports).
        notes: What could not be merged and is left to do by hand.
    """

    library: Path
    data: dict[str, Any]
    answers_file: str
    data_type: str
    task_type: str
    plan: RenderPlan
    template: str | Path
    vcs_ref: str | None
    origin: str
    edits: tuple[FileEdit, ...] = ()
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Describe the plan, one ``action path`` line per file, edits included."""
        edited = {edit.path: edit.what for edit in self.edits}
        lines = [line for line in self.plan.lines() if line.split(maxsplit=1)[-1] not in edited]
        lines += [f"{'update':<9} {path} ({what})" for path, what in edited.items()]
        return sorted(lines, key=lambda line: line.split(maxsplit=1)[-1])


def _existing_package(root: Path, rendered: RenderPlan, package: Any) -> str | None:
    """The task's package directory in the library, relative, if it exists already."""
    if not isinstance(package, str) or not package:
        return None
    suffix = "/" + package.replace(".", "/")
    for path in (*rendered.create, *rendered.identical, *rendered.conflicts, *rendered.skipped):
        folder = "/" + path.rpartition("/")[0]
        if folder.endswith(suffix):
            relative = folder.lstrip("/")
            return relative if (root / relative).exists() else None
    return None


def plan_task(
    library: str | Path,
    data: Mapping[str, Any] | None = None,
    *,
    template: str | Path | None = None,
    vcs_ref: "str | _Recorded | None" = RECORDED,
    defaults: bool = True,
) -> TaskPlan:
    """Work out how to add a task to a library, without writing to it.

    Args:
        library: The library's root (with ``.copier-answers.yml``).
        data: The task's answers, e.g. ``{"data_type": "tabular"}``; they win over the
            library's shared answers.
        template: The template; by default the one the library was rendered from.
        vcs_ref: The template's git revision; ``None`` takes the latest tag; by default the
            version the library records, when the template is the library's own.
        defaults: Whether unanswered questions take their default (else copier asks them).

    Returns:
        The plan.

    Raises:
        LibraryError: When ``library`` is not a rendered library, the template cannot add a
            task, the library already has this task, or a library file cannot be parsed.
        AnswerError: When the template refuses an answer.
    """
    root = Path(library).expanduser().resolve()
    if not (root / DEFAULT_ANSWERS_FILE).is_file():
        raise LibraryError(f"{root} is not a rendered library: it has no {DEFAULT_ANSWERS_FILE}")
    existing = read_answers(root)
    source, ref, origin = _revision(existing, template, vcs_ref)
    with open_template(source, ref) as info:
        questionnaire = info.questionnaire
        shared_names = library_questions(questionnaire, recorded_answers(existing))
    shared = {key: existing[key] for key in shared_names if key in existing}
    answers = {**shared, **dict(data or {}), NEW_LIBRARY: False}
    trial = preview(root, answers, template=source, vcs_ref=ref, defaults=defaults)
    recorded = recorded_answers(trial.answers)
    if NEW_LIBRARY not in recorded:
        raise LibraryError(
            f"the template at {source} has no {NEW_LIBRARY} question, so it cannot add a task "
            "to an existing library"
        )
    data_type, task_type = str(recorded.get("data_type")), str(recorded.get("task_type"))
    answers_file = trial.answers_file
    if answers_file == DEFAULT_ANSWERS_FILE:
        raise LibraryError(
            f"the template at {source} records a task's answers in {answers_file}, the "
            "library's own answers file; its _answers_file must name one file per task"
        )
    if (root / answers_file).exists():
        raise LibraryError(f"{root} already has a {data_type}/{task_type} task: {answers_file}")
    computed = questionnaire.evaluate(recorded).answers
    package = _existing_package(root, trial, computed.get(TASK_PACKAGE))
    if package is not None:
        raise LibraryError(f"{root} already has a {data_type}/{task_type} task: {package}")
    task_data = {**answers, **recorded, NEW_LIBRARY: False}
    with tempfile.TemporaryDirectory(prefix="flash-task-view-") as scratch:
        view = render(
            Path(scratch) / root.name,
            {**task_data, NEW_LIBRARY: True},
            template=source,
            vcs_ref=ref,
        )
        edits, notes = library_edits(root, view, trial.skipped)
    return TaskPlan(
        root,
        task_data,
        answers_file,
        data_type,
        task_type,
        trial,
        source,
        ref,
        origin,
        tuple(edits),
        tuple(notes),
    )


def add_planned(plan: TaskPlan, *, overwrite: bool = False) -> TaskPlan:
    """Carry out a plan: refuse conflicts, render the task, then edit the library's files.

    Args:
        plan: What :func:`plan_task` returned.
        overwrite: Whether to overwrite library files that differ from the rendering.

    Returns:
        The plan.

    Raises:
        ConflictError: When the task would overwrite different files and ``overwrite`` is
            false; nothing has been written then.
    """
    if plan.plan.conflicts and not overwrite:
        raise ConflictError(str(plan.library), plan.plan.conflicts)
    render(
        plan.library,
        plan.data,
        template=plan.template,
        vcs_ref=plan.vcs_ref,
        overwrite=overwrite,
    )
    for edit in plan.edits:
        (plan.library / edit.path).write_text(edit.text, encoding="utf-8")
    return plan


def add_task(
    library: str | Path,
    data: Mapping[str, Any] | None = None,
    *,
    template: str | Path | None = None,
    vcs_ref: "str | _Recorded | None" = RECORDED,
    overwrite: bool = False,
    defaults: bool = True,
) -> TaskPlan:
    """Add a task to a library: plan it, refuse conflicts, render it, keep the library whole.

    Args:
        library: The library's root (with ``.copier-answers.yml``).
        data: The task's answers, e.g. ``{"data_type": "tabular"}``.
        template: The template; by default the one the library was rendered from.
        vcs_ref: The template's git revision (see :func:`plan_task`).
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
    return add_planned(plan, overwrite=overwrite)


def base_library_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Choose a library to add a ``new_library=false`` task to, for checking such a task.

    The library shares the task's answers to the template's library questions
    (:func:`~generator.source.library_questions`) and holds another task:
    the next ``task_type`` choice, or else a ``<data_type>_base`` data type.

    Args:
        questionnaire: The template's questions.
        answers: The task's answers.

    Returns:
        The answers to render the library with (``new_library=true``).
    """
    task = questionnaire.check({**answers})
    shared = library_questions(questionnaire, task)
    base: dict[str, Any] = {key: answers[key] for key in shared if key in answers}
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
