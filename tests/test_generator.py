"""Unit tests of the generator itself: the template's questions, the checks and the CLI."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator import (
    COPIER_FILE,
    TEMPLATE_ROOT,
    AnswerError,
    CheckResult,
    asked_questions,
    choice_values,
    computed_questions,
    is_computed,
    leftover_jinja,
    load_config,
    load_questions,
    mypy_run,
    package_build,
    pytest_run,
    ruff_check,
)
from generator.cli import build_parser, main
from generator.render import _as_answer_error

# --- template.py -------------------------------------------------------------------------------


def test_template_root_is_the_repository() -> None:
    assert TEMPLATE_ROOT.is_absolute()
    assert COPIER_FILE == TEMPLATE_ROOT / "copier.yml"
    assert COPIER_FILE.is_file()
    assert (TEMPLATE_ROOT / load_config()["_subdirectory"]).is_dir()


def test_load_questions_leaves_out_settings() -> None:
    questions = load_questions()
    assert not [name for name in questions if name.startswith("_")]
    for name in ("project_name", "library_name", "data_type", "task_type", "model_class"):
        assert name in questions


def test_load_questions_reads_short_form_questions(tmp_path: Path) -> None:
    copier_file = tmp_path / "copier.yml"
    copier_file.write_text("_subdirectory: template\nname: world\nage:\n  type: int\n")
    assert load_questions(copier_file) == {"name": {"default": "world"}, "age": {"type": "int"}}


def test_computed_and_asked_questions_split_the_template() -> None:
    questions = load_questions()
    computed, asked = computed_questions(questions), asked_questions(questions)
    assert {"class_prefix", "data_class", "backbones_registry", "task_base"} <= set(computed)
    assert {"project_name", "library_name", "task_type", "inputs", "backbones"} <= set(asked)
    assert set(computed) | set(asked) == set(questions)
    assert not set(computed) & set(asked)


@pytest.mark.parametrize(
    ("question", "computed"),
    [
        ({"when": False}, True),
        ({"when": "false"}, True),
        ({"when": True}, False),
        ({"when": "{{ task_type == 'regression' }}"}, False),
        ({}, False),
    ],
)
def test_is_computed(question: dict[str, object], computed: bool) -> None:
    assert is_computed(question) is computed


@pytest.mark.parametrize(
    ("choices", "values"),
    [
        (["MIT", "Apache-2.0"], ["MIT", "Apache-2.0"]),
        ({"numpy arrays": "numpy", "Bunches": "sklearn"}, ["numpy", "sklearn"]),
        ([["numpy arrays", "numpy"], ["Bunches", "sklearn"]], ["numpy", "sklearn"]),
        ({"One": {"value": 1, "validator": "{% if false %}no{% endif %}"}}, [1]),
    ],
)
def test_choice_values_reads_every_form(choices: object, values: list[object]) -> None:
    assert choice_values({"choices": choices}) == values


def test_choice_values_of_the_template() -> None:
    questions = load_questions()
    assert choice_values(questions["task_type"]) == ["classification", "regression"]
    assert {"numpy", "sklearn", "folders", "files"} <= set(choice_values(questions["inputs"]))
    assert choice_values(questions["project_name"]) == []


# --- render.py ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "question", "message"),
    [
        (
            "Validation error for question 'library_name': must be\n  an identifier.\n",
            "library_name",
            "must be an identifier.",
        ),
        (
            "Invalid choice for 'task_type': 'x' is not in ['classification']",
            "task_type",
            "'x' is not in ['classification']",
        ),
        ('Question "project_name" is required', "project_name", "an answer is required"),
    ],
)
def test_copier_refusals_become_answer_errors(text: str, question: str, message: str) -> None:
    error = _as_answer_error(ValueError(text))
    assert isinstance(error, AnswerError)
    assert (error.question, error.message) == (question, message)
    assert str(error) == f"{question}: {message}"


def test_other_value_errors_are_not_answer_errors() -> None:
    assert _as_answer_error(ValueError("something else broke")) is None


# --- checks.py ---------------------------------------------------------------------------------


def test_leftover_jinja_passes_a_clean_project(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text('"""Fine."""\n\nVALUE = {"a": 1}\n')
    result = leftover_jinja(tmp_path)
    assert result == CheckResult("leftover jinja", True, result.seconds, "")


@pytest.mark.parametrize("text", ["{{ x }}", "{% if x %}", "{%- endif %}", "{# note #}", "x }}"])
def test_leftover_jinja_finds_planted_markers(tmp_path: Path, text: str) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "module.py").write_text(f"first = 1\nsecond = '{text}'\n")
    result = leftover_jinja(tmp_path)
    assert not result.ok
    assert "pkg/module.py:2:" in result.output
    assert text in result.output


def test_leftover_jinja_finds_unrendered_file_names(tmp_path: Path) -> None:
    (tmp_path / "{{ library_name }}").mkdir()
    (tmp_path / "{{ library_name }}" / "clean.py").write_text("x = 1\n")
    result = leftover_jinja(tmp_path)
    assert not result.ok
    assert "unrendered file name" in result.output


def test_leftover_jinja_skips_answers_caches_and_binaries(tmp_path: Path) -> None:
    (tmp_path / ".copier-answers.yml").write_text("_src_path: '{{ x }}'\n")
    (tmp_path / ".copier-answers.other.yml").write_text("a: '{% x %}'\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.py").write_text("{{ x }}\n")
    (tmp_path / "blob.bin").write_bytes(b"\0{{ x }}\xff")
    assert leftover_jinja(tmp_path).ok


def test_ruff_check_reports_problems(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["F"]\n')
    (tmp_path / "module.py").write_text("import os\n")
    result = ruff_check(tmp_path)
    assert not result.ok
    assert "F401" in result.output
    (tmp_path / "module.py").write_text("import os\n\nprint(os.sep)\n")
    assert ruff_check(tmp_path).ok


@pytest.mark.slow
def test_mypy_run_reads_the_project_configuration_and_reports_type_errors(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mypy]\nfiles = ["src"]\ndisallow_untyped_defs = true\n'
    )
    (tmp_path / "src").mkdir()
    module = tmp_path / "src" / "typed.py"
    module.write_text("def double(x: int) -> int:\n    return x * 2\n")
    passed = mypy_run(tmp_path)
    assert passed.ok, passed.output
    assert passed.name == "mypy"
    # The cache went to a scratch directory: the project is left as it was.
    assert not (tmp_path / ".mypy_cache").exists()

    module.write_text('def double(x: int) -> int:\n    return f"{x}{x}"\n')
    failed = mypy_run(tmp_path)
    assert not failed.ok
    assert "typed.py:2: error" in failed.output
    assert "[return-value]" in failed.output
    # The project's own options apply: an unannotated function is an error there.
    module.write_text("def double(x):\n    return x * 2\n")
    assert "[no-untyped-def]" in mypy_run(tmp_path).output


@pytest.mark.slow
def test_pytest_run_passes_fails_and_fails_without_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    (tmp_path / "test_env.py").write_text(
        textwrap.dedent(
            """
            import os

            def test_no_pythonpath():
                assert "PYTHONPATH" not in os.environ
            """
        )
    )
    passed = pytest_run(tmp_path)
    assert passed.ok, passed.output
    assert "1 passed" in passed.output
    assert not (tmp_path / ".pytest_cache").exists()

    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert False\n")
    failed = pytest_run(tmp_path)
    assert not failed.ok
    assert "1 failed" in failed.output
    assert pytest_run(tmp_path, ["-k", "no_pythonpath"]).ok

    empty = tmp_path / "empty"
    empty.mkdir()
    assert not pytest_run(empty).ok


def test_check_result_str() -> None:
    assert str(CheckResult("ruff check", True, 0.25, "")) == "ruff check: ok (0.2s)"
    assert str(CheckResult("pytest", False, 2.0, "boom\n")) == "pytest: FAILED (2.0s)\nboom"


# --- cli.py ------------------------------------------------------------------------------------


def test_cli_refused_answer_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "bad"
    assert main(["new", str(dest), "--defaults", "--data", "library_name=Bad-Name"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: library_name: ")
    assert "Bad-Name" in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not dest.exists()


@pytest.mark.slow
def test_cli_pretend_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "pretend"
    assert main(["new", str(dest), "--defaults", "--pretend", "-d", "task_type=regression"]) == 0
    assert not dest.exists()
    assert "nothing was written" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_new_renders_and_prints_next_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "project"
    argv = ["new", str(dest), "--defaults", "-d", "task_type=regression", "-d", "inputs=numpy"]
    assert main(argv) == 0
    answers = (dest / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "task_type: regression" in answers
    assert "- numpy" in answers and "- sklearn" not in answers
    out = capsys.readouterr().out
    assert f"cd {dest}" in out
    assert "python examples/template_regression.py" in out


def test_cli_rejects_malformed_data(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["new", "somewhere", "--data", "no-equals-sign"])
    assert exited.value.code == 2
    assert "expected key=value" in capsys.readouterr().err


def test_cli_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "new" in build_parser().format_help()


@pytest.mark.slow
def test_cli_runs_as_a_module(tmp_path: Path) -> None:
    dest = tmp_path / "bad"
    completed = subprocess.run(
        [sys.executable, "-m", "generator.cli", "new", str(dest), "-d", "project_name=Bad"],
        cwd=TEMPLATE_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.startswith("error: project_name: ")
    assert "Traceback" not in completed.stderr
    assert not dest.exists()


def _minimal_project(root: Path, pyproject: str) -> Path:
    (root / "src/pkg").mkdir(parents=True)
    (root / "src/pkg/__init__.py").write_text('"""A package."""\n')
    (root / "src/pkg/py.typed").write_text("")
    (root / "pyproject.toml").write_text(pyproject)
    return root


@pytest.mark.slow
def test_package_build_builds_the_wheel_pip_would_install(tmp_path: Path) -> None:
    project = _minimal_project(
        tmp_path,
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "pkg"\nversion = "0.1.0"\n'
        '[tool.setuptools.package-data]\n"*" = ["py.typed"]\n',
    )
    result = package_build(project)
    assert result.ok, result.output
    assert "pkg/__init__.py" in result.output
    assert not list(project.glob("*.whl"))


@pytest.mark.slow
def test_package_build_fails_on_invalid_metadata(tmp_path: Path) -> None:
    project = _minimal_project(
        tmp_path,
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "pkg"\nversion = "not a version"\n',
    )
    result = package_build(project)
    assert not result.ok
