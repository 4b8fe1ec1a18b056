"""From a checkpoint to production: a rendering's export, serving, logger and two-node tests run.

Those tests skip when an optional package (onnxruntime, litserve, tensorboard, mlflow) is
missing, which is right for a user's project but would let this project's CI pass without them.
Here they must have run and passed. They are the all-on point's (every logger, every input, the
command line), whose whole suite the session's ``ci_check`` runs once, writing a JUnit report:
every test case of the shipping files in it has to be a pass, none skipped.
"""

from collections import Counter

import pytest

from conftest import CI_JUNIT, CiCheck, outcomes
from generator import read_answers

pytestmark = pytest.mark.slow

POINT = "all-on"
LOGGERS = ["csv", "tensorboard", "mlflow"]
# The rendering's test files for shipping (under its tests/<data_type>/<task_type>/, but the
# core's), and the test cases each must report (by prefix).
SHIP_TESTS = {
    "tests/core/test_shipping.py": ["test_a_task_exports_and_reloads_with_a_free_batch"],
    "test_export.py": [
        "test_torch_export_matches_the_module",
        "test_onnx_matches_the_module_in_onnxruntime",
        "test_the_command_line_exports_a_checkpoint[onnx]",
    ],
    "test_serve.py": [
        "test_health",
        "test_answers_equal_trainer_predict[7]",
        "test_a_bad_request_gets_a_400_naming_the_problem[wrong-width]",
        "test_a_bad_request_sent_with_good_ones_spoils_none_of_them",
    ],
    "test_loggers.py": [
        *(f"test_one_epoch_writes_the_metrics[{logger}]" for logger in LOGGERS),
        "test_the_command_line_logs_to_the_default_logger",
    ],
    "test_multinode.py": [
        "test_both_ranks_end_with_identical_weights",
        "test_each_training_sample_goes_to_exactly_one_rank_per_epoch",
    ],
}


def ship_path(answers: dict, path: str) -> str:
    """A shipping test file's path in the rendering: the task's own, or the core's."""
    if path.startswith("tests/"):
        return path
    return f"tests/{answers['data_type']}/{answers['task_type']}/{path}"


@pytest.fixture(scope="module")
def ship_report(ci_check: CiCheck) -> dict[tuple[str, str], str]:
    """How each shipping test case of the all-on point's suite ended."""
    project = ci_check.kept / POINT
    answers = read_answers(project)
    assert answers["logger"] == LOGGERS and answers["cli"], answers
    report = project / CI_JUNIT
    assert report.is_file(), f"the {POINT} point's suite wrote no report: {ci_check.runs}"
    modules = tuple(
        ship_path(answers, path).removesuffix(".py").replace("/", ".") for path in SHIP_TESTS
    )
    return {
        (module, name): outcome
        for (module, name), outcome in outcomes(report).items()
        if module.endswith(modules)
    }


def test_nothing_was_skipped_or_failed(ship_report: dict[tuple[str, str], str]) -> None:
    counts = Counter(ship_report.values())
    assert counts["passed"] == len(ship_report), {
        case: outcome for case, outcome in ship_report.items() if outcome != "passed"
    }


@pytest.mark.parametrize("path", list(SHIP_TESTS))
def test_each_shipping_test_ran(
    ship_report: dict[tuple[str, str], str], ci_check: CiCheck, path: str
) -> None:
    module = ship_path(read_answers(ci_check.kept / POINT), path)
    module = module.removesuffix(".py").replace("/", ".")
    ran = {name for classname, name in ship_report if classname.endswith(module)}
    missing = [name for name in SHIP_TESTS[path] if name not in ran]
    assert not missing, f"{path} did not run {missing}; it ran {sorted(ran)}"
