"""Render points of the answer matrix and run each rendering's own checks, in parallel.

Each point renders into its own directory, in its own process when ``jobs > 1``, and runs the
checks chosen from :data:`CHECKS`: no Jinja left over, ``ruff check``, ``ruff format --check``,
mypy and the rendering's pytest suite. A point answered ``new_library=false`` is a task added to a
library: the library is rendered first (see :func:`generator.library.base_library_answers`),
then the task is added to it, and the checks run on the library with both tasks.
"""

import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from copier.errors import DirtyLocalWarning

from .checks import (
    CheckResult,
    leftover_jinja,
    mypy_run,
    package_build,
    pytest_run,
    ruff_check,
    ruff_format,
)
from .library import NEW_LIBRARY, add_task, base_library_answers
from .matrix import Point
from .questionnaire import Questionnaire
from .render import is_remote, render

__all__ = [
    "CHECKS",
    "DEFAULT_CHECKS",
    "FAIL",
    "PASS",
    "CheckOptions",
    "PointReport",
    "check_point",
    "copier_file",
    "failure_details",
    "format_markdown",
    "format_table",
    "local_template",
    "parse_checks",
    "report_json",
    "run_points",
]

PASS: Final = "✓"
FAIL: Final = "✗"
NOT_RUN: Final = "-"

CHECKS: Final[dict[str, Callable[[Path], CheckResult]]] = {
    "jinja": leftover_jinja,
    "lint": ruff_check,
    "format": ruff_format,
    "types": mypy_run,
    "install": package_build,
    "tests": pytest_run,
}
"""The checks ``--checks`` can name, in the order they run: leftover Jinja, ruff check, ruff
format --check, mypy with the rendering's ``[tool.mypy]``, building the wheel pip would install,
and the rendering's own pytest suite."""

DEFAULT_CHECKS: Final = ("jinja", "lint", "format", "types", "tests")
"""The checks run unless ``--checks`` says otherwise; the wheel build is asked for by name."""

RENDER: Final = "render"
"""The name of the first step of every point, rendering it."""


def parse_checks(text: str) -> tuple[str, ...]:
    """Read a ``--checks`` list such as ``lint,tests``.

    Args:
        text: Comma-separated names from :data:`CHECKS`.

    Returns:
        The names, in :data:`CHECKS`' order, each once.

    Raises:
        ValueError: For an unknown name, or no name.
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in CHECKS]
    if unknown or not names:
        raise ValueError(
            f"unknown check(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(CHECKS)}"
        )
    return tuple(name for name in CHECKS if name in names)


@dataclass(frozen=True)
class CheckOptions:
    """How to check points; the same for every point.

    Attributes:
        template: The template's root, a local directory.
        vcs_ref: The template's git revision to render (``HEAD`` includes uncommitted edits).
        checks: The checks to run, names from :data:`CHECKS`.
        keep: Where to keep each rendering (``<keep>/<point>``); ``None`` deletes them.
        timeout: Seconds before a rendering's pytest run is stopped and fails.
        threads: Threads each rendering's pytest may use (``OMP_NUM_THREADS``); ``None``
            leaves the environment alone.
        pythons: The interpreter that runs the ``types`` and ``tests`` checks of each point
            whose modality needs an environment of its own (see
            :func:`generator.envs.interpreters`), by point name; every other point's run with
            this interpreter.
    """

    template: str
    vcs_ref: str | None = "HEAD"
    checks: tuple[str, ...] = tuple(CHECKS)
    keep: str | None = None
    timeout: float | None = None
    threads: int | None = None
    pythons: tuple[tuple[str, str], ...] = ()

    def python_for(self, point: Point) -> str | None:
        """The interpreter that checks a point's types and tests, or ``None`` for this one."""
        return dict(self.pythons).get(point.name)


@dataclass(frozen=True)
class PointReport:
    """The outcome of checking one point.

    Attributes:
        point: The point.
        results: ``render`` and each check that ran, by name, in order.
        seconds: How long the point took in all.
        directory: Where the rendering was kept, or ``None``.
        fingerprint: A content hash of what the point renders from (see
            :func:`generator.fanout.point_fingerprint`), or ``None``.
        reused: Where the results were taken from instead of checking the point again (the
            template commit of an earlier report), or ``None`` when they are this run's.
    """

    point: Point
    results: dict[str, CheckResult] = field(default_factory=dict)
    seconds: float = 0.0
    directory: str | None = None
    fingerprint: str | None = None
    reused: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the point rendered and passed every check that ran."""
        return bool(self.results) and all(result.ok for result in self.results.values())


def _render_point(point: Point, dest: Path, options: CheckOptions) -> str:
    """Render a point into ``dest``; a ``new_library=false`` task lands in a fresh library.

    Returns:
        What was rendered, in words, for the render step's output.
    """
    answers = dict(point.answers)
    if answers.get(NEW_LIBRARY) is False:
        questionnaire = Questionnaire.from_file(copier_file(options.template))
        base = base_library_answers(questionnaire, answers)
        render(dest, base, template=options.template, vcs_ref=options.vcs_ref)
        plan = add_task(dest, answers, template=options.template, vcs_ref=options.vcs_ref)
        return (
            f"rendered a library with {base}, then added the "
            f"{plan.data_type}/{plan.task_type} task to it"
        )
    render(dest, answers, template=options.template, vcs_ref=options.vcs_ref)
    return ""


def check_point(point: Point, options: CheckOptions) -> PointReport:
    """Render one point and run the chosen checks on the rendering.

    Never raises for a failure: a rendering that fails is a failed ``render`` result, and the
    checks are then not run.

    Args:
        point: The point to check.
        options: How to check it.

    Returns:
        The report.
    """
    start = time.perf_counter()
    if options.threads:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, str(options.threads))
    scratch = None
    if options.keep:
        dest = Path(options.keep).expanduser().resolve() / point.name
        if dest.exists():
            shutil.rmtree(dest)
    else:
        scratch = tempfile.mkdtemp(prefix=f"flash-task-check-{point.name}-")
        dest = Path(scratch) / point.name
    results: dict[str, CheckResult] = {}
    try:
        begin = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DirtyLocalWarning)
                said = _render_point(point, dest, options)
            results[RENDER] = CheckResult(RENDER, True, time.perf_counter() - begin, said)
        except Exception as error:  # a failed rendering is a result, not a crash
            message = f"{type(error).__name__}: {error}"
            results[RENDER] = CheckResult(RENDER, False, time.perf_counter() - begin, message)
        if results[RENDER].ok:
            python = options.python_for(point)
            for name in options.checks:
                if name == "tests":
                    results[name] = pytest_run(dest, timeout=options.timeout, python=python)
                elif name == "types":
                    # Imported here: `python -m generator.envs` runs that module as __main__,
                    # which an import of it at the package's import would come before.
                    from .envs import mypy_cache

                    with mypy_cache(python) as cache:
                        results[name] = mypy_run(dest, cache_dir=cache, python=python)
                else:
                    results[name] = CHECKS[name](dest)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    kept = str(dest) if options.keep else None
    return PointReport(point, results, time.perf_counter() - start, kept)


def run_points(
    points: Sequence[Point],
    options: CheckOptions,
    jobs: int | None = None,
    progress: Callable[[PointReport, int, int], None] | None = None,
) -> list[PointReport]:
    """Check points, ``jobs`` at a time, each in its own process.

    Args:
        points: The points to check.
        options: How to check them.
        jobs: How many points to check at once; defaults to ``os.cpu_count()``. With 1 they
            are checked one after another in this process.
        progress: Called with each report as it comes in, how many are done and how many
            there are.

    Returns:
        The reports, in the order of ``points``.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    reports: dict[int, PointReport] = {}

    def done(index: int, report: PointReport) -> None:
        reports[index] = report
        if progress is not None:
            progress(report, len(reports), len(points))

    if jobs == 1 or len(points) <= 1:
        for index, point in enumerate(points):
            done(index, check_point(point, options))
    else:
        # spawn: a forked copy of a process that runs torch (e.g. under pytest) can hang.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(points)), mp_context=context) as pool:
            futures = {
                pool.submit(check_point, point, options): index
                for index, point in enumerate(points)
            }
            for future in as_completed(futures):
                done(futures[future], future.result())
    return [reports[index] for index in range(len(points))]


def _mark(report: PointReport, name: str) -> str:
    result = report.results.get(name)
    if result is None:
        return NOT_RUN
    return PASS if result.ok else FAIL


def _rows(reports: Sequence[PointReport], checks: Sequence[str]) -> list[list[str]]:
    """A header and a row per point: name, a mark per step, seconds (or ``reused``), answers."""
    columns = [RENDER, *checks]
    header = ["point", *columns, "seconds", "answers"]
    return [
        header,
        *(
            [
                report.point.name,
                *(_mark(report, name) for name in columns),
                "reused" if report.reused else f"{report.seconds:.1f}",
                report.point.describe(),
            ]
            for report in reports
        ),
    ]


def _summary(reports: Sequence[PointReport]) -> str:
    """One line: how many points passed and failed, and which results were reused."""
    failed = sum(not report.ok for report in reports)
    total = sum(report.seconds for report in reports if not report.reused)
    sources = sorted({report.reused for report in reports if report.reused})
    reused = sum(bool(report.reused) for report in reports)
    return (
        f"{len(reports) - failed}/{len(reports)} points passed"
        + (f", {failed} failed" if failed else "")
        + f" ({total:.1f}s of checks)"
        + (
            f"; {reused} unchanged since {', '.join(sources)}: results reused, not checked again"
            if reused
            else ""
        )
    )


def format_table(reports: Sequence[PointReport], checks: Sequence[str]) -> str:
    """Lay out reports as a table: a row per point, a column per step, then the answers.

    Args:
        reports: The reports.
        checks: The checks that were asked for, names from :data:`CHECKS`.

    Returns:
        The table, with ✓ for a pass, ✗ for a failure, ``-`` for a step not run, the seconds
        each point took (``reused`` for a point whose earlier results were taken because it is
        unchanged) and the answers that differ from the defaults, then a summary line.
    """
    rows = _rows(reports, checks)
    width = len(rows[0])
    widths = [max(len(row[i]) for row in rows) for i in range(width - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(size) if column == width - 2 else cell.ljust(size)
            for column, (cell, size) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join([*lines, "", _summary(reports)])


def format_markdown(reports: Sequence[PointReport], checks: Sequence[str], title: str) -> str:
    """Lay out the same table as :func:`format_table` in Markdown, e.g. for a CI job summary.

    Args:
        reports: The reports.
        checks: The checks that were asked for, names from :data:`CHECKS`.
        title: The heading above the table.

    Returns:
        A heading, the table and the summary line, in Markdown.
    """
    rows = _rows(reports, checks)

    def line(cells: Sequence[str]) -> str:
        escaped = (cell.replace("|", "\\|") for cell in cells)
        return "| " + " | ".join(escaped) + " |"

    rule = ["---:" if column == len(rows[0]) - 2 else "---" for column in range(len(rows[0]))]
    table = [line(rows[0]), "|" + "|".join(rule) + "|", *(line(row) for row in rows[1:])]
    return "\n".join([f"## {title}", "", *table, "", _summary(reports), ""])


def failure_details(reports: Sequence[PointReport], tail: int = 40) -> str:
    """Show the end of each failed step's output.

    Args:
        reports: The reports.
        tail: How many of each output's last lines to show.

    Returns:
        A section per failed step, or an empty string when nothing failed.
    """
    sections = []
    for report in reports:
        for name, result in report.results.items():
            if result.ok:
                continue
            lines = result.output.rstrip().splitlines()
            shown = lines[-tail:]
            head = f"--- {report.point.name}: {name} failed ({result.seconds:.1f}s) ---"
            skipped = [f"[... {len(lines) - tail} lines before]"] if len(lines) > tail else []
            sections.append("\n".join([head, *skipped, *shown]))
    return "\n\n".join(sections)


def report_json(
    reports: Sequence[PointReport], options: CheckOptions, seconds: float, **extra: Any
) -> dict[str, Any]:
    """Describe a run as JSON data.

    Args:
        reports: The reports.
        options: How the points were checked.
        seconds: How long the whole run took.
        **extra: More top-level keys (e.g. the subset's name).

    Returns:
        ``ok``, ``seconds``, the options, and per point its name, kind, answers, ``ok``,
        seconds, kept directory, fingerprint, where reused results came from (or ``null``)
        and each step's ``ok``, seconds and output.
    """
    return {
        "ok": all(report.ok for report in reports),
        "seconds": round(seconds, 3),
        "template": options.template,
        "vcs_ref": options.vcs_ref,
        "checks": list(options.checks),
        **extra,
        "points": [
            {
                **report.point.to_json(),
                "ok": report.ok,
                "seconds": round(report.seconds, 3),
                "directory": report.directory,
                "fingerprint": report.fingerprint,
                "reused": report.reused,
                "results": {
                    name: {
                        "ok": result.ok,
                        "seconds": round(result.seconds, 3),
                        "output": result.output,
                    }
                    for name, result in report.results.items()
                },
            }
            for report in reports
        ],
    }


def copier_file(template: str | Path) -> Path:
    """Find a local template's ``copier.yml`` (or ``copier.yaml``).

    Args:
        template: The template's root.

    Returns:
        The file's path (``copier.yml`` when neither exists).
    """
    root = Path(template).expanduser().resolve()
    for name in ("copier.yml", "copier.yaml"):
        if (root / name).is_file():
            return root / name
    return root / "copier.yml"


def _git(*args: str) -> str:
    completed = subprocess.run(
        ["git", *args], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL
    )
    return completed.stdout.strip()


def _git_url(template: str) -> str:
    """Turn copier's template URL forms (``git+...``, ``gh:``, ``gl:``) into git's."""
    for alias, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if template.startswith(alias):
            path = template[len(alias) :].lstrip("/")
            return f"{host}{path}" if path.endswith(".git") else f"{host}{path}.git"
    return template[len("git+") :] if template.startswith("git+") else template


@contextmanager
def local_template(
    template: str | Path, vcs_ref: str | None
) -> Iterator[tuple[str, str | None, Mapping[str, str]]]:
    """Have a template on disk: a local one as it is, a URL cloned for the duration.

    A URL is cloned and checked out at ``vcs_ref``, or at its latest tag when ``vcs_ref`` is
    ``None`` (its default branch without tags); the clone is then rendered at ``HEAD``.

    Args:
        template: A local template directory or a git URL.
        vcs_ref: The revision to render.

    Yields:
        The local template's root, the revision to render it at, and a description of where
        it came from (``template`` and ``vcs_ref``, for reports).
    """
    if not is_remote(template):
        root = str(Path(template).expanduser().resolve())
        yield root, vcs_ref, {"template": root, "vcs_ref": str(vcs_ref)}
        return
    scratch = tempfile.mkdtemp(prefix="flash-task-template-")
    try:
        clone = str(Path(scratch) / "template")
        _git("clone", "--quiet", _git_url(str(template)), clone)
        ref = vcs_ref
        if ref is None:
            try:
                ref = _git("-C", clone, "describe", "--tags", "--abbrev=0")
            except subprocess.CalledProcessError:
                ref = None
        if ref:
            _git("-C", clone, "checkout", "--quiet", ref)
        yield clone, "HEAD", {"template": str(template), "vcs_ref": str(ref or "default branch")}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
