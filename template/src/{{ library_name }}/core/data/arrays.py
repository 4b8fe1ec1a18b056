"""Checks that turn user arrays into tensors, or say exactly what is wrong with them.

Data errors found here (a 1-D feature array, a NaN, a string column, mismatched lengths) would
otherwise surface as a shape error in the middle of training, or not at all.
"""

from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["check_same_length", "feature_tensor", "numeric_array"]


def _as_numpy(values: Any) -> np.ndarray:
    if isinstance(values, Tensor):
        return values.detach().cpu().numpy()
    if hasattr(values, "to_numpy"):  # pandas objects, without importing pandas
        return values.to_numpy()
    return np.asarray(values)


def numeric_array(values: Any, what: str) -> np.ndarray:
    """Return ``values`` as a finite numeric array.

    Args:
        values: An array-like: a numpy array, a tensor, a list, a pandas object.
        what: How to name the values in errors, e.g. ``"train data"``.

    Returns:
        The values as a numpy array (not copied when already one).

    Raises:
        TypeError: When the values are not numbers.
        ValueError: When they contain NaN or infinite values.
    """
    array = _as_numpy(values)
    if array.dtype == bool:
        array = array.astype(np.float32)
    if not (np.issubdtype(array.dtype, np.number)):
        raise TypeError(
            f"{what} must be numeric, but has dtype {array.dtype}; encode text or categories "
            "as numbers first."
        )
    if np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating):
        bad = ~np.isfinite(array)
        if bad.any():
            first = np.argwhere(bad)[0].tolist()
            raise ValueError(
                f"{what} has {int(bad.sum())} NaN or infinite value(s), the first at index "
                f"{first}; fill or drop them before training."
            )
    return array


def feature_tensor(values: Any, what: str) -> Tensor:
    """Return a 2-D ``(samples, features)`` float32 tensor, copying only when the type differs.

    Args:
        values: A 2-D array-like of numbers.
        what: How to name the values in errors, e.g. ``"train data"``.

    Returns:
        The features as a float32 tensor.

    Raises:
        ValueError: When the values are not 2-D, are empty, or are not finite.
        TypeError: When they are not numbers.
    """
    array = numeric_array(values, what)
    if array.ndim != 2:
        hint = " Use data.reshape(-1, 1) for a single feature." if array.ndim == 1 else ""
        raise ValueError(
            f"{what} must be 2-D (samples, features), but has shape {array.shape}.{hint}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{what} is empty: shape {array.shape}.")
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def check_same_length(features: Tensor, targets: Any, what: str) -> None:
    """Refuse targets that do not have one entry per sample.

    Args:
        features: The features, one row per sample.
        targets: The targets, one entry per sample.
        what: The split, e.g. ``"train"``.

    Raises:
        ValueError: When the lengths differ.
    """
    if len(targets) != len(features):
        raise ValueError(
            f"{what} data has {len(features)} samples but {what} targets have {len(targets)}; "
            "each sample needs exactly one target."
        )
