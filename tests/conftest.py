"""Render the template once per answer set and share the renderings across the test session.

Every rendering uses ``vcs_ref="HEAD"``, so it includes uncommitted changes to the template.
"""

from pathlib import Path

import pytest

from generator import build_matrix, render
from generator.matrix import Matrix


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
