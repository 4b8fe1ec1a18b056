"""The CI subset of the answer matrix: each point renders and passes its own checks.

This is ``flash-task check --subset ci`` as a downstream CI would run it: the defaults, the all-on
rendering, the first pairwise points (which include tasks added to an existing library) and the
first awkward-names point. The defaults point's own suite is the one check left out here:
tests/test_contributor_loop.py runs it, after the docs page's edits (``CI_SUITE_ELSEWHERE``).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CI_SUITE_ELSEWHERE, CiCheck
from generator.matrix import Matrix, select_points
from generator.template import TEMPLATE_ROOT

pytestmark = pytest.mark.slow


def test_ci_subset_passes_every_check(ci_check: CiCheck, matrix: Matrix) -> None:
    for code, output in ci_check.runs:
        assert code == 0, output
    assert list(ci_check.points) == [point.name for point in select_points(matrix, "ci")]
    assert {"defaults", "all-on"} <= set(ci_check.points)
    assert all(point["ok"] for point in ci_check.points.values())
    for name, point in ci_check.points.items():
        checks = {"render", "jinja", "lint", "format", "types"}
        if name not in CI_SUITE_ELSEWHERE:
            checks.add("tests")
        assert set(point["results"]) == checks, name


def _check(*argv: str, cwd: Path = TEMPLATE_ROOT) -> "subprocess.Popen[str]":
    """Start ``flash-task check`` from this tree in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "check", *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: "subprocess.Popen[str]") -> tuple[int, str]:
    out, _ = process.communicate(timeout=1200)
    return process.returncode, out


def test_two_shards_in_two_processes_merge_to_the_unsharded_verdicts(
    tmp_path: Path, matrix: Matrix
) -> None:
    # The smoke subset's two points: one to each shard.
    common = ["--subset", "smoke", "--checks", "jinja,lint,format", "--jobs", "1"]
    listing = _check(*common, "--list", "--json")
    whole = tmp_path / "whole.json"
    code, out = _finish(_check(*common, "--json", str(whole)))
    assert code == 0, out
    shards = [tmp_path / f"shard-{index}.json" for index in (1, 2)]
    running = [
        _check(*common, "--shard", f"{index}/2", "--json", str(report))
        for index, report in enumerate(shards, start=1)
    ]
    for process in running:
        code, out = _finish(process)
        assert code == 0, out
    merged = tmp_path / "merged.json"
    code, out = _finish(_check("--merge", *map(str, shards), "--json", str(merged)))
    assert code == 0, out
    assert re.search(r"\b(\d+)/\1 points passed", out), out

    def verdicts(path: Path) -> dict[str, tuple[bool, dict[str, bool]]]:
        return {
            point["name"]: (point["ok"], {k: r["ok"] for k, r in point["results"].items()})
            for point in json.loads(path.read_text())["points"]
        }

    assert verdicts(merged) == verdicts(whole)
    assert list(verdicts(merged)) == [point.name for point in select_points(matrix, "smoke")]
    sharded = [set(verdicts(report)) for report in shards]
    assert sharded[0] and sharded[1] and not sharded[0] & sharded[1]
    # The job matrix lists exactly the points the unsharded run checked, with their answers.
    code, out = _finish(listing)
    assert code == 0, out
    checked = [
        {"point": point["name"], "answers": point["answers"]}
        for point in json.loads(whole.read_text())["points"]
    ]
    assert json.loads(out) == {"include": checked}
