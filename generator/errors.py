"""Errors the generator raises on purpose, as opposed to bugs in copier or the template."""

from collections.abc import Sequence

__all__ = ["AnswerError", "ConflictError", "LibraryError"]


class AnswerError(ValueError):
    """The template refused an answer: a validator rejected it, or it is not a valid choice.

    Raised before copier writes anything, so the destination is left as it was.

    Args:
        question: The name of the question whose answer was refused (e.g. ``library_name``).
        message: Why it was refused, on one line.

    Attributes:
        question: The name of the question whose answer was refused.
        message: Why it was refused, on one line.
    """

    def __init__(self, question: str, message: str) -> None:
        super().__init__(f"{question}: {message}")
        self.question = question
        self.message = message


class ConflictError(Exception):
    """Rendering would overwrite files that differ from what the template renders.

    Raised before anything is written; ``--overwrite`` (``overwrite=True``) accepts them.

    Args:
        dest: The directory that was to be rendered into.
        paths: The conflicting files, relative to ``dest``.

    Attributes:
        dest: The directory that was to be rendered into.
        paths: The conflicting files, relative to ``dest``.
    """

    def __init__(self, dest: str, paths: Sequence[str]) -> None:
        self.dest = dest
        self.paths = tuple(paths)
        super().__init__(
            f"{dest} has {len(self.paths)} file(s) that differ from the rendering (use "
            f"--overwrite to replace them): {', '.join(self.paths)}"
        )


class LibraryError(Exception):
    """A directory is not a library that can take the task asked for (``flash-task add``)."""
