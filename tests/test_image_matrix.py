"""Image renderings in the answer matrix: covered, valid, clean, and checked in their environment.

``modality`` is a factor of the matrix like any question with choices; these tests prove what
that gives image tasks: every image input and backbone is the answer of some image point, each
image point renders and passes the jinja, lint and format checks, the ``ci`` subset holds an
image point, and that point's own suite and mypy pass in the image environment
(:mod:`generator.envs`), which is made once when ``FLASH_TASK_IMAGE_PYTHON`` names none.

The matrix is the session's (tests/conftest.py), and so is the ``ci`` subset's check: this
module reads the image point's results from it instead of rendering and running it again.
"""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import CiCheck, assert_passed_every_check
from generator import envs, render
from generator.catalogue import CI_OTHER_MODALITY_POINTS
from generator.checks import pytest_run
from generator.matrix import CI_PAIRWISE_POINTS, MODALITY, Matrix, select_points
from generator.questionnaire import Questionnaire
from generator.runner import CheckOptions, failure_details, run_points
from generator.template import COPIER_FILE, TEMPLATE_ROOT

IMAGE = "image"
IMAGE_DEFAULTS = f"defaults-{IMAGE}"
MULTISELECTS = ("inputs", "backbones")


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire.from_file(COPIER_FILE)


def _image_points(matrix: Matrix) -> list[Any]:
    return [point for point in matrix.points if matrix.modalities.get(point.name) == IMAGE]


def _offered(questionnaire: Questionnaire, question: str, **answers: Any) -> set[Any]:
    """The choices a multiselect offers for the answers given, however they are templated."""
    evaluation = questionnaire.evaluate({MODALITY: IMAGE, **answers})
    return {choice.value for choice in evaluation.choices.get(question, ()) if not choice.disabled}


def test_modality_is_a_factor_and_each_point_knows_its_own(matrix: Matrix) -> None:
    factor = next(factor for factor in matrix.factors if factor.question == MODALITY)
    assert {"tabular", IMAGE} <= set(factor.values)
    assert matrix.default_modality == "tabular"
    assert set(matrix.modalities) == {point.name for point in matrix.points}
    assert _image_points(matrix)


@pytest.mark.parametrize("question", MULTISELECTS)
def test_every_image_choice_is_the_answer_of_an_image_point(
    matrix: Matrix, questionnaire: Questionnaire, question: str
) -> None:
    task_types = [c.value for c in questionnaire.evaluate({}).choices["task_type"]]
    offered = set().union(
        *(_offered(questionnaire, question, task_type=task) for task in task_types)
    )
    assert offered
    answered: set[Any] = set()
    for point in _image_points(matrix):
        evaluation = questionnaire.evaluate(dict(point.answers))
        assert evaluation.ok, (point.name, evaluation.error)
        chosen = set(evaluation.answers[question])
        # A point's image answers are what copier offers an image task of its task type.
        task = evaluation.answers["task_type"]
        assert chosen <= _offered(questionnaire, question, task_type=task), point.name
        answered |= chosen
    assert offered - answered == set()


def test_the_ci_subset_checks_the_image_defaults_and_two_points_of_the_default_modality(
    matrix: Matrix,
) -> None:
    chosen = select_points(matrix, "ci")
    image = [point for point in chosen if matrix.modalities[point.name] == IMAGE]
    assert [point.name for point in image] == [IMAGE_DEFAULTS]
    assert image[0].answers == {MODALITY: IMAGE} and image[0].kind == "defaults"
    pairwise = [point for point in matrix.points if point.kind == "pairwise"]
    first = [p for p in pairwise if matrix.modalities[p.name] == matrix.default_modality]
    default = [
        p
        for p in chosen
        if p.kind == "pairwise" and matrix.modalities[p.name] == matrix.default_modality
    ]
    assert default == first[:CI_PAIRWISE_POINTS]
    assert CI_OTHER_MODALITY_POINTS[IMAGE] == 0


def test_the_rendered_workflow_installs_the_pair_the_image_environment_has(
    tmp_path: Path, default_project: Path
) -> None:
    # The issue's own command, `copier copy --defaults --data data_type=image`: the data type
    # picks the modality, so it renders an image classification task.
    project = render(tmp_path / "image", {"data_type": IMAGE}, vcs_ref="HEAD")
    assert any((project / "src").glob(f"*/{IMAGE}/classification/data.py"))
    assert "torchvision" in (project / "pyproject.toml").read_text(encoding="utf-8")
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    steps = workflow["jobs"]["checks"]["steps"]
    install = next(step["run"] for step in steps if step.get("name") == "Install")
    pins = [pin for pin in envs.MODALITY_REQUIREMENTS[IMAGE] if pin.startswith("torch")]
    assert f"pip install {' '.join(pins)} --index-url" in install
    text = (default_project / ".github" / "workflows" / "ci.yml").read_text()
    assert "torchvision" not in text
    # The same audits as tests/test_fanout.py's, on the image task's workflow.
    bin_dir = Path(sys.executable).parent
    for command in (
        [shutil.which("zizmor") or str(bin_dir / "zizmor"), "--offline", "--no-progress"],
        [shutil.which("actionlint") or str(bin_dir / "actionlint"), "-no-color"],
    ):
        audit = subprocess.run(
            [*command, str(project / ".github" / "workflows" / "ci.yml")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert audit.returncode == 0, audit.stdout + audit.stderr


@pytest.mark.slow
def test_every_image_point_renders_clean(matrix: Matrix) -> None:
    points = _image_points(matrix)
    options = CheckOptions(template=str(TEMPLATE_ROOT), checks=("jinja", "lint", "format"))
    reports = run_points(points, options, jobs=2)
    assert all(report.ok for report in reports), failure_details(reports)


@pytest.mark.slow
def test_the_image_defaults_pass_their_whole_suite_and_mypy_in_the_image_env(
    ci_check: CiCheck,
) -> None:
    # The session's `check --subset ci` ran every check on the image point, with the image
    # environment's interpreter: torchvision imports nowhere else.
    files = assert_passed_every_check(ci_check, IMAGE_DEFAULTS)
    assert any(module.endswith(".test_backbones") for module in files)


@pytest.mark.slow
def test_an_image_regression_task_trains_end_to_end(tmp_path: Path) -> None:
    # The `ci` run trains image classification (the image defaults); this trains regression:
    # its example, in which the small CNN reads each digit's value from its image to a held-out
    # r2 of at least 0.8, and its model's tests (fit, test, predict, checkpoints).
    answers = {"data_type": IMAGE, "task_type": "regression"}
    project = render(tmp_path / "image-regression", answers, vcs_ref="HEAD")
    tests = project / "tests" / IMAGE / "regression"
    files = [tests / "test_example.py", tests / "test_model.py"]
    result = pytest_run(project, [*map(str, files), "-rA"], python=envs.interpreter(IMAGE))
    assert result.ok, result
    assert "PASSED tests/image/regression/test_example.py::test_example_learns" in result.output
    assert "SKIPPED" not in result.output, result.output
