"""What the template renders: Flash's reference names by default, a regressor on request."""

import ast
import importlib.metadata
import re
import shutil
import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pytest
import tomlkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from generator import (
    AnswerError,
    envs,
    leftover_jinja,
    load_config,
    mypy_run,
    read_answers,
    render,
)
from generator.questionnaire import Questionnaire
from generator.runner import CHECKS
from generator.template import TEMPLATE_ROOT

TASK = Path("src/flash_tasks/template/classification")


@pytest.mark.parametrize("name", ["backbones.py", "data.py", "model.py", "__init__.py"])
def test_defaults_render_the_reference_task_files(default_project: Path, name: str) -> None:
    assert (default_project / TASK / name).is_file()


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("TEMPLATE_BACKBONES", "backbones.py"),
        ("TemplateData", "data.py"),
        ("TemplateSKLearnClassifier", "model.py"),
    ],
)
def test_defaults_use_flash_reference_names(default_project: Path, name: str, where: str) -> None:
    assert name in (default_project / TASK / where).read_text(encoding="utf-8")
    assert name in (default_project / TASK / "__init__.py").read_text(encoding="utf-8")


def test_defaults_render_the_core_package(default_project: Path) -> None:
    core = default_project / "src/flash_tasks/core"
    assert (core / "__init__.py").is_file()
    assert "class Trainer" in (core / "trainer.py").read_text(encoding="utf-8")


def test_answers_file_records_the_answers(default_project: Path) -> None:
    answers = read_answers(default_project)
    assert answers["_src_path"]
    assert answers["project_name"] == "flash-tasks"
    assert answers["library_name"] == "flash_tasks"
    assert answers["data_type"] == "template"
    assert answers["task_type"] == "classification"
    assert answers["model_class"] == "TemplateSKLearnClassifier"
    # Computed questions (when: false) are derived on every render, never recorded.
    assert "data_class" not in answers
    # Every question asked for these answers is recorded (image_size and tokenizer are not
    # asked for tables).
    asked = set(Questionnaire.from_file().evaluate({}).asked)
    assert "modality" in asked and not {"image_size", "tokenizer"} & asked
    assert asked <= set(answers)


def test_answers_file_records_non_default_answers(regression_project: Path) -> None:
    answers = read_answers(regression_project)
    assert answers["task_type"] == "regression"
    assert answers["model_class"] == "TemplateSKLearnRegressor"


def test_renderings_leave_no_jinja(rendered_project: Path) -> None:
    result = leftover_jinja(rendered_project)
    if not result.ok:
        pytest.fail(str(result), pytrace=False)


def test_regression_renders_a_regression_task(regression_project: Path) -> None:
    task = regression_project / "src/flash_tasks/template/regression"
    model = (task / "model.py").read_text(encoding="utf-8")
    assert "class TemplateSKLearnRegressor(RegressionTask):" in model
    assert "ClassificationTask" not in model
    assert not (regression_project / "src/flash_tasks/template/classification").exists()


def test_refused_answer_raises_answer_error_and_writes_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "refused"
    with pytest.raises(AnswerError) as refused:
        render(dest, {"library_name": "Bad-Name"})
    assert refused.value.question == "library_name"
    assert "Bad-Name" in refused.value.message
    assert "\n" not in refused.value.message
    assert not dest.exists()


def test_this_template_refuses_an_answer_before_copier_clones_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The questionnaire answers as copier does (tests/test_answers.py checks both on every bad
    # answer), so this template's refusals come without copier's clone; other templates and
    # other revisions still go to copier.
    def no_copier(*args: object, **kwargs: object) -> None:
        raise AssertionError("copier ran")

    monkeypatch.setattr("copier.run_copy", no_copier)
    with pytest.raises(AnswerError, match="must not be a Python keyword"):
        render(tmp_path / "refused", {"library_name": "class"})
    with pytest.raises(AssertionError, match="copier ran"):
        render(tmp_path / "refused", {"library_name": "class"}, vcs_ref="v0.1.0")
    assert not (tmp_path / "refused").exists()


def test_invalid_choice_raises_answer_error(tmp_path: Path) -> None:
    dest = tmp_path / "invalid"
    with pytest.raises(AnswerError) as refused:
        render(dest, {"task_type": "segmentation"})
    assert refused.value.question == "task_type"
    assert "segmentation" in refused.value.message
    assert not dest.exists()


def test_pretend_writes_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "pretend"
    assert render(dest, pretend=True) == dest.resolve()
    assert not dest.exists()


def test_rendered_ci_reads_only_pins_actions_and_installs_cpu_torch(default_project: Path) -> None:
    import re

    import yaml

    text = (default_project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["checks"]["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert {use.split("@")[0] for use in uses} == {"actions/checkout", "actions/setup-python"}
    for use in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use), use
        # The release each commit is, in a comment on the same line.
        assert re.search(re.escape(use) + r" # v\d+\.\d+\.\d+$", text, re.M), use
    install = next(step["run"] for step in steps if step.get("name") == "Install")
    lines = install.splitlines()
    torch_line = next(i for i, line in enumerate(lines) if "install torch" in line)
    assert "--index-url https://download.pytorch.org/whl/cpu" in lines[torch_line]
    assert torch_line < next(i for i, line in enumerate(lines) if "-e '.[test]'" in line)


@pytest.fixture
def mypy_cache() -> Iterator[Path]:
    """A warm mypy cache of this interpreter's, lent to one test's run."""
    with envs.mypy_cache() as cache:
        yield cache


@pytest.mark.slow
def test_the_regression_rendering_passes_mypy(regression_project: Path, mypy_cache: Path) -> None:
    # What `flash-task check --checks types` and the rendered CI run: mypy with [tool.mypy].
    # (The session's `check --subset ci` type-checks the defaults, tests/test_check_matrix.py.)
    assert CHECKS["types"] is mypy_run
    result = mypy_run(regression_project, cache_dir=mypy_cache)
    assert result.ok, result.output
    assert "Success: no issues found" in result.output


@pytest.mark.slow
def test_the_types_check_fails_on_a_type_error(
    default_project: Path, tmp_path: Path, mypy_cache: Path
) -> None:
    project = tmp_path / "broken"
    shutil.copytree(default_project, project)
    model = project / TASK / "model.py"
    # A deliberate error a task author could make: a number where the backbone's name goes.
    model.write_text(model.read_text(encoding="utf-8") + "\n\nBAD_BACKBONE: str = 128\n")
    result = mypy_run(project, cache_dir=mypy_cache)
    assert not result.ok
    assert "model.py" in result.output
    assert "[assignment]" in result.output


def test_the_pre_commit_configuration_pins_ruff_and_runs_mypy(default_project: Path) -> None:
    import yaml

    config = yaml.safe_load((default_project / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: (repo, hook) for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "mypy"}
    for repo in config["repos"]:
        if repo["repo"] != "local":
            # A released tag, never a branch: v<major>.<minor>.<patch>.
            assert re.fullmatch(r"v\d+\.\d+\.\d+", repo["rev"]), repo
    ruff_repo, ruff_check_hook = hooks["ruff-check"]
    assert ruff_repo["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    assert hooks["ruff-format"][0] is ruff_repo
    assert "--fix" in ruff_check_hook["args"]
    # mypy runs in the project's environment, on the files [tool.mypy] names.
    mypy_repo, mypy_hook = hooks["mypy"]
    assert mypy_repo["repo"] == "local"
    assert mypy_hook["entry"] == "mypy"
    assert mypy_hook["language"] == "system"
    assert mypy_hook["pass_filenames"] is False
    pyproject = tomlkit.parse((default_project / "pyproject.toml").read_text())
    assert pyproject["tool"]["mypy"]["files"] == ["src"]


def test_a_task_added_to_a_library_renders_no_pre_commit_configuration() -> None:
    excluded = load_config()["_exclude"][0]
    assert "/.pre-commit-config.yaml" in excluded.split("{%- endif %}")[0]


def test_the_core_and_its_tests_differ_between_renderings_only_in_the_library_name() -> None:
    # Each rendering that has a core has all of it (copier.yml excludes the two directories
    # whole), and no file of either holds Jinja but the library's name: so CI runs the core's
    # tests in one rendering per environment (conftest's CI_CORE_SUITES), not in every one.
    template = TEMPLATE_ROOT / "template"
    roots = [template / "src" / "{{ library_name }}" / "core", template / "tests" / "core"]
    files = [path for root in roots for path in root.rglob("*") if path.is_file()]
    assert len(files) > 30
    for path in files:
        relative = path.relative_to(template).as_posix()
        assert not re.search(r"{[{%#]", relative.replace("{{ library_name }}", "", 1)), relative
        if "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8").replace("{{ library_name }}", "")
        assert not re.search(r"{[{%#]|[}%#]}", text), relative


def _imported_modules(tree: ast.Module) -> set[str]:
    """The top-level modules that a file imports, anywhere in it (relative imports left out)."""
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_every_module_the_package_imports_comes_from_what_it_declares(
    rendered_project: Path,
) -> None:
    # A module that only comes along with another requirement (typing_extensions with torch)
    # is one release of that requirement away from missing.
    project = tomlkit.parse((rendered_project / "pyproject.toml").read_text()).unwrap()["project"]
    declared = {
        canonicalize_name(Requirement(text).name)
        for text in [*project["dependencies"], *chain(*project["optional-dependencies"].values())]
    }
    providers = importlib.metadata.packages_distributions()
    package = rendered_project / "src"
    own = {path.name for path in package.iterdir() if (path / "__init__.py").is_file()}
    undeclared = {}
    for path in sorted(package.rglob("*.py")):
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            if module in sys.stdlib_module_names or module in own:
                continue
            names = {canonicalize_name(name) for name in providers.get(module, [module])}
            if not names & declared:
                undeclared.setdefault(module, []).append(str(path.relative_to(rendered_project)))
    assert undeclared == {}, f"imported but not declared in pyproject.toml: {undeclared}"
