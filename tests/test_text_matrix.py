"""Text renderings in the answer matrix: covered, valid, clean, and trained end to end.

``modality`` is a factor of the matrix like any question with choices; these tests prove what
that gives text tasks: every text input, backbone, tokenizer and task type is the answer of
some text point, each text point renders and passes the jinja, lint and format checks, the
``ci`` subset holds the text defaults and the first text pairwise point, and those two pass
every check, their own suites included, and together answer every text input, backbone,
tokenizer and task type. Text renderings need no environment of their own: tokenizers and
transformers install beside this torch.

The matrix is the session's (tests/conftest.py), and so is the ``ci`` subset's check: this
module reads the text points' results from it instead of rendering and running them again.
"""

from typing import Any

import pytest

from conftest import CiCheck, assert_passed_every_check
from generator.catalogue import CI_OTHER_MODALITY_POINTS
from generator.matrix import MODALITY, Matrix, select_points
from generator.questionnaire import Questionnaire
from generator.runner import CheckOptions, failure_details, run_points
from generator.template import COPIER_FILE, TEMPLATE_ROOT

TEXT = "text"
CHOICES = ("inputs", "backbones", "tokenizer", "task_type")


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire.from_file(COPIER_FILE)


def _text_points(matrix: Matrix) -> list[Any]:
    return [point for point in matrix.points if matrix.modalities.get(point.name) == TEXT]


def _names(matrix: Matrix) -> set[str]:
    return {point.name for point in _text_points(matrix)}


def _offered(questionnaire: Questionnaire, question: str, **answers: Any) -> set[Any]:
    """The choices a question offers a text task, however they are templated."""
    evaluation = questionnaire.evaluate({MODALITY: TEXT, **answers})
    return {choice.value for choice in evaluation.choices.get(question, ()) if not choice.disabled}


def test_text_is_a_modality_of_the_matrix(matrix: Matrix) -> None:
    factor = next(factor for factor in matrix.factors if factor.question == MODALITY)
    assert TEXT in factor.values
    assert matrix.point(f"defaults-{TEXT}").answers == {MODALITY: TEXT}
    kinds = {point.kind for point in _text_points(matrix)}
    assert kinds == {"defaults", "pairwise", "names"}


@pytest.mark.parametrize("question", CHOICES)
def test_every_text_choice_is_the_answer_of_a_text_point(
    matrix: Matrix, questionnaire: Questionnaire, question: str
) -> None:
    task_types = [c.value for c in questionnaire.evaluate({}).choices["task_type"]]
    offered = set().union(
        *(_offered(questionnaire, question, task_type=task) for task in task_types)
    )
    assert offered
    answered: set[Any] = set()
    for point in _text_points(matrix):
        evaluation = questionnaire.evaluate(dict(point.answers))
        assert evaluation.ok, (point.name, evaluation.error)
        answer = evaluation.answers[question]
        chosen = set(answer) if isinstance(answer, list) else {answer}
        task = evaluation.answers["task_type"]
        assert chosen <= _offered(questionnaire, question, task_type=task), point.name
        answered |= chosen
    assert offered - answered == set()


def test_an_awkward_text_point_takes_every_input_and_backbone_and_unicode(
    matrix: Matrix, questionnaire: Questionnaire
) -> None:
    awkward = [point for point in _text_points(matrix) if point.kind == "names"]
    assert awkward
    answers = questionnaire.check(dict(awkward[0].answers))
    assert set(answers["inputs"]) == _offered(questionnaire, "inputs")
    assert set(answers["backbones"]) == _offered(questionnaire, "backbones")
    assert not answers["description"].isascii() and not answers["author_name"].isascii()
    assert len(answers["huggingface_model"]) == 96 and answers["cli"] is True


def test_the_ci_subset_checks_the_text_defaults_and_the_first_text_point(matrix: Matrix) -> None:
    chosen = [point for point in select_points(matrix, "ci")]
    text = [point.name for point in chosen if matrix.modalities[point.name] == TEXT]
    pairwise = [point.name for point in _text_points(matrix) if point.kind == "pairwise"]
    assert text == [f"defaults-{TEXT}", *pairwise[: CI_OTHER_MODALITY_POINTS[TEXT]]]
    assert CI_OTHER_MODALITY_POINTS[TEXT] == 1


@pytest.mark.slow
def test_every_text_point_renders_clean(matrix: Matrix) -> None:
    points = _text_points(matrix)
    options = CheckOptions(template=str(TEMPLATE_ROOT), checks=("jinja", "lint", "format"))
    reports = run_points(points, options, jobs=2)
    assert all(report.ok for report in reports), failure_details(reports)


@pytest.mark.slow
def test_the_ci_text_points_pass_every_check_with_every_input_and_backbone(
    ci_check: CiCheck, matrix: Matrix, questionnaire: Questionnaire
) -> None:
    # The session's `check --subset ci` ran every check on its text points: their suites train,
    # checkpoint, export and serve each. Together they answer every text input, backbone,
    # tokenizer and task type, with and without the command line.
    names = [point.name for point in select_points(matrix, "ci") if point.name in _names(matrix)]
    answered: dict[str, set[Any]] = {question: set() for question in (*CHOICES, "cli")}
    for name in names:
        files = assert_passed_every_check(ci_check, name)
        assert any(module.endswith(".test_tokenizer") for module in files)
        answers = questionnaire.check(dict(matrix.point(name).answers))
        for question, chosen in answered.items():
            answer = answers[question]
            chosen |= set(answer) if isinstance(answer, list) else {answer}
    for question in ("inputs", "backbones", "tokenizer"):
        assert answered[question] == _offered(questionnaire, question), question
    assert answered["task_type"] == {"classification", "regression"}
    assert answered["cli"] == {True, False}
