"""Optimizers and learning-rate schedulers given by name, class, callable or ``(name, kwargs)``.

Flash lets a task be configured with plain strings (``optimizer="adam"``), which keeps configs and
command lines short. This module turns each accepted form into a ready optimizer or a Lightning
scheduler configuration.
"""

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from .registry import FlashRegistry

__all__ = [
    "LR_SCHEDULERS",
    "OPTIMIZERS",
    "LRSchedulerSpec",
    "OptimizerSpec",
    "build_lr_scheduler",
    "build_optimizer",
]

OptimizerSpec: TypeAlias = str | Callable[..., Optimizer] | tuple[str, Mapping[str, Any]]
"""An optimizer: a ``torch.optim`` name, a class or callable, or ``(name, kwargs)``."""

LRSchedulerSpec: TypeAlias = (
    str
    | Callable[..., Any]
    | tuple[str, Mapping[str, Any]]
    | tuple[str, Mapping[str, Any], Mapping[str, Any]]
)
"""A scheduler: a name, a callable, ``(name, kwargs)`` or ``(name, kwargs, lightning_config)``."""

STEP_WISE_SCHEDULERS = frozenset(
    {"steplr", "multisteplr", "cosineannealinglr", "cycliclr", "cosineannealingwarmrestarts"}
)
"""Schedulers that Flash steps after every optimizer step rather than after every epoch."""


def _registry_of_subclasses(name: str, module: Any, base: type) -> FlashRegistry:
    registry = FlashRegistry(name)
    for attribute in sorted(dir(module)):
        value = getattr(module, attribute)
        public = not attribute.startswith("_")
        if public and inspect.isclass(value) and issubclass(value, base) and value is not base:
            registry(value, name=attribute)
    return registry


OPTIMIZERS = _registry_of_subclasses("optimizers", torch.optim, Optimizer)
"""Every optimizer in ``torch.optim``, by class name."""

LR_SCHEDULERS = _registry_of_subclasses("lr_schedulers", torch.optim.lr_scheduler, LRScheduler)
LR_SCHEDULERS(ReduceLROnPlateau, name="ReduceLROnPlateau", override=True)
"""Every scheduler in ``torch.optim.lr_scheduler``, by class name."""


def _lookup(registry: FlashRegistry, name: str) -> Callable[..., Any]:
    """Find ``name`` in ``registry`` ignoring case, so ``"adam"`` and ``"Adam"`` both work."""
    by_lower_name = {key.lower(): key for key in registry.available_keys()}
    return registry.get(by_lower_name.get(name.lower(), name))


def _call_with_hint(
    kind: str, name: str, factory: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    try:
        return factory(*args, **kwargs)
    except TypeError as error:
        raise TypeError(
            f"Could not build the {kind} {name!r}: {error}. "
            f"Pass its arguments as a pair, e.g. ({name!r}, dict(argument=value))."
        ) from error


def build_optimizer(
    spec: OptimizerSpec, parameters: Iterable[nn.Parameter], learning_rate: float | None = None
) -> Optimizer:
    """Create the optimizer described by ``spec``.

    Args:
        spec: A ``torch.optim`` name (any case), an optimizer class or callable taking the
            parameters, or a ``(name, kwargs)`` pair.
        parameters: The parameters to optimize.
        learning_rate: The learning rate; ``None`` keeps the optimizer's own default.

    Returns:
        The optimizer.
    """
    kwargs: dict[str, Any] = {}
    if isinstance(spec, tuple):
        spec, extra = spec
        kwargs.update(extra)
    if learning_rate is not None:
        kwargs["lr"] = learning_rate
    if isinstance(spec, str):
        name, factory = spec, _lookup(OPTIMIZERS, spec)
    elif callable(spec):
        name, factory = getattr(spec, "__name__", repr(spec)), spec
    else:
        raise TypeError(f"optimizer must be a name, a callable or (name, kwargs); got {spec!r}.")
    return _call_with_hint("optimizer", name, factory, parameters, **kwargs)


def build_lr_scheduler(spec: LRSchedulerSpec, optimizer: Optimizer) -> dict[str, Any]:
    """Create the scheduler described by ``spec`` as a Lightning scheduler configuration.

    Args:
        spec: A ``torch.optim.lr_scheduler`` name (any case), a callable taking the optimizer,
            ``(name, kwargs)``, or ``(name, kwargs, lightning_config)`` where the last item
            overrides Lightning's keys such as ``interval``, ``frequency`` or ``monitor``.
        optimizer: The optimizer to schedule.

    Returns:
        A dictionary with the ``scheduler`` and its ``interval``: ``"step"`` for the step-wise
        schedulers Flash steps every batch, ``"epoch"`` otherwise. ``ReduceLROnPlateau``
        monitors ``"val_loss"`` unless the configuration says otherwise.
    """
    kwargs: dict[str, Any] = {}
    config: dict[str, Any] = {}
    if isinstance(spec, tuple):
        if len(spec) not in (2, 3):
            raise TypeError(
                f"lr_scheduler tuples are (name, kwargs) or (name, kwargs, config); got {spec!r}."
            )
        spec, given, *rest = spec
        kwargs = dict(given)
        config = dict(rest[0]) if rest else {}
    if isinstance(spec, str):
        name, factory = spec, _lookup(LR_SCHEDULERS, spec)
    elif callable(spec):
        name, factory = getattr(spec, "__name__", repr(spec)), spec
    else:
        raise TypeError(
            f"lr_scheduler must be a name, a callable or (name, kwargs[, config]); got {spec!r}."
        )
    scheduler = _call_with_hint("lr_scheduler", name, factory, optimizer, **kwargs)
    scheduler_name = type(scheduler).__name__.lower()
    interval = "step" if scheduler_name in STEP_WISE_SCHEDULERS else "epoch"
    defaults: dict[str, Any] = {"interval": interval}
    if isinstance(scheduler, ReduceLROnPlateau):
        defaults["monitor"] = "val_loss"
    return {**defaults, **config, "scheduler": scheduler}
