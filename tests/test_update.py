"""``copier update`` and ``copier recopy`` on projects rendered from this template.

Copier updates a project only from a git template whose ``_commit`` it can find again, so these
tests build a throwaway, clean git copy of the template: the working tree's ``copier.yml`` and
``template/`` (uncommitted edits included) committed and tagged ``v1.0.0``, then a second commit,
tagged ``v1.1.0``, that changes a core file, a task file, the README and the CHANGELOG, and adds a
file. Projects are rendered from ``v1.0.0``, committed, edited by "their author", committed, and
then updated or recopied. The rendered projects' own test suites are not run here.

The last tests drive the same throwaway template through the generator: `flash-task new` (a
library committed in its own repository), `flash-task add` (tasks rendered at the library's
version, merged into its README, CHANGELOG, re-exports and dependencies) and `flash-task update`
(stopping at a conflict until it is resolved).
"""

import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import copier
import pytest
import tomlkit
import yaml

from generator import ruff_check, ruff_format
from generator.cli import main

# Every test here runs copier and git over rendered libraries, seconds a test: the quick suite
# (-m "not slow") skips them.
pytestmark = pytest.mark.slow

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomlkit reads TOML too
    tomllib = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parent.parent
"""This repository: the template's working tree."""

OLD, NEW = "v1.0.0", "v1.1.0"

# What the projects here answer; every other question takes its default.
DATA = {"project_name": "iris-tasks", "description": "Iris tasks."}
LIBRARY = "iris_tasks"

# What template v1.1.0 changes (see `_change_the_template`).
CORE_MARK = "[core changed in v1.1.0] "
TASK_MARK = "[task changed in v1.1.0] "
README_ADDITION = "A paragraph that template v1.1.0 adds to the README."
CHANGELOG_ADDITION = "- An entry that template v1.1.0 adds to the CHANGELOG."
NEW_FILE = "UPGRADING.md"

# What the project's author changes after the first copy (see `_edit_the_project`).
USER_FUNCTION = "\n\ndef user_helper() -> int:\n    return 42\n"
USER_CORE_LINE = "\n# A note the task author added to the core.\n"
USER_DESCRIPTION = "Iris tasks, described by hand."
USER_CHANGELOG_ENTRY = "- Our own entry: a faster backbone."

CONFLICT_MARKERS = ("<<<<<<<", ">>>>>>>")


# --- git -----------------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity, no signing and no hooks; return its stdout."""
    command = [
        "git",
        "-c",
        "user.name=Update Test",
        "-c",
        "user.email=update-test@example.com",
        "-c",
        "commit.gpgsign=false",
        "-c",
        "tag.gpgsign=false",
        "-c",
        "init.defaultBranch=main",
        "-c",
        f"core.hooksPath={os.devnull}",
        *args,
    ]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        pytest.fail(
            f"git {' '.join(args)} failed in {cwd}:\n{completed.stdout}{completed.stderr}",
            pytrace=False,
        )
    return completed.stdout


def _commit_all(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--allow-empty", "-m", message)


def _status(repo: Path) -> str:
    return _git(repo, "status", "--porcelain", "--ignored", "--untracked-files=all")


# --- the throwaway template ----------------------------------------------------------------------


def _template_files() -> list[str]:
    """List the template's files in the working tree: tracked or new, never ignored ones."""
    listing = _git(
        REPO,
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        "copier.yml",
        "copier.yaml",
        "template",
    )
    return sorted({name for name in listing.split("\0") if name and (REPO / name).is_file()})


def _mark_first_line(path: Path, mark: str) -> None:
    """Put ``mark`` right after the opening quotes of the docstring on ``path``'s first line."""
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    if not first.startswith('"""'):
        pytest.fail(f"{path} no longer opens with a docstring; update this test.", pytrace=False)
    path.write_text(first.replace('"""', '"""' + mark, 1) + "\n" + rest, encoding="utf-8")


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def _change_the_template(root: Path) -> None:
    """Make template v1.1.0: edit a core file, a task file, README and CHANGELOG; add a file."""
    template = root / "template"
    library = template / "src/{{ library_name }}"
    _mark_first_line(library / "core/registry.py", CORE_MARK)
    task = "{{ data_type }}/{% if modality == 'tabular' %}{{ task_type }}{% endif %}"
    _mark_first_line(library / task / "model.py.jinja", TASK_MARK)
    _append(template / "README.md.jinja", f"\n{README_ADDITION}\n")
    _append(template / "CHANGELOG.md.jinja", f"{CHANGELOG_ADDITION}\n")
    (template / f"{NEW_FILE}.jinja").write_text(
        "# Upgrading {{ project_name }}\n\nAdded in template v1.1.0.\n", encoding="utf-8"
    )


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean git copy of the template with two tags: ``v1.0.0`` as it is, ``v1.1.0`` changed."""
    root = tmp_path_factory.mktemp("template-repo")
    for name in _template_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    _git(root, "init", "-q")
    _commit_all(root, "The template as it is in the working tree")
    _git(root, "tag", OLD)
    _change_the_template(root)
    _commit_all(root, "Template v1.1.0")
    _git(root, "tag", NEW)
    assert _status(root) == ""
    return root


# --- projects ------------------------------------------------------------------------------------


def _answers_file(project: Path) -> Path:
    """The project's one answers file, whatever the template names it."""
    found = sorted(project.glob(".copier-answers*.yml"))
    assert len(found) == 1, f"expected one answers file in {project}, found {found}"
    return found[0]


def _answers(project: Path, answers_file: str | None = None) -> dict[str, Any]:
    path = project / answers_file if answers_file else _answers_file(project)
    answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(answers, dict)
    return answers


def _task_dir(project: Path) -> Path:
    answers = _answers(project)
    return project / "src" / LIBRARY / answers["data_type"] / answers["task_type"]


def _copy(
    template: Path,
    dest: Path,
    data: dict[str, Any] | None = None,
    vcs_ref: str | None = OLD,
    **kwargs: Any,
) -> Path:
    """Render ``template`` at ``vcs_ref`` into ``dest`` with ``data`` (``DATA``), commit it.

    Each distinct rendering is made once per template repository (beside it, in ``renders/``)
    and copied: what copier writes depends only on the template, the ref and the arguments.
    """
    data = dict(DATA if data is None else data)
    key = json.dumps([str(template), data, vcs_ref, kwargs], sort_keys=True)
    rendered = template.parent / "renders" / hashlib.sha256(key.encode()).hexdigest()[:16]
    if not rendered.exists():
        copier.run_copy(
            str(template),
            rendered,
            data=data,
            vcs_ref=vcs_ref,
            defaults=True,
            quiet=True,
            unsafe=False,
            **kwargs,
        )
    shutil.copytree(rendered, dest)
    _git(dest, "init", "-q")
    _commit_all(dest, "Render the template")
    return dest


def _update(project: Path, vcs_ref: str | None = NEW, **kwargs: Any) -> None:
    copier.run_update(
        project,
        defaults=True,
        overwrite=True,
        unsafe=False,
        quiet=True,
        vcs_ref=vcs_ref,
        **kwargs,
    )


def _edit_the_project(project: Path) -> None:
    """Make the author's changes: the task's model, the core, README and CHANGELOG; commit."""
    _append(_task_dir(project) / "model.py", USER_FUNCTION)
    _append(project / "src" / LIBRARY / "core/registry.py", USER_CORE_LINE)
    readme = project / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert f"\n{DATA['description']}\n" in text
    readme.write_text(
        text.replace(f"\n{DATA['description']}\n", f"\n{USER_DESCRIPTION}\n", 1), encoding="utf-8"
    )
    _append(project / "CHANGELOG.md", f"{USER_CHANGELOG_ENTRY}\n")
    _commit_all(project, "The author's changes")


def _project_texts(project: Path) -> Iterator[tuple[str, str]]:
    """Yield ``(relative path, text)`` for every text file in the project but ``.git``."""
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if ".git" in relative.parts or not path.is_file():
            continue
        try:
            yield relative.as_posix(), path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def _assert_merged_cleanly(project: Path) -> None:
    marked = [
        f"{name}:{number}: {line}"
        for name, text in _project_texts(project)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.startswith(CONFLICT_MARKERS)
    ]
    assert not marked, "conflict markers left by the update:\n" + "\n".join(marked)
    rejects = [p.relative_to(project).as_posix() for p in project.rglob("*.rej")]
    assert not rejects, f"rejected hunks left by the update: {rejects}"


@pytest.fixture(scope="module")
def updated_project(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A project copied from v1.0.0, changed by its author, updated to v1.1.0.

    The author edits the task's model, a core file, the README and the CHANGELOG, deletes the
    LICENSE and commits. Returns the project, its answers as copied and its CHANGELOG as the
    author committed it; the update is left uncommitted, as copier leaves it.
    """
    project = _copy(template_repo, tmp_path_factory.mktemp("updated") / "project")
    copied_answers = _answers(project)
    _edit_the_project(project)
    (project / "LICENSE").unlink()
    _commit_all(project, "Delete the LICENSE")
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    _update(project, vcs_ref=None)  # None: the latest tag, v1.1.0
    return {"project": project, "copied_answers": copied_answers, "changelog": changelog}


# --- copy ----------------------------------------------------------------------------------------


def test_copy_records_the_tag_and_the_absolute_template(
    updated_project: dict[str, Any], template_repo: Path
) -> None:
    answers = updated_project["copied_answers"]
    assert answers["_commit"] == OLD
    assert answers["_src_path"] == str(template_repo)
    assert Path(answers["_src_path"]).is_absolute()
    assert answers["project_name"] == DATA["project_name"]


# --- update --------------------------------------------------------------------------------------


def test_update_records_the_new_version(updated_project: dict[str, Any]) -> None:
    answers = _answers(updated_project["project"])
    assert answers["_commit"] == NEW
    assert answers["project_name"] == DATA["project_name"]
    assert answers["description"] == DATA["description"]


def test_update_leaves_no_conflicts(updated_project: dict[str, Any]) -> None:
    _assert_merged_cleanly(updated_project["project"])


def test_update_keeps_the_authors_edits(updated_project: dict[str, Any]) -> None:
    project = updated_project["project"]
    model = (_task_dir(project) / "model.py").read_text(encoding="utf-8")
    assert model.endswith(USER_FUNCTION)
    registry = (project / "src" / LIBRARY / "core/registry.py").read_text(encoding="utf-8")
    assert registry.endswith(USER_CORE_LINE)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert f"\n{USER_DESCRIPTION}\n" in readme
    assert f"\n{DATA['description']}\n" not in readme


def test_update_brings_the_template_changes(updated_project: dict[str, Any]) -> None:
    project = updated_project["project"]
    registry = (project / "src" / LIBRARY / "core/registry.py").read_text(encoding="utf-8")
    assert registry.startswith('"""' + CORE_MARK)
    model = (_task_dir(project) / "model.py").read_text(encoding="utf-8")
    assert model.startswith('"""' + TASK_MARK)
    assert README_ADDITION in (project / "README.md").read_text(encoding="utf-8")
    upgrading = (project / NEW_FILE).read_text(encoding="utf-8")
    assert upgrading.startswith(f"# Upgrading {DATA['project_name']}\n")


def test_update_leaves_the_authors_changelog_alone(updated_project: dict[str, Any]) -> None:
    # CHANGELOG.md is in `_skip_if_exists`: copier neither renders it over the author's file nor
    # merges the template's changes into it.
    project = updated_project["project"]
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog == updated_project["changelog"]
    assert USER_CHANGELOG_ENTRY in changelog
    assert CHANGELOG_ADDITION not in changelog


def test_update_leaves_its_changes_uncommitted(updated_project: dict[str, Any]) -> None:
    status = _status(updated_project["project"])
    assert f"?? {NEW_FILE}" in status
    assert " M README.md" in status
    assert "CHANGELOG.md" not in status


def test_update_keeps_deleted_files_deleted(updated_project: dict[str, Any]) -> None:
    assert not (updated_project["project"] / "LICENSE").exists()


def test_update_to_the_same_version_changes_nothing(
    updated_project: dict[str, Any], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(updated_project["project"], project)
    _commit_all(project, "Update to template v1.1.0")
    assert _status(project) == ""
    _update(project, vcs_ref=NEW)
    assert _status(project) == ""
    assert _answers(project)["_commit"] == NEW


def test_update_with_a_custom_answers_file(template_repo: Path, tmp_path: Path) -> None:
    # The answers file copier was told to use is the one it reads and rewrites. The author
    # never touches this project's CHANGELOG, and still it keeps its first rendering:
    # `_skip_if_exists` files are the author's from the first copy on.
    custom = ".copier-answers.custom.yml"
    project = _copy(template_repo, tmp_path / "project", answers_file=custom)
    assert not (project / ".copier-answers.yml").exists()
    assert _answers(project, custom)["_commit"] == OLD
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    _update(project, answers_file=custom)
    _assert_merged_cleanly(project)
    assert _answers(project, custom)["_commit"] == NEW
    assert not (project / ".copier-answers.yml").exists()
    assert (project / NEW_FILE).is_file()
    assert (project / "CHANGELOG.md").read_text(encoding="utf-8") == changelog


def test_update_recreates_a_deleted_changelog(template_repo: Path, tmp_path: Path) -> None:
    # Unlike other files the author deletes (see test_update_keeps_deleted_files_deleted), a
    # missing `_skip_if_exists` file is rendered afresh, from the new template, by an update.
    project = _copy(template_repo, tmp_path / "project")
    (project / "CHANGELOG.md").unlink()
    _commit_all(project, "Delete the CHANGELOG")
    _update(project)
    _assert_merged_cleanly(project)
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert CHANGELOG_ADDITION in changelog


def test_update_conflicts_are_marked_inline(template_repo: Path, tmp_path: Path) -> None:
    # The author and the template both change the core registry's first line: copier cannot
    # merge that, and with conflict="inline" it leaves both versions between markers.
    project = _copy(template_repo, tmp_path / "project")
    _mark_first_line(project / "src" / LIBRARY / "core/registry.py", "[the author's] ")
    _commit_all(project, "The author's docstring")
    _update(project, conflict="inline")
    registry = (project / "src" / LIBRARY / "core/registry.py").read_text(encoding="utf-8")
    lines = registry.splitlines()
    assert "<<<<<<< before updating" in lines
    assert ">>>>>>> after updating" in lines
    assert any(line.startswith('"""[the author\'s] ') for line in lines)
    assert any(line.startswith('"""' + CORE_MARK) for line in lines)
    assert not list(project.rglob("*.rej"))


# --- recopy --------------------------------------------------------------------------------------


def test_recopy_renders_afresh_with_the_same_answers(template_repo: Path, tmp_path: Path) -> None:
    # `copier recopy` keeps the answers but discards the project's evolution: it renders the
    # template again over the project (copier: "Update a subproject, keeping answers but
    # discarding evolution"). Template files come back as the template renders them, files the
    # template does not render stay, and `_skip_if_exists` files are still the author's.
    data = {**DATA, "task_type": "regression"}
    project = _copy(template_repo, tmp_path / "project", data)
    _edit_the_project(project)
    (project / "src" / LIBRARY / "core/keys.py").unlink()
    (project / "src" / LIBRARY / "own.py").write_text("OWN = 1\n", encoding="utf-8")
    _commit_all(project, "Delete a core file, add an own module")
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")

    copier.run_recopy(
        project, defaults=True, overwrite=True, skip_answered=True, quiet=True, unsafe=False
    )

    answers = _answers(project)
    assert answers["_commit"] == NEW  # vcs_ref=None: the latest tag
    assert answers["task_type"] == "regression"
    assert answers["project_name"] == DATA["project_name"]
    # Every file but the CHANGELOG is what a fresh copy of v1.1.0 with these answers renders.
    fresh = tmp_path / "fresh"
    copier.run_copy(str(template_repo), fresh, data=data, vcs_ref=NEW, defaults=True, quiet=True)
    fresh_files = dict(_project_texts(fresh))
    project_files = dict(_project_texts(project))
    assert project_files.pop("src/iris_tasks/own.py") == "OWN = 1\n"
    assert project_files.pop("CHANGELOG.md") == changelog
    fresh_files.pop("CHANGELOG.md")
    assert project_files.keys() == fresh_files.keys()
    differing = [name for name in fresh_files if project_files[name] != fresh_files[name]]
    assert not differing, f"recopy left these files unlike a fresh copy: {differing}"
    assert (project / "src" / LIBRARY / "core/keys.py").is_file()
    model = (_task_dir(project) / "model.py").read_text(encoding="utf-8")
    assert "user_helper" not in model


# --- several tasks in one library ----------------------------------------------------------------

SECOND_TASK = {**DATA, "new_library": False, "data_type": "tabular", "task_type": "regression"}
SECOND_ANSWERS = ".copier-answers.tabular-regression.yml"


def test_a_second_task_adds_only_its_files_and_updates_on_its_own(
    template_repo: Path, tmp_path: Path
) -> None:
    library = _copy(template_repo, tmp_path / "library")
    before = {path: text for path, text in _project_texts(library)}
    copier.run_copy(
        str(template_repo), library, data=SECOND_TASK, vcs_ref=OLD, defaults=True, quiet=True
    )
    after = dict(_project_texts(library))
    added = sorted(set(after) - set(before))
    assert all(
        path.startswith(("src/iris_tasks/tabular/", "tests/tabular/"))
        or path.startswith("docs/tabular_regression")
        or path in {"examples/tabular_regression.py", SECOND_ANSWERS}
        for path in added
    ), added
    assert {path: after[path] for path in before} == before, "the first task's files changed"
    assert not (library / "src/iris_tasks/tabular/regression/core").exists()
    _commit_all(library, "Add a second task")

    # Update the second task alone: its files change, the library's and the first task's do not.
    _update(library, answers_file=SECOND_ANSWERS)
    _assert_merged_cleanly(library)
    assert TASK_MARK in (library / "src/iris_tasks/tabular/regression/model.py").read_text()
    assert (
        TASK_MARK not in (library / "src/iris_tasks/template/classification/model.py").read_text()
    )
    assert CORE_MARK not in (library / "src/iris_tasks/core/registry.py").read_text()
    assert _answers(library, SECOND_ANSWERS)["_commit"] == NEW
    assert _answers(library, ".copier-answers.yml")["_commit"] == OLD
    _commit_all(library, "Update the second task")

    # Then the first task, with the library: the core changes now.
    _update(library, answers_file=".copier-answers.yml")
    _assert_merged_cleanly(library)
    assert TASK_MARK in (library / "src/iris_tasks/template/classification/model.py").read_text()
    assert CORE_MARK in (library / "src/iris_tasks/core/registry.py").read_text()
    assert _answers(library, ".copier-answers.yml")["_commit"] == NEW


# --- flash-task new, add and update on the real template -----------------------------------------

ADD_REGRESSION = ["-d", "task_type=regression", "-d", "inputs=csv"]
"""A second task of the library's data type that reads CSV files, so it needs pandas."""


def _toml(text: str) -> dict[str, Any]:
    if tomllib is None:  # Python 3.10
        return tomlkit.parse(text).unwrap()
    return tomllib.loads(text)


def _new_library(template: Path, dest: Path) -> Path:
    argv = ["new", str(dest), "--template", str(template), "--vcs-ref", OLD]
    assert main([*argv, "-d", f"project_name={DATA['project_name']}"]) == 0
    return dest


@pytest.fixture(scope="module")
def grown_library(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A library made with `flash-task new` at v1.0.0, then given two tasks with `flash-task add`.

    The first added task shares the library's data type and reads CSV files; the second has a
    data type of its own. Returns the library and what `new` left: its commits, its status and
    its files.
    """
    library = _new_library(template_repo, tmp_path_factory.mktemp("grown") / "library")
    made = {
        "commits": _git(library, "rev-list", "--count", "HEAD").strip(),
        "status": _status(library),
        "files": dict(_project_texts(library)),
    }
    assert main(["add", str(library), *ADD_REGRESSION]) == 0
    assert main(["add", str(library), "-d", "data_type=tabular"]) == 0
    return {"library": library, **made}


def test_new_commits_the_library(grown_library: dict[str, Any]) -> None:
    assert grown_library["commits"] == "1"
    assert grown_library["status"] == ""


def test_add_renders_the_version_the_library_records(grown_library: dict[str, Any]) -> None:
    library = grown_library["library"]
    for answers_file in (
        ".copier-answers.template-regression.yml",
        SECOND_ANSWERS.replace("regression", "classification"),
    ):
        assert _answers(library, answers_file)["_commit"] == OLD


def test_add_extends_the_readme_s_task_table(grown_library: dict[str, Any]) -> None:
    readme = (grown_library["library"] / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    header = lines.index("| task | classes | documentation |")
    rows = lines[header + 2 : header + 5]
    assert [row.split("|")[1].strip() for row in rows] == [
        "`template/classification`",
        "`template/regression`",
        "`tabular/classification`",
    ]
    assert "`TemplateRegressor`" in rows[1]
    assert "[docs/tabular_classification.md](docs/tabular_classification.md)" in rows[2]
    assert not lines[header + 5].startswith("|")
    # Nothing else in the README changed.
    before = grown_library["files"]["README.md"].splitlines()
    assert [line for line in lines if line not in rows[1:]] == before


def test_add_records_each_task_in_the_changelog(grown_library: dict[str, Any]) -> None:
    changelog = (grown_library["library"] / "CHANGELOG.md").read_text(encoding="utf-8")
    lines = changelog.splitlines()
    added = lines.index("### Added")
    entries = [line for line in lines[added + 1 :] if line.startswith("- ")]
    assert [entry.split("`")[1] for entry in entries] == [
        "template/classification",
        "template/regression",
        "tabular/classification",
    ]
    assert lines.count("## [Unreleased]") == 1 and lines.count("### Added") == 1


def test_add_reexports_every_task_of_the_data_type(grown_library: dict[str, Any]) -> None:
    package = grown_library["library"] / "src" / LIBRARY / "template" / "__init__.py"
    tree = ast.parse(package.read_text(encoding="utf-8"))
    imports = {
        node.module: [alias.name for alias in node.names]
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
    }
    assert imports == {
        "classification": ["TemplateData", "TemplateSKLearnClassifier"],
        # Both tasks name their data module TemplateData: the package keeps the first one's.
        "regression": ["TemplateRegressor"],
    }
    exported = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__"
    )
    assert ast.literal_eval(exported) == [
        "TemplateData",
        "TemplateRegressor",
        "TemplateSKLearnClassifier",
    ]


def test_add_adds_dependencies_and_keeps_the_pyproject_s_layout(
    grown_library: dict[str, Any],
) -> None:
    before = grown_library["files"]["pyproject.toml"]
    after = (grown_library["library"] / "pyproject.toml").read_text(encoding="utf-8")
    old, new = _toml(before), _toml(after)
    added = [
        dep for dep in new["project"]["dependencies"] if dep not in old["project"]["dependencies"]
    ]
    assert added == ["pandas>=2.0"]
    assert new["project"]["dependencies"] == sorted(new["project"]["dependencies"])
    assert {k: v for k, v in new.items() if k != "project"} == {
        k: v for k, v in old.items() if k != "project"
    }
    # Comments and layout stay: the new file is the old one plus the dependency's line and the
    # template's comment above it.
    lines = after.splitlines()
    at = lines.index('    "pandas>=2.0",')
    assert lines[at - 1].startswith("    # ") and "pandas" in lines[at - 1]
    assert lines[: at - 1] + lines[at + 1 :] == before.splitlines()
    assert "# LightningCLI reads its options and config files with jsonargparse." in after


def test_the_grown_library_is_lint_clean_and_imports(grown_library: dict[str, Any]) -> None:
    library = grown_library["library"]
    for result in (ruff_check(library), ruff_format(library)):
        assert result.ok, result.output
    code = (
        f"from {LIBRARY}.template import TemplateRegressor, TemplateSKLearnClassifier\n"
        f"from {LIBRARY}.tabular import TabularData, TabularSKLearnClassifier\n"
    )
    env = {**os.environ, "PYTHONPATH": str(library / "src")}
    completed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_flash_task_update_stops_at_a_conflict_until_it_is_resolved(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = _new_library(template_repo, tmp_path / "library")
    assert main(["add", str(library), "-d", "data_type=tabular"]) == 0
    _commit_all(library, "Add the tabular task")
    registry = library / "src" / LIBRARY / "core/registry.py"
    _mark_first_line(registry, "[the author's] ")
    _commit_all(library, "The author's docstring")
    capsys.readouterr()

    assert main(["update", str(library)]) == 1
    out, err = capsys.readouterr()
    assert f"  .copier-answers.yml: {OLD} -> {NEW}" in out
    assert f"conflict: src/{LIBRARY}/core/registry.py: " in err
    assert f"{SECOND_ANSWERS.replace('regression', 'classification')} will be updated then" in err
    task_answers = SECOND_ANSWERS.replace("regression", "classification")
    assert _answers(library, task_answers)["_commit"] == OLD
    assert (library / NEW_FILE).is_file()
    # git, too, holds the file as unmerged until it is resolved.
    assert _git(library, "diff", "--name-only", "--diff-filter=U").split() == [
        f"src/{LIBRARY}/core/registry.py"
    ]

    # Resolve: keep both docstring changes, drop the markers; commit.
    lines = registry.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("<<<<<<< before updating\n")
    end = next(i for i, line in enumerate(lines) if line.startswith(">>>>>>> after updating"))
    theirs = lines[lines.index("=======\n", start) + 1 : end]
    assert theirs[0].startswith('"""' + CORE_MARK)
    resolved = ['"""[the author\'s] ' + theirs[0][3:], *theirs[1:]]
    registry.write_text("".join([*lines[:start], *resolved, *lines[end + 1 :]]), encoding="utf-8")
    _commit_all(library, "Update the library to template v1.1.0")

    assert main(["update", str(library)]) == 0
    out = capsys.readouterr().out
    assert f"  .copier-answers.yml: kept {NEW}" in out
    assert f"  {task_answers}: {OLD} -> {NEW}" in out
    assert _answers(library, task_answers)["_commit"] == NEW
    model = library / "src" / LIBRARY / "tabular/classification/model.py"
    assert model.read_text(encoding="utf-8").startswith('"""' + TASK_MARK)
    _assert_merged_cleanly(library)
