"""Property: any answer to any question is refused naming the question, or renders cleanly.

Hypothesis draws one answer at a time, from the question's own grammar, from any Unicode text
(surrogates and control characters included) and from a list of hostile values (paths, Jinja,
YAML's special words, names of modules and of the project's own folders). The questionnaire,
which follows copier's steps in microseconds, must either refuse it with a one-line message that
names the question (or a question whose default derives from it), or accept it. A few drawn
answer sets are rendered with copier for real: each must be refused the same way, or give a
project whose Python parses, whose TOML and YAML load, and that ruff finds clean.
"""

import ast
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import AnswerError, Questionnaire, render, ruff_check, ruff_format

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with tomli, when installed
    tomllib = pytest.importorskip("tomli")

QUESTIONNAIRE = Questionnaire.from_file()

GRAMMARS = {
    "project_name": r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}",
    "library_name": r"[a-z][a-z0-9_]{0,12}",
    "data_type": r"[a-z][a-z0-9_]{0,12}",
    "model_class": r"[A-Z][A-Za-z0-9]{0,14}",
    "core_import": r"[a-z][a-z0-9_]{0,6}(\.[a-z][a-z0-9_]{0,6}){0,2}",
    "learning_rate": r"[0-9]{1,2}\.[0-9]{1,4}(e-[1-9])?",
    "author_email": r"[a-z0-9.+_-]{1,10}@[a-z0-9-]{1,8}\.[a-z]{2,4}",
}
TEXT_QUESTIONS = ("description", "author_name")
HOSTILE = (
    "",
    " ",
    "a ",
    " a",
    "a\n",
    "\n",
    "a\x00b",
    "..",
    "../x",
    "a/b",
    "a\\b",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "{{",
    "null",
    "~",
    "yes",
    "0x10",
    "1e3",
    "-1",
    "inf",
    "nan",
    "test",
    "tests",
    "src",
    "core",
    "conftest",
    "setup",
    "list",
    "type",
    "Path",
    "Tensor",
    "json",
    "torch",
    "x" * 5000,
    "\ud800",
    "\u202eevil",
    "😀",
    "a@b",
    "a@b.c",
    '"q"@x.org',
)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


def answers_for(question: str) -> st.SearchStrategy[str]:
    strategies = [ANY_TEXT, st.sampled_from(HOSTILE)]
    if question in GRAMMARS:
        strategies.append(st.from_regex(GRAMMARS[question], fullmatch=True))
    if question in TEXT_QUESTIONS:
        strategies.append(st.text(min_size=1, max_size=80).map(str.strip).filter(bool))
    return st.one_of(strategies)


QUESTIONS = sorted({*GRAMMARS, *TEXT_QUESTIONS})
DRAWN = st.sampled_from(QUESTIONS).flatmap(
    lambda question: st.tuples(st.just(question), answers_for(question))
)


def dependents(question: str) -> set[str]:
    """The question and every question whose default or choices read it, transitively."""
    found = {question}
    changed = True
    while changed:
        changed = False
        for name in QUESTIONNAIRE.questions:
            if name not in found and QUESTIONNAIRE.references(name) & found:
                found.add(name)
                changed = True
    return found


def assert_refusal_is_clear(error: AnswerError, question: str) -> None:
    assert error.question in dependents(question), (error.question, question)
    assert error.message and "\n" not in error.message
    assert len(error.message) < 400


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawn=DRAWN)
def test_any_answer_is_refused_clearly_or_accepted(drawn: tuple[str, str]) -> None:
    question, answer = drawn
    evaluation = QUESTIONNAIRE.evaluate({question: answer})
    if evaluation.error is not None:
        assert_refusal_is_clear(evaluation.error, question)
        return
    accepted = evaluation.answers[question]
    # Whatever is accepted is one line without control characters, surrounding spaces or
    # surrogates, and a name is exactly its grammar.
    assert accepted == accepted.strip()
    categories = {unicodedata.category(ch) for ch in accepted}
    assert not categories & {"Cc", "Cs", "Zl", "Zp"}, repr(accepted)
    if question in GRAMMARS and question not in {"learning_rate", "author_email"} and accepted:
        assert accepted.isidentifier() or "." in accepted or "-" in accepted


def check_rendering(project: Path) -> None:
    tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    for path in [*project.glob(".copier-answers*.yml"), *project.rglob("*.yml")]:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), str(path))
    for check in (ruff_check, ruff_format):
        result = check(project)
        assert result.ok, str(result)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawn=st.lists(DRAWN, min_size=1, max_size=4, unique_by=lambda pair: pair[0]))
def test_drawn_answers_render_cleanly_or_are_refused_by_copier(
    drawn: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    data: dict[str, Any] = dict(drawn)
    dest = tmp_path_factory.mktemp("drawn") / "project"
    try:
        render(dest, data)
    except AnswerError as error:
        assert any(error.question in dependents(question) for question in data), error
        assert error.message and "\n" not in error.message
        assert not dest.exists()
        return
    check_rendering(dest)
