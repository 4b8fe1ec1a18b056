"""Spread ``flash-task check`` over many machines: job matrices, shards, merged reports, reuse.

One run of ``flash-task check`` checks its points on one machine. To check them on many (the
jobs of a CI matrix), each piece here is a plain function of the points and of JSON reports:

* :func:`job_matrix` and :func:`shard_matrix` describe the points as a CI job matrix, the
  ``{"include": [...]}`` object that GitHub Actions' ``strategy.matrix`` takes as it is;
* :func:`split_points` deals the points into N shards, the same way on every machine, balanced
  by the points' durations in an earlier report (by count without one);
* :func:`merge_reports` joins the reports of several runs into one verdict per point, and
  refuses a point that no report checked or that two reports judged differently;
* :func:`template_digest` and :func:`point_fingerprint` key a point by a content hash of what it
  renders from (the template's files and the point's answers), so that :func:`reusable_results`
  can take a point's results from an earlier report when neither has changed.
"""

import hashlib
import json
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from .checks import CheckResult
from .matrix import Point
from .runner import CHECKS, RENDER, PointReport, copier_file
from .template import load_config

__all__ = [
    "MergeError",
    "Report",
    "job_matrix",
    "merge_reports",
    "parse_shard",
    "point_fingerprint",
    "read_report",
    "report_durations",
    "reusable_results",
    "shard_matrix",
    "split_points",
    "template_commit",
    "template_digest",
]

_SKIPPED_DIRS: Final = frozenset({".git", "__pycache__", ".pytest_cache", ".ruff_cache"})
"""Directories of a template that no rendering reads."""


class MergeError(ValueError):
    """Reports that cannot be merged into one verdict per point; one problem per line."""


@dataclass(frozen=True)
class Report:
    """A JSON report of ``flash-task check --json``, as read from its file.

    Attributes:
        path: Where it was read from, as given.
        data: Its JSON data.
    """

    path: str
    data: dict[str, Any]

    @property
    def points(self) -> list[dict[str, Any]]:
        """The report's points, each as :func:`generator.runner.report_json` wrote it."""
        points: list[dict[str, Any]] = self.data["points"]
        return points


# --- Job matrices and shards ----------------------------------------------------------------


def job_matrix(points: Sequence[Point]) -> dict[str, list[dict[str, Any]]]:
    """Describe points as a CI job matrix, one job per point.

    Args:
        points: The points.

    Returns:
        ``{"include": [{"point": name, "answers": {...}}, ...]}``, in the points' order; a job
        checks its point with ``flash-task check --subset <point>``.
    """
    return {"include": [{"point": point.name, "answers": dict(point.answers)} for point in points]}


def shard_matrix(
    points: Sequence[Point], count: int, durations: Mapping[str, float] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Describe points as a CI job matrix of ``count`` shards (fewer when there are fewer points).

    Args:
        points: The points.
        count: How many shards.
        durations: Seconds each point took before, by name, to balance the shards.

    Returns:
        ``{"include": [{"shard": "K/N", "points": "name,name"}, ...]}``; a job checks its shard
        with ``flash-task check --subset <points>``. A shard with no point is left out.
    """
    shards = split_points(points, count, durations)
    return {
        "include": [
            {"shard": f"{index}/{count}", "points": ",".join(point.name for point in shard)}
            for index, shard in enumerate(shards, start=1)
            if shard
        ]
    }


def parse_shard(text: str) -> tuple[int, int]:
    """Read a ``--shard`` argument such as ``2/3``.

    Args:
        text: ``K/N``: the K-th of N shards, counted from 1.

    Returns:
        ``(K, N)``.

    Raises:
        ValueError: Unless K and N are whole numbers with ``1 <= K <= N``.
    """
    index, sep, count = text.partition("/")
    try:
        k, n = int(index), int(count)
    except ValueError:
        k = n = 0
    if not sep or not 1 <= k <= n:
        raise ValueError(f"expected K/N with 1 <= K <= N (e.g. 1/2), got {text!r}")
    return k, n


def split_points(
    points: Sequence[Point], count: int, durations: Mapping[str, float] | None = None
) -> list[list[Point]]:
    """Deal points into ``count`` shards, the same way for the same arguments on every machine.

    The longest points go first, each to the shard with the least work so far (ties to the
    lowest shard): the points' durations decide, where known; a point no earlier run timed
    counts as the average known duration. Without durations every point counts the same, so
    the shards differ by at most one point. Each shard keeps the points' order.

    Args:
        points: The points.
        count: How many shards, at least 1.
        durations: Seconds each point took before, by name.

    Returns:
        ``count`` lists of points (some empty when there are fewer points than shards); each
        point is in exactly one.

    Raises:
        ValueError: When ``count`` is less than 1.
    """
    if count < 1:
        raise ValueError(f"the number of shards must be at least 1, got {count}")
    known = {name: seconds for name, seconds in (durations or {}).items() if seconds > 0}
    timed = [known[point.name] for point in points if point.name in known]
    fallback = sum(timed) / len(timed) if timed else 1.0
    weights = [known.get(point.name, fallback) for point in points]
    loads = [0.0] * count
    owner: dict[int, int] = {}
    for position in sorted(range(len(points)), key=lambda i: (-weights[i], i)):
        shard = min(range(count), key=lambda s: (loads[s], s))
        owner[position] = shard
        loads[shard] += weights[position]
    shards: list[list[Point]] = [[] for _ in range(count)]
    for position, point in enumerate(points):
        shards[owner[position]].append(point)
    return shards


# --- Reports --------------------------------------------------------------------------------


def read_report(path: str | Path) -> Report:
    """Read a JSON report that ``flash-task check --json`` wrote.

    Args:
        path: The report's file.

    Returns:
        The report.

    Raises:
        ValueError: When the file cannot be read or is not such a report; the message names
            the file.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: cannot read a JSON report: {error}") from None
    points = data.get("points") if isinstance(data, dict) else None
    if not isinstance(points, list) or not all(
        isinstance(point, dict)
        and isinstance(point.get("name"), str)
        and isinstance(point.get("ok"), bool)
        and isinstance(point.get("results"), dict)
        for point in points
    ):
        raise ValueError(f"{path}: not a report of flash-task check --json (no list of points)")
    return Report(str(path), data)


def report_durations(reports: Iterable[Report]) -> dict[str, float]:
    """Collect the seconds each point took in earlier reports (the last report wins).

    Args:
        reports: The reports.

    Returns:
        Seconds by point name.
    """
    durations: dict[str, float] = {}
    for report in reports:
        for point in report.points:
            seconds = point.get("seconds")
            if isinstance(seconds, (int, float)) and seconds > 0:
                durations[point["name"]] = float(seconds)
    return durations


def _point_report(entry: Mapping[str, Any], reused: str | None = None) -> PointReport:
    """Rebuild a point's report from its JSON entry."""
    results = {
        name: CheckResult(
            name,
            bool(result.get("ok")),
            float(result.get("seconds") or 0.0),
            str(result.get("output") or ""),
        )
        for name, result in entry["results"].items()
    }
    point = Point(entry["name"], str(entry.get("kind", "")), dict(entry.get("answers") or {}))
    return PointReport(
        point,
        results,
        float(entry.get("seconds") or 0.0),
        entry.get("directory"),
        fingerprint=entry.get("fingerprint"),
        reused=reused if reused is not None else entry.get("reused"),
    )


def _verdict(ok: bool) -> str:
    return "passed" if ok else "failed"


def merge_reports(
    reports: Sequence[Report],
    expected: Sequence[Point],
    reuse: Mapping[str, PointReport] | None = None,
) -> list[PointReport]:
    """Merge the reports of several runs into one report per expected point.

    Args:
        reports: The reports, e.g. one per shard or per point.
        expected: The points the runs were to check together, in the order to report them.
        reuse: Results taken from an earlier report for points that no run checked (see
            :func:`reusable_results`), by point name.

    Returns:
        One report per expected point, in ``expected``'s order.

    Raises:
        MergeError: Naming each point that no report holds, that two reports judged
            differently, that a report holds with other answers than the matrix's, or that is
            not an expected point.
    """
    wanted = {point.name: point for point in expected}
    found: dict[str, tuple[Report, dict[str, Any]]] = {}
    problems: list[str] = []
    for report in reports:
        for entry in report.points:
            name = entry["name"]
            if name not in wanted:
                problems.append(f"point {name} in {report.path} is not one of the points merged")
                continue
            if dict(entry.get("answers") or {}) != wanted[name].answers:
                problems.append(
                    f"point {name} in {report.path} has other answers than the template's "
                    f"matrix ({entry.get('answers')} instead of {wanted[name].answers})"
                )
                continue
            earlier = found.get(name)
            if earlier is None:
                found[name] = (report, entry)
            elif earlier[1]["ok"] != entry["ok"]:
                problems.append(
                    f"point {name} was checked twice with different verdicts: "
                    f"{_verdict(earlier[1]['ok'])} in {earlier[0].path}, "
                    f"{_verdict(entry['ok'])} in {report.path}"
                )
    merged: list[PointReport] = []
    for point in expected:
        if point.name in found:
            merged.append(_point_report(found[point.name][1]))
        elif reuse and point.name in reuse:
            merged.append(reuse[point.name])
        else:
            problems.append(f"point {point.name} is missing from every report")
    if problems:
        raise MergeError("\n".join(dict.fromkeys(problems)))
    return merged


def merged_checks(reports: Sequence[Report]) -> tuple[str, ...]:
    """The checks any of the reports ran, in :data:`generator.runner.CHECKS`' order.

    Args:
        reports: The reports.

    Returns:
        The check names.
    """
    ran = {name for report in reports for name in report.data.get("checks") or ()}
    return tuple(name for name in CHECKS if name in ran)


# --- Content hashes and reuse ---------------------------------------------------------------


def _git_output(root: Path, *args: str) -> str | None:
    """Run git in ``root``; ``None`` when it is not a git work tree or git fails."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        return None
    return completed.stdout if completed.returncode == 0 else None


def _blob_id(data: bytes) -> str:
    """Hash content as git hashes a blob, so that working-tree and committed files agree."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _template_sources(root: Path) -> list[str]:
    """The template's files a rendering reads: ``copier.yml`` and its ``_subdirectory``."""
    config = copier_file(root)
    subdirectory = str(load_config(config).get("_subdirectory") or "").strip("/")
    inside = f"{subdirectory}/" if subdirectory else ""
    listed = _git_output(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if listed is not None:
        names = [name for name in listed.split("\0") if name and (root / name).is_file()]
    else:
        names = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
            names += [(Path(folder) / name).relative_to(root).as_posix() for name in files]
    keep = {config.name} if config.is_file() else set()
    return sorted(name for name in names if name in keep or name.startswith(inside))


def template_digest(template: str | Path, vcs_ref: str | None = "HEAD") -> str:
    """Hash what every rendering of a local template reads: ``copier.yml`` and its files.

    At ``HEAD`` (or no revision) the files are read as they are in the directory, uncommitted
    edits and new files included, as copier renders them; at another revision they are read
    from git. Either way the same content gives the same digest.

    Args:
        template: The template's root, a local directory.
        vcs_ref: The revision rendered.

    Returns:
        A SHA-256 hex digest.

    Raises:
        ValueError: When ``vcs_ref`` is not a revision of the template's git repository.
    """
    root = Path(template).expanduser().resolve()
    entries: list[str] = []
    if vcs_ref in (None, "HEAD"):
        entries = [
            f"{name}\0{_blob_id((root / name).read_bytes())}" for name in _template_sources(root)
        ]
    else:
        subdirectory = str(load_config(copier_file(root)).get("_subdirectory") or "")
        listed = _git_output(root, "ls-tree", "-r", "-z", vcs_ref)
        if listed is None:
            raise ValueError(f"{root}: no git revision {vcs_ref!r} to hash")
        inside = f"{subdirectory.strip('/')}/" if subdirectory.strip("/") else ""
        for line in listed.split("\0"):
            if not line:
                continue
            meta, name = line.split("\t", 1)
            if name in {"copier.yml", "copier.yaml"} or name.startswith(inside):
                entries.append(f"{name}\0{meta.split()[2]}")
        entries.sort()
    return hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()


def point_fingerprint(digest: str, point: Point) -> str:
    """Key a point by what it renders from: the template's digest and the point's answers.

    Args:
        digest: The template's :func:`template_digest`.
        point: The point.

    Returns:
        A SHA-256 hex digest; the point's name plays no part.
    """
    answers = json.dumps(point.answers, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{digest}\n{answers}".encode()).hexdigest()


def template_commit(template: str | Path) -> str | None:
    """Name the template's git commit, with ``+edits`` when its files have uncommitted edits.

    Args:
        template: The template's root, a local directory.

    Returns:
        The commit's hash, or ``None`` when the template is not in a git repository.
    """
    root = Path(template).expanduser().resolve()
    commit = _git_output(root, "rev-parse", "HEAD")
    if commit is None:
        return None
    status = _git_output(root, "status", "--porcelain", "--", ".")
    return commit.strip() + ("+edits" if status and status.strip() else "")


def reusable_results(
    points: Sequence[Point],
    fingerprints: Mapping[str, str],
    earlier: Report,
    checks: Sequence[str],
) -> dict[str, PointReport]:
    """Find the points whose results an earlier report holds and that need no new check.

    A point qualifies when the earlier report checked a point with the same fingerprint (the
    same template files and answers), that point passed, and it ran every check asked now. A
    point that failed is always checked again: its failure may have come from elsewhere.

    Args:
        points: The points about to be checked.
        fingerprints: Each point's :func:`point_fingerprint`, by name.
        earlier: The earlier report.
        checks: The checks asked for now.

    Returns:
        By point name, a report that carries the earlier results of the asked checks, the
        earlier seconds, and in ``reused`` where they come from.
    """
    by_fingerprint = {
        entry["fingerprint"]: entry
        for entry in earlier.points
        if entry.get("fingerprint") and entry["ok"]
    }
    commit = earlier.data.get("commit")
    source = f"{commit[:12]}{commit[40:]}" if isinstance(commit, str) else earlier.path
    found: dict[str, PointReport] = {}
    for point in points:
        entry = by_fingerprint.get(fingerprints.get(point.name, ""))
        if entry is None or not {RENDER, *checks} <= set(entry["results"]):
            continue
        report = _point_report(entry, reused=source)
        kept = {name: report.results[name] for name in (RENDER, *checks)}
        found[point.name] = replace(report, point=point, results=kept)
    return found
