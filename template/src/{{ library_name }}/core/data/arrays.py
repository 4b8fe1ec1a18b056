"""Checks that turn user arrays into tensors, or say exactly what is wrong with them.

Data errors found here (a 1-D feature array, a NaN, a string column, mismatched lengths) would
otherwise surface as a shape error in the middle of training, or not at all.
"""

from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["check_same_length", "feature_tensor", "numeric_array"]


def _is_missing(value: Any) -> bool:
    """Whether a Python object stands for a missing value: ``None``, NaN, or pandas' ``NA``."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and value != value


def _numbers(array: np.ndarray) -> np.ndarray | None:
    """An object array of numbers as float64, or ``None`` when it holds anything else."""
    if any(isinstance(value, str | bytes) for value in array.flat):
        return None  # numpy would parse "1.5", but text in a numeric column is a mistake
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        return None


def _from_frame(frame: Any, what: str) -> np.ndarray:
    """A pandas DataFrame or Series as an array, naming the column of any problem.

    Boolean columns become 0/1, nullable columns (``Int64``, ``boolean``) become floats once
    they are known to hold no missing value.
    """
    columns = frame.items() if hasattr(frame, "columns") else [(frame.name, frame)]
    arrays = []
    for name, column in columns:
        where = f"{what} column {name!r}" if name is not None else what
        missing = column.isna().to_numpy()
        if missing.any():
            raise ValueError(
                f"{where} has {int(missing.sum())} missing value(s), the first at row "
                f"{int(np.argmax(missing))}; fill or drop them before training."
            )
        dtype = column.dtype
        numbers = _numbers(column.to_numpy()) if dtype == np.dtype(object) else None
        if getattr(dtype, "kind", "O") in "biuf":  # numpy and nullable numbers and booleans
            arrays.append(column.to_numpy(dtype=np.float64 if dtype.kind != "b" else np.float32))
        elif numbers is not None:  # an object column that holds only numbers
            arrays.append(numbers)
        else:
            raise TypeError(
                f"{where} must be numeric, but has dtype {dtype}; encode text or categories as "
                "numbers first."
            )
    if hasattr(frame, "columns"):
        if not arrays:
            return np.empty((len(frame), 0), dtype=np.float32)
        return np.stack(arrays, axis=1)
    return arrays[0]


def _as_numpy(values: Any, what: str) -> np.ndarray:
    if isinstance(values, Tensor):
        return values.detach().cpu().resolve_conj().resolve_neg().numpy()
    if hasattr(values, "isna") and hasattr(values, "dtypes"):  # pandas, without importing it
        return _from_frame(values, what)
    if hasattr(values, "to_numpy"):
        return values.to_numpy()
    try:
        return np.asarray(values)
    except ValueError as error:  # numpy refuses ragged nested lists
        raise ValueError(f"{what} is ragged: its rows have different lengths ({error}).") from None


def _first_index(mask: np.ndarray) -> list[int]:
    return [int(i) for i in np.argwhere(mask)[0]]


def numeric_array(values: Any, what: str, dtype: Any = None) -> np.ndarray:
    """Return ``values`` as a finite numeric array.

    Values are checked after the cast to ``dtype``, so that float64 values beyond float32's range
    are refused like infinity rather than turning into it.

    Args:
        values: An array-like: a numpy array, a tensor, a list, a pandas object.
        what: How to name the values in errors, e.g. ``"train data"``.
        dtype: The dtype to cast to, e.g. ``np.float32``; ``None`` keeps the values' own
            (booleans become float32 0/1 either way).

    Returns:
        The values as a numpy array (not copied when already one of that dtype).

    Raises:
        TypeError: When the values are not real numbers (text, complex numbers, objects).
        ValueError: When they are ragged, or contain missing, NaN or infinite values (or values
            too large for ``dtype``).
    """
    if values is None:
        raise ValueError(f"{what} is missing: got None.")
    array = _as_numpy(values, what)
    if array.dtype == object:
        missing = np.vectorize(_is_missing, otypes=[bool])(array) if array.size else array
        if array.size and missing.any():
            raise ValueError(
                f"{what} has {int(missing.sum())} missing value(s), the first at index "
                f"{_first_index(missing)}; fill or drop them before training."
            )
        numbers = _numbers(array)
        if numbers is None:
            raise TypeError(
                f"{what} must be numeric, but holds objects such as "
                f"{array.flat[0]!r}; encode text or categories as numbers first."
            )
        array = numbers
    if array.dtype == bool:
        array = array.astype(np.float32)
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{what} must be real numbers, but has the complex dtype {array.dtype}.")
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(
            f"{what} must be numeric, but has dtype {array.dtype}; encode text or categories "
            "as numbers first."
        )
    if dtype is not None and array.dtype != dtype:
        with np.errstate(over="ignore"):
            array = array.astype(dtype)
    if np.issubdtype(array.dtype, np.floating):
        bad = ~np.isfinite(array)
        if bad.any():
            cast = "" if dtype is None else f" as {array.dtype}"
            raise ValueError(
                f"{what} has {int(bad.sum())} NaN or infinite value(s){cast}, the first at index "
                f"{_first_index(bad)}; fill, drop or rescale them before training."
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
    array = numeric_array(values, what, np.float32)
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
