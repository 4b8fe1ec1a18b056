"""A task built on an existing core: ``core_import`` names it, and no core is rendered.

This is how a contributor onboards into a Flash-style codebase that has its own core: here the
"existing codebase" is a library rendered from this template, whose core a second library's task
imports instead of carrying its own.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import envs, render, ruff_check, ruff_format

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("libraries")
    base = render(root / "base", {"project_name": "base-lib"})
    tasks = render(
        root / "tasks",
        {"project_name": "sensor-tasks", "core_import": "base_lib.core", "data_type": "sensor"},
    )
    return base, tasks


def test_no_core_is_rendered_and_the_task_imports_the_named_one(libraries) -> None:
    _, tasks = libraries
    assert not (tasks / "src/sensor_tasks/core").exists()
    assert not (tasks / "tests/core").exists()
    model = (tasks / "src/sensor_tasks/sensor/classification/model.py").read_text()
    assert "from base_lib.core import" in model
    assert "sensor_tasks.core" not in "".join(path.read_text() for path in tasks.rglob("*.py"))


def test_the_task_is_lint_clean(libraries) -> None:
    _, tasks = libraries
    for result in (ruff_check(tasks), ruff_format(tasks)):
        assert result.ok, result.output


def _run_on_the_existing_core(
    libraries: tuple[Path, Path], variable: str, *argv: str
) -> "subprocess.CompletedProcess[str]":
    """Run this Python with ``argv`` in the task's library, the base library's src/ on
    ``variable`` (PYTHONPATH, MYPYPATH), as an installed core would be found."""
    base, tasks = libraries
    return subprocess.run(
        [sys.executable, *argv],
        cwd=tasks,
        env={**os.environ, variable: str(base / "src")},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def test_the_task_trains_on_the_existing_core(libraries) -> None:
    result = _run_on_the_existing_core(
        libraries,
        "PYTHONPATH",
        *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
        # The task's data, model, backbones, command line and example; the shipping tests
        # (DDP, two nodes, export, serving, loggers) are the all-on point's (tests/test_ship.py).
        "tests/sensor/classification",
        *("-k", "not distributed and not multinode and not export and not serve and not logger"),
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_the_task_type_checks_against_the_existing_core(libraries) -> None:
    # The rendered [tool.mypy] ignores no core: the existing one must be importable, as it must
    # be for the tests.
    with envs.mypy_cache(sys.executable) as cache:
        result = _run_on_the_existing_core(
            libraries, "MYPYPATH", "-m", "mypy", "--cache-dir", str(cache)
        )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Success" in result.stdout
