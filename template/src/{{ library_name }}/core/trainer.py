"""Trainer: Lightning's Trainer, plus Flash's ``predict(..., output=)`` and ``finetune``.

It also keeps runs quiet: Lightning's advertising tips are not printed, and warnings that a user
can do nothing about (a deprecation inside Lightning, a hint that does not apply to in-memory
data) are not shown during a run. Every other warning is.
"""

import importlib.util
import logging
import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from lightning_fabric.plugins import CheckpointIO, TorchCheckpointIO
from pytorch_lightning import Callback, LightningDataModule, LightningModule
from pytorch_lightning.loggers import CSVLogger
from pytorch_lightning.utilities.warnings import PossibleUserWarning

from .checkpoints import read_checkpoint
from .data import ArrayInput, DataModule
from .finetuning import FinetuningStrategy, FlashFinetuning

__all__ = ["Trainer"]

DEFAULT_LOG_INTERVAL = 50
"""Lightning's default ``log_every_n_steps``."""

LIGHTNING_LOGGER = "pytorch_lightning.utilities.rank_zero"
"""The logger that prints Lightning's messages, including its tips."""


class _NoTips(logging.Filter):
    """Drops Lightning's "💡 Tip: try installing ..." adverts for cloud services."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("💡 Tip:")


def _tensorboard_installed() -> bool:
    """Whether Lightning's default logger, TensorBoard's, has a package to write with."""
    return any(importlib.util.find_spec(name) for name in ("tensorboard", "tensorboardX"))


class _CheckpointFiles(TorchCheckpointIO):
    """Lightning's checkpoint files, read safely and with errors that name a bad file."""

    def load_checkpoint(
        self, path: Any, map_location: Any = None, weights_only: bool | None = None
    ) -> dict[str, Any]:
        """Read the checkpoint at ``path``: only tensors and plain data unless told otherwise.

        A bare ``state_dict`` is read too: it is how ``ddp_spawn``, ``ddp_fork`` and
        ``ddp_notebook`` hand the weights trained in their processes back to the main one.
        """
        location = map_location or (lambda storage, _: storage)
        return read_checkpoint(path, location, weights_only is not False, bare_weights=True)


@contextmanager
def _quiet(datamodule: DataModule | None) -> Iterator[None]:
    """Hide, during a run, only the warnings that the user cannot act on."""
    with warnings.catch_warnings():
        # torch 2.10+ deprecates LeafSpec, which Lightning 2.6 uses on every batch: a
        # deprecation inside Lightning, fixed by upgrading it, that would repeat every step.
        warnings.filterwarnings(
            "ignore",
            message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
            category=FutureWarning,
        )
        if datamodule is not None and all(
            isinstance(data, ArrayInput) for data in datamodule.inputs
        ):
            # ArrayInputs serve in-memory arrays a whole batch per indexing operation, in the
            # main process: worker processes would only slow them down.
            warnings.filterwarnings(
                "ignore", message=".*does not have many workers", category=PossibleUserWarning
            )
        if datamodule is not None:
            # The core's DataModule gives a validation loader only when there is validation
            # data, while every Task has a validation_step: training without it is a choice.
            warnings.filterwarnings(
                "ignore",
                message="You defined a `validation_step` but have no `val_dataloader`",
                category=PossibleUserWarning,
            )
        yield


class Trainer(pl.Trainer):
    """A ``pytorch_lightning.Trainer`` that predicts readable outputs and finetunes backbones.

    It takes every argument of ``pytorch_lightning.Trainer``, and differs in four ways:

    - checkpoints given by ``ckpt_path`` load only tensors and plain data (unless
      ``weights_only=False`` is passed), and a bad file is named in the error, unless ``plugins``
      bring their own ``CheckpointIO``;
    - unless ``log_every_n_steps`` is given, epochs shorter than Lightning's 50 steps log their
      training steps once an epoch rather than never;
    - the default logger (``logger=True``) is TensorBoard's when ``tensorboard`` or
      ``tensorboardX`` is installed and a ``CSVLogger`` otherwise, as in Lightning, but without
      Lightning's warning asking to install TensorBoard;
    - Lightning's tips for its cloud services are not printed.
    """

    # Set by Lightning's callback connector; declared here for the finetuning callbacks' sake.
    callbacks: list[Callback]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        rank_zero_logger = logging.getLogger(LIGHTNING_LOGGER)
        if not any(isinstance(known, _NoTips) for known in rank_zero_logger.filters):
            rank_zero_logger.addFilter(_NoTips())
        plugins = kwargs.get("plugins")
        if plugins is None:
            plugins = []
        plugins = list(plugins) if isinstance(plugins, list | tuple) else [plugins]
        if not any(isinstance(plugin, CheckpointIO) for plugin in plugins):
            kwargs["plugins"] = [*plugins, _CheckpointFiles()]
        logger = kwargs.get("logger")
        if (logger is True or (logger is None and not kwargs.get("barebones"))) and not (
            _tensorboard_installed()
        ):
            # Lightning's own choice here, made without its warning to install TensorBoard.
            kwargs["logger"] = CSVLogger(save_dir=kwargs.get("default_root_dir") or os.getcwd())
        adapt_log_interval = kwargs.get("log_every_n_steps") is None and not kwargs.get(
            "barebones"
        )
        super().__init__(*args, **kwargs)
        if adapt_log_interval:
            self.fit_loop.setup_data = self._setup_data_logging_each_epoch  # type: ignore[method-assign]

    def _setup_data_logging_each_epoch(self) -> None:
        """Set up the training data, logging at least once an epoch when epochs are short.

        Lightning logs training steps every 50 steps by default, and warns when an epoch is
        shorter than that. Unless ``log_every_n_steps`` is given, an epoch of fewer batches
        logs every ``number of batches`` steps instead, so the warning has no reason to be.
        """
        self.log_every_n_steps = 1
        try:
            type(self.fit_loop).setup_data(self.fit_loop)
        finally:
            batches = self.fit_loop.max_batches
            finite = isinstance(batches, int) and batches > 0
            self.log_every_n_steps = (
                min(DEFAULT_LOG_INTERVAL, int(batches)) if finite else DEFAULT_LOG_INTERVAL
            )

    def _run_quietly(self, run: Any, *args: Any, **kwargs: Any) -> Any:
        # Lightning takes a data module in its own argument or in place of the data loaders.
        values = (*args, *kwargs.values())
        datamodule = next((value for value in values if isinstance(value, DataModule)), None)
        with _quiet(datamodule):
            return run(*args, **kwargs)

    def fit(self, *args: Any, **kwargs: Any) -> None:
        """Fit, as ``pytorch_lightning.Trainer.fit`` does, with a quiet run."""
        self._run_quietly(super().fit, *args, **kwargs)

    def validate(
        self,
        model: LightningModule | None = None,
        dataloaders: Any = None,
        ckpt_path: str | Path | None = None,
        verbose: bool = True,
        datamodule: LightningDataModule | None = None,
        weights_only: bool | None = None,
    ) -> list[Mapping[str, float]]:
        """Validate, as ``pytorch_lightning.Trainer.validate`` does, with a quiet run.

        The arguments are named here, not only passed on, so that the command line's
        ``validate`` offers them (``--ckpt_path`` above all).

        Args:
            model: The task to validate; defaults to the one the trainer last ran.
            dataloaders: Data loaders of validation data, when no data module is given.
            ckpt_path: A checkpoint to load first: a path, or ``"best"`` / ``"last"`` after
                ``fit`` (as in Lightning).
            verbose: Whether to print the results.
            datamodule: The data module holding the validation split.
            weights_only: Whether that checkpoint loads only tensors and plain data (as in
                Lightning; ``None`` is this trainer's safe default).

        Returns:
            One dictionary of logged metrics per data loader.
        """
        # Passed on only when given: Lightning 2.0 has no such argument.
        kwargs = {} if weights_only is None else {"weights_only": weights_only}
        return self._run_quietly(
            super().validate, model, dataloaders, ckpt_path, verbose, datamodule, **kwargs
        )

    def test(
        self,
        model: LightningModule | None = None,
        dataloaders: Any = None,
        ckpt_path: str | Path | None = None,
        verbose: bool = True,
        datamodule: LightningDataModule | None = None,
        weights_only: bool | None = None,
    ) -> list[Mapping[str, float]]:
        """Test, as ``pytorch_lightning.Trainer.test`` does, with a quiet run.

        The arguments are named here, not only passed on, so that the command line's ``test``
        offers them (``--ckpt_path`` above all).

        Args:
            model: The task to test; defaults to the one the trainer last ran.
            dataloaders: Data loaders of test data, when no data module is given.
            ckpt_path: A checkpoint to load first: a path, or ``"best"`` / ``"last"`` after
                ``fit`` (as in Lightning).
            verbose: Whether to print the results.
            datamodule: The data module holding the test split.
            weights_only: Whether that checkpoint loads only tensors and plain data (as in
                Lightning; ``None`` is this trainer's safe default).

        Returns:
            One dictionary of logged metrics per data loader.
        """
        # Passed on only when given: Lightning 2.0 has no such argument.
        kwargs = {} if weights_only is None else {"weights_only": weights_only}
        return self._run_quietly(
            super().test, model, dataloaders, ckpt_path, verbose, datamodule, **kwargs
        )

    def save_checkpoint(
        self, filepath: Any, weights_only: bool | None = None, storage_options: Any = None
    ) -> None:
        """Save a checkpoint of the model, and of the training state unless ``weights_only``.

        Args:
            filepath: Where to write it.
            weights_only: Whether to leave out the optimizer and loop states; they are kept by
                default (Lightning's default too, which it otherwise announces at every save).
            storage_options: Options for a custom ``CheckpointIO`` plugin.
        """
        super().save_checkpoint(filepath, bool(weights_only), storage_options)

    def finetune(
        self,
        model: LightningModule,
        train_dataloaders: Any = None,
        val_dataloaders: Any = None,
        datamodule: LightningDataModule | None = None,
        strategy: FinetuningStrategy = "no_freeze",
        train_bn: bool = True,
    ) -> None:
        """Fit ``model`` with part of it frozen, as ``strategy`` says.

        Args:
            model: The task to train.
            train_dataloaders: Training data loaders, when no data module is given.
            val_dataloaders: Validation data loaders, when no data module is given.
            datamodule: The data module.
            strategy: ``"no_freeze"``, ``"freeze"``, ``("freeze_unfreeze", epoch)`` or
                ``("unfreeze_milestones", ((first_epoch, second_epoch), num_layers))``.
            train_bn: Whether batch-norm layers train while their module is frozen.
        """
        callback = FlashFinetuning(strategy, train_bn=train_bn)
        self.callbacks = [c for c in self.callbacks if not isinstance(c, FlashFinetuning)]
        self.callbacks.append(callback)
        self.fit(model, train_dataloaders, val_dataloaders, datamodule=datamodule)

    def predict(
        self,
        model: LightningModule | None = None,
        dataloaders: Any = None,
        datamodule: LightningDataModule | None = None,
        return_predictions: bool | None = None,
        ckpt_path: str | Path | None = None,
        weights_only: bool | None = None,
        output: str = "preds",
        **kwargs: Any,
    ) -> list[Any] | None:
        """Predict, then turn each batch of raw predictions into one output per sample.

        Args:
            model: The task to predict with; defaults to the one the trainer last ran.
            dataloaders: Data loaders of inputs, when no data module is given.
            datamodule: The data module holding the predict split.
            return_predictions: Whether to return the predictions (as in Lightning).
            ckpt_path: A checkpoint to load first (as in Lightning).
            weights_only: Whether that checkpoint loads only tensors and plain data (as in
                Lightning; ``None`` is this trainer's safe default).
            output: The output to produce, one of ``model.available_outputs()``: for
                classification ``"preds"``, ``"logits"``, ``"probabilities"``, ``"classes"``
                or ``"labels"``.
            **kwargs: Lightning's other ``predict`` arguments, if a later release adds any.

        Returns:
            One list per batch holding one output per sample, or ``None`` when predictions
            are not returned.
        """
        task = model if model is not None else self.lightning_module
        outputs = getattr(task, "outputs", None)
        if outputs is None:
            raise TypeError(f"output= needs a Task with outputs; got {type(task).__name__}.")
        to_output = outputs.get(output)
        if (
            weights_only is not None
        ):  # passed on only when given: Lightning 2.0 has no such argument
            kwargs["weights_only"] = weights_only
        predictions = self._run_quietly(
            super().predict,
            model,
            dataloaders,
            datamodule,
            return_predictions,
            ckpt_path,
            **kwargs,
        )
        if predictions is None:
            return None
        if predictions and isinstance(predictions[0], list):  # several predict data loaders
            return [[to_output(batch, task) for batch in loader] for loader in predictions]
        return [to_output(batch, task) for batch in predictions]
