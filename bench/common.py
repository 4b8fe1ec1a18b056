"""What every benchmark shares: rendering the template, quiet workers, timing and medians.

Workers are ``python -m bench.<module> ...`` subprocesses that print one ``BENCH_RESULT {json}``
line; :func:`run_worker` starts one and returns that JSON. Each worker runs with the same
environment: one torch thread (the machine is small and shared; every variant gets the same
setting), warnings silenced, and the rendered projects' ``src`` directories on ``PYTHONPATH``.
"""

import importlib
import json
import logging
import os
import statistics
import subprocess
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
"""The repository root: the template that is benchmarked."""

RESULT_PREFIX = "BENCH_RESULT "

CLASSIFIER_ANSWERS: dict[str, Any] = {}
"""The default task: every question takes its default (``flash_tasks``,
``TemplateSKLearnClassifier``, backbone ``mlp-128``)."""
CLASSIFIER_LIBRARY = "flash_tasks"

REGRESSOR_ANSWERS: dict[str, Any] = {
    "project_name": "bench-reg",
    "library_name": "bench_reg",
    "task_type": "regression",
}
"""The regression task, under another package name so that both can be imported together."""
REGRESSOR_LIBRARY = "bench_reg"


QUIET_TRAINER: dict[str, Any] = {
    "logger": False,
    "enable_checkpointing": False,
    "enable_progress_bar": False,
    "enable_model_summary": False,
    "accelerator": "cpu",
    "devices": 1,
}
"""Trainer settings every benchmark shares: one CPU device, no logging, checkpoints or bars."""


def quiet() -> None:
    """Silence Lightning's banners and every warning, the same way in every variant."""
    warnings.simplefilter("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


def render_project(dest: Path, answers: Mapping[str, Any]) -> Path:
    """Render the template (work tree, uncommitted edits included) with ``generator.render``."""
    sys.path.insert(0, str(REPO))
    from generator import render

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # copier's DirtyLocalWarning for a work tree
        return render(dest, dict(answers))


def worker_env(src_paths: Sequence[Path] = ()) -> dict[str, str]:
    """The environment of a worker: one thread, the rendered sources and this repo importable."""
    env = dict(os.environ)
    paths = [str(path) for path in src_paths] + [str(REPO)]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["OMP_NUM_THREADS"] = "1"
    env["MKL_NUM_THREADS"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    return env


def run_worker(
    module: str, args: Sequence[str], env: Mapping[str, str], timeout: float = 900
) -> dict[str, Any]:
    """Run ``python -m bench.<module> args...`` in a fresh process and return its result.

    Raises:
        RuntimeError: When the worker fails or prints no result.
    """
    command = [sys.executable, "-m", f"bench.{module}", *args]
    done = subprocess.run(
        command,
        cwd=REPO,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(
        f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n"
        f"{done.stderr[-3000:]}"
    )


def import_stack(*modules: str) -> None:
    """Import torch, Lightning, torchmetrics and ``modules``, then keep torch to one thread.

    A worker calls it before its first timed fit, so no variant pays for the imports.

    Args:
        *modules: More modules to import, e.g. the rendered task's package.
    """
    for name in ("torch", "pytorch_lightning", "torchmetrics", *modules):
        importlib.import_module(name)
    import torch

    torch.set_num_threads(1)


Fit = Callable[..., dict[str, Any]]
"""One fit of a variant: called with the benchmark's arguments, returns its timings."""


def alternate_fits(
    fits: Mapping[str, Fit], args: Sequence[Any], rounds: int
) -> dict[str, list[dict[str, Any]]]:
    """Fit every variant ``rounds`` times, in the order A, B, C, A, B, C..., after a warm-up.

    Each variant first fits once uncounted (first-call costs: allocator, caches, worker
    start-up code). Before each fit torch is seeded with the round's index, so every variant of
    a round sees the same shuffling and initial weights.

    Args:
        fits: Each variant's fit, by name, in the order they take turns.
        args: The arguments every fit is called with.
        rounds: How many counted fits each variant makes.

    Returns:
        Each variant's timings, one per round, by name.
    """
    import torch

    for fit in fits.values():
        torch.manual_seed(0)
        fit(*args)
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in fits}
    for round_index in range(rounds):
        for variant, fit in fits.items():
            torch.manual_seed(round_index)
            runs[variant].append(fit(*args))
    return runs


def emit(result: Mapping[str, Any]) -> None:
    """Print a worker's result for :func:`run_worker`."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def median(values: Sequence[float]) -> float:
    """The median of the measurements."""
    return float(statistics.median(values))


def memory_kib() -> dict[str, int]:
    """This process's resident memory now (VmRSS) and at its peak (VmHWM), in KiB."""
    found: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def reset_peak_memory() -> bool:
    """Reset the peak resident memory (VmHWM) to the current one; ``False`` if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True
