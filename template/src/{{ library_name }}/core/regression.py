"""RegressionTask: a Task that predicts one or several real-valued targets per sample.

Defaults: mean squared error loss, and mean absolute error, mean squared error and R² metrics.
Targets and outputs are ``(batch, num_targets)`` float tensors.
"""

from typing import Any, ClassVar

from torch import Tensor, nn
from torch.nn import functional

from .metrics import REGRESSION_METRICS, MetricsSpec
from .model import LossSpec, Task
from .outputs import REGRESSION_OUTPUTS
from .registry import FlashRegistry

__all__ = ["RegressionTask"]


class RegressionTask(Task):
    """A Task that predicts ``num_targets`` real values per sample.

    Args:
        model: The network to train, as :class:`Task` takes it.
        num_targets: How many values are predicted for each sample.
        loss_fn: The loss; defaults to mean squared error.
        metrics: The metrics; default to ``("mae", "mse", "r2")``.
        **kwargs: Passed on to :class:`Task`.
    """

    outputs: ClassVar[FlashRegistry] = REGRESSION_OUTPUTS
    metrics_registry: ClassVar[FlashRegistry] = REGRESSION_METRICS

    def __init__(
        self,
        model: nn.Module | None = None,
        num_targets: int = 1,
        loss_fn: LossSpec | None = None,
        metrics: MetricsSpec = None,
        **kwargs: Any,
    ) -> None:
        if num_targets < 1:
            raise ValueError(f"num_targets must be at least 1, got {num_targets}.")
        self.num_targets = num_targets
        super().__init__(
            model,
            loss_fn=functional.mse_loss if loss_fn is None else loss_fn,
            metrics=("mae", "mse", "r2") if metrics is None else metrics,
            **kwargs,
        )

    def metric_facts(self) -> dict[str, Any]:
        """Tell metric builders how many targets there are."""
        return {"num_targets": self.num_targets}

    def to_loss_format(self, output: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """Compare outputs and targets as ``(batch, num_targets)`` float tensors."""
        return output, target.reshape(output.shape).to(output.dtype)

    def to_metrics_format(self, output: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """Give metrics 1-D tensors for one target, ``(batch, num_targets)`` for several."""
        output, target = self.to_loss_format(output, target)
        if self.num_targets == 1:
            return output.reshape(-1), target.reshape(-1)
        return output, target
