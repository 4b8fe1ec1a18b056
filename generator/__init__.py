"""Render the Flash task template with copier, and check what it renders.

The public API::

    from generator import render, run_checks

    project = render("/tmp/my-task", {"task_type": "regression"})
    for result in run_checks(project):
        print(result)

    matrix = build_matrix()  # the answer sets `flash-task check` renders, from copier.yml
"""

from .checks import (
    CheckResult,
    leftover_jinja,
    mypy_run,
    package_build,
    pytest_run,
    ruff_check,
    ruff_format,
    run_checks,
)
from .errors import AnswerError, ConflictError, LibraryError
from .library import TaskPlan, add_task, plan_task
from .matrix import Factor, Matrix, Point, build_matrix, select_points
from .questionnaire import Evaluation, Questionnaire
from .render import (
    DEFAULT_ANSWERS_FILE,
    RenderPlan,
    default_vcs_ref,
    preview,
    read_answers,
    render,
)
from .runner import CheckOptions, PointReport, check_point, run_points
from .template import (
    COPIER_FILE,
    TEMPLATE_ROOT,
    asked_questions,
    choice_values,
    computed_questions,
    is_computed,
    load_config,
    load_questions,
)

__all__ = [
    "COPIER_FILE",
    "DEFAULT_ANSWERS_FILE",
    "TEMPLATE_ROOT",
    "AnswerError",
    "CheckOptions",
    "CheckResult",
    "ConflictError",
    "Evaluation",
    "Factor",
    "LibraryError",
    "Matrix",
    "Point",
    "PointReport",
    "Questionnaire",
    "RenderPlan",
    "TaskPlan",
    "add_task",
    "asked_questions",
    "build_matrix",
    "check_point",
    "choice_values",
    "computed_questions",
    "default_vcs_ref",
    "is_computed",
    "leftover_jinja",
    "load_config",
    "load_questions",
    "mypy_run",
    "package_build",
    "plan_task",
    "preview",
    "pytest_run",
    "read_answers",
    "render",
    "ruff_check",
    "ruff_format",
    "run_checks",
    "run_points",
    "select_points",
]
