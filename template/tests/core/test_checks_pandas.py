"""Hostile pandas data: each case ends in a clear refusal that names the column, or in numbers.

The core reads pandas objects without importing pandas, and a task needs pandas only when one of
its inputs reads tables (``from_csv``, ``from_data_frame``). These tests run where pandas is
installed, and are skipped, saying so, where it is not.
"""

import numpy as np
import pytest
import torch
from tests.core.conftest import NumpyInput, classes, features

pd = pytest.importorskip("pandas", reason="pandas is not installed: no task input reads tables")


def test_boolean_dataframe_columns_are_zero_and_one():
    frame = pd.DataFrame({"a": [True, False] * 6, "b": np.arange(12.0)})
    data = NumpyInput("train", frame, classes())
    assert data.features[:2, 0].tolist() == [1.0, 0.0]
    assert data.features.dtype == torch.float32


def test_missing_values_in_nullable_columns_are_named_with_their_column():
    frame = pd.DataFrame(
        {"a": np.arange(12.0), "count": pd.array([1] * 11 + [None], dtype="Int64")}
    )
    with pytest.raises(
        ValueError, match=r"test data column 'count' has 1 missing value\(s\), the first at row 11"
    ):
        NumpyInput("test", frame, classes())


def test_nullable_columns_without_missing_values_are_numbers():
    frame = pd.DataFrame({"a": pd.array(range(12), dtype="Int64"), "b": pd.array([True] * 12)})
    assert NumpyInput("train", frame, classes()).features[3].tolist() == [3.0, 1.0]


def test_object_columns_of_numbers_are_numbers():
    frame = pd.DataFrame({"a": pd.Series(range(12), dtype=object), "b": np.arange(12.0)})
    assert NumpyInput("train", frame, classes()).features[2].tolist() == [2.0, 2.0]


def test_string_and_categorical_columns_are_named():
    frame = pd.DataFrame({"a": np.arange(12.0), "colour": pd.Categorical(["red", "blue"] * 6)})
    with pytest.raises(TypeError, match=r"train data column 'colour' must be numeric"):
        NumpyInput("train", frame, classes())
    text = pd.DataFrame({"a": np.arange(12.0), "size": pd.Series(["1.5"] * 12, dtype=object)})
    with pytest.raises(TypeError, match=r"train data column 'size' must be numeric"):
        NumpyInput("train", text, classes())


def test_categorical_labels_are_names():
    train = NumpyInput("train", features(), pd.Series(pd.Categorical(["x", "y", "z"] * 4)))
    assert train.labels == ["x", "y", "z"]
    assert train.targets[:3].tolist() == [0, 1, 2]


def test_missing_labels_in_a_series_are_refused():
    with pytest.raises(ValueError, match=r"train targets (has 1|have a missing|has 6)"):
        NumpyInput("train", features(), pd.Series(["a", None] * 6))
