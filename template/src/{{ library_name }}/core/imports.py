"""Optional dependencies, imported only when a feature that needs them is used.

A missing package raises a ``ModuleNotFoundError`` that names the ``pip install`` command that
fixes it, instead of a bare import error from deep inside a call.
"""

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, *, package: str | None = None, feature: str | None = None) -> ModuleType:
    """Import an optional dependency, or explain how to install it.

    Args:
        module: The module to import, e.g. ``"pandas"``.
        package: The distribution that provides it, when its name differs from ``module``.
        feature: What needs the module, used in the error message (e.g. ``"from_csv"``).

    Returns:
        The imported module.

    Raises:
        ModuleNotFoundError: When the module is not installed, naming the ``pip install`` fix.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module.split(".")[0]:
            raise
        needed_by = f"{feature} needs" if feature else "This feature needs"
        raise ModuleNotFoundError(
            f"{needed_by} the optional package {module!r}, which is not installed. "
            f"Install it with: pip install {package or module.split('.')[0]}",
            name=module,
        ) from error
