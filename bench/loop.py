"""The contributor's loop: this project's quick suite and a rendered project's own suite.

Both suites run as their READMEs say (``python -m pytest -q -n 2 -m "not slow"`` here, ``python -m
pytest -q`` in the rendered project), alternating, in fresh processes; each run's wall time and
the CPU time (user + system) of the run and every process it started are recorded, with the load
average before it. The rendered project is the defaults, rendered from the work tree, and its
suite runs where its users' would: in an environment holding only what it declares
(``generator.envs.project_interpreter``, made once and kept), not in this one, which holds what
every answer needs and so imports more in each of the suite's processes.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from generator.envs import project_interpreter

from .common import REPO

QUICK_SUITE = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "-m", "not slow")
"""This project's quick suite, as the README runs it (without pytest's cache)."""

RENDERED_SUITE = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
"""A rendered project's whole suite, as its README and its CI run it."""


def run_suite(
    arguments: tuple[str, ...], cwd: Path, timeout: float, python: str = sys.executable
) -> dict[str, Any]:
    """Run one suite in a fresh interpreter and measure it.

    Args:
        arguments: The interpreter's arguments.
        cwd: Where to run it.
        timeout: Seconds before the run counts as failed.
        python: The interpreter; this one by default.

    Returns:
        Its wall and CPU seconds, the load average before it, its exit status and the
        summary line pytest printed.
    """
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run(
        [python, *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = completed.stdout.strip().splitlines()
    return {
        "wall": wall,
        "cpu": cpu,
        "load": load,
        "returncode": completed.returncode,
        "summary": lines[-1] if lines else completed.stderr.strip()[-300:],
    }


def measure(
    project: Path, rounds: int, timeout: float = 1800, log: Path | None = None
) -> dict[str, Any]:
    """Run the quick suite and the rendered suite ``rounds`` times each, alternating.

    Args:
        project: A rendered project whose own suite is measured.
        rounds: How many runs of each suite.
        timeout: Seconds each run may take.
        log: A file to which each run is appended as a JSON line as soon as it ends.

    Returns:
        The runs of each suite, by name (``quick``, ``rendered``), and the commands.
    """
    runs: dict[str, list[dict[str, Any]]] = {"quick": [], "rendered": []}
    suites = {
        "quick": (QUICK_SUITE, REPO, sys.executable),
        "rendered": (RENDERED_SUITE, project, project_interpreter(project)),
    }
    for _ in range(rounds):
        for name, (arguments, cwd, python) in suites.items():
            run = run_suite(arguments, cwd, timeout, python)
            runs[name].append(run)
            if log is not None:
                with log.open("a", encoding="utf-8") as file:
                    file.write(json.dumps({"suite": name, **run}) + "\n")
    return {
        "runs": runs,
        "commands": {
            "quick": "python " + " ".join(QUICK_SUITE),
            "rendered": "python " + " ".join(RENDERED_SUITE),
        },
        "cpus": os.cpu_count(),
    }
