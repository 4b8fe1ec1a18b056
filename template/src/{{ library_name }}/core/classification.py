"""ClassificationTask: a Task with classification defaults, multi-class or multi-label.

Defaults: cross-entropy loss and accuracy, or binary cross-entropy on logits and F1 when
``multi_label`` is set. The task remembers its label names (given, or learned from the training
data) so ``output="labels"`` works after training and after ``load_from_checkpoint``.
"""

from collections.abc import Sequence
from typing import Any, ClassVar

from torch import Tensor, nn
from torch.nn import functional

from .metrics import CLASSIFICATION_METRICS, MetricsSpec
from .model import LossSpec, Task
from .outputs import CLASSIFICATION_OUTPUTS
from .registry import FlashRegistry

__all__ = ["ClassificationTask"]


class ClassificationTask(Task):
    """A Task that sorts each sample into one class, or several when ``multi_label`` is set.

    Args:
        model: The network to train, as :class:`Task` takes it.
        num_classes: How many classes there are; taken from ``labels`` when left out.
        labels: The name of each class, in class-index order.
        multi_label: Whether a sample can belong to several classes at once.
        loss_fn: The loss; defaults to cross-entropy (binary cross-entropy when multi-label).
        metrics: The metrics; default to accuracy (F1 when multi-label).
        **kwargs: Passed on to :class:`Task`.
    """

    outputs: ClassVar[FlashRegistry] = CLASSIFICATION_OUTPUTS
    metrics_registry: ClassVar[FlashRegistry] = CLASSIFICATION_METRICS

    def __init__(
        self,
        model: nn.Module | None = None,
        num_classes: int | None = None,
        labels: Sequence[str] | None = None,
        multi_label: bool = False,
        loss_fn: LossSpec | None = None,
        metrics: MetricsSpec = None,
        **kwargs: Any,
    ) -> None:
        if num_classes is None and labels is not None:
            num_classes = len(labels)
        if num_classes is None:
            raise ValueError(
                f"{type(self).__name__} needs num_classes or labels; pass "
                "num_classes=datamodule.num_classes."
            )
        if labels is not None and len(labels) != num_classes:
            raise ValueError(f"Got {len(labels)} labels for num_classes={num_classes}.")
        self.num_classes = num_classes
        self.labels = [str(label) for label in labels] if labels is not None else None
        self.multi_label = multi_label
        if loss_fn is None:
            loss_fn = (
                functional.binary_cross_entropy_with_logits
                if multi_label
                else functional.cross_entropy
            )
        if metrics is None:
            metrics = "f1score" if multi_label else "accuracy"
        super().__init__(model, loss_fn=loss_fn, metrics=metrics, **kwargs)

    def metric_facts(self) -> dict[str, Any]:
        """Tell metric builders the number of classes and whether the task is multi-label."""
        return {"num_classes": self.num_classes, "multi_label": self.multi_label}

    def to_loss_format(self, output: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """Multi-label losses compare float logits with float 0/1 targets."""
        return (output, target.to(output.dtype)) if self.multi_label else (output, target)

    def to_metrics_format(self, output: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """Metrics take probabilities and integer targets."""
        if self.multi_label:
            return output.sigmoid(), target.long()
        return output.softmax(dim=-1), target

    def check_data(self, datamodule: Any) -> None:
        """Refuse data with more classes than the model, and adopt the data's label names.

        Args:
            datamodule: The data module the trainer runs on.

        Raises:
            ValueError: When the data has more classes than the model was built for, or another
                number of features.
        """
        super().check_data(datamodule)
        found = getattr(datamodule, "num_classes", None)
        if found is not None and found > self.num_classes:
            raise ValueError(
                f"{type(self).__name__} was built with num_classes={self.num_classes}, but the "
                f"data has {found} classes; build the model with "
                "num_classes=datamodule.num_classes."
            )
        labels = getattr(datamodule, "labels", None)
        if self.labels is None and labels is not None and len(labels) == self.num_classes:
            self.labels = list(labels)
            if "labels" in self.hparams:
                # Saved with the checkpoint, so load_from_checkpoint restores the names.
                self.hparams["labels"] = self.labels
