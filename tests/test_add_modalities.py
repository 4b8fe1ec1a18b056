"""``flash-task add`` across modalities: an image task in a tabular library, and the reverse.

An image task needs what a tabular library's shared files lack: torchvision and Pillow in
``pyproject.toml``, torchvision in mypy's overrides, the torch/torchvision pair in the CI
workflow's install step, and the README's note on installing that pair. A library rendered for
an image task has all of these; so adding an image task to a tabular library must give it the
same, and adding a tabular task to an image library must take none of them away.

Both libraries are rendered from this worktree (``vcs_ref="HEAD"``, uncommitted edits included)
with every default but the data type (the tabular one is the session's ``default_project``), and
the tasks added at ``HEAD`` too.

The added image task's own suite is not run here again: the grown library holds the image
library's files byte for byte (the task's, the core's, the tests' ``conftest.py``, the pytest
configuration), apart from the shared files whose merge these tests check, so its suite is the
image library's, which ``flash-task check --subset ci`` runs (``defaults-image``, see
tests/test_image_matrix.py). What only the grown library can show, that mypy passes on both
tasks together with the merged overrides and that every image test module imports there, runs
with the image environment's interpreter (``FLASH_TASK_IMAGE_PYTHON``, else
:func:`generator.envs.interpreter`), torchvision importing only beside another torch than this
environment's.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from generator import envs, render, ruff_check, ruff_format
from generator.checks import mypy_run, pytest_run
from generator.cli import main
from generator.library_files import INSTALL, PYPROJECT, README, WORKFLOW

# Every test here grows rendered libraries by tasks of other modalities, renderings a test: the
# quick suite skips them.
pytestmark = pytest.mark.slow

LIBRARY = "flash_tasks"
IMAGE = "image"
ALONE_ONLY = frozenset({PYPROJECT, README, "CHANGELOG.md", ".copier-answers.yml"})
"""The image library's files that the grown library has otherwise: its own answers file, and
the shared files that ``add`` merges (checked by the tests below)."""


@dataclass(frozen=True)
class Grown:
    """A library before and after ``flash-task add``, and the rendering of the added task alone.

    Attributes:
        library: The library, with the task added.
        before: The library's files before the task was added, by relative path.
        alone: The template rendered as a whole library for the added task's data type.
    """

    library: Path
    before: dict[str, str]
    alone: Path

    def text(self, path: str) -> str:
        return (self.library / path).read_text(encoding="utf-8")


def _texts(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.parts
    }


def _toml(text: str) -> dict[str, Any]:
    return tomlkit.parse(text).unwrap()


def _overridden(config: dict[str, Any]) -> set[str]:
    return {
        module for override in config["tool"]["mypy"]["overrides"] for module in override["module"]
    }


@pytest.fixture(scope="module")
def renderings(tmp_path_factory: pytest.TempPathFactory, default_project: Path) -> dict[str, Path]:
    """A tabular library and an image library, each with its first task and defaults."""
    root = tmp_path_factory.mktemp("modalities")
    # The issue's own command: `copier copy --defaults --data data_type=image`.
    image = render(root / IMAGE, {"data_type": IMAGE}, vcs_ref="HEAD")
    return {"tabular": default_project, IMAGE: image}


def _grow(renderings: dict[str, Path], library: str, task: str, root: Path) -> Grown:
    copy = shutil.copytree(renderings[library], root / f"{library}-plus-{task}")
    before = _texts(copy)
    assert main(["add", str(copy), "-d", f"data_type={task}", "--vcs-ref", "HEAD"]) == 0
    return Grown(copy, before, renderings[task])


@pytest.fixture(scope="module")
def image_in_tabular(
    renderings: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Grown:
    """The tabular library with an image task added."""
    return _grow(renderings, "tabular", IMAGE, tmp_path_factory.mktemp("grown"))


@pytest.fixture(scope="module")
def tabular_in_image(
    renderings: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Grown:
    """The image library with a tabular task added."""
    return _grow(renderings, IMAGE, "tabular", tmp_path_factory.mktemp("grown"))


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines only ``before`` has, and those only ``after`` has (as multisets, in order)."""
    old, new = before.splitlines(), after.splitlines()
    removed = [line for line in old if old.count(line) > new.count(line)]
    added = [line for line in new if new.count(line) > old.count(line)]
    return removed, added


# --- an image task added to a tabular library ---------------------------------------------------


def test_image_task_s_dependencies_join_the_pyproject_with_their_comments(
    image_in_tabular: Grown,
) -> None:
    before = image_in_tabular.before[PYPROJECT]
    after = image_in_tabular.text(PYPROJECT)
    image = (image_in_tabular.alone / PYPROJECT).read_text(encoding="utf-8")
    old, new, alone = _toml(before), _toml(after), _toml(image)
    # Every dependency either library needs, in order, and nothing else changed in [project].
    dependencies = new["project"]["dependencies"]
    assert set(dependencies) == {
        *old["project"]["dependencies"],
        *alone["project"]["dependencies"],
    }
    assert dependencies == sorted(dependencies)
    added = [dep for dep in dependencies if dep not in old["project"]["dependencies"]]
    assert {dep.split(">")[0] for dep in added} == {"pillow", "torchvision"}
    # mypy ignores torchvision's missing types, as in the image library.
    assert _overridden(new) == _overridden(old) | _overridden(alone)
    assert "torchvision.*" in _overridden(new) - _overridden(old)
    assert {k: v for k, v in new["tool"].items() if k != "mypy"} == {
        k: v for k, v in old["tool"].items() if k != "mypy"
    }
    # The layout and comments stay; the added lines are the image rendering's own lines
    # (each dependency with its comment), plus the override's module list.
    removed, lines = _changed_lines(before, after)
    assert [line for line in removed if not line.startswith("module = ")] == []
    image_lines = image.splitlines()
    assert lines == [line for line in image_lines if line in lines]
    for dep in added:
        at = image_lines.index(f'    "{dep}",')
        assert image_lines[at - 1].strip().startswith("#")
        assert image_lines[at - 1] in lines


def test_image_task_s_ci_installs_the_torch_torchvision_pair(image_in_tabular: Grown) -> None:
    # The workflow becomes the image library's own: the pair on the CPU index, with its comment.
    assert image_in_tabular.text(WORKFLOW) == (image_in_tabular.alone / WORKFLOW).read_text(
        encoding="utf-8"
    )
    assert image_in_tabular.before[WORKFLOW] != image_in_tabular.text(WORKFLOW)
    assert "torchvision" not in image_in_tabular.before[WORKFLOW]


def test_image_task_s_readme_row_install_note_and_changelog(image_in_tabular: Grown) -> None:
    readme = image_in_tabular.text(README)
    lines = readme.splitlines()
    header = lines.index("| task | classes | documentation |")
    assert [row.split("|")[1].strip() for row in lines[header + 2 : header + 4]] == [
        "`template/classification`",
        "`image/classification`",
    ]
    # The image library's install section, whole, is the grown library's.
    alone = (image_in_tabular.alone / README).read_text(encoding="utf-8").splitlines()
    start = alone.index(INSTALL)
    section = alone[start : alone.index("## Tasks", start)]
    assert "\n".join(section) in readme
    assert any("torchvision" in line for line in section)
    removed, added = _changed_lines(image_in_tabular.before[README], readme)
    assert removed == []
    assert all(line in alone for line in added if line)
    changelog = image_in_tabular.text("CHANGELOG.md")
    entries = [line.split("`")[1] for line in changelog.splitlines() if line.startswith("- The `")]
    assert entries == ["template/classification", "image/classification"]


def test_image_task_s_files_and_nothing_else(image_in_tabular: Grown) -> None:
    after = _texts(image_in_tabular.library)
    changed = {path for path, text in image_in_tabular.before.items() if after.get(path) != text}
    assert changed == {PYPROJECT, README, "CHANGELOG.md", WORKFLOW}
    new = set(after) - set(image_in_tabular.before)
    assert f"src/{LIBRARY}/image/classification/model.py" in new
    assert f"src/{LIBRARY}/image/__init__.py" in new
    assert ".copier-answers.image-classification.yml" in new
    assert all(
        path.startswith((f"src/{LIBRARY}/image/", "tests/image/", "docs/image_", "examples/"))
        or path == ".copier-answers.image-classification.yml"
        for path in new
    ), sorted(new)
    for result in (ruff_check(image_in_tabular.library), ruff_format(image_in_tabular.library)):
        assert result.ok, result.output


# --- a tabular task added to an image library ---------------------------------------------------


def test_tabular_task_keeps_the_image_library_s_shared_files(tabular_in_image: Grown) -> None:
    after = _texts(tabular_in_image.library)
    # The image library already installs and type-checks all a tabular task needs.
    for path in (PYPROJECT, WORKFLOW):
        assert after[path] == tabular_in_image.before[path], path
    removed, added = _changed_lines(tabular_in_image.before[README], after[README])
    assert removed == []
    assert len(added) == 1 and added[0].startswith("| `tabular/classification` |")
    assert "torchvision" in after[WORKFLOW]
    changed = {path for path, text in tabular_in_image.before.items() if after.get(path) != text}
    assert changed == {README, "CHANGELOG.md"}
    for result in (ruff_check(tabular_in_image.library), ruff_format(tabular_in_image.library)):
        assert result.ok, result.output


# --- the grown library's image task is the image library's, and passes mypy beside the other ----


def test_the_added_image_task_sits_among_the_image_library_s_own_files(
    image_in_tabular: Grown,
) -> None:
    # Every file an image library has, the task's, the core's and the tests' conftest.py among
    # them, is the grown library's byte for byte, so the task's suite runs there as it runs in
    # the image library (whose suite `check --subset ci` runs); the merged files are above.
    alone = _texts(image_in_tabular.alone)
    grown = _texts(image_in_tabular.library)
    assert any(path.startswith(f"src/{LIBRARY}/image/classification/") for path in alone)
    differing = {path for path, text in alone.items() if grown.get(path) != text}
    assert differing == ALONE_ONLY
    # The pytest, ruff and build settings too: only mypy's overrides were merged.
    grown_tool, alone_tool = (_toml(text)["tool"] for text in (grown[PYPROJECT], alone[PYPROJECT]))
    assert grown_tool.keys() == alone_tool.keys()
    assert all(grown_tool[key] == alone_tool[key] for key in grown_tool if key != "mypy")


def test_the_added_image_task_passes_mypy_and_its_tests_import_in_the_image_env(
    image_in_tabular: Grown,
) -> None:
    try:
        python = envs.interpreter(IMAGE)
    except envs.EnvironmentSetupError as error:
        pytest.fail(f"the image environment is needed and cannot be had: {error}")
    library = image_in_tabular.library
    with envs.mypy_cache(python) as cache:
        # The library's whole mypy configuration, both tasks: torchvision's untyped imports are
        # ignored only because the override gained torchvision.
        types = mypy_run(library, cache_dir=cache, python=python)
    assert types.ok and "Success: no issues found" in types.output, types.output[-4000:]
    collected = pytest_run(library, ["--collect-only", "tests/image"], python=python)
    assert collected.ok, collected.output[-4000:]
    modules = {path.stem for path in (library / "tests" / IMAGE).rglob("test_*.py")}
    assert {"test_backbones", "test_inputs", "test_model"} <= modules
    assert all(f"{module}.py::" in collected.output for module in modules), collected.output


def test_an_image_task_with_the_timm_backbone_brings_the_timm_extra(
    default_project: Path, tmp_path: Path
) -> None:
    answers = {"data_type": IMAGE, "backbones": ["small-cnn", "timm"]}
    alone = render(tmp_path / "alone", answers, vcs_ref="HEAD")
    library = shutil.copytree(default_project, tmp_path / "library")
    data = ["-d", f"data_type={IMAGE}", "-d", "backbones=[small-cnn, timm]"]
    assert main(["add", str(library), *data, "--vcs-ref", "HEAD"]) == 0
    before = _toml((default_project / PYPROJECT).read_text(encoding="utf-8"))
    after = _toml((library / PYPROJECT).read_text(encoding="utf-8"))
    view = _toml((alone / PYPROJECT).read_text(encoding="utf-8"))
    # The extras are the image library's: timm added, and the test extra installs it too.
    extras = after["project"]["optional-dependencies"]
    assert "timm" not in before["project"]["optional-dependencies"]
    assert extras == view["project"]["optional-dependencies"]
    assert [requirement.split(">")[0] for requirement in extras["timm"]] == ["timm"]
    assert any(requirement.endswith("[export,serve,timm]") for requirement in extras["test"])
    for result in (ruff_check(library), ruff_format(library)):
        assert result.ok, result.output
