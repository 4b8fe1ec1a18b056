"""The ``flash-task`` command: ``new``, ``add`` and ``check``, on small fake templates.

The fake templates render in a fraction of a second and their projects hold one trivial test,
so these tests exercise the generator, not the real template (tests/test_render.py and
tests/test_rendered_checks.py do that).
"""

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomlkit

from generator import TEMPLATE_ROOT, LibraryError, cli, read_answers
from generator.cli import _RESOLVE, build_parser, main
from generator.library_files import library_edits
from generator.matrix import Matrix
from generator.render import default_vcs_ref, is_remote
from generator.runner import CHECKS
from generator.template import COPIER_FILE

SETTINGS = """\
_subdirectory: template
_answers_file: >-
  {{ '.copier-answers.yml' if new_library
  else '.copier-answers.' ~ data_type ~ '-' ~ task_type ~ '.yml' }}
_skip_if_exists:
  - "src/{{ library_name }}/{{ data_type }}/__init__.py"
_message_after_copy: |
  Your {{ data_type }}/{{ task_type }} task is ready in {{ _copier_conf.dst_path }}:
    cd {{ _copier_conf.dst_path }}
    pip install -e '.[test]'
    pytest
    python examples/{{ task_title }}.py
_exclude:
  - |-
    {%- if not new_library %}
    /pyproject.toml
    /README.md
    /src/{{ library_name }}/__init__.py
    {%- endif %}
"""

NEW_LIBRARY_QUESTION = """\
new_library:
  type: bool
  default: true
"""

QUESTIONS = """\
project_name:
  type: str
  default: fake-lib
  validator: >-
    {% if not (project_name | regex_search('^[a-z][a-z0-9-]*$')) %}bad project_name
    '{{ project_name }}'{% endif %}
library_name:
  type: str
  default: "{{ project_name | replace('-', '_') }}"
  validator: >-
    {% if not (library_name | regex_search('^[a-z][a-z0-9_]*$')) %}library_name must be
    a lowercase identifier; got '{{ library_name }}'.{% endif %}
author_name:
  type: str
  default: Someone
license:
  type: str
  choices: [MIT, BSD-3-Clause]
  default: MIT
{new_library}data_type:
  type: str
  default: template
task_type:
  type: str
  choices:
    "Classify things": classification
    "Regress things": regression
  default: classification
inputs:
  type: str
  multiselect: true
  choices: [numpy, sklearn]
  default: [numpy]
  validator: "{% if not inputs %}inputs needs at least one choice.{% endif %}"
task_title:
  type: str
  when: false
  default: "{{ data_type }}_{{ task_type }}"
task_package:
  type: str
  when: false
  default: "{{ library_name }}.{{ data_type }}.{{ task_type }}"
"""

BROKEN_QUESTION = """\
broken:
  type: bool
  default: false
"""

FILES = {
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml -}}\n",
    "README.md.jinja": "# {{ project_name }}\n\nBy {{ author_name }}, {{ license }}.\n",
    "pyproject.toml.jinja": textwrap.dedent(
        """\
        [project]
        name = "{{ project_name }}"
        version = "0.1.0"

        [tool.pytest.ini_options]
        testpaths = ["tests"]
        pythonpath = ["src"]
        addopts = ["--import-mode=importlib"]

        [tool.mypy]
        files = ["src"]
        """
    ),
    "src/{{ library_name }}/__init__.py.jinja": '"""The {{ library_name }} library."""\n',
    "src/{{ library_name }}/{{ data_type }}/__init__.py.jinja": '"""{{ data_type }} tasks."""\n',
    "src/{{ library_name }}/{{ data_type }}/{{ task_type }}/__init__.py.jinja": (
        '"""The {{ task_type }} task."""\n\nINPUTS = {{ inputs | tojson }}\n'
    ),
    "tests/{{ data_type }}/{{ task_type }}/test_{{ data_type }}_{{ task_type }}.py.jinja": (
        "def test_{{ task_type }}():\n"
        "    assert {{ 'False' if broken | default(false) else 'True' }}\n"
    ),
    "examples/{{ data_type }}_{{ task_type }}.py.jinja": 'print("{{ task_type }}")\n',
}


def make_template(root: Path, broken: bool = False, new_library: bool = True) -> Path:
    """Write a small copier template into ``root``: a library with one task per rendering."""
    root.mkdir(parents=True, exist_ok=True)
    if new_library:
        config = SETTINGS + QUESTIONS.replace("{new_library}", NEW_LIBRARY_QUESTION)
    else:  # a template that renders whole libraries only
        config = "_subdirectory: template\n" + QUESTIONS.replace("{new_library}", "")
    config += BROKEN_QUESTION if broken else ""
    (root / "copier.yml").write_text(config, encoding="utf-8")
    for name, text in FILES.items():
        path = root / "template" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return make_template(tmp_path / "fake-template")


# --- flash-task new ----------------------------------------------------------------------------


def test_new_renders_and_prints_next_steps(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    argv = ["new", str(dest), "--template", str(template), "-d", "task_type=regression"]
    assert main(argv) == 0
    assert (dest / "src/fake_lib/template/regression/__init__.py").is_file()
    assert read_answers(dest)["task_type"] == "regression"
    out = capsys.readouterr().out.splitlines()
    assert f"  cd {dest}" in out
    assert "  pip install -e '.[test]'" in out
    assert "  pytest" in out
    assert "  python examples/template_regression.py" in out


def test_new_takes_multiselect_answers_comma_separated(template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template), "-d", "inputs=sklearn,numpy"]) == 0
    assert read_answers(dest)["inputs"] == ["numpy", "sklearn"]


def test_new_refused_answer_exits_2_writes_nothing(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    argv = ["new", str(dest), "--template", str(template), "-d", "library_name=Bad-Name"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: library_name: library_name must be a lowercase identifier")
    assert "Bad-Name" in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not dest.exists()


def test_new_invalid_choice_exits_2(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template), "-d", "license=GPL"]) == 2
    assert capsys.readouterr().err.startswith("error: license: ")
    assert not dest.exists()


def test_new_refuses_conflicts_before_writing_anything(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    (dest / "src/fake_lib").mkdir(parents=True)
    (dest / "README.md").write_text("my own readme\n")
    (dest / "src/fake_lib/__init__.py").write_text('"""Mine."""\n')
    (dest / "notes.txt").write_text("unrelated\n")
    before = snapshot(dest)
    assert main(["new", str(dest), "--template", str(template)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ")
    assert "README.md" in err and "src/fake_lib/__init__.py" in err
    assert "--overwrite" in err
    assert "notes.txt" not in err
    assert snapshot(dest) == before


def test_new_into_a_non_empty_dir_without_conflicts(template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "lib"
    dest.mkdir()
    (dest / "notes.txt").write_text("unrelated\n")
    # Identical files are no conflict either.
    (dest / "README.md").write_text("# fake-lib\n\nBy Someone, MIT.\n")
    assert main(["new", str(dest), "--template", str(template)]) == 0
    assert (dest / "notes.txt").read_text() == "unrelated\n"
    assert (dest / "pyproject.toml").is_file()


def test_new_overwrite_replaces_conflicts(template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "lib"
    dest.mkdir()
    (dest / "README.md").write_text("my own readme\n")
    assert main(["new", str(dest), "--template", str(template), "--overwrite"]) == 0
    assert (dest / "README.md").read_text().startswith("# fake-lib")


@pytest.mark.parametrize("flag", ["--dry-run", "--pretend"])
def test_new_dry_run_writes_nothing(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template), flag]) == 0
    assert not dest.exists()
    out = capsys.readouterr().out
    assert "nothing was written" in out
    assert "create    src/fake_lib/template/classification/__init__.py" in out
    assert "create    .copier-answers.yml" in out


def test_new_dry_run_reports_conflicts(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    dest.mkdir()
    (dest / "README.md").write_text("mine\n")
    before = snapshot(dest)
    assert main(["new", str(dest), "--template", str(template), "--dry-run"]) == 1
    out, err = capsys.readouterr()
    assert "overwrite README.md" in out
    assert "would refuse" in err
    assert snapshot(dest) == before


def test_new_renders_a_local_template_at_head_with_uncommitted_edits(
    template: Path, tmp_path: Path
) -> None:
    git(template, "init", "-q")
    git(template, "add", ".")
    git(template, "commit", "-qm", "fake template")
    readme = template / "template/README.md.jinja"
    readme.write_text("# {{ project_name }} (uncommitted edit)\n")
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template)]) == 0
    assert (dest / "README.md").read_text() == "# fake-lib (uncommitted edit)\n"


def test_new_renders_a_remote_template_at_its_latest_tag(template: Path, tmp_path: Path) -> None:
    git(template, "init", "-q")
    git(template, "add", ".")
    git(template, "commit", "-qm", "v1")
    git(template, "tag", "v1.0.0")
    (template / "template/README.md.jinja").write_text("# {{ project_name }} after the tag\n")
    git(template, "commit", "-qam", "after v1")
    url = f"git+file://{template}"
    assert is_remote(url)
    assert default_vcs_ref(url) is None
    assert default_vcs_ref(template) == "HEAD"
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", url]) == 0
    assert (dest / "README.md").read_text().startswith("# fake-lib\n")
    assert read_answers(dest)["_commit"] == "v1.0.0"


# --- flash-task add ----------------------------------------------------------------------------


@pytest.fixture
def library(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "lib"
    argv = ["new", str(dest), "--template", str(template), "-d", "project_name=my-lib"]
    argv += ["-d", "license=BSD-3-Clause"]
    assert main(argv) == 0
    return dest


def test_add_renders_another_task_into_the_library(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    readme = (library / "README.md").read_bytes()
    argv = ["add", str(library), "-d", "data_type=tabular", "-d", "task_type=regression"]
    assert main(argv) == 0
    answers = read_answers(library, ".copier-answers.tabular-regression.yml")
    assert answers["new_library"] is False
    # Shared answers come from the library's own answers file.
    assert (answers["project_name"], answers["library_name"]) == ("my-lib", "my_lib")
    assert answers["license"] == "BSD-3-Clause"
    assert (library / "src/my_lib/tabular/regression/__init__.py").is_file()
    assert (library / "src/my_lib/template/classification/__init__.py").is_file()
    assert (library / "README.md").read_bytes() == readme
    assert read_answers(library)["task_type"] == "classification"
    out = capsys.readouterr().out.splitlines()
    # Which template renders, said before anything is written: the library's own.
    template = read_answers(library)["_src_path"]
    assert (
        out[0]
        == f"Rendering the tabular/regression task from {template} as it is (not a git repository)"
    )
    assert out[1].startswith(f"Added the tabular/regression task to {library} ")
    assert f"  cd {library}" in out
    assert "  pytest" in out
    assert "  python examples/tabular_regression.py" in out


def test_add_a_second_task_of_the_same_data_type(library: Path) -> None:
    assert main(["add", str(library), "-d", "task_type=regression"]) == 0
    assert (library / ".copier-answers.template-regression.yml").is_file()
    assert (library / "src/my_lib/template/regression/__init__.py").is_file()


def test_add_refuses_a_duplicate_task(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["add", str(library), "-d", "data_type=tabular"]
    assert main(argv) == 0
    before = snapshot(library)
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "already has a tabular/classification task" in err
    assert ".copier-answers.tabular-classification.yml" in err
    assert snapshot(library) == before


def test_add_refuses_the_library_s_own_first_task(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(library)
    capsys.readouterr()
    assert main(["add", str(library)]) == 1
    err = capsys.readouterr().err
    assert "already has a template/classification task: src/my_lib/template/classification" in err
    assert snapshot(library) == before


def test_add_refuses_a_directory_that_is_no_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add", str(tmp_path)]) == 1
    assert "is not a rendered library" in capsys.readouterr().err


def test_add_refused_answer_exits_2(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(library)
    capsys.readouterr()
    assert main(["add", str(library), "-d", "task_type=segmentation"]) == 2
    assert capsys.readouterr().err.startswith("error: task_type: ")
    assert snapshot(library) == before


def test_add_dry_run_writes_nothing(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(library)
    capsys.readouterr()
    assert main(["add", str(library), "-d", "data_type=tabular", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "create    .copier-answers.tabular-classification.yml" in out
    assert "create    src/my_lib/tabular/classification/__init__.py" in out
    assert "flash-task-add" not in out
    assert snapshot(library) == before


def test_add_needs_a_template_with_new_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = make_template(tmp_path / "old-template", new_library=False)
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template)]) == 0
    capsys.readouterr()
    assert main(["add", str(dest), "-d", "data_type=tabular"]) == 1
    assert "has no new_library question" in capsys.readouterr().err


# --- flash-task check --------------------------------------------------------------------------


def test_check_lists_the_points(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--template", str(template), "--list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names[:2] == ["defaults", "all-on"]
    assert names[2] == "p01"


@pytest.mark.slow
def test_check_passes_prints_the_table_and_writes_json(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    keep = tmp_path / "kept"
    # Three of the fake template's eight points: the defaults, all-on, and p01, a task added to
    # a library; every check runs on each (tests/test_matrix.py covers the matrix itself).
    argv = ["check", "--template", str(template), "--subset", "defaults,all-on,p01"]
    argv += ["--jobs", "2", "--json", str(report)]
    assert main([*argv, "--keep", str(keep)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "point",
        "render",
        "jinja",
        "lint",
        "format",
        "types",
        "tests",
        "seconds",
        "answers",
    ]
    data = json.loads(report.read_text())
    assert data["ok"] is True
    names = [point["name"] for point in data["points"]]
    assert names[:2] == ["defaults", "all-on"]
    for point in data["points"]:
        row = next(line for line in lines if line.split()[0] == point["name"])
        assert row.split()[1:7] == ["✓"] * 6
        assert set(point["results"]) == {"render", "jinja", "lint", "format", "types", "tests"}
        assert (keep / point["name"] / ".copier-answers.yml").is_file()
    assert "points passed" in out
    # A new_library=false point is a task added to a library that holds another task.
    added = [p for p in data["points"] if p["answers"].get("new_library") is False]
    assert added
    kept = keep / added[0]["name"]
    assert len(list(kept.glob(".copier-answers.*.yml"))) == 1
    assert len(list((kept / "src/fake_lib/template").iterdir())) >= 2


@pytest.mark.slow
def test_check_fails_when_a_check_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = make_template(tmp_path / "broken-template", broken=True)
    report = tmp_path / "report.json"
    argv = ["check", "--template", str(template), "--subset", "smoke", "--jobs", "1"]
    assert main([*argv, "--checks", "tests,jinja", "--json", str(report)]) == 1
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["point"][:4] == ["point", "render", "jinja", "tests"]
    assert rows["defaults"][1:4] == ["✓", "✓", "✓"]
    assert rows["all-on"][1:4] == ["✓", "✓", "✗"]
    assert "--- all-on: tests failed" in out
    data = json.loads(report.read_text())
    assert data["ok"] is False
    assert data["checks"] == ["jinja", "tests"]
    failed = data["points"][1]
    assert (failed["name"], failed["ok"]) == ("all-on", False)
    assert failed["answers"] == {"inputs": ["numpy", "sklearn"], "broken": True}
    assert "1 failed" in failed["results"]["tests"]["output"]


def test_check_reports_a_failed_rendering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = make_template(tmp_path / "bad-template")
    (template / "template/bad.txt.jinja").write_text("{{ undefined_thing.attribute }}\n")
    assert main(["check", "--template", str(template), "--subset", "defaults"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("defaults"))
    assert row.split()[1:6] == ["✗", "-", "-", "-", "-"]


def test_check_points_limit_and_bad_usage(
    template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--template", str(template), "--points", "1", "--list"]) == 0
    assert capsys.readouterr().out.split() == ["defaults", "(defaults)"]
    assert main(["check", "--template", str(template), "--subset", "nope"]) == 2
    assert "unknown subset or point 'nope'" in capsys.readouterr().err
    assert main(["check", "--template", str(template), "--checks", "lint,typos"]) == 2
    assert "typos" in capsys.readouterr().err


def test_parser_has_every_subcommand() -> None:
    help_text = build_parser().format_help()
    for command in ("new", "add", "check"):
        assert command in help_text


def test_the_real_template_s_ci_subset_is_listed(
    matrix: Matrix, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The session's matrix of the real template stands for the CLI's own derivation from the
    # same copier.yml, which gives the same matrix (tests/test_matrix.py); any other copier.yml
    # is derived as ever.
    derive = cli.build_matrix
    real = COPIER_FILE.read_bytes()

    def build_matrix(path: Path) -> Matrix:
        return matrix if Path(path).read_bytes() == real else derive(path)

    monkeypatch.setattr(cli, "build_matrix", build_matrix)
    assert main(["check", "--template", str(TEMPLATE_ROOT), "--subset", "ci", "--list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == [point.name for point in cli.select_points(matrix, "ci")]
    assert {"defaults-image", "defaults-text"} <= set(names)


@pytest.mark.slow
def test_check_a_remote_template_at_its_latest_tag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = make_template(tmp_path / "remote-template")
    git(template, "init", "-q")
    git(template, "add", ".")
    git(template, "commit", "-qm", "good")
    git(template, "tag", "v1.0.0")
    test_file = next(name for name in FILES if name.startswith("tests/"))
    (template / "template" / test_file).write_text("def test_broken():\n    assert False\n")
    git(template, "commit", "-qam", "broken after the tag")
    url = f"git+file://{template}"
    report = tmp_path / "report.json"
    argv = ["check", "--template", url, "--subset", "defaults", "--checks", "tests"]
    assert main([*argv, "--json", str(report)]) == 0
    data = json.loads(report.read_text())
    assert (data["template"], data["vcs_ref"]) == (url, "v1.0.0")
    assert main([*argv, "--vcs-ref", "HEAD"]) == 1
    assert "test_broken" in capsys.readouterr().out


def test_check_refuses_a_template_that_refuses_its_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = make_template(tmp_path / "strict-template")
    config = template / "copier.yml"
    config.write_text(config.read_text().replace("default: fake-lib", "default: Fake-Lib"))
    assert main(["check", "--template", str(template), "--list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: The template refuses its own defaults: project_name: ")


# --- flash-task new: a git repository from day one ----------------------------------------------


def git_out(cwd: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return completed.stdout.strip()


def test_new_makes_a_git_repository_with_one_commit(template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template)]) == 0
    assert git_out(dest, "rev-parse", "--show-toplevel") == str(dest)
    assert git_out(dest, "rev-list", "--count", "HEAD") == "1"
    assert git_out(dest, "status", "--porcelain", "--untracked-files=all") == ""
    committed = set(git_out(dest, "ls-files").splitlines())
    assert {".copier-answers.yml", "README.md", "pyproject.toml"} <= committed


def test_new_commits_as_the_author_when_git_has_no_identity(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh machine: no global or system git configuration.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("NAME", "EMAIL"):
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{role}_{name}", raising=False)
    monkeypatch.delenv("EMAIL", raising=False)
    dest = tmp_path / "lib"
    argv = ["new", str(dest), "--template", str(template), "-d", "author_name=Ada Lovelace"]
    assert main(argv) == 0
    assert git_out(dest, "log", "--format=%an") == "Ada Lovelace"


def test_new_no_git_makes_no_repository(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template), "--no-git"]) == 0
    assert not (dest / ".git").exists()
    assert "git repository" not in capsys.readouterr().out


def test_new_inside_a_repository_makes_no_nested_one(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outer = tmp_path / "monorepo"
    outer.mkdir()
    git(outer, "init", "-q")
    dest = outer / "lib"
    assert main(["new", str(dest), "--template", str(template)]) == 0
    assert not (dest / ".git").exists()
    assert f"inside the git repository {outer}" in capsys.readouterr().out


# --- flash-task new: the destination -------------------------------------------------------------


def test_new_into_an_existing_file_is_one_error(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    dest.write_text("a file\n")
    assert main(["new", str(dest), "--template", str(template)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {dest} is a file, not a directory; choose another destination\n"
    assert dest.read_text() == "a file\n"


def test_new_under_a_file_is_one_error(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file\n")
    assert main(["new", str(blocker / "lib"), "--template", str(template)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {blocker / 'lib'} cannot be made: {blocker} is a file")


def test_new_where_nothing_can_be_written_is_one_error(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:  # root writes anywhere but where the kernel refuses
        parent = Path("/sys")
    else:
        parent = tmp_path / "read-only"
        parent.mkdir()
        parent.chmod(0o500)
    dest = parent / "flash-task-lib"
    try:
        assert main(["new", str(dest), "--template", str(template)]) == 1
    finally:
        parent.chmod(0o700) if parent != Path("/sys") else None
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {dest} cannot be written: {parent}: ")
    assert not dest.exists()


def test_new_defaults_asks_nothing_in_a_terminal(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template), "--defaults"]) == 0
    assert read_answers(dest)["project_name"] == "fake-lib"


# --- the after-copy message is the template's ----------------------------------------------------


def test_new_prints_the_template_s_message_after_copy(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = template / "copier.yml"
    config.write_text(config.read_text().replace("task is ready in", "task awaits you in"))
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"Your template/classification task awaits you in {dest}:" in out


def test_new_without_a_message_after_copy_prints_none(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = template / "copier.yml"
    text = config.read_text()
    start = text.index("_message_after_copy:")
    end = text.index("\nproject_name:")
    config.write_text(text[:start] + text[end + 1 :])
    assert main(["new", str(tmp_path / "lib"), "--template", str(template)]) == 0
    out = capsys.readouterr().out
    assert "pip install" not in out and "Your " not in out


# --- flash-task add reads the template's settings ------------------------------------------------


def test_add_names_the_answers_file_as_the_template_does(template: Path, tmp_path: Path) -> None:
    config = template / "copier.yml"
    config.write_text(
        config.read_text().replace(
            "else '.copier-answers.' ~ data_type ~ '-' ~ task_type ~ '.yml' }}",
            "else '.task-' ~ task_type ~ '-of-' ~ data_type ~ '.yml' }}",
        )
    )
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template)]) == 0
    assert main(["add", str(dest), "-d", "data_type=tabular"]) == 0
    assert read_answers(dest, ".task-classification-of-tabular.yml")["data_type"] == "tabular"
    assert not list(dest.glob(".copier-answers.tabular*"))


def test_add_shares_the_template_s_library_questions(template: Path, tmp_path: Path) -> None:
    config = template / "copier.yml"
    config.write_text(
        config.read_text()
        + "library_questions:\n  type: yaml\n  when: false\n"
        + "  default: [project_name, library_name]\n"
    )
    dest = tmp_path / "lib"
    argv = ["new", str(dest), "--template", str(template), "-d", "project_name=my-lib"]
    assert main([*argv, "-d", "license=BSD-3-Clause", "-d", "author_name=Ada"]) == 0
    assert main(["add", str(dest), "-d", "data_type=tabular"]) == 0
    task = read_answers(dest, ".copier-answers.tabular-classification.yml")
    assert (task["project_name"], task["library_name"]) == ("my-lib", "my_lib")
    # Not among the template's library questions: the task takes its own default.
    assert (task["license"], task["author_name"]) == ("MIT", "Someone")


def tag_template(template: Path, tag: str, message: str) -> None:
    git(template, "add", "-A")
    git(template, "commit", "-qm", message)
    git(template, "tag", tag)


def release_example_change(template: Path) -> None:
    """Template v1.1.0: every task's example prints something else."""
    example = template / "template/examples/{{ data_type }}_{{ task_type }}.py.jinja"
    example.write_text('print("v1.1.0 {{ task_type }}")\n')
    tag_template(template, "v1.1.0", "v1.1.0")


def add_tabular(library: Path, example: str | None = None) -> str:
    """Add a tabular task (with the author's own example, if given), commit; return HEAD."""
    assert main(["add", str(library), "-d", "data_type=tabular"]) == 0
    if example is not None:
        (library / "examples/tabular_classification.py").write_text(example)
    git(library, "add", "-A")
    git(library, "commit", "-qm", "Add the tabular task")
    return git_out(library, "rev-parse", "HEAD")


@pytest.fixture
def tagged_template(template: Path) -> Path:
    """The fake template in git, tagged v1.0.0."""
    git(template, "init", "-q")
    tag_template(template, "v1.0.0", "v1.0.0")
    return template


@pytest.mark.slow
def test_add_renders_the_version_the_library_records(
    tagged_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    argv = ["new", str(dest), "--template", str(tagged_template), "--vcs-ref", "v1.0.0"]
    assert main(argv) == 0
    release_example_change(tagged_template)
    capsys.readouterr()
    assert main(["add", str(dest), "-d", "data_type=tabular"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        f"Rendering the tabular/classification task from {tagged_template} at v1.0.0, "
        "the version .copier-answers.yml records"
    )
    assert (dest / "examples/tabular_classification.py").read_text() == (
        'print("classification")\n'
    )
    assert read_answers(dest, ".copier-answers.tabular-classification.yml")["_commit"] == "v1.0.0"


# --- flash-task update ---------------------------------------------------------------------------


@pytest.fixture
def old_library(tagged_template: Path, tmp_path: Path) -> Path:
    """A library rendered from the fake template's v1.0.0, in git."""
    dest = tmp_path / "lib"
    argv = ["new", str(dest), "--template", str(tagged_template), "--vcs-ref", "v1.0.0"]
    assert main(argv) == 0
    return dest


def release_readme_change(template: Path) -> None:
    """Template v1.1.0: the README's second line changes."""
    readme = template / "template/README.md.jinja"
    readme.write_text("# {{ project_name }}\n\nWritten by {{ author_name }}, {{ license }}.\n")
    tag_template(template, "v1.1.0", "v1.1.0")


def edit_readme(library: Path) -> None:
    """The author changes the same line of the README, and commits."""
    (library / "README.md").write_text("# fake-lib\n\nBy the fake-lib team.\n")
    git(library, "commit", "-qam", "Our README")


@pytest.mark.slow
def test_update_reports_a_conflict_until_it_is_resolved(
    tagged_template: Path, old_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release_readme_change(tagged_template)
    edit_readme(old_library)
    capsys.readouterr()
    assert main(["update", str(old_library)]) == 1
    out, err = capsys.readouterr()
    assert "  .copier-answers.yml: v1.0.0 -> v1.1.0" in out
    assert "README.md" in out  # among the changed files
    conflicts = [line for line in err.splitlines() if line.startswith("conflict: ")]
    assert conflicts == [f"conflict: README.md: {_RESOLVE['inline']}"]
    assert err.splitlines()[-1].startswith("error: the update left 1 conflict(s) in ")
    lines = (old_library / "README.md").read_text().splitlines()
    assert "<<<<<<< before updating" in lines and ">>>>>>> after updating" in lines

    # Run again before resolving: the conflict is still named, nothing else runs.
    assert main(["update", str(old_library)]) == 1
    err = capsys.readouterr().err
    assert f"conflict: README.md: {_RESOLVE['inline']}" in err
    assert "an earlier update left 1 conflict(s)" in err

    # Resolve, commit: the library is up to date.
    (old_library / "README.md").write_text("# fake-lib\n\nWritten by the fake-lib team.\n")
    git(old_library, "commit", "-qam", "Update to template v1.1.0")
    assert main(["update", str(old_library)]) == 0
    out = capsys.readouterr().out
    assert "  .copier-answers.yml: kept v1.1.0" in out
    assert "Nothing changed" in out
    assert git_out(old_library, "status", "--porcelain") == ""


@pytest.mark.slow
def test_update_can_leave_conflicts_in_rej_files(
    tagged_template: Path, old_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release_readme_change(tagged_template)
    edit_readme(old_library)
    capsys.readouterr()
    assert main(["update", str(old_library), "--conflict", "rej"]) == 1
    err = capsys.readouterr().err
    assert "conflict: README.md: apply the hunks of README.md.rej by hand, then delete " in err
    assert (old_library / "README.md.rej").is_file()
    assert "<<<<<<<" not in (old_library / "README.md").read_text()
    (old_library / "README.md.rej").unlink()
    assert main(["update", str(old_library), "--conflict", "rej"]) == 1
    assert "uncommitted change(s)" in capsys.readouterr().err


def test_update_refuses_a_dirty_tree(
    tagged_template: Path, old_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release_readme_change(tagged_template)
    (old_library / "notes.txt").write_text("work in progress\n")
    before = snapshot(old_library)
    capsys.readouterr()
    assert main(["update", str(old_library)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {old_library} has 1 uncommitted change(s) (notes.txt): ")
    assert "commit or stash them" in err
    assert snapshot(old_library) == before


def test_update_refuses_a_library_outside_git(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "lib"
    assert main(["new", str(dest), "--template", str(template), "--no-git"]) == 0
    capsys.readouterr()
    assert main(["update", str(dest)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {dest} is not a git repository, and copier update needs one")
    assert "git init" in err


def test_update_refuses_a_directory_that_is_no_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["update", str(tmp_path)]) == 1
    assert "is not a rendered library" in capsys.readouterr().err


@pytest.mark.slow
def test_update_brings_the_library_and_each_task_forward(
    tagged_template: Path, old_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = add_tabular(old_library)
    release_example_change(tagged_template)
    capsys.readouterr()
    assert main(["update", str(old_library)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  .copier-answers.yml: v1.0.0 -> v1.1.0" in out
    assert "  .copier-answers.tabular-classification.yml: v1.0.0 -> v1.1.0" in out
    for task in ("template", "tabular"):
        example_file = old_library / f"examples/{task}_classification.py"
        assert example_file.read_text() == 'print("v1.1.0 classification")\n'
        assert f"   M examples/{task}_classification.py" in out
    # Every change is left uncommitted and unstaged, the branch where it was.
    assert git_out(old_library, "rev-parse", "HEAD") == head
    assert git_out(old_library, "diff", "--cached", "--name-only") == ""


# --- flash-task check offers every check it has --------------------------------------------------


def test_check_offers_exactly_the_runner_s_checks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"among {', '.join(CHECKS)} (default: jinja,lint,format,types,tests)" in help_text
    assert set(CHECKS) == {"jinja", "lint", "format", "types", "install", "tests"}


# --- keeping a library whole: the merges, on hand-edited files ----------------------------------

VIEW_README = """\
# lib

| task | classes | documentation |
| --- | --- | --- |
| `tabular/regression` | `TabularRegressor` | [docs](docs/tabular_regression.md) |
"""

VIEW_CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- The `tabular/regression` task: `TabularRegressor` and
  `TabularData`.
"""

VIEW_PYPROJECT = """\
[project]
name = "lib"
dependencies = ["numpy>=1.24", "pandas>=2.0", "torch>=2.1"]
"""

VIEW_INIT = '''\
"""Tabular tasks."""

from .regression import TabularData, TabularRegressor

__all__ = ["TabularData", "TabularRegressor"]
'''


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_library_edits_merge_into_files_the_author_changed(tmp_path: Path) -> None:
    init = "src/lib/tabular/__init__.py"
    view = write_files(
        tmp_path / "view",
        {
            "README.md": VIEW_README,
            "CHANGELOG.md": VIEW_CHANGELOG,
            "pyproject.toml": VIEW_PYPROJECT,
            init: VIEW_INIT,
        },
    )
    library = write_files(
        tmp_path / "lib",
        {
            "README.md": (
                "# lib, by hand\n\nOur tasks:\n\n| task | classes | documentation |\n"
                "|---|---|---|\n| `tabular/classification` | `TabularClassifier` | ours |\n"
                "\nMore words.\n"
            ),
            "CHANGELOG.md": (
                "# Changelog\n\n## [0.1.0] - 2026-01-01\n\n### Added\n\n- The first task.\n"
            ),
            "pyproject.toml": (
                '[project]\nname = "lib"  # our name\ndependencies = [\n'
                '    # Arrays.\n    "numpy>=1.26",\n    "torch>=2.1",  # the model\n]\n\n'
                "[tool.ruff]\nline-length = 60\n"
            ),
            init: (
                '"""Tabular tasks."""\n\nfrom .classification import TabularClassifier, '
                "TabularData\n\n__all__ = [\n"
                '    "TabularClassifier",\n    "TabularData",\n]\n'
            ),
        },
    )
    edits, notes = library_edits(library, view, [init])
    texts = {edit.path: edit.text for edit in edits}
    assert texts["README.md"].splitlines()[6:9] == [
        "| `tabular/classification` | `TabularClassifier` | ours |",
        "| `tabular/regression` | `TabularRegressor` | [docs](docs/tabular_regression.md) |",
        "",
    ]
    assert texts["README.md"].endswith("\nMore words.\n")
    # No [Unreleased] section yet: one is opened above the last release.
    assert texts["CHANGELOG.md"] == (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n"
        "- The `tabular/regression` task: `TabularRegressor` and\n  `TabularData`.\n\n"
        "## [0.1.0] - 2026-01-01\n\n### Added\n\n- The first task.\n"
    )
    pyproject = texts["pyproject.toml"]
    assert pyproject == (
        '[project]\nname = "lib"  # our name\ndependencies = [\n'
        '    # Arrays.\n    "numpy>=1.26",\n    "pandas>=2.0",\n    "torch>=2.1",  # the model\n'
        "]\n\n[tool.ruff]\nline-length = 60\n"
    )
    assert tomlkit.parse(pyproject).unwrap()["project"]["dependencies"] == [
        "numpy>=1.26",
        "pandas>=2.0",
        "torch>=2.1",
    ]
    assert texts[init] == (
        '"""Tabular tasks."""\n\nfrom .classification import TabularClassifier, TabularData\n'
        'from .regression import TabularRegressor\n\n__all__ = [\n    "TabularClassifier",\n'
        '    "TabularData",\n    "TabularRegressor",\n]\n'
    )
    assert notes == [
        f"{init} already binds TabularData, so it does not re-export the new task's "
        "TabularData; import that one from its own module (.regression)"
    ]


def test_library_edits_leave_what_they_cannot_place_to_the_author(tmp_path: Path) -> None:
    view = write_files(
        tmp_path / "view", {"README.md": VIEW_README, "CHANGELOG.md": VIEW_CHANGELOG}
    )
    library = write_files(
        tmp_path / "lib",
        {
            "README.md": "# lib\n\nNo table here.\n",
            "CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- A bug.\n",
        },
    )
    edits, notes = library_edits(library, view, [])
    assert [edit.path for edit in edits] == ["CHANGELOG.md"]
    assert edits[0].text == (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n"
        "- The `tabular/regression` task: `TabularRegressor` and\n  `TabularData`.\n\n"
        "### Fixed\n\n- A bug.\n"
    )
    assert len(notes) == 1
    assert notes[0].startswith("README.md has no table headed | task | classes | documentation |")
    assert "| `tabular/regression` |" in notes[0]


def test_library_edits_refuse_a_pyproject_that_is_not_toml(tmp_path: Path) -> None:
    view = write_files(tmp_path / "view", {"pyproject.toml": VIEW_PYPROJECT})
    library = write_files(tmp_path / "lib", {"pyproject.toml": "[project\n"})
    with pytest.raises(LibraryError, match=r"pyproject\.toml cannot be read as TOML"):
        library_edits(library, view, [])


@pytest.mark.slow
def test_update_a_task_s_conflict_after_the_library_s_clean_update(
    tagged_template: Path, old_library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The library's update runs first and merges cleanly; the added task's then conflicts.
    head = add_tabular(old_library, example='print("ours")\n')
    release_example_change(tagged_template)
    capsys.readouterr()
    assert main(["update", str(old_library)]) == 1
    out, err = capsys.readouterr()
    assert "  .copier-answers.yml: v1.0.0 -> v1.1.0" in out, err
    assert "  .copier-answers.tabular-classification.yml: v1.0.0 -> v1.1.0" in out
    assert f"conflict: examples/tabular_classification.py: {_RESOLVE['inline']}" in err
    # The generator's own commit between the two updates is gone; the changes are not staged,
    # and git still holds the conflicted file as unmerged.
    assert git_out(old_library, "rev-parse", "HEAD") == head
    status = git_out(old_library, "status", "--porcelain").splitlines()
    assert " M examples/template_classification.py" in status
    unmerged = git_out(old_library, "diff", "--name-only", "--diff-filter=U")
    assert unmerged == "examples/tabular_classification.py"


VIEW_IMAGE_PYPROJECT = """\
[project]
name = "lib"
dependencies = [
    "numpy>=1.24",
    # Image files are decoded with Pillow.
    "pillow>=10.0",
    "torch>=2.1",
    # Transforms and backbones.
    "torchvision>=0.16",
]

[[tool.mypy.overrides]]
module = ["sklearn.*", "torchvision.*"]
ignore_missing_imports = true

[[tool.mypy.overrides]]
module = "tests.*"
disallow_untyped_defs = false
"""

VIEW_WORKFLOW = """\
jobs:
  checks:
    steps:
      - name: Install
        run: |
          python -m pip install --upgrade pip
          # The pair, CPU builds.
          python -m pip install torch==2.14.1 torchvision==0.29.1 --index-url https://x.test/cpu
          python -m pip install -e '.[test]'
"""

VIEW_IMAGE_README = """\
# lib

## Install

```bash
pip install -e '.[test]'
```

Install torch and torchvision as a pair first.

## Tasks

| task | classes |
| --- | --- |
| `image/classification` | `ImageClassifier` |
"""


def test_library_edits_give_an_edited_library_what_an_image_task_needs(tmp_path: Path) -> None:
    workflow = ".github/workflows/ci.yml"
    view = write_files(
        tmp_path / "view",
        {
            "pyproject.toml": VIEW_IMAGE_PYPROJECT,
            workflow: VIEW_WORKFLOW,
            "README.md": VIEW_IMAGE_README,
        },
    )
    library = write_files(
        tmp_path / "lib",
        {
            "pyproject.toml": (
                '[project]\nname = "lib"\ndependencies = [\n    "numpy>=1.24",\n'
                '    "torch>=2.1",\n]\n\n[tool.mypy]\nstrict = true  # ours\n\n'
                '[[tool.mypy.overrides]]\n# Untyped.\nmodule = "sklearn.*"\n'
                "ignore_missing_imports = true\n"
            ),
            workflow: (
                "jobs:\n  checks:\n    steps:\n      - name: Install (ours)\n        run: |\n"
                "          python -m pip install --upgrade pip\n"
                "          # Our words on torch.\n          # More of them.\n"
                "          python -m pip install torch --index-url https://x.test/cpu\n"
                "          python -m pip install -e '.[test]'\n      - run: echo ours\n"
            ),
            "README.md": (
                "# lib\n\n## Install\n\n```bash\npip install -e '.[test]'\n```\n\n"
                "Our own note.\n\n## Tasks\n\n| task | classes |\n| --- | --- |\n"
                "| `tabular/classification` | `TabularClassifier` |\n"
            ),
        },
    )
    edits, notes = library_edits(library, view, [])
    assert notes == []
    texts = {edit.path: edit.text for edit in edits}
    assert {edit.path: edit.what for edit in edits} == {
        "README.md": "task table, install notes",
        "pyproject.toml": (
            "dependencies: pillow>=10.0, torchvision>=0.16; mypy overrides: torchvision.*, tests.*"
        ),
        workflow: "installs torchvision first",
    }
    # Each dependency comes with its comment; the string module becomes a list; an override
    # with other settings is added as it is.
    assert texts["pyproject.toml"] == (
        '[project]\nname = "lib"\ndependencies = [\n    "numpy>=1.24",\n'
        '    # Image files are decoded with Pillow.\n    "pillow>=10.0",\n    "torch>=2.1",\n'
        '    # Transforms and backbones.\n    "torchvision>=0.16",\n]\n\n'
        "[tool.mypy]\nstrict = true  # ours\n\n"
        '[[tool.mypy.overrides]]\n# Untyped.\nmodule = ["sklearn.*", "torchvision.*"]\n'
        "ignore_missing_imports = true\n\n"
        '[[tool.mypy.overrides]]\nmodule = ["tests.*"]\ndisallow_untyped_defs = false\n'
    )
    # The line installing torch alone, and the comments above it, become the pair's; the rest
    # of the author's workflow stays.
    assert texts[workflow] == (
        "jobs:\n  checks:\n    steps:\n      - name: Install (ours)\n        run: |\n"
        "          python -m pip install --upgrade pip\n"
        "          # The pair, CPU builds.\n"
        "          python -m pip install torch==2.14.1 torchvision==0.29.1 --index-url"
        " https://x.test/cpu\n"
        "          python -m pip install -e '.[test]'\n      - run: echo ours\n"
    )
    assert texts["README.md"] == (
        "# lib\n\n## Install\n\n```bash\npip install -e '.[test]'\n```\n\n"
        "Our own note.\n\nInstall torch and torchvision as a pair first.\n\n"
        "## Tasks\n\n| task | classes |\n| --- | --- |\n"
        "| `tabular/classification` | `TabularClassifier` |\n"
        "| `image/classification` | `ImageClassifier` |\n"
    )
    # Once merged, nothing is left to add.
    write_files(library, texts)
    assert library_edits(library, view, []) == ([], [])


def test_library_edits_name_the_workflow_lines_they_cannot_place(tmp_path: Path) -> None:
    workflow = ".github/workflows/ci.yml"
    view = write_files(
        tmp_path / "view", {workflow: VIEW_WORKFLOW, "pyproject.toml": VIEW_IMAGE_PYPROJECT}
    )
    # The author installs from requirements files: no line installs torch to widen.
    text = "jobs:\n  checks:\n    steps:\n      - run: pip install -r requirements.txt\n"
    library = write_files(tmp_path / "lib", {workflow: text})
    edits, notes = library_edits(library, view, [])
    assert edits == []
    assert notes == [
        f"{workflow} does not install torch, torchvision, which the new task needs; add these "
        "lines before the project's own install: # The pair, CPU builds. / python -m pip "
        "install torch==2.14.1 torchvision==0.29.1 --index-url https://x.test/cpu"
    ]
