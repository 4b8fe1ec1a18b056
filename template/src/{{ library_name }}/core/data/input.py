"""Inputs: load one split of a data set once, then serve it as sample or batch dictionaries.

``Input`` is Flash's per-sample dataset: ``load_data`` reads the source and ``load_sample`` turns
one item into a ``{"input": ..., "target": ...}`` dictionary. ``ArrayInput`` is the fast path for
feature arrays: it keeps one float32 tensor of the whole split and hands the data loader a
complete batch with a single indexing operation, with no per-sample Python objects.
"""

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ..keys import DataKeys
from .arrays import check_same_length, feature_tensor

__all__ = ["STAGES", "ArrayInput", "Input"]

STAGES = ("train", "val", "test", "predict")
"""The splits an Input can hold."""


class Input(Dataset):
    """One split of a data set, loaded when the Input is created.

    Subclasses override ``load_data`` (read the source, return a sequence of samples) and, when
    samples need work, ``load_sample``.

    Args:
        stage: The split: ``"train"``, ``"val"``, ``"test"`` or ``"predict"``.
        *args: Passed to ``load_data``.
        **kwargs: Passed to ``load_data``.
    """

    def __init__(self, stage: str, *args: Any, **kwargs: Any) -> None:
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {stage!r}.")
        self.stage = stage
        self.data = self.load_data(*args, **kwargs)

    @property
    def training(self) -> bool:
        """Whether this Input holds the training split."""
        return self.stage == "train"

    @property
    def predicting(self) -> bool:
        """Whether this Input holds data to predict on, whose targets are never read."""
        return self.stage == "predict"

    def load_data(self, data: Any, *args: Any, **kwargs: Any) -> Sequence[Any] | None:
        """Read the source. The default keeps a ready sequence of samples as it is.

        Args:
            data: The samples here; a subclass takes its own source (a file, arrays...).
            *args: Unused here; subclasses take what their source needs.
            **kwargs: Unused here.

        Returns:
            The samples, indexable and with a length; or ``None`` from an Input that serves its
            data itself, as an ``ArrayInput`` does from the arrays ``load_arrays`` keeps.
        """
        return data

    def load_sample(self, sample: Any) -> dict[str, Any]:
        """Turn one item of ``data`` into a sample dictionary. The default keeps it as it is."""
        return sample

    def _samples(self) -> Sequence[Any]:
        if self.data is None:
            raise TypeError(
                f"{type(self).__name__}.load_data returned no samples; return them, or serve "
                "them as ArrayInput does."
            )
        return self.data

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.load_sample(self._samples()[index])

    def __len__(self) -> int:
        return len(self._samples())


class ArrayInput(Input):
    """An Input over a 2-D feature array, served a whole batch at a time.

    A subclass's ``load_data`` reads its source into a feature array (and targets) and passes
    them to ``load_arrays``. Combine it with ``ClassificationInputMixin`` or
    ``RegressionInputMixin``, which provide ``load_target_metadata``.
    """

    features: Tensor
    targets: Tensor | None = None
    num_features: int

    def load_arrays(self, features: Any, targets: Any = None, **target_metadata: Any) -> None:
        """Check and keep the features, and the targets unless this is the predict split.

        Args:
            features: A ``(samples, features)`` array-like of numbers.
            targets: One target per sample, or ``None``.
            **target_metadata: Passed to ``load_target_metadata`` (e.g. ``target_formatter``
                or ``labels``).
        """
        self.features = feature_tensor(features, f"{self.stage} data")
        self.num_features = self.features.shape[1]
        if targets is not None and not self.predicting:
            check_same_length(self.features, targets, self.stage)
            self.targets = self.load_target_metadata(targets, **target_metadata)

    def load_target_metadata(self, *args: Any, **kwargs: Any) -> Tensor:
        """Format the targets; provided by a classification or regression mixin."""
        raise NotImplementedError(
            f"{type(self).__name__} has targets but no target mixin; inherit from "
            "ClassificationInputMixin or RegressionInputMixin before ArrayInput."
        )

    def __len__(self) -> int:
        return self.features.shape[0]

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        sample: dict[str, Tensor] = {DataKeys.INPUT: self.features[index]}
        if self.targets is not None:
            sample[DataKeys.TARGET] = self.targets[index]
        return sample

    def __getitems__(self, indices: Sequence[int]) -> dict[str, Tensor]:
        """Return a whole batch: what the data loader asks for instead of one sample at a time."""
        index = torch.as_tensor(indices, dtype=torch.long)
        batch: dict[str, Tensor] = {DataKeys.INPUT: self.features[index]}
        if self.targets is not None:
            batch[DataKeys.TARGET] = self.targets[index]
        return batch
