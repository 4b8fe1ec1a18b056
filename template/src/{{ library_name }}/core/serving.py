"""Serving: a trained task behind an HTTP endpoint, with LitServe.

``task.serve(output="labels", port=8000)`` answers ``POST /predict`` and ``GET /health`` (200 once
the model is loaded). A request is JSON; for a tabular task it holds rows of features::

    {"inputs": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}

and the answer holds one prediction per row, as ``Trainer.predict(..., output=...)`` gives it::

    {"predictions": ["setosa", "virginica"]}

Rows go through the same checks as the data a task predicts on (numbers only, finite, as many
features as the model has), and a request that fails them gets a ``400`` whose ``detail`` names
the problem. Those checks run before the request is queued, so a bad request never spoils the
requests batched with it, and the server keeps serving. Requests that arrive within
``batch_timeout`` seconds of each other are run as one batch of up to ``max_batch_size``
requests.

A task of another kind of data plugs in its own request format by overriding
``ServeMixin.serve_decoder`` with a picklable callable that turns a JSON payload into a batch.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from .data.arrays import feature_tensor
from .export import num_features_of

__all__ = ["FeatureRows", "RequestError", "ServeMixin", "ValidateRequests", "predict_outputs"]

API_PATH = "/predict"
"""Where requests are posted."""

HEALTH_PATH = "/health"
"""LitServe's health endpoint: 200 once the model is loaded."""

INPUTS_KEY = "inputs"
"""The key of a request's rows of features."""

PREDICTIONS_KEY = "predictions"
"""The key of a response's predictions, one per row."""


class RequestError(ValueError):
    """A request the model cannot take; its message is sent back with a 400 answer."""


@dataclass(frozen=True)
class FeatureRows:
    """Decode ``{"inputs": [[feature, ...], ...]}`` into a ``(rows, num_features)`` batch.

    Args:
        num_features: How many features each row must have.
    """

    num_features: int

    def __call__(self, payload: Any) -> Tensor:
        """Decode one request.

        Args:
            payload: The request's JSON, parsed.

        Returns:
            A float32 ``(rows, num_features)`` tensor.

        Raises:
            RequestError: When the payload is not an object with a list of rows of
                ``num_features`` finite numbers.
        """
        if not isinstance(payload, dict) or INPUTS_KEY not in payload:
            raise RequestError(
                f'The request must be a JSON object with "{INPUTS_KEY}": a list of rows of '
                f"{self.num_features} numbers."
            )
        rows = payload[INPUTS_KEY]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise RequestError(f'"{INPUTS_KEY}" must be a list of rows (lists of numbers).')
        if not rows:
            raise RequestError(f'"{INPUTS_KEY}" holds no rows.')
        for index, row in enumerate(rows):
            if len(row) != self.num_features:
                raise RequestError(
                    f'"{INPUTS_KEY}" row {index} has {len(row)} features; the model takes '
                    f"{self.num_features}."
                )
            if not all(_is_number(value) for value in row):
                raise RequestError(f'"{INPUTS_KEY}" row {index} has a value that is not a number.')
        try:
            return feature_tensor(rows, f'"{INPUTS_KEY}"')
        except (TypeError, ValueError) as error:
            raise RequestError(str(error)) from error


def _is_number(value: Any) -> bool:
    """Whether a JSON value is a number (``true`` and ``false`` are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class ValidateRequests:
    """ASGI middleware that answers 400 to requests the decoder refuses, before they are queued.

    Args:
        app: The ASGI application it wraps.
        decoder: Turns a parsed JSON payload into a batch, raising ``RequestError``.
        path: The path whose ``POST`` requests are checked.
    """

    def __init__(self, app: Any, decoder: Callable[[Any], Any], path: str = API_PATH) -> None:
        self.app = app
        self.decoder = decoder
        self.path = path

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any
    ) -> None:
        """Check a ``POST`` to ``path``, then hand the request on with its body intact."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        problem = self.problem(body)
        if problem is not None:
            content = json.dumps({"detail": problem}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
            ]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def problem(self, body: bytes) -> str | None:
        """What is wrong with a request's body, or ``None`` when the decoder takes it."""
        try:
            self.decoder(json.loads(body))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return f"The request body is not JSON: {error}."
        except RequestError as error:
            return str(error)
        return None


def predict_outputs(
    task: Any, to_output: Callable[[Any, Any], list[Any]], inputs: Tensor | list[Any]
) -> list:
    """Predict on a batch as ``Trainer.predict`` does: ``predict_step``, then the output.

    Args:
        task: The task, in evaluation mode.
        to_output: An output from ``task.outputs``, such as the one named ``"labels"``.
        inputs: A batch, as ``serve_decoder`` makes it: a tensor (moved to the task's device),
            or a list of samples that ``predict_step`` takes as they are (a text task's texts).

    Returns:
        One JSON-ready prediction per sample.
    """
    parameter = next(task.parameters(), None)
    if parameter is not None and isinstance(inputs, Tensor):
        inputs = inputs.to(parameter.device)
    with torch.inference_mode():
        predictions = task.predict_step(inputs, 0)
    return [_plain(value) for value in to_output(predictions, task)]


def _plain(value: Any) -> Any:
    """A JSON-ready copy of one prediction: tensors and arrays become lists or numbers."""
    return value.tolist() if hasattr(value, "tolist") else value


class ServeMixin:
    """Gives a task ``serve``: an HTTP endpoint answering with one of its outputs.

    The request format comes from ``serve_decoder``; a task of another kind of data overrides
    it.
    """

    def serve_decoder(self) -> Callable[[Any], Tensor | list[Any]]:
        """The function that turns a request's JSON into a batch: rows of features here.

        It must be picklable (a module-level class or function), as LitServe runs it in other
        processes, and raise ``RequestError`` for a payload it cannot take. The batch is a
        tensor, or a list of samples (texts, say) that the task's ``predict_step`` takes.

        Returns:
            A ``FeatureRows`` for ``hparams["num_features"]``.

        Raises:
            ValueError: When the task has no ``num_features`` hyperparameter.
        """
        fix = "override serve_decoder to say what its requests hold"
        return FeatureRows(num_features_of(self, fix))

    def check_serving(self, output: str) -> None:
        """Predict ``output`` once on an example input, so a server never starts broken.

        Args:
            output: A name from ``available_outputs()``.

        Raises:
            KeyError: For an unknown output, naming the closest one.
            ValueError: When the output cannot be produced, e.g. ``"labels"`` without label
                names.
        """
        # The mixin is mixed into a Task: outputs, training, eval, example_input and train are the
        # Task's (and its LightningModule's), which the mixin itself does not declare.
        to_output = self.outputs.get(output)  # type: ignore[attr-defined]
        was_training = self.training  # type: ignore[attr-defined]
        self.eval()  # type: ignore[attr-defined]
        try:
            predict_outputs(self, to_output, self.example_input())  # type: ignore[attr-defined]
        finally:
            self.train(was_training)  # type: ignore[attr-defined]

    def serve(
        self,
        output: str = "preds",
        host: str = "127.0.0.1",
        port: int = 8000,
        max_batch_size: int = 8,
        batch_timeout: float = 0.01,
        accelerator: str = "auto",
        **server_kwargs: Any,
    ) -> None:
        """Serve the task over HTTP until interrupted (needs the ``litserve`` package).

        ``POST /predict`` with ``{"inputs": [[...], ...]}`` answers
        ``{"predictions": [...]}``; ``GET /health`` answers 200 once the model is loaded.

        Args:
            output: What each prediction is, a name from ``available_outputs()``
                (classification: ``"labels"``, ``"classes"``, ``"probabilities"``,
                ``"logits"``, ``"preds"``).
            host: The address to listen on: ``"127.0.0.1"`` (this machine only),
                ``"0.0.0.0"`` or ``"::"`` (every interface).
            port: The port to listen on.
            max_batch_size: How many requests at most are run as one batch.
            batch_timeout: How long, in seconds, a batch waits for more requests.
            accelerator: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"mps"``.
            **server_kwargs: Other arguments of ``litserve.LitServer``, e.g. ``timeout``.
        """
        self.check_serving(output)
        from .serving_api import build_server

        server = build_server(
            self,
            output,
            max_batch_size=max_batch_size,
            batch_timeout=batch_timeout,
            accelerator=accelerator,
            **server_kwargs,
        )
        server.run(host=host, port=port, generate_client_file=False)
