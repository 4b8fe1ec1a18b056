"""Turn the raw results into ``BENCHMARKS.md`` and a PNG chart."""

import os
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import fit, image, imports, render, text
from .accuracy import BATCH_SIZE, MAX_EPOCHS, TEST_SIZE

MIB = 1024  # results hold KiB

FIT_GOAL = 1.0
IMPORT_GOAL = 1.05
RENDER_GOAL = 2.0
ACCURACY_GOAL_POINTS = 2.0
FLOAT64_COPIES_GOAL = 1.1
OBJECTS_PER_ROW_GOAL = 0.05


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**PASS**" if ok else "**MISS**")


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


# ---------------------------------------------------------------------------------------------
# Derived figures
# ---------------------------------------------------------------------------------------------


def fit_summary(section: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Median wall and CPU time of each variant's fit, and its throughput."""
    rows = section["rows"]
    summary = {}
    for variant, runs in section["runs"].items():
        wall = _median([run["fit_s"] for run in runs])
        summary[variant] = {
            "median": wall,
            "min": min(run["fit_s"] for run in runs),
            "cpu": _median([run["cpu_s"] for run in runs]),
            "total": _median([run["total_s"] for run in runs]),
            "rows_per_s": rows / wall,
        }
    return summary


def variant_fits(fits: dict[str, Any], count: int, unit: str) -> dict[str, dict[str, float]]:
    """Median wall and CPU time of each variant's fit, and ``unit`` (``count`` a fit) a second."""
    summary = {}
    for variant, runs in fits["runs"].items():
        wall = _median([run["fit_s"] for run in runs])
        summary[variant] = {
            "median": wall,
            "cpu": _median([run["cpu_s"] for run in runs]),
            f"{unit}_per_s": count / wall,
        }
    return summary


def image_summary(section: dict[str, Any]) -> dict[str, Any]:
    """Median fit time and throughput of each image variant, and decoding images per second."""
    fits = section["fit"]
    summary: dict[str, Any] = {"fit": variant_fits(fits, fits["images"], "images"), "decode": {}}
    for loader, by_workers in section["decode"]["images_per_s"].items():
        summary["decode"][loader] = {int(w): _median(rates) for w, rates in by_workers.items()}
    return summary


def scale_summary(section: dict[str, Any]) -> dict[int, dict[str, dict[str, Any]]]:
    """For each size and variant: median fit time, throughput and peak memory added."""
    summary: dict[int, dict[str, dict[str, Any]]] = {}
    for rows_text, variants in section.items():
        if not rows_text.isdigit():
            continue
        rows = int(rows_text)
        summary[rows] = {}
        for variant, runs in variants.items():
            wall = _median([run["fit_s"] for run in runs])
            summary[rows][variant] = {
                "runs": len(runs),
                "median": wall,
                "cpu": _median([run["cpu_s"] for run in runs]),
                "rows_per_s": rows / wall,
                "peak_added_mib": _median([run["peak_over_before_kib"] for run in runs]) / MIB,
                "data_mib": runs[0]["data_kib"] / MIB,
                "shares_memory": all(run.get("shares_memory", True) for run in runs),
            }
    return summary


def memory_summary(section: dict[str, Any]) -> dict[str, Any]:
    """Copies of the features the task keeps, and Python objects held per row of data."""
    f32, f64 = section["copies"]["float32"], section["copies"]["float64"]
    copy_kib = f64["float32_data_kib"]
    objects = section["objects"]
    per_row = {}
    for variant, counts in objects.items():
        (small, few), (large, many) = sorted((int(rows), count) for rows, count in counts.items())
        per_row[variant] = (many - few) / (large - small)
    return {
        "float32_copies": 0 if f32["shares_memory"] else 1,
        "float32_added_mib": f32["peak_over_before_kib"] / MIB,
        "float64_added_mib": f64["peak_over_before_kib"] / MIB,
        "copy_mib": copy_kib / MIB,
        "float64_extra_copies": (f64["peak_over_before_kib"] - f32["peak_over_before_kib"])
        / copy_kib,
        "objects": objects,
        "objects_per_row": per_row,
    }


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def text_summary(section: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Median fit time and throughput (texts a second) of each text variant."""
    fits = section["fit"]
    return variant_fits(fits, fits["texts"], "texts")


def _modality_fits(results: dict[str, Any]) -> list[tuple[str, dict[str, dict[str, float]]]]:
    """The image and text fit comparisons measured: each target's title and its summary."""
    found = []
    if "image" in results and "fit" in results["image"]:
        found.append(
            (
                f"Image fit time, {results['image']['fit']['images']:,} PNG files, one epoch: "
                "rendered image task vs hand-written LightningModule on `ImageFolder`",
                image_summary(results["image"])["fit"],
            )
        )
    if "text" in results and "fit" in results["text"]:
        found.append(
            (
                f"Text fit time, {results['text']['fit']['texts']:,} sentences, one epoch: "
                "rendered text task vs hand-written LightningModule, same tokenizer, model and "
                "batch size",
                text_summary(results["text"]),
            )
        )
    return found


def _targets(results: dict[str, Any]) -> list[tuple[str, str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, str, bool | None]] = []
    if "fit" in results:
        summary = fit_summary(results["fit"])
        task, hand = summary["task"]["median"], summary["lightning"]["median"]
        ratio = task / hand
        rows.append(
            (
                f"Fit time, {results['fit']['rows']:,} x 32, one epoch: rendered task vs "
                "hand-written LightningModule",
                f"{_seconds(task)} vs {_seconds(hand)}",
                f"{ratio:.2f}x",
                f"≤ {FIT_GOAL:.2f}x",
                ratio <= FIT_GOAL,
            )
        )
    for title, fits in _modality_fits(results):
        task, hand = fits["task"]["median"], fits["lightning"]["median"]
        ratio = task / hand
        rows.append(
            (
                title,
                f"{_seconds(task)} vs {_seconds(hand)}",
                f"{ratio:.2f}x",
                f"≤ {FIT_GOAL:.2f}x",
                ratio <= FIT_GOAL,
            )
        )
    if "imports" in results:
        medians = results["imports"]["medians"]
        ratio = medians["package"] / medians["stack"]
        rows.append(
            (
                "Import time: `import flash_tasks.template` vs "
                "`import pytorch_lightning, torchmetrics, sklearn`",
                f"{_seconds(medians['package'])} vs {_seconds(medians['stack'])}",
                f"{ratio:.2f}x",
                f"≤ {IMPORT_GOAL:.2f}x",
                ratio <= IMPORT_GOAL,
            )
        )
    if "render" in results:
        api = results["render"]["alternate"]["api"]
        template, trivial = _median(api["template"]), _median(api["trivial"])
        ratio = template / trivial
        rows.append(
            (
                "Render time: `copier copy --defaults` of this template vs a trivial one-file "
                "template",
                f"{_seconds(template)} vs {_seconds(trivial)}",
                f"{ratio:.2f}x",
                f"≤ {RENDER_GOAL:.0f}x",
                ratio <= RENDER_GOAL,
            )
        )
    if "accuracy" in results:
        for name, data in results["accuracy"]["classification"].items():
            rendered, mlp = data["means"]["rendered"], data["means"]["MLPClassifier"]
            points = (rendered - mlp) * 100
            rows.append(
                (
                    f"Accuracy on {name}: rendered classifier vs MLPClassifier",
                    f"{rendered:.1%} vs {mlp:.1%}",
                    f"{points:+.1f} pts",
                    f"≥ -{ACCURACY_GOAL_POINTS:.0f} pts",
                    points >= -ACCURACY_GOAL_POINTS,
                )
            )
    if "memory" in results:
        memory = memory_summary(results["memory"])
        rows.append(
            (
                "Memory, float32 arrays: copies of the features the task keeps",
                "shares the caller's array"
                if memory["float32_copies"] == 0
                else "copies the caller's array",
                f"{memory['float32_copies']} copies",
                "0 copies",
                memory["float32_copies"] == 0,
            )
        )
        rows.append(
            (
                "Memory, float64 arrays: peak RSS added over float32 input, in float32 copies "
                "of the features",
                f"{memory['float64_added_mib']:.0f} MiB vs {memory['float32_added_mib']:.0f} MiB "
                f"(one copy: {memory['copy_mib']:.0f} MiB)",
                f"{memory['float64_extra_copies']:.2f} copies",
                f"≤ {FLOAT64_COPIES_GOAL} copies",
                memory["float64_extra_copies"] <= FLOAT64_COPIES_GOAL,
            )
        )
        per_row = memory["objects_per_row"]
        rows.append(
            (
                "Memory: Python objects held per row of data during training (rendered task)",
                f"task {per_row['task']:.3f}, hand-written {per_row['lightning']:.3f}, "
                f"plain loop {per_row['torch']:.3f}",
                f"{per_row['task']:.3f} per row",
                f"< {OBJECTS_PER_ROW_GOAL}",
                per_row["task"] < OBJECTS_PER_ROW_GOAL,
            )
        )
    if "loop" in results:
        for name, title in LOOP_SUITES.items():
            wall, cpu = loop_medians(results["loop"], name)
            rows.append(
                (
                    f"Loop: {title}, wall-clock median (CPU time beside it)",
                    f"{_seconds(wall)} (CPU {_seconds(cpu)})",
                    "",
                    f"< {LOOP_GOAL:.0f} s",
                    wall < LOOP_GOAL,
                )
            )
    return rows


LOOP_GOAL = 60.0
"""Seconds each suite of the contributor's loop should take on 2 cores."""

LOOP_SUITES = {
    "quick": "this project's quick suite",
    "rendered": "the rendered defaults' own suite, in their own environment",
}


def loop_medians(section: dict[str, Any], name: str) -> tuple[float, float]:
    """The median wall and CPU seconds of one suite's runs."""
    runs = section["runs"][name]
    return _median([run["wall"] for run in runs]), _median([run["cpu"] for run in runs])


def _loop_section(results: dict[str, Any]) -> list[str]:
    section = results["loop"]
    measured = section.get("measured", {})
    lines = [
        "## The contributor's loop",
        "",
        f"Measured {measured.get('date', '?')} at {measured.get('commit', '?')}, "
        f"{section['cpus']} CPUs. Each suite runs as its README says, in a fresh process, the two "
        "alternating; CPU is user + system time of the run and every process it started, and "
        "the load average is the machine's just before the run (the machine is shared, so wall "
        "times swing with it; CPU times much less).",
        "",
    ]
    rows = []
    for name, title in LOOP_SUITES.items():
        runs = section["runs"][name]
        wall, cpu = loop_medians(section, name)
        rows.append(
            (
                f"{title}: `{section['commands'][name]}`",
                len(runs),
                _seconds(wall),
                _seconds(cpu),
                ", ".join(f"{run['wall']:.0f}" for run in runs),
                ", ".join(f"{run['load']:.1f}" for run in runs),
                runs[-1]["summary"].replace("|", "/"),
            )
        )
    header = ("suite", "runs", "median wall", "median CPU", "each run, s", "load before", "last")
    notes = [f"- {note}" for note in section.get("notes", [])]
    return [*lines, *_table(header, rows), "", *notes, *([""] if notes else [])]


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _fit_section(results: dict[str, Any]) -> list[str]:
    section = results["fit"]
    summary = fit_summary(section)
    hand, floor = summary["lightning"], summary["torch"]
    lines = [
        "## Fit throughput",
        "",
        f"{section['rows']:,} rows x 32 float32 features, 3 classes, batch 64, one epoch; "
        f"{section['rounds']} rounds in one process, the variants alternating (after one "
        "unmeasured warm-up fit each). Time is `trainer.fit` (for the plain loop, the loop).",
        "",
    ]
    rows = []
    for variant in fit.VARIANTS:
        item = summary[variant]
        rows.append(
            (
                fit.LABELS[variant],
                _seconds(item["median"]),
                _seconds(item["min"]),
                _seconds(item["cpu"]),
                f"{item['rows_per_s']:,.0f}",
                f"{item['median'] / hand['median']:.2f}x",
                f"{item['median'] / floor['median']:.2f}x",
                f"{item['cpu'] / hand['cpu']:.2f}x",
            )
        )
    lines += _table(
        (
            "variant",
            "median",
            "fastest",
            "median CPU",
            "rows/s",
            "vs hand-written",
            "vs plain loop",
            "CPU vs hand-written",
        ),
        rows,
    )
    return [*lines, ""]


def _scale_section(results: dict[str, Any]) -> list[str]:
    summary = scale_summary(results["scale"])
    lines = [
        "### How the cost grows",
        "",
        "One fresh process per measurement, the variants alternating; peak memory is the peak "
        "resident set (VmHWM, reset once the data exists) over the resident set before the fit, "
        "so it is what the fit adds on top of the caller's arrays. The 10^6 row is measured "
        "fewer times.",
        "",
    ]
    rows = []
    for size, variants in sorted(summary.items()):
        hand, hand_cpu = variants["lightning"]["median"], variants["lightning"]["cpu"]
        for variant in fit.VARIANTS:
            item = variants[variant]
            rows.append(
                (
                    f"{size:,}",
                    fit.LABELS[variant],
                    item["runs"],
                    _seconds(item["median"]),
                    f"{item['rows_per_s']:,.0f}",
                    f"{item['median'] / hand:.2f}x",
                    f"{item['cpu'] / hand_cpu:.2f}x",
                    f"{item['peak_added_mib']:.0f} MiB",
                    f"{item['data_mib']:.0f} MiB",
                )
            )
    lines += _table(
        (
            "rows",
            "variant",
            "runs",
            "median fit",
            "rows/s",
            "vs hand-written",
            "CPU vs hand-written",
            "peak RSS added",
            "data (float32)",
        ),
        rows,
    )
    lines += [
        "",
        "These rows pay each process's first-fit costs and are measured fewer times than the "
        "20,000-row comparison above, so on a shared machine single rows can swing by 10-20 %; "
        "`bench/results.json` has every run.",
    ]
    return [*lines, ""]


def _memory_section(results: dict[str, Any]) -> list[str]:
    memory = memory_summary(results["memory"])
    section = results["memory"]
    sizes = sorted(int(rows) for rows in next(iter(memory["objects"].values())))
    lines = [
        "## Memory",
        "",
        f"- **Copies of the data.** {section['rows']:,} rows x 32 features given to "
        f"`TemplateData.from_numpy`, then {section['batches']} training batches, fresh "
        "processes. With float32 arrays the task's training tensor shares the caller's memory "
        f"(no copy; peak RSS added {memory['float32_added_mib']:.0f} MiB, which is the targets, "
        "their checks and Lightning's own state). With float64 arrays it keeps one float32 "
        f"copy: {memory['float64_added_mib']:.0f} MiB added, "
        f"{memory['float64_extra_copies']:.2f} float32 copies "
        f"({memory['copy_mib']:.0f} MiB each) more than with float32 input.",
        "- **Per-sample Python objects.** `sys.getallocatedblocks()` (Python objects, not tensor "
        "or array memory) after the 100th training batch, over its value before the fit, at "
        f"{sizes[0]:,} and {sizes[1]:,} rows; the slope is what the fit holds per row of data. "
        "A list of the epoch's shuffled indices (what torch's `RandomSampler` builds) costs "
        "about one object per row.",
        "",
    ]
    rows = []
    for variant in fit.VARIANTS:
        counts = memory["objects"][variant]
        rows.append(
            (
                fit.LABELS[variant],
                *(f"{counts[str(size)]:,}" for size in sizes),
                f"{memory['objects_per_row'][variant]:.3f}",
            )
        )
    lines += _table(
        ("variant", *(f"objects held, {size:,} rows" for size in sizes), "objects per row"),
        rows,
    )
    return [*lines, ""]


def _imports_section(results: dict[str, Any]) -> list[str]:
    section = results["imports"]
    medians, cpu = section["medians"], section["cpu_medians"]
    lines = [
        "## Import time",
        "",
        f"Fresh `python -c` processes, {section['rounds']} rounds alternating after a warm-up; "
        "`time.perf_counter()` around the import statement (interpreter start-up excluded).",
        "",
    ]
    rows = []
    for name in imports.CANDIDATES:
        rows.append(
            (
                imports.LABELS[name],
                _seconds(medians[name]),
                _seconds(min(section["times"][name])),
                _seconds(cpu[name]),
                f"{medians[name] / medians['stack']:.2f}x",
                "yes" if section["loads_sklearn"][name] else "no",
            )
        )
    lines += _table(
        ("import", "median", "fastest", "median CPU", "vs stack", "loads sklearn"), rows
    )
    lines += [
        "",
        "The rendered package imports torch, Lightning and torchmetrics but not scikit-learn "
        "(the sklearn input reads a `Bunch` without importing sklearn), so the stack it is "
        "compared with includes a library it never loads. The last row is the part of the "
        "stack it does load, for reference.",
        "",
    ]
    return lines


def _render_section(results: dict[str, Any]) -> list[str]:
    section = results["render"]
    alternate = section["alternate"]
    api, cli = alternate["api"], alternate["cli"]
    trivial = _median(api["trivial"])
    lines = [
        "## Rendering",
        "",
        f"`copier.run_copy(src, dst, defaults=True)` (what `copier copy --defaults` runs), "
        f"{alternate['rounds']} rounds in one process, alternating after a warm-up; each source "
        "is a git repository with one commit, so copier clones each the same way.",
        "",
    ]
    rows = [
        (
            render.LABELS[name],
            _seconds(_median(values)),
            _seconds(min(values)),
            f"{_median(values) / trivial:.2f}x",
        )
        for name, values in api.items()
    ]
    cli_trivial = _median(cli["trivial"])
    rows += [
        (
            f"CLI `copier copy --defaults`: {render.LABELS[name]}",
            _seconds(_median(values)),
            _seconds(min(values)),
            f"{_median(values) / cli_trivial:.2f}x",
        )
        for name, values in cli.items()
    ]
    lines += _table(("render", "median", "fastest", "vs trivial"), rows)
    if "plain" in api:
        lines += ["", render_note(results)]
    if "green" in section:
        green = section["green"]
        lines += [
            "",
            f"**Copy to green.** Rendering the defaults took {_seconds(green['render_s'])}; the "
            f"rendered project's own test suite then took {_seconds(green['pytest_s'])} "
            f"(`{green['summary']}`): {_seconds(green['total_s'])} from copy to "
            f"{'a green' if green['green'] else 'a RED'} suite.",
        ]
    return [*lines, ""]


def render_note(results: dict[str, Any]) -> str:
    """Say how much of the render time is copier's cost per file rather than the template's."""
    api = results["render"]["alternate"]["api"]
    trivial, template = _median(api["trivial"]), _median(api["template"])
    plain = _median(api["plain"])
    files = results["render"]["alternate"].get("files", 0)
    share = (plain - trivial) / (template - trivial) if template > trivial else 0.0
    per_file = (plain - trivial) / files * 1000 if files else float("nan")
    return (
        f"The plain row has the trivial template's one question and {files} plain files, as many "
        f"as `template/` holds, in the same tree: it renders in {_seconds(plain)} "
        f"({plain / trivial:.1f}x the trivial template), so {share:.0%} of what this template "
        f"costs over the trivial one is copier's work per file (about {per_file:.0f} ms each: "
        "rendering every path, comparing, writing), not its Jinja or its questions. A 2x goal "
        "against a one-file template is out of reach for any template with this many files."
    )


def _accuracy_section(results: dict[str, Any]) -> list[str]:
    section = results["accuracy"]
    seeds = section["seeds"]
    lines = [
        "## Accuracy",
        "",
        f"Held-out scores, mean over {seeds} seeded splits ({1 - TEST_SIZE:.0%} train, "
        f"{TEST_SIZE:.0%} test; stratified for classification), every model on the same "
        f"splits. The rendered tasks use their defaults with batch {BATCH_SIZE} and "
        f"{MAX_EPOCHS} epochs on every data set; the scikit-learn models are fixed too (see "
        "`bench/accuracy.py`); nothing is tuned on the test splits.",
        "",
    ]
    rows = []
    for name, data in section["classification"].items():
        means = data["means"]
        rows.append(
            (
                name,
                f"{data['rows']} x {data['features']}",
                f"{means['rendered']:.1%}",
                f"{means['MLPClassifier']:.1%}",
                f"{means['LogisticRegression']:.1%}",
                f"{(means['rendered'] - means['MLPClassifier']) * 100:+.1f}",
                f"{data['seconds']['rendered'] / seeds:.1f} s",
            )
        )
    lines += _table(
        (
            "classification",
            "size",
            "rendered",
            "MLPClassifier",
            "LogisticRegression",
            "rendered - MLP (pts)",
            "rendered fit+predict",
        ),
        rows,
    )
    lines.append("")
    rows = []
    for name, data in section["regression"].items():
        means = data["means"]
        rows.append(
            (
                name,
                f"{data['rows']} x {data['features']}",
                f"{means['rendered']:.3f}",
                f"{means['MLPRegressor']:.3f}",
                f"{means['Ridge']:.3f}",
                ", ".join(f"{value:.3f}" for value in data["scores"]["rendered"]),
            )
        )
    lines += _table(
        ("regression (R²)", "size", "rendered", "MLPRegressor", "Ridge", "rendered per seed"),
        rows,
    )
    lines += [
        "",
        "No target is set for regression. Diabetes is small and noisy: the linear model wins; "
        "the two neural networks, trained for a fixed, untuned number of steps without early "
        "stopping, score lower and vary more from split to split.",
        "",
    ]
    return lines


def _image_section(results: dict[str, Any]) -> list[str]:
    section = results["image"]
    if "skipped" in section:
        return ["## Image throughput", "", f"Not measured: {section['skipped']}.", ""]
    summary = image_summary(section)
    fits = section["fit"]
    lines = [
        "## Image throughput",
        "",
        f"{fits['images']:,} digits as 64 x 64 RGB PNG files in class folders, cropped to "
        f"{image.IMAGE_SIZE} px, batch {image.BATCH_SIZE}, one epoch, {fits['workers']} "
        f"data-loader workers, {fits['rounds']} alternating rounds; torchvision "
        f"{section['torchvision']}.",
        "",
    ]
    lines += _table(
        ("variant", "fit (median)", "CPU (median)", "images/s"),
        [
            (
                image.LABELS[variant],
                _seconds(data["median"]),
                _seconds(data["cpu"]),
                f"{data['images_per_s']:,.0f}",
            )
            for variant, data in summary["fit"].items()
        ],
    )
    decode = summary["decode"]
    workers = sorted({count for rates in decode.values() for count in rates})
    lines += [
        "",
        "Decoding: one epoch of the training split read through the data loader (Pillow "
        "decoding and the training transform, no model), images per second (median):",
        "",
    ]
    lines += _table(
        ("loader", *(f"{count} workers" for count in workers)),
        [
            (
                "rendered `from_folders`" if loader == "task" else "torchvision `ImageFolder`",
                *(f"{rates[count]:,.0f}" for count in workers),
            )
            for loader, rates in decode.items()
        ],
    )
    lines.append("")
    return lines


def _text_section(results: dict[str, Any]) -> list[str]:
    fits = results["text"]["fit"]
    summary = text_summary(results["text"])
    hand = summary["lightning"]
    lines = [
        "## Text throughput",
        "",
        f"{fits['texts']:,} seeded sentences over {len(text.TOPICS)} topics (some words in "
        f"other scripts), batch {text.BATCH_SIZE}, one epoch, {fits['rounds']} alternating "
        f"rounds. Both variants fit the same WordPiece tokenizer (vocabulary "
        f"{text.VOCAB_SIZE:,}, at most {text.MAX_LENGTH} tokens) on the training texts when "
        f"training starts, and train the same `{text.BACKBONE}` backbone with a linear head; "
        "the time is `trainer.fit`, so it includes fitting the tokenizer.",
        "",
    ]
    lines += _table(
        ("variant", "fit (median)", "CPU (median)", "texts/s", "vs hand-written"),
        [
            (
                text.LABELS[variant],
                _seconds(data["median"]),
                _seconds(data["cpu"]),
                f"{data['texts_per_s']:,.0f}",
                f"{data['median'] / hand['median']:.2f}x",
            )
            for variant, data in summary.items()
        ],
    )
    paired = [
        task["fit_s"] / hand_run["fit_s"]
        for task, hand_run in zip(fits["runs"]["task"], fits["runs"]["lightning"], strict=True)
    ]
    lines += [
        "",
        "Round by round (the two fits of a round run one after the other), the task's fit time "
        f"over the hand-written module's ranged from {min(paired):.2f}x to {max(paired):.2f}x "
        f"(median {_median(paired):.2f}x). Each fit takes about {_seconds(hand['median'])} "
        "on a shared machine, so a gap smaller than that spread is not resolved by one run.",
    ]
    return [*lines, ""]


def _kept_note(meta: dict[str, Any]) -> list[str]:
    """Which earlier runs the kept sections come from (results files of either layout)."""
    if not meta.get("kept"):
        return []
    runs = meta.get("kept_runs") or [{**meta["kept_from"], "sections": meta["kept"]}]
    parts = [
        f"{', '.join(run['sections'])} from the run of {run.get('date', '?')} at "
        f"{run.get('commit', '?')} (torch {run.get('versions', {}).get('torch', '?')})"
        for run in runs
    ]
    attributed = {name for run in runs for name in run["sections"]}
    unattributed = [name for name in meta["kept"] if name not in attributed]
    if unattributed:
        parts.append(f"{', '.join(unattributed)} as its section says")
    return [
        f"> Sections kept from earlier runs: {'; '.join(parts)}. The run described below "
        f"measured {', '.join(meta['sections'])}.",
        "",
    ]


def write_report(results: dict[str, Any], path: Path, chart: Path) -> None:
    """Write ``BENCHMARKS.md``."""
    meta = results["meta"]
    versions = ", ".join(f"{name} {version}" for name, version in meta["versions"].items())
    lines = [
        "# Benchmarks",
        "",
        f"Regenerate with **`{meta['command']}`** from the repository root; it renders the "
        "template from the work tree into a temporary directory, runs every benchmark (10 to 15 "
        "minutes on 2 cores), and rewrites this file, `bench/benchmarks.png` and "
        "`bench/results.json`. `python -m bench --only fit,imports` runs some sections.",
        "",
    ]
    lines += _kept_note(meta)
    if meta["quick"]:
        lines += ["> **Quick run** (`--quick`): too few repeats for the numbers to mean much.", ""]
    lines += [
        f"Measured {meta['date']} at {meta['commit']}, on {meta['machine']}; {versions}. "
        f"Every worker runs torch on one thread. The machine is shared: load average "
        f"{meta['load_start']:.1f} at the start, {meta['load_end']:.1f} at the end; the run "
        f"took {meta['seconds'] / 60:.1f} min. Wall-clock medians of alternating runs are the "
        "figures judged; CPU-time medians are shown beside them as a check against the noise.",
        "",
        f"![benchmarks]({Path(os.path.relpath(chart, path.parent)).as_posix()})",
        "",
        "## Targets",
        "",
    ]
    targets = _targets(results)
    lines += _table(
        ("target", "measured", "ratio", "goal", "result"),
        [(*row[:4], _verdict(row[4])) for row in targets],
    )
    lines.append("")
    if "render" in results and "plain" in results["render"]["alternate"]["api"]:
        lines += [f"**On the render target.** {render_note(results)}", ""]
    if "fit" in results:
        lines += _fit_section(results)
    if "scale" in results:
        lines += _scale_section(results)
    if "memory" in results:
        lines += _memory_section(results)
    if "imports" in results:
        lines += _imports_section(results)
    if "render" in results:
        lines += _render_section(results)
    if "accuracy" in results:
        lines += _accuracy_section(results)
    if "loop" in results:
        lines += _loop_section(results)
    if "image" in results:
        lines += _image_section(results)
    if "text" in results and "fit" in results["text"]:
        lines += _text_section(results)
    lines += [
        "## How it is measured",
        "",
        "- `bench/fit.py`: the three fit variants and their identical Trainer settings "
        "(`logger=False`, `enable_checkpointing=False`, `enable_progress_bar=False`, "
        "`enable_model_summary=False`, `accelerator='cpu'`, `devices=1`, no validation). The "
        "hand-written module has the same network (Linear → ReLU → BatchNorm1d(128), Linear "
        "head), Adam at 1e-3, cross-entropy, a torchmetrics `MulticlassAccuracy` and the same "
        "`self.log` calls (loss and accuracy, on step and epoch) on a `TensorDataset` and "
        "`DataLoader(batch_size=64, shuffle=True)`. The rendered task also standardizes its "
        "inputs, learning the statistics in one pass when fitting starts; that is in its time.",
        "- `bench/image.py`: the image row, with a Python whose torchvision imports (the "
        "rendered image task against a hand-written module on `ImageFolder`, same network, "
        "transforms, batch size and workers; decoding with 0 and 2 workers).",
        "- `bench/text.py`: the text row (the rendered text task on `TextData.from_lists` "
        "against a hand-written module on a list of `(text, label)` pairs whose collate "
        "function calls the rendered `TextTokenizer`; same backbone, head, optimiser, metric, "
        "logging and batch size).",
        "- `bench/imports.py`, `bench/render.py`, `bench/accuracy.py`, `bench/loop.py` "
        "(`python -m bench --only loop`): the other benchmarks; "
        "`bench/report.py` writes this file and the chart; `bench/results.json` holds every "
        "raw measurement.",
        "- The rendered core shuffles training data with `ShuffledOrder` (in "
        "`core/data/data_module.py`): the permutation torch's `RandomSampler` would draw, handed "
        "out 1024 indices at a time instead of as an epoch-long Python list; array inputs then "
        "read each batch with one indexing operation (`ArrayInput.__getitems__`).",
        "- Benchmarks are not part of the test suite; nothing asserts on a wall-clock time.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The chart
# ---------------------------------------------------------------------------------------------


def write_chart(results: dict[str, Any], path: Path) -> None:
    """Draw the fit scaling, the target ratios, memory and accuracy in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"task": "#1f77b4", "lightning": "#ff7f0e", "torch": "#2ca02c"}
    figure, axes = plt.subplots(2, 2, figsize=(13, 9))
    (scale_axis, ratio_axis), (memory_axis, accuracy_axis) = axes

    if "scale" in results:
        summary = scale_summary(results["scale"])
        sizes = sorted(summary)
        for variant in fit.VARIANTS:
            scale_axis.plot(
                sizes,
                [summary[size][variant]["median"] for size in sizes],
                marker="o",
                color=colors[variant],
                label=fit.LABELS[variant],
            )
            memory_axis.plot(
                sizes,
                [summary[size][variant]["peak_added_mib"] for size in sizes],
                marker="o",
                color=colors[variant],
                label=fit.LABELS[variant],
            )
        memory_axis.plot(
            sizes,
            [summary[size]["task"]["data_mib"] for size in sizes],
            linestyle="--",
            color="grey",
            label="one float32 copy of the features",
        )
        for axis in (scale_axis, memory_axis):
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel("rows (32 float32 features, one epoch, batch 64)")
            axis.legend(fontsize=8)
            axis.grid(True, which="both", alpha=0.3)
        scale_axis.set_ylabel("fit time, s (median)")
        scale_axis.set_title("Fit time by data size")
        memory_axis.set_ylabel("peak RSS added by the fit, MiB")
        memory_axis.set_title("Memory added on top of the caller's arrays")

    ratios = []
    if "fit" in results:
        summary = fit_summary(results["fit"])
        ratios.append(
            ("fit vs hand-written", summary["task"]["median"] / summary["lightning"]["median"], 1)
        )
    for title, fits in _modality_fits(results):
        name = f"{title.split()[0].lower()} fit vs hand-written"
        ratios.append((name, fits["task"]["median"] / fits["lightning"]["median"], FIT_GOAL))
    if "imports" in results:
        medians = results["imports"]["medians"]
        ratios.append(("import vs stack", medians["package"] / medians["stack"], IMPORT_GOAL))
    if "render" in results:
        api = results["render"]["alternate"]["api"]
        ratios.append(
            ("render vs trivial", _median(api["template"]) / _median(api["trivial"]), RENDER_GOAL)
        )
    if ratios:
        names = [name for name, _, _ in ratios]
        values = [value for _, value, _ in ratios]
        goals = [goal for _, _, goal in ratios]
        bar_colors = [
            "#2ca02c" if v <= g else "#d62728" for v, g in zip(values, goals, strict=True)
        ]
        positions = range(len(ratios))
        ratio_axis.barh(positions, values, color=bar_colors)
        for position, value, goal in zip(positions, values, goals, strict=True):
            ratio_axis.plot([goal, goal], [position - 0.4, position + 0.4], color="black")
            ratio_axis.text(value, position, f" {value:.2f}x", va="center")
        ratio_axis.set_yticks(list(positions), names)
        ratio_axis.set_xlabel("ratio (rendered / reference); black line: goal")
        ratio_axis.set_title("Targets: green met, red missed")
        ratio_axis.set_xlim(0, max([*values, *goals]) * 1.25)

    if "accuracy" in results:
        data = results["accuracy"]["classification"]
        names = list(data)
        models = ("rendered", "MLPClassifier", "LogisticRegression")
        width = 0.27
        for index, model in enumerate(models):
            accuracy_axis.bar(
                [position + (index - 1) * width for position in range(len(names))],
                [data[name]["means"][model] * 100 for name in names],
                width,
                label=model,
            )
        accuracy_axis.set_xticks(range(len(names)), names)
        accuracy_axis.set_ylim(80, 101)
        accuracy_axis.set_ylabel("held-out accuracy, % (mean over seeds)")
        accuracy_axis.set_title("Accuracy on the same stratified splits")
        accuracy_axis.legend(fontsize=8, loc="lower left")
        accuracy_axis.grid(True, axis="y", alpha=0.3)

    figure.suptitle("flash-task-template benchmarks (`python -m bench`)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
