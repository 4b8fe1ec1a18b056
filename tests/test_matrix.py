"""The answer matrix: derived from copier.yml, valid for copier, covering every value and pair.

Coverage is computed here on its own terms: the values each question offers come from reading
copier.yml with PyYAML and rendering templated choices with Jinja, and the answers each point
ends up with come from copier itself (a ``pretend`` copy), not from the matrix's own
bookkeeping. The tests that settle the real template's answers with copier (about a second
per answer set) are marked ``slow``.
"""

import itertools
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from jinja2.sandbox import SandboxedEnvironment

from generator import COPIER_FILE, TEMPLATE_ROOT, choice_values, is_computed
from generator.catalogue import AWKWARD_ANSWERS, CI_OTHER_MODALITY_POINTS
from generator.matrix import (
    CI_PAIRWISE_POINTS,
    Matrix,
    Point,
    build_matrix,
    matrix_cache_file,
    select_points,
)
from generator.questionnaire import Questionnaire

Label = tuple[Any, ...]
"""One answer: ``(question, value)``, or ``(question, "+"/"-", choice)`` for a multiselect."""

PAIR_SAMPLE = 10
"""About how many of the uncovered pairs copier settles of each verdict, accepted and refused
(test_matrix_covers_every_value_and_every_pair); the questionnaire settles all of them."""

# --- An independent view of a template -------------------------------------------------------


def copier_answers(template: Path, data: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Every question's answer as copier settles it (``pretend``: nothing is written)."""
    worker = copier.run_copy(
        str(template),
        dest,
        data=data,
        vcs_ref="HEAD",
        defaults=True,
        pretend=True,
        quiet=True,
        # Only the answers are wanted: no file is rendered, which is most of a copy's time.
        exclude=["*"],
    )
    return dict(worker.answers.combined)


def _settle(template: Path, data: dict[str, Any], dest: Path) -> tuple[bool, Any]:
    """``copier_answers``, or copier's refusal: ``(True, answers)`` or ``(False, message)``."""
    try:
        return True, copier_answers(template, data, dest)
    except ValueError as error:
        return False, f"{type(error).__name__}: {error}"


def settle_all(
    template: Path, answer_sets: list[dict[str, Any]], where: Path
) -> list[tuple[bool, Any]]:
    """``_settle`` each answer set, in as many processes as there are CPUs (two at most).

    A copy takes about a second of CPU, nearly all of it copier rendering the questions, and
    the real template's coverage takes a few hundred of them.
    """
    context = multiprocessing.get_context("spawn")
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_settle, template, data, where / str(index))
            for index, data in enumerate(answer_sets)
        ]
        return [future.result() for future in futures]


def offered_values(copier_file: Path, defaults: dict[str, Any]) -> dict[str, list[Any]]:
    """Each choice or bool question's values, read from copier.yml; templated choices rendered
    with every value of every static choice question (and every multiselect fully chosen)."""
    config = yaml.safe_load(copier_file.read_text(encoding="utf-8"))
    questions = {
        name: q
        for name, q in config.items()
        if not name.startswith("_") and isinstance(q, dict) and not is_computed(q)
    }
    static = {
        name: choice_values(q)
        for name, q in questions.items()
        if q.get("choices") and not isinstance(q["choices"], str)
    }
    env = SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    offered: dict[str, list[Any]] = {}
    for name, question in questions.items():
        choices = question.get("choices")
        if isinstance(choices, str):
            values: list[Any] = []
            everything = {m: static[m] for m in static if questions[m].get("multiselect")}
            contexts = [{**defaults, **everything}]
            for other, other_values in static.items():
                if not questions[other].get("multiselect"):
                    contexts += [{**defaults, **everything, other: v} for v in other_values]
            for context in contexts:
                rendered = yaml.safe_load(env.from_string(choices).render(context)) or []
                items = rendered.values() if isinstance(rendered, dict) else rendered
                values += [v for v in items if v not in values]
            offered[name] = values
        elif choices:
            offered[name] = static[name]
        elif question.get("type") == "bool" or isinstance(question.get("default"), bool):
            offered[name] = [True, False]
    return offered


def factor_of(label: Label) -> tuple[Any, ...]:
    """The factor a label belongs to: its question, or a multiselect's question and choice."""
    return (label[0], label[2]) if len(label) == 3 else (label[0],)


def labels_of(answers: dict[str, Any], offered: dict[str, list[Any]], multi: set[str]) -> set:
    labels: set[Label] = set()
    for name, values in offered.items():
        if name in multi:
            labels |= {(name, "+" if c in answers[name] else "-", c) for c in values}
        elif answers[name] in values:
            labels.add((name, answers[name]))
    return labels


def every_label(offered: dict[str, list[Any]], multi: set[str]) -> list[Label]:
    labels: list[Label] = []
    for name, values in offered.items():
        if name in multi:
            labels += [(name, sign, c) for c in values for sign in "+-"]
        else:
            labels += [(name, v) for v in values]
    return labels


def text(label: Label) -> str:
    """A label as the matrix names it (``task_type=regression``, ``inputs+csv``)."""
    return f"{label[0]}{label[1]}{label[2]}" if len(label) == 3 else f"{label[0]}={label[1]}"


def uncovered(
    point_labels: list[set[Label]], offered: dict[str, list[Any]], multi: set[str]
) -> tuple[list[Label], list[tuple[Label, Label]]]:
    """The values and the pairs of values of two factors that no point holds."""
    covered_values = set().union(*point_labels)
    covered_pairs = {
        frozenset(pair) for labels in point_labels for pair in itertools.combinations(labels, 2)
    }
    labels = every_label(offered, multi)
    values = [label for label in labels if label not in covered_values]
    pairs = [
        (a, b)
        for a, b in itertools.combinations(labels, 2)
        if factor_of(a) != factor_of(b) and frozenset((a, b)) not in covered_pairs
    ]
    return values, pairs


def pair_data(pair: tuple[Label, Label], offered: dict[str, list[Any]]) -> dict[str, Any]:
    """Answers that hold both labels and nothing else: the way to show a pair is refused."""
    data: dict[str, Any] = {}
    for label in pair:
        if len(label) == 2:
            data[label[0]] = label[1]
            continue
        name, sign, choice = label
        current = data.get(name, [] if sign == "+" else list(offered[name]))
        if sign == "+":
            data[name] = [*current, choice]
        else:
            data[name] = [c for c in current if c != choice]
    return data


# --- The real template -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's work tree as it is (what ``vcs_ref="HEAD"`` renders), outside git, so
    each ``pretend`` copy skips copier's clone."""
    root = tmp_path_factory.mktemp("template") / "template-copy"
    root.mkdir()
    shutil.copy2(COPIER_FILE, root / COPIER_FILE.name)
    subdirectory = yaml.safe_load(COPIER_FILE.read_text(encoding="utf-8"))["_subdirectory"]
    shutil.copytree(TEMPLATE_ROOT / subdirectory, root / subdirectory)
    return root


@pytest.fixture(scope="module")
def multiselects() -> set[str]:
    config = yaml.safe_load(COPIER_FILE.read_text(encoding="utf-8"))
    return {name for name, q in config.items() if isinstance(q, dict) and q.get("multiselect")}


@pytest.fixture(scope="module")
def settled(
    matrix: Matrix, template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, dict[str, Any]]]:
    """Each point's answers as copier settles them; copier raises for a refused point."""
    where = tmp_path_factory.mktemp("pretend")
    settled = dict(
        zip(
            (point.name for point in matrix.points),
            settle_all(template, [dict(point.answers) for point in matrix.points], where),
            strict=True,
        )
    )
    refused = {name: found for name, (ok, found) in settled.items() if not ok}
    assert not refused, refused
    yield {name: answers for name, (_, answers) in settled.items()}
    shutil.rmtree(where, ignore_errors=True)


@pytest.mark.slow
def test_matrix_covers_every_value_and_every_pair(
    matrix: Matrix, template: Path, settled: dict[str, dict[str, Any]], multiselects: set[str]
) -> None:
    offered = offered_values(COPIER_FILE, settled["defaults"])
    # The template's choice questions and booleans all take part.
    assert {"license", "task_type", "inputs", "backbones", "default_backbone"} <= set(offered)
    point_labels = [labels_of(answers, offered, multiselects) for answers in settled.values()]
    values, pairs = uncovered(point_labels, offered, multiselects)
    assert values == []
    infeasible = {frozenset(pair) for pair in matrix.infeasible}
    assert [pair for pair in pairs if frozenset(map(text, pair)) not in infeasible] == []
    # What the matrix calls infeasible, copier refuses, or never asks together: pretrained is
    # asked for images only and tokenizer for texts only, so a value of another modality never
    # meets one of their answers; and nothing else is left out.
    config = yaml.safe_load(COPIER_FILE.read_text(encoding="utf-8"))
    sometimes = {name for name in offered if "when" in config[name]}
    assert {"pretrained", "tokenizer"} <= sometimes
    unasked = infeasible - {frozenset(map(text, pair)) for pair in pairs}
    assert all(any(label.split("=")[0] in sometimes for label in pair) for pair in unasked), (
        unasked
    )
    env = SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    datas = [pair_data(pair, offered) for pair in pairs]
    # Copier takes about a second of CPU a pair, the questionnaire a millisecond, and the
    # questionnaire answers as copier does (test_questionnaire_agrees_with_copier): so the
    # questionnaire settles every pair, and copier a sample of each verdict, which must agree.
    questionnaire = Questionnaire.from_file()
    evaluations = [questionnaire.evaluate(data) for data in datas]
    sample = []
    for ok in (True, False):
        same = [index for index, evaluation in enumerate(evaluations) if evaluation.ok is ok]
        assert same, f"no pair is {'accepted' if ok else 'refused'}"
        sample += same[:: max(1, len(same) // PAIR_SAMPLE)]
    by_copier = settle_all(template, [datas[i] for i in sample], Path("/nonexistent/pretend"))
    for index, (accepted, answers) in zip(sample, by_copier, strict=True):
        evaluation = evaluations[index]
        assert accepted is evaluation.ok, (pairs[index], answers, evaluation.error)
        if accepted:
            assert answers == {**answers, **evaluation.answers}, pairs[index]
    for pair, data, evaluation in zip(pairs, datas, evaluations, strict=True):
        if not evaluation.ok:
            continue
        # Copier takes only an answer to a question it does not ask: pretrained for a table or
        # a text, tokenizer for a table or an image.
        ignored = [
            name
            for name in data
            if name in sometimes
            and env.from_string(str(config[name]["when"])).render(evaluation.answers).strip()
            != "True"
        ]
        assert ignored, pair


@pytest.mark.slow
def test_every_point_is_valid_and_no_multiselect_is_empty(
    settled: dict[str, dict[str, Any]], multiselects: set[str]
) -> None:
    config = yaml.safe_load(COPIER_FILE.read_text(encoding="utf-8"))
    for name, answers in settled.items():
        assert answers["default_backbone"] in answers["backbones"], name
        for question in multiselects:
            if config[question].get("default"):
                assert answers[question], (name, question)


def test_points_answer_only_choice_and_bool_questions(matrix: Matrix) -> None:
    config = yaml.safe_load(COPIER_FILE.read_text(encoding="utf-8"))
    for point in matrix.points:
        for name in point.answers:
            question = config[name]
            assert not is_computed(question), (point.name, name)
            if point.kind != "names":  # only the awkward points vary names and text
                assert question.get("choices") or question.get("type") == "bool", (
                    point.name,
                    name,
                )


def test_awkward_points_vary_names_and_text(matrix: Matrix) -> None:
    awkward = [point for point in matrix.points if point.kind == "names"]
    assert [point.name for point in awkward] == list(AWKWARD_ANSWERS)  # the template takes all
    varied = {name for point in awkward for name in point.answers}
    free = {"project_name", "library_name", "data_type", "model_class"}
    free |= {"description", "author_name", "author_email"}
    assert free <= varied
    # Non-ASCII text, one-letter and the longest names are among them.
    texts = [str(point.answers.get("description", "")) for point in awkward]
    assert any(not text.isascii() for text in texts)
    assert {len(point.answers.get("data_type", "template")) for point in awkward} >= {1, 20}


@pytest.mark.slow
def test_defaults_and_all_on_points(
    matrix: Matrix, settled: dict[str, dict[str, Any]], multiselects: set[str]
) -> None:
    assert matrix.points[0] == Point("defaults", "defaults", {})
    assert matrix.point("all-on").kind == "all-on"
    answers = settled["all-on"]
    config = yaml.safe_load(COPIER_FILE.read_text(encoding="utf-8"))
    env = SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    for name in multiselects:
        choices = config[name]["choices"]
        if isinstance(choices, str):  # every choice offered with the point's other answers
            choices = yaml.safe_load(env.from_string(choices).render(answers))
        # ... that its own validator lets the point's modality take.
        enabled = [
            value
            for value, validator in choice_entries(choices)
            if not env.from_string(validator).render(answers).strip()
        ]
        assert answers[name] == enabled, name
    for name, question in config.items():
        if isinstance(question, dict) and question.get("type") == "bool":
            asked = env.from_string(str(question.get("when", True))).render(answers)
            if not is_computed(question) and asked.strip().lower() == "true":
                assert answers[name] is True, name


def choice_entries(choices: Any) -> list[tuple[Any, str]]:
    """Each choice's value and its own validator (empty when it has none)."""
    items = choices.items() if isinstance(choices, dict) else [(c, c) for c in choices]
    entries = []
    for _, choice in items:
        if isinstance(choice, dict):
            entries.append((choice["value"], str(choice.get("validator", ""))))
        else:
            entries.append((choice, ""))
    return entries


def test_point_names_are_short_and_unique(matrix: Matrix) -> None:
    names = [point.name for point in matrix.points]
    assert len(set(names)) == len(names)
    assert names[:2] == ["defaults", "all-on"]
    pairwise = [point for point in matrix.points if point.kind == "pairwise"]
    awkward = [point for point in matrix.points if point.kind == "names"]
    extra = [point for point in matrix.points if point.kind == "defaults"][1:]
    assert [point.name for point in extra] == ["defaults-image", "defaults-text"]
    assert all(point.name == f"p{i:02d}" for i, point in enumerate(pairwise, start=1))
    assert matrix.points[2:] == (*extra, *pairwise, *awkward)
    assert [point.name for point in awkward] == list(AWKWARD_ANSWERS)


@pytest.mark.slow
def test_matrix_is_deterministic(matrix: Matrix, tmp_path: Path) -> None:
    # Another process with another string hash seed and an empty cache derives the very same
    # matrix; it runs while this process derives the matrix a second time, not from the cache.
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    process = subprocess.Popen(
        [sys.executable, "-m", "generator.matrix"],
        cwd=TEMPLATE_ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed, "XDG_CACHE_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert build_matrix(cached=False) == matrix
    finally:
        stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    assert json.loads(stdout) == matrix.to_json()


def test_select_points(matrix: Matrix) -> None:
    names = [p.name for p in select_points(matrix, "ci")]

    def pairwise(modality: str) -> list[str]:
        return [
            p.name
            for p in matrix.points
            if p.kind == "pairwise" and matrix.modalities[p.name] == modality
        ]

    tabular, text = pairwise(matrix.default_modality), pairwise("text")
    assert CI_OTHER_MODALITY_POINTS == {"image": 0, "text": 1}
    assert names == [
        "defaults",
        "all-on",
        "defaults-image",
        "defaults-text",
        *sorted([*tabular[:CI_PAIRWISE_POINTS], text[0]]),
        next(iter(AWKWARD_ANSWERS)),
    ]
    assert [p.name for p in select_points(matrix, "names")] == list(AWKWARD_ANSWERS)
    assert [p.name for p in select_points(matrix, "smoke")] == ["defaults", "all-on"]
    assert [p.name for p in select_points(matrix, "defaults")] == ["defaults"]
    assert select_points(matrix, "all") == list(matrix.points)
    assert all(p.kind == "pairwise" for p in select_points(matrix, "pairwise"))
    assert [p.name for p in select_points(matrix, "p03,defaults")] == ["p03", "defaults"]
    assert [p.name for p in select_points(matrix, "all", limit=3)] == [
        "defaults",
        "all-on",
        "defaults-image",
    ]
    with pytest.raises(ValueError, match="unknown subset or point 'p999'"):
        select_points(matrix, "p999")


def test_questionnaire_remembers_outcomes_without_sharing_answers(matrix: Matrix) -> None:
    # One questionnaire remembers each question's outcome by the answers it reads; its
    # evaluations equal a fresh questionnaire's, in any order, and a caller changing one
    # evaluation's answers changes no other's.
    remembering = Questionnaire.from_file()
    # The defaults of each modality, all-on and the awkward names, then every fifth pairwise
    # point: a fresh questionnaire starts cold (tenths of a second) for each evaluation.
    chosen = [point for point in matrix.points if point.kind != "pairwise"]
    chosen += [point for point in matrix.points if point.kind == "pairwise"][::5]
    points = [dict(point.answers) for point in chosen]
    for data in [*points, *reversed(points)]:
        fresh = Questionnaire.from_file().evaluate(data)
        assert remembering.evaluate(data) == fresh
    first = remembering.evaluate({})
    first.answers["inputs"].append("csv")
    first.answers["shadowed_modules"].clear()
    again = remembering.evaluate({})
    assert again.answers["inputs"] == ["numpy", "sklearn"]
    assert "json" in again.answers["shadowed_modules"]
    shared = remembering.evaluate({}, shared=True)
    assert shared.answers["inputs"] is remembering.evaluate({}, shared=True).answers["inputs"]


# --- Fake templates ----------------------------------------------------------------------------

EVERY_KIND = """\
_subdirectory: template
project_name:
  type: str
  default: demo
  validator: "{% if not project_name %}required{% endif %}"
epochs:
  type: int
  default: 3
rate:
  type: float
  default: 0.1
prefix:
  type: str
  when: false
  default: "{{ project_name | upper }}"
license:
  type: str
  help: label-to-value choices
  choices:
    "The MIT license": MIT
    "Apache 2": Apache-2.0
  default: MIT
task_type:
  type: str
  choices: [classification, regression]
  default: classification
fast:
  type: bool
  default: false
parts:
  type: str
  multiselect: true
  choices: [a, b, c]
  default: [a]
  validator: "{% if not parts %}parts needs a choice{% endif %}"
main_part:
  type: str
  choices: "{{ parts | to_yaml }}"
  default: "{{ parts[0] }}"
  validator: "{% if main_part not in parts %}main_part must be a chosen part{% endif %}"
metrics:
  type: str
  multiselect: true
  choices: >-
    {{ ['f1', 'auroc'] if task_type == 'classification' else ['mae'] }}
  default: []
precision:
  type: str
  choices:
    fp32: fp32
    bf16:
      value: bf16
      validator: "{% if not fast %}bf16 needs fast{% endif %}"
  default: fp32
"""


def fake_template(root: Path, copier_yml: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "copier.yml").write_text(copier_yml, encoding="utf-8")
    (root / "template").mkdir(exist_ok=True)
    (root / "template" / "answers.txt.jinja").write_text("{{ _copier_answers }}\n")
    return root


def covered_by_questionnaire(path: Path, matrix: Matrix) -> tuple[list, list]:
    """Coverage of a fake template's matrix, with answers settled by copier itself."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    multi = {name for name, q in config.items() if isinstance(q, dict) and q.get("multiselect")}
    settled = {
        point.name: copier_answers(path.parent, point.answers, path.parent / "out" / point.name)
        for point in matrix.points
    }
    offered = offered_values(path, settled["defaults"])
    point_labels = [labels_of(answers, offered, multi) for answers in settled.values()]
    values, pairs = uncovered(point_labels, offered, multi)
    infeasible = {frozenset(pair) for pair in matrix.infeasible}
    return values, [pair for pair in pairs if frozenset(map(text, pair)) not in infeasible]


def test_every_kind_of_question(tmp_path: Path) -> None:
    template = fake_template(tmp_path / "kinds", EVERY_KIND)
    matrix = build_matrix(template / "copier.yml")
    assert [f.name for f in matrix.factors] == [
        "license",
        "task_type",
        "fast",
        "parts[a]",
        "parts[b]",
        "parts[c]",
        "main_part",
        "metrics[f1]",
        "metrics[auroc]",
        "metrics[mae]",
        "precision",
    ]
    for point in matrix.points:
        # Free text keeps its default; computed questions are never answered.
        assert not {"project_name", "epochs", "rate", "prefix"} & set(point.answers)
        assert point.answers.get("parts", ["a"]) != []
    assert covered_by_questionnaire(template / "copier.yml", matrix) == ([], [])
    infeasible = {frozenset(pair) for pair in matrix.infeasible}
    assert frozenset({"task_type=regression", "metrics+f1"}) in infeasible
    assert frozenset({"fast=False", "precision=bf16"}) in infeasible
    assert frozenset({"parts-b", "main_part=b"}) in infeasible
    assert matrix.point("all-on").answers == {
        "fast": True,
        "parts": ["a", "b", "c"],
        "metrics": ["f1", "auroc"],
    }


def test_matrix_follows_copier_yml(tmp_path: Path) -> None:
    template = fake_template(tmp_path / "grows", EVERY_KIND)
    before = build_matrix(template)
    grown = EVERY_KIND.replace("choices: [a, b, c]", "choices: [a, b, c, d]") + textwrap.dedent(
        """\
        optimizer:
          type: str
          choices: [Adam, SGD, RMSprop]
          default: Adam
        """
    )
    (template / "copier.yml").write_text(grown, encoding="utf-8")
    after = build_matrix(template)
    assert after != before
    assert "optimizer" in [f.name for f in after.factors]
    assert "parts[d]" in [f.name for f in after.factors]
    used = {point.answers.get("optimizer", "Adam") for point in after.points}
    assert used == {"Adam", "SGD", "RMSprop"}
    assert covered_by_questionnaire(template / "copier.yml", after) == ([], [])


@pytest.mark.slow
def test_questionnaire_agrees_with_copier(template: Path, tmp_path: Path) -> None:
    questionnaire = Questionnaire.from_file()
    cases: list[dict[str, Any]] = [
        {},
        {"task_type": "regression"},
        {"library_name": "os"},
        {"library_name": "Bad-Name"},
        {"backbones": []},
        {"default_backbone": "linear"},
        {"backbones": ["linear"], "default_backbone": "linear"},
        {"task_type": "regression", "extra_metrics": ["f1score"]},
        {"inputs": "[csv, numpy]"},
        {"license": "GPL"},
        {"learning_rate": "1e-3"},
        {"learning_rate": "abc"},
        # The text modality: its default follows data_type; its questions and refusals.
        {"data_type": "text"},
        {"modality": "text", "inputs": ["numpy"]},
        {"modality": "text", "backbones": ["linear"]},
        {"modality": "text", "backbones": ["huggingface"], "huggingface_model": "a/b/c"},
        {"modality": "text", "tokenizer": "bpe", "vocab_size": 499},
        {"modality": "text", "task_type": "regression", "max_length": 8192},
        {"data_type": "text", "model_class": "TextTokenizer"},
        {"modality": "text", "inputs": ["lists"], "cli": True},
        {"tokenizer": "bpe"},
    ]
    for number, data in enumerate(cases):
        evaluation = questionnaire.evaluate(data)
        try:
            answers = copier_answers(template, data, tmp_path / str(number))
        except ValueError as refused:
            assert evaluation.error is not None, (data, refused)
            assert f"'{evaluation.error.question}'" in str(refused), (data, refused)
            continue
        assert evaluation.ok, (data, evaluation.error)
        for name, value in evaluation.answers.items():
            assert answers[name] == value, (data, name)


def test_a_kept_matrix_is_the_derived_one_until_copier_yml_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    template = fake_template(tmp_path / "kept", EVERY_KIND)
    derived = build_matrix(template, cached=False)
    kept = matrix_cache_file(template / "copier.yml")
    assert not kept.exists()
    assert build_matrix(template) == derived
    assert kept.is_file() and kept.parent == tmp_path / "cache" / "flash-task" / "matrices"
    # Read back, not derived: a matrix written there is the one given.
    data = json.loads(kept.read_text(encoding="utf-8"))
    data["points"] = data["points"][:1]
    kept.write_text(json.dumps(data), encoding="utf-8")
    assert build_matrix(template).points == derived.points[:1]
    # An unreadable file is derived again, and replaced.
    kept.write_text("{not json", encoding="utf-8")
    assert build_matrix(template) == derived
    assert json.loads(kept.read_text(encoding="utf-8"))["points"] == [
        point.to_json() for point in derived.points
    ]
    # Another copier.yml is another file.
    copier_yml = template / "copier.yml"
    copier_yml.write_text(copier_yml.read_text() + "\n# a comment\n", encoding="utf-8")
    assert matrix_cache_file(copier_yml) != kept
