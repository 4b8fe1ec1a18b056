"""Export: a trained task as a file that runs without its Python code.

``task.export(path, format=...)`` writes the task's ``forward`` in one of ``EXPORT_FORMATS``:

* ``"torch.export"``: an ``ExportedProgram`` saved with ``torch.export.save``; load it with
  ``torch.export.load(path).module()`` and call that on a batch.
* ``"onnx"``: an ONNX model from torch's dynamo-based exporter (it needs the ``onnx`` and
  ``onnxscript`` packages); run it with ``onnxruntime``, feeding the batch as ``"input"``.

Both take a batch whose first dimension (the batch size) is free, as are any others the task's
``export_dynamic_shapes`` names (a text task's number of tokens), and return the raw output
of ``forward``: class scores (logits, named ``"logits"`` in ONNX) for a classifier, predictions
(``"preds"``) for a regressor. The input is given as the data module gives it to the model: the
task's standardization is part of ``forward``, so it is inside the exported file; turning logits
into probabilities, classes or labels is not (``Trainer.predict(..., output=...)`` does that).

TorchScript (``torch.jit``) is deprecated in torch 2.x; ``torchscript_unsupported()`` tells tests
whether this torch still scripts modules, so they skip with the reason once it does not.
"""

import functools
import warnings
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import default_collate

from .imports import require
from .keys import DataKeys

__all__ = ["EXPORT_FORMATS", "ExportMixin", "export_module", "torchscript_unsupported"]

EXPORT_FORMATS = ("torch.export", "onnx")
"""The formats ``Task.export`` writes."""

EXAMPLE_BATCH_SIZE = 2
"""Samples in an example input. torch.export treats a size of 0 or 1 as fixed, so at least 2."""

INPUT_NAME = "input"
"""The name of the exported program's input (an ONNX model is fed ``{INPUT_NAME: batch}``)."""

SPLITS = ("predict", "test", "val", "train")
"""The data module's datasets, in the order an example input is taken from them."""


def num_features_of(task: Any, fix: str) -> int:
    """The ``num_features`` hyperparameter of a tabular task.

    Args:
        task: The task.
        fix: What to do instead when it has none, for the error message.

    Returns:
        How many features a sample has.

    Raises:
        ValueError: When the task has no ``num_features`` hyperparameter.
    """
    num_features = getattr(task, "hparams", {}).get("num_features")
    if num_features is None:
        raise ValueError(f"{type(task).__name__} has no num_features hyperparameter; {fix}.")
    return int(num_features)


def _example_from_dataset(dataset: Any, batch_size: int) -> Tensor:
    samples = [dataset[index] for index in range(min(batch_size, len(dataset)))]
    batch = default_collate(samples)
    return batch[DataKeys.INPUT] if isinstance(batch, Mapping) else batch


def _at_least(batch: Tensor, batch_size: int) -> Tensor:
    """Repeat the rows of ``batch`` until it has at least ``batch_size`` of them."""
    if len(batch) >= batch_size:
        return batch
    repeats = -(-batch_size // len(batch))
    return batch.repeat(repeats, *([1] * (batch.ndim - 1)))[:batch_size]


def export_module(
    module: nn.Module,
    path: str | PathLike,
    example_input: Tensor,
    format: str = "torch.export",
    output_name: str = "output",
    dynamic_shapes: Mapping[int, Any] | None = None,
) -> Path:
    """Export ``module``'s ``forward`` with a free batch dimension.

    Args:
        module: The module; it is exported in evaluation mode and left in the mode it had.
        path: The file to write; its folder is created when missing.
        example_input: A batch the module accepts; its first dimension becomes dynamic.
        format: One of ``EXPORT_FORMATS``.
        output_name: The name of the ONNX model's output.
        dynamic_shapes: The input's free dimensions, each index mapped to a
            ``torch.export.Dim``; ``None`` frees the first (the batch size) only.

    Returns:
        The path written.

    Raises:
        ValueError: For an unknown format, or an example input of fewer than 2 samples.
        ModuleNotFoundError: For ``"onnx"`` when ``onnx`` or ``onnxscript`` is not installed.
    """
    if format not in EXPORT_FORMATS:
        known = ", ".join(map(repr, EXPORT_FORMATS))
        raise ValueError(f"Unknown export format {format!r}; choose one of {known}.")
    if len(example_input) < EXAMPLE_BATCH_SIZE:
        raise ValueError(
            f"The example input needs at least {EXAMPLE_BATCH_SIZE} samples, so that the batch "
            f"size stays free; got {len(example_input)}."
        )
    if format == "onnx":  # fail before any work when the exporter's packages are missing
        require("onnx", feature="export(format='onnx')")
        require("onnxscript", feature="export(format='onnx')")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if dynamic_shapes is None:
        dynamic_shapes = {0: torch.export.Dim("batch", min=1)}
    shapes = (dict(dynamic_shapes),)
    was_training = module.training
    module.eval()
    try:
        if format == "torch.export":
            program = torch.export.export(module, (example_input,), dynamic_shapes=shapes)
            torch.export.save(program, path)
        else:
            torch.onnx.export(
                module,
                (example_input,),
                path,
                dynamo=True,
                dynamic_shapes=shapes,
                input_names=[INPUT_NAME],
                output_names=[output_name],
                verbose=False,
            )
    finally:
        module.train(was_training)
    return path


class ExportMixin:
    """Gives a task ``export``: its ``forward``, with its standardization, in a portable file.

    A task of another kind of data (images, text) overrides ``default_example_input`` when its
    hyperparameters do not say what an input looks like.
    """

    def default_example_input(self) -> Tensor:
        """An example batch when no data is at hand: zeros of ``hparams["num_features"]``.

        Returns:
            A ``(EXAMPLE_BATCH_SIZE, num_features)`` float tensor.

        Raises:
            ValueError: When the task has no ``num_features`` hyperparameter.
        """
        fix = "pass datamodule= or example_input= to export"
        return torch.zeros(EXAMPLE_BATCH_SIZE, num_features_of(self, fix))

    def export_dynamic_shapes(self) -> dict[int, Any]:
        """The dimensions of the input that stay free in an export: the batch size here.

        A task whose inputs vary in another dimension too (a text's number of tokens)
        overrides it.

        Returns:
            Each free dimension's index mapped to a ``torch.export.Dim``.
        """
        return {0: torch.export.Dim("batch", min=1)}

    def example_input(self, datamodule: Any = None) -> Tensor:
        """A batch to export with: the first samples of the data module, or a default.

        Args:
            datamodule: A data module; its first non-empty split among predict, test, val and
                train gives the samples. ``None`` uses the task's ``example_input_array`` when
                it is set, else ``default_example_input()``.

        Returns:
            A batch of at least ``EXAMPLE_BATCH_SIZE`` samples, as the model's ``forward``
            takes it.
        """
        batch = None
        if datamodule is not None:
            for split in SPLITS:
                dataset = getattr(datamodule, f"{split}_dataset", None)
                if dataset is not None and len(dataset) > 0:
                    batch = _example_from_dataset(dataset, EXAMPLE_BATCH_SIZE)
                    break
        if batch is None:
            batch = getattr(self, "example_input_array", None)
        if batch is None:
            batch = self.default_example_input()
        return _at_least(torch.as_tensor(batch), EXAMPLE_BATCH_SIZE)

    def export(
        self,
        path: str | PathLike,
        format: str = "torch.export",
        datamodule: Any = None,
        example_input: Tensor | None = None,
    ) -> Path:
        """Write the task's ``forward`` to ``path``, with a free batch dimension.

        Args:
            path: The file to write (by convention ``.pt2`` for torch.export, ``.onnx``).
            format: ``"torch.export"`` or ``"onnx"`` (see ``EXPORT_FORMATS``).
            datamodule: Where the example input is taken from (see ``example_input``).
            example_input: The example batch itself, instead of one from ``datamodule``.

        Returns:
            The path written.
        """
        if not isinstance(self, nn.Module):
            raise TypeError(f"export needs an nn.Module; {type(self).__name__} is not one.")
        if example_input is None:
            example_input = self.example_input(datamodule)
        example_input = _at_least(example_input, EXAMPLE_BATCH_SIZE)
        parameter = next(self.parameters(), None)
        if parameter is not None:
            example_input = example_input.to(parameter.device)
        outputs = getattr(self, "outputs", None)
        output_name = "logits" if outputs is not None and "logits" in outputs else "preds"
        return export_module(
            self,
            path,
            example_input,
            format,
            output_name=output_name,
            dynamic_shapes=self.export_dynamic_shapes(),
        )


class _ScriptProbe(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return torch.relu(x) + 1


@functools.cache
def torchscript_unsupported() -> str | None:
    """Why this torch no longer scripts modules, or ``None`` while it still does.

    TorchScript is deprecated in torch 2.x: ``torch.jit.script`` warns today, and later releases
    plan to refuse it. Tests of scripting and tracing skip with this reason instead of failing::

        reason = torchscript_unsupported()

        @pytest.mark.skipif(reason is not None, reason=reason or "")
        def test_script(): ...

    Returns:
        The reason, naming the torch version and its error; ``None`` when scripting works.
    """
    jit = getattr(torch, "jit", None)
    if jit is None or not hasattr(jit, "script"):
        return f"torch {torch.__version__} has no torch.jit.script"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scripted = jit.script(_ScriptProbe())
            scripted(torch.zeros(1))
    except Exception as error:
        return f"torch {torch.__version__} refuses TorchScript: {type(error).__name__}: {error}"
    return None
