"""Keep a library whole when a task is added: README, CHANGELOG, re-exports, pyproject and CI.

A task added with ``new_library=false`` renders only its own files; the library's README,
CHANGELOG, ``pyproject.toml`` and CI workflow are not rendered again, and a data type's
``__init__.py`` is the author's once it exists (``_skip_if_exists``). What the new task adds to
them is found by rendering the template as a whole library for the new task alone (the *view*),
and merged into the library's files: the view's task-table rows and install notes, its
CHANGELOG entry, its re-exports, its dependencies and mypy overrides, and the packages its CI
installs first (an image task's torch/torchvision pair). So the template stays the one owner of
each line's wording; this module only knows where such lines go. Every edit is computed before
anything is written.
"""

import ast
import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .errors import LibraryError

__all__ = ["FileEdit", "library_edits"]

README: Final = "README.md"
INSTALL: Final = "## Install"
"""The README's section on installing the library."""
CHANGELOG: Final = "CHANGELOG.md"
PYPROJECT: Final = "pyproject.toml"
WORKFLOW: Final = ".github/workflows/ci.yml"
"""The CI workflow the template renders with a library."""
DEFAULT_LINE_LENGTH: Final = 88
"""Ruff's line length when a library's pyproject sets none."""

_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class FileEdit:
    """A library file as it will be after the task is added.

    Attributes:
        path: The file, relative to the library, with ``/``.
        text: Its new content.
        what: What changes, in a few words (for ``--dry-run`` and the summary).
    """

    path: str
    text: str
    what: str


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


# --- README: the task table ----------------------------------------------------------------------


def _tables(lines: Sequence[str]) -> list[tuple[int, int]]:
    """Find Markdown tables: ``(header index, index after the last row)`` each."""
    found = []
    index = 0
    while index + 1 < len(lines):
        if lines[index].lstrip().startswith("|") and _TABLE_SEPARATOR.match(lines[index + 1]):
            end = index + 2
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            found.append((index, end))
            index = end
        else:
            index += 1
    return found


def _table_edit(text: str, view_text: str, notes: list[str]) -> str | None:
    """Add the view's task-table rows to the table with the same header in ``text``."""
    view_lines = view_text.splitlines()
    view_tables = _tables(view_lines)
    if not view_tables:
        return None
    header_at, end = view_tables[0]
    header = view_lines[header_at].strip()
    rows = [line for line in view_lines[header_at + 2 : end]]
    lines = text.splitlines(keepends=True)
    stripped = [line.rstrip("\r\n") for line in lines]
    table = next(((h, e) for h, e in _tables(stripped) if stripped[h].strip() == header), None)
    if table is None:
        notes.append(
            f"{README} has no table headed {header}; add the new task's row by hand: "
            + " ".join(rows)
        )
        return None
    new_rows = [row for row in rows if row.strip() not in {s.strip() for s in stripped}]
    if not new_rows:
        return None
    newline = "\r\n" if lines[table[1] - 1].endswith("\r\n") else "\n"
    lines[table[1] : table[1]] = [row + newline for row in new_rows]
    return "".join(lines)


def _paragraphs(lines: Sequence[str]) -> list[list[str]]:
    """Blank-line separated blocks of lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _install_edit(text: str, view_text: str) -> str | None:
    """Add the paragraphs of the view's install section (e.g. torchvision's) that ``text`` lacks.

    Returns:
        The new text, or ``None`` when there is nothing to add or no install section to add to.
    """
    view_lines = view_text.splitlines()
    if INSTALL not in view_lines:
        return None
    at = view_lines.index(INSTALL)
    wanted = _paragraphs(view_lines[at + 1 : _section(view_lines, at, "##")])
    lines = text.splitlines()
    if INSTALL not in lines:
        return None
    joined = "\n".join(line.rstrip() for line in lines)
    new = [block for block in wanted if "\n".join(block) not in joined]
    if not new:
        return None
    at = lines.index(INSTALL)
    end = _section(lines, at, "##")
    while end > at + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = [line for block in new for line in ("", *block)]
    newline = "\r\n" if "\r\n" in text else "\n"
    return newline.join(lines) + newline


def _readme_edit(library: Path, view: Path, notes: list[str]) -> FileEdit | None:
    """Add the view's task-table rows, and its install notes the README lacks."""
    mine, theirs = _read(library / README), _read(view / README)
    if mine is None or theirs is None:
        return None
    what = []
    table = _table_edit(mine, theirs, notes)
    if table is not None:
        mine, what = table, ["task table"]
    install = _install_edit(mine, theirs)
    if install is not None:
        mine, what = install, [*what, "install notes"]
    return FileEdit(README, mine, ", ".join(what)) if what else None


# --- CHANGELOG: the Added entry ------------------------------------------------------------------


def _section(lines: Sequence[str], start: int, level: str) -> int:
    """The index where the section whose heading is at ``start`` ends."""
    deeper = tuple("#" * size + " " for size in range(1, len(level) + 1))
    for index in range(start + 1, len(lines)):
        if lines[index].startswith(deeper):
            return index
    return len(lines)


def _entry(lines: Sequence[str]) -> tuple[str, str, list[str]] | None:
    """The view's first release heading, its first subsection heading and that list."""
    release = next((i for i, line in enumerate(lines) if line.startswith("## ")), None)
    if release is None:
        return None
    end = _section(lines, release, "##")
    sub = next((i for i in range(release + 1, end) if lines[i].startswith("### ")), None)
    if sub is None:
        return None
    items = [line for line in lines[sub + 1 : _section(lines, sub, "###")] if line.strip()]
    return lines[release].strip(), lines[sub].strip(), items


def _changelog_edit(library: Path, view: Path, notes: list[str]) -> FileEdit | None:
    """Add the view's entry (e.g. under ``## [Unreleased]`` / ``### Added``) to the library's."""
    mine, theirs = _read(library / CHANGELOG), _read(view / CHANGELOG)
    if theirs is None:
        return None
    entry = _entry(theirs.splitlines())
    if entry is None:
        return None
    release, subsection, items = entry
    if mine is None:
        notes.append(f"the library has no {CHANGELOG}; the new task's entry: " + " ".join(items))
        return None
    lines = mine.splitlines()
    if items and items[0] in lines:
        return None
    block = [subsection, "", *items]
    at = next((i for i, line in enumerate(lines) if line.strip() == release), None)
    if at is None:
        first = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
        insert = [release, "", *block, ""]
        if first == len(lines) and lines and lines[-1].strip():
            insert = ["", *insert]
        lines[first:first] = insert
    else:
        end = _section(lines, at, "##")
        sub = next((i for i in range(at + 1, end) if lines[i].strip() == subsection), None)
        if sub is None:
            lines[at + 1 : at + 1] = ["", *block]
        else:
            last = _section(lines, sub, "###")
            while last > sub + 1 and not lines[last - 1].strip():
                last -= 1
            lines[last:last] = items
    text = "\n".join(lines) + "\n"
    return FileEdit(CHANGELOG, re.sub(r"\n{3,}", "\n\n", text), "entry for the new task")


# --- pyproject: the dependencies -----------------------------------------------------------------


def _name(requirement: str) -> str:
    try:
        return canonicalize_name(Requirement(requirement).name)
    except InvalidRequirement:
        return canonicalize_name(re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0])


def _comments_above(text: str, requirement: str) -> list[str]:
    """The comment lines right above ``requirement``'s line in a pyproject's text."""
    lines = text.splitlines()
    quoted = json.dumps(requirement)
    at = next((i for i, line in enumerate(lines) if line.strip().startswith(quoted)), None)
    comments: list[str] = []
    while at is not None and at > 0 and lines[at - 1].strip().startswith("#"):
        at -= 1
        comments.insert(0, lines[at].strip())
    return comments


def _with_comments(text: str, comments: Mapping[str, list[str]]) -> str:
    """Put each added requirement's comment lines above its line, at its indentation."""
    lines = text.splitlines(keepends=True)
    for requirement, above in comments.items():
        quoted = json.dumps(requirement)
        at = next((i for i, line in enumerate(lines) if line.strip().startswith(quoted)), None)
        if at is None or not above:
            continue
        line = lines[at]
        indent = line[: len(line) - len(line.lstrip())]
        newline = "\r\n" if line.endswith("\r\n") else "\n"
        lines[at:at] = [f"{indent}{comment}{newline}" for comment in above]
    return "".join(lines)


def _modules(override: Mapping[str, Any]) -> list[str]:
    module = override.get("module", [])
    return [module] if isinstance(module, str) else [str(name) for name in module]


def _overrides_edit(document: Any, wanted: Sequence[Mapping[str, Any]]) -> list[str]:
    """Add the view's ``[[tool.mypy.overrides]]`` modules that the library's lack.

    A module joins the library's override with the same settings (e.g.
    ``ignore_missing_imports = true``), else a new override with the view's settings.

    Returns:
        The modules added.
    """
    mypy = document.get("tool", {}).get("mypy")
    if mypy is None:  # the library does not configure mypy: nothing to keep in step
        return []
    if "overrides" not in mypy:
        mypy.append("overrides", tomlkit.aot())
    overrides = mypy["overrides"]
    have = {name for override in overrides for name in _modules(override)}
    added: list[str] = []
    for view_override in wanted:
        settings = {key: value for key, value in view_override.items() if key != "module"}
        missing = [name for name in _modules(view_override) if name not in have]
        if not missing:
            continue
        same = next(
            (
                override
                for override in overrides
                if {k: v for k, v in override.unwrap().items() if k != "module"} == settings
            ),
            None,
        )
        if same is None:
            table = tomlkit.table()
            table.append("module", missing)
            for key, value in settings.items():
                table.append(key, value)
            if len(overrides):  # a blank line between the tables, as the template has
                overrides[-1].add(tomlkit.nl())
            overrides.append(table)
        elif isinstance(same.get("module"), str):
            same["module"] = [same["module"], *missing]
        else:
            same["module"].extend(missing)
        have.update(missing)
        added.extend(missing)
    return added


def _pyproject_edit(library: Path, view: Path) -> FileEdit | None:
    """Add the view's ``project.dependencies`` and mypy overrides that the library lacks.

    An added dependency keeps the comment lines the view has above it.
    """
    mine, theirs = _read(library / PYPROJECT), _read(view / PYPROJECT)
    if mine is None or theirs is None:
        return None
    try:
        config = tomlkit.parse(theirs).unwrap()
        document = tomlkit.parse(mine)
    except tomlkit.exceptions.TOMLKitError as error:
        raise LibraryError(f"{library / PYPROJECT} cannot be read as TOML: {error}") from error
    wanted = config.get("project", {}).get("dependencies", [])
    project: Any = document.get("project")
    if project is None or "dependencies" not in project:
        if wanted:
            raise LibraryError(
                f"{library / PYPROJECT} has no [project] dependencies list to add "
                f"{', '.join(wanted)} to"
            )
        added = []
    else:
        dependencies = project["dependencies"]
        have = {_name(str(item)) for item in dependencies}
        added = [item for item in wanted if _name(item) not in have]
        for requirement in added:
            names = [_name(str(item)) for item in dependencies]
            at = next((i for i, n in enumerate(names) if n > _name(requirement)), len(names))
            dependencies.insert(at, requirement)
    modules = _overrides_edit(
        document, config.get("tool", {}).get("mypy", {}).get("overrides", [])
    )
    view_extras = config.get("project", {}).get("optional-dependencies", {})
    widened = _extras_widen(project, view_extras)
    if not added and not modules and not widened and not _new_extras(project, view_extras):
        return None
    text = _with_comments(tomlkit.dumps(document), {r: _comments_above(theirs, r) for r in added})
    text, extras = _extras_add(text, theirs, project, view_extras)
    what = [f"dependencies: {', '.join(added)}"] if added else []
    what += [f"extras: {', '.join(extras)}"] if extras else []
    what += [f"extras widened: {', '.join(widened)}"] if widened else []
    what += [f"mypy overrides: {', '.join(modules)}"] if modules else []
    return FileEdit(PYPROJECT, text, "; ".join(what))


EXTRAS: Final = "[project.optional-dependencies]"


def _new_extras(project: Any, view_extras: Mapping[str, Any]) -> list[str]:
    """The view's extras (e.g. ``huggingface``) that the library's project lacks."""
    have = project.get("optional-dependencies", {}) if project is not None else {}
    return [name for name in view_extras if name not in have]


def _extras_widen(project: Any, view_extras: Mapping[str, Any]) -> list[str]:
    """Give the library's extras what the view's extras of the same name hold besides.

    A requirement the library's extra lacks is appended; one it has with fewer extras of its
    own (e.g. the ``test`` extra's ``flash-tasks[export,serve]``) takes the view's too.

    Returns:
        The extras changed, e.g. ``test``.
    """
    if project is None or "optional-dependencies" not in project:
        return []
    changed = []
    for extra, wanted in view_extras.items():
        mine = project["optional-dependencies"].get(extra)
        if mine is None:
            continue
        before = [str(item) for item in mine]
        for requirement in wanted:
            names = [_name(str(item)) for item in mine]
            if _name(requirement) not in names:
                mine.append(requirement)
                continue
            at = names.index(_name(requirement))
            try:
                current, theirs = Requirement(str(mine[at])), Requirement(requirement)
            except InvalidRequirement:
                continue
            if not theirs.extras <= current.extras:
                current.extras = current.extras | theirs.extras
                mine[at] = str(current)
        if [str(item) for item in mine] != before:
            changed.append(extra)
    return changed


def _extras_add(
    text: str, view_text: str, project: Any, view_extras: Mapping[str, Any]
) -> tuple[str, list[str]]:
    """Add the view's extras the library lacks, each with its comment, where the view has it.

    Each goes before the library's extra that follows it in the view (e.g. ``test``), else
    at the end of the library's ``[project.optional-dependencies]`` (a new table when it has
    none).

    Returns:
        The new text and the extras added.
    """
    new = _new_extras(project, view_extras)
    if not new:
        return text, []
    lines, view_lines = text.splitlines(), view_text.splitlines()
    order = list(view_extras)
    for extra in new:
        block = _key_block(view_lines, extra)
        later = [name for name in order[order.index(extra) + 1 :] if name not in new]
        at = next((found for name in later if (found := _key_line(lines, name)) is not None), None)
        if at is not None:
            at = _comment_block(lines, at)
        elif EXTRAS in lines:
            at = _section_end(lines, lines.index(EXTRAS))
        else:
            end = next((i for i, line in enumerate(lines) if line == "[project.scripts]"), None)
            at = len(lines) if end is None else end
            block = [EXTRAS, *block, ""]
        lines[at:at] = block
    return "\n".join(lines) + "\n", new


def _key_line(lines: Sequence[str], key: str) -> int | None:
    """The index of ``key = ...`` in the ``[project.optional-dependencies]`` table."""
    if EXTRAS not in lines:
        return None
    start = lines.index(EXTRAS)
    for index in range(start + 1, _section_end(lines, start)):
        if re.match(rf"^{re.escape(key)}\s*=", lines[index]):
            return index
    return None


def _key_block(lines: Sequence[str], key: str) -> list[str]:
    """A key's lines in the view's extras table: its comments, and its value to the ``]``."""
    at = _key_line(lines, key)
    if at is None:  # pragma: no cover - the view's own extras are all in its table
        return []
    end = at
    while not lines[end].rstrip().endswith("]") and end + 1 < len(lines):
        end += 1
    return list(lines[_comment_block(lines, at) : end + 1])


def _section_end(lines: Sequence[str], start: int) -> int:
    """Where a TOML table starting at ``start`` ends, before the blank lines at its end."""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


# --- a package's re-exports ----------------------------------------------------------------------


def _line_length(library: Path) -> int:
    """The library's ruff line length (``[tool.ruff] line-length``)."""
    try:
        config = tomlkit.parse(_read(library / PYPROJECT) or "").unwrap()
    except tomlkit.exceptions.TOMLKitError:
        return DEFAULT_LINE_LENGTH
    length = config.get("tool", {}).get("ruff", {}).get("line-length", DEFAULT_LINE_LENGTH)
    return length if isinstance(length, int) else DEFAULT_LINE_LENGTH


def _dunder_all(tree: ast.Module) -> ast.Assign | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            return node
    return None


def _bound_names(tree: ast.Module) -> set[str]:
    """The names a module binds at its top level by import, definition or assignment."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _format_all(names: Sequence[str], multiline: bool, line_length: int) -> list[str]:
    one_line = "__all__ = [" + ", ".join(f'"{name}"' for name in names) + "]"
    if not multiline and len(one_line) <= line_length:
        return [one_line]
    return ["__all__ = [", *(f'    "{name}",' for name in names), "]"]


def _reexports_edit(
    library: Path, view: Path, path: str, line_length: int, notes: list[str]
) -> FileEdit | None:
    """Add the view's relative imports and ``__all__`` names to the library's package file."""
    mine, theirs = _read(library / path), _read(view / path)
    if mine is None or theirs is None:
        return None
    try:
        tree, view_tree = ast.parse(mine), ast.parse(theirs)
    except SyntaxError as error:
        raise LibraryError(f"{library / path} is not valid Python: {error}") from error
    bound = _bound_names(tree)
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.level > 0]
    lines = mine.splitlines()
    added: list[str] = []
    for node in view_tree.body:
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        module = "." * node.level + (node.module or "")
        names = [alias.asname or alias.name for alias in node.names]
        kept = [name for name in names if name not in bound]
        for name in sorted(set(names) - set(kept)):
            notes.append(
                f"{path} already binds {name}, so it does not re-export the new task's "
                f"{name}; import that one from its own module ({module})"
            )
        if not kept:
            continue
        statement = f"from {module} import {', '.join(kept)}"
        after = [n for n in imports if "." * n.level + (n.module or "") < module]
        if after:
            at = max(n.end_lineno or n.lineno for n in after)
        elif imports:
            at = min(n.lineno for n in imports) - 1
        else:
            docstring = ast.get_docstring(tree) is not None
            at = (tree.body[0].end_lineno or 0) if docstring and tree.body else 0
            statement = ("\n" if at else "") + statement
        lines[at:at] = statement.split("\n")
        added.extend(kept)
        bound.update(kept)
        tree = ast.parse("\n".join(lines) + "\n")
        imports = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.level > 0]
    if not added:
        return None
    exported = _dunder_all(tree)
    if exported is not None and isinstance(exported.value, (ast.List, ast.Tuple)):
        current = [e.value for e in exported.value.elts if isinstance(e, ast.Constant)]
        names = sorted({*map(str, current), *added})
        start, end = exported.lineno - 1, exported.end_lineno or exported.lineno
        lines[start:end] = _format_all(names, end - start > 1, line_length)
    return FileEdit(path, "\n".join(lines) + "\n", f"re-exports {', '.join(added)}")


# --- the CI workflow: what it installs first -----------------------------------------------------

_PIP_INSTALL = re.compile(
    r"^(?P<indent>\s*)(?:\S*python\S*\s+-m\s+)?pip3?\s+install\s+(?P<args>.*)$"
)
_PIP_VALUED = frozenset(
    {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-r", "-c", "-e"}
    | {"--requirement", "--constraint", "--editable", "--target", "-t", "--prefix"}
)


def _pip_install(line: str) -> tuple[set[str], tuple[str, ...]] | None:
    """The packages a ``pip install`` line names, and its options; ``None`` for other lines."""
    match = _PIP_INSTALL.match(line.split(" #", 1)[0].rstrip())
    if match is None:
        return None
    try:
        words = shlex.split(match["args"])
    except ValueError:
        return None
    packages: set[str] = set()
    options: list[str] = []
    skip = False
    for word in words:
        if skip:
            options.append(word)
            skip = False
        elif word.startswith("-"):
            options.append(word)
            skip = word in _PIP_VALUED
        else:
            try:
                packages.add(canonicalize_name(Requirement(word).name))
            except InvalidRequirement:  # a path or URL: nothing a task adds
                continue
    return packages, tuple(sorted(options))


def _comment_block(lines: Sequence[str], at: int) -> int:
    """The index of the first comment line in the block right above ``lines[at]``."""
    while at > 0 and lines[at - 1].lstrip().startswith("#"):
        at -= 1
    return at


def _dependencies(view: Path) -> list[Any]:
    """The view's ``project.dependencies`` (the view is the template's rendering: valid TOML)."""
    config = tomlkit.parse(_read(view / PYPROJECT) or "").unwrap()
    dependencies = config.get("project", {}).get("dependencies", [])
    return dependencies if isinstance(dependencies, list) else []


def _workflow_edit(library: Path, view: Path, notes: list[str]) -> FileEdit | None:
    """Make the library's CI install what the view's installs first (e.g. torchvision).

    Each of the view's ``pip install`` lines naming a dependency of the view's project that
    no line of the library's workflow names replaces the library's line with the same options
    whose packages it includes (e.g. ``torch`` alone by the ``torch``/``torchvision`` pair),
    comments above it included; when there is none, a note says which lines to add where.
    """
    mine, theirs = _read(library / WORKFLOW), _read(view / WORKFLOW)
    if mine is None or theirs is None:
        return None
    needed = {_name(str(item)) for item in _dependencies(view)}
    lines, view_lines = mine.splitlines(keepends=True), theirs.splitlines()
    installs = {i: found for i, line in enumerate(lines) if (found := _pip_install(line))}
    have = {name for packages, _ in installs.values() for name in packages}
    added: set[str] = set()
    for index, line in enumerate(view_lines):
        found = _pip_install(line)
        if found is None or not (found[0] - have) & needed:
            continue
        packages, options = found
        start = _comment_block(view_lines, index)
        block = [text.strip() for text in view_lines[start : index + 1]]
        target = next(
            (i for i, (names, opts) in installs.items() if names <= packages and opts == options),
            None,
        )
        if target is None:
            notes.append(
                f"{WORKFLOW} does not install {', '.join(sorted(packages - have))}, which the "
                "new task needs; add these lines before the project's own install: "
                + " / ".join(block)
            )
            continue
        indent = lines[target][: len(lines[target]) - len(lines[target].lstrip())]
        newline = "\r\n" if lines[target].endswith("\r\n") else "\n"
        first = _comment_block([text.rstrip("\r\n") for text in lines], target)
        lines[first : target + 1] = [f"{indent}{text}{newline}" for text in block]
        added |= packages - have
        have |= packages
        installs = {i: f for i, text in enumerate(lines) if (f := _pip_install(text))}
    if not added:
        return None
    return FileEdit(WORKFLOW, "".join(lines), f"installs {', '.join(sorted(added))} first")


def library_edits(
    library: Path, view: Path, skipped: Sequence[str]
) -> tuple[list[FileEdit], list[str]]:
    """Work out how the library's own files take a new task, writing nothing.

    Args:
        library: The library's root.
        view: The template rendered as a whole library for the new task alone.
        skipped: The task's files the library already has and keeps (``_skip_if_exists``);
            the Python packages among them get the task's re-exports.

    Returns:
        The edits, and notes on what could not be merged and must be done by hand.

    Raises:
        LibraryError: When a file to edit cannot be parsed.
    """
    notes: list[str] = []
    line_length = _line_length(library)
    edits = [
        _readme_edit(library, view, notes),
        _changelog_edit(library, view, notes),
        _pyproject_edit(library, view),
        _workflow_edit(library, view, notes),
        *(
            _reexports_edit(library, view, path, line_length, notes)
            for path in skipped
            if path.endswith("__init__.py")
        ),
    ]
    return [edit for edit in edits if edit is not None], notes
