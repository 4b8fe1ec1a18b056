"""Outputs: how a batch of raw model predictions becomes one readable prediction per sample.

``Trainer.predict(model, datamodule=..., output="classes")`` looks the output up in the task's
``outputs`` registry. Each output is a function ``(predictions, task) -> list``, so a task author
adds one by registering a function.
"""

from typing import Any

import torch
from torch import Tensor

from .registry import FlashRegistry

__all__ = ["BASE_OUTPUTS", "CLASSIFICATION_OUTPUTS", "MULTI_LABEL_THRESHOLD", "REGRESSION_OUTPUTS"]

MULTI_LABEL_THRESHOLD = 0.5
"""The probability above which a multi-label sample is said to belong to a class."""

BASE_OUTPUTS = FlashRegistry("outputs")


@BASE_OUTPUTS(name="preds")
def preds(predictions: Tensor, task: Any) -> list[Tensor]:
    """Return the model's raw output for each sample, as a tensor."""
    return list(predictions.detach().cpu().unbind(0))


CLASSIFICATION_OUTPUTS = FlashRegistry("outputs")
CLASSIFICATION_OUTPUTS(preds, name="preds")


@CLASSIFICATION_OUTPUTS(name="logits")
def logits(predictions: Tensor, task: Any) -> list[Tensor]:
    """Return the unnormalised class scores of each sample, as a tensor."""
    return list(predictions.detach().cpu().unbind(0))


def _probabilities(predictions: Tensor, task: Any) -> Tensor:
    predictions = predictions.detach().float().cpu()
    if task.multi_label:
        return torch.sigmoid(predictions)
    return torch.softmax(predictions, dim=-1)


def _classes(predictions: Tensor, task: Any) -> list[Any]:
    if task.multi_label:
        chosen = _probabilities(predictions, task) > MULTI_LABEL_THRESHOLD
        return [row.nonzero().flatten().tolist() for row in chosen]
    return predictions.argmax(dim=-1).cpu().tolist()


@CLASSIFICATION_OUTPUTS(name="probabilities")
def probabilities(predictions: Tensor, task: Any) -> list[list[float]]:
    """Return each sample's class probabilities: softmax, or sigmoid when multi-label."""
    return _probabilities(predictions, task).tolist()


@CLASSIFICATION_OUTPUTS(name="classes")
def classes(predictions: Tensor, task: Any) -> list[Any]:
    """Return each sample's class index, or its list of class indices when multi-label."""
    return _classes(predictions, task)


@CLASSIFICATION_OUTPUTS(name="labels")
def labels(predictions: Tensor, task: Any) -> list[Any]:
    """Return each sample's label name, or its list of label names when multi-label."""
    names = task.labels
    if not names:
        raise ValueError(
            "output='labels' needs label names, but this model has none. Train it on data that "
            "has names (string targets or a Bunch with target_names) or pass labels=[...] to "
            "the model; output='classes' gives class indices instead."
        )
    found = _classes(predictions, task)
    if task.multi_label:
        return [[names[index] for index in row] for row in found]
    return [names[index] for index in found]


REGRESSION_OUTPUTS = FlashRegistry("outputs")


@REGRESSION_OUTPUTS(name="preds")
def regression_preds(predictions: Tensor, task: Any) -> list[Any]:
    """Return each sample's prediction: a float, or a list of floats for several targets."""
    values = predictions.detach().float().cpu()
    if values.ndim > 1 and values.shape[-1] == 1:
        values = values.squeeze(-1)
    return values.tolist()
