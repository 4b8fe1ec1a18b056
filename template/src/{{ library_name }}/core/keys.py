"""The keys of the sample and batch dictionaries that Inputs produce.

A task's step overrides unpack them into the ``(input, target)`` pairs the core's steps take.
"""

from enum import Enum

__all__ = ["DataKeys"]


class DataKeys(str, Enum):
    """Keys of a sample or batch dictionary; each member compares equal to its string value."""

    INPUT = "input"
    TARGET = "target"
    PREDS = "preds"
    METADATA = "metadata"

    def __str__(self) -> str:
        return self.value

    # A member hashes as its string does, so it and the string are one dictionary key; str's
    # own hash does that without a Python call per lookup.
    __hash__ = str.__hash__
