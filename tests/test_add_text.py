"""``flash-task add`` of a text task to a tabular library: it gets what a text library has.

A text task needs what a tabular library's shared files lack: ``tokenizers`` in
``pyproject.toml``'s dependencies and, when the huggingface backbone is chosen, the
``huggingface`` extra (transformers) that the test extra installs too. A library rendered for
that text task has all of these; so adding the text task to a tabular library must give it the
same, comments included, and change nothing else.

The added task's own suite is not run here: the grown library holds the text library's files
byte for byte, apart from the shared files whose merge these tests check, so its suite is the
text library's. ``flash-task check --subset ci`` runs that suite on a text task added to a
library (``p02``, see tests/test_text_matrix.py). What only the grown library can show, that
mypy passes on both tasks together and that every text test module imports there, runs here.
"""

import sys
from pathlib import Path

import pytest

from generator import envs, render, ruff_check, ruff_format
from generator.checks import mypy_run, pytest_run
from generator.cli import main
from generator.library_files import PYPROJECT, README, WORKFLOW
from test_add_modalities import ALONE_ONLY, _texts, _toml

# Every test here grows a rendered library by a task, renderings a test: the quick suite skips
# them.
pytestmark = pytest.mark.slow

PROJECT = {"project_name": "mixed-tasks"}
LIBRARY = "mixed_tasks"
TEXT = {
    "data_type": "text",
    "backbones": ["embedding-bag", "transformer", "huggingface"],
}
"""The text task added: every backbone, so the huggingface extra comes with it."""


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


def test_the_added_text_task_sits_among_the_text_library_s_own_files(
    grown: tuple[Path, dict[str, str], Path],
) -> None:
    library, _, alone = grown
    alone_files, grown_files = _texts(alone), _texts(library)
    assert any(path.startswith(f"src/{LIBRARY}/text/classification/") for path in alone_files)
    differing = {path for path, text in alone_files.items() if grown_files.get(path) != text}
    # The workflow too: the text library's turns the Hugging Face hub off for its tests, which
    # the grown library's tabular workflow does not (the text tests use local files only).
    assert differing == ALONE_ONLY | {WORKFLOW}


def test_the_added_text_task_passes_mypy_and_its_tests_import(
    grown: tuple[Path, dict[str, str], Path],
) -> None:
    library, _, _ = grown
    with envs.mypy_cache(sys.executable) as cache:
        types = mypy_run(library, cache_dir=cache)
    assert types.ok and "Success: no issues found" in types.output, types.output[-4000:]
    collected = pytest_run(library, ["--collect-only", "tests/text"])
    assert collected.ok, collected.output[-4000:]
    modules = {path.stem for path in (library / "tests" / "text").rglob("test_*.py")}
    assert {"test_backbones", "test_inputs", "test_model", "test_tokenizer"} <= modules
