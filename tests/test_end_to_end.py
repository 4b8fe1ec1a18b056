"""Train rendered tasks end to end, in this process, on scikit-learn's small data sets.

Each rendering gets its own ``library_name``, so its modules never clash with another
rendering's (or the session fixtures') in ``sys.modules``.
"""

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from generator import render

pytestmark = pytest.mark.slow
# torch and Lightning are imported by the fixtures and tests that use them, not here: importing
# Lightning takes seconds, which every collection (the quick suite's too) would pay for nothing.

SEED = 42
# Metrics are float32: 27/30 correct is 0.89999998, which is still 0.9.
FLOAT32_SLACK = 1e-6


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Train on one thread: the models are tiny, and a busy second core slows torch down."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _import_rendered(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, str]
) -> Iterator[tuple[ModuleType, ModuleType]]:
    """Render ``data``, put its ``src`` on ``sys.path``, and import its core and task packages."""
    project = render(tmp_path_factory.mktemp("e2e") / data["project_name"], data)
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(project / "src"))
        library, task_type = data["library_name"], data.get("task_type", "classification")
        core = importlib.import_module(f"{library}.core")
        task = importlib.import_module(f"{library}.template.{task_type}")
        yield core, task


@pytest.fixture(scope="module")
def classification(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _import_rendered(
        tmp_path_factory, {"project_name": "e2e-flash", "library_name": "e2e_flash"}
    )


@pytest.fixture(scope="module")
def regression(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ModuleType, ModuleType]]:
    yield from _import_rendered(
        tmp_path_factory,
        {
            "project_name": "e2e-flash-regression",
            "library_name": "e2e_flash_regression",
            "task_type": "regression",
        },
    )


def _splits(data: np.ndarray, target: np.ndarray, stratify: bool, **extra: Any) -> dict[str, Any]:
    """Split samples 60/20/20 into train, val and test Bunches, plus the test data to predict."""
    x_train, x_rest, y_train, y_rest = train_test_split(
        data, target, test_size=0.4, random_state=SEED, stratify=target if stratify else None
    )
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, random_state=SEED, stratify=y_rest if stratify else None
    )
    return {
        "train_bunch": Bunch(data=x_train, target=y_train, **extra),
        "val_bunch": Bunch(data=x_val, target=y_val, **extra),
        "test_bunch": Bunch(data=x_test, target=y_test, **extra),
        "predict_bunch": Bunch(data=x_test, **extra),
    }


def _standardized(splits: dict[str, Any], key: str) -> None:
    """Scale ``key`` of every split to the training split's zero mean and unit variance."""
    train = splits["train_bunch"][key]
    mean, std = train.mean(axis=0), train.std(axis=0)
    for bunch in splits.values():
        if key in bunch:
            bunch[key] = (bunch[key] - mean) / std


def _trainer(core: ModuleType, max_epochs: int) -> Any:
    return core.Trainer(
        max_epochs=max_epochs,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        deterministic=True,
    )


def test_classifier_learns_iris(classification: tuple[ModuleType, ModuleType]) -> None:
    from pytorch_lightning import seed_everything

    core, task = classification
    seed_everything(SEED, workers=True)
    iris = load_iris()
    splits = _splits(iris.data, iris.target, stratify=True, target_names=iris.target_names)
    dm = task.TemplateData.from_sklearn(**splits, batch_size=16)
    assert (dm.num_features, dm.num_classes) == (4, 3)
    assert list(dm.labels) == list(iris.target_names)

    model = task.TemplateSKLearnClassifier(
        num_features=dm.num_features, num_classes=dm.num_classes
    )
    trainer = _trainer(core, max_epochs=30)
    trainer.fit(model, datamodule=dm)

    (scores,) = trainer.test(model, datamodule=dm, verbose=False)
    assert scores["test_accuracy"] >= 0.9 - FLOAT32_SLACK, scores

    batches = trainer.predict(model, datamodule=dm, output="labels")
    labels = [label for batch in batches for label in batch]
    assert len(labels) == len(splits["predict_bunch"]["data"])
    assert set(labels) == set(iris.target_names)
    expected = [iris.target_names[index] for index in splits["test_bunch"]["target"]]
    hits = sum(label == truth for label, truth in zip(labels, expected, strict=True))
    assert hits / len(labels) >= 0.9 - FLOAT32_SLACK


def test_regressor_learns_diabetes(regression: tuple[ModuleType, ModuleType]) -> None:
    from pytorch_lightning import seed_everything

    core, task = regression
    seed_everything(SEED, workers=True)
    diabetes = load_diabetes()
    splits = _splits(diabetes.data, diabetes.target, stratify=False)
    # R² does not change with the targets' scale; standardizing both sides makes training
    # steady across seeds (linear regression scores R² ≈ 0.44 on this split).
    _standardized(splits, "data")
    _standardized(splits, "target")
    dm = task.TemplateData.from_sklearn(**splits, batch_size=32)
    assert dm.num_features == 10

    model = task.TemplateSKLearnRegressor(num_features=dm.num_features)
    trainer = _trainer(core, max_epochs=20)
    trainer.fit(model, datamodule=dm)

    (scores,) = trainer.test(model, datamodule=dm, verbose=False)
    assert scores["test_r2"] > 0.3, scores

    batches = trainer.predict(model, datamodule=dm)
    predictions = [value for batch in batches for value in batch]
    assert len(predictions) == len(splits["predict_bunch"]["data"])
    assert all(isinstance(value, float) for value in predictions)
