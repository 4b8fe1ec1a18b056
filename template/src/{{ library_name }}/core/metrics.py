"""Metrics given by name, instance, callable, list or mapping, named the way Flash logs them.

A task keeps one copy of its metrics per stage, so training, validation and test values never
mix. Names such as ``"accuracy"`` or ``"r2"`` are built for the task at hand (number of classes,
multi-label or not) with torchmetrics 1.x, which needs that ``task=`` information.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import torchmetrics
from torch import Tensor
from torchmetrics import Metric
from torchmetrics.classification import (
    BinaryPrecisionRecallCurve,
    MulticlassPrecisionRecallCurve,
    MultilabelPrecisionRecallCurve,
)

from .registry import FlashRegistry

__all__ = [
    "CLASSIFICATION_METRICS",
    "EPOCH_ONLY_METRICS",
    "REGRESSION_METRICS",
    "FunctionalMetric",
    "MetricsSpec",
    "build_metrics",
    "metric_name",
]

MetricsSpec: TypeAlias = (
    str | Metric | Callable[..., Tensor] | Sequence[Any] | Mapping[str, Any] | None
)
"""Metrics: a name, a torchmetrics ``Metric``, a function ``(preds, target)``, or a list or
mapping of those."""

CLASSIFICATION_METRICS = FlashRegistry("metrics")
"""Classification metrics by name; each builder takes ``num_classes`` and ``multi_label``."""

REGRESSION_METRICS = FlashRegistry("metrics")
"""Regression metrics by name; each builder takes ``num_targets``."""

EPOCH_ONLY_METRICS: tuple[type[Metric], ...] = (
    BinaryPrecisionRecallCurve,
    MulticlassPrecisionRecallCurve,
    MultilabelPrecisionRecallCurve,
)
"""Metrics that rank scores over many samples (AUROC, average precision, ROC): undefined on a
batch that lacks a class, so tasks update them every step and log them once per epoch."""


def _classification_kwargs(num_classes: int, multi_label: bool = False) -> dict[str, Any]:
    if multi_label:
        return {"task": "multilabel", "num_labels": num_classes}
    return {"task": "multiclass", "num_classes": num_classes}


def _regression_kwargs(num_targets: int = 1) -> dict[str, Any]:
    return {}


def _register(
    registry: FlashRegistry,
    task_kwargs: Callable[..., dict[str, Any]],
    metric_classes: Mapping[str, type[Metric]],
) -> None:
    for name, metric_class in metric_classes.items():

        def build(_metric_class: type[Metric] = metric_class, **task_facts: Any) -> Metric:
            return _metric_class(**task_kwargs(**task_facts))

        build.__doc__ = f"Build torchmetrics' {metric_class.__name__} for the task."
        registry(build, name=name)


_register(
    CLASSIFICATION_METRICS,
    _classification_kwargs,
    {
        "accuracy": torchmetrics.Accuracy,
        "f1score": torchmetrics.F1Score,
        "precision": torchmetrics.Precision,
        "recall": torchmetrics.Recall,
        "auroc": torchmetrics.AUROC,
    },
)
_register(
    REGRESSION_METRICS,
    _regression_kwargs,
    {
        "mae": torchmetrics.MeanAbsoluteError,
        "mse": torchmetrics.MeanSquaredError,
        "r2": torchmetrics.R2Score,
        "explained_variance": torchmetrics.ExplainedVariance,
    },
)


class FunctionalMetric(torchmetrics.MeanMetric):
    """Average a plain function ``fn(preds, target)`` over an epoch, weighted by batch size.

    Args:
        fn: The function to average; its ``__name__`` becomes the logged name.
    """

    def __init__(self, fn: Callable[[Tensor, Tensor], Tensor], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fn = fn

    # MeanMetric.update takes (value, weight); this metric takes (preds, target) as metrics do.
    def update(self, preds: Tensor, target: Tensor) -> None:  # type: ignore[override]
        """Add the function's value on one batch."""
        super().update(self.fn(preds, target), weight=preds.shape[0])


def metric_name(metric: Any) -> str:
    """The name Flash logs a metric under: ``MulticlassAccuracy`` becomes ``"accuracy"``.

    Args:
        metric: A torchmetrics ``Metric``, a ``FunctionalMetric`` or a function.

    Returns:
        A lowercase name without the ``Binary``/``Multiclass``/``Multilabel`` prefix.
    """
    if isinstance(metric, FunctionalMetric):
        metric = metric.fn
    name = getattr(metric, "__name__", None) or type(metric).__name__
    name = re.sub(r"^(Binary|Multiclass|Multilabel)", "", name)
    return name.lower()


def build_metrics(
    spec: MetricsSpec, registry: FlashRegistry, **build_kwargs: Any
) -> dict[str, Metric]:
    """Turn any accepted metrics argument into named ``Metric`` objects.

    Args:
        spec: What the user passed: a name, a ``Metric``, a function, or a list or mapping.
        registry: Where names are looked up.
        **build_kwargs: What the registry's builders need, e.g. ``num_classes``.

    Returns:
        The metrics by the name they are logged under.
    """
    if spec is None:
        return {}
    items: list[tuple[str | None, Any]]
    if isinstance(spec, Mapping):
        items = list(spec.items())
    elif isinstance(spec, (str, Metric)) or callable(spec):
        items = [(None, spec)]
    else:
        items = [(None, item) for item in spec]
    metrics: dict[str, Metric] = {}
    for name, item in items:
        if isinstance(item, str):
            metric = registry.get(item)(**build_kwargs)
            name = name or item
        elif isinstance(item, Metric):
            metric = item
        elif callable(item):
            metric = FunctionalMetric(item)
        else:
            raise TypeError(f"A metric must be a name, a Metric or a function; got {item!r}.")
        metrics[name or metric_name(metric)] = metric
    return metrics
