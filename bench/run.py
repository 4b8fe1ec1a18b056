"""Run every benchmark and write ``BENCHMARKS.md``, ``bench/benchmarks.png`` and the raw results.

From the repository root::

    python -m bench            # everything, 10 to 15 minutes on 2 cores
    python -m bench --quick    # a smoke run with few repeats (its numbers are not for reading)
    python -m bench --report-only   # rewrite the report from bench/results.json

The template is rendered from the work tree (uncommitted edits included) into a temporary
directory: the defaults (``flash_tasks``) and a regressor (``bench_reg``). Every comparison runs
its candidates in turn (A, B, C, A, B, C...) and reports medians; see each module's docstring.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fit, image, imports, loop, text
from .common import (
    CLASSIFIER_ANSWERS,
    REGRESSOR_ANSWERS,
    REPO,
    render_project,
    run_worker,
    worker_env,
)
from .report import write_chart, write_report

COMMAND = "python -m bench"


@dataclass(frozen=True)
class Plan:
    """How many repeats each benchmark makes."""

    fit_rows: int = 20_000
    fit_rounds: int = 9
    scale: tuple[tuple[int, int], ...] = ((10_000, 3), (100_000, 5), (1_000_000, 2))
    object_rows: tuple[int, int] = (10_000, 100_000)
    memory_rows: int = 1_000_000
    memory_batches: int = 100
    import_rounds: int = 5
    render_rounds: int = 7
    cli_rounds: int = 3
    green: bool = True
    accuracy_seeds: int = 3
    loop_rounds: int = 3
    image_rounds: int = 5
    image_workers: int = 2
    decode_rounds: int = 3
    text_rounds: int = 15


FULL = Plan()
QUICK = Plan(
    fit_rounds=2,
    scale=((10_000, 1), (100_000, 1)),
    object_rows=(10_000, 50_000),
    memory_rows=100_000,
    memory_batches=20,
    import_rounds=2,
    render_rounds=2,
    cli_rounds=1,
    green=False,
    accuracy_seeds=1,
    loop_rounds=1,
    image_rounds=1,
    decode_rounds=1,
    text_rounds=1,
)

SECTIONS = ("fit", "scale", "memory", "imports", "render", "accuracy", "loop", "image", "text")


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {"python": platform.python_version()}
    for package in ("torch", "pytorch-lightning", "torchmetrics", "scikit-learn", "copier"):
        found[package] = version(package)
    return found


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "template", "copier.yml"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() + (" + uncommitted template edits" if dirty.stdout.strip() else "")


def bench_fit(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Fit throughput at 20,000 rows: every variant in one process, alternating."""
    return run_worker(
        "fit", ["alternate", "--rows", str(plan.fit_rows), "--rounds", str(plan.fit_rounds)], env
    )


def bench_scale(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Fit time and peak memory at each size: one fresh process per measurement, alternating."""
    results: dict[str, Any] = {}
    for rows, repeats in plan.scale:
        runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in fit.VARIANTS}
        for repeat in range(repeats):
            for variant in fit.VARIANTS:
                _log(f"scale: {rows:,} rows, {variant}, run {repeat + 1}/{repeats}")
                args = ["once", "--variant", variant, "--rows", str(rows)]
                runs[variant].append(run_worker("fit", args, env))
        results[str(rows)] = runs
    return results


def bench_memory(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Copies of the data (float32 and float64 input) and Python objects held per row."""
    copies = {}
    for dtype in ("float32", "float64"):
        args = ["once", "--variant", "task", "--rows", str(plan.memory_rows), "--dtype", dtype]
        args += ["--batches", str(plan.memory_batches)]
        _log(f"memory: task, {plan.memory_rows:,} rows of {dtype}")
        copies[dtype] = run_worker("fit", args, env)
    objects: dict[str, dict[str, int]] = {variant: {} for variant in fit.VARIANTS}
    for rows in plan.object_rows:
        for variant in fit.VARIANTS:
            _log(f"memory: Python objects, {rows:,} rows, {variant}")
            args = ["objects", "--variant", variant, "--rows", str(rows)]
            objects[variant][str(rows)] = run_worker("fit", args, env)["objects_held"]
    return {"rows": plan.memory_rows, "batches": plan.memory_batches, "copies": copies,
            "objects": objects}  # fmt: skip


def bench_imports(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Import time of the rendered package against its stack."""
    return imports.measure(env, plan.import_rounds)


def bench_render(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Render time against a trivial template, and time from copy to a green test suite."""
    args = ["alternate", "--rounds", str(plan.render_rounds), "--cli-rounds", str(plan.cli_rounds)]
    result = {"alternate": run_worker("render", args, env)}
    if plan.green:
        _log("render: time to a green rendered test suite")
        result["green"] = run_worker("render", ["green"], env, timeout=1800)
    return result


def bench_accuracy(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Held-out scores of the rendered tasks and scikit-learn on the same splits."""
    return run_worker("accuracy", ["--seeds", str(plan.accuracy_seeds)], env, timeout=1800)


def bench_loop(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """The quick suite and the rendered defaults' own suite, alternating."""
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as tmp:
        project = render_project(Path(tmp) / "project", {})
        log = Path(tempfile.gettempdir()) / "flash-task-bench-loop.jsonl"
        _log(f"loop: each run is appended to {log} as it ends")
        result = loop.measure(project, plan.loop_rounds, log=log)
    result["measured"] = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": _commit()}
    return result


def _torchvision_problem() -> str | None:
    """Why this Python cannot import torchvision, or ``None`` when it can."""
    done = subprocess.run(
        [sys.executable, "-c", "import torchvision"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or ["no error message"])[-1]
    return f"{sys.executable} cannot import torchvision ({last})"


def bench_image(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Image fit throughput against a hand-written module on ImageFolder, and decoding speed.

    It renders an image task of its own; it needs a Python whose torchvision imports beside its
    torch, and records why it was skipped otherwise.
    """
    problem = _torchvision_problem()
    if problem is not None:
        _log(f"image: skipped: {problem}")
        return {"skipped": problem}
    from importlib.metadata import version

    with tempfile.TemporaryDirectory(prefix="bench-image-") as tmp:
        project = render_project(Path(tmp) / "image", image.IMAGE_ANSWERS)
        paths = [str(project / "src"), env.get("PYTHONPATH", "")]
        image_env = {**env, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
        args = ["alternate", "--rounds", str(plan.image_rounds)]
        fits = run_worker("image", [*args, "--workers", str(plan.image_workers)], image_env)
        _log("image: decoding throughput")
        decoding = run_worker("image", ["decode", "--rounds", str(plan.decode_rounds)], image_env)
    return {"fit": fits, "decode": decoding, "torchvision": version("torchvision")}


def bench_text(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Text fit throughput against a hand-written module with the same tokenizer and model.

    It renders a text task of its own, which runs in this environment (tokenizers).
    """
    with tempfile.TemporaryDirectory(prefix="bench-text-") as tmp:
        project = render_project(Path(tmp) / "text", text.TEXT_ANSWERS)
        paths = [str(project / "src"), env.get("PYTHONPATH", "")]
        text_env = {**env, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
        fits = run_worker("text", ["alternate", "--rounds", str(plan.text_rounds)], text_env)
    _log(f"text: the rendered task takes {fits['ratio']:.2f}x the hand-written module's time")
    return {"fit": fits}


BENCHES: dict[str, Callable[[Plan, dict[str, str]], dict[str, Any]]] = {
    "fit": bench_fit,
    "scale": bench_scale,
    "memory": bench_memory,
    "imports": bench_imports,
    "render": bench_render,
    "accuracy": bench_accuracy,
    "loop": bench_loop,
    "image": bench_image,
    "text": bench_text,
}


PROVENANCE = ("date", "commit", "versions", "machine")
"""What the report says of the earlier run a kept section was measured in."""


def kept_runs(saved_meta: dict[str, Any], kept: list[str]) -> list[dict[str, Any]]:
    """Which earlier run measured each kept section, newest run first.

    Args:
        saved_meta: The ``meta`` of the results file being rewritten.
        kept: The sections kept from it.

    Returns:
        One entry per earlier run that measured a kept section: its :data:`PROVENANCE` and
        ``sections``. A kept section found in none (one merged by hand) is in none of them.
    """
    earlier = saved_meta.get("kept_runs")
    if earlier is None and "kept_from" in saved_meta:  # a results file from before kept_runs
        old = saved_meta["kept_from"]
        measured = old.get("sections", saved_meta["kept"])
        earlier = [{**old, "sections": [name for name in saved_meta["kept"] if name in measured]}]
    runs = [{**saved_meta, "sections": saved_meta.get("sections", [])}, *(earlier or [])]
    found = []
    for run in runs:
        sections = [name for name in run["sections"] if name in kept]
        if sections:
            found.append(
                {**{key: run[key] for key in PROVENANCE if key in run}, "sections": sections}
            )
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the report; return the exit code."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default: all of {','.join(SECTIONS)})",
    )
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--chart", type=Path, default=REPO / "bench" / "benchmarks.png")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: rewrite the report and chart from the saved --results",
    )
    args = parser.parse_args(argv)
    if args.report_only:
        saved = json.loads(args.results.read_text(encoding="utf-8"))
        write_chart(saved, args.chart)
        write_report(saved, args.output, args.chart)
        _log(f"rewrote {args.output} and {args.chart} from {args.results}")
        return 0
    plan = QUICK if args.quick else FULL
    sections = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {list(SECTIONS)}")

    start = time.perf_counter()
    results: dict[str, Any] = {
        "meta": {
            "command": COMMAND + (" --quick" if args.quick else ""),
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "commit": _commit(),
            "versions": _versions(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
            "load_start": os.getloadavg()[0],
            "plan": plan.__dict__,
            "quick": args.quick,
            "sections": sections,
        }
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        _log("rendering the default classifier and a regressor")
        classifier = render_project(Path(tmp) / "classifier", CLASSIFIER_ANSWERS)
        regressor = render_project(Path(tmp) / "regressor", REGRESSOR_ANSWERS)
        env = worker_env([classifier / "src", regressor / "src"])
        for name in sections:
            _log(f"{name} ...")
            section_start = time.perf_counter()
            results[name] = BENCHES[name](plan, env)
            results[name]["seconds"] = time.perf_counter() - section_start
            _log(f"{name}: done in {results[name]['seconds']:.0f} s")
    results["meta"]["seconds"] = time.perf_counter() - start
    results["meta"]["load_end"] = os.getloadavg()[0]
    if args.results.is_file():
        # Sections not run this time keep their saved results, and the report says so.
        saved = json.loads(args.results.read_text(encoding="utf-8"))
        kept = [name for name in SECTIONS if name in saved and name not in results]
        if kept:
            results |= {name: saved[name] for name in kept}
            results["meta"]["kept"] = kept
            results["meta"]["kept_runs"] = kept_runs(saved["meta"], kept)

    args.results.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    write_chart(results, args.chart)
    write_report(results, args.output, args.chart)
    _log(f"wrote {args.output}, {args.chart} and {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
