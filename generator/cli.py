"""The ``flash-task`` command: ``new``, ``add``, ``update`` and ``check``.

* ``flash-task new DEST [--data key=value ...]`` renders a new library with its first task,
  in a new git repository with a first commit.
* ``flash-task add LIBRARY_DIR [--data key=value ...]`` adds another task to such a library.
* ``flash-task update [LIBRARY_DIR]`` updates the library and each task from the template.
* ``flash-task check [--subset NAME] [--jobs J] ...`` renders points of the answer matrix and
  runs each rendering's own checks.

Each subcommand is a parser made by a ``_add_<name>`` function and run by a ``_<name>``
function that returns the exit code, so a new subcommand is one more pair of functions.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from copier.errors import CopierError, DirtyLocalWarning

from .envs import (
    ENV_DIR_VARIABLE,
    MODALITY_REQUIREMENTS,
    EnvironmentSetupError,
    env_variable,
    interpreters,
)
from .errors import AnswerError, ConflictError, LibraryError
from .fanout import (
    MergeError,
    Report,
    job_matrix,
    merge_reports,
    merged_checks,
    parse_shard,
    point_fingerprint,
    read_report,
    report_durations,
    reusable_results,
    shard_matrix,
    split_points,
    template_commit,
    template_digest,
)
from .git import GitError, has_git, init_repository, repository_root
from .library import RECORDED, TaskPlan, add_planned, library_template, plan_task
from .matrix import SUBSETS, Point, build_matrix, select_points
from .render import default_vcs_ref, is_remote, preview, read_answers, recorded_answers, render
from .runner import (
    CHECKS,
    DEFAULT_CHECKS,
    CheckOptions,
    PointReport,
    copier_file,
    failure_details,
    format_markdown,
    format_table,
    local_template,
    parse_checks,
    report_json,
    run_points,
)
from .source import after_copy_message, open_template
from .template import COPIER_FILE, TEMPLATE_ROOT, Question, check_answer_keys, load_questions
from .update import CONFLICT_MODES, UpdateReport, update_library

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
"""A check failed, copier failed, or rendering would overwrite different files."""
EXIT_USAGE = 2
"""Bad usage or a refused answer, as argparse exits for bad arguments."""


def _key_value(text: str) -> tuple[str, str]:
    """Split one ``--data`` argument, ``key=value``, for argparse.

    Args:
        text: The argument as typed.

    Returns:
        The key and the value (which may be empty).

    Raises:
        argparse.ArgumentTypeError: When there is no ``=`` or no key.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key.strip(), value


def _answers(pairs: Sequence[tuple[str, str]], questions: Mapping[str, Any]) -> dict[str, Any]:
    """Turn ``--data`` pairs into copier answers; the last pair for a key wins.

    A multiselect question takes a YAML list (``inputs=[numpy, sklearn]``) or, more simply,
    comma-separated values (``inputs=numpy,sklearn``).

    Args:
        pairs: The ``(key, value)`` pairs in the order given.
        questions: The template's questions, to know which are multiselect and which keys are
            questions; when unknown (a URL, or a library's own template), this package's.

    Returns:
        The answers, by question name, as copier takes them.

    Raises:
        AnswerError: For a key that is not an asked question, naming the closest one.
    """
    known = questions or _bundled_questions()
    check_answer_keys(dict(pairs), known)
    data: dict[str, Any] = {}
    for key, value in pairs:
        multiselect = bool(known.get(key, {}).get("multiselect"))
        if multiselect and not value.lstrip().startswith("["):
            data[key] = [item.strip() for item in value.split(",") if item.strip()]
        else:
            data[key] = value
    return data


def _bundled_questions() -> dict[str, Question]:
    """The questions of the template this package ships (the repository it lives in)."""
    return load_questions(COPIER_FILE) if COPIER_FILE.is_file() else {}


def _template_questions(template: str | Path) -> dict[str, Question]:
    """Read a local template's questions; a URL's are unknown until copier fetches it."""
    if is_remote(template):
        return {}
    path = copier_file(template)
    return load_questions(path) if path.is_file() else {}


def _vcs_ref(args: argparse.Namespace, template: str | Path) -> str | None:
    """The revision to render: ``--vcs-ref``, else HEAD for a directory, a URL's latest tag."""
    return args.vcs_ref if args.vcs_ref else default_vcs_ref(template)


def _interactive(args: argparse.Namespace) -> bool:
    """Whether copier may ask the questions not answered with ``--data``."""
    return not args.defaults and sys.stdin is not None and sys.stdin.isatty()


def _add_render_options(parser: argparse.ArgumentParser) -> None:
    """Add the options ``new`` and ``add`` share: answers, template, overwrite, dry run."""
    parser.add_argument(
        "-d",
        "--data",
        type=_key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question, e.g. task_type=regression (repeatable)",
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="take the default for every question not answered with --data",
    )
    parser.add_argument(
        "--template",
        metavar="PATH_OR_URL",
        help="the template to render: a directory (rendered at HEAD, uncommitted edits "
        "included) or a git URL (rendered at its latest tag)",
    )
    parser.add_argument(
        "--vcs-ref", metavar="REF", help="render the template at this git revision instead"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="overwrite existing files that differ from the rendering",
    )
    parser.add_argument(
        "--dry-run",
        "--pretend",
        dest="dry_run",
        action="store_true",
        help="say what would be written, write nothing",
    )


def _add_new(subparsers: Any) -> None:
    """Add the ``new`` subcommand.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.
    """
    parser = subparsers.add_parser(
        "new",
        help="render a new library with its first task",
        description=(
            "Render the Flash task template into DEST and make DEST a git repository with a "
            "first commit (unless --no-git, or DEST is already in one), so `flash-task update` "
            "works from day one. Questions answered with --data take that answer; with "
            "--defaults (or without a terminal) the others take their default, otherwise they "
            "are asked. Nothing is written when an answer is refused (exit 2) or when DEST "
            "holds files that differ from the rendering and --overwrite is not given (exit 1)."
        ),
    )
    parser.add_argument("dest", type=Path, metavar="DEST", help="the directory to render into")
    _add_render_options(parser)
    parser.add_argument(
        "--no-git",
        dest="git",
        action="store_false",
        help="do not make DEST a git repository with a first commit (copier update needs one)",
    )
    parser.set_defaults(run=_new)


def _add_add(subparsers: Any) -> None:
    """Add the ``add`` subcommand.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.
    """
    parser = subparsers.add_parser(
        "add",
        help="add another task to a rendered library",
        description=(
            "Render another task into LIBRARY_DIR, a library that `flash-task new` rendered. "
            "The library's shared answers (project_name, library_name, author, license...) "
            "come from its .copier-answers.yml; the task renders with new_library=false and "
            "records its answers in its own answers file. The library's README task table, "
            "CHANGELOG, re-exports and dependencies take the new task. Refused when the "
            "library already has that task. The template defaults to the one, at the version, "
            "the library was rendered from."
        ),
    )
    parser.add_argument(
        "library", type=Path, metavar="LIBRARY_DIR", help="the library's root directory"
    )
    _add_render_options(parser)
    parser.set_defaults(run=_add)


def _add_update(subparsers: Any) -> None:
    """Add the ``update`` subcommand.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.
    """
    parser = subparsers.add_parser(
        "update",
        help="update a library and each of its tasks from the template",
        description=(
            "Run `copier update` for LIBRARY_DIR's .copier-answers.yml and then for each "
            "task's answers file, keeping every answer, and leave the changes uncommitted. "
            "Prints the files changed; exits 1 while a conflict remains, naming each file. "
            "The library must be a git repository with nothing uncommitted."
        ),
    )
    parser.add_argument(
        "library",
        type=Path,
        nargs="?",
        default=Path(),
        metavar="LIBRARY_DIR",
        help="the library's root directory (default: the current directory)",
    )
    parser.add_argument(
        "--conflict",
        choices=CONFLICT_MODES,
        default=CONFLICT_MODES[0],
        help="how to leave what cannot be merged: inline markers in the file (default) or a "
        ".rej file beside it",
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="the template version to update to (default: its latest tag)",
    )
    parser.set_defaults(run=_update)


def _add_check(subparsers: Any) -> None:
    """Add the ``check`` subcommand.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.
    """
    subsets = "; ".join(f"{name}: {what}" for name, what in SUBSETS.items())
    parser = subparsers.add_parser(
        "check",
        help="render the answer matrix and run each rendering's checks",
        description=(
            "Derive the answer matrix from the template's copier.yml (defaults, all-on, and "
            "pairwise points that hold every pair of answers), render each point into its own "
            "directory and run its checks, in parallel. Prints a table, exits 1 when any "
            "check fails."
        ),
    )
    parser.add_argument(
        "--template",
        metavar="PATH_OR_URL",
        default=str(TEMPLATE_ROOT),
        help="the template: a directory or a git URL (default: this repository)",
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="the revision to render (default: HEAD with uncommitted edits for a directory, "
        "the latest tag for a URL)",
    )
    parser.add_argument(
        "--subset",
        metavar="NAME",
        help=f"which points: {subsets}; or comma-separated point names (default: all)",
    )
    parser.add_argument(
        "--points", type=int, metavar="N", help="check only the first N points of the subset"
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="J",
        help="points to check at once (default: the number of CPUs)",
    )
    parser.add_argument(
        "--checks",
        default=",".join(DEFAULT_CHECKS),
        metavar="LIST",
        help=f"comma-separated checks among {', '.join(CHECKS)} (default: "
        f"{','.join(DEFAULT_CHECKS)})",
    )
    parser.add_argument(
        "--json",
        type=Path,
        nargs="?",
        const=Path("-"),
        metavar="FILE",
        help="also write a JSON report to FILE; with --list, print (or write) the points as a "
        'CI job matrix, {"include": [{"point": ..., "answers": ...}]}, instead',
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep each rendering in DIR/<point>"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop a rendering's test suite after this long, counting it as failed",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the chosen points and their answers, check none"
    )
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="MODALITY=PATH",
        help="the interpreter that runs the types and tests checks of the points of a "
        f"modality (repeatable); default: ${env_variable('MODALITY')}, else "
        + "; ".join(
            f"for {modality}, an environment with {', '.join(pins)} and the test extra"
            for modality, pins in MODALITY_REQUIREMENTS.items()
        )
        + f", made once and reused, under ${ENV_DIR_VARIABLE} (default "
        "~/.cache/flash-task/envs); this interpreter for the others",
    )
    fanout = parser.add_argument_group(
        "fanning out over several machines",
        "Check a share of the points on each machine (or CI job), then merge their reports.",
    )
    fanout.add_argument(
        "--shard",
        metavar="K/N",
        help="check only the K-th of N shares of the chosen points; N runs with K = 1..N "
        "check each point exactly once",
    )
    fanout.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help='with --list --json: list N shard jobs, {"include": [{"shard": "K/N", "points": '
        '"a,b"}]}, instead of a job per point',
    )
    fanout.add_argument(
        "--durations",
        action="append",
        default=[],
        metavar="REPORT",
        help="balance the shards by the seconds each point took in this earlier JSON report "
        "(repeatable); without one, by the number of points",
    )
    fanout.add_argument(
        "--merge",
        nargs="*",
        metavar="REPORT",
        help="check nothing: merge the JSON reports of several runs into one table and one "
        "exit status; --subset defaults to the reports' own",
    )
    fanout.add_argument(
        "--skip-unchanged",
        metavar="REPORT",
        help="take the results of points that passed in this earlier JSON report when the "
        "template's files and the point's answers are unchanged since, instead of checking them",
    )
    fanout.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="append the table in Markdown to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    parser.set_defaults(run=_check)


def _print_plan(
    lines: Sequence[str], dest: Path, what: str, conflicts: int, overwrite: bool
) -> int:
    """Print what a dry run would write, and whether it would be refused.

    Args:
        lines: One ``action path`` line per file.
        dest: Where it would be written.
        what: What would be rendered, e.g. ``flash-tasks``.
        conflicts: How many existing files differ from the rendering.
        overwrite: Whether ``--overwrite`` was given.

    Returns:
        The exit code the real run would have: 1 when it would refuse conflicts.
    """
    print(f"Dry run: would render {what} into {dest}; nothing was written.")
    for line in lines:
        print(f"  {line}")
    if conflicts and not overwrite:
        print(
            f"error: {conflicts} existing file(s) differ from the rendering; "
            "the real run would refuse without --overwrite",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _unwritable(dest: Path) -> str | None:
    """Say why ``dest`` cannot be rendered into, or ``None`` when it can.

    The nearest existing directory is probed by making (and removing) a directory in it.
    """
    path = dest.expanduser().absolute()
    if path.exists() and not path.is_dir():
        return f"{dest} is a file, not a directory; choose another destination"
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{dest} cannot be made: {existing} is a file, not a directory"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".flash-task-", dir=existing))
    except OSError as error:
        return f"{dest} cannot be written: {existing}: {error.strerror or error}"
    return None


def _make_repository(dest: Path, answers: Mapping[str, Any], version: str) -> str:
    """Make a freshly rendered library a git repository with a first commit.

    Returns:
        What was done, in a sentence.
    """
    root = repository_root(dest)
    if root is not None:
        return (
            f"{dest} is inside the git repository {root}: commit the rendered files there "
            "(copier update needs them committed)."
        )
    author = (
        str(answers.get("author_name") or "flash-task"),
        str(answers.get("author_email") or "flash-task@localhost"),
    )
    init_repository(dest, f"Render the template at {version}", author)
    return f"Made {dest} a git repository with a first commit, so `flash-task update` works."


def _new(args: argparse.Namespace) -> int:
    """Run ``flash-task new``: plan in a temporary directory, refuse conflicts, render.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code.
    """
    problem = _unwritable(args.dest)
    if problem is None and args.git and not args.dry_run and not has_git():
        problem = "git is not installed: install it, or pass --no-git (copier update needs git)"
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_FAILED
    template = args.template or TEMPLATE_ROOT
    vcs_ref = _vcs_ref(args, template)
    data = _answers(args.data, _template_questions(template))
    interactive = _interactive(args)
    plan = preview(args.dest, data, template=template, vcs_ref=vcs_ref, defaults=not interactive)
    answers = recorded_answers(plan.answers)
    name = str(answers.get("project_name", plan.dest.name))
    if args.dry_run:
        return _print_plan(plan.lines(), plan.dest, name, len(plan.conflicts), args.overwrite)
    if plan.conflicts and not args.overwrite:
        raise ConflictError(str(args.dest), plan.conflicts)
    render(
        plan.dest,
        {**data, **answers},
        template=template,
        vcs_ref=vcs_ref,
        overwrite=args.overwrite,
    )
    print(f"Rendered {name} into {plan.dest}")
    with open_template(template, vcs_ref) as info:
        message = after_copy_message(info, answers, plan.dest, plan.answers_file)
    version = str(read_answers(plan.dest, plan.answers_file).get("_commit") or "its working tree")
    if args.git:
        print(_make_repository(plan.dest, answers, version))
    if message:
        print(message)
    return EXIT_OK


def _library_source(library: Path) -> str | Path:
    """The template a library records, to read its questions; this one when it records none."""
    try:
        return library_template(read_answers(library))
    except (OSError, ValueError):
        return TEMPLATE_ROOT


def _add(args: argparse.Namespace) -> int:
    """Run ``flash-task add``: add a task to a library, refusing duplicates and conflicts.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code.
    """
    template = args.template
    data = _answers(args.data, _template_questions(template or _library_source(args.library)))
    plan = plan_task(
        args.library,
        data,
        template=template,
        vcs_ref=args.vcs_ref or RECORDED,
        defaults=not _interactive(args),
    )
    what = f"the {plan.data_type}/{plan.task_type} task"
    if args.dry_run:
        print(f"Template: {plan.origin}")
        return _print_plan(
            plan.lines(), plan.library, what, len(plan.plan.conflicts), args.overwrite
        )
    print(f"Rendering {what} from {plan.origin}")
    add_planned(plan, overwrite=args.overwrite)
    _print_added(plan)
    return EXIT_OK


def _print_added(plan: TaskPlan) -> None:
    """Say what ``add`` changed in the library, what is left to do, and what to do next."""
    print(
        f"Added the {plan.data_type}/{plan.task_type} task to {plan.library} "
        f"(its answers: {plan.answers_file})"
    )
    for edit in plan.edits:
        print(f"  updated {edit.path}: {edit.what}")
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    with open_template(plan.template, plan.vcs_ref) as info:
        message = after_copy_message(info, plan.data, plan.library, plan.answers_file)
    if message:
        print(message)


_RESOLVE = {
    "inline": (
        "both you and the template changed these lines: keep what you want between "
        "'<<<<<<< before updating' and '>>>>>>> after updating', delete the marker lines, "
        "then `git add` the file"
    ),
    "rej": "apply the hunks of {rej} by hand, then delete {rej}",
}
"""How to resolve a conflict, by how copier marked it."""


def _print_update(report: UpdateReport) -> int:
    """Print what ``update`` did and what conflicts remain.

    Returns:
        The exit code: 1 while a conflict remains.
    """
    if report.steps:
        print(f"Ran copier update in {report.library}, for each answers file:")
    for step in report.steps:
        change = "kept" if step.before == step.after else f"{step.before} ->"
        print(f"  {step.answers_file}: {change} {step.after}")
    if report.changed and not report.earlier:
        print("Changed files (uncommitted; review them with `git diff`):")
        for status, path in report.changed:
            print(f"  {status} {path}")
    elif not report.earlier:
        print("Nothing changed: the library is up to date with its template.")
    for path in report.conflicts:
        print(f"conflict: {path}: {_RESOLVE['inline']}", file=sys.stderr)
    for rej in report.rejects:
        path = rej.removesuffix(".rej")
        print(f"conflict: {path}: {_RESOLVE['rej'].format(rej=rej)}", file=sys.stderr)
    if report.ok:
        if report.changed:
            print("No conflicts. Review the changes, run the tests, then commit them.")
        return EXIT_OK
    count = len(report.conflicts) + len(report.rejects)
    pending = f"; {', '.join(report.pending)} will be updated then" if report.pending else ""
    when = "an earlier update left" if report.earlier else "the update left"
    print(
        f"error: {when} {count} conflict(s) in {report.library} (listed above): resolve them, "
        f"commit, then run `flash-task update` again{pending}",
        file=sys.stderr,
    )
    return EXIT_FAILED


def _update(args: argparse.Namespace) -> int:
    """Run ``flash-task update``.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code: 0 when every answers file updated without conflict, else 1.
    """
    report = update_library(args.library, conflict=args.conflict, vcs_ref=args.vcs_ref)
    return _print_update(report)


def _progress(report: PointReport, done: int, total: int) -> None:
    """Say on stderr that a point is done, as points finish."""
    status = "ok" if report.ok else "FAILED"
    print(
        f"[{done}/{total}] {report.point.name}: {status} ({report.seconds:.1f}s)", file=sys.stderr
    )


def _check(args: argparse.Namespace) -> int:
    """Run ``flash-task check``: list, check (all points or a shard), or merge reports.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code: 0 when every point passes, 1 when one fails or reports cannot be
        merged, 2 for bad usage.
    """
    try:
        inputs = _check_inputs(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    checks = inputs.checks
    vcs_ref = _vcs_ref(args, args.template)
    start = time.perf_counter()
    with local_template(args.template, vcs_ref) as (root, ref, origin):
        try:
            matrix = build_matrix(copier_file(root))
        except (OSError, ValueError) as error:  # no copier.yml, or it refuses its defaults
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED
        subset = args.subset or _reports_subset(inputs.merge) or "all"
        try:
            points = select_points(matrix, subset, args.points)
        except ValueError as error:
            print(f"error: --subset: {error}", file=sys.stderr)
            return EXIT_USAGE
        try:
            digest = template_digest(root, ref)
        except ValueError as error:
            print(f"error: --vcs-ref: {error}", file=sys.stderr)
            return EXIT_USAGE
        fingerprints = {point.name: point_fingerprint(digest, point) for point in points}
        reuse = (
            reusable_results(points, fingerprints, inputs.earlier, checks)
            if inputs.earlier
            else {}
        )
        recorded = {**origin, "commit": template_commit(root), "subset": subset}
        if inputs.merge is not None:
            return _merge(args, inputs.merge, points, reuse, checks, recorded, start)
        if args.list:
            return _list_points(args, [p for p in points if p.name not in reuse], reuse, inputs)
        if inputs.shard is not None:
            index, count = inputs.shard
            points = split_points(points, count, inputs.durations)[index - 1]
        todo = [point for point in points if point.name not in reuse]
        jobs = min(args.jobs, max(len(todo), 1))
        try:
            pythons = (
                interpreters(
                    {p.name: matrix.modalities.get(p.name, "") for p in todo}, inputs.pythons
                )
                if {"types", "tests"} & set(checks)
                else {}
            )
        except EnvironmentSetupError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED
        options = CheckOptions(
            template=root,
            vcs_ref=ref,
            checks=checks,
            keep=str(args.keep.expanduser().resolve()) if args.keep else None,
            timeout=args.timeout,
            threads=max(1, (os.cpu_count() or 1) // jobs),
            pythons=tuple(pythons.items()),
        )
        shard = f", shard {args.shard}" if args.shard else ""
        print(
            f"Checking {len(todo)} point(s) of {origin['template']} at {origin['vcs_ref']} "
            f"({', '.join(checks)}{shard}), {jobs} at a time"
            + (f"; {len(points) - len(todo)} unchanged, reused" if reuse else ""),
            file=sys.stderr,
        )
        checked = {
            report.point.name: report
            for report in run_points(todo, options, jobs=jobs, progress=_progress)
        }
    reports = [
        reuse[point.name]
        if point.name in reuse
        else replace(checked[point.name], fingerprint=fingerprints[point.name])
        for point in points
    ]
    seconds = time.perf_counter() - start
    print(format_table(reports, checks))
    print(f"Wall time: {seconds:.1f}s with {jobs} job(s)")
    details = failure_details(reports)
    if details:
        print()
        print(details)
    data = report_json(reports, options, seconds, jobs=jobs, shard=args.shard, **recorded)
    _write_outputs(args, reports, checks, data, f"flash-task check{shard}")
    return EXIT_OK if all(report.ok for report in reports) else EXIT_FAILED


@dataclass(frozen=True)
class _CheckInputs:
    """What ``check``'s options say, read and checked before the template is looked at."""

    checks: tuple[str, ...]
    shard: tuple[int, int] | None
    durations: dict[str, float]
    earlier: Report | None
    merge: list[Report] | None
    pythons: dict[str, str]


def _read_reports(paths: Sequence[str], option: str) -> list[Report]:
    """Read the JSON reports given to an option; the error names the option and the file."""
    try:
        return [read_report(path) for path in paths]
    except ValueError as error:
        raise ValueError(f"{option}: {error}") from None


def _check_inputs(args: argparse.Namespace) -> _CheckInputs:
    """Check that ``check``'s options fit together, and read the reports they name.

    Args:
        args: The parsed arguments.

    Returns:
        The checks, the shard, the durations to balance shards by, the earlier report and the
        reports to merge.

    Raises:
        ValueError: Naming the option that is wrong.
    """
    try:
        checks = parse_checks(args.checks)
    except ValueError as error:
        raise ValueError(f"--checks: {error}") from None
    if args.jobs < 1:
        raise ValueError("--jobs must be at least 1")
    if args.shards is not None and (args.shards < 1 or not args.list or args.json is None):
        raise ValueError("--shards N needs N >= 1 and goes with --list --json")
    if args.shards is not None and args.shard:
        raise ValueError("--shard and --shards do not go together")
    if args.merge is not None and (args.list or args.shard):
        raise ValueError("--merge checks nothing: it goes with neither --list nor --shard")
    if args.json == Path("-") and not args.list:
        raise ValueError("--json needs a FILE, except with --list")
    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as error:
        raise ValueError(f"--shard: {error}") from None
    earlier = _read_reports(
        [args.skip_unchanged] if args.skip_unchanged else [], "--skip-unchanged"
    )
    timed = _read_reports(args.durations, "--durations")
    pythons = {}
    for given in args.python:
        modality, _, python = given.partition("=")
        if not modality or not python:
            raise ValueError(
                f"--python takes MODALITY=PATH, e.g. image=/venv/bin/python; got {given!r}"
            )
        pythons[modality.strip()] = python
    return _CheckInputs(
        checks=checks,
        shard=shard,
        durations=report_durations([*earlier, *timed]),
        earlier=earlier[0] if earlier else None,
        merge=_read_reports(args.merge, "--merge") if args.merge is not None else None,
        pythons=pythons,
    )


def _reports_subset(reports: Sequence[Report] | None) -> str | None:
    """The subset that every report to merge was checked from, when they agree on one."""
    subsets = {str(report.data.get("subset") or "") for report in reports or ()}
    return subsets.pop() if len(subsets) == 1 else None


def _list_points(
    args: argparse.Namespace,
    points: Sequence[Point],
    reuse: Mapping[str, PointReport],
    inputs: _CheckInputs,
) -> int:
    """List the points to check: one per line, or with ``--json`` as a CI job matrix.

    Args:
        args: The parsed arguments.
        points: The points to check (without those whose results are reused).
        reuse: The points whose results an earlier report holds.
        inputs: The shard and durations.

    Returns:
        The exit code, 0.
    """
    if inputs.shard is not None:
        index, count = inputs.shard
        points = split_points(points, count, inputs.durations)[index - 1]
    if reuse:
        names = ", ".join(reuse)
        print(f"{len(reuse)} point(s) unchanged, their results reused: {names}", file=sys.stderr)
    if args.json is None:
        width = max((len(point.name) for point in points), default=0)
        for point in points:
            print(f"{point.name:<{width}}  {point.describe()}")
        return EXIT_OK
    if args.shards:
        matrix = shard_matrix(points, args.shards, inputs.durations)
    else:
        matrix = job_matrix(points)
    text = json.dumps(matrix, ensure_ascii=False, separators=(",", ":"))
    if args.json == Path("-"):
        print(text)
    else:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", "utf-8")
    return EXIT_OK


def _merge(
    args: argparse.Namespace,
    merging: Sequence[Report],
    points: Sequence[Point],
    reuse: Mapping[str, PointReport],
    args_checks: Sequence[str],
    recorded: Mapping[str, Any],
    start: float,
) -> int:
    """Merge the reports of several runs, print one table and return one exit code.

    Args:
        args: The parsed arguments.
        merging: The reports to merge.
        points: The points the runs were to check together.
        reuse: Results of unchanged points from ``--skip-unchanged``'s report, for points that
            no run checked.
        args_checks: The checks ``--checks`` asked for, which reused results hold.
        recorded: What the merged report records of the template.
        start: When the command started.

    Returns:
        0 when every point passed, 1 when one failed or the reports cannot be merged.
    """
    try:
        reports = merge_reports(merging, points, reuse)
    except MergeError as error:
        for line in str(error).splitlines():
            print(f"error: --merge: {line}", file=sys.stderr)
        return EXIT_FAILED
    ran = {*merged_checks(merging), *(args_checks if reuse else ())}
    checks = tuple(name for name in CHECKS if name in ran)
    print(format_table(reports, checks))
    details = failure_details(reports)
    if details:
        print()
        print(details)
    options = CheckOptions(template=str(recorded["template"]), checks=checks)
    paths = [report.path for report in merging]
    data = report_json(
        reports, options, time.perf_counter() - start, merged_from=paths, **recorded
    )
    _write_outputs(args, reports, checks, data, f"flash-task check: {len(paths)} report(s)")
    return EXIT_OK if all(report.ok for report in reports) else EXIT_FAILED


def _write_outputs(
    args: argparse.Namespace,
    reports: Sequence[PointReport],
    checks: Sequence[str],
    data: Mapping[str, Any],
    title: str,
) -> None:
    """Write the JSON report (``--json``) and append the Markdown table (``--summary``)."""
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(format_markdown(reports, checks, title) + "\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``flash-task`` argument parser, one subparser per subcommand.

    Returns:
        The parser; each subcommand sets ``run``, the function that carries it out.
    """
    parser = argparse.ArgumentParser(
        prog="flash-task", description="Scaffold Flash-style tasks on Lightning 2."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_new(subparsers)
    _add_add(subparsers)
    _add_update(subparsers)
    _add_check(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flash-task`` command.

    Args:
        argv: The arguments, without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code: 0 on success; 1 when a check or copier fails, rendering would overwrite
        different files, a library cannot take a task or be updated, or an update leaves
        conflicts; 2 for bad usage or a refused answer.
    """
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            # Rendering the checkout as it is, uncommitted changes included, is the point.
            warnings.simplefilter("ignore", DirtyLocalWarning)
            code: int = args.run(args)
            return code
    except AnswerError as error:
        print(f"error: {error.question}: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    except (ConflictError, LibraryError, GitError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except CopierError as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
