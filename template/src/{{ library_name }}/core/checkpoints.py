"""Checkpoints that load with torch's safe ``weights_only=True``, and clear errors for bad files.

A task records its arguments (``save_hyperparameters``) so that ``load_from_checkpoint`` can
rebuild it alone. torch loads checkpoints without unpickling arbitrary objects, so the arguments
are saved as plain data: numbers, strings, lists, dictionaries and tensors stay as they are,
numpy values become lists and numbers, a class or function becomes its import path, and a module
or metric that can be rebuilt from its constructor arguments (``CrossEntropyLoss(weight=w)``,
``Accuracy(task="multiclass", num_classes=3)``) becomes its class's import path and those
arguments. Anything else (say, a backbone module built by hand) cannot be saved this way: saving
says so, and loading needs that argument again.
"""

import inspect
import os
import pickle
import re
import warnings
import zipfile
from collections.abc import Mapping
from importlib import import_module
from typing import IO, Any

import numpy as np
import torch
from lightning_fabric.utilities.cloud_io import get_filesystem
from torch import nn

__all__ = ["plain_hyperparameters", "read_checkpoint", "revive_hyperparameters"]

IMPORT_KEY = "__import__"
"""Marks a class or function saved by import path: ``{"__import__": "torch.optim.SGD"}``."""

INIT_ARGS_KEY = "__init_args__"
"""Marks a module saved as its class's import path and its constructor arguments."""

LIGHTNING_INSTANTIATORS = frozenset(
    {"pytorch_lightning.cli.instantiate_module", "lightning.pytorch.cli.instantiate_module"}
)
"""The only ``_instantiator`` hyperparameters loaded: LightningCLI's own."""

_UNSUPPORTED_GLOBAL = re.compile(r"Unsupported global: GLOBAL ([\w.]+)")


class NotPlainDataError(Exception):
    """A value that cannot be written as plain data."""


def import_path(value: Any) -> str | None:
    """The ``module.name`` path that imports ``value``, or ``None`` when there is none."""
    module = getattr(value, "__module__", None)
    if not module or module == "__main__":
        return None
    # torch's built-in functions have a private qualified name, but import by their name.
    for name in dict.fromkeys(
        (getattr(value, "__qualname__", None), getattr(value, "__name__", None))
    ):
        if not name or "<" in name:
            continue
        try:
            if _resolve(f"{module}.{name}") is value:
                return f"{module}.{name}"
        except (ImportError, AttributeError, ValueError):
            continue
    return None


def _resolve(path: str) -> Any:
    """Import ``path``: a module followed by attribute names."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            value = import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            value = getattr(value, name)
        return value
    raise ImportError(f"Cannot import {path!r}.")


def _module_arguments(module: nn.Module) -> dict[str, Any]:
    """The constructor arguments that rebuild ``module`` exactly, from its own attributes.

    Raises:
        NotPlainDataError: When no such arguments are found.
    """
    cls = type(module)
    try:
        parameters = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError) as error:
        raise NotPlainDataError from error
    arguments: dict[str, Any] = {}
    for parameter in list(parameters)[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if not hasattr(module, parameter.name):
            if parameter.default is parameter.empty:
                raise NotPlainDataError
            continue
        value = getattr(module, parameter.name)
        if isinstance(value, nn.Module | nn.Parameter):
            raise NotPlainDataError
        arguments[parameter.name] = _plain(value)
    try:
        rebuilt = cls(**_revive(arguments))
    except Exception as error:
        raise NotPlainDataError from error
    # The rebuilt module must equal the original: the same type, state and description.
    same_state = module.state_dict().keys() == rebuilt.state_dict().keys() and all(
        torch.equal(tensor, rebuilt.state_dict()[key])
        for key, tensor in module.state_dict().items()
        if isinstance(tensor, torch.Tensor)
    )
    if type(rebuilt) is not cls or not same_state or repr(rebuilt) != repr(module):
        raise NotPlainDataError
    return arguments


def _plain(value: Any) -> Any:
    """``value`` as plain data.

    Raises:
        NotPlainDataError: When it cannot be written as plain data.
    """
    if value is None or isinstance(value, bool | int | float | str | torch.Tensor):
        return value
    if isinstance(value, torch.dtype | torch.device):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufU":
            raise NotPlainDataError
        return value.tolist()
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise NotPlainDataError
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(item) for item in value)
    if inspect.isclass(value) or inspect.isroutine(value):
        path = import_path(value)
        if path is None:
            raise NotPlainDataError
        return {IMPORT_KEY: path}
    if isinstance(value, nn.Module) and (path := import_path(type(value))) is not None:
        return {IMPORT_KEY: path, INIT_ARGS_KEY: _module_arguments(value)}
    raise NotPlainDataError


def _describe(value: Any) -> str:
    if isinstance(value, list | tuple):
        inside = ", ".join(_describe(item) for item in value)
        return f"[{inside}]" if isinstance(value, list) else f"({inside})"
    if isinstance(value, bool | int | float | str) or value is None:
        return repr(value)
    return f"<{type(value).__name__}>"


def plain_hyperparameters(hparams: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """The hyperparameters as plain data, leaving out (with a warning) what cannot be.

    Args:
        hparams: The task's hyperparameters.
        owner: The task's class name, for the warning.

    Returns:
        The hyperparameters that torch loads with ``weights_only=True``.
    """
    plain: dict[str, Any] = {}
    for name, value in hparams.items():
        try:
            plain[name] = _plain(value)
        except NotPlainDataError:
            warnings.warn(
                f"{owner}'s argument {name}={_describe(value)} cannot be saved as plain "
                f"data, so the checkpoint leaves it out: pass it again when loading, as "
                f"{owner}.load_from_checkpoint(path, {name}=...).",
                UserWarning,
                stacklevel=2,
            )
    return plain


def _revive(value: Any) -> Any:
    if isinstance(value, Mapping):
        if IMPORT_KEY in value:
            return _import_saved(value[IMPORT_KEY], value.get(INIT_ARGS_KEY))
        return {key: _revive(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_revive(item) for item in value)
    return value


def _import_saved(path: Any, init_args: Any) -> Any:
    if not isinstance(path, str):
        raise ValueError(f"A saved import path must be a string, got {path!r}.")
    try:
        value = _resolve(path)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"The checkpoint names {path!r}, which cannot be imported.") from error
    if not (inspect.isclass(value) or inspect.isroutine(value)):
        raise ValueError(f"The checkpoint names {path!r}, which is not a class or a function.")
    if init_args is None:
        return value
    # Only modules are rebuilt: a checkpoint must not make other objects, such as processes.
    if not (inspect.isclass(value) and issubclass(value, nn.Module)):
        raise ValueError(f"The checkpoint asks to build {path!r}, which is not a torch module.")
    if not isinstance(init_args, Mapping):
        raise ValueError(f"The checkpoint's arguments for {path!r} are not a mapping.")
    return value(**_revive(init_args))


def revive_hyperparameters(hparams: Mapping[str, Any]) -> dict[str, Any]:
    """Turn hyperparameters saved by ``plain_hyperparameters`` back into the objects they name.

    Args:
        hparams: The hyperparameters read from a checkpoint.

    Returns:
        The task's arguments.

    Raises:
        ValueError: When a saved name cannot be imported, is not a class or function, or asks
            to build something other than a torch module.
    """
    revived = _revive(dict(hparams))
    instantiator = revived.get("_instantiator")
    if instantiator is not None and instantiator not in LIGHTNING_INSTANTIATORS:
        raise ValueError(f"The checkpoint names an unknown _instantiator {instantiator!r}.")
    return revived


def _problem(file: IO[bytes]) -> str:
    """Why ``file`` did not load: what its first bytes say it is."""
    file.seek(0)
    head = file.read(4)
    if not head:
        return "is empty, not a checkpoint"
    file.seek(0)
    if zipfile.is_zipfile(file) or head == b"PK\x03\x04":
        # A zip archive (how torch saves) that does not load is cut short or damaged.
        return "is truncated or corrupt"
    return "is not a checkpoint"


def _load(file: IO[bytes], name: str, map_location: Any, weights_only: bool) -> Any:
    try:
        return torch.load(file, map_location=map_location, weights_only=weights_only)
    except pickle.UnpicklingError as error:
        found = _UNSUPPORTED_GLOBAL.search(str(error))
        if found is not None:
            raise pickle.UnpicklingError(
                f"{name} holds {found.group(1)}, which is neither a tensor nor plain data; it "
                "was refused rather than run. Load checkpoints that this project's tasks saved."
            ) from None
        raise ValueError(f"{name} {_problem(file)}: {error}") from None
    except Exception as error:  # torch reports bad files as RuntimeError, EOFError, KeyError...
        raise ValueError(f"{name} {_problem(file)}: {error}") from None


def read_checkpoint(
    path: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    weights_only: bool = True,
    bare_weights: bool = False,
) -> dict[str, Any]:
    """Read a checkpoint, or say exactly why the file is not one.

    Args:
        path: The checkpoint's path (local, or any ``fsspec`` URL) or an open binary file.
        map_location: Where to put its tensors, as in ``torch.load``.
        weights_only: Whether to load only tensors and plain data (the safe default).
        bare_weights: Whether a file holding only a ``state_dict`` (tensors by name) is accepted
            too: Lightning's strategies that start their processes from the main one
            (``ddp_spawn``, ``ddp_fork``, ``ddp_notebook``) hand the trained weights back in one.

    Returns:
        The checkpoint dictionary (with ``bare_weights``, possibly a bare ``state_dict``).

    Raises:
        FileNotFoundError: When there is no such file.
        ValueError: When the file is empty, truncated, corrupt, or not a Lightning checkpoint.
        pickle.UnpicklingError: When the file holds objects other than tensors and plain data.
    """
    if isinstance(path, str | os.PathLike):
        name = os.fspath(path)
        filesystem = get_filesystem(name)
        if not filesystem.isfile(name):
            raise FileNotFoundError(f"There is no checkpoint file at {name}.")
        with filesystem.open(name, "rb") as file:
            checkpoint = _load(file, name, map_location, weights_only)
    else:
        name = str(getattr(path, "name", None) or path)
        checkpoint = _load(path, name, map_location, weights_only)
    if bare_weights and _is_state_dict(checkpoint):
        return checkpoint
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("state_dict"), Mapping):
        raise ValueError(f"{name} is not a Lightning checkpoint: it has no state_dict.")
    return checkpoint


def _is_state_dict(value: Any) -> bool:
    """Whether ``value`` is a module's bare ``state_dict``: tensors by name, at least one.

    A submodule's ``get_extra_state`` may add a value of any kind, under its ``_extra_state``.
    """
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(
            isinstance(key, str) and (torch.is_tensor(item) or key.endswith("_extra_state"))
            for key, item in value.items()
        )
    )
