"""Data: Inputs that load one split each, and the DataModule that serves them."""

from .data_module import DataModule, collate
from .input import STAGES, ArrayInput, Input
from .targets import (
    ClassificationInputMixin,
    ClassificationTargetFormatter,
    RegressionInputMixin,
    RegressionTargetFormatter,
)

__all__ = [
    "STAGES",
    "ArrayInput",
    "ClassificationInputMixin",
    "ClassificationTargetFormatter",
    "DataModule",
    "Input",
    "RegressionInputMixin",
    "RegressionTargetFormatter",
    "collate",
]
