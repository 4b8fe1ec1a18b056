"""The CI subset of the answer matrix: each point renders and passes its own checks.

This is ``flash-task check --subset ci`` as a downstream CI would run it: the defaults, the all-on
rendering, and the first pairwise points (which include tasks added to an existing library).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.template import TEMPLATE_ROOT

pytestmark = pytest.mark.slow


def test_ci_subset_passes_every_check(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "generator.cli", "check", "--subset", "ci", "--json", str(report)],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        timeout=3000,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    points = json.loads(report.read_text())["points"]
    assert {point["name"] for point in points} >= {"defaults", "all-on"}
    assert all(point["ok"] for point in points)
