"""Render the template once per answer set and share the renderings across the test session.

Every rendering uses ``vcs_ref="HEAD"``, so it includes uncommitted changes to the template.
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator import build_matrix, render
from generator.matrix import Matrix, select_points
from generator.template import TEMPLATE_ROOT


def _render(tmp_path_factory: pytest.TempPathFactory, name: str, data: dict[str, str]) -> Path:
    return render(tmp_path_factory.mktemp("rendered") / name, data, vcs_ref="HEAD")


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template rendered with every default: Flash's reference classification task."""
    return _render(tmp_path_factory, "defaults", {})


@pytest.fixture(scope="session")
def regression_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template rendered as a regression task, every other answer a default."""
    return _render(tmp_path_factory, "regression", {"task_type": "regression"})


@pytest.fixture(
    scope="session",
    params=["default_project", "regression_project"],
    ids=["defaults", "regression"],
)
def rendered_project(request: pytest.FixtureRequest) -> Path:
    """Each rendering in turn, for checks that every rendering must pass."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def matrix() -> Matrix:
    """The template's answer matrix, derived once per session (a derivation takes seconds).

    ``build_matrix`` gives the same matrix every time (tests/test_matrix.py proves it), so the
    tests that need it share this one.
    """
    return build_matrix()


CI_JUNIT = ".pytest-junit.xml"
"""Where each point's own test suite writes its JUnit report, in the point's kept rendering."""

CI_SUITE_ELSEWHERE = {"defaults": "tests/test_contributor_loop.py"}
"""Points of the ``ci`` subset whose rendered suite CI runs elsewhere, and where.

The contributor's loop renders the defaults, edits them as the docs page says and runs their
whole suite, so the ``ci`` run checks that point's rendering (Jinja, lint, format, types)
without running its suite a second time."""


@dataclass(frozen=True)
class CiCheck:
    """``flash-task check`` over the ``ci`` subset, as CI runs it once per session.

    Attributes:
        runs: Each ``flash-task check`` command's exit status and output.
        points: The JSON report's points, from every run, by name.
        kept: Where each point's rendering was kept, ``kept / <point>``, with its suite's
            JUnit report (``CI_JUNIT``) when its suite ran.
    """

    runs: list[tuple[int, str]]
    points: dict[str, dict[str, Any]]
    kept: Path


@pytest.fixture(scope="session")
def ci_check(tmp_path_factory: pytest.TempPathFactory, matrix: Matrix) -> CiCheck:
    """Check the ``ci`` subset's points (``CI_SUITE_ELSEWHERE``'s without their suite)."""
    root = tmp_path_factory.mktemp("ci-check")
    names = [point.name for point in select_points(matrix, "ci")]
    suites = [name for name in names if name not in CI_SUITE_ELSEWHERE]
    others = [name for name in names if name in CI_SUITE_ELSEWHERE]
    # The renderings' pytest reads PYTEST_ADDOPTS: each suite reports every test case's outcome.
    env = {**os.environ, "PYTEST_ADDOPTS": f"-rs --junitxml={CI_JUNIT}"}
    runs, points = [], {}
    for index, (subset, checks) in enumerate(
        [(suites, []), (others, ["--checks", "jinja,lint,format,types"])]
    ):
        if not subset:
            continue
        report = root / f"report-{index}.json"
        argv = ["--subset", ",".join(subset), *checks, "--json", str(report)]
        result = subprocess.run(
            [sys.executable, "-m", "generator.cli", "check", *argv, "--keep", str(root / "kept")],
            cwd=TEMPLATE_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=3000,
            check=False,
        )
        runs.append((result.returncode, result.stdout[-6000:] + result.stderr[-3000:]))
        if report.is_file():
            points |= {point["name"]: point for point in json.loads(report.read_text())["points"]}
    ordered = {name: points[name] for name in names if name in points}
    return CiCheck(runs, ordered | points, root / "kept")


def outcomes(report: Path) -> dict[tuple[str, str], str]:
    """How each test case of a JUnit report ended, by ``(dotted module, test name)``."""
    found = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        outcome = next(
            (child.tag for child in case if child.tag in ("skipped", "failure", "error")),
            "passed",
        )
        found[case.get("classname", ""), case.get("name", "")] = outcome
    return found


def assert_passed_every_check(ci_check: CiCheck, name: str) -> set[str]:
    """Assert that the session's ``ci`` run passed every check on the point ``name``.

    That is render, jinja, lint, format, mypy and the rendered suite, in which every test case
    of every test file ran and passed: none skipped for a missing package.

    Returns:
        The rendering's test modules, dotted (``tests.core.test_data``...).
    """
    results = ci_check.points[name]["results"]
    assert set(results) == {"render", "jinja", "lint", "format", "types", "tests"}, name
    assert all(result["ok"] for result in results.values()), {
        check: result["output"][-3000:] for check, result in results.items() if not result["ok"]
    }
    assert "Success: no issues found" in results["types"]["output"]
    rendering = ci_check.kept / name
    ended = outcomes(rendering / CI_JUNIT)
    assert ended and set(ended.values()) == {"passed"}, {
        case: outcome for case, outcome in ended.items() if outcome != "passed"
    }
    files = {
        path.relative_to(rendering).with_suffix("").as_posix().replace("/", ".")
        for path in (rendering / "tests").rglob("test_*.py")
    }
    assert files == {module for module, _ in ended}, name
    return files
