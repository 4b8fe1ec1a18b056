"""The suite's tests stay in their groups on two workers, as ``tests/conftest.py`` groups them.

The README runs the suite with ``-n 2 --dist loadgroup``: the tests that read the session's
``ci`` run share one worker, so that run happens once, and each file's tests share one worker,
so its module-scoped renderings are made once. pytest-xdist carries the groups inside the test
ids, which some pytest releases ignore (9.2 with pytest-xdist 3.8); nothing fails then, the
groups are only spread, and the ``ci`` run is made twice. This test runs the suite's own
collection on two workers, skipping every test, and reads where each one went.
"""

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from generator.template import TEMPLATE_ROOT

pytestmark = pytest.mark.slow

PROBE = """
import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    reads_ci = "ci_check" in item.fixturenames
    group = item.get_closest_marker("xdist_group").args[0]  # as tests/conftest.py gave it
    with open(os.environ["GROUPING_PROBE_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.environ['PYTEST_XDIST_WORKER']} {reads_ci} {group}\\n")
    pytest.skip("where the test runs is all that is asked")
"""
"""A plugin for the inner run: records each test's worker, then skips it."""

FILES = (
    "tests/test_check_matrix.py",
    "tests/test_image_matrix.py",
    "tests/test_ship.py",
    "tests/test_text_matrix.py",
    "tests/test_answers.py",
    "tests/test_generator.py",
)
"""Every file with a test that reads the ``ci`` run, and two files of many small tests."""

PLUGINS = ("-p", "grouping_probe", "-p", "no:cacheprovider")


def test_each_group_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "grouping_probe.py").write_text(PROBE, encoding="utf-8")
    log = tmp_path / "where.log"
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    # The inner run is a session of its own, not a part of this worker's.
    outer = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", *PLUGINS, *FILES],
        cwd=TEMPLATE_ROOT,
        env={**outer, "PYTHONPATH": path, "GROUPING_PROBE_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    workers: dict[str, set[str]] = defaultdict(set)
    ci_groups = set()
    for line in log.read_text(encoding="utf-8").splitlines():
        worker, reads_ci, group = line.split(" ", 2)
        workers[group].add(worker)
        if reads_ci == "True":
            ci_groups.add(group)
    # Every test that reads the ci run is in one group (the conftest names the groups).
    assert len(ci_groups) == 1, ci_groups
    # Both workers took part, and no group was spread over the two.
    assert set().union(*workers.values()) == {"gw0", "gw1"}, dict(workers)
    spread = {group: sorted(where) for group, where in workers.items() if len(where) > 1}
    assert not spread, f"groups spread over both workers: {spread}"
