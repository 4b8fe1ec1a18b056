"""The names an answer must not take, derived from the environment the rendered project runs in.

``copier.yml`` keeps the lists its validators read (a validator sees nothing but the answers),
and this module derives what those lists must hold, so a test can check them against the real
environment and ``python -m generator.names`` can print them anew:

* :func:`shadowed_modules`: every top-level module a ``library_name`` would shadow, the standard
  library's (``sys.stdlib_module_names``) and those of the rendered project's declared
  dependencies and of all their transitive dependencies, as installed here
  (``importlib.metadata``: ``top_level.txt``, else the files each distribution installed).
* :func:`core_names`: the public names of the rendered core, parsed from its own ``__all__``.
"""

import ast
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Final

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .template import COPIER_FILE, TEMPLATE_ROOT, load_questions

__all__ = [
    "CORE_INIT",
    "PYPROJECT_TEMPLATE",
    "copier_list",
    "core_names",
    "declared_requirements",
    "distribution_closure",
    "shadowed_modules",
    "top_level_modules",
]

PYPROJECT_TEMPLATE: Final[Path] = TEMPLATE_ROOT / "template" / "pyproject.toml.jinja"
"""The rendered project's ``pyproject.toml``, whose dependencies the names must not shadow."""

CORE_INIT: Final[Path] = (
    TEMPLATE_ROOT / "template" / "src" / "{{ library_name }}" / "core" / "__init__.py"
)
"""The rendered core's package, whose ``__all__`` names the core's public classes."""

_PACKAGE_NAME: Final = re.compile(r"[a-z][a-z0-9_]*")
"""What a ``library_name`` may look like (its validator's pattern): only such names matter."""

_REQUIREMENT: Final = re.compile(r'^\s*"([A-Za-z0-9][^"]*)",?\s*(?:#.*)?$')
_LIST_START: Final = re.compile(r"^\s*(dependencies|[a-z][a-z0-9_-]*)\s*=\s*\[")


def declared_requirements(pyproject: Path = PYPROJECT_TEMPLATE) -> list[Requirement]:
    """Read every requirement the rendered ``pyproject.toml`` may declare, whatever the answers.

    The file is a Jinja template, so it is read line by line: each quoted requirement inside
    ``dependencies = [...]`` or an optional-dependencies list counts, whichever ``{% if %}``
    it sits in.

    Args:
        pyproject: The template of the rendered ``pyproject.toml``.

    Returns:
        The requirements, in file order.
    """
    found: list[Requirement] = []
    section = ""
    inside = False
    for line in pyproject.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip()
            continue
        start = _LIST_START.match(line)
        if start and (
            section == "[project.optional-dependencies]"
            or (section == "[project]" and start.group(1) == "dependencies")
        ):
            rest = line[start.end() :]
            found.extend(
                Requirement(item) for item in re.findall(r'"([^"]+)"', rest.split("]")[0])
            )
            inside = "]" not in rest
            continue
        if inside and line.strip().startswith("]"):
            inside = False
        elif inside and (match := _REQUIREMENT.match(line)):
            found.append(Requirement(match.group(1)))
    return found


def _wanted(requirement: Requirement, extras: Iterable[str]) -> bool:
    """Whether a requirement applies here, for the extras asked of its distribution."""
    if requirement.marker is None:
        return True
    environment = dict(default_environment())
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in [*extras, ""]
    )


def distribution_closure(
    requirements: Iterable[Requirement],
) -> tuple[dict[str, metadata.Distribution], list[str]]:
    """Follow requirements to every installed distribution they need, transitively.

    Args:
        requirements: The requirements to start from; their extras are followed too.

    Returns:
        The installed distributions by canonical name, and the names of required
        distributions that are not installed here.
    """
    found: dict[str, metadata.Distribution] = {}
    missing: list[str] = []
    pending = [(requirement, tuple(requirement.extras)) for requirement in requirements]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        found[name] = distribution
        for text in distribution.requires or []:
            try:
                child = Requirement(text)
            except InvalidRequirement:  # pragma: no cover - a broken installed metadata
                continue
            if _wanted(child, extras):
                pending.append((child, tuple(child.extras)))
    return found, sorted(set(missing))


def _modules_from_files(distribution: metadata.Distribution) -> Iterator[str]:
    for file in distribution.files or []:
        parts = PurePosixPath(str(file)).parts
        if (
            not parts
            or parts[0] in {"..", "__pycache__"}
            or parts[0].endswith((".dist-info", ".egg-info", ".data"))
        ):
            continue
        head = parts[0]
        if len(parts) == 1:
            if head.endswith(".py"):
                yield head[:-3]
            elif head.endswith((".so", ".pyd")):
                yield head.split(".")[0]
        else:
            yield head


def top_level_modules(distribution: metadata.Distribution) -> set[str]:
    """Name the top-level modules an installed distribution provides.

    Args:
        distribution: The installed distribution.

    Returns:
        Its ``top_level.txt`` names together with the first part of each file it installed.
    """
    names = set((distribution.read_text("top_level.txt") or "").split())
    names.update(_modules_from_files(distribution))
    return {name for name in names if name.isidentifier()}


def shadowed_modules(pyproject: Path = PYPROJECT_TEMPLATE) -> tuple[set[str], list[str]]:
    """Every module name a rendered library's package would shadow, that could be one.

    Args:
        pyproject: The template of the rendered ``pyproject.toml``.

    Returns:
        The names (those a ``library_name`` could take), and the required distributions that
        are not installed here, whose modules could not be read.
    """
    distributions, missing = distribution_closure(declared_requirements(pyproject))
    names = set(sys.stdlib_module_names)
    for distribution in distributions.values():
        names |= top_level_modules(distribution)
    return {name for name in names if _PACKAGE_NAME.fullmatch(name)}, missing


def core_names(core_init: Path = CORE_INIT) -> list[str]:
    """Read the rendered core's public names from its own ``__all__``.

    Args:
        core_init: The core package's ``__init__.py``.

    Returns:
        The names, in the order ``__all__`` lists them.

    Raises:
        ValueError: When the module has no literal ``__all__`` list.
    """
    tree = ast.parse(core_init.read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            return [ast.literal_eval(element) for element in node.value.elts]
    raise ValueError(f"{core_init} has no literal __all__ list")


def copier_list(name: str, copier_file: Path = COPIER_FILE) -> list[str]:
    """Read the default of one of ``copier.yml``'s computed list questions.

    Args:
        name: The question, e.g. ``shadowed_modules``.
        copier_file: The ``copier.yml`` to read.

    Returns:
        The list as written.

    Raises:
        TypeError: When the question's default is not a list.
    """
    default = load_questions(copier_file)[name].get("default")
    if not isinstance(default, list):
        raise TypeError(f"{name} in {copier_file} must default to a list")
    return [str(item) for item in default]


def _wrap(names: Iterable[str], indent: str = "    ", width: int = 99) -> str:
    lines: list[str] = []
    line = indent
    for name in names:
        piece = f"{name}, "
        if len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = indent
        line += piece
    lines.append(line.rstrip().rstrip(","))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the ``shadowed_modules`` list for ``copier.yml``, derived from this environment.

    Args:
        argv: The arguments; ``--json`` prints ``{"names": [...], "missing": [...]}`` instead,
            for a program that derives the names in another environment.
    """
    names, missing = shadowed_modules()
    if "--json" in (sys.argv[1:] if argv is None else argv):
        print(json.dumps({"names": sorted(names), "missing": missing}))
        return
    if missing:
        print(f"# not installed, so not followed: {', '.join(missing)}", file=sys.stderr)
    print("  default: [")
    print(_wrap(sorted(names)))
    print("  ]")


if __name__ == "__main__":
    main()
