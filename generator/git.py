"""The git a library needs: a repository from its first rendering on, and what is uncommitted.

``copier update`` works only in a git repository whose tree is clean, and it marks what it
could not merge either inline (``<<<<<<< before updating`` ... ``>>>>>>> after updating``,
recorded as unmerged in git's index) or in ``.rej`` files beside the files. These helpers run
git without the user's hooks or signing only where the generator commits on its own behalf.
"""

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

__all__ = [
    "INLINE_MARKERS",
    "GitError",
    "changed_paths",
    "commit_all",
    "conflicted_paths",
    "git",
    "has_commit",
    "has_git",
    "init_repository",
    "rejected_hunks",
    "repository_root",
]

INLINE_MARKERS: Final[tuple[str, str]] = ("<<<<<<< before updating", ">>>>>>> after updating")
"""The lines copier's inline conflicts open and close with."""

_QUIET_COMMIT: Final = ("-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgsign=false")
"""Options for the generator's own commits: no hooks, no signing."""


class GitError(Exception):
    """Git is missing, or a git command failed; the message says which and why."""


def has_git() -> bool:
    """Whether a ``git`` executable is on the ``PATH``."""
    return shutil.which("git") is not None


def git(
    cwd: str | Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None
) -> str:
    """Run git in ``cwd`` and return its standard output.

    Args:
        cwd: The directory to run in.
        *args: Git's arguments.
        check: Whether a non-zero exit raises.
        env: Extra environment variables.

    Returns:
        What git printed, stripped of trailing whitespace.

    Raises:
        GitError: When git is missing, or it fails and ``check`` is true.
    """
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **dict(env or {})},
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed (or not on PATH)") from error
    if check and completed.returncode != 0:
        message = " ".join((completed.stderr or completed.stdout).split())
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {message}")
    return completed.stdout.rstrip()


def has_commit(repository: Path, revision: str) -> bool:
    """Whether a revision (a tag, a branch, a hash) names a commit in a repository.

    Args:
        repository: A directory in the repository.
        revision: The revision.

    Returns:
        ``True`` when git resolves it to a commit.
    """
    try:
        git(repository, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except GitError:
        return False
    return True


def repository_root(path: str | Path) -> Path | None:
    """Find the root of the git work tree that holds ``path``.

    Args:
        path: An existing directory.

    Returns:
        The work tree's root, resolved, or ``None`` when ``path`` is in no git work tree.
    """
    if not has_git():
        return None
    completed = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=path,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if completed.returncode != 0 or not completed.stdout.strip():
        return None
    return Path(completed.stdout.strip()).resolve()


def _identity(fallback_name: str, fallback_email: str, cwd: Path) -> dict[str, str]:
    """Git's author and committer, or the fallback when git has none configured."""
    configured = subprocess.run(
        ["git", "var", "GIT_COMMITTER_IDENT"],
        cwd=cwd,
        capture_output=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if configured.returncode == 0:
        return {}
    return {
        "GIT_AUTHOR_NAME": fallback_name,
        "GIT_AUTHOR_EMAIL": fallback_email,
        "GIT_COMMITTER_NAME": fallback_name,
        "GIT_COMMITTER_EMAIL": fallback_email,
    }


def commit_all(
    repository: Path,
    message: str,
    *,
    paths: Sequence[str] = (".",),
    author: tuple[str, str] = ("flash-task", "flash-task@localhost"),
) -> None:
    """Stage everything under ``paths`` and commit it, without hooks or signing.

    Args:
        repository: A directory in the work tree.
        message: The commit message.
        paths: What to stage, relative to ``repository``.
        author: The name and email to commit as when git has no identity configured.

    Raises:
        GitError: When git fails.
    """
    env = _identity(*author, repository)
    git(repository, "add", "-A", "--", *paths)
    git(repository, *_QUIET_COMMIT, "commit", "-q", "--no-verify", "-m", message, env=env)


def init_repository(directory: Path, message: str, author: tuple[str, str]) -> None:
    """Make ``directory`` a git repository whose first commit holds every file in it.

    Args:
        directory: The directory, which must not be in a work tree already.
        message: The first commit's message.
        author: The name and email to commit as when git has no identity configured.

    Raises:
        GitError: When git is missing or fails.
    """
    git(directory, "init", "-q")
    commit_all(directory, message, author=author)


def _porcelain(directory: Path, *options: str) -> list[tuple[str, str]]:
    """``git status --porcelain -z`` under ``directory``: ``(status, path)``, paths relative."""
    output = git(directory, "status", "--porcelain", "-z", *options, "--", ".")
    entries: list[tuple[str, str]] = []
    fields = output.split("\0")
    index = 0
    prefix = git(directory, "rev-parse", "--show-prefix")
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":  # a rename's source follows; the new path is the one that counts
            index += 1
        entries.append((status, path[len(prefix) :] if path.startswith(prefix) else path))
    return entries


def changed_paths(directory: Path) -> list[tuple[str, str]]:
    """List what is uncommitted under ``directory``, as ``git status --porcelain`` shows it.

    Args:
        directory: A directory in a work tree.

    Returns:
        ``(status, path)`` pairs, e.g. ``(" M", "README.md")``, paths relative to
        ``directory``, untracked files listed one by one.
    """
    return _porcelain(directory, "--untracked-files=all")


def rejected_hunks(directory: Path) -> list[str]:
    """List the ``.rej`` files under ``directory``, ignored ones included.

    Args:
        directory: A directory in a work tree.

    Returns:
        Their paths, relative to ``directory``, sorted.
    """
    entries = _porcelain(directory, "--untracked-files=all", "--ignored")
    return sorted(
        path for status, path in entries if status in ("??", "!!") and path.endswith(".rej")
    )


def conflicted_paths(directory: Path) -> list[str]:
    """List the files under ``directory`` that hold an unresolved inline conflict.

    A file counts while git's index records it as unmerged, or while it still holds one of
    copier's marker lines (:data:`INLINE_MARKERS`), even after ``git add``.

    Args:
        directory: A directory in a work tree.

    Returns:
        The paths, relative to ``directory``, sorted.
    """
    unmerged = git(directory, "diff", "--name-only", "--relative", "--diff-filter=U")
    pattern = "|".join(f"^{marker}$" for marker in INLINE_MARKERS)
    marked = git(
        directory, "grep", "-l", "-I", "--untracked", "-E", pattern, "--", ".", check=False
    )
    return sorted({line for line in (*unmerged.splitlines(), *marked.splitlines()) if line})
