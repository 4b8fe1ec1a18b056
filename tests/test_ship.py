"""From a checkpoint to production: a rendering's export, serving, logger and two-node tests run.

Those tests skip when an optional package (onnxruntime, litserve, tensorboard, mlflow) is
missing, which is right for a user's project but would let this project's CI pass without them.
Here they must have run and passed: the rendering's own pytest writes a JUnit report, and every
test case in it has to be a pass, none skipped.
"""

import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import pytest

from generator import render
from generator.checks import pytest_run

pytestmark = pytest.mark.slow

TIMEOUT = 1800  # seconds for the rendering's tests: they start a server and two torchrun nodes
LOGGERS = ["csv", "tensorboard", "mlflow"]
# The rendering's test files for shipping, and the test cases each must report (by prefix).
SHIP_TESTS = {
    "tests/core/test_shipping.py": ["test_a_task_exports_and_reloads_with_a_free_batch"],
    "tests/sensor/classification/test_export.py": [
        "test_torch_export_matches_the_module",
        "test_onnx_matches_the_module_in_onnxruntime",
        "test_the_command_line_exports_a_checkpoint[onnx]",
    ],
    "tests/sensor/classification/test_serve.py": [
        "test_health",
        "test_answers_equal_trainer_predict[7]",
        "test_a_bad_request_gets_a_400_naming_the_problem[wrong-width]",
        "test_a_bad_request_sent_with_good_ones_spoils_none_of_them",
    ],
    "tests/sensor/classification/test_loggers.py": [
        *(f"test_one_epoch_writes_the_metrics[{logger}]" for logger in LOGGERS),
        "test_the_command_line_logs_to_the_default_logger",
    ],
    "tests/sensor/classification/test_multinode.py": [
        "test_both_ranks_end_with_identical_weights",
        "test_each_training_sample_goes_to_exactly_one_rank_per_epoch",
    ],
}


def outcomes(report: Path) -> dict[tuple[str, str], str]:
    """How each test case of a JUnit report ended, by ``(dotted module, test name)``."""
    found = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        outcome = next(
            (child.tag for child in case if child.tag in ("skipped", "failure", "error")),
            "passed",
        )
        found[case.get("classname", ""), case.get("name", "")] = outcome
    return found


@pytest.fixture(scope="module")
def ship_report(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """Render a task with every logger and a numpy command line, and run its shipping tests."""
    project = render(
        tmp_path_factory.mktemp("ship") / "ship-tasks",
        {
            "project_name": "ship-tasks",
            "data_type": "sensor",
            "inputs": ["numpy", "csv"],
            "logger": LOGGERS,
        },
        vcs_ref="HEAD",
    )
    report = project / "report.xml"
    result = pytest_run(project, ["-rs", f"--junitxml={report}", *SHIP_TESTS], timeout=TIMEOUT)
    assert result.ok, result.output[-5000:]
    return outcomes(report)


def test_nothing_was_skipped_or_failed(ship_report: dict[tuple[str, str], str]) -> None:
    counts = Counter(ship_report.values())
    assert counts["passed"] == len(ship_report), {
        case: outcome for case, outcome in ship_report.items() if outcome != "passed"
    }


@pytest.mark.parametrize("path", list(SHIP_TESTS))
def test_each_shipping_test_ran(ship_report: dict[tuple[str, str], str], path: str) -> None:
    module = path.removesuffix(".py").replace("/", ".")
    ran = {name for classname, name in ship_report if classname.endswith(module)}
    missing = [name for name in SHIP_TESTS[path] if name not in ran]
    assert not missing, f"{path} did not run {missing}; it ran {sorted(ran)}"
