"""A contributor's loop: render a task, then extend it step by step as its docs page says.

The steps and their code come from the rendered docs page's "Extending the task" section, so the
page cannot drift from what works. Each ``python`` block there starts with a line that says
where its code goes (``# <path>: <where>``); each step's ``bash`` block names the tests to run
after it. After every step the rendering must stay ruff-clean and those tests green; after the
last one, its whole suite runs, the core's own tests included.

The tests run where a contributor's would: in an environment that holds only what the rendered
project declares (``generator.envs.project_interpreter``), not in this one, which holds what
every answer needs. A test that imports an undeclared package, or a run that warns because an
optional package is missing (TensorBoard, say), fails here.
"""

import ast
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from generator import read_answers, render
from generator.checks import CheckResult, pytest_run, ruff_check, ruff_format
from generator.envs import project_interpreter

pytestmark = pytest.mark.slow

SECTION = "## Extending the task"
STEP = re.compile(r"^### (?P<title>.+)$", re.MULTILINE)
BLOCK = re.compile(r"^```(?P<language>\w+)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
WHERE = re.compile(r"^# (?P<path>\S+): (?P<where>.+)$")
PYTEST = ("python", "-m", "pytest")


@dataclass
class Step:
    """One step of the docs: its code blocks, and the pytest arguments it says to run."""

    title: str
    edits: list[str] = field(default_factory=list)
    pytest_args: list[str] = field(default_factory=list)


def steps_of(docs: str) -> list[Step]:
    """The steps of the docs page's "Extending the task" section, in order."""
    assert SECTION in docs, f"the docs page has no {SECTION!r} section"
    section = docs.split(SECTION, 1)[1].split("\n## ", 1)[0]
    titles = list(STEP.finditer(section))
    steps = []
    for title, after in zip(titles, [*titles[1:], None], strict=True):
        body = section[title.end() : after.start() if after else len(section)]
        step = Step(title["title"])
        for block in BLOCK.finditer(body):
            if block["language"] == "python":
                step.edits.append(block["code"])
            elif block["language"] == "bash":
                words = shlex.split(block["code"])
                assert tuple(words[:3]) == PYTEST, f"{step.title}: runs {block['code']!r}"
                # pytest_run passes -q itself.
                step.pytest_args = [word for word in words[3:] if word != "-q"]
        assert step.edits, f"{step.title}: no code to apply"
        assert step.pytest_args, f"{step.title}: names no tests to run"
        steps.append(step)
    return steps


def _line_span(tree: ast.Module, where: str) -> tuple[int, int]:
    """The 0-based ``[start, end)`` lines of ``Class`` or ``Class.method``, decorators included."""
    names = where.split(".")
    nodes: list[ast.stmt] = tree.body
    node = None
    for name in names:
        found = [
            child
            for child in nodes
            if isinstance(child, ast.ClassDef | ast.FunctionDef) and child.name == name
        ]
        assert len(found) == 1, f"no single {name!r} to edit in {where!r}"
        node = found[0]
        nodes = node.body
    assert node is not None and node.end_lineno is not None
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    return first - 1, node.end_lineno


def apply(project: Path, block: str) -> None:
    """Apply one code block of the docs to the file its first line names."""
    head, _, code = block.partition("\n")
    match = WHERE.match(head)
    assert match, f"a code block does not say where it goes: {head!r}"
    path, where = project / match["path"], match["where"]
    assert "core" not in Path(match["path"]).parts, f"a step of the docs edits the core: {head!r}"
    lines = path.read_text(encoding="utf-8").splitlines()
    new = code.rstrip("\n").splitlines()
    if where == "add at the end":
        lines += ["", "", *new]
    elif where.startswith("replace the line starting "):
        prefix = where.removeprefix("replace the line starting ").strip('"')
        hits = [index for index, line in enumerate(lines) if line.lstrip().startswith(prefix)]
        assert len(hits) == 1, f"{path.name}: {len(hits)} lines start with {prefix!r}"
        lines[hits[0] : hits[0] + 1] = new
    elif where.startswith("replace "):
        start, end = _line_span(ast.parse("\n".join(lines)), where.removeprefix("replace "))
        lines[start:end] = new
    elif where.startswith("add before class "):
        start, _ = _line_span(ast.parse("\n".join(lines)), where.removeprefix("add before class "))
        lines[start:start] = [*new, "", ""]
    elif where.startswith("add to class "):
        _, end = _line_span(ast.parse("\n".join(lines)), where.removeprefix("add to class "))
        lines[end:end] = ["", *new]
    else:
        raise AssertionError(f"unknown place for code: {where!r}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ok(result: CheckResult, step: str) -> None:
    assert result.ok, f"after {step!r}:\n{result}"


@pytest.mark.parametrize(
    "answers",
    # The regression page's steps are the same but for the loss; CI time buys one rendering.
    [{}],
    ids=["defaults"],
)
def test_the_docs_steps_keep_the_rendered_suite_green(tmp_path: Path, answers: dict) -> None:
    project = render(tmp_path / "project", answers, vcs_ref="HEAD")
    answers_file = read_answers(project)
    docs = project / "docs" / f"{answers_file['data_type']}_{answers_file['task_type']}.md"
    steps = steps_of(docs.read_text(encoding="utf-8"))
    assert len(steps) == 4, [step.title for step in steps]
    python = project_interpreter(project)
    # It holds what the defaults declare and no more: neither pandas nor TensorBoard.
    found = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    probe = subprocess.run(
        [python, "-c", found, "pandas", "tensorboard"], capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip() == "[]", probe.stdout

    for step in steps:
        for block in step.edits:
            apply(project, block)
        _ok(ruff_check(project), step.title)
        _ok(ruff_format(project), step.title)
        # -rA lists every test that ran, parameters included.
        result = pytest_run(project, [*step.pytest_args, "-rA"], python=python)
        _ok(result, step.title)
        code = "\n".join(step.edits)
        # What the step added is tested by the tests that read the code at collection time.
        for name in re.findall(r'name="([^"]+)"', code) + re.findall(r"def (from_\w+)", code):
            assert f"[{name}]" in result.output, (step.title, name)

    _ok(pytest_run(project, ["-x"], python=python), "the whole suite")
