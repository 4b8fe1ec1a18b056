"""Render time: ``copier copy --defaults`` of this template against a trivial one-file template.

Both templates are rendered through the same API, ``copier.run_copy(src, dst, defaults=True)``
(what ``copier copy --defaults`` calls), from the same kind of source: a git repository with one
commit, so copier clones both the same way. The candidates, in turn (A, B, C, A, B, C...), after
one unmeasured warm-up each:

- ``trivial``: one question and one ``hello.txt.jinja``;
- ``template``: this repository's ``copier.yml`` and ``template/`` (work tree), committed alone;
- ``plain``: for reference, the trivial template's question with as many files as
  ``template/``, in the same tree, but plain (no Jinja in names or contents): what copier spends
  on the number of files alone;
- ``repository``: for reference, this repository itself, work tree included
  (``vcs_ref="HEAD"``, as ``generator.render`` does).

The CLI rows run ``copier copy --defaults SRC DST`` as a user types it, in fresh processes, so
they include the interpreter's start-up and copier's import. Time to green renders the defaults
with ``generator.render`` and runs the rendered project's own test suite.

As a worker::

    python -m bench.render alternate --rounds 7
    python -m bench.render green
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from .common import REPO, emit, quiet, render_project

TRIVIAL_COPIER_YML = """\
name:
  type: str
  help: Who to greet.
  default: world
"""

TRIVIAL_FILE = "Hello {{ name }}!\n"

CANDIDATES = ("trivial", "template", "plain", "repository")
LABELS = {
    "trivial": "trivial one-file template",
    "template": "this template (copier.yml + template/)",
    "plain": "as many plain files as template/, no Jinja, one question",
    "repository": "this repository, work tree (vcs_ref=HEAD)",
}


def _commit(root: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "t")


def make_trivial(root: Path) -> Path:
    """A trivial template: one question, one file, committed in a git repository."""
    root.mkdir(parents=True)
    (root / "copier.yml").write_text(TRIVIAL_COPIER_YML, encoding="utf-8")
    (root / "hello.txt.jinja").write_text(TRIVIAL_FILE, encoding="utf-8")
    _commit(root)
    return root


def snapshot_template(root: Path) -> Path:
    """This template as it is in the work tree (``copier.yml``, ``template/``), committed alone."""
    root.mkdir(parents=True)
    shutil.copy2(REPO / "copier.yml", root / "copier.yml")
    shutil.copytree(
        REPO / "template",
        root / "template",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache"),
    )
    _commit(root)
    return root


def make_plain(root: Path) -> Path:
    """The trivial question, and one plain file for each file of ``template/``, same tree."""
    root.mkdir(parents=True)
    (root / "copier.yml").write_text(TRIVIAL_COPIER_YML, encoding="utf-8")
    count = 0
    for path in sorted((REPO / "template").rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(REPO / "template").as_posix().removesuffix(".jinja")
        target = root / re.sub(r"[^A-Za-z0-9_./-]+", "_", relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"plain file {count}\n", encoding="utf-8")
        count += 1
    _commit(root)
    return root


def _copy(source: Path, dest: Path, vcs_ref: str | None = None) -> float:
    import copier

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(source),
            dest,
            defaults=True,
            quiet=True,
            unsafe=False,
            vcs_ref=vcs_ref,
        )
    return time.perf_counter() - start


def _copy_cli(source: Path, dest: Path) -> float:
    copier_cli = Path(sys.executable).with_name("copier")
    start = time.perf_counter()
    subprocess.run(
        [str(copier_cli), "copy", "--defaults", "--quiet", str(source), str(dest)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def alternate(rounds: int, cli_rounds: int) -> dict[str, Any]:
    """Render each candidate ``rounds`` times in this process, and via the CLI, alternating."""
    import copier  # noqa: F401  (imported before timing: the API rows time rendering only)

    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = Path(tmp)
        sources = {
            "trivial": (make_trivial(root / "trivial"), None),
            "template": (snapshot_template(root / "template"), None),
            "plain": (make_plain(root / "plain"), None),
            "repository": (REPO, "HEAD"),
        }
        counter = 0

        def dest() -> Path:
            nonlocal counter
            counter += 1
            return root / "out" / str(counter)

        for source, ref in sources.values():  # warm-up
            _copy(source, dest(), ref)
        api: dict[str, list[float]] = {name: [] for name in CANDIDATES}
        for _ in range(rounds):
            for name, (source, ref) in sources.items():
                api[name].append(_copy(source, dest(), ref))
        cli: dict[str, list[float]] = {"trivial": [], "template": []}
        for _ in range(cli_rounds):
            for name in cli:
                cli[name].append(_copy_cli(sources[name][0], dest()))
        files = sum(
            1
            for path in (root / "plain").rglob("*")
            if path.is_file() and ".git" not in path.parts
        )
    return {
        "rounds": rounds,
        "api": api,
        "cli_rounds": cli_rounds,
        "cli": cli,
        "files": files - 1,  # copier.yml is not one of template/'s files
    }


def green() -> dict[str, Any]:
    """Render the defaults, then run the rendered project's whole test suite; time both."""
    import os

    with tempfile.TemporaryDirectory(prefix="bench-green-") as tmp:
        start = time.perf_counter()
        project = render_project(Path(tmp) / "project", {})
        rendered = time.perf_counter()
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        end = time.perf_counter()
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return {
        "render_s": rendered - start,
        "pytest_s": end - rendered,
        "total_s": end - start,
        "green": done.returncode == 0,
        "summary": summary,
    }


def main() -> None:
    """Run one worker command and print its result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("alternate", "green"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cli-rounds", type=int, default=3)
    args = parser.parse_args()
    quiet()
    emit(alternate(args.rounds, args.cli_rounds) if args.mode == "alternate" else green())


if __name__ == "__main__":
    main()
