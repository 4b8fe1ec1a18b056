"""Render the Flash task template with copier, and check what it renders.

The public API::

    from generator import render, run_checks

    project = render("/tmp/my-task", {"task_type": "regression"})
    for result in run_checks(project):
        print(result)
"""

from .checks import (
    CheckResult,
    leftover_jinja,
    pytest_run,
    ruff_check,
    ruff_format,
    run_checks,
)
from .errors import AnswerError
from .render import DEFAULT_ANSWERS_FILE, read_answers, render
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
    "CheckResult",
    "asked_questions",
    "choice_values",
    "computed_questions",
    "is_computed",
    "leftover_jinja",
    "load_config",
    "load_questions",
    "pytest_run",
    "read_answers",
    "render",
    "ruff_check",
    "ruff_format",
    "run_checks",
]
