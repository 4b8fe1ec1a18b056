"""Fit throughput: the rendered task against a hand-written LightningModule and a plain loop.

All three train the same network (Linear(32, 128) -> ReLU -> BatchNorm1d(128), then a
Linear(128, 3) head) with Adam (lr 1e-3) and cross-entropy for one epoch, batch 64, shuffled:

- ``task``: the rendered ``TemplateSKLearnClassifier`` on ``TemplateData.from_numpy`` (as a user
  writes it; the task also standardizes its inputs, learning the statistics when fitting starts).
- ``lightning``: a hand-written ``LightningModule`` with the same metric (torchmetrics
  ``MulticlassAccuracy``) and logging (``train_loss`` and ``train_accuracy``, on step and on
  epoch), on a ``TensorDataset`` and ``DataLoader(batch_size=64, shuffle=True)``.
- ``torch``: a plain PyTorch loop over shuffled index slices, no metric: the floor.

Both Lightning variants use the same Trainer settings (:data:`TRAINER_SETTINGS`).

As a worker::

    python -m bench.fit alternate --rows 20000 --rounds 7   # all variants, one process
    python -m bench.fit once --variant task --rows 100000   # one fit, with memory figures
    python -m bench.fit objects --variant task --rows 100000  # Python objects held
"""

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .common import (
    QUIET_TRAINER,
    Fit,
    alternate_fits,
    emit,
    import_stack,
    memory_kib,
    quiet,
    reset_peak_memory,
)

NUM_FEATURES = 32
NUM_CLASSES = 3
BATCH_SIZE = 64
HIDDEN = 128
LEARNING_RATE = 1e-3

TRAINER_SETTINGS: dict[str, Any] = {**QUIET_TRAINER, "max_epochs": 1}
"""The Trainer settings of both Lightning variants; no validation data is given to either."""

VARIANTS = ("task", "lightning", "torch")
LABELS = {
    "task": "rendered task",
    "lightning": "hand-written LightningModule",
    "torch": "plain PyTorch loop",
}


def make_data(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` float32 samples of 32 features, and 3 classes that a linear model can learn.

    The features are drawn as float32 directly, so no float64 copy ever exists.
    """
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((rows, NUM_FEATURES), dtype=np.float32)
    weights = rng.standard_normal((NUM_FEATURES, NUM_CLASSES), dtype=np.float32)
    targets = (features @ weights).argmax(axis=1).astype(np.int64)
    return features, targets


def _network() -> tuple[Any, Any]:
    from torch import nn

    backbone = nn.Sequential(nn.Linear(NUM_FEATURES, HIDDEN), nn.ReLU(), nn.BatchNorm1d(HIDDEN))
    return backbone, nn.Linear(HIDDEN, NUM_CLASSES)


Probe = Callable[[int], None] | None
"""Called with each batch index after the batch trains (only when counting objects)."""


def _callbacks(probe: Probe) -> list[Any]:
    if probe is None:
        return []
    import pytorch_lightning as pl

    class Probe(pl.Callback):
        def on_train_batch_end(self, trainer: Any, *args: Any) -> None:
            probe(args[-1])

    return [Probe()]


def fit_task(
    features: np.ndarray, targets: np.ndarray, probe: Probe = None, batches: int | None = None
) -> dict[str, Any]:
    """Train the rendered task for one epoch (or ``batches`` batches); return its timings."""
    from flash_tasks import Trainer
    from flash_tasks.template import TemplateData, TemplateSKLearnClassifier

    start = time.perf_counter()
    datamodule = TemplateData.from_numpy(
        train_data=features, train_targets=targets, batch_size=BATCH_SIZE
    )
    model = TemplateSKLearnClassifier(
        num_features=datamodule.num_features,
        num_classes=datamodule.num_classes,
        learning_rate=LEARNING_RATE,
    )
    limit = {} if batches is None else {"limit_train_batches": batches}
    trainer = Trainer(**TRAINER_SETTINGS, **limit, callbacks=_callbacks(probe))
    fit_start, cpu_start = time.perf_counter(), time.process_time()
    trainer.fit(model, datamodule=datamodule)
    end, cpu = time.perf_counter(), time.process_time() - cpu_start
    shares = bool(np.shares_memory(datamodule.train_dataset.features.numpy(), features))
    return {
        "fit_s": end - fit_start,
        "cpu_s": cpu,
        "total_s": end - start,
        "shares_memory": shares,
    }


def _lightning_module() -> type:
    import pytorch_lightning as pl
    import torch
    from torch.nn import functional
    from torchmetrics.classification import MulticlassAccuracy

    class HandWritten(pl.LightningModule):
        """The task's network, metric and logging, written out by hand."""

        def __init__(self) -> None:
            super().__init__()
            self.backbone, self.head = _network()
            self.train_accuracy = MulticlassAccuracy(num_classes=NUM_CLASSES)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.backbone(x))

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            x, y = batch
            logits = self(x)
            loss = functional.cross_entropy(logits, y)
            log = {"on_step": True, "on_epoch": True, "prog_bar": True, "batch_size": len(y)}
            self.log("train_loss", loss, **log)
            self.train_accuracy(logits.softmax(dim=-1), y)
            self.log("train_accuracy", self.train_accuracy, **log)
            return loss

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.Adam(self.parameters(), lr=LEARNING_RATE)

    return HandWritten


def fit_lightning(
    features: np.ndarray, targets: np.ndarray, probe: Probe = None
) -> dict[str, Any]:
    """Train the hand-written LightningModule for one epoch; return its timings."""
    import pytorch_lightning as pl
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    start = time.perf_counter()
    dataset = TensorDataset(torch.from_numpy(features), torch.from_numpy(targets))
    loader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    model = _lightning_module()()
    trainer = pl.Trainer(**TRAINER_SETTINGS, callbacks=_callbacks(probe))
    fit_start, cpu_start = time.perf_counter(), time.process_time()
    trainer.fit(model, train_dataloaders=loader)
    end, cpu = time.perf_counter(), time.process_time() - cpu_start
    return {"fit_s": end - fit_start, "cpu_s": cpu, "total_s": end - start}


def fit_torch(features: np.ndarray, targets: np.ndarray, probe: Probe = None) -> dict[str, Any]:
    """Train the network with a plain loop for one epoch; return its timings."""
    import torch
    from torch import nn
    from torch.nn import functional

    start = time.perf_counter()
    x, y = torch.from_numpy(features), torch.from_numpy(targets)
    model = nn.Sequential(*_network())
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    fit_start, cpu_start = time.perf_counter(), time.process_time()
    model.train()
    order = torch.randperm(len(x))
    for batch_index, first in enumerate(range(0, len(x), BATCH_SIZE)):
        index = order[first : first + BATCH_SIZE]
        loss = functional.cross_entropy(model(x[index]), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if probe is not None:
            probe(batch_index)
    end, cpu = time.perf_counter(), time.process_time() - cpu_start
    return {"fit_s": end - fit_start, "cpu_s": cpu, "total_s": end - start}


FITS: dict[str, Fit] = {
    "task": fit_task,
    "lightning": fit_lightning,
    "torch": fit_torch,
}
"""Each variant's fit, in :data:`VARIANTS`' order (the order they take turns)."""


TASK_PACKAGE = "flash_tasks.template"
"""The rendered default task's package, imported before anything is timed."""


def alternate(rows: int, rounds: int) -> dict[str, Any]:
    """Fit every variant ``rounds`` times, in the order A, B, C, A, B, C..., after a warm-up."""
    import_stack(TASK_PACKAGE)
    runs = alternate_fits(FITS, make_data(rows), rounds)
    return {"rows": rows, "rounds": rounds, "runs": runs}


def once(
    variant: str, rows: int, dtype: str = "float32", batches: int | None = None
) -> dict[str, Any]:
    """Fit one variant once in this fresh process, with its memory figures (KiB).

    The peak resident memory is reset once the data exists, so ``peak_over_before_kib`` is what
    the fit adds on top of the caller's arrays. With ``dtype="float64"`` the features are handed
    over as float64 (only the task accepts that; it keeps one float32 copy). ``batches`` stops the
    task's epoch early, for memory probes that need no timing.
    """
    import torch

    import_stack(TASK_PACKAGE)
    torch.manual_seed(0)
    features, targets = make_data(rows)
    if dtype != "float32":
        features = features.astype(dtype)
    reset = reset_peak_memory()
    before = memory_kib()
    extra = {} if batches is None else {"batches": batches}
    result = FITS[variant](features, targets, **extra)
    after = memory_kib()
    result.update(
        rows=rows,
        variant=variant,
        dtype=dtype,
        data_kib=features.nbytes / 1024,
        float32_data_kib=features.size * 4 / 1024,
        targets_kib=targets.nbytes / 1024,
        rss_before_kib=before["VmRSS"],
        peak_kib=after["VmHWM"],
        peak_reset=reset,
        peak_over_before_kib=after["VmHWM"] - (before["VmRSS"] if reset else before["VmHWM"]),
    )
    return result


PROBE_BATCH = 100
"""The training batch after which ``objects`` counts Python objects (the same at every size)."""


def objects(variant: str, rows: int) -> dict[str, Any]:
    """How many Python objects a fit holds after its 100th batch, over what it held before.

    ``sys.getallocatedblocks()`` counts the small blocks of Python's allocator, that is Python
    objects (ints, lists' items, dicts), not the memory of tensors or numpy arrays. Counting
    after the same batch at every size leaves out whatever the training loop accumulates per
    step; objects that the fit keeps for every row of data (such as a shuffled list of indices)
    show as a count that grows with ``rows``.
    """
    import torch

    import_stack(TASK_PACKAGE)
    torch.manual_seed(0)
    features, targets = make_data(rows)
    FITS[variant](*make_data(BATCH_SIZE * 4))  # warm-up: caches filled once are not counted
    held: list[int] = []

    def probe(batch_index: int) -> None:
        if batch_index == PROBE_BATCH:
            held.append(sys.getallocatedblocks())

    before = sys.getallocatedblocks()
    FITS[variant](features, targets, probe)
    return {"rows": rows, "variant": variant, "objects_held": held[0] - before}


def main() -> None:
    """Run one worker command and print its result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("alternate", "once", "objects"))
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--variant", choices=VARIANTS, default="task")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--batches", type=int, default=None)
    args = parser.parse_args()
    quiet()
    if args.mode == "alternate":
        emit(alternate(args.rows, args.rounds))
    elif args.mode == "once":
        emit(once(args.variant, args.rows, args.dtype, args.batches))
    else:
        emit(objects(args.variant, args.rows))


if __name__ == "__main__":
    main()
