"""Fanning ``flash-task check`` out: job matrices, shards, merged reports, reused results.

The CLI tests run on the small fake template of tests/test_cli.py, whose renderings check in a
second or two; tests/test_check_matrix.py runs the real template's CI subset in shards.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import main
from generator.fanout import (
    MergeError,
    Report,
    job_matrix,
    merge_reports,
    parse_shard,
    point_fingerprint,
    split_points,
    template_digest,
)
from generator.matrix import Point, build_matrix, select_points
from generator.template import TEMPLATE_ROOT
from test_cli import make_template

WORKFLOW = TEMPLATE_ROOT / ".github" / "workflows" / "template-checks.yml"


def points(count: int) -> list[Point]:
    return [Point(f"p{index:02d}", "pairwise", {"index": index}) for index in range(count)]


def run_check(*argv: str) -> int:
    return main(["check", *argv])


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def verdicts(report: dict[str, Any]) -> dict[str, tuple[bool, dict[str, bool]]]:
    return {
        point["name"]: (point["ok"], {name: r["ok"] for name, r in point["results"].items()})
        for point in report["points"]
    }


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return make_template(tmp_path / "fake-template")


# --- Shards ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 7, 12])
def test_shards_by_count_hold_each_point_once_and_differ_by_at_most_one(count: int) -> None:
    chosen = points(10)
    shards = split_points(chosen, count)
    assert len(shards) == count
    dealt = [point.name for shard in shards for point in shard]
    assert sorted(dealt) == [point.name for point in chosen]
    sizes = [len(shard) for shard in shards]
    assert max(sizes) - min(sizes) <= 1
    for shard in shards:  # each shard keeps the matrix's order
        assert shard == sorted(shard, key=chosen.index)
    assert split_points(chosen, count) == shards  # the same on every machine


def test_shards_balance_recorded_durations() -> None:
    chosen = points(6)
    durations = {"p00": 60.0, "p01": 10.0, "p02": 10.0, "p03": 10.0, "p04": 10.0, "p05": 20.0}
    first, second = split_points(chosen, 2, durations)
    loads = [sum(durations[point.name] for point in shard) for shard in (first, second)]
    assert loads == [60.0, 60.0]
    assert [point.name for point in first] == ["p00"]
    # By count the same points would split 3 and 3, 80 seconds against 40.
    by_count = split_points(chosen, 2)
    assert [len(shard) for shard in by_count] == [3, 3]


def test_a_point_without_a_recorded_duration_counts_as_the_average() -> None:
    chosen = points(4)
    shards = split_points(chosen, 2, {"p00": 30.0, "p01": 10.0})
    # p02 and p03 weigh 20 each: 30 | 20, then 10 | 20 -> 40 / 40.
    assert [[p.name for p in shard] for shard in shards] == [["p00", "p01"], ["p02", "p03"]]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2", ""])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="K/N"):
        parse_shard(text)
    with pytest.raises(ValueError, match="at least 1"):
        split_points(points(2), 0)


def test_bad_fanout_usage_exits_2(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--template", str(template)]
    assert run_check(*base, "--shard", "3/2") == 2
    assert "--shard: expected K/N" in capsys.readouterr().err
    assert run_check(*base, "--shards", "2") == 2
    assert "--shards N needs" in capsys.readouterr().err
    assert run_check(*base, "--json") == 2
    assert "--json needs a FILE" in capsys.readouterr().err
    assert run_check(*base, "--merge", "a.json", "--list") == 2
    assert "--merge checks nothing" in capsys.readouterr().err
    assert run_check(*base, "--merge", "no-such-report.json") == 2
    assert "--merge: no-such-report.json: cannot read a JSON report" in capsys.readouterr().err


# --- The job matrix ----------------------------------------------------------------------------


@pytest.mark.slow
def test_list_json_gives_exactly_the_points_a_full_run_checks(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_check("--template", str(template), "--list", "--json") == 0
    matrix = json.loads(capsys.readouterr().out)
    report = tmp_path / "full.json"
    argv = ["--template", str(template), "--checks", "jinja", "--jobs", "1"]
    assert run_check(*argv, "--json", str(report)) == 0
    checked = [{"point": p["name"], "answers": p["answers"]} for p in load(report)["points"]]
    assert matrix == {"include": checked}
    assert len(checked) == len(build_matrix(template).points)


def test_list_json_of_shards_deals_every_point_once(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = tmp_path / "matrix.json"
    assert run_check("--template", str(template), "--list", "--json", str(listed)) == 0
    every = [entry["point"] for entry in load(listed)["include"]]
    assert run_check("--template", str(template), "--list", "--json", "--shards", "2") == 0
    shards = json.loads(capsys.readouterr().out)["include"]
    assert [shard["shard"] for shard in shards] == ["1/2", "2/2"]
    dealt = [name for shard in shards for name in shard["points"].split(",")]
    assert sorted(dealt) == sorted(every)
    # --shard K/N with --list shows the same share that a run with --shard K/N checks.
    for shard in shards:
        assert run_check("--template", str(template), "--list", "--shard", shard["shard"]) == 0
        names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
        assert ",".join(names) == shard["points"]


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    step: dict[str, Any] = next(step for step in job["steps"] if step.get("name") == name)
    return step


def _run_listing_step(tmp_path: Path, template: Path, shards: int) -> dict[str, str]:
    """Run the workflow's listing step as the runner would, with flash-task from this tree."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    script = _step(workflow["jobs"]["list"], "List the points")["run"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "flash-task"
    shim.write_text(
        f'#!/bin/sh\nPYTHONPATH="{TEMPLATE_ROOT}" exec "{sys.executable}" -m generator.cli "$@"\n'
    )
    shim.chmod(0o755)
    output = tmp_path / f"github-output-{shards}"
    output.write_text("")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
        + os.environ.get("PATH", ""),
        "GITHUB_OUTPUT": str(output),
        "TEMPLATE": str(template),
        "SUBSET": "all",
        "SHARDS": str(shards),
        "CHECKS": "jinja",
        "PREVIOUS": str(tmp_path / "no-previous-report.json"),
    }
    subprocess.run(
        ["bash", "-e", "-c", script], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


@pytest.mark.parametrize("shards", [0, 2])
def test_the_workflow_s_listing_step_feeds_its_matrix_job(
    template: Path, tmp_path: Path, shards: int
) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    listing, check = workflow["jobs"]["list"], workflow["jobs"]["check"]
    assert listing["outputs"]["matrix"] == "${{ steps.list.outputs.matrix }}"
    assert check["strategy"]["matrix"] == "${{ fromJSON(needs.list.outputs.matrix) }}"
    points_expression = _step(check, "Check the points")["env"]["POINTS"]
    assert points_expression == "${{ matrix.points || matrix.point }}"

    outputs = _run_listing_step(tmp_path, template, shards)
    matrix = json.loads(outputs["matrix"])
    include = matrix["include"]
    assert outputs["jobs"] == str(len(include))
    # What `matrix.points || matrix.point` gives each job, and what it then checks.
    chosen = [entry.get("points") or entry.get("point") for entry in include]
    expected = [point.name for point in select_points(build_matrix(template), "all")]
    if shards:
        assert len(include) == shards
        assert sorted(name for names in chosen for name in names.split(",")) == sorted(expected)
    else:
        assert chosen == expected
        assert matrix == job_matrix(select_points(build_matrix(template), "all"))


# --- Merging -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_shards_in_two_runs_merge_to_the_single_run_s_verdicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = make_template(tmp_path / "broken-template", broken=True)
    argv = ["--template", str(template), "--checks", "jinja,tests", "--jobs", "1"]
    argv += ["--subset", "defaults,all-on,p01"]
    assert run_check(*argv, "--json", str(tmp_path / "whole.json")) == 1
    for index in (1, 2):
        report = str(tmp_path / f"shard-{index}.json")
        run_check(*argv, "--shard", f"{index}/2", "--json", report)
    capsys.readouterr()
    shard_reports = [str(tmp_path / f"shard-{index}.json") for index in (1, 2)]
    summary = tmp_path / "summary.md"
    merged = tmp_path / "merged.json"
    code = run_check(
        "--template",
        str(template),
        "--merge",
        *shard_reports,
        "--json",
        str(merged),
        "--summary",
        str(summary),
    )
    assert code == 1  # all-on fails its tests, in the merge as in the single run
    out = capsys.readouterr().out
    whole = load(tmp_path / "whole.json")
    assert verdicts(load(merged)) == verdicts(whole)
    assert [p["name"] for p in load(merged)["points"]] == [p["name"] for p in whole["points"]]
    assert load(merged)["merged_from"] == shard_reports
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["all-on"][1:4] == ["✓", "✓", "✗"]
    assert "--- all-on: tests failed" in out
    markdown = summary.read_text(encoding="utf-8")
    assert "| point | render | jinja | tests | seconds | answers |" in markdown
    assert "| all-on | ✓ | ✓ | ✗ |" in markdown


def _report(path: Path, entries: list[tuple[Point, bool]]) -> Report:
    data = {
        "checks": ["jinja"],
        "points": [
            {
                **point.to_json(),
                "ok": ok,
                "seconds": 1.0,
                "results": {
                    "render": {"ok": True, "seconds": 0.5, "output": ""},
                    "jinja": {"ok": ok, "seconds": 0.5, "output": "" if ok else "x.py:1: {{"},
                },
            }
            for point, ok in entries
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return Report(str(path), data)


def test_merge_names_missing_conflicting_foreign_and_changed_points(tmp_path: Path) -> None:
    a, b, c = (Point(name, "pairwise", {"k": name}) for name in ("pa", "pb", "pc"))
    first = _report(tmp_path / "first.json", [(a, True), (b, True)])
    second = _report(tmp_path / "second.json", [(b, False)])
    with pytest.raises(MergeError) as raised:
        merge_reports([first, second], [a, b, c])
    assert str(raised.value).splitlines() == [
        f"point pb was checked twice with different verdicts: passed in {first.path}, "
        f"failed in {second.path}",
        "point pc is missing from every report",
    ]
    foreign = _report(tmp_path / "foreign.json", [(Point("px", "pairwise", {}), True)])
    changed = _report(tmp_path / "changed.json", [(Point("pa", "pairwise", {"k": "new"}), True)])
    with pytest.raises(MergeError) as raised:
        merge_reports([foreign, changed], [a])
    message = str(raised.value)
    assert f"point px in {foreign.path} is not one of the points merged" in message
    assert f"point pa in {changed.path} has other answers than the template's matrix" in message
    # The same verdict twice is fine; the merged reports keep the expected order.
    again = _report(tmp_path / "again.json", [(c, True), (a, True)])
    merged = merge_reports([first, again], [c, b, a])
    assert [(r.point.name, r.ok) for r in merged] == [("pc", True), ("pb", True), ("pa", True)]


@pytest.mark.slow
def test_merge_of_the_cli_fails_on_a_missing_shard(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "shard-1.json"
    argv = ["--template", str(template), "--checks", "jinja", "--jobs", "1"]
    assert run_check(*argv, "--shard", "1/2", "--json", str(report)) == 0
    capsys.readouterr()
    assert run_check("--template", str(template), "--merge", str(report)) == 1
    err = capsys.readouterr().err.splitlines()
    checked = {point["name"] for point in load(report)["points"]}
    absent = [p.name for p in build_matrix(template).points if p.name not in checked]
    assert absent
    for name in absent:
        assert f"error: --merge: point {name} is missing from every report" in err


# --- Reusing unchanged results -----------------------------------------------------------------


def test_fingerprints_follow_the_template_s_files_and_the_answers(template: Path) -> None:
    digest = template_digest(template)
    point = Point("p01", "pairwise", {"task_type": "regression", "inputs": ["numpy"]})
    same = Point("p07", "pairwise", {"inputs": ["numpy"], "task_type": "regression"})
    assert point_fingerprint(digest, point) == point_fingerprint(digest, same)
    other = Point("p01", "pairwise", {"task_type": "regression", "inputs": ["sklearn"]})
    assert point_fingerprint(digest, point) != point_fingerprint(digest, other)
    (template / "template" / "README.md.jinja").write_text("# {{ project_name }} — changed\n")
    assert template_digest(template) != digest
    (template / "notes.txt").write_text("outside the template's subdirectory\n")
    unchanged = template_digest(template)
    (template / "notes.txt").write_text("still outside\n")
    assert template_digest(template) == unchanged


def test_a_committed_revision_hashes_like_its_work_tree(template: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=template, check=True)
    subprocess.run(["git", "add", "."], cwd=template, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "v1"],
        cwd=template,
        check=True,
    )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=template, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert template_digest(template, "HEAD") == template_digest(template, commit)
    first = template_digest(template, "HEAD")
    (template / "template" / "README.md.jinja").write_text("# edited, not committed\n")
    assert template_digest(template, "HEAD") != first  # HEAD renders the edits
    with pytest.raises(ValueError, match="no git revision 'v9'"):
        template_digest(template, "v9")


@pytest.mark.slow
def test_skip_unchanged_reuses_passed_points_and_rechecks_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = make_template(tmp_path / "broken-template", broken=True)
    first = tmp_path / "first.json"
    base = ["--template", str(template), "--checks", "jinja,tests", "--jobs", "1"]
    argv = [*base, "--subset", "smoke"]
    assert run_check(*argv, "--json", str(first)) == 1
    earlier = load(first)
    passed = [p["name"] for p in earlier["points"] if p["ok"]]
    failed = [p["name"] for p in earlier["points"] if not p["ok"]]
    assert passed and failed == ["all-on"]
    capsys.readouterr()

    second = tmp_path / "second.json"
    assert run_check(*argv, "--skip-unchanged", str(first), "--json", str(second)) == 1
    out = capsys.readouterr().out
    data = load(second)
    reused = {p["name"] for p in data["points"] if p["reused"]}
    assert reused == set(passed)  # the failed point is checked again
    assert verdicts(data) == verdicts(earlier)
    for name in passed:
        row = next(line for line in out.splitlines() if line.startswith(f"{name} "))
        assert "reused" in row.split()
    assert f"{len(passed)} unchanged since" in out
    assert "results reused, not checked again" in out

    # A check the earlier report did not run means checking again.
    more = ["--template", str(template), "--checks", "jinja,lint,tests", "--subset", "smoke"]
    assert run_check(*more, "--skip-unchanged", str(first), "--list") == 0
    assert len(capsys.readouterr().out.splitlines()) == len(earlier["points"])

    # The listing leaves reused points out, and a merge takes them back from the report.
    assert run_check(*argv, "--skip-unchanged", str(first), "--list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["include"]
    assert [entry["point"] for entry in listed] == failed
    assert run_check(*argv, "--skip-unchanged", str(first), "--merge") == 1
    assert "point all-on is missing from every report" in capsys.readouterr().err
    only_failed = tmp_path / "failed-only.json"
    assert run_check(*base, "--subset", "all-on", "--json", str(only_failed)) == 1
    capsys.readouterr()
    merge = [*argv, "--skip-unchanged", str(first), "--merge"]
    assert run_check(*merge, str(only_failed)) == 1
    out = capsys.readouterr().out
    assert f"{len(passed)} unchanged since" in out

    # An edit to a template file changes every point's fingerprint: nothing is reused.
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nEdited.\n")
    assert run_check(*argv, "--skip-unchanged", str(first), "--list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["include"]
    assert len(listed) == len(earlier["points"])


# --- The workflows pass actionlint and zizmor --------------------------------------------------


def _workflow_problems(path: Path) -> list[str]:
    """Pins and permissions, read from the YAML itself."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = []
    if "permissions" not in workflow:
        problems.append("no top-level permissions")
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", workflow.get("permissions"))
        if granted is None or granted == "write-all" or granted == "read-all":
            problems.append(f"job {name}: no least-privilege permissions")
        elif any(level != "read" for level in (granted or {}).values()):
            problems.append(f"job {name}: writes {granted}")
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses and not uses.startswith("./"):
                ref = uses.partition("@")[2]
                if len(ref) != 40 or any(c not in "0123456789abcdef" for c in ref):
                    problems.append(f"job {name}: {uses} is not pinned to a commit SHA")
    return problems


def _workflows(project: Path) -> list[Path]:
    return sorted((project / ".github" / "workflows").glob("*.yml"))


@pytest.fixture(params=["template", "rendered"])
def workflow(request: pytest.FixtureRequest) -> Path:
    """This repository's workflow, and the workflow of a rendered project."""
    if request.param == "template":
        return WORKFLOW
    project: Path = request.getfixturevalue("default_project")
    found = _workflows(project)
    assert found, "the rendered project has no workflow"
    return found[0]


def test_workflows_pin_actions_and_grant_least_privilege(workflow: Path) -> None:
    assert _workflow_problems(workflow) == []


def test_workflows_pass_zizmor(workflow: Path) -> None:
    zizmor = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    result = subprocess.run(
        [zizmor, "--offline", "--no-progress", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_pass_actionlint(workflow: Path) -> None:
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    result = subprocess.run(
        [actionlint, "-no-color", str(workflow)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
