"""Loggers: where a Trainer writes its metrics, chosen by name.

``create_logger("csv")`` (or ``"tensorboard"``, ``"mlflow"``) builds the Lightning logger that
writes under ``save_dir``: ``metrics.csv`` files, TensorBoard event files, or an MLflow store
(``mlflow.db`` and ``mlartifacts/``) whose runs ``mlflow ui --backend-store-uri
sqlite:///<save_dir>/mlflow.db`` shows. The command line uses it for its default logger, and a
task author registers another logger in ``LOGGERS``.
"""

import os
from os import PathLike
from pathlib import Path
from typing import Any

from pytorch_lightning.loggers import CSVLogger, Logger, MLFlowLogger, TensorBoardLogger

from .imports import require
from .registry import FlashRegistry

__all__ = ["LOGGERS", "create_logger"]

LOGGERS = FlashRegistry("loggers")
"""Builders ``(save_dir, name, **kwargs) -> Logger``, by name."""


@LOGGERS(name="csv")
def csv_logger(save_dir: Path, name: str, **kwargs: Any) -> Logger:
    """Write ``<save_dir>/<name>/version_<n>/metrics.csv``."""
    return CSVLogger(save_dir, name=name, **kwargs)


@LOGGERS(name="tensorboard")
def tensorboard_logger(save_dir: Path, name: str, **kwargs: Any) -> Logger:
    """Write TensorBoard event files to ``<save_dir>/<name>/version_<n>/``."""
    require("tensorboard", feature="the tensorboard logger")
    return TensorBoardLogger(save_dir, name=name, **kwargs)


@LOGGERS(name="mlflow")
def mlflow_logger(save_dir: Path, name: str, **kwargs: Any) -> Logger:
    """Log to MLflow: ``MLFLOW_TRACKING_URI`` when set, else ``<save_dir>/mlflow.db`` (SQLite).

    The experiment is ``name``; its artifacts go to ``<save_dir>/mlartifacts``. (MLflow 3 no
    longer writes to a plain folder of files, so the local store is a SQLite database.)
    """
    require("mlflow", feature="the mlflow logger")
    save_dir = save_dir.resolve()
    default_uri = f"sqlite:///{save_dir / 'mlflow.db'}"
    kwargs.setdefault("tracking_uri", os.environ.get("MLFLOW_TRACKING_URI") or default_uri)
    kwargs.setdefault("artifact_location", (save_dir / "mlartifacts").as_uri())
    return MLFlowLogger(experiment_name=name, **kwargs)


def create_logger(
    kind: str, save_dir: str | PathLike = ".", name: str = "lightning_logs", **kwargs: Any
) -> Logger:
    """Build a logger by name.

    Args:
        kind: A name in ``LOGGERS``: ``"csv"``, ``"tensorboard"`` or ``"mlflow"``.
        save_dir: The folder it writes under (a Trainer's ``default_root_dir``).
        name: The experiment's name.
        **kwargs: Other arguments of the Lightning logger.

    Returns:
        The logger, for ``Trainer(logger=...)``.

    Raises:
        KeyError: For an unknown name, naming the closest one.
        ModuleNotFoundError: When the logger's package is not installed.
    """
    return LOGGERS.get(kind)(Path(save_dir), name, **kwargs)
