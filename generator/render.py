"""Render the template into a new project with copier, non-interactively by default."""

import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import copier
import yaml

from .errors import AnswerError
from .questionnaire import Questionnaire
from .template import COPIER_FILE, TEMPLATE_ROOT, check_answer_keys, load_questions

__all__ = [
    "DEFAULT_ANSWERS_FILE",
    "RenderPlan",
    "default_vcs_ref",
    "is_remote",
    "preview",
    "read_answers",
    "recorded_answers",
    "render",
]

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


def is_remote(template: str | Path) -> bool:
    """Tell a template URL (``https://...``, ``git@host:...``, ``gh:owner/repo``) from a path.

    Args:
        template: The template, as given.

    Returns:
        ``True`` for a URL, ``False`` for a local directory.
    """
    text = str(template)
    return "://" in text or text.startswith(("git@", "gh:", "gl:"))


def default_vcs_ref(template: str | Path) -> str | None:
    """Choose the revision to render a template at, when none is asked for.

    Args:
        template: The template, a local directory or a URL.

    Returns:
        ``"HEAD"`` for a local directory, so its uncommitted edits are rendered too; ``None``
        for a URL, so copier takes its latest tag (or its default branch without tags).
    """
    return None if is_remote(template) else "HEAD"


def _source(template: str | Path) -> str:
    """Copier's ``src_path``: a URL as it is, a local template as an absolute path."""
    if is_remote(template):
        return str(template)
    # A local template: copier needs an absolute path to find it from its clone.
    return str(Path(template).expanduser().resolve())


def _copy(
    dest: Path,
    data: Mapping[str, Any] | None,
    *,
    template: str | Path,
    vcs_ref: str | None,
    overwrite: bool,
    pretend: bool,
    quiet: bool,
    answers_file: str | Path | None,
    defaults: bool,
) -> Any:
    """Run ``copier.run_copy``, turning a refused answer into ``AnswerError``.

    Returns:
        Copier's worker, which knows the answers file and the ``_skip_if_exists`` patterns.

    Raises:
        AnswerError: When an answer is refused, or given to a question that the template (a
            local directory) computes.
    """
    if not is_remote(template):
        for name in ("copier.yml", "copier.yaml"):
            config = Path(template).expanduser() / name
            if config.is_file():
                check_answer_keys(dict(data or {}), load_questions(config), unknown=False)
                break
        if defaults and vcs_ref == "HEAD" and _source(template) == str(TEMPLATE_ROOT):
            # Copier clones the template (a second or two) before it validates an answer; this
            # template's questionnaire answers as copier would, so a refusal comes first.
            Questionnaire.from_file(COPIER_FILE).check(data)
    try:
        return copier.run_copy(
            _source(template),
            dest,
            data=dict(data or {}),
            answers_file=None if answers_file is None else str(answers_file),
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
        template: The template's root (the directory with ``copier.yml``), or a git URL; any
            copier template works.
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
    _copy(
        destination,
        data,
        template=template,
        vcs_ref=vcs_ref,
        overwrite=overwrite,
        pretend=pretend,
        quiet=quiet,
        answers_file=answers_file,
        defaults=defaults,
    )
    return destination


@dataclass(frozen=True)
class RenderPlan:
    """What rendering into a directory would do, file by file, found by rendering elsewhere.

    Paths are relative to :attr:`dest`, with ``/`` separators, sorted.

    Attributes:
        dest: The directory the plan is for, absolute.
        answers_file: The answers file copier would write.
        answers: The answers it would record (copier's ``_src_path`` and ``_commit`` included).
        create: Files that do not exist yet.
        identical: Files that exist with the same content.
        conflicts: Files that exist with other content (or where a directory is), which copier
            would overwrite.
        skipped: Files that exist and that copier leaves alone (the template's
            ``_skip_if_exists``).
    """

    dest: Path
    answers_file: str
    answers: dict[str, Any]
    create: tuple[str, ...] = ()
    identical: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Describe the plan, one ``action path`` line per file.

        Returns:
            The lines, e.g. ``create    src/pkg/model.py``, in path order.
        """
        actions = {
            **{path: "create" for path in self.create},
            **{path: "identical" for path in self.identical},
            **{path: "overwrite" for path in self.conflicts},
            **{path: "skip" for path in self.skipped},
        }
        return [f"{actions[path]:<9} {path}" for path in sorted(actions)]


def _rendered_files(root: Path) -> Iterator[str]:
    """Yield every file (and symlink) under ``root``, relative and with ``/``, in order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if Path(folder, d).is_symlink()]):
            yield PurePosixPath(Path(folder, name).relative_to(root).as_posix()).as_posix()


def _same(rendered: Path, existing: Path) -> bool:
    """Whether an existing path already holds what was rendered (content and executable bit)."""
    if rendered.is_symlink() or existing.is_symlink():
        return (
            rendered.is_symlink()
            and existing.is_symlink()
            and os.readlink(rendered) == os.readlink(existing)
        )
    if not existing.is_file():
        return False
    same_mode = (rendered.stat().st_mode & 0o111) == (existing.stat().st_mode & 0o111)
    return same_mode and rendered.read_bytes() == existing.read_bytes()


def preview(
    dest: str | Path,
    data: Mapping[str, Any] | None = None,
    *,
    template: str | Path = TEMPLATE_ROOT,
    vcs_ref: str | None = "HEAD",
    answers_file: str | Path | None = None,
    defaults: bool = True,
) -> RenderPlan:
    """Find out what rendering into ``dest`` would do, without touching ``dest``.

    The template is rendered for real into a temporary directory with the same name as
    ``dest`` (so ``_folder_name`` matches), then each rendered file is compared with ``dest``.
    The answers it records let the real rendering repeat answers given on the terminal.

    Args:
        dest: The directory to plan for; it may be missing.
        data: Answers, by question name.
        template: The template's root or a git URL.
        vcs_ref: The git revision of the template to render; ``None`` takes the latest tag.
        answers_file: Where to record the answers, relative to ``dest``; defaults to the
            template's ``_answers_file``.
        defaults: Whether to take the default of every question not in ``data``.

    Returns:
        The plan.

    Raises:
        AnswerError: When the template refuses an answer.
    """
    destination = Path(dest).expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix="flash-task-") as scratch:
        rendered = Path(scratch) / (destination.name or "project")
        worker = _copy(
            rendered,
            data,
            template=template,
            vcs_ref=vcs_ref,
            overwrite=True,
            pretend=False,
            quiet=True,
            answers_file=answers_file,
            defaults=defaults,
        )
        relative_answers = _answers_relpath(worker, answers_file)
        skip = _skip_matcher(worker)
        plan: dict[str, list[str]] = {"create": [], "identical": [], "conflicts": [], "skip": []}
        for path in _rendered_files(rendered):
            existing = destination / path
            if not existing.exists() and not existing.is_symlink():
                plan["create"].append(path)
            elif _same(rendered / path, existing):
                plan["identical"].append(path)
            elif path != relative_answers and skip(path):
                plan["skip"].append(path)
            else:
                plan["conflicts"].append(path)
        answers_path = rendered / relative_answers
        answers = read_answers(rendered, relative_answers) if answers_path.is_file() else {}
    return RenderPlan(
        destination,
        relative_answers,
        answers,
        tuple(plan["create"]),
        tuple(plan["identical"]),
        tuple(plan["conflicts"]),
        tuple(plan["skip"]),
    )


def _answers_relpath(worker: Any, answers_file: str | Path | None) -> str:
    """The answers file a copier worker wrote, relative, with ``/``."""
    try:
        return Path(worker.answers_relpath).as_posix()
    except Exception:  # an older copier: fall back to what was asked for
        return Path(answers_file or DEFAULT_ANSWERS_FILE).as_posix()


def _skip_matcher(worker: Any) -> Callable[[str], bool]:
    """Match paths against a copier worker's rendered ``_skip_if_exists`` patterns."""
    try:
        match = worker.match_skip
    except Exception:  # an older copier: skip nothing, so every difference is a conflict
        return lambda path: False
    return lambda path: bool(match(Path(path)))


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


def recorded_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the answers of an answers file, without copier's own ``_src_path``, ``_commit``...

    Args:
        answers: What an answers file holds.

    Returns:
        The answers to the template's questions.
    """
    return {key: value for key, value in answers.items() if not str(key).startswith("_")}
