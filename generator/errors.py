"""Errors the generator raises on purpose, as opposed to bugs in copier or the template."""

__all__ = ["AnswerError"]


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
