"""Run a rendered project's own checks: no Jinja left over, ruff, mypy and its test suite.

Each check returns a :class:`CheckResult` instead of raising, so a caller can run them all and
report every failure at once. Ruff, mypy and pytest run in subprocesses, inside the project, so
they read the project's own configuration: ruff with this interpreter (``sys.executable -m
ruff``), mypy and pytest with this one or with the interpreter given, which must import what the
rendered task imports (see :mod:`generator.envs` for the image tasks' environment).
"""

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

__all__ = [
    "JINJA_MARKERS",
    "CheckResult",
    "leftover_jinja",
    "mypy_run",
    "pytest_run",
    "ruff_check",
    "ruff_format",
    "run_checks",
]

JINJA_MARKERS: tuple[str, ...] = ("{{", "}}", "{%", "%}", "{#")
"""Text that only unrendered Jinja should contain."""

# Copier writes the answers file with its own syntax; it is not rendered output.
_IGNORED_FILES = (".copier-answers*.yml",)
# Caches and tool state that a check or an install may leave in the project.
_IGNORED_DIRS = frozenset(
    {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".venv", "build"}
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        name: The check's name (e.g. ``ruff check``).
        ok: Whether it passed.
        seconds: How long it took.
        output: What it printed, or what it found; empty when there is nothing to say.
    """

    name: str
    ok: bool
    seconds: float
    output: str

    def __str__(self) -> str:
        status = "ok" if self.ok else "FAILED"
        head = f"{self.name}: {status} ({self.seconds:.1f}s)"
        return f"{head}\n{self.output.rstrip()}" if self.output.strip() else head


def _project_files(project: Path) -> Iterator[Path]:
    """Yield every file in ``project`` but caches and the answers file, in a stable order."""
    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if not any(fnmatch(name, pattern) for pattern in _IGNORED_FILES):
                yield Path(root, name)


def _read_text(path: Path) -> str | None:
    """Read a file as UTF-8 text, or return ``None`` for a binary file."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def leftover_jinja(project: str | Path) -> CheckResult:
    """Look for Jinja markers that rendering left in the project's file names and text files.

    Args:
        project: The rendered project's directory.

    Returns:
        A failed result listing each ``path:line: marker: text`` found, or a passed one.
    """
    start = time.perf_counter()
    root = Path(project)
    found: list[str] = []
    for path in _project_files(root):
        relative = path.relative_to(root).as_posix()
        if any(marker in relative for marker in JINJA_MARKERS):
            found.append(f"{relative}: unrendered file name")
        text = _read_text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            markers = [marker for marker in JINJA_MARKERS if marker in line]
            if markers:
                found.append(f"{relative}:{number}: {' '.join(markers)}: {line.strip()}")
    return CheckResult("leftover jinja", not found, time.perf_counter() - start, "\n".join(found))


def _run(
    name: str,
    command: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> CheckResult:
    """Run ``command`` in ``cwd`` and turn its exit status and output into a result.

    Args:
        name: The check's name.
        command: The command and its arguments.
        cwd: Where to run it.
        env: Its environment; defaults to this process's.
        timeout: Seconds before it is stopped and counted as failed; ``None`` waits.

    Returns:
        A result that passed when the command exited 0, with its stdout and stderr.
    """
    start = time.perf_counter()
    try:
        completed = subprocess.run(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        output = error.output if isinstance(error.output, str) else ""
        message = f"{output}\n{name}: stopped after {timeout} seconds."
        return CheckResult(name, False, time.perf_counter() - start, message.lstrip())
    except OSError as error:
        return CheckResult(name, False, time.perf_counter() - start, f"{name}: {error}")
    output = completed.stdout
    if completed.returncode != 0:
        output += f"\n{name}: exit code {completed.returncode}"
    return CheckResult(name, completed.returncode == 0, time.perf_counter() - start, output)


def ruff_check(project: str | Path) -> CheckResult:
    """Lint the project with ruff and the project's own ruff configuration.

    Args:
        project: The rendered project's directory.

    Returns:
        A result that passed when ruff found nothing.
    """
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "."]
    return _run("ruff check", command, Path(project))


def ruff_format(project: str | Path) -> CheckResult:
    """Check that ruff's formatter would leave the project as it is (``--check --diff``).

    Args:
        project: The rendered project's directory.

    Returns:
        A result that passed when every file is formatted; its output is the diff otherwise.
    """
    command = [sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "--diff", "."]
    return _run("ruff format", command, Path(project))


def mypy_run(
    project: str | Path,
    timeout: float | None = None,
    cache_dir: str | Path | None = None,
    python: str | None = None,
) -> CheckResult:
    """Type-check the project with mypy and the project's own ``[tool.mypy]`` configuration.

    mypy's cache goes to ``cache_dir``, or to a scratch directory, so the project is left as it
    was. A cache shared by renderings checked one after another spares each one checking torch
    and Lightning again; mypy rechecks whatever changed, so the verdict is the same.

    Args:
        project: The rendered project's directory.
        timeout: Seconds before mypy is stopped and counted as failed; ``None`` waits.
        cache_dir: Where mypy keeps its cache; never share one between runs at the same time.
        python: The interpreter whose mypy and packages check the project; this one by
            default.

    Returns:
        A result that passed when mypy found no error, with mypy's output.
    """
    with tempfile.TemporaryDirectory(prefix="flash-task-mypy-") as scratch:
        cache = str(cache_dir) if cache_dir is not None else scratch
        command = [python or sys.executable, "-m", "mypy", "--cache-dir", cache]
        return _run("mypy", command, Path(project), timeout=timeout)


def package_build(project: str | Path, timeout: float | None = 900) -> CheckResult:
    """Build the project's wheel as ``pip install`` would, and check what it holds.

    pip builds in an isolated environment from the project's own ``[build-system]``, so this
    proves the packaging metadata is valid and that the import package and its ``py.typed``
    end up in the wheel. The wheel goes to a scratch directory; nothing is installed.

    Args:
        project: The rendered project's directory.
        timeout: Seconds before the build is stopped and counted as failed.

    Returns:
        A result that passed when the wheel was built and holds a Python package.
    """
    with tempfile.TemporaryDirectory(prefix="flash-task-wheel-") as scratch:
        command = [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"),
            *("--no-cache-dir", "--wheel-dir", scratch, "."),
        ]
        result = _run("package build", command, Path(project), timeout=timeout)
        wheels = list(Path(scratch).glob("*.whl"))
        if not result.ok or len(wheels) != 1:
            return result
        with zipfile.ZipFile(wheels[0]) as wheel:
            names = wheel.namelist()
    packaged = [name for name in names if name.endswith("/__init__.py") and name.count("/") == 1]
    typed = [name for name in names if name.endswith("/py.typed")]
    ok = bool(packaged) and bool(typed)
    listing = f"{wheels[0].name}: {len(names)} files; packages {packaged}; markers {typed}"
    return CheckResult("package build", ok, result.seconds, f"{result.output}{listing}".strip())


def pytest_run(
    project: str | Path,
    extra_args: Sequence[str] = (),
    timeout: float | None = None,
    python: str | None = None,
) -> CheckResult:
    """Run the project's own test suite with this interpreter (or ``python``), in a fresh process.

    ``PYTHONPATH`` is dropped so that only the project's pytest configuration (its
    ``pythonpath = ["src"]``) decides what is imported. Pytest's cache is off, so the project is
    left as it was. A run that collects no test fails (pytest's exit code 5).

    Args:
        project: The rendered project's directory.
        extra_args: More arguments for pytest (e.g. ``["-x", "-k", "backbones"]``).
        timeout: Seconds before the run is stopped and counted as failed; ``None`` waits.
        python: The interpreter that runs the suite; this one by default.

    Returns:
        A result that passed when pytest exited 0, with pytest's output.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    command = [
        python or sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *extra_args,
    ]
    return _run("pytest", command, Path(project), env=env, timeout=timeout)


def run_checks(project: str | Path) -> list[CheckResult]:
    """Run every check on a rendered project: leftover Jinja, ruff lint and format, mypy, pytest.

    Args:
        project: The rendered project's directory.

    Returns:
        One result per check, in that order; every check runs even when an earlier one fails.
    """
    return [
        leftover_jinja(project),
        ruff_check(project),
        ruff_format(project),
        mypy_run(project),
        pytest_run(project),
    ]
