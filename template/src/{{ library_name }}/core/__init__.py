"""A compact, Flash-compatible core for tasks, on current torch, Lightning 2 and torchmetrics 1.

It follows Lightning Flash's task API (``Task``, ``FlashRegistry``, ``DataModule``, ``Input``,
``Trainer.predict(..., output=)``, ``Trainer.finetune``) without Flash's pins on
``pytorch-lightning<2`` and ``torchmetrics<0.11``. Importing it imports only torch, Lightning and
torchmetrics; optional packages load when a feature needs them.
"""

from .classification import ClassificationTask
from .data import (
    ArrayInput,
    ClassificationInputMixin,
    ClassificationTargetFormatter,
    DataModule,
    Input,
    RegressionInputMixin,
    RegressionTargetFormatter,
)
from .export import EXPORT_FORMATS, ExportMixin, torchscript_unsupported
from .finetuning import FlashFinetuning
from .imports import require
from .keys import DataKeys
from .loggers import LOGGERS, create_logger
from .metrics import MetricsSpec
from .model import LossSpec, Task
from .normalization import Standardize
from .optimization import LRSchedulerSpec, OptimizerSpec
from .registry import FlashRegistry
from .regression import RegressionTask
from .serving import FeatureRows, RequestError, ServeMixin
from .trainer import Trainer

__all__ = [
    "EXPORT_FORMATS",
    "LOGGERS",
    "ArrayInput",
    "ClassificationInputMixin",
    "ClassificationTargetFormatter",
    "ClassificationTask",
    "DataKeys",
    "DataModule",
    "ExportMixin",
    "FeatureRows",
    "FlashFinetuning",
    "FlashRegistry",
    "Input",
    "LRSchedulerSpec",
    "LossSpec",
    "MetricsSpec",
    "OptimizerSpec",
    "RegressionInputMixin",
    "RegressionTargetFormatter",
    "RegressionTask",
    "RequestError",
    "ServeMixin",
    "Standardize",
    "Task",
    "Trainer",
    "create_logger",
    "require",
    "torchscript_unsupported",
]
