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
whole suite, in an environment that holds only what they declare, so the ``ci`` run checks
that point's rendering (Jinja, lint, format, types) without running its suite a second time."""

SKIP_CORE_TESTS = "--ignore=tests/core"
"""The pytest argument that runs a rendering's suite without the core's own tests."""

CI_CORE_SUITES = ("all-on", "defaults-image")
"""Points of the ``ci`` subset whose rendered suite runs the core's own tests, ``tests/core``.

The core and its tests are the same files in every rendering but for the library's name
(tests/test_render.py proves it), so CI runs them once in each environment that checks
renderings, this one and the image one (:mod:`generator.envs`), and the other points' suites
pass ``--ignore=tests/core`` to pytest. A third run is the defaults' whole suite in the
contributor's loop (``CI_SUITE_ELSEWHERE``), in an environment that holds only what the
defaults declare, where the core's tests meet a missing optional package."""


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
    """Check the ``ci`` subset's points: ``CI_SUITE_ELSEWHERE``'s without their suite, and
    the core's tests only in ``CI_CORE_SUITES``'."""
    root = tmp_path_factory.mktemp("ci-check")
    names = [point.name for point in select_points(matrix, "ci")]
    suites = [name for name in names if name not in CI_SUITE_ELSEWHERE]
    # The renderings' pytest reads PYTEST_ADDOPTS: each suite reports every test case's outcome.
    addopts = f"-rs --junitxml={CI_JUNIT}"
    groups = [
        # The point checked without its suite runs beside the others, one job of its own.
        ([name for name in names if name in CI_SUITE_ELSEWHERE], "jinja,lint,format,types", ""),
        ([name for name in suites if name in CI_CORE_SUITES], "", ""),
        ([name for name in suites if name not in CI_CORE_SUITES], "", f" {SKIP_CORE_TESTS}"),
    ]
    started: list[tuple[subprocess.Popen[str], Path]] = []
    outputs: dict[Path, str] = {}
    for index, (subset, checks, ignore) in enumerate(groups):
        if not subset:
            continue
        report = root / f"report-{index}.json"
        argv = ["--subset", ",".join(subset), "--json", str(report), "--keep", str(root / "kept")]
        if checks:
            argv += ["--checks", checks, "--jobs", "1"]
        process = subprocess.Popen(
            [sys.executable, "-m", "generator.cli", "check", *argv],
            cwd=TEMPLATE_ROOT,
            env={**os.environ, "PYTEST_ADDOPTS": addopts + ignore},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append((process, report))
        if not checks:
            # The groups with suites run one after the other, each on every core.
            outputs[report] = process.communicate(timeout=3000)[0]
    runs, points = [], {}
    for process, report in started:
        output = outputs[report] if report in outputs else process.communicate(timeout=3000)[0]
        runs.append((process.returncode, output[-9000:]))
        if report.is_file():
            points |= {point["name"]: point for point in json.loads(report.read_text())["points"]}
    ordered = {name: points[name] for name in names if name in points}
    return CiCheck(runs, ordered | points, root / "kept")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the tests for pytest-xdist's ``--dist loadgroup`` (pyproject's addopts).

    Each xdist worker has a session of its own, so a fixture shared by tests on two workers is
    made twice. The tests that read ``ci_check`` (several files) share one group, and so one
    ``ci`` run; every other test is grouped with its file, whose module-scoped renderings it
    shares. ``tryfirst``: xdist reads the groups in its own hook, which must come after.
    """
    for item in items:
        uses_ci = "ci_check" in getattr(item, "fixturenames", ())
        group = "ci-check" if uses_ci else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


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
    of every test file ran and passed, none skipped for a missing package (the core's tests,
    ``tests/core``, only in ``CI_CORE_SUITES``).

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
        if name in CI_CORE_SUITES or "core" not in path.relative_to(rendering).parts
    }
    assert files == {module for module, _ in ended}, name
    return files
