"""Finetuning strategies: which part of a task is frozen, and when it is unfrozen.

``Trainer.finetune(model, datamodule=..., strategy=...)`` accepts Flash's strategies:

- ``"no_freeze"``: train everything from the start;
- ``"freeze"``: keep the modules of ``model.modules_to_freeze()`` (the backbone) frozen;
- ``("freeze_unfreeze", epoch)``: freeze them, then unfreeze them all at ``epoch``;
- ``("unfreeze_milestones", ((first, second), num_layers))``: freeze them, unfreeze their last
  ``num_layers`` layers at epoch ``first`` and the rest at epoch ``second``.
"""

from typing import Any, Protocol, TypeAlias, runtime_checkable

from pytorch_lightning import LightningModule
from pytorch_lightning.callbacks import BaseFinetuning
from torch import nn
from torch.optim import Optimizer

__all__ = ["FinetuningStrategy", "FlashFinetuning"]

FinetuningStrategy: TypeAlias = str | tuple[str, Any]
"""A strategy name, or a ``(name, argument)`` pair."""

STRATEGIES = ("no_freeze", "freeze", "freeze_unfreeze", "unfreeze_milestones")


@runtime_checkable
class _Freezable(Protocol):
    """A task that names the modules a strategy freezes, as Flash's tasks do."""

    def modules_to_freeze(self) -> nn.Module | None:
        """The modules to freeze, or ``None`` when there is nothing to freeze."""


def _parse(strategy: FinetuningStrategy) -> tuple[str, Any]:
    usage = (
        "Use 'no_freeze', 'freeze', ('freeze_unfreeze', epoch) or "
        "('unfreeze_milestones', ((first_epoch, second_epoch), num_layers))."
    )
    argument: Any
    if isinstance(strategy, str):
        name, argument = strategy, None
    elif isinstance(strategy, (tuple, list)) and len(strategy) == 2:
        name, argument = strategy
    else:
        raise ValueError(f"Unknown finetuning strategy {strategy!r}. {usage}")
    if name not in STRATEGIES:
        raise ValueError(f"Unknown finetuning strategy {strategy!r}. {usage}")
    if name == "freeze_unfreeze" and not isinstance(argument, int):
        raise ValueError(f"'freeze_unfreeze' needs the epoch to unfreeze at. {usage}")
    if name == "unfreeze_milestones":
        try:
            (first, second), num_layers = argument
            valid = all(isinstance(v, int) for v in (first, second, num_layers)) and first < second
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValueError(f"'unfreeze_milestones' got {argument!r}. {usage}")
    if name in ("no_freeze", "freeze") and argument is not None:
        raise ValueError(f"{name!r} takes no argument. {usage}")
    return name, argument


class FlashFinetuning(BaseFinetuning):
    """A Lightning callback that freezes and unfreezes a task's backbone by strategy.

    Args:
        strategy: One of the strategies listed in this module's documentation.
        train_bn: Whether batch-norm layers keep training while their module is frozen.
    """

    def __init__(self, strategy: FinetuningStrategy = "no_freeze", train_bn: bool = True) -> None:
        super().__init__()
        self.strategy, self.argument = _parse(strategy)
        self.train_bn = train_bn

    def _modules(self, pl_module: LightningModule) -> nn.Module:
        if not isinstance(pl_module, _Freezable):
            raise TypeError(
                f"Strategy {self.strategy!r} needs a task with modules_to_freeze(); "
                f"{type(pl_module).__name__} has none."
            )
        modules = pl_module.modules_to_freeze()
        if modules is None:
            raise ValueError(
                f"Strategy {self.strategy!r} needs something to freeze, but "
                f"{type(pl_module).__name__}.modules_to_freeze() returned None."
            )
        return modules

    def freeze_before_training(self, pl_module: LightningModule) -> None:
        """Freeze the task's backbone unless the strategy is ``"no_freeze"``."""
        if self.strategy != "no_freeze":
            self.freeze(self._modules(pl_module), train_bn=self.train_bn)

    def finetune_function(
        self, pl_module: LightningModule, epoch: int, optimizer: Optimizer
    ) -> None:
        """Unfreeze layers when the strategy's epoch comes, adding them to the optimizer."""
        if self.strategy == "freeze_unfreeze" and epoch == self.argument:
            modules = self._modules(pl_module)
            self.unfreeze_and_add_param_group(modules, optimizer, train_bn=self.train_bn)
        elif self.strategy == "unfreeze_milestones":
            (first, second), num_layers = self.argument
            layers = self.flatten_modules(self._modules(pl_module))
            if epoch == first:
                self.unfreeze_and_add_param_group(
                    layers[-num_layers:], optimizer, train_bn=self.train_bn
                )
            elif epoch == second:
                self.unfreeze_and_add_param_group(
                    layers[:-num_layers], optimizer, train_bn=self.train_bn
                )
