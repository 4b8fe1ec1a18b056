"""Every rendering passes its own checks: ruff lint, ruff format, and its own test suite."""

from pathlib import Path

import pytest

from generator import CheckResult, pytest_run, ruff_check, ruff_format

pytestmark = pytest.mark.slow


def _passed(result: CheckResult) -> None:
    """Fail with the check's own output, once, rather than pytest's repr of the result."""
    __tracebackhide__ = True
    if not result.ok:
        pytest.fail(str(result), pytrace=False)


def test_ruff_check_passes(rendered_project: Path) -> None:
    _passed(ruff_check(rendered_project))


def test_ruff_format_passes(rendered_project: Path) -> None:
    _passed(ruff_format(rendered_project))


def test_own_test_suite_passes(rendered_project: Path) -> None:
    _passed(pytest_run(rendered_project))
