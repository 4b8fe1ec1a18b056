"""The ``flash-task`` command: ``new``, ``add`` and ``check``.

* ``flash-task new DEST [--data key=value ...]`` renders a new library with its first task.
* ``flash-task add LIBRARY_DIR [--data key=value ...]`` adds another task to such a library.
* ``flash-task check [--subset NAME] [--jobs J] ...`` renders points of the answer matrix and
  runs each rendering's own checks.

Each subcommand is a parser made by a ``_add_<name>`` function and run by a ``_<name>``
function that returns the exit code, so a new subcommand is one more pair of functions.
"""

import argparse
import json
import os
import shlex
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from copier.errors import CopierError, DirtyLocalWarning

from .errors import AnswerError, ConflictError, LibraryError
from .library import add_task, plan_task
from .matrix import SUBSETS, build_matrix, select_points
from .render import RenderPlan, default_vcs_ref, is_remote, preview, recorded_answers, render
from .runner import (
    CheckOptions,
    PointReport,
    copier_file,
    failure_details,
    format_table,
    local_template,
    parse_checks,
    report_json,
    run_points,
)
from .template import COPIER_FILE, TEMPLATE_ROOT, Question, check_answer_keys, load_questions

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
            "Render the Flash task template into DEST. Questions answered with --data take "
            "that answer; with --defaults (or without a terminal) the others take their "
            "default, otherwise they are asked. Nothing is written when an answer is refused "
            "(exit 2) or when DEST holds files that differ from the rendering and --overwrite "
            "is not given (exit 1)."
        ),
    )
    parser.add_argument("dest", type=Path, metavar="DEST", help="the directory to render into")
    _add_render_options(parser)
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
            "records its answers in .copier-answers.<data_type>-<task_type>.yml. Refused when "
            "the library already has that task. The template defaults to the one the library "
            "was rendered from."
        ),
    )
    parser.add_argument(
        "library", type=Path, metavar="LIBRARY_DIR", help="the library's root directory"
    )
    _add_render_options(parser)
    parser.set_defaults(run=_add)


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
        default="all",
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
        default=",".join(["jinja", "lint", "format", "tests"]),
        metavar="LIST",
        help="comma-separated checks among jinja, lint, format, tests (default: all)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write a JSON report")
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
    parser.set_defaults(run=_check)


def _next_steps(where: Path, answers: Mapping[str, Any], headline: str) -> str:
    """Say what to do with a freshly rendered task.

    Args:
        where: The directory as the user typed it.
        answers: The task's recorded answers.
        headline: The first line.

    Returns:
        The lines to print.
    """
    example = f"examples/{answers.get('data_type')}_{answers.get('task_type')}.py"
    return "\n".join(
        [
            headline,
            "Next steps:",
            f"  cd {shlex.quote(str(where))}",
            "  pip install -e '.[test]'",
            "  pytest",
            f"  python {example}",
        ]
    )


def _print_plan(plan: RenderPlan, what: str, overwrite: bool) -> int:
    """Print what a dry run would write, and whether it would be refused.

    Args:
        plan: The plan.
        what: What would be rendered, e.g. ``flash-tasks``.
        overwrite: Whether ``--overwrite`` was given.

    Returns:
        The exit code the real run would have: 1 when it would refuse conflicts.
    """
    print(f"Dry run: would render {what} into {plan.dest}; nothing was written.")
    for line in plan.lines():
        print(f"  {line}")
    if plan.conflicts and not overwrite:
        print(
            f"error: {len(plan.conflicts)} existing file(s) differ from the rendering; "
            "the real run would refuse without --overwrite",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    """Run ``flash-task new``: plan in a temporary directory, refuse conflicts, render.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code.
    """
    template = args.template or TEMPLATE_ROOT
    vcs_ref = _vcs_ref(args, template)
    data = _answers(args.data, _template_questions(template))
    interactive = _interactive(args)
    plan = preview(args.dest, data, template=template, vcs_ref=vcs_ref, defaults=not interactive)
    answers = recorded_answers(plan.answers)
    name = str(answers.get("project_name", plan.dest.name))
    if args.dry_run:
        return _print_plan(plan, name, args.overwrite)
    if plan.conflicts and not args.overwrite:
        raise ConflictError(str(args.dest), plan.conflicts)
    render(
        plan.dest,
        {**data, **answers},
        template=template,
        vcs_ref=vcs_ref,
        overwrite=args.overwrite,
    )
    print(_next_steps(args.dest, answers, f"Rendered {name} into {plan.dest}"))
    return EXIT_OK


def _add(args: argparse.Namespace) -> int:
    """Run ``flash-task add``: add a task to a library, refusing duplicates and conflicts.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code.
    """
    template = args.template
    vcs_ref = args.vcs_ref if args.vcs_ref else default_vcs_ref(template or TEMPLATE_ROOT)
    questions = _template_questions(template) if template else {}
    data = _answers(args.data, questions)
    defaults = not _interactive(args)
    if args.dry_run:
        plan = plan_task(args.library, data, template=template, vcs_ref=vcs_ref, defaults=defaults)
        return _print_plan(
            plan.plan, f"the {plan.data_type}/{plan.task_type} task", args.overwrite
        )
    task = add_task(
        args.library,
        data,
        template=template,
        vcs_ref=vcs_ref,
        overwrite=args.overwrite,
        defaults=defaults,
    )
    headline = f"Added the {task.data_type}/{task.task_type} task to {task.library}"
    print(_next_steps(args.library, task.data, headline))
    return EXIT_OK


def _progress(report: PointReport, done: int, total: int) -> None:
    """Say on stderr that a point is done, as points finish."""
    status = "ok" if report.ok else "FAILED"
    print(
        f"[{done}/{total}] {report.point.name}: {status} ({report.seconds:.1f}s)", file=sys.stderr
    )


def _check(args: argparse.Namespace) -> int:
    """Run ``flash-task check``.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code: 0 when every point passes, 1 when one fails, 2 for bad usage.
    """
    try:
        checks = parse_checks(args.checks)
    except ValueError as error:
        print(f"error: --checks: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    vcs_ref = _vcs_ref(args, args.template)
    start = time.perf_counter()
    with local_template(args.template, vcs_ref) as (root, ref, origin):
        try:
            matrix = build_matrix(copier_file(root))
        except (OSError, ValueError) as error:  # no copier.yml, or it refuses its defaults
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED
        try:
            points = select_points(matrix, args.subset, args.points)
        except ValueError as error:
            print(f"error: --subset: {error}", file=sys.stderr)
            return EXIT_USAGE
        if args.list:
            width = max((len(point.name) for point in points), default=0)
            for point in points:
                print(f"{point.name:<{width}}  {point.describe()}")
            return EXIT_OK
        jobs = min(args.jobs, max(len(points), 1))
        options = CheckOptions(
            template=root,
            vcs_ref=ref,
            checks=checks,
            keep=str(args.keep.expanduser().resolve()) if args.keep else None,
            timeout=args.timeout,
            threads=max(1, (os.cpu_count() or 1) // jobs),
        )
        print(
            f"Checking {len(points)} point(s) of {origin['template']} at {origin['vcs_ref']} "
            f"({', '.join(checks)}), {jobs} at a time",
            file=sys.stderr,
        )
        reports = run_points(points, options, jobs=jobs, progress=_progress)
    seconds = time.perf_counter() - start
    print(format_table(reports, checks))
    print(f"Wall time: {seconds:.1f}s with {jobs} job(s)")
    details = failure_details(reports)
    if details:
        print()
        print(details)
    if args.json:
        data = report_json(reports, options, seconds, subset=args.subset, jobs=jobs, **origin)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return EXIT_OK if all(report.ok for report in reports) else EXIT_FAILED


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
    _add_check(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flash-task`` command.

    Args:
        argv: The arguments, without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code: 0 on success; 1 when a check or copier fails, rendering would overwrite
        different files, or a library cannot take a task; 2 for bad usage or a refused answer.
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
    except (ConflictError, LibraryError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except CopierError as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
