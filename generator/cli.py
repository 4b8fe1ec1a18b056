"""The ``flash-task`` command: ``flash-task new DEST [--data key=value ...]``.

Each subcommand is a parser made by a ``_add_<name>`` function and run by a ``_<name>``
function that returns the exit code, so a new subcommand is one more pair of functions.
"""

import argparse
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from copier.errors import CopierError, DirtyLocalWarning

from .errors import AnswerError
from .render import DEFAULT_ANSWERS_FILE, read_answers, render
from .template import load_config, load_questions

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
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
        questions: The template's questions, to know which are multiselect.

    Returns:
        The answers, by question name, as copier takes them.
    """
    data: dict[str, Any] = {}
    for key, value in pairs:
        multiselect = bool(questions.get(key, {}).get("multiselect"))
        if multiselect and not value.lstrip().startswith("["):
            data[key] = [item.strip() for item in value.split(",") if item.strip()]
        else:
            data[key] = value
    return data


def _add_new(subparsers: Any) -> None:
    """Add the ``new`` subcommand.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.
    """
    parser = subparsers.add_parser(
        "new",
        help="render a new task project",
        description=(
            "Render the Flash task template into DEST. Questions answered with --data take "
            "that answer; with --defaults (or without a terminal) the others take their "
            "default, otherwise they are asked."
        ),
    )
    parser.add_argument("dest", type=Path, metavar="DEST", help="the directory to render into")
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
        "--pretend", action="store_true", help="show what would be rendered, write nothing"
    )
    parser.set_defaults(run=_new)


def _next_steps(project: Path) -> str:
    """Say what to do with a freshly rendered project.

    Args:
        project: The rendered project's directory.

    Returns:
        The lines to print.
    """
    answers = read_answers(project, load_config().get("_answers_file", DEFAULT_ANSWERS_FILE))
    example = f"examples/{answers.get('data_type')}_{answers.get('task_type')}.py"
    return "\n".join(
        [
            f"Rendered {answers.get('project_name', project.name)} in {project}",
            "Next steps:",
            f"  cd {project}",
            "  pip install -e '.[test]'",
            "  python -m pytest -q",
            f"  python {example}",
        ]
    )


def _new(args: argparse.Namespace) -> int:
    """Run ``flash-task new``.

    Args:
        args: The parsed arguments.

    Returns:
        The exit code.
    """
    data = _answers(args.data, load_questions())
    defaults = args.defaults or sys.stdin is None or not sys.stdin.isatty()
    project = render(args.dest, data, pretend=args.pretend, defaults=defaults)
    if args.pretend:
        print(f"Pretended to render into {project}; nothing was written.")
    else:
        print(_next_steps(project))
    return EXIT_OK


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``flash-task`` command.

    Args:
        argv: The arguments, without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit code: 0 on success, 1 when copier fails, 2 for bad usage or a refused answer.
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
    except CopierError as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
