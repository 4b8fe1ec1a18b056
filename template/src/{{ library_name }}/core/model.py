"""The Task: a ``LightningModule`` with helpful defaults for loss, optimizer, metrics and outputs.

A concrete task (see the task packages next to ``core``) sets up its backbone and head, passes its
defaults to ``Task.__init__``, turns its batches into ``(input, target)`` pairs and defines
``forward``. Everything else (the loss, per-stage metrics and their logging, optimizers and
schedulers given by name, finetuning hooks) lives here.
"""

import inspect
import operator
import os
import types
import warnings
from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from functools import reduce
from typing import IO, Any, ClassVar, TypeAlias, cast

import pytorch_lightning as pl
from pytorch_lightning import LightningModule
from pytorch_lightning.core.saving import (
    _default_map_location,
    _load_state,
    load_hparams_from_tags_csv,
    load_hparams_from_yaml,
)
from pytorch_lightning.utilities.migration.utils import _pl_migrate_checkpoint
from torch import Tensor, nn
from torchmetrics import Metric
from typing_extensions import Self

from .checkpoints import plain_hyperparameters, read_checkpoint, revive_hyperparameters
from .export import ExportMixin
from .imports import require
from .keys import DataKeys
from .metrics import EPOCH_ONLY_METRICS, MetricsSpec, build_metrics
from .normalization import Standardize
from .optimization import (
    LR_SCHEDULERS,
    OPTIMIZERS,
    LRSchedulerSpec,
    OptimizerSpec,
    build_lr_scheduler,
    build_optimizer,
)
from .outputs import BASE_OUTPUTS
from .registry import FlashRegistry
from .serving import ServeMixin

__all__ = ["LossSpec", "Task"]

LossSpec: TypeAlias = (
    Callable[..., Tensor] | Sequence[Callable[..., Tensor]] | Mapping[str, Callable[..., Tensor]]
)
"""Losses: a function or module ``(output, target) -> Tensor``, or a list or mapping of them."""

SCALED_KEYS = {"input_scaler": DataKeys.INPUT, "target_scaler": DataKeys.TARGET}
"""The ``Standardize`` attributes a task may have, and the batch entries each learns from."""


def _named_losses(loss_fn: LossSpec | None) -> dict[str, Callable[..., Tensor]]:
    if loss_fn is None:
        return {}
    if isinstance(loss_fn, Mapping):
        return dict(loss_fn)
    functions = [loss_fn] if callable(loss_fn) else list(loss_fn)
    named: dict[str, Callable[..., Tensor]] = {}
    for function in functions:
        name = getattr(function, "__name__", type(function).__name__).lower()
        # Two losses of one kind (say, two CrossEntropyLoss) must both count.
        unique, repeat = name, 1
        while unique in named:
            unique, repeat = f"{name}_{repeat}", repeat + 1
        named[unique] = function
    return named


def _read_hparams_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    name = os.fspath(path)
    extension = name.rsplit(".", 1)[-1].lower()
    if extension == "csv":
        return dict(load_hparams_from_tags_csv(name))
    if extension in ("yml", "yaml"):
        return dict(load_hparams_from_yaml(name))
    raise ValueError(f"hparams_file must be a .csv, .yml or .yaml file, got {path}.")


# Lightning's own ``trainer`` property, which ``Task.trainer`` wraps. Read from the class's
# ``__dict__``: read as ``LightningModule.trainer``, a type checker sees its getter only.
_LIGHTNING_TRAINER: property = LightningModule.__dict__["trainer"]


class Task(ExportMixin, ServeMixin, LightningModule):
    """A ``LightningModule`` that trains a model with Flash's defaults.

    Args:
        model: The network to train; tasks that build a backbone and head leave it out.
        loss_fn: The loss: a function, a module, or a list or mapping of them (summed).
        learning_rate: The learning rate; ``None`` keeps the optimizer's own default.
        optimizer: A ``torch.optim`` name (any case), a class or callable, or ``(name, kwargs)``.
        lr_scheduler: A scheduler name, a callable, ``(name, kwargs)`` or
            ``(name, kwargs, lightning_config)``; ``None`` for a constant learning rate.
        metrics: A metric name, a torchmetrics ``Metric``, a function, or a list or mapping of
            them. Each stage (train, val, test) gets its own copy.
        output_transform: A function applied to the model's output in ``predict_step``.
    """

    backbones: ClassVar[FlashRegistry] = FlashRegistry("backbones")
    """Where ``backbone="name"`` is looked up; a concrete task sets its own registry."""

    outputs: ClassVar[FlashRegistry] = BASE_OUTPUTS
    """The outputs ``Trainer.predict(..., output=name)`` can produce."""

    metrics_registry: ClassVar[FlashRegistry] = FlashRegistry("metrics")
    """Where metric names are looked up."""

    required_extras: ClassVar[Mapping[str, str]] = {}
    """Optional modules the task needs, mapped to the package that provides each."""

    def __init__(
        self,
        model: nn.Module | None = None,
        loss_fn: LossSpec | None = None,
        learning_rate: float | None = None,
        optimizer: OptimizerSpec = "Adam",
        lr_scheduler: LRSchedulerSpec | None = None,
        metrics: MetricsSpec = None,
        output_transform: Callable[[Tensor], Any] | None = None,
    ) -> None:
        super().__init__()
        for module, package in self.required_extras.items():
            require(module, package=package, feature=type(self).__name__)
        if model is not None:
            self.model = model
        self.loss_fn = _named_losses(loss_fn)
        # Loss modules (e.g. a weighted CrossEntropyLoss) must follow the model between devices.
        self.loss_modules = nn.ModuleList(
            [function for function in self.loss_fn.values() if isinstance(function, nn.Module)]
        )
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.lr_scheduler = lr_scheduler
        self.output_transform = output_transform
        train_metrics = build_metrics(metrics, self.metrics_registry, **self.metric_facts())
        self.train_metrics = nn.ModuleDict(train_metrics)
        self.val_metrics = nn.ModuleDict(deepcopy(train_metrics))
        self.test_metrics = nn.ModuleDict(deepcopy(train_metrics))

    def save_hyperparameters(
        self,
        *args: Any,
        ignore: Sequence[str] | str | None = None,
        frame: types.FrameType | None = None,
        logger: bool = True,
    ) -> None:
        """Record the arguments of ``__init__``, as Lightning does, for ``load_from_checkpoint``.

        Lightning advises leaving out module arguments (a loss module, say); here they are
        kept, and ``on_save_checkpoint`` saves them as plain data where they can be, so the
        advice does not apply and is not shown.

        Args:
            *args: The names of the arguments to record; all of them when none are given.
            ignore: Names of arguments not to record.
            frame: The frame whose arguments are recorded; the caller's by default.
            logger: Whether the logger records them too.
        """
        # currentframe() is None only on a Python without stack frames, which Lightning needs too.
        frame = frame if frame is not None else inspect.currentframe().f_back  # type: ignore[union-attr]
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=r"Attribute '\w+' is an instance of `nn.Module`"
            )
            super().save_hyperparameters(*args, ignore=ignore, frame=frame, logger=logger)

    @property
    def trainer(self) -> "pl.Trainer":
        """The Trainer running this task.

        An unattached task raises ``AttributeError`` where Lightning raises ``RuntimeError``:
        ``torch.jit.script`` and ``torch.jit.trace`` probe attributes with ``hasattr``, which
        only tolerates ``AttributeError``. That is why Flash's tasks could not be compiled.
        """
        if self._trainer is None and self._fabric is None and not self._jit_is_scripting:
            raise AttributeError(self._not_attached())
        return _LIGHTNING_TRAINER.__get__(self)

    @trainer.setter
    def trainer(self, trainer: "pl.Trainer | None") -> None:
        _LIGHTNING_TRAINER.__set__(self, trainer)

    def _not_attached(self) -> str:
        return f"{type(self).__qualname__} is not attached to a `Trainer`."

    def __getattr__(self, name: str) -> Any:
        # Python retries a property's AttributeError here; keep the property's message.
        if name == "trainer":
            raise AttributeError(self._not_attached())
        return super().__getattr__(name)

    def metric_facts(self) -> dict[str, Any]:
        """What metric builders need to know about the task, such as the number of classes.

        Returns:
            Keyword arguments for the builders in ``metrics_registry``.
        """
        return {}

    def forward(self, x: Any) -> Any:
        """Run the model. Tasks with a backbone and a head override this.

        Args:
            x: A batch of inputs.

        Returns:
            The model's output for the batch.
        """
        return self.model(x)

    def to_loss_format(self, output: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """Adapt the output and target to what the loss functions expect (here: unchanged)."""
        return output, target

    def to_metrics_format(self, output: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """Adapt the output and target to what the metrics expect (here: unchanged)."""
        return output, target

    def shared_step(self, batch: Any, stage: str) -> Tensor:
        """Compute the loss and update the metrics of one stage for one batch.

        Training logs every value per step and per epoch, except metrics that rank scores over
        many samples (``EPOCH_ONLY_METRICS``, such as AUROC), which it logs per epoch only.
        Validation and test log per epoch.

        Args:
            batch: An ``(input, target)`` pair: a tuple or list of two.
            stage: ``"train"``, ``"val"`` or ``"test"``; it prefixes every logged name.

        Returns:
            The sum of the losses, so that several loss functions still give one value.

        Raises:
            TypeError: When the batch is not an ``(input, target)`` pair.
        """
        x, y = self._input_and_target(batch, stage)
        output = self(x)
        batch_size = len(y)
        on_step = stage == "train"
        losses = {
            name: function(*self.to_loss_format(output, y))
            for name, function in self.loss_fn.items()
        }
        if not losses:
            raise ValueError(f"{type(self).__name__} has no loss_fn to train with.")
        # Added up pairwise, so one loss is used as it is (sum() would add it to 0: one more op
        # per step to backprop).
        loss: Tensor = reduce(operator.add, losses.values())
        log_kwargs: dict[str, Any] = {"on_epoch": True, "batch_size": batch_size}
        # Losses are averaged over every process, so that each one monitors the same value.
        if len(losses) > 1:
            for name, value in losses.items():
                self.log(f"{stage}_{name}", value, on_step=on_step, sync_dist=True, **log_kwargs)
        self.log(
            f"{stage}_loss", loss, on_step=on_step, prog_bar=True, sync_dist=True, **log_kwargs
        )
        # A ModuleDict of the Metrics that build_metrics made.
        metrics = cast("Mapping[str, Metric]", getattr(self, f"{stage}_metrics"))
        preds, target = self.to_metrics_format(output, y)
        for name, metric in metrics.items():
            # AUROC and the like are undefined on a batch that lacks a class: per epoch only.
            metric_on_step = on_step and not isinstance(metric, EPOCH_ONLY_METRICS)
            # A per-step log needs the batch value that only the metric's forward computes.
            metric(preds, target) if metric_on_step else metric.update(preds, target)
            self.log(
                f"{stage}_{name}", metric, on_step=metric_on_step, prog_bar=True, **log_kwargs
            )
        return loss

    def _input_and_target(self, batch: Any, stage: str) -> tuple[Any, Any]:
        if isinstance(batch, tuple | list) and len(batch) == 2:
            return batch[0], batch[1]
        if isinstance(batch, tuple | list):
            got = f"a {type(batch).__name__} of {len(batch)}"
        else:
            got = f"a {type(batch).__name__}"
        raise TypeError(
            f"{type(self).__name__}'s {stage} step takes an (input, target) pair, but got {got}; "
            "a task's step override turns its batches (such as dictionaries) into that pair."
        )

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """Return the training loss of one ``(input, target)`` batch, logging ``train_<name>``."""
        return self.shared_step(batch, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> Tensor:
        """Return the validation loss of one ``(input, target)`` batch, logging per epoch."""
        return self.shared_step(batch, "val")

    def test_step(self, batch: Any, batch_idx: int) -> Tensor:
        """Return the test loss of one ``(input, target)`` batch, logging per epoch."""
        return self.shared_step(batch, "test")

    def predict_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        """Return the model's output for one batch of inputs.

        Args:
            batch: The input: a tensor (or whatever the model takes), or a one-element
                ``(input,)`` tuple or list, as ``DataLoader(TensorDataset(x))`` yields, which is
                unwrapped. A longer tuple is passed to the model as it is: it is never taken for
                an ``(input, target)`` pair.
            batch_idx: The index of the batch.
            dataloader_idx: The index of the dataloader.

        Returns:
            The forward output, passed through ``output_transform`` when one is set.
        """
        if isinstance(batch, tuple | list) and len(batch) == 1:
            batch = batch[0]
        output = self(batch)
        if self.output_transform is not None:
            output = self.output_transform(output)
        return output

    def configure_optimizers(self) -> Any:
        """Build the optimizer, and the scheduler when one is set, from their specifications.

        Only parameters that require gradients are optimized, so frozen backbones stay frozen.
        """
        parameters = [parameter for parameter in self.parameters() if parameter.requires_grad]
        optimizer = build_optimizer(self.optimizer, parameters, self.learning_rate)
        if self.lr_scheduler is None:
            return optimizer
        return {
            "optimizer": optimizer,
            "lr_scheduler": build_lr_scheduler(self.lr_scheduler, optimizer),
        }

    def modules_to_freeze(self) -> nn.Module | None:
        """The modules ``Trainer.finetune`` freezes: the backbone, when the task has one."""
        return getattr(self, "backbone", None)

    def check_data(self, datamodule: Any) -> None:
        """Refuse data that the model was not built for, before any training starts.

        Args:
            datamodule: The data module the trainer runs on.

        Raises:
            ValueError: When the data has another number of features or targets than the model,
                or more classes than it.
        """
        for name in ("num_features", "num_targets"):
            built_for, found = self.hparams.get(name), getattr(datamodule, name, None)
            if built_for is not None and found is not None and built_for != found:
                raise ValueError(
                    f"{type(self).__name__} was built with {name}={built_for}, but the data has "
                    f"{found}; build the model with {name}=datamodule.{name}."
                )

    def fit_scalers(self, datamodule: Any) -> None:
        """Learn the task's standardization statistics from the training split, once.

        A task with an ``input_scaler`` (or a ``target_scaler``) ``Standardize`` module learns
        its statistics here when fitting first starts; later fits, and a model loaded from a
        checkpoint, keep the statistics they have.

        Args:
            datamodule: The data module the trainer fits on.
        """
        scalers = {
            key: scaler
            for name, key in SCALED_KEYS.items()
            if isinstance(scaler := getattr(self, name, None), Standardize) and not scaler.fitted
        }
        make_loader = getattr(datamodule, "statistics_dataloader", None)
        loader = make_loader() if scalers and make_loader is not None else None
        if loader is None:
            return
        for key, scaler in scalers.items():
            scaler.fit(batch[key] for batch in loader if key in batch)

    def setup(self, stage: str) -> None:
        """Check the trainer's data against the model, and learn standardization when fitting."""
        datamodule = getattr(self.trainer, "datamodule", None)
        if datamodule is not None:
            self.check_data(datamodule)
            if stage == "fit":
                self.fit_scalers(datamodule)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Save the hyperparameters as plain data, so that the checkpoint loads safely.

        A class or function is saved as its import path, a module that its constructor
        arguments rebuild as those arguments; an argument that cannot be saved so is left out
        with a warning that says to pass it again to ``load_from_checkpoint``.

        Args:
            checkpoint: The checkpoint being saved.
        """
        # The data module's arguments (saved by LightningCLI, say) are made plain data too.
        datamodule = getattr(self._trainer, "datamodule", None)
        owners = {
            self.CHECKPOINT_HYPER_PARAMS_KEY: type(self).__name__,
            pl.LightningDataModule.CHECKPOINT_HYPER_PARAMS_KEY: type(datamodule).__name__,
        }
        for key, owner in owners.items():
            if checkpoint.get(key) is not None:
                checkpoint[key] = plain_hyperparameters(checkpoint[key], owner)
        for key in (
            self.CHECKPOINT_HYPER_PARAMS_TYPE,
            pl.LightningDataModule.CHECKPOINT_HYPER_PARAMS_TYPE,
        ):
            checkpoint.pop(key, None)

    @classmethod
    def load_from_checkpoint(
        cls,
        checkpoint_path: str | os.PathLike[str] | IO[bytes],
        map_location: Any = None,
        hparams_file: str | os.PathLike[str] | None = None,
        strict: bool | None = None,
        weights_only: bool | None = None,
        **kwargs: Any,
    ) -> Self:
        """Rebuild a task from a checkpoint, loading only tensors and plain data.

        Args:
            checkpoint_path: The checkpoint's path (local or an ``fsspec`` URL) or a binary file.
            map_location: Where to put the tensors, as in ``torch.load``; by default where they
                were saved, or the CPU when that device is missing.
            hparams_file: A ``.yaml`` or ``.csv`` file of arguments that replace the saved ones.
            strict: Whether the checkpoint's weights must match the task's exactly; ``None``
                uses the task's ``strict_loading`` (``True`` by default).
            weights_only: Only an explicit ``False`` unpickles arbitrary objects, which runs
                whatever code the file names: never do that with a file you did not make.
            **kwargs: Arguments for the task that replace the saved ones, or that saving had to
                leave out.

        Returns:
            The task, on the device its weights were loaded to.

        Raises:
            FileNotFoundError: When there is no such file.
            ValueError: When the file is empty, truncated, corrupt or not a checkpoint, or names
                something that cannot be imported.
            pickle.UnpicklingError: When the file holds objects other than tensors and plain
                data; they are never unpickled.
        """
        checkpoint = read_checkpoint(
            checkpoint_path, map_location or _default_map_location, weights_only is not False
        )
        path = (
            os.fspath(checkpoint_path) if isinstance(checkpoint_path, str | os.PathLike) else None
        )
        checkpoint = _pl_migrate_checkpoint(checkpoint, checkpoint_path=path)
        saved = checkpoint.get(cls.CHECKPOINT_HYPER_PARAMS_KEY) or {}
        if hparams_file is not None:
            saved = _read_hparams_file(hparams_file)
        checkpoint[cls.CHECKPOINT_HYPER_PARAMS_KEY] = {**revive_hyperparameters(saved), **kwargs}
        model = _load_state(cls, checkpoint, strict=strict, **kwargs)
        if not isinstance(model, cls):
            raise TypeError(
                f"The checkpoint rebuilt a {type(model).__name__}, not a {cls.__name__}."
            )
        state = checkpoint["state_dict"].values()
        first = next((value for value in state if isinstance(value, Tensor)), None)
        return model.to(first.device) if first is not None else model

    @classmethod
    def available_backbones(cls) -> list[str]:
        """The names ``backbone=`` accepts."""
        return cls.backbones.available_keys()

    @classmethod
    def available_optimizers(cls) -> list[str]:
        """The optimizer names ``optimizer=`` accepts."""
        return OPTIMIZERS.available_keys()

    @classmethod
    def available_lr_schedulers(cls) -> list[str]:
        """The scheduler names ``lr_scheduler=`` accepts."""
        return LR_SCHEDULERS.available_keys()

    @classmethod
    def available_outputs(cls) -> list[str]:
        """The names ``Trainer.predict(..., output=)`` accepts for this task."""
        return cls.outputs.available_keys()

    @classmethod
    def available_metrics(cls) -> list[str]:
        """The names ``metrics=`` accepts for this task."""
        return cls.metrics_registry.available_keys()
