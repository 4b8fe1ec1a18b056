"""Standardization whose statistics are learned from the training data and travel with the model.

A task standardizes its inputs (and a regression task its targets) with statistics learned once,
from the training split, when fitting starts. They are buffers of the model, so they are saved in
every checkpoint and used unchanged when the model later predicts through another data module.
"""

from collections.abc import Iterable

import torch
from torch import Tensor, nn

__all__ = ["Standardize"]


class Standardize(nn.Module):
    """Subtract a mean and divide by a standard deviation, per feature.

    Until ``fit`` is called it changes nothing, so a model works before it has seen data.

    Args:
        num_features: How many features (columns) are standardized.
        eps: Added to the standard deviation, so constant features do not divide by zero.
    """

    # Buffers, registered in __init__.
    mean: Tensor
    std: Tensor
    fitted: Tensor

    def __init__(self, num_features: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("mean", torch.zeros(num_features))
        self.register_buffer("std", torch.ones(num_features))
        self.register_buffer("fitted", torch.tensor(False))

    @torch.no_grad()
    def fit(self, batches: Iterable[Tensor]) -> None:
        """Learn the mean and standard deviation of each column, one batch at a time.

        Args:
            batches: ``(samples, num_features)`` tensors (or ``(samples,)`` for one feature)
                that together hold the training data.

        Raises:
            ValueError: When a batch has another number of features, or there are no samples.
        """
        count = 0
        total = torch.zeros_like(self.mean, dtype=torch.float64)
        squares = torch.zeros_like(total)
        for batch in batches:
            values = batch.reshape(len(batch), -1).to(total)
            if values.shape[1] != total.numel():
                raise ValueError(
                    f"Standardize was built for {total.numel()} features, got {values.shape[1]}."
                )
            count += len(values)
            total += values.sum(dim=0)
            squares += values.square().sum(dim=0)
        if count == 0:
            raise ValueError("Standardize.fit got no samples.")
        mean = total / count
        variance = (squares / count - mean.square()).clamp(min=0.0)
        self.mean.copy_(mean)
        self.std.copy_(variance.sqrt() + self.eps)
        self.fitted.fill_(True)

    def forward(self, x: Tensor) -> Tensor:
        """Standardize ``x``."""
        return (x - self.mean) / self.std

    def inverse(self, y: Tensor) -> Tensor:
        """Undo the standardization of ``y``."""
        return y * self.std + self.mean
