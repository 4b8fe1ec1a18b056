"""Text throughput: the rendered text task against a hand-written module, side by side.

The data: a seeded corpus of 2,000 sentences over four topics (a topic's words, shared filler
words, some in other scripts), labelled by topic. Both fit variants train for one epoch, batch
64, shuffled, with the same tokenizer (the rendered ``TextTokenizer``, WordPiece, vocabulary
8,000, at most 128 tokens, fitted on the training texts when training starts), the same
network (the ``embedding-bag`` backbone built by the rendered registry, a linear head), Adam at
1e-3, cross-entropy, and the same metric and logging (torchmetrics ``MulticlassAccuracy``;
``train_loss`` and ``train_accuracy`` on step and epoch):

- ``task``: the rendered ``TextClassifier`` on ``TextData.from_lists`` (as a user writes it).
- ``lightning``: a hand-written ``LightningModule`` on a list of ``(text, label)`` pairs and a
  ``DataLoader`` whose collate function tokenises each batch.

The rounds alternate A, B, A, B... in one process after a warm-up of each, so the ratio of
their medians compares them on the same machine at the same time. As a worker::

    python -m bench.text alternate --rounds 5
"""

import argparse
import random
import time
from typing import Any

from .common import QUIET_TRAINER, Fit, alternate_fits, emit, import_stack, median, quiet

TEXT_ANSWERS: dict[str, Any] = {
    "project_name": "bench-txt",
    "library_name": "bench_txt",
    "data_type": "text",
}
"""The text classification task, every other question at its default (``embedding-bag``)."""
TEXT_LIBRARY = "bench_txt"

BATCH_SIZE = 64
SENTENCES = 2000
VOCAB_SIZE = 8000
MAX_LENGTH = 128
LEARNING_RATE = 1e-3
BACKBONE = "embedding-bag"
TOPICS = {
    "sport": ["match", "goal", "team", "coach", "score", "league", "fútbol", "球队"],
    "weather": ["rain", "storm", "cloud", "sunny", "wind", "forecast", "neige", "天气"],
    "cooking": ["recipe", "oven", "flour", "spice", "simmer", "dough", "cuisine", "料理"],
    "music": ["song", "guitar", "concert", "melody", "rhythm", "album", "canción", "音乐"],
}
FILLERS = ["the", "a", "today", "really", "we", "saw", "about", "this", "and", "very", "new"]

TRAINER_SETTINGS: dict[str, Any] = {**QUIET_TRAINER, "max_epochs": 1}
"""The Trainer settings of both variants; no validation data is given to either."""

VARIANTS = ("task", "lightning")
LABELS = {
    "task": "rendered text task (`from_lists`)",
    "lightning": "hand-written LightningModule, same tokenizer and backbone",
}


def corpus(count: int = SENTENCES, seed: int = 0) -> tuple[list[str], list[int]]:
    """Make ``count`` labelled sentences: topic words among filler words, seeded.

    Returns:
        The sentences and their topic indices.
    """
    rng = random.Random(seed)
    topics = list(TOPICS)
    texts, targets = [], []
    for _ in range(count):
        target = rng.randrange(len(topics))
        words = rng.choices(TOPICS[topics[target]], k=rng.randint(2, 5))
        words += rng.choices(FILLERS, k=rng.randint(3, 12))
        rng.shuffle(words)
        texts.append(" ".join(words))
        targets.append(target)
    return texts, targets


def fit_task(texts: list[str], targets: list[int]) -> dict[str, Any]:
    """Train the rendered task for one epoch; return its timings."""
    from bench_txt import Trainer
    from bench_txt.text.classification import TextClassifier, TextData

    start = time.perf_counter()
    datamodule = TextData.from_lists(
        train_data=texts, train_targets=targets, batch_size=BATCH_SIZE
    )
    model = TextClassifier(
        num_classes=datamodule.num_classes,
        labels=datamodule.labels,
        backbone=BACKBONE,
        vocab_size=VOCAB_SIZE,
        max_length=MAX_LENGTH,
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
    from bench_txt.text.classification import TEXT_BACKBONES, TextTokenizer
    from torch import nn
    from torch.nn import functional
    from torchmetrics.classification import MulticlassAccuracy

    class HandWritten(pl.LightningModule):
        """The task's tokenizer, network, metric and logging, written out by hand."""

        def __init__(self, texts: list[str], num_classes: int) -> None:
            super().__init__()
            self.texts = texts
            self.tokenizer = TextTokenizer("wordpiece", VOCAB_SIZE, MAX_LENGTH)
            self.backbone, out_features = TEXT_BACKBONES.get(BACKBONE)(
                vocab_size=VOCAB_SIZE, pad_id=self.tokenizer.pad_id, max_length=MAX_LENGTH
            )
            self.head = nn.Linear(out_features, num_classes)
            self.train_accuracy = MulticlassAccuracy(num_classes=num_classes)

        def setup(self, stage: str) -> None:
            if stage == "fit" and not self.tokenizer.fitted:
                self.tokenizer.fit(self.texts)

        def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
            return self.head(self.backbone(input_ids, input_ids != self.tokenizer.pad_id))

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            texts, y = batch
            logits = self(self.tokenizer(texts).to(self.device))
            loss = functional.cross_entropy(logits, y)
            log = {"on_step": True, "on_epoch": True, "prog_bar": True, "batch_size": len(y)}
            self.log("train_loss", loss, **log)
            self.train_accuracy(logits.softmax(dim=-1), y)
            self.log("train_accuracy", self.train_accuracy, **log)
            return loss

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.Adam(self.parameters(), lr=LEARNING_RATE)

    return HandWritten


def _collate(batch: list[tuple[str, int]]) -> tuple[list[str], Any]:
    import torch

    return [text for text, _ in batch], torch.tensor([target for _, target in batch])


def fit_lightning(texts: list[str], targets: list[int]) -> dict[str, Any]:
    """Train the hand-written module for one epoch; return its timings."""
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader

    start = time.perf_counter()
    pairs = list(zip(texts, targets, strict=True))
    loader = DataLoader(pairs, batch_size=BATCH_SIZE, shuffle=True, collate_fn=_collate)
    model = _lightning_module()(texts, len(TOPICS))
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

TASK_PACKAGE = f"{TEXT_LIBRARY}.text.classification"
"""The rendered text task's package; the tokenizers library comes with it."""


def alternate(rounds: int) -> dict[str, Any]:
    """Fit both variants ``rounds`` times, in the order A, B, A, B..., after a warm-up each."""
    import_stack("tokenizers", TASK_PACKAGE)
    texts, targets = corpus()
    runs = alternate_fits(FITS, (texts, targets), rounds)
    return {"texts": len(texts), "rounds": rounds, "runs": runs}


def ratio(result: dict[str, Any]) -> float:
    """The task's median fit time over the hand-written module's (the issue's target: <= 1)."""
    times = {v: median([run["fit_s"] for run in result["runs"][v]]) for v in VARIANTS}
    return times["task"] / times["lightning"]


def main() -> None:
    """Run one worker command and print its result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("alternate",))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    quiet()
    result = alternate(args.rounds)
    emit({**result, "ratio": ratio(result)})


if __name__ == "__main__":
    main()
