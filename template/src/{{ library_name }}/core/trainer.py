"""Trainer: Lightning's Trainer, plus Flash's ``predict(..., output=)`` and ``finetune``."""

from typing import Any

import pytorch_lightning as pl
from pytorch_lightning import LightningDataModule, LightningModule

from .finetuning import FinetuningStrategy, FlashFinetuning

__all__ = ["Trainer"]


class Trainer(pl.Trainer):
    """A ``pytorch_lightning.Trainer`` that predicts readable outputs and finetunes backbones.

    It takes every argument of ``pytorch_lightning.Trainer``.
    """

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
        self.fit(model, train_dataloaders, val_dataloaders, datamodule)

    def predict(
        self,
        model: LightningModule | None = None,
        dataloaders: Any = None,
        datamodule: LightningDataModule | None = None,
        return_predictions: bool | None = None,
        ckpt_path: str | None = None,
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
            output: The output to produce, one of ``model.available_outputs()``: for
                classification ``"preds"``, ``"logits"``, ``"probabilities"``, ``"classes"``
                or ``"labels"``.
            **kwargs: Lightning's other ``predict`` arguments, such as ``weights_only``.

        Returns:
            One list per batch holding one output per sample, or ``None`` when predictions
            are not returned.
        """
        task = model if model is not None else self.lightning_module
        outputs = getattr(task, "outputs", None)
        if outputs is None:
            raise TypeError(f"output= needs a Task with outputs; got {type(task).__name__}.")
        to_output = outputs.get(output)
        predictions = super().predict(
            model, dataloaders, datamodule, return_predictions, ckpt_path, **kwargs
        )
        if predictions is None:
            return None
        if predictions and isinstance(predictions[0], list):  # several predict data loaders
            return [[to_output(batch, task) for batch in loader] for loader in predictions]
        return [to_output(batch, task) for batch in predictions]
