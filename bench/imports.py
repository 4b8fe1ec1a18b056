"""Import time: the rendered package against the stack it is built on.

Each measurement is a fresh ``python -c`` process that times one ``import`` statement with
``time.perf_counter`` (interpreter start-up, the same for all, is not counted). The candidates
run in turn (A, B, C, A, B, C...) after one unmeasured warm-up each, which also writes the
rendered package's bytecode cache.
"""

import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from .common import CLASSIFIER_LIBRARY, median

CANDIDATES: dict[str, str] = {
    "package": f"import {CLASSIFIER_LIBRARY}.template",
    "stack": "import pytorch_lightning, torchmetrics, sklearn",
    "lightning": "import pytorch_lightning, torchmetrics",
}
"""What is imported: the rendered task package; its stack (``pytorch_lightning``,
``torchmetrics`` and ``sklearn`` together); and, for reference, the part of the stack that the
package itself imports."""

LABELS = {
    "package": f"`import {CLASSIFIER_LIBRARY}.template` (rendered)",
    "stack": "`import pytorch_lightning, torchmetrics, sklearn`",
    "lightning": "`import pytorch_lightning, torchmetrics`",
}

_PROGRAM = """\
import sys, time
start, cpu = time.perf_counter(), time.process_time()
{statement}
print(time.perf_counter() - start, time.process_time() - cpu, int("sklearn" in sys.modules))
"""


def _time_import(statement: str, env: Mapping[str, str]) -> tuple[float, float, bool]:
    """Wall and CPU seconds of one import in a fresh process, and whether it loaded sklearn."""
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM.format(statement=statement)],
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu, sklearn = done.stdout.split()[-3:]
    return float(wall), float(cpu), sklearn == "1"


def measure(env: Mapping[str, str], rounds: int) -> dict[str, Any]:
    """Time each candidate's import ``rounds`` times in fresh processes, alternating."""
    for statement in CANDIDATES.values():
        _time_import(statement, env)
    times: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    cpu_times: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    loads_sklearn: dict[str, bool] = {}
    for _ in range(rounds):
        for name, statement in CANDIDATES.items():
            wall, cpu, sklearn = _time_import(statement, env)
            times[name].append(wall)
            cpu_times[name].append(cpu)
            loads_sklearn[name] = sklearn
    return {
        "rounds": rounds,
        "times": times,
        "cpu_times": cpu_times,
        "medians": {name: median(values) for name, values in times.items()},
        "cpu_medians": {name: median(values) for name, values in cpu_times.items()},
        "loads_sklearn": loads_sklearn,
    }
