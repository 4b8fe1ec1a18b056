"""Targets: learn how the training targets encode the answer, then format every split the same way.

Classification targets may be class indices (``[0, 2, 1]``), label names (``["cat", "dog"]``),
multi-hot rows (``[[1, 0, 1]]``) or lists of labels per sample (``[["cat"], ["cat", "dog"]]``).
The formatter learned on the training split is reused for validation, test and prediction, so a
label always maps to the same class index, and a label that training never saw is refused.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .arrays import numeric_array

__all__ = [
    "ClassificationInputMixin",
    "ClassificationTargetFormatter",
    "RegressionInputMixin",
    "RegressionTargetFormatter",
]


def _is_label_lists(targets: Any) -> bool:
    if isinstance(targets, np.ndarray) or isinstance(targets, Tensor):
        return False
    first = next(iter(targets), None)
    return isinstance(first, (list, tuple, set, frozenset))


def _is_text(array: np.ndarray) -> bool:
    return array.dtype.kind in "USO"


def _label_text(value: Any) -> str:
    """A label's name: whole numbers read the same whether given as ``3``, ``3.0`` or ``"3"``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _refuse_missing(values: Iterable[Any], what: str) -> None:
    for index, value in enumerate(values):
        if value is None or type(value).__name__ == "NAType" or value != value:
            raise ValueError(
                f"{what} have a missing label ({value!r}) at index {index}; fill or drop it."
            )


def _refuse_single_class(found: Sequence[Any], what: str) -> None:
    if len(found) < 2:
        only = f" ({found[0]!r})" if found else ""
        raise ValueError(
            f"{what} hold a single class{only}; a classifier needs examples of at least two."
        )


def _far_from_indices(found: np.ndarray) -> bool:
    """Whether class indices leave so many gaps that they are ids rather than indices.

    ``{0, 1, 3}`` stays as indices (a class may be missing from a small split); ``{0, 10**6}``
    or ``{7, 2**62}`` would build a head of a million (or 2**62) outputs for two classes.
    """
    return int(found.max()) + 1 > max(2 * len(found), len(found) + 8)


@dataclass
class ClassificationTargetFormatter:
    """How classification targets map to class indices.

    Args:
        num_classes: The number of classes.
        labels: The class names in index order, when known.
        multi_label: Whether each sample may have several classes.
        by_name: Whether the targets are label names rather than class indices.
    """

    num_classes: int
    labels: list[str] | None = None
    multi_label: bool = False
    by_name: bool = False

    @classmethod
    def from_targets(
        cls, targets: Any, labels: Sequence[Any] | None = None
    ) -> "ClassificationTargetFormatter":
        """Learn the encoding from the training targets.

        Args:
            targets: The training targets, in any of the forms this module accepts.
            labels: The class names when the targets are indices (a ``Bunch``'s
                ``target_names``); the index of a name is its position.

        Returns:
            The formatter for these targets.
        """
        names = [str(label) for label in labels] if labels is not None else None
        if _is_label_lists(targets):
            values = sorted({value for row in targets for value in row}, key=str)
            _refuse_missing(values, "train targets")
            _refuse_single_class(values, "train targets")
            by_name = bool(values) and isinstance(values[0], str)
            if by_name:
                names = names or [str(value) for value in values]
                return cls(len(names), names, multi_label=True, by_name=True)
            num_classes = len(names) if names else int(max(values, default=-1)) + 1
            return cls(num_classes, names, multi_label=True)
        what = "train targets"
        array = np.asarray(targets) if not hasattr(targets, "to_numpy") else targets.to_numpy()
        if _is_text(array) and not _all_numbers(array):
            if array.ndim != 1:
                raise ValueError(f"Label-name targets must be 1-D, got shape {array.shape}.")
            _refuse_missing(array, what)
            label_names = sorted({_label_text(value) for value in array})
            _refuse_single_class(label_names, what)
            return cls(len(names or label_names), names or label_names, by_name=True)
        array = numeric_array(array, what)
        if array.ndim == 2:
            if not np.isin(array, (0, 1)).all():
                raise ValueError(
                    "2-D classification targets must be multi-hot rows of 0 and 1; "
                    "for several real-valued targets use a regression task."
                )
            _refuse_single_class(list(range(array.shape[1])), what)
            return cls(array.shape[1], names, multi_label=True)
        if array.ndim != 1:
            raise ValueError(f"Classification targets must be 1-D, got shape {array.shape}.")
        _check_indices(array, None, what)
        found = np.unique(array)
        _refuse_single_class(found.tolist(), what)
        if names is None and _far_from_indices(found):
            # Ids such as {0, 10**6} become classes 0..n-1, keeping each id as its label.
            ids = [_label_text(value) for value in found]
            return cls(len(ids), ids, by_name=True)
        return cls(len(names) if names else int(found.max()) + 1, names)

    def __call__(self, targets: Any, what: str = "targets") -> Tensor:
        """Format one split's targets.

        Args:
            targets: The targets, in the form the training targets had.
            what: How to name the targets in errors, e.g. ``"val targets"``.

        Returns:
            Class indices as a ``(samples,)`` int64 tensor, or multi-hot rows as a
            ``(samples, num_classes)`` float32 tensor when multi-label.

        Raises:
            ValueError: When a target names a label or index that the training targets did not.
        """
        if self.multi_label:
            return self._multi_hot(targets, what)
        array = np.asarray(targets) if not hasattr(targets, "to_numpy") else targets.to_numpy()
        if self.by_name:
            if array.ndim != 1:
                raise ValueError(f"{what} must be 1-D labels, got shape {array.shape}.")
            _refuse_missing(array, what)
            array = np.asarray(
                [self._index_of_name(_label_text(value), what) for value in array], dtype=np.int64
            )
        array = numeric_array(array, what)
        if array.ndim != 1:
            raise ValueError(f"{what} must be 1-D class indices, got shape {array.shape}.")
        _check_indices(array, self.num_classes, what)
        return torch.as_tensor(array.astype(np.int64))

    def _index_of_name(self, name: str, what: str) -> int:
        try:
            return self.labels.index(name)  # type: ignore[union-attr]
        except ValueError:
            raise ValueError(
                f"{what} contain the label {name!r}, which the training targets never had. "
                f"Known labels: {self.labels}."
            ) from None

    def _multi_hot(self, targets: Any, what: str) -> Tensor:
        if not _is_label_lists(targets):
            array = numeric_array(targets, what)
            if array.ndim != 2 or array.shape[1] != self.num_classes:
                raise ValueError(
                    f"{what} must be multi-hot rows of {self.num_classes} values, "
                    f"got shape {array.shape}."
                )
            return torch.as_tensor(array, dtype=torch.float32)
        rows = torch.zeros(len(targets), self.num_classes)
        for row, values in enumerate(targets):
            for value in values:
                if self.by_name:
                    index = self._index_of_name(_label_text(value), what)
                else:
                    index = int(value)
                    _check_indices(np.asarray([index]), self.num_classes, what)
                rows[row, index] = 1.0
        return rows


def _all_numbers(array: np.ndarray) -> bool:
    """Whether an object array holds only numbers (a pandas column of ints, say), not names."""
    return array.dtype == object and all(
        isinstance(value, int | float | np.number) and not isinstance(value, bool)
        for value in array.flat
    )


def _check_indices(array: np.ndarray, num_classes: int | None, what: str) -> None:
    if array.size and not np.array_equal(array, np.round(array)):
        raise ValueError(
            f"{what} must be class indices or label names, but hold fractional values such as "
            f"{array[array != np.round(array)][0]}; is this a regression task?"
        )
    if array.size and array.min() < 0:
        raise ValueError(f"{what} hold the negative class index {int(array.min())}.")
    if num_classes is not None and array.size and array.max() >= num_classes:
        raise ValueError(
            f"{what} hold the class index {int(array.max())}, but training found only "
            f"{num_classes} classes (0 to {num_classes - 1})."
        )


@dataclass
class RegressionTargetFormatter:
    """Real-valued targets as a ``(samples, num_targets)`` float32 tensor.

    Args:
        num_targets: How many values each sample has.
    """

    num_targets: int

    @classmethod
    def from_targets(cls, targets: Any) -> "RegressionTargetFormatter":
        """Learn the number of targets from the training targets (1-D means one target)."""
        array = numeric_array(targets, "train targets", np.float32)
        if array.ndim not in (1, 2):
            raise ValueError(f"Regression targets must be 1-D or 2-D, got shape {array.shape}.")
        return cls(1 if array.ndim == 1 else array.shape[1])

    def __call__(self, targets: Any, what: str = "targets") -> Tensor:
        """Format one split's targets, refusing another number of targets than training had."""
        array = numeric_array(targets, what, np.float32)
        array = array.reshape(len(array), -1) if array.ndim else array
        if array.ndim != 2 or array.shape[1] != self.num_targets:
            raise ValueError(
                f"{what} must have {self.num_targets} value(s) per sample, got shape "
                f"{np.shape(targets)}."
            )
        return torch.as_tensor(array, dtype=torch.float32)


class ClassificationInputMixin:
    """Gives an Input the classification metadata: ``num_classes``, ``labels``, ``multi_label``."""

    stage: str
    target_formatter: ClassificationTargetFormatter | None = None
    num_classes: int | None = None
    labels: list[str] | None = None
    multi_label: bool = False

    def load_target_metadata(
        self,
        targets: Any,
        target_formatter: ClassificationTargetFormatter | None = None,
        labels: Sequence[Any] | None = None,
    ) -> Tensor:
        """Learn (or reuse) the target encoding and return the formatted targets.

        Args:
            targets: This split's targets.
            target_formatter: The training split's formatter; learned here when not given.
            labels: Class names for index targets, such as a ``Bunch``'s ``target_names``.

        Returns:
            The targets as a tensor.
        """
        if target_formatter is None:
            target_formatter = ClassificationTargetFormatter.from_targets(targets, labels)
        self.target_formatter = target_formatter
        self.num_classes = target_formatter.num_classes
        self.labels = target_formatter.labels
        self.multi_label = target_formatter.multi_label
        return target_formatter(targets, f"{self.stage} targets")


class RegressionInputMixin:
    """Gives an Input the regression metadata: ``num_targets``."""

    stage: str
    target_formatter: RegressionTargetFormatter | None = None
    num_targets: int | None = None

    def load_target_metadata(
        self, targets: Any, target_formatter: RegressionTargetFormatter | None = None
    ) -> Tensor:
        """Learn (or reuse) the number of targets and return the formatted targets.

        Args:
            targets: This split's targets.
            target_formatter: The training split's formatter; learned here when not given.

        Returns:
            The targets as a ``(samples, num_targets)`` float32 tensor.
        """
        if target_formatter is None:
            target_formatter = RegressionTargetFormatter.from_targets(targets)
        self.target_formatter = target_formatter
        self.num_targets = target_formatter.num_targets
        return target_formatter(targets, f"{self.stage} targets")
