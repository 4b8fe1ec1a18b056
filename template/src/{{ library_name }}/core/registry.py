"""A named collection of builders, used for backbones, optimizers, schedulers and outputs.

A task looks up its parts by name (``backbone="mlp-128"``), so new parts can be added in one place
without touching the task. An unknown name raises a ``KeyError`` that lists what is available and
suggests the closest match.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["FlashRegistry", "unknown_key_error"]


def unknown_key_error(kind: str, key: str, available: Iterable[str]) -> KeyError:
    """Build the error raised for a name that is not available.

    Args:
        kind: What was looked up, e.g. ``"backbone"`` or ``"optimizer"``.
        key: The name that was asked for.
        available: The names that would have worked.

    Returns:
        A ``KeyError`` naming the key, the closest available names and all available names.
    """
    available = sorted(available)
    message = f"Unknown {kind} {key!r}."
    close = difflib.get_close_matches(str(key), available, n=1, cutoff=0.5)
    if not close:
        lowered = {name.lower(): name for name in available}
        close = difflib.get_close_matches(str(key).lower(), list(lowered), n=1, cutoff=0.5)
        close = [lowered[name] for name in close]
    if close:
        message += f" Did you mean {close[0]!r}?"
    message += f" Available: {', '.join(repr(name) for name in available) or 'none'}."
    return KeyError(message)


class FlashRegistry:
    """Builders registered under a name, with optional metadata to tell same-named entries apart.

    Use it as a decorator or call it directly:

    .. code-block:: python

        BACKBONES = FlashRegistry("backbones")

        @BACKBONES(name="mlp-128", namespace="template/classification")
        def load_mlp_128(num_features: int, **kwargs): ...

        BACKBONES(some_function, name="other")

    Args:
        name: What the registry holds, used in error messages (``"backbones"``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.functions: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.functions)

    def __contains__(self, key: object) -> bool:
        return any(entry["name"] == key for entry in self.functions)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, functions={self.available_keys()})"

    def __add__(self, other: FlashRegistry) -> FlashRegistry:
        """Concatenate two registries into a new one; the originals are unchanged."""
        name = self.name if self.name == other.name else f"{self.name}+{other.name}"
        combined = FlashRegistry(name)
        for entry in [*self.functions, *other.functions]:
            combined._register(
                entry["fn"], entry["name"], override=False, metadata=entry["metadata"]
            )
        return combined

    def __call__(
        self,
        fn: Callable[..., Any] | None = None,
        name: str | None = None,
        override: bool = False,
        providers: Any = None,
        **metadata: Any,
    ) -> Callable[..., Any]:
        """Register ``fn``, or return a decorator that registers the function it wraps.

        Args:
            fn: The builder to register. Leave it out to use the registry as a decorator.
            name: The key to register it under; defaults to ``fn.__name__``.
            override: Replace an entry with the same name and metadata instead of raising.
            providers: Who provides the builder (a library or paper), kept in the metadata.
            **metadata: Extra facts stored with the entry, such as a ``namespace``.

        Returns:
            ``fn`` itself, or the decorator when ``fn`` is not given.
        """
        if providers is not None:
            metadata["providers"] = providers

        def register(function: Callable[..., Any]) -> Callable[..., Any]:
            self._register(function, name or function.__name__, override, metadata)
            return function

        return register if fn is None else register(fn)

    def _register(
        self, fn: Callable[..., Any], name: str, override: bool, metadata: dict[str, Any]
    ) -> None:
        if not callable(fn):
            raise TypeError(f"Only callables can be registered in {self.name!r}, got {fn!r}.")
        entry = {"fn": fn, "name": name, "metadata": dict(metadata)}
        for index, existing in enumerate(self.functions):
            if existing["name"] == name and existing["metadata"] == entry["metadata"]:
                if not override:
                    raise ValueError(
                        f"{name!r} is already registered in {self.name!r} with the same "
                        "metadata; pass override=True to replace it."
                    )
                self.functions[index] = entry
                return
        self.functions.append(entry)

    def get(
        self, key: str, with_metadata: bool = False, strict: bool = True, **metadata: Any
    ) -> Any:
        """Look up a builder by name, optionally narrowed down by metadata.

        Args:
            key: The registered name.
            with_metadata: Return the whole entry (``fn``, ``name`` and ``metadata``).
            strict: Raise when more than one entry matches instead of returning the first.
            **metadata: Metadata the entry must have.

        Returns:
            The builder, or its entry when ``with_metadata`` is set.

        Raises:
            KeyError: When no entry matches, naming the available keys and the closest one.
        """
        matches = [
            entry
            for entry in self.functions
            if entry["name"] == key
            and all(entry["metadata"].get(k) == v for k, v in metadata.items())
        ]
        if not matches:
            raise unknown_key_error(self.name.rstrip("s"), key, self.available_keys())
        if strict and len(matches) > 1:
            raise KeyError(
                f"{key!r} matches {len(matches)} entries in {self.name!r}; "
                "pass metadata to choose one."
            )
        return matches[0] if with_metadata else matches[0]["fn"]

    def remove(self, key: str) -> None:
        """Remove every entry registered under ``key``."""
        self.functions = [entry for entry in self.functions if entry["name"] != key]

    def available_keys(self) -> list[str]:
        """Return the registered names, sorted and without repeats."""
        return sorted({entry["name"] for entry in self.functions})
