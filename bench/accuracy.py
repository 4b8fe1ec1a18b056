"""Held-out accuracy (and R²) of the rendered tasks against scikit-learn, on the same splits.

Classification: iris, wine, breast_cancer and digits; each seed draws a stratified split (75 %
train, 25 % test) that every model trains and is scored on. Regression: diabetes, with the same
split for every model (not stratified). Scores are averaged over the seeds.

Fixed hyperparameters, the same for every data set (never tuned on the test splits):

- rendered task: the defaults (backbone ``mlp-128``, Adam at lr 1e-3, inputs standardized by the
  task, and for regression the targets too), ``batch_size=32``, ``max_epochs=100``, no
  validation, ``seed_everything(seed)``;
- ``MLPClassifier`` / ``MLPRegressor``: one hidden layer of 128 units (the rendered backbone's
  width), ``max_iter=1000``, ``random_state=seed``, after a ``StandardScaler`` (the regressor
  also standardizes its target, as the rendered regressor does);
- ``LogisticRegression(max_iter=5000)`` and ``Ridge(alpha=1.0)``, after a ``StandardScaler``.

As a worker::

    python -m bench.accuracy --seeds 3
"""

import argparse
import time
from typing import Any

import numpy as np

from .common import CLASSIFIER_LIBRARY, QUIET_TRAINER, REGRESSOR_LIBRARY, emit, quiet

CLASSIFICATION_SETS = ("iris", "wine", "breast_cancer", "digits")
REGRESSION_SETS = ("diabetes",)
TEST_SIZE = 0.25
BATCH_SIZE = 32
MAX_EPOCHS = 100

TRAINER_SETTINGS: dict[str, Any] = {**QUIET_TRAINER, "max_epochs": MAX_EPOCHS}

CLASSIFIERS = ("rendered", "MLPClassifier", "LogisticRegression")
REGRESSORS = ("rendered", "MLPRegressor", "Ridge")


def _load(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    return bunch.data, bunch.target


def _rendered(kind: str, x_train, y_train, x_test, seed: int) -> np.ndarray:
    """Train the rendered classifier or regressor on the training split; predict the test split."""
    import importlib

    from pytorch_lightning import seed_everything

    classification = kind == "classification"
    name = CLASSIFIER_LIBRARY if classification else REGRESSOR_LIBRARY
    library = importlib.import_module(name)
    task = importlib.import_module(f"{name}.template")
    seed_everything(seed, verbose=False)
    datamodule = task.TemplateData.from_numpy(
        train_data=x_train, train_targets=y_train, batch_size=BATCH_SIZE
    )
    if classification:
        model = task.TemplateSKLearnClassifier(
            num_features=datamodule.num_features, num_classes=datamodule.num_classes
        )
    else:
        model = task.TemplateSKLearnRegressor(
            num_features=datamodule.num_features, num_targets=datamodule.num_targets
        )
    trainer = library.Trainer(**TRAINER_SETTINGS)
    trainer.fit(model, datamodule=datamodule)
    batches = trainer.predict(
        model,
        datamodule=task.TemplateData.from_numpy(predict_data=x_test, batch_size=256),
        output="classes" if classification else "preds",
    )
    predictions = [value for batch in batches for value in batch]
    if classification:
        return np.asarray(predictions)
    return np.asarray(predictions, dtype=float).reshape(-1)


def _sklearn_model(name: str, seed: int) -> Any:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "MLPClassifier":
        estimator = MLPClassifier(hidden_layer_sizes=(128,), max_iter=1000, random_state=seed)
    elif name == "LogisticRegression":
        estimator = LogisticRegression(max_iter=5000)
    elif name == "MLPRegressor":
        estimator = TransformedTargetRegressor(
            MLPRegressor(hidden_layer_sizes=(128,), max_iter=1000, random_state=seed),
            transformer=StandardScaler(),
        )
    else:
        estimator = Ridge(alpha=1.0)
    return make_pipeline(StandardScaler(), estimator)


def run(seeds: int) -> dict[str, Any]:
    """Score every model on every data set and seed; return the per-seed and mean scores."""
    import torch
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split

    torch.set_num_threads(1)
    results: dict[str, Any] = {"seeds": seeds, "classification": {}, "regression": {}}
    for kind, sets, models in (
        ("classification", CLASSIFICATION_SETS, CLASSIFIERS),
        ("regression", REGRESSION_SETS, REGRESSORS),
    ):
        for name in sets:
            features, targets = _load(name)
            scores: dict[str, list[float]] = {model: [] for model in models}
            seconds: dict[str, float] = dict.fromkeys(models, 0.0)
            for seed in range(seeds):
                x_train, x_test, y_train, y_test = train_test_split(
                    features,
                    targets,
                    test_size=TEST_SIZE,
                    random_state=seed,
                    stratify=targets if kind == "classification" else None,
                )
                for model in models:
                    start = time.perf_counter()
                    if model == "rendered":
                        predicted = _rendered(kind, x_train, y_train, x_test, seed)
                    else:
                        estimator = _sklearn_model(model, seed).fit(x_train, y_train)
                        predicted = estimator.predict(x_test)
                    seconds[model] += time.perf_counter() - start
                    score = (
                        accuracy_score(y_test, predicted)
                        if kind == "classification"
                        else r2_score(y_test, predicted)
                    )
                    scores[model].append(float(score))
            results[kind][name] = {
                "rows": len(features),
                "features": features.shape[1],
                "scores": scores,
                "means": {model: float(np.mean(values)) for model, values in scores.items()},
                "seconds": seconds,
            }
    return results


def main() -> None:
    """Run the accuracy benchmark and print its result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    quiet()
    emit(run(args.seeds))


if __name__ == "__main__":
    main()
