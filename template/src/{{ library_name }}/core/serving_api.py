"""The LitServe side of ``ServeMixin.serve``: imported only when a task is served.

LitServe runs ``TaskAPI`` in worker processes that it starts afresh, so the class lives at the
top of a module that they can import.
"""

import warnings
from dataclasses import dataclass
from typing import Any

import litserve
import torch
from torch import Tensor

from .serving import API_PATH, HEALTH_PATH, PREDICTIONS_KEY, ValidateRequests, predict_outputs

__all__ = ["TaskAPI", "build_server"]


@dataclass
class _Batch:
    """Several requests' rows, concatenated, and how many rows each request had."""

    inputs: Tensor | list[Any]
    sizes: list[int]


class TaskAPI(litserve.LitAPI):
    """Answers requests with a task's predictions, batching requests that arrive together.

    Args:
        task: The trained task.
        output: The name of the output each prediction is given as.
        max_batch_size: How many requests at most are run as one batch.
        batch_timeout: How long, in seconds, a batch waits for more requests.
    """

    def __init__(self, task: Any, output: str, max_batch_size: int, batch_timeout: float) -> None:
        with warnings.catch_warnings():
            # LitServe warns that batch and unbatch go unused with max_batch_size=1; predict
            # takes a single request as well as a batch, so that is as intended.
            warnings.filterwarnings("ignore", "The LitServer has both batch and unbatch")
            super().__init__(
                max_batch_size=max_batch_size, batch_timeout=batch_timeout, api_path=API_PATH
            )
        self.task = task
        self.output = output
        self.decoder = task.serve_decoder()

    def setup(self, device: str) -> None:
        """Move the task to the worker's device and pick its output."""
        self.task = self.task.to(device).eval()
        self.to_output = self.task.outputs.get(self.output)

    # `request` has no annotation on purpose (see the docstring), which mypy would refuse.
    def decode_request(self, request) -> Tensor | list[Any]:  # type: ignore[no-untyped-def]
        """Turn one request's JSON into its batch of rows (already checked by the middleware).

        ``request`` has no annotation on purpose: LitServe would take one as the request's type
        and let FastAPI parse the body into it.
        """
        return self.decoder(request)

    def batch(self, inputs: list[Tensor] | list[list[Any]]) -> _Batch:
        """Concatenate the rows of several requests: tensors, or lists (such as texts)."""
        sizes = [len(rows) for rows in inputs]
        if all(isinstance(rows, list) for rows in inputs):
            return _Batch([row for rows in inputs for row in rows], sizes)
        return _Batch(torch.cat(inputs), sizes)  # type: ignore[arg-type]

    def predict(self, x: Tensor | list[Any] | _Batch) -> list[Any]:
        """Predict every row, then give each request its own predictions."""
        batch = x if isinstance(x, _Batch) else _Batch(x, [len(x)])
        predictions = predict_outputs(self.task, self.to_output, batch.inputs)
        per_request, start = [], 0
        for size in batch.sizes:
            per_request.append(predictions[start : start + size])
            start += size
        return per_request if isinstance(x, _Batch) else per_request[0]

    def unbatch(self, output: list[Any]) -> list[Any]:
        """``predict`` already returns one list of predictions per request."""
        return output

    def encode_response(self, output: list[Any]) -> dict[str, list[Any]]:
        """Answer ``{"predictions": [...]}``, one prediction per row of the request."""
        return {PREDICTIONS_KEY: output}


def build_server(
    task: Any,
    output: str,
    max_batch_size: int = 8,
    batch_timeout: float = 0.01,
    accelerator: str = "auto",
    **server_kwargs: Any,
) -> litserve.LitServer:
    """Build the LitServer of ``task``, checking requests before they are queued.

    Args:
        task: The trained task.
        output: The name of the output each prediction is given as.
        max_batch_size: How many requests at most are run as one batch.
        batch_timeout: How long, in seconds, a batch waits for more requests.
        accelerator: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"mps"``.
        **server_kwargs: Other arguments of ``litserve.LitServer``.

    Returns:
        The server; ``server.run(host=..., port=...)`` starts it.
    """
    api = TaskAPI(task, output, max_batch_size=max_batch_size, batch_timeout=batch_timeout)
    middleware = (ValidateRequests, {"decoder": api.decoder, "path": API_PATH})
    return litserve.LitServer(
        api,
        accelerator=accelerator,
        healthcheck_path=HEALTH_PATH,
        middlewares=[middleware],
        **server_kwargs,
    )
