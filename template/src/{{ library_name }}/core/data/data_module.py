"""DataModule: the train, val, test and predict Inputs of a task, and their data loaders.

A task's data module (``TemplateData`` and friends) adds ``from_*`` constructors that build the
Inputs from one kind of source; this class turns them into data loaders, splits off validation
data, and exposes what the model needs to know (``num_features``, ``num_classes``, ``labels``...).
"""

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar

import torch
from pytorch_lightning import LightningDataModule
from torch.utils.data import DataLoader, RandomSampler, Subset, default_collate

from .input import Input

__all__ = ["DataModule", "collate"]

DataModuleT = TypeVar("DataModuleT", bound="DataModule")

STATISTICS_BATCH_SIZE = 4096
"""Samples per batch when a pass over the training data only gathers statistics."""

MIN_TRAIN_SAMPLES = 2
"""The smallest training split: one sample cannot make a batch that BatchNorm can train on."""

Split: TypeAlias = Input | Subset[Any]
"""A split's dataset: an Input, or the part of the training Input that ``val_split`` keeps."""

SHUFFLE_CHUNK = 1024
"""Indices that ``ShuffledOrder`` turns into Python integers at a time."""


def collate(samples: Any) -> Any:
    """Batch samples, passing through batches that an ``ArrayInput`` already assembled."""
    if isinstance(samples, Mapping):
        return samples
    return default_collate(samples)


class ShuffledOrder(RandomSampler):
    """torch's ``RandomSampler`` without an epoch-long list of Python integers.

    ``RandomSampler`` turns the permutation of the whole split into a Python list each epoch,
    about 40 bytes per sample. This sampler draws the same permutation (from the same generator,
    seeded the same way) and hands its indices out a chunk at a time, so the memory it holds does
    not grow with the data. With ``replacement`` or ``num_samples`` it samples as its parent does.
    """

    def __iter__(self) -> Iterator[int]:
        size = len(self.data_source)
        if self.replacement or self.num_samples != size:
            yield from super().__iter__()
            return
        generator = self.generator
        if generator is None:  # as RandomSampler: a fresh generator seeded from torch's seed
            seed = int(torch.empty((), dtype=torch.int64).random_().item())
            generator = torch.Generator()
            generator.manual_seed(seed)
        for chunk in torch.randperm(size, generator=generator).split(SHUFFLE_CHUNK):
            yield from chunk.tolist()


class DataModule(LightningDataModule):
    """Data loaders for the Inputs of each stage, with Flash's conveniences.

    Only the stages that have an Input get a data loader, so Lightning skips the others (no
    validation loop without validation data).

    Args:
        train_input: The training split.
        val_input: The validation split.
        test_input: The test split.
        predict_input: The data to predict on.
        batch_size: Samples per batch.
        val_split: The fraction of the training split to hold out for validation, when no
            validation split is given. The split follows torch's random seed.
        num_workers: Worker processes per data loader (0 loads in the main process).
        pin_memory: Whether to pin batches in memory, for faster copies to a GPU.
        persistent_workers: Whether to keep workers alive between epochs.
    """

    def __init__(
        self,
        train_input: Input | None = None,
        val_input: Input | None = None,
        test_input: Input | None = None,
        predict_input: Input | None = None,
        *,
        batch_size: int = 32,
        val_split: float | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative integer, got {num_workers!r}.")
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.persistent_workers = persistent_workers and num_workers > 0
        self.inputs = [
            data
            for data in (train_input, val_input, test_input, predict_input)
            if data is not None
        ]
        self._check_features(train_input, val_input, test_input, predict_input)
        for data in (train_input, val_input, test_input):
            # An ArrayInput read without targets has targets=None; a per-sample Input has none.
            if data is not None and getattr(data, "targets", ...) is None:
                raise ValueError(
                    f"The {data.stage} data has no targets; give {data.stage} targets, or pass "
                    "these samples as data to predict on."
                )
        train: Split | None = train_input
        val: Split | None = val_input
        if val_split is not None:
            train, val = self._split(train_input, val_input, val_split)
        if train is not None and len(train) < MIN_TRAIN_SAMPLES:
            split = "after val_split " if val_split is not None else ""
            raise ValueError(
                f"The training split {split}has {len(train)} sample(s); a training step needs "
                f"at least {MIN_TRAIN_SAMPLES}."
            )
        self.train_dataset: Split | None = train
        self.val_dataset: Split | None = val
        self.test_dataset: Split | None = test_input
        self.predict_dataset: Split | None = predict_input
        # Lightning runs a stage only when its *_dataloader method exists.
        for stage, dataset in (
            ("train", train),
            ("val", val),
            ("test", test_input),
            ("predict", predict_input),
        ):
            if dataset is not None:
                setattr(self, f"{stage}_dataloader", getattr(self, f"_{stage}_dataloader"))

    @staticmethod
    def _check_features(*inputs: Input | None) -> None:
        """Refuse splits whose samples have another number of features than the first split's."""
        described = [
            (data.stage, num_features)
            for data in inputs
            if data is not None
            and (num_features := getattr(data, "num_features", None)) is not None
        ]
        for stage, num_features in described[1:]:
            first_stage, expected = described[0]
            if num_features != expected:
                raise ValueError(
                    f"The {stage} data has {num_features} features but the {first_stage} data "
                    f"has {expected}; every split needs the same features, in the same order."
                )

    @staticmethod
    def _split(
        train_input: Input | None, val_input: Input | None, val_split: float
    ) -> tuple[Subset[Any], Subset[Any]]:
        if train_input is None:
            raise ValueError("val_split needs training data to split.")
        if val_input is not None:
            raise ValueError("Pass either validation data or val_split, not both.")
        if not 0 < val_split < 1:
            raise ValueError(f"val_split must be between 0 and 1, got {val_split}.")
        size = len(train_input)
        val_size = int(size * val_split)
        if not 0 < val_size < size:
            raise ValueError(
                f"val_split={val_split} of {size} training samples leaves an empty split."
            )
        order = torch.randperm(size).tolist()
        return Subset(train_input, order[val_size:]), Subset(train_input, order[:val_size])

    @staticmethod
    def _present(dataset: Split | None, stage: str) -> Split:
        """The split's dataset; its data loader method exists only when it does."""
        if dataset is None:
            raise RuntimeError(f"This data module has no {stage} data.")
        return dataset

    def _loader(
        self, dataset: Split, shuffle: bool = False, drop_last: bool = False
    ) -> DataLoader:
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=ShuffledOrder(dataset) if shuffle else None,
            drop_last=drop_last,
            num_workers=self.num_workers,
            collate_fn=collate,
            pin_memory=self.pin_memory,
            persistent_workers=self.persistent_workers,
        )

    def _train_dataloader(self) -> DataLoader:
        # A last batch of one sample breaks BatchNorm in training, so it is dropped. Under
        # distributed training each process reads its own share of the data.
        processes = self.trainer.world_size if self.trainer is not None else 1
        dataset = self._present(self.train_dataset, "train")
        size = math.ceil(len(dataset) / processes)
        lonely_last_batch = size > self.batch_size and size % self.batch_size == 1
        return self._loader(dataset, shuffle=True, drop_last=lonely_last_batch)

    def _val_dataloader(self) -> DataLoader:
        return self._loader(self._present(self.val_dataset, "val"))

    def _test_dataloader(self) -> DataLoader:
        return self._loader(self._present(self.test_dataset, "test"))

    def _predict_dataloader(self) -> DataLoader:
        return self._loader(self._present(self.predict_dataset, "predict"))

    def statistics_dataloader(self) -> DataLoader | None:
        """The training split in large, ordered batches, for learning statistics such as means.

        Returns:
            A data loader over the training split, or ``None`` without one.
        """
        if self.train_dataset is None:
            return None
        return DataLoader(
            self.train_dataset,
            batch_size=max(self.batch_size, STATISTICS_BATCH_SIZE),
            collate_fn=collate,
        )

    def _first(self, name: str) -> Any:
        """The first value of ``name`` among the Inputs, training split first."""
        for data in self.inputs:
            value = getattr(data, name, None)
            if value is not None:
                return value
        return None

    @property
    def num_features(self) -> int | None:
        """How many features each sample has."""
        return self._first("num_features")

    @property
    def num_classes(self) -> int | None:
        """How many classes the targets have (classification)."""
        return self._first("num_classes")

    @property
    def labels(self) -> list[str] | None:
        """The class names in index order, when the data has them (classification)."""
        return self._first("labels")

    @property
    def multi_label(self) -> bool:
        """Whether a sample can have several classes (classification)."""
        return bool(self._first("multi_label"))

    @property
    def num_targets(self) -> int | None:
        """How many values each sample's target has (regression)."""
        return self._first("num_targets")

    @classmethod
    def from_inputs(
        cls: type[DataModuleT],
        input_cls: type[Input],
        train: Sequence[Any] = (),
        val: Sequence[Any] = (),
        test: Sequence[Any] = (),
        predict: Sequence[Any] = (),
        target_formatter: Any = None,
        input_kwargs: Mapping[str, Any] | None = None,
        **data_module_kwargs: Any,
    ) -> DataModuleT:
        """Build one ``input_cls`` per stage that has data, and the data module around them.

        The validation, test and predict Inputs reuse the training Input's target formatter, so
        every split encodes its targets the same way. This is what each ``from_*`` constructor
        calls.

        Args:
            input_cls: The Input class for this kind of source.
            train: The training Input's arguments, e.g. ``(train_data, train_targets)``.
            val: The validation Input's arguments.
            test: The test Input's arguments.
            predict: The predict Input's arguments.
            target_formatter: A formatter to use instead of learning one from the training
                targets.
            input_kwargs: Keyword arguments for every Input.
            **data_module_kwargs: Passed to the data module (``batch_size``, ``val_split``...).

        Returns:
            The data module.
        """

        def build(stage: str, args: Sequence[Any], formatter: Any) -> Input | None:
            if not args or args[0] is None:
                if any(arg is not None for arg in args[1:]):
                    raise ValueError(f"{stage} targets were given without {stage} data.")
                return None
            return input_cls(stage, *args, target_formatter=formatter, **(input_kwargs or {}))

        train_input = build("train", train, target_formatter)
        formatter = getattr(train_input, "target_formatter", None) or target_formatter
        return cls(
            train_input,
            build("val", val, formatter),
            build("test", test, formatter),
            build("predict", predict, formatter),
            **data_module_kwargs,
        )
