"""Bad answers are refused before anything is written; free text renders safely (issue #5).

Every bad answer in :data:`CASES` is given three ways — to copier's own API, to the generator's
``render`` and to ``flash-task new`` — and each must refuse it, name the question, and leave the
destination missing. A refusal renders nothing, so each costs one clone of the template.

Free text (``description``, ``author_name``) with quotes, backslashes, a newline, Jinja markers
and non-ASCII must render into valid TOML, Markdown and Python that passes ruff.
"""

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import copier
import pytest
from copier.errors import CopierError
from jinja2.utils import htmlsafe_json_dumps

from generator import (
    TEMPLATE_ROOT,
    AnswerError,
    Questionnaire,
    read_answers,
    render,
    ruff_check,
    ruff_format,
)
from generator.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with tomli, when installed
    tomllib = pytest.importorskip("tomli")

# --- the bad answers ---------------------------------------------------------------------------

IDENTIFIER = "must be a lowercase Python identifier"
PASCAL_CASE = "must be a PascalCase Python identifier"
KEYWORD = "must not be a Python keyword"
SHADOWS = "would shadow the module of that name"
LAYOUT = "is taken by the project's own layout"
COMPUTED = "is computed from the other answers and cannot be set"
ONE_LINE = "must be one line without control characters"
EMAIL = "must be an address such as name@example.com"
IMPORTED = "is a name the task's modules import or a builtin"
NOT_IN = "is not in"


def case(kind: str, question: str, fragment: str, label: str = "", **data: Any) -> Any:
    """One bad answer set: the question it must be refused for and a fragment of the message.

    Args:
        kind: The class of bad answer, which starts the test id.
        question: The question that must be named.
        fragment: Text the refusal's message must hold (whitespace-normalized).
        label: The test id's tail; defaults to ``question=value`` of the refused answer.
        **data: The answers to give.
    """
    label = label or f"{question}={data[question]!r}"
    return pytest.param(question, fragment, data, id=f"{kind}:{label}")


CASES = [
    # Not a valid identifier.
    case("identifier", "library_name", IDENTIFIER, library_name="Bad-Name"),
    case("identifier", "library_name", IDENTIFIER, library_name="1abc"),
    case("identifier", "data_type", IDENTIFIER, data_type="my-data"),
    case("identifier", "model_class", PASCAL_CASE, model_class="lowercase"),
    case("identifier", "model_class", PASCAL_CASE, model_class="Has Space"),
    # Path separators and parent directories, which would render outside src/.
    *(
        case("path", question, IDENTIFIER, **{question: value})
        for question in ("library_name", "data_type")
        for value in ("a/b", "..", "../evil")
    ),
    # Empty answers.
    case("empty", "library_name", IDENTIFIER, library_name=""),
    case("empty", "data_type", IDENTIFIER, data_type=""),
    case("empty", "model_class", PASCAL_CASE, model_class=""),
    case("empty", "author_name", "author_name must not be empty", author_name="  "),
    # Python keywords.
    case("keyword", "library_name", KEYWORD, library_name="class"),
    case("keyword", "data_type", KEYWORD, data_type="import"),
    case("keyword", "model_class", KEYWORD, model_class="None"),
    case("keyword", "model_class", KEYWORD, model_class="True"),
    # Names of the standard library and of the stack.
    *(
        case("reserved", "library_name", SHADOWS, library_name=name)
        for name in ("json", "torch", "numpy", "sklearn", "pytorch_lightning", "os")
    ),
    # Collisions with the library's own packages and the task's other classes.
    case("collision", "data_type", "is taken by the library's own", data_type="core"),
    case("collision", "data_type", "is taken by the library's own", data_type="tests"),
    case(
        "collision",
        "model_class",
        "is the name of the task's data module",
        data_type="template",
        model_class="TemplateData",
    ),
    case(
        "collision",
        "model_class",
        "is the name of the task's data module",
        data_type="tabular",
        model_class="TabularData",
    ),
    *(
        case("collision", "model_class", "is the name of a core class", model_class=name)
        for name in ("Trainer", "Task", "DataModule")
    ),
    case("collision", "model_class", "must not end in 'Input'", model_class="TemplateInput"),
    # A default backbone that is not among the chosen backbones.
    case("backbone", "default_backbone", f"'linear' {NOT_IN}", default_backbone="linear"),
    case(
        "backbone",
        "default_backbone",
        f"'mlp-128' {NOT_IN}",
        label="backbones=['linear'],default_backbone='mlp-128'",
        backbones=["linear"],
        default_backbone="mlp-128",
    ),
    # Invalid choices.
    case("choice", "task_type", f"'segmentation' {NOT_IN}", task_type="segmentation"),
    case("choice", "inputs", f"'parquet' {NOT_IN}", inputs=["parquet"]),
    # Too long.
    case(
        "too-long",
        "library_name",
        "at most 30 characters",
        "library_name=31",
        library_name="a" * 31,
    ),
    case("too-long", "data_type", "at most 20 characters", "data_type=21", data_type="a" * 21),
    case(
        "too-long",
        "model_class",
        "at most 40 characters",
        "model_class=41",
        model_class="M" + "a" * 40,
    ),
    # Not a usable learning rate.
    case("learning-rate", "learning_rate", "must be a positive number", learning_rate="abc"),
    case("learning-rate", "learning_rate", "must be a positive number", learning_rate="-1"),
    case("learning-rate", "learning_rate", "must be above 0", learning_rate="0"),
    # Not a module path.
    case("module", "core_import", "must be a dotted module path", core_import="not a module"),
    # A command line needs an input it can name.
    case(
        "cli",
        "cli",
        "cli needs an input that a command line can name",
        label="cli=True,inputs=['tensor']",
        cli=True,
        inputs=["tensor"],
    ),
    # A trailing newline (which `$` alone would let through) or a space around a name.
    *(
        case("newline", question, fragment, **{question: value})
        for question, value, fragment in (
            ("project_name", "flash-tasks\n", "lowercase letters, digits and single dashes"),
            ("library_name", "my_lib\n", IDENTIFIER),
            ("library_name", " my_lib", IDENTIFIER),
            ("data_type", "tabular\n", IDENTIFIER),
            ("model_class", "MyModel\n", PASCAL_CASE),
            ("learning_rate", "0.1\n", "must be a positive number"),
            ("core_import", "mylib.core\n", "must be a dotted module path"),
            ("author_email", "a@example.com\n", EMAIL),
            ("description", "One line.\n", ONE_LINE),
            ("author_name", "Ada\n", ONE_LINE),
        )
    ),
    # Free text that no file may hold on one line.
    case("text", "description", ONE_LINE, "description=NUL", description="a\x00b"),
    case("text", "description", ONE_LINE, "description=U+2028", description="a\u2028b"),
    case("text", "description", ONE_LINE, "description=surrogate", description="a\ud800b"),
    case("text", "author_name", ONE_LINE, "author_name=tab", author_name="A\tB"),
    case("text", "description", "must not start or end with a space", description=" lead"),
    case("text", "author_name", "must not start or end with a space", author_name="Ada "),
    case("text", "description", "at most 300", "description=301", description="x" * 301),
    case("text", "description", "must not be empty", description=""),
    # Addresses the package metadata would refuse.
    *(
        case("email", "author_email", EMAIL, author_email=value)
        for value in ("x@y", 'a"b@example.com', "a b@example.com", "ü@example.com", "@x.org")
    ),
    # Computed answers cannot be set from outside.
    *(
        case("computed", name, COMPUTED, **{name: value})
        for name, value in (
            ("lr_scheduler_spec", "__import__('os').system('true')"),
            ("shadowed_modules", "[]"),
            ("task_title", "../../evil"),
            ("data_class", "Evil"),
            ("task_exports_all", "[x]"),
        )
    ),
    # More names that would shadow an importable module, or the project's own layout.
    *(
        case("reserved", "library_name", SHADOWS, library_name=name)
        for name in ("tqdm", "sympy", "yaml", "setuptools", "typing")
    ),
    *(
        case("layout", "library_name", LAYOUT, library_name=name)
        for name in ("test", "conftest", "src", "setup")
    ),
    *(
        case("layout", "data_type", "is taken by the library's own", data_type=name)
        for name in ("conftest", "src", "test")
    ),
    # Names the rendered modules import or define, and the core's own.
    *(
        case("collision", "model_class", IMPORTED, model_class=name)
        for name in ("Path", "Any", "Tensor", "F", "ValueError", "I")
    ),
    *(
        case("collision", "model_class", "is the name of a core class", model_class=name)
        for name in ("LossSpec", "Standardize", "ClassificationTask")
    ),
    # Numbers with a leading zero, which ruff orders apart from their value.
    case("digits", "data_type", "leading zero", data_type="x01"),
    case("digits", "model_class", "leading zero", model_class="Model007"),
    # Module paths that are not an existing codebase's core.
    case("module", "core_import", "must not hold a Python keyword", core_import="a.class"),
    case("module", "core_import", "not one of the standard library", core_import="os.path"),
    case("module", "core_import", "must not be inside the library", core_import="flash_tasks.x"),
    # Not a distribution name.
    case(
        "project",
        "project_name",
        "lowercase letters, digits and single dashes",
        project_name="Bad_Name",
    ),
]


def one_line(text: str) -> str:
    """Collapse all whitespace, as messages folded from YAML break lines anywhere."""
    return " ".join(text.split())


def cli_args(data: dict[str, Any]) -> list[str]:
    """Spell answers as ``flash-task`` ``--data`` arguments (lists comma-separated)."""
    args = []
    for key, value in data.items():
        if isinstance(value, bool):
            value = str(value).lower()
        elif isinstance(value, list):
            value = ",".join(value)
        args += ["--data", f"{key}={value}"]
    return args


# Each way of giving the answers returns the refusal's message, having checked that it names
# the question as that way promises to.
Refuse = Callable[[Path, dict[str, Any], str, pytest.CaptureFixture[str]], str]


def refused_by_copier(
    dest: Path, data: dict[str, Any], question: str, capsys: pytest.CaptureFixture[str]
) -> str:
    with pytest.raises(ValueError) as refused:
        copier.run_copy(
            str(TEMPLATE_ROOT),
            dest,
            data=data,
            defaults=True,
            vcs_ref="HEAD",
            unsafe=False,
            quiet=True,
        )
    message = str(refused.value)
    assert f"'{question}'" in message
    return message


def refused_by_render(
    dest: Path, data: dict[str, Any], question: str, capsys: pytest.CaptureFixture[str]
) -> str:
    with pytest.raises(AnswerError) as refused:
        render(dest, data)
    assert refused.value.question == question
    assert "\n" not in refused.value.message
    return refused.value.message


def refused_by_cli(
    dest: Path, data: dict[str, Any], question: str, capsys: pytest.CaptureFixture[str]
) -> str:
    capsys.readouterr()
    assert main(["new", str(dest), "--defaults", *cli_args(data)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {question}: ")
    assert err.count("\n") == 1 and err.endswith("\n")
    return err


def kinds(cases: list[Any], per_kind: int) -> list[Any]:
    """The first cases of each kind of bad answer (a case's id starts with its kind)."""
    seen: dict[str, int] = {}
    chosen = []
    for param in cases:
        kind = param.id.split(":")[0]
        if seen.get(kind, 0) < per_kind:
            seen[kind] = seen.get(kind, 0) + 1
            chosen.append(param)
    return chosen


# Each case costs a clone of the template per way, so every case goes to the questionnaire
# (which follows copier's steps in microseconds, below) and the first cases of each kind to
# copier's own API, to `flash-task new` (which refuses through `render`) and to `render`. The
# quick suite keeps the `render` way; the slow tests add copier's API and `flash-task new`.
WAYS = [
    *(
        pytest.param(
            refused_by_copier, *param.values, id=f"copier-{param.id}", marks=pytest.mark.slow
        )
        for param in kinds(CASES, 3)
    ),
    *(
        pytest.param(refused_by_cli, *param.values, id=f"cli-{param.id}", marks=pytest.mark.slow)
        for param in kinds(CASES, 2)
    ),
    *(
        pytest.param(refused_by_render, *param.values, id=f"render-{param.id}")
        for param in kinds(CASES, 1)
    ),
]


@pytest.mark.parametrize(("refuse", "question", "fragment", "data"), WAYS)
def test_bad_answer_is_refused_before_anything_is_written(
    refuse: Refuse,
    question: str,
    fragment: str,
    data: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dest = tmp_path / "project"
    message = refuse(dest, data, question, capsys)
    assert fragment in one_line(message)
    assert not dest.exists()


QUESTIONNAIRE = Questionnaire.from_file()


@pytest.mark.parametrize(("question", "fragment", "data"), CASES)
def test_questionnaire_refuses_every_bad_answer_as_copier_does(
    question: str, fragment: str, data: dict[str, Any]
) -> None:
    error = QUESTIONNAIRE.evaluate(data).error
    assert error is not None
    assert error.question == question
    assert fragment in error.message
    assert "\n" not in error.message


# --- existing files ----------------------------------------------------------------------------

USER_README = "# My notes\n\nWritten by hand; not the template's.\n"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def dest_with_readme(tmp_path: Path) -> Path:
    dest = tmp_path / "project"
    dest.mkdir()
    (dest / "README.md").write_text(USER_README, encoding="utf-8")
    return dest


@pytest.mark.slow
def test_copier_api_does_not_overwrite_a_user_file(dest_with_readme: Path) -> None:
    # Without a terminal copier cannot ask whether to overwrite, so it raises. It may have
    # written other files by then; `flash-task new` plans first to write nothing at all.
    with pytest.raises(CopierError):
        copier.run_copy(
            str(TEMPLATE_ROOT),
            dest_with_readme,
            defaults=True,
            vcs_ref="HEAD",
            unsafe=False,
            quiet=True,
            overwrite=False,
        )
    assert (dest_with_readme / "README.md").read_text(encoding="utf-8") == USER_README


@pytest.mark.slow
def test_cli_new_refuses_a_user_file_before_writing_anything(
    dest_with_readme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(dest_with_readme)
    capsys.readouterr()
    assert main(["new", str(dest_with_readme), "--defaults"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "README.md" in err
    assert snapshot(dest_with_readme) == before


# --- free text ---------------------------------------------------------------------------------

TEXTS = (
    'He said "hi" \\ {{ x }} naïve — ünïcode 😀 中文 עברית',
    'O\'Brien "Bob" \\ {% raw %} 😀',
)
JINJA_OPENERS = ("{{", "{%")


@pytest.fixture(
    scope="module",
    params=[TEXTS, TEXTS[::-1]],
    ids=["description-has-jinja", "author-has-jinja"],
)
def free_text(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """The template rendered with awkward free text, and those answers."""
    description, author_name = request.param
    answers = {"description": description, "author_name": author_name}
    return render(tmp_path_factory.mktemp("free-text") / "project", answers), answers


def project_files(project: Path) -> Iterator[Path]:
    """Every rendered file but copier's answers files, which are YAML that copier writes."""
    for path in sorted(project.rglob("*")):
        if path.is_file() and not path.name.startswith(".copier-answers"):
            yield path


def spellings(text: str) -> set[str]:
    """How a rendered file may spell an answer: as typed, folded, or escaped as a string."""
    forms = {text, one_line(text)}
    for form in list(forms):
        forms.add(json.dumps(form)[1:-1])
        forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
        forms.add(str(htmlsafe_json_dumps(form))[1:-1])  # Jinja's tojson
    return forms


@pytest.mark.slow
def test_free_text_round_trips_through_toml(free_text: tuple[Path, dict[str, str]]) -> None:
    project, answers = free_text
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == answers["description"]
    assert pyproject["project"]["authors"][0]["name"] == answers["author_name"]


@pytest.mark.slow
def test_free_text_is_recorded_exactly(free_text: tuple[Path, dict[str, str]]) -> None:
    project, answers = free_text
    recorded = read_answers(project)
    assert {key: recorded[key] for key in answers} == answers


@pytest.mark.slow
def test_free_text_appears_in_the_markdown_and_license(
    free_text: tuple[Path, dict[str, str]],
) -> None:
    project, answers = free_text
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# flash-tasks\n\n")
    assert answers["description"] in readme
    assert answers["author_name"] in (project / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.slow
def test_free_text_leaves_python_that_compiles(free_text: tuple[Path, dict[str, str]]) -> None:
    project, _ = free_text
    sources = [
        path for top in ("src", "tests", "examples") for path in (project / top).rglob("*.py")
    ]
    assert sources
    for path in sources:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


@pytest.mark.slow
@pytest.mark.parametrize("check", [ruff_check, ruff_format], ids=["ruff-check", "ruff-format"])
def test_free_text_passes_ruff(
    free_text: tuple[Path, dict[str, str]], check: Callable[[Path], Any]
) -> None:
    project, _ = free_text
    result = check(project)
    if not result.ok:
        pytest.fail(str(result), pytrace=False)


@pytest.mark.slow
def test_free_text_jinja_markers_come_only_from_the_answers(
    free_text: tuple[Path, dict[str, str]],
) -> None:
    project, answers = free_text
    forms = sorted(set().union(*map(spellings, answers.values())), key=len, reverse=True)
    found = []
    for path in project_files(project):
        relative = path.relative_to(project).as_posix()
        if any(marker in relative for marker in JINJA_OPENERS):
            found.append(f"{relative}: unrendered file name")
        text = path.read_text(encoding="utf-8")
        for form in forms:
            text = text.replace(form, "\0")
        for number, line in enumerate(text.splitlines(), start=1):
            if any(marker in line for marker in JINJA_OPENERS):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
    # The answers' own markers did reach the rendering, so the check above had work to do.
    rendered = "".join(path.read_text(encoding="utf-8") for path in project_files(project))
    assert "{{ x }}" in rendered and "{% raw %}" in rendered


# --- keys that are not questions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("task-type", "task_type"), ("libary_name", "library_name"), ("Data_Type", "data_type")],
)
def test_cli_refuses_an_unknown_key_with_the_closest_question(
    key: str, suggestion: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "project"
    capsys.readouterr()
    assert main(["new", str(dest), "--defaults", "--data", f"{key}=regression"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {key}: not a question of this template; did you mean '{suggestion}'?\n"
    assert not dest.exists()


def test_cli_add_refuses_an_unknown_key_and_writes_nothing(
    default_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    library = tmp_path / "library"
    shutil.copytree(default_project, library)
    before = snapshot(library)
    capsys.readouterr()
    code = main(["add", str(library), "--data", "data-type=tabular"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: data-type: not a question") and "'data_type'" in err
    assert snapshot(library) == before


def test_render_refuses_a_computed_answer_before_copier_runs(tmp_path: Path) -> None:
    with pytest.raises(AnswerError) as refused:
        render(tmp_path / "project", {"lr_scheduler_spec": "None"})
    assert refused.value.question == "lr_scheduler_spec"
    assert COMPUTED in refused.value.message
    assert not (tmp_path / "project").exists()


# --- the copier command line -------------------------------------------------------------------


def copier_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--defaults", "--vcs-ref", "HEAD", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("data", "question"),
    [
        ("lr_scheduler_spec=__import__('os')", "lr_scheduler_spec"),
        ("task_title=../../outside", "task_title"),
        ("library_name=tqdm", "library_name"),
        ("data_type=../x", "data_type"),
        ("model_class=Tensor", "model_class"),
    ],
)
@pytest.mark.slow
def test_copier_command_line_refuses_and_writes_nothing(
    data: str, question: str, tmp_path: Path
) -> None:
    dest = tmp_path / "inside" / "project"
    result = copier_cli("--data", data, str(TEMPLATE_ROOT), str(dest))
    assert result.returncode != 0
    assert f"'{question}'" in result.stderr
    assert not (tmp_path / "inside").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.slow
def test_copier_command_line_refusal_leaves_an_existing_destination_as_it_was(
    dest_with_readme: Path,
) -> None:
    before = snapshot(dest_with_readme)
    result = copier_cli(
        "--data", "description=two\nlines", str(TEMPLATE_ROOT), str(dest_with_readme)
    )
    assert result.returncode != 0
    assert "'description'" in result.stderr
    assert snapshot(dest_with_readme) == before


@pytest.mark.slow
def test_free_text_builds_a_wheel_with_valid_core_metadata(
    free_text: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    from email.parser import HeaderParser
    from zipfile import ZipFile

    from packaging.metadata import Metadata

    project, answers = free_text
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), "."],
        cwd=project,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        raw = archive.read(name)
    metadata = Metadata.from_email(raw, validate=True)
    assert metadata.summary == answers["description"]
    headers = HeaderParser().parsestr(raw.decode("utf-8"))
    assert answers["author_name"].split()[0].strip("'\"\\") in str(headers["Author-email"])
