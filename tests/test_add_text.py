"""``flash-task add`` of a text task to a tabular library: it gets what a text library has.

A text task needs what a tabular library's shared files lack: ``tokenizers`` in
``pyproject.toml``'s dependencies and, when the huggingface backbone is chosen, the
``huggingface`` extra (transformers) that the test extra installs too. A library rendered for
that text task has all of these; so adding the text task to a tabular library must give it the
same, comments included, and change nothing else. Text renderings run in this environment, so
the slow test runs the added task's own suite and the library's mypy here.
"""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from generator import render, ruff_check, ruff_format
from generator.cli import main
from generator.library_files import PYPROJECT, README

PROJECT = {"project_name": "mixed-tasks"}
LIBRARY = "mixed_tasks"
TEXT = {
    "data_type": "text",
    "backbones": ["embedding-bag", "transformer", "huggingface"],
}
"""The text task added: every backbone, so the huggingface extra comes with it."""


def _texts(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.parts
    }


def _toml(text: str) -> dict[str, Any]:
    return tomlkit.parse(text).unwrap()


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """A tabular library with the text task added, its files before, and the text library."""
    root = tmp_path_factory.mktemp("add-text")
    library = render(root / "library", {**PROJECT, "data_type": "tabular"}, vcs_ref="HEAD")
    alone = render(root / "alone", {**PROJECT, **TEXT}, vcs_ref="HEAD")
    before = _texts(library)
    data = ["-d", "data_type=text", "-d", f"backbones=[{', '.join(TEXT['backbones'])}]"]
    assert main(["add", str(library), *data, "--vcs-ref", "HEAD"]) == 0
    return library, before, alone


def test_text_dependencies_and_extras_join_the_pyproject(
    grown: tuple[Path, dict[str, str], Path],
) -> None:
    library, before, alone = grown
    after = (library / PYPROJECT).read_text(encoding="utf-8")
    text = (alone / PYPROJECT).read_text(encoding="utf-8")
    old, new, view = _toml(before[PYPROJECT]), _toml(after), _toml(text)
    dependencies = new["project"]["dependencies"]
    assert set(dependencies) == {*old["project"]["dependencies"], *view["project"]["dependencies"]}
    added = [dep for dep in dependencies if dep not in old["project"]["dependencies"]]
    # tokenizers, and pandas for the text task's default CSV input.
    assert [dep.split(">")[0] for dep in added] == ["pandas", "tokenizers"]
    # The extras are the text library's: huggingface added, the test extra installs it too.
    assert new["project"]["optional-dependencies"] == view["project"]["optional-dependencies"]
    assert "huggingface" not in old["project"]["optional-dependencies"]
    assert any("transformers" in r for r in new["project"]["optional-dependencies"]["huggingface"])
    # Each added line is the text library's own, its comment above it included.
    lines, text_lines = after.splitlines(), text.splitlines()
    for key in ("    " + f'"{added[1]}",', "huggingface = "):
        at = next(i for i, line in enumerate(lines) if line.startswith(key))
        view_at = next(i for i, line in enumerate(text_lines) if line.startswith(key))
        assert lines[at - 1] == text_lines[view_at - 1] and lines[at - 1].lstrip().startswith("#")
    # Nothing else in the file changed.
    assert {k: v for k, v in new.items() if k != "project"} == {
        k: v for k, v in old.items() if k != "project"
    }


def test_text_task_s_files_and_nothing_else(grown: tuple[Path, dict[str, str], Path]) -> None:
    library, before, _ = grown
    after = _texts(library)
    changed = {path for path, text in before.items() if after.get(path) != text}
    assert changed == {PYPROJECT, README, "CHANGELOG.md"}
    new = set(after) - set(before)
    assert f"src/{LIBRARY}/text/classification/tokenizer.py" in new
    assert ".copier-answers.text-classification.yml" in new
    for result in (ruff_check(library), ruff_format(library)):
        assert result.ok, result.output
    # Adding it again is refused, and changes nothing.
    assert main(["add", str(library), "-d", "data_type=text", "--vcs-ref", "HEAD"]) != 0
    assert _texts(library) == after


@pytest.mark.slow
def test_the_added_text_task_passes_mypy_and_its_suite(
    grown: tuple[Path, dict[str, str], Path],
) -> None:
    library, _, _ = grown
    for command in (
        [sys.executable, "-m", "mypy"],
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/text"],
    ):
        completed = subprocess.run(
            command, cwd=library, capture_output=True, text=True, timeout=1200, check=False
        )
        assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
