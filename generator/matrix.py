"""The answer matrix: a few answer sets that, together, try every answer the template offers.

Nothing here lists the template's choices: the matrix is derived from ``copier.yml`` each time,
so a question or a choice added there is in the next matrix. Each **factor** is one thing an
answer set can vary:

* a question with choices (a list, a label-to-value mapping, or Jinja text that renders to
  one): one factor whose values are the choices; templated choices take every value they
  render to for the values of the questions they depend on;
* a ``bool`` question: one factor, ``True`` or ``False``;
* a multiselect question: one factor per choice, present or absent.

Free-text questions (``str``, ``int``, ``float``...) keep their defaults, and computed questions
(``when: false``) are never answered. The matrix holds a ``defaults`` point, an ``all-on`` point
(every multiselect with all its choices, every ``bool`` true), a ``defaults-<value>`` point for
each other answer of ``modality`` (every other answer its default) and pairwise points ``p01``,
``p02``...: a greedy pairwise covering, so that every value of every factor, and every pair of
values of two factors, is the effective answer in at least one point. A multiselect never ends
up empty unless that is its default, and each point is checked with
:class:`~generator.questionnaire.Questionnaire` the way copier validates answers, so
``default_backbone``-like questions (whose validator or choices depend on another answer) stay
valid; a pair that no valid point can hold (e.g. a classification-only metric with
``task_type=regression``) is listed in :attr:`Matrix.infeasible` instead. The same
``copier.yml`` always gives the same matrix.

Subsets, for ``flash-task check --subset NAME``:

* ``all``: every point;
* ``ci``: ``defaults``, ``all-on``, the defaults of every other modality (``defaults-image``,
  ``defaults-text``), the first pairwise point of the default modality (which covers the
  most pairs), the first pairwise points of each other modality as many as
  :data:`~generator.catalogue.CI_OTHER_MODALITY_POINTS` says (text's first, no image one),
  and the first awkward-names point, for CI's time limit;
* ``smoke``: ``defaults`` and ``all-on``;
* ``pairwise``: the pairwise points;
* ``defaults``: the ``defaults`` point;
* any comma-separated point names, e.g. ``defaults,p03``.
"""

import hashlib
import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from .catalogue import AWKWARD_ANSWERS, CI_AWKWARD_POINTS, CI_OTHER_MODALITY_POINTS
from .envs import cache_home
from .questionnaire import Evaluation, Questionnaire
from .template import COPIER_FILE, is_computed

__all__ = [
    "CI_PAIRWISE_POINTS",
    "KEPT_MATRICES",
    "SUBSETS",
    "Factor",
    "Matrix",
    "Point",
    "build_matrix",
    "derive_factors",
    "effective_values",
    "matrix_cache_file",
    "select_points",
]

KEPT_MATRICES: Final = 16
"""How many derived matrices the cache keeps, the newest (one per template version)."""

SUBSETS: Final[dict[str, str]] = {
    "all": "every point",
    "ci": "defaults, all-on, each other modality's defaults, the first pairwise point of "
    "the default modality, the first of each other modality as CI_OTHER_MODALITY_POINTS says, "
    "and the first awkward-names point",
    "smoke": "defaults and all-on",
    "pairwise": "the pairwise points",
    "defaults": "the defaults point",
    "names": "the awkward names and free text of generator.catalogue",
}
"""The named subsets of the matrix and what each holds."""

CI_PAIRWISE_POINTS: Final = 1
"""How many pairwise points of the default modality the ``ci`` subset takes, the first ones
(which cover the most)."""

MODALITY: Final = "modality"
"""The question whose answer decides a rendering's kind of data, and so the environment that
checks it (:mod:`generator.envs`) and the ``ci`` subset's share of points."""

_MAX_CONTEXTS: Final = 256
"""At most this many answer sets are tried to find every value of a templated ``choices``."""

_SIDEWAYS_STEPS: Final = 2
"""How many changes that score no better a repair may take when none scores better: e.g.
``modality=image``, which a ``default_backbone=resnet18`` needs as much as ``resnet18`` among
the backbones, although neither alone is accepted."""

_CANDIDATES: Final = 8
"""Each pairwise point is the best of this many candidates, grown from different pairs."""


@dataclass(frozen=True)
class Factor:
    """One thing the answer sets vary: a question, or one choice of a multiselect question.

    Attributes:
        question: The question's name.
        values: The values the factor takes; ``(True, False)`` for a ``bool`` question and for
            a multiselect choice (present or absent).
        choice: For a multiselect question, the choice this factor is about.
        multiselect: Whether the factor is one choice of a multiselect question.
    """

    question: str
    values: tuple[Any, ...]
    choice: Any = None
    multiselect: bool = False

    @property
    def name(self) -> str:
        """The factor's name: the question, or ``question[choice]`` for a multiselect choice."""
        return f"{self.question}[{self.choice}]" if self.multiselect else self.question

    def label(self, index: int) -> str:
        """Name one of the factor's values, e.g. ``task_type=regression`` or ``inputs+csv``.

        Args:
            index: The value's index in :attr:`values`.

        Returns:
            ``question=value``, or ``question+choice`` / ``question-choice`` for a choice of a
            multiselect question that is present / absent.
        """
        if self.multiselect:
            return f"{self.question}{'+' if self.values[index] else '-'}{self.choice}"
        return f"{self.question}={self.values[index]}"

    def index_in(self, evaluation: Evaluation) -> int | None:
        """Find which of the factor's values an evaluated answer set gives it.

        Args:
            evaluation: The answer set, as the questionnaire evaluated it.

        Returns:
            The value's index, or ``None`` when the question is not asked (its ``when`` is
            false) or its answer is none of the factor's values.
        """
        if self.question not in evaluation.asked or self.question not in evaluation.answers:
            return None
        answer = evaluation.answers[self.question]
        value = self.choice in answer if self.multiselect else answer
        for index, candidate in enumerate(self.values):
            if type(candidate) is type(value) and candidate == value:
                return index
        return None


@dataclass(frozen=True)
class Point:
    """One answer set of the matrix.

    Attributes:
        name: A short name, stable for the same ``copier.yml``: ``defaults``, ``all-on``,
            ``p01``...
        kind: ``defaults``, ``all-on``, ``pairwise`` or ``names`` (an awkward answer set of
            :mod:`generator.catalogue`).
        answers: The answers that differ from the defaults, by question name; every other
            question takes its default.
    """

    name: str
    kind: str
    answers: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """Write the answers on one line, e.g. ``task_type=regression inputs=numpy,csv``.

        Returns:
            The answers as ``key=value`` words, or ``(defaults)`` when there are none.
        """
        words = []
        for key, value in self.answers.items():
            shown = ",".join(map(str, value)) if isinstance(value, list) else value
            words.append(f"{key}={'[]' if shown == '' and isinstance(value, list) else shown}")
        return " ".join(words) or "(defaults)"

    def to_json(self) -> dict[str, Any]:
        """Describe the point as JSON data.

        Returns:
            Its name, kind and answers.
        """
        return {"name": self.name, "kind": self.kind, "answers": dict(self.answers)}


@dataclass(frozen=True)
class Matrix:
    """The answer matrix of a template.

    Attributes:
        points: The points in order: ``defaults``, ``all-on``, ``defaults-<modality>`` for
            each other modality, then the pairwise points.
        factors: The factors the points vary.
        infeasible: The pairs of factor values (as :meth:`Factor.label` names them) that no
            valid answer set holds; a value no valid answer set holds is a pair with itself.
        modalities: Each point's effective :data:`MODALITY` answer, by point name; empty when
            the template has no such question.
        default_modality: The :data:`MODALITY` answer of the ``defaults`` point, or ``""``.
    """

    points: tuple[Point, ...]
    factors: tuple[Factor, ...]
    infeasible: tuple[tuple[str, str], ...] = ()
    modalities: Mapping[str, str] = field(default_factory=dict)
    default_modality: str = ""

    def point(self, name: str) -> Point:
        """Find a point by name.

        Args:
            name: The point's name.

        Returns:
            The point.

        Raises:
            KeyError: When no point has that name.
        """
        for point in self.points:
            if point.name == name:
                return point
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """Describe the matrix as JSON data.

        Returns:
            Its points, factors and infeasible pairs.
        """
        return {
            "points": [point.to_json() for point in self.points],
            "factors": [
                {"name": f.name, "values": [f.label(i) for i in range(len(f.values))]}
                for f in self.factors
            ],
            "infeasible": [list(pair) for pair in self.infeasible],
        }


def _freeze(value: Any) -> Any:
    """Make answers hashable, for the evaluation cache."""
    if isinstance(value, Mapping):
        return tuple((key, _freeze(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ("__list__", *(_freeze(item) for item in value))
    return (type(value).__name__, value)


class _Evaluator:
    """Evaluate answer sets with a questionnaire, once each."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self._cache: dict[Any, Evaluation] = {}

    def __call__(self, data: Mapping[str, Any]) -> Evaluation:
        key = _freeze(data)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.questionnaire.evaluate(data, shared=True)
        return found


def _is_bool(questionnaire: Questionnaire, name: str, context: Mapping[str, Any]) -> bool:
    try:
        return questionnaire.type_name(name, context) == "bool"
    except ValueError:
        return False


def _asked_names(questionnaire: Questionnaire) -> list[str]:
    """The questions an answer set may answer: neither computed nor secret."""
    return [
        name
        for name, question in questionnaire.questions.items()
        if not is_computed(question) and not question.get("secret")
    ]


def _dependencies(questionnaire: Questionnaire, name: str, defaults: Evaluation) -> list[str]:
    """The choice and bool questions a question's templated settings depend on, transitively.

    A free-text or computed question in between is followed to what it depends on, and so is a
    multiselect, whose choices another answer may refuse (e.g. image backbones for a tabular
    task).
    """
    found: list[str] = []
    seen = {name}
    pending = sorted(questionnaire.references(name))
    while pending:
        other = pending.pop(0)
        if other in seen or other not in questionnaire.questions:
            continue
        seen.add(other)
        question = questionnaire.questions[other]
        if not is_computed(question) and (
            question.get("choices") or _is_bool(questionnaire, other, defaults.answers)
        ):
            found.append(other)
        if not found or found[-1] != other or question.get("multiselect"):
            pending.extend(sorted(questionnaire.references(other)))
    order = list(questionnaire.questions)
    return sorted(found, key=order.index)


def _possible_values(
    questionnaire: Questionnaire, evaluate: _Evaluator, name: str, defaults: Evaluation
) -> list[Any]:
    """Every value a choice question may offer, over the answers its choices depend on."""
    options: list[list[Any]] = []
    dependencies = _dependencies(questionnaire, name, defaults)
    for other in dependencies:
        question = questionnaire.questions[other]
        offered = [choice.value for choice in defaults.choices.get(other, ())]
        if question.get("multiselect"):
            # Every choice, the default, and each choice alone (which may need another answer).
            default = defaults.answers.get(other, [])
            lists = [offered, default, *([value] for value in offered)]
            options.append([v for i, v in enumerate(lists) if v and v not in lists[:i]])
        elif offered:
            options.append(offered)
        else:
            options.append([True, False])
    values: list[Any] = []
    contexts = itertools.islice(itertools.product(*options), _MAX_CONTEXTS)
    for combination in itertools.chain([()], contexts):
        evaluation = evaluate(dict(zip(dependencies, combination, strict=False)))
        for choice in evaluation.choices.get(name, ()):
            if not any(type(v) is type(choice.value) and v == choice.value for v in values):
                values.append(choice.value)
    return values


def derive_factors(
    questionnaire: Questionnaire, evaluate: _Evaluator | None = None
) -> tuple[Factor, ...]:
    """Derive the matrix's factors from a questionnaire.

    Args:
        questionnaire: The template's questions.
        evaluate: An evaluation cache to share; a new one by default.

    Returns:
        The factors, in the order of ``copier.yml``.

    Raises:
        ValueError: When the template refuses its own defaults.
    """
    evaluate = evaluate or _Evaluator(questionnaire)
    defaults = evaluate({})
    if defaults.error is not None:
        raise ValueError(f"The template refuses its own defaults: {defaults.error}")
    factors: list[Factor] = []
    for name in _asked_names(questionnaire):
        question = questionnaire.questions[name]
        if question.get("choices"):
            values = _possible_values(questionnaire, evaluate, name, defaults)
            if question.get("multiselect"):
                factors.extend(Factor(name, (True, False), value, True) for value in values)
            elif values:
                factors.append(Factor(name, tuple(values)))
        elif _is_bool(questionnaire, name, defaults.answers):
            factors.append(Factor(name, (True, False)))
    return tuple(factors)


def effective_values(factors: Sequence[Factor], evaluation: Evaluation) -> dict[int, int]:
    """Find the value each factor takes in an evaluated answer set.

    Args:
        factors: The factors.
        evaluation: The answer set, evaluated.

    Returns:
        Each factor's index mapped to its value's index; a factor whose question is not asked
        is left out.
    """
    found = {}
    for index, factor in enumerate(factors):
        value = factor.index_in(evaluation)
        if value is not None:
            found[index] = value
    return found


Pair = tuple[int, int, int, int]
"""Two factor values: factor ``i``'s value ``a`` and factor ``j``'s value ``b``, ``i < j``."""


def _pairs(values: Mapping[int, int]) -> Iterator[Pair]:
    items = sorted(values.items())
    for (i, a), (j, b) in itertools.combinations(items, 2):
        yield (i, a, j, b)


def _pair(i: int, a: int, j: int, b: int) -> Pair:
    return (i, a, j, b) if i < j else (j, b, i, a)


class _Builder:
    """Build a matrix: the state of the greedy covering."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.evaluate = _Evaluator(questionnaire)
        self.factors = derive_factors(questionnaire, self.evaluate)
        self.defaults = self.evaluate({})
        self.default_values = effective_values(self.factors, self.defaults)
        self.questions = _asked_names(questionnaire)

    # --- Answer sets ---------------------------------------------------------------------------

    def data_of(self, assignment: Mapping[int, int]) -> dict[str, Any] | None:
        """Turn factor values into answers; ``None`` when a multiselect would be left empty."""
        data, empty = self.answers_of(assignment)
        return None if empty else data

    def answers_of(self, assignment: Mapping[int, int]) -> tuple[dict[str, Any], str | None]:
        """Turn factor values into answers, and name the first multiselect left empty, if any."""
        data: dict[str, Any] = {}
        chosen: dict[str, dict[Any, bool]] = {}
        for index in sorted(assignment):
            factor = self.factors[index]
            value = factor.values[assignment[index]]
            if factor.multiselect:
                chosen.setdefault(factor.question, {})[factor.choice] = bool(value)
            else:
                data[factor.question] = value
        for question, present in chosen.items():
            # A choice that no factor value sets takes the default the question has for the
            # other answers (e.g. another modality's backbones), else the template's default.
            context = self.evaluate(data).answers
            default = context.get(question, self.defaults.answers.get(question)) or []
            order = [f.choice for f in self.factors if f.multiselect and f.question == question]
            answer = [choice for choice in order if present.get(choice, choice in default)]
            if not answer and default:
                return data, question
            data[question] = answer
        return {name: data[name] for name in self.questions if name in data}, None

    def evaluation(self, assignment: Mapping[int, int]) -> Evaluation | None:
        """Evaluate factor values as answers; ``None`` when copier would refuse them."""
        data = self.data_of(assignment)
        if data is None:
            return None
        evaluation = self.evaluate(data)
        return evaluation if evaluation.ok else None

    def holds(self, assignment: Mapping[int, int], wanted: Mapping[int, int]) -> bool:
        """Whether the answers are valid and give each wanted factor its wanted value."""
        evaluation = self.evaluation(assignment)
        if evaluation is None:
            return False
        values = effective_values(self.factors, evaluation)
        return all(values.get(index) == value for index, value in wanted.items())

    def minimal(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Leave out every answer that the default gives anyway, or that is not asked."""
        asked = self.evaluate(data).asked
        result = {key: value for key, value in data.items() if key in asked}
        if not self.evaluate(result).ok:
            result = dict(data)
        target = self.evaluate(result)
        for name in list(data):
            trial = {key: value for key, value in result.items() if key != name}
            evaluation = self.evaluate(trial)
            if evaluation.ok and evaluation.answers == target.answers:
                result = trial
        return result

    # --- Points --------------------------------------------------------------------------------

    def all_on(self) -> dict[str, Any]:
        """Every multiselect with all its choices and every bool true, as far as valid."""
        data: dict[str, Any] = {}
        for name in self.questions:
            current = self.evaluate(data)
            question = self.questionnaire.questions[name]
            if question.get("multiselect"):
                every = [c.value for c in current.choices.get(name, ()) if not c.disabled]
                if not every:
                    continue
                trial = {**data, name: every}
            elif not question.get("choices") and _is_bool(
                self.questionnaire, name, current.answers
            ):
                trial = {**data, name: True}
            else:
                continue
            if self.evaluate(trial).ok:
                data = trial
        return self.minimal(data)

    def modality_defaults(self) -> list[Point]:
        """A point per :data:`MODALITY` other than the default one, every other answer default.

        ``defaults-image`` is ``copier copy --defaults --data modality=image``: what a user who
        picks another modality gets first. A template without the question has none.
        """
        factor = next((f for f in self.factors if f.question == MODALITY), None)
        if factor is None:
            return []
        default = self.defaults.answers.get(MODALITY)
        points = []
        for value in factor.values:
            if value != default and self.evaluate({MODALITY: value}).ok:
                points.append(Point(f"defaults-{value}", "defaults", {MODALITY: value}))
        return points

    def score(
        self, assignment: Mapping[int, int], wanted: Mapping[int, int]
    ) -> tuple[int, int, int]:
        """Rank factor values by how close they come to valid answers that hold ``wanted``.

        First how many wanted values the answers hold (from the refused question on, the values
        given count: enabling a question, e.g. ``pretrained`` for images only, is progress even
        when its answer is then refused), then whether copier accepts them, then how far
        through the questionnaire it gets. :meth:`done` is the best score.
        """
        data = self.data_of(assignment)
        if data is None:
            return (-1, 0, 0)
        evaluation = self.evaluate(data)
        values = effective_values(self.factors, evaluation)
        held = sum(values.get(index) == value for index, value in wanted.items())
        if evaluation.error is None:
            return (held, 1, 0)
        order = list(self.questionnaire.questions)
        refused = order.index(evaluation.error.question)
        for index, value in wanted.items():
            factor = self.factors[index]
            if order.index(factor.question) >= refused and factor.question in data:
                given = data[factor.question]
                held += (factor.choice in given if factor.multiselect else given) == (
                    factor.values[value]
                )
        return (held, 0, refused)

    @staticmethod
    def done(wanted: Mapping[int, int]) -> tuple[int, int, int]:
        """The score of valid answers that hold every wanted value."""
        return (len(wanted), 1, 0)

    def blocker(self, assignment: Mapping[int, int], wanted: Mapping[int, int]) -> str | None:
        """Name the question that keeps the answers from being valid and holding ``wanted``."""
        data, empty = self.answers_of(assignment)
        if empty is not None:
            return empty
        evaluation = self.evaluate(data)
        if evaluation.error is not None:
            return evaluation.error.question
        values = effective_values(self.factors, evaluation)
        for index, value in wanted.items():
            if values.get(index) != value:
                return self.factors[index].question
        return None

    def influences(self, name: str) -> set[str]:
        """The questions whose answers a question's settings or validator read, transitively."""
        keys = ("when", "default", "choices", "type", "validator")
        found: set[str] = set()
        pending = [name]
        while pending:
            current = pending.pop()
            if current not in self.questionnaire.questions:
                continue
            for other in self.questionnaire.references(current, keys):
                if other not in found:
                    found.add(other)
                    pending.append(other)
        return found

    def complete(self, wanted: Mapping[int, int]) -> dict[int, int] | None:
        """Find valid factor values that hold ``wanted``.

        First the answers that copier refuses are repaired step by step: each step changes one
        factor of a question that the refused (or not yet held) question depends on, to the
        value that scores best (see :meth:`score`). Then any single other factor is tried.
        Last, for several wanted values, the repair starts again from the valid values found
        for each wanted value alone (e.g. ``modality=image`` and a backbone with weights, found
        for ``pretrained=True``, before a logger left out).
        """
        found = self.repair(dict(wanted), wanted)
        if found is not None:
            return found
        for index, factor in enumerate(self.factors):
            if index in wanted:
                continue
            for value in range(len(factor.values)):
                trial = {**wanted, index: value}
                if self.holds(trial, wanted):
                    return trial
        if len(wanted) > 1:
            for index, value in wanted.items():
                alone = self.complete({index: value})
                if alone is not None:
                    found = self.repair({**alone, **wanted}, wanted)
                    if found is not None:
                        return found
        return None

    def repair(self, start: dict[int, int], wanted: Mapping[int, int]) -> dict[int, int] | None:
        """Change factors other than ``wanted``'s, one a step, until the answers hold ``wanted``.

        Returns:
            The factor values, or ``None`` when no step gets closer (see :meth:`complete`).
        """
        assignment = start
        best = self.score(assignment, wanted)
        done = self.done(wanted)
        visited = {self.state(assignment)}
        sideways = _SIDEWAYS_STEPS
        for _ in range(len(self.factors)):
            if best == done:
                return assignment
            blocker = self.blocker(assignment, wanted)
            if blocker is None:
                break
            suspects = self.influences(blocker) | {blocker}
            step: tuple[tuple[int, int, int], dict[int, int]] | None = None
            level: dict[int, int] | None = None  # the first new values that score as well
            for index, factor in enumerate(self.factors):
                if index in wanted or factor.question not in suspects:
                    continue
                for value in range(len(factor.values)):
                    if assignment.get(index) == value:
                        continue
                    trial = {**assignment, index: value}
                    score = self.score(trial, wanted)
                    if score > best and (step is None or score > step[0]):
                        step = (score, trial)
                    elif score == best and level is None:
                        level = None if self.state(trial) in visited else trial
            if step is None and level is not None and sideways > 0:
                sideways -= 1
                step = (best, level)
            if step is None:
                break
            best, assignment = step
            visited.add(self.state(assignment))
        return assignment if best == done else None

    def state(self, assignment: Mapping[int, int]) -> Any:
        """What copier makes of factor values: the answers up to the refusal, and the refusal.

        Values that give the same answers are the same state (e.g. ``modality=tabular`` and
        no ``modality`` factor at all), so a sideways step never goes back to where it was.
        """
        data = self.data_of(assignment)
        if data is None:
            return None
        evaluation = self.evaluate(data)
        error = evaluation.error
        return (_freeze(evaluation.answers), error and (error.question, error.message))

    def fill(
        self, assignment: dict[int, int], wanted: Mapping[int, int], uncovered: Mapping[Pair, None]
    ) -> dict[int, int]:
        """Give every other factor the valid value that covers the most uncovered pairs.

        The factors with the most uncovered pairs choose first, as in AETG.
        """
        open_pairs = [0] * len(self.factors)
        for i, _, j, _ in uncovered:
            open_pairs[i] += 1
            open_pairs[j] += 1
        order = sorted(range(len(self.factors)), key=lambda index: (-open_pairs[index], index))
        for index in order:
            factor = self.factors[index]
            if index in assignment:
                continue
            default = self.default_values.get(index)
            ranks = []
            for value in range(len(factor.values)):
                gain = sum(
                    _pair(index, value, other, chosen) in uncovered
                    for other, chosen in assignment.items()
                )
                ranks.append((-gain, value != default, value))
            for *_, value in sorted(ranks):
                trial = {**assignment, index: value}
                if self.holds(trial, wanted):
                    assignment = trial
                    break
        return assignment

    def seeds(self, uncovered: Mapping[Pair, None]) -> list[Pair]:
        """Pick the uncovered pairs to grow candidate points from: one per pair of factors."""
        seeds: dict[tuple[int, int], Pair] = {}
        for pair in uncovered:
            seeds.setdefault((pair[0], pair[2]), pair)
            if len(seeds) == _CANDIDATES:
                break
        return list(seeds.values())

    def build(self) -> Matrix:
        """Build the matrix: defaults, all-on, then pairwise points until every pair is covered.

        Returns:
            The matrix.
        """
        points = [
            Point("defaults", "defaults", {}),
            Point("all-on", "all-on", self.all_on()),
            *self.modality_defaults(),
        ]
        every_pair = {
            _pair(i, a, j, b): None
            for i, j in itertools.combinations(range(len(self.factors)), 2)
            for a in range(len(self.factors[i].values))
            for b in range(len(self.factors[j].values))
        }
        uncovered = dict(every_pair)
        seen_values: set[tuple[int, int]] = set()

        def cover(data: Mapping[str, Any]) -> None:
            values = effective_values(self.factors, self.evaluate(data))
            seen_values.update(values.items())
            for pair in _pairs(values):
                uncovered.pop(pair, None)

        for point in points:
            cover(point.answers)
        infeasible: list[tuple[str, str]] = []
        pairwise: list[dict[str, Any]] = []
        while uncovered:
            best: tuple[int, dict[str, Any]] | None = None
            for seed in self.seeds(uncovered):
                i, a, j, b = seed
                wanted = {i: a, j: b}
                assignment = self.complete(wanted)
                if assignment is None:
                    del uncovered[seed]
                    infeasible.append((self.factors[i].label(a), self.factors[j].label(b)))
                    continue
                data = self.data_of(self.fill(assignment, wanted, uncovered))
                assert data is not None  # fill keeps the answers valid
                values = effective_values(self.factors, self.evaluate(data))
                gain = sum(pair in uncovered for pair in _pairs(values))
                if best is None or gain > best[0]:
                    best = (gain, data)
            if best is not None:
                data = self.minimal(best[1])
                cover(data)
                pairwise.append(data)
        for index, factor in enumerate(self.factors):
            for value in range(len(factor.values)):
                if (index, value) in seen_values:
                    continue
                assignment = self.complete({index: value})
                if assignment is None:
                    infeasible.append((factor.label(value), factor.label(value)))
                    continue
                data = self.minimal(self.data_of(assignment) or {})
                cover(data)
                pairwise.append(data)
        width = max(2, len(str(len(pairwise))))
        points += [
            Point(f"p{number:0{width}d}", "pairwise", data)
            for number, data in enumerate(pairwise, start=1)
        ]
        return Matrix(tuple(points), self.factors, tuple(infeasible))


def build_matrix(copier_file: str | Path = COPIER_FILE, *, cached: bool = True) -> Matrix:
    """Derive the answer matrix from a template's ``copier.yml``.

    A derivation takes seconds of CPU, and its result depends only on the file, the generator's
    own code and the Jinja version, so the matrix is kept in a file named by a hash of all of
    them (:func:`matrix_cache_file`) and read back while none of them changes.

    Args:
        copier_file: The ``copier.yml`` to read, or the template directory that holds it.
        cached: Whether to read and keep the derived matrix in the cache; ``False`` derives it.

    Returns:
        The matrix; the same file always gives the same matrix.

    Raises:
        ValueError: When the template refuses its own defaults.
    """
    path = Path(copier_file)
    if path.is_dir():
        path = next(
            (path / name for name in ("copier.yml", "copier.yaml") if (path / name).is_file()),
            path / "copier.yml",
        )
    if not cached:
        return _derive(path)
    cache = matrix_cache_file(path)
    try:
        return _matrix_from_data(json.loads(cache.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not kept yet, or unreadable: derive it again
    matrix = _derive(path)
    data = _matrix_data(matrix)
    # Keep it only when JSON gives back the very same matrix (answers are JSON values).
    if _matrix_from_data(json.loads(json.dumps(data))) == matrix:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            scratch = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            scratch.write_text(json.dumps(data), encoding="utf-8")
            os.replace(scratch, cache)
            kept = sorted(cache.parent.glob("*.json"), key=lambda file: file.stat().st_mtime)
            for stale in kept[:-KEPT_MATRICES]:
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs the next derivation
    return matrix


def matrix_cache_file(copier_file: Path) -> Path:
    """Where the matrix derived from ``copier_file`` is kept, named by what it depends on.

    Args:
        copier_file: The ``copier.yml``.

    Returns:
        ``<cache home>/matrices/<hash>.json``: the hash covers the file's bytes, the generator's
        source files, the Jinja and Python versions (see :func:`generator.envs.cache_home`).
    """
    digest = hashlib.sha256(copier_file.read_bytes())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for package in ("jinja2", "jinja2-ansible-filters", "pyyaml"):
        digest.update(f"{package}=={metadata.version(package)}".encode())
    digest.update(sys.version.encode())
    return cache_home() / "matrices" / f"{digest.hexdigest()[:32]}.json"


def _matrix_data(matrix: Matrix) -> dict[str, Any]:
    """All of the matrix as JSON data, for :func:`_matrix_from_data` to give it back."""
    return {
        "points": [point.to_json() for point in matrix.points],
        "factors": [
            [factor.question, list(factor.values), factor.choice, factor.multiselect]
            for factor in matrix.factors
        ],
        "infeasible": [list(pair) for pair in matrix.infeasible],
        "modalities": dict(matrix.modalities),
        "default_modality": matrix.default_modality,
    }


def _matrix_from_data(data: Mapping[str, Any]) -> Matrix:
    return Matrix(
        points=tuple(Point(p["name"], p["kind"], dict(p["answers"])) for p in data["points"]),
        factors=tuple(
            Factor(question, tuple(values), choice, multiselect)
            for question, values, choice, multiselect in data["factors"]
        ),
        infeasible=tuple((first, second) for first, second in data["infeasible"]),
        modalities=dict(data["modalities"]),
        default_modality=data["default_modality"],
    )


def _derive(path: Path) -> Matrix:
    questionnaire = Questionnaire.from_file(path)
    matrix = _Builder(questionnaire).build()
    points = (*matrix.points, *awkward_points(questionnaire))
    modalities: dict[str, str] = {}
    if MODALITY in questionnaire.questions:
        for point in points:
            answer = questionnaire.evaluate(dict(point.answers)).answers.get(MODALITY)
            modalities[point.name] = str(answer or "")
    return replace(
        matrix,
        points=points,
        modalities=modalities,
        default_modality=modalities.get("defaults", ""),
    )


def awkward_points(questionnaire: Questionnaire) -> list[Point]:
    """The points of :data:`generator.catalogue.AWKWARD_ANSWERS` that a template accepts.

    An answer set that names a question the template lacks, or that the template refuses, is
    left out, so that any template's matrix can be built.

    Args:
        questionnaire: The template's questions.

    Returns:
        The points, of kind ``names``, in the catalogue's order.
    """
    points = []
    for name, answers in AWKWARD_ANSWERS.items():
        data = dict(answers)
        if set(data) <= set(questionnaire.questions) and questionnaire.evaluate(data).ok:
            points.append(Point(name, "names", data))
    return points


def select_points(matrix: Matrix, subset: str = "all", limit: int | None = None) -> list[Point]:
    """Pick points of the matrix by subset name (see :data:`SUBSETS`) or by point names.

    Args:
        matrix: The matrix.
        subset: A name in :data:`SUBSETS`, or comma-separated point names.
        limit: Keep at most this many of the picked points, the first ones.

    Returns:
        The points, in the matrix's order (or the order named).

    Raises:
        ValueError: For an unknown subset or point name.
    """
    pairwise = [point for point in matrix.points if point.kind == "pairwise"]
    awkward = [point for point in matrix.points if point.kind == "names"]
    named: dict[str, Iterable[Point]] = {
        "all": matrix.points,
        "ci": [
            *(point for point in matrix.points if point.kind in ("defaults", "all-on")),
            *_ci_pairwise(matrix, pairwise),
            *awkward[:CI_AWKWARD_POINTS],
        ],
        "smoke": matrix.points[:2],
        "pairwise": pairwise,
        "defaults": matrix.points[:1],
        "names": awkward,
    }
    if subset in named:
        chosen = list(named[subset])
    else:
        chosen = []
        for name in (part.strip() for part in subset.split(",")):
            try:
                chosen.append(matrix.point(name))
            except KeyError:
                names = [*SUBSETS, *(p.name for p in matrix.points)]
                known = ", ".join(dict.fromkeys(names))
                raise ValueError(f"unknown subset or point {name!r} (known: {known})") from None
    return chosen if limit is None else chosen[: max(limit, 0)]


def _ci_pairwise(matrix: Matrix, pairwise: Sequence[Point]) -> list[Point]:
    """The ``ci`` subset's pairwise points, in the matrix's order.

    The first :data:`CI_PAIRWISE_POINTS` of the default modality, and the first
    :data:`~generator.catalogue.CI_OTHER_MODALITY_POINTS` says of each other modality (whose
    checks cost more: images run in an environment of their own, see :mod:`generator.envs`).
    """
    taken: dict[str, int] = {}
    chosen = []
    for point in pairwise:
        modality = matrix.modalities.get(point.name, matrix.default_modality)
        wanted = (
            CI_PAIRWISE_POINTS
            if modality == matrix.default_modality
            else CI_OTHER_MODALITY_POINTS.get(modality, 0)
        )
        if taken.get(modality, 0) < wanted:
            taken[modality] = taken.get(modality, 0) + 1
            chosen.append(point)
    return chosen


def main() -> None:
    """Print the template's answer matrix as JSON (``python -m generator.matrix``)."""
    print(json.dumps(build_matrix().to_json(), indent=2))


if __name__ == "__main__":
    main()
