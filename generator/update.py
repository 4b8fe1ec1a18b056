"""Update a library from its template: ``copier update`` for the library and each task.

A library records its template in one answers file per rendering: the library's own
(``.copier-answers.yml``, with its first task) and one per task ``flash-task add`` added. Each
is updated with ``copier update`` in turn, the library's first. Copier refuses to update a dirty
tree, so between two updates the generator commits the first one's changes on its own, and at
the end moves the branch back to where it was: every change is left uncommitted, as copier
leaves one update's changes, for the author to review and commit.

What copier cannot merge stays marked in the files (``conflict="inline"``, copier's default:
both versions between ``<<<<<<< before updating`` and ``>>>>>>> after updating``) or in
``.rej`` files beside them (``conflict="rej"``). An update that leaves conflicts stops the run:
the answers files not updated yet are updated by the next run, once the conflicts are resolved
and committed.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import copier
import yaml
from plumbum import ProcessExecutionError

from .errors import LibraryError
from .git import (
    GitError,
    changed_paths,
    commit_all,
    conflicted_paths,
    git,
    has_commit,
    has_git,
    rejected_hunks,
    repository_root,
)
from .render import DEFAULT_ANSWERS_FILE, is_remote, read_answers

__all__ = ["CONFLICT_MODES", "Step", "UpdateReport", "answers_files", "update_library"]

ConflictMode = Literal["inline", "rej"]

CONFLICT_MODES: Final[tuple[ConflictMode, ...]] = ("inline", "rej")
"""How copier leaves what it cannot merge: marked inline, or in ``.rej`` files."""

_STEP_MESSAGE: Final = "flash-task update: {answers_file} (temporary commit, undone at the end)"


@dataclass(frozen=True)
class Step:
    """One answers file that ``copier update`` ran for.

    Attributes:
        answers_file: The answers file, relative to the library.
        before: The template version it recorded before the update.
        after: The version it records after.
    """

    answers_file: str
    before: str
    after: str


@dataclass(frozen=True)
class UpdateReport:
    """What ``flash-task update`` did to a library, or found in the way.

    Attributes:
        library: The library's root, absolute.
        conflict: How conflicts are marked: ``inline`` or ``rej``.
        steps: The answers files updated, in order.
        pending: The answers files left for the next run, because a conflict stopped this one.
        changed: ``(status, path)`` for every uncommitted change, as ``git status`` shows it.
        conflicts: Files that still hold inline conflict markers or are unmerged.
        rejects: ``.rej`` files that hold hunks copier could not apply.
        earlier: Whether the conflicts were left by an earlier update (nothing ran this time).
    """

    library: Path
    conflict: ConflictMode
    steps: tuple[Step, ...] = ()
    pending: tuple[str, ...] = ()
    changed: tuple[tuple[str, str], ...] = ()
    conflicts: tuple[str, ...] = ()
    rejects: tuple[str, ...] = ()
    earlier: bool = False

    @property
    def ok(self) -> bool:
        """Whether no conflict remains."""
        return not self.conflicts and not self.rejects


def _records_a_template(path: Path) -> bool:
    """Whether a YAML file is a copier answers file: a mapping with ``_src_path``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "_src_path" in data


def answers_files(library: Path) -> list[str]:
    """List a library's answers files: its own first, then each added task's, by name.

    Any YAML file at the library's root that records a template (copier's ``_src_path``)
    counts, so the names the template gives them are not restated here.

    Args:
        library: The library's root.

    Returns:
        The answers files, relative to ``library``.
    """
    found = {
        path.name
        for pattern in ("*.yml", "*.yaml")
        for path in library.glob(pattern)
        if path.is_file() and _records_a_template(path)
    }
    first = [DEFAULT_ANSWERS_FILE] if DEFAULT_ANSWERS_FILE in found else []
    return first + sorted(found - set(first))


def _check_versions(library: Path, files: Sequence[str]) -> None:
    """Refuse answers files that copier cannot update from: no version, or a missing one."""
    for name in files:
        answers = read_answers(library, name)
        source, commit = answers.get("_src_path"), answers.get("_commit")
        if not commit:
            raise LibraryError(
                f"{library / name} records no template version (_commit), so copier cannot "
                f"update it: {source} was not a git repository when it rendered; render from "
                "a git template with version tags"
            )
        if is_remote(str(source)) or repository_root(Path(str(source))) is None:
            continue
        if not has_commit(Path(str(source)), str(commit)):
            raise LibraryError(
                f"{library / name} records template version {commit}, which {source} does not "
                "have (it was rendered with uncommitted template edits, or that commit is "
                "gone), so copier cannot find what it rendered; set _commit in that file to "
                "the template version it was rendered from"
            )


def _check_repository(library: Path) -> None:
    """Refuse a library copier cannot update: not rendered, not in git, or not committed."""
    if not (library / DEFAULT_ANSWERS_FILE).is_file():
        raise LibraryError(
            f"{library} is not a rendered library: it has no {DEFAULT_ANSWERS_FILE}"
        )
    if not has_git():
        raise LibraryError("git is not installed, and copier update needs it: install git")
    if repository_root(library) is None:
        raise LibraryError(
            f"{library} is not a git repository, and copier update needs one: run "
            "`git init && git add -A && git commit -m 'Render the template'` in it, then "
            "`flash-task update` again"
        )


def _check_clean(library: Path) -> None:
    """Refuse uncommitted changes, which an update would mix with the template's."""
    changed = changed_paths(library)
    if changed:
        shown = ", ".join(path for _, path in changed[:3]) + (", ..." if len(changed) > 3 else "")
        raise LibraryError(
            f"{library} has {len(changed)} uncommitted change(s) ({shown}): commit or stash "
            "them, then run `flash-task update` again"
        )


def _restore_branch(library: Path, start: str, keep_unmerged: Sequence[str]) -> None:
    """Undo the temporary commits, leaving their changes uncommitted and unstaged.

    Files git records as unmerged keep that state, so ``git commit`` refuses them until they
    are resolved and added.
    """
    # `git reset --soft` refuses an index with unmerged files; moving the branch does not.
    git(
        library, "update-ref", "-m", "flash-task update: undo its temporary commits", "HEAD", start
    )
    staged = git(library, "diff", "--cached", "--name-only", "--relative", start).splitlines()
    unstage = [path for path in staged if path and path not in keep_unmerged]
    if unstage:
        git(library, "reset", "-q", start, "--", *unstage)


def update_library(
    library: str | Path,
    *,
    conflict: ConflictMode = "inline",
    vcs_ref: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> UpdateReport:
    """Run ``copier update`` for a library's answers file and then for each task's.

    Args:
        library: The library's root.
        conflict: How to leave what copier cannot merge: ``inline`` markers or ``.rej`` files.
        vcs_ref: The template version to update to; ``None`` takes its latest tag.
        progress: Called with each answers file before it is updated.

    Returns:
        What changed and what conflicts remain. When conflicts of an earlier update remain,
        nothing runs and the report lists them (``earlier`` is true).

    Raises:
        LibraryError: When the library is not a rendered library, not in a git repository,
            has uncommitted changes, or records no template version copier can find.
        GitError: When git fails.
    """
    root = Path(library).expanduser().resolve()
    if conflict not in CONFLICT_MODES:
        raise ValueError(f"conflict must be one of {', '.join(CONFLICT_MODES)}, got {conflict!r}")
    _check_repository(root)
    remaining = conflicted_paths(root), rejected_hunks(root)
    if any(remaining):
        return UpdateReport(
            root,
            conflict,
            changed=tuple(changed_paths(root)),
            conflicts=tuple(remaining[0]),
            rejects=tuple(remaining[1]),
            earlier=True,
        )
    _check_clean(root)
    files = answers_files(root)
    _check_versions(root, files)
    start = git(root, "rev-parse", "HEAD")
    steps: list[Step] = []
    pending: list[str] = []
    committed = False
    try:
        for index, name in enumerate(files):
            if progress is not None:
                progress(name)
            before = str(read_answers(root, name).get("_commit"))
            _copier_update(root, name, conflict=conflict, vcs_ref=vcs_ref)
            steps.append(Step(name, before, str(read_answers(root, name).get("_commit"))))
            if conflicted_paths(root) or rejected_hunks(root):
                pending = files[index + 1 :]
                break
            if index + 1 < len(files) and changed_paths(root):
                commit_all(root, _STEP_MESSAGE.format(answers_file=name))
                committed = True
    finally:
        if committed:
            _restore_branch(root, start, conflicted_paths(root))
    return UpdateReport(
        root,
        conflict,
        tuple(steps),
        tuple(pending),
        tuple(changed_paths(root)),
        tuple(conflicted_paths(root)),
        tuple(rejected_hunks(root)),
    )


def _copier_update(
    library: Path, answers_file: str, *, conflict: ConflictMode, vcs_ref: str | None
) -> Any:
    """Run ``copier update`` for one answers file, keeping every recorded answer."""
    try:
        return copier.run_update(
            library,
            answers_file=answers_file,
            vcs_ref=vcs_ref,
            conflict=conflict,
            defaults=True,
            overwrite=True,
            skip_answered=True,
            unsafe=False,
            quiet=True,
        )
    except ProcessExecutionError as error:
        message = " ".join(str(error.stderr or error).split())
        raise GitError(f"copier update of {answers_file} failed running git: {message}") from error
