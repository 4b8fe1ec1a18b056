"""Image throughput: the rendered image task against a hand-written module on ``ImageFolder``.

The data: scikit-learn's 1,797 digits, scaled up to 64 x 64 pixels, tinted with a random colour
and written as RGB PNG files in one folder per digit (the ``ImageFolder`` layout), so each image
is decoded by Pillow when loaded. Both fit variants train the same network for one epoch, batch
64, shuffled, with the same training transform (``RandomResizedCrop(32, scale=(0.6, 1.0))``,
``RandomHorizontalFlip``, float32 in [0, 1]) and the same number of data-loader workers:

- ``task``: the rendered ``ImageClassifier`` (backbone ``small-cnn``) on
  ``ImageData.from_folders`` (as a user writes it).
- ``lightning``: a hand-written ``LightningModule`` on ``torchvision.datasets.ImageFolder`` and a
  ``DataLoader``, with the same backbone (built by the rendered registry, so the network is the
  same layer for layer), the same normalisation ((x - 0.5) / 0.5), a linear head, Adam at 1e-3,
  cross-entropy, and the same metric and logging (torchmetrics ``MulticlassAccuracy``;
  ``train_loss`` and ``train_accuracy`` on step and epoch).

Decoding throughput reads one epoch of the training split, images only (no model), through the
rendered data module's data loader and through ``ImageFolder``'s, with 0 and 2 workers.

It needs torchvision, which imports only beside the torch it was built for: run it with such a
Python (``/path/to/venv-image/bin/python -m bench --only image``). As a worker::

    python -m bench.image alternate --rounds 5 --workers 2
    python -m bench.image decode --rounds 3
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import QUIET_TRAINER, Fit, alternate_fits, emit, import_stack, quiet

IMAGE_ANSWERS: dict[str, Any] = {
    "project_name": "bench-img",
    "library_name": "bench_img",
    "data_type": "image",
}
"""The image classification task, every other question at its default (``small-cnn``, 32 px)."""
IMAGE_LIBRARY = "bench_img"

BATCH_SIZE = 64
IMAGE_SIZE = 32
STORED_SIZE = 64
CROP_SCALE = (0.6, 1.0)
LEARNING_RATE = 1e-3
NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

TRAINER_SETTINGS: dict[str, Any] = {**QUIET_TRAINER, "max_epochs": 1}
"""The Trainer settings of both variants; no validation data is given to either."""

VARIANTS = ("task", "lightning")
LABELS = {
    "task": "rendered image task (`from_folders`)",
    "lightning": "hand-written LightningModule on `ImageFolder`",
}
DECODE_WORKERS = (0, 2)


def write_folders(root: Path) -> int:
    """Write the digits as 64 x 64 RGB PNG files in one folder per digit name.

    Returns:
        How many images were written.
    """
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(0)
    scale = STORED_SIZE // 8
    for index, (image, target) in enumerate(zip(digits.images, digits.target, strict=True)):
        gray = np.kron(image / 16.0, np.ones((scale, scale)))
        tint = rng.uniform(0.4, 1.0, size=3)
        rgb = (gray[..., None] * tint * 255.0).round().astype(np.uint8)
        folder = root / NAMES[target]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rgb).save(folder / f"{index:04d}.png")
    return len(digits.images)


def _train_transform() -> Any:
    """The training transform, written out: what the rendered task's training preset does."""
    import torch
    from torchvision.transforms import v2

    return v2.Compose(
        [
            v2.ToImage(),
            v2.RandomResizedCrop(IMAGE_SIZE, scale=CROP_SCALE, antialias=True),
            v2.RandomHorizontalFlip(),
            v2.ToDtype(torch.float32, scale=True),
            v2.ToPureTensor(),
        ]
    )


def _image_folder(root: Path) -> Any:
    from torchvision.datasets import ImageFolder

    return ImageFolder(str(root), transform=_train_transform())


def _task_data(root: Path, workers: int) -> Any:
    from bench_img.image.classification import ImageData

    return ImageData.from_folders(
        train_folder=str(root),
        batch_size=BATCH_SIZE,
        num_workers=workers,
        transform_kwargs={"image_size": IMAGE_SIZE, "crop_scale": CROP_SCALE},
    )


def fit_task(root: Path, workers: int) -> dict[str, Any]:
    """Train the rendered task for one epoch on the folder; return its timings."""
    from bench_img import Trainer
    from bench_img.image.classification import ImageClassifier

    start = time.perf_counter()
    datamodule = _task_data(root, workers)
    model = ImageClassifier(
        num_classes=datamodule.num_classes,
        labels=datamodule.labels,
        image_size=IMAGE_SIZE,
        learning_rate=LEARNING_RATE,
    )
    trainer = Trainer(**TRAINER_SETTINGS)
    fit_start, cpu_start = time.perf_counter(), time.process_time()
    trainer.fit(model, datamodule=datamodule)
    end, cpu = time.perf_counter(), time.process_time() - cpu_start
    return {"fit_s": end - fit_start, "cpu_s": cpu, "total_s": end - start}


def _lightning_module() -> type:
    import pytorch_lightning as pl
    import torch
    from bench_img.image.classification import IMAGE_BACKBONES
    from torch import nn
    from torch.nn import functional
    from torchmetrics.classification import MulticlassAccuracy

    class HandWritten(pl.LightningModule):
        """The task's network, normalisation, metric and logging, written out by hand."""

        def __init__(self, num_classes: int) -> None:
            super().__init__()
            self.backbone, out_features = IMAGE_BACKBONES.get("small-cnn")()
            self.head = nn.Linear(out_features, num_classes)
            self.train_accuracy = MulticlassAccuracy(num_classes=num_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.backbone((x - 0.5) / 0.5))

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


def fit_lightning(root: Path, workers: int) -> dict[str, Any]:
    """Train the hand-written module for one epoch on ``ImageFolder``; return its timings."""
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader

    start = time.perf_counter()
    dataset = _image_folder(root)
    loader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, num_workers=workers)
    model = _lightning_module()(len(dataset.classes))
    trainer = pl.Trainer(**TRAINER_SETTINGS)
    fit_start, cpu_start = time.perf_counter(), time.process_time()
    trainer.fit(model, train_dataloaders=loader)
    end, cpu = time.perf_counter(), time.process_time() - cpu_start
    return {"fit_s": end - fit_start, "cpu_s": cpu, "total_s": end - start}


FITS: dict[str, Fit] = {
    "task": fit_task,
    "lightning": fit_lightning,
}
"""Each variant's fit, in :data:`VARIANTS`' order (the order they take turns)."""


TASK_PACKAGE = f"{IMAGE_LIBRARY}.image.classification"
"""The rendered image task's package; torchvision comes with it."""


def alternate(rounds: int, workers: int) -> dict[str, Any]:
    """Fit both variants ``rounds`` times, in the order A, B, A, B..., after a warm-up each."""
    import_stack("torchvision", TASK_PACKAGE)
    with tempfile.TemporaryDirectory(prefix="bench-image-") as tmp:
        root = Path(tmp) / "digits"
        images = write_folders(root)
        runs = alternate_fits(FITS, (root, workers), rounds)
    return {"images": images, "rounds": rounds, "workers": workers, "runs": runs}


def _read_epoch(loader: Any) -> int:
    """Read every batch of ``loader``; return how many images it held."""
    count = 0
    for batch in loader:
        images = batch["input"] if isinstance(batch, dict) else batch[0]
        count += len(images)
    return count


def decode(rounds: int) -> dict[str, Any]:
    """Images per second of one epoch of loading, per loader and number of workers."""
    import torch
    from torch.utils.data import DataLoader

    import_stack("torchvision", TASK_PACKAGE)
    results: dict[str, dict[str, list[float]]] = {"task": {}, "imagefolder": {}}
    with tempfile.TemporaryDirectory(prefix="bench-decode-") as tmp:
        root = Path(tmp) / "digits"
        images = write_folders(root)
        loaders: dict[str, Callable[[int], Any]] = {
            "task": lambda workers: _task_data(root, workers).train_dataloader(),
            "imagefolder": lambda workers: DataLoader(
                _image_folder(root), batch_size=BATCH_SIZE, shuffle=True, num_workers=workers
            ),
        }
        for workers in DECODE_WORKERS:
            for name in loaders:
                _read_epoch(loaders[name](workers))  # warm-up: file cache, worker start-up code
                results[name][str(workers)] = []
            for round_index in range(rounds):
                for name, make in loaders.items():
                    torch.manual_seed(round_index)
                    loader = make(workers)
                    start = time.perf_counter()
                    count = _read_epoch(loader)
                    results[name][str(workers)].append(count / (time.perf_counter() - start))
    return {"images": images, "rounds": rounds, "images_per_s": results}


def main() -> None:
    """Run one worker command and print its result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("alternate", "decode"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    quiet()
    if args.mode == "alternate":
        emit(alternate(args.rounds, args.workers))
    else:
        emit(decode(args.rounds))


if __name__ == "__main__":
    main()
