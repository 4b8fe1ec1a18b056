"""The names answers must not take are derived, and names are sorted as ruff sorts them.

``copier.yml``'s validators can read nothing but its own lists, so each list is checked here
against what it stands for: the modules importable in the rendered project's environment (the
standard library and the whole dependency closure, as installed), the core's own ``__all__``,
and the capitalized names the rendered modules bind. The name lists the template sorts with
Jinja are checked against ruff itself, for names drawn by hypothesis.
"""

import ast
import builtins
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import TEMPLATE_ROOT, Questionnaire, envs, render
from generator.names import copier_list, core_names, declared_requirements, shadowed_modules

CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire.from_file()


@pytest.fixture(scope="module")
def derived() -> tuple[set[str], list[str]]:
    """The names derived here and in each modality's own environment, and what none installs.

    An image task's torchvision cannot be installed beside this environment's torch, so its
    modules are read in the image environment (``generator.envs``), by the same code.
    """
    names, missing = shadowed_modules()
    for modality in envs.MODALITY_REQUIREMENTS:
        python = envs.interpreter(modality)
        done = subprocess.run(
            [python, "-m", "generator.names", "--json"],
            cwd=TEMPLATE_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{python} -m generator.names failed:\n{done.stderr}"
        found = json.loads(done.stdout)
        names |= set(found["names"])
        missing = [name for name in missing if name in found["missing"]]
    return names, missing


@pytest.mark.slow
def test_every_declared_dependency_is_installed_and_followed(
    derived: tuple[set[str], list[str]],
) -> None:
    names = {requirement.name for requirement in declared_requirements()}
    assert {"torch", "numpy", "pytorch-lightning", "torchmetrics", "pytest"} <= names
    assert {"torchvision", "pillow"} <= names
    assert {"tokenizers", "transformers"} <= names
    _, missing = derived
    assert not missing, f"install these to derive the names they provide: {missing}"


def test_shadowed_modules_hold_every_importable_top_level_module(
    derived: tuple[set[str], list[str]],
) -> None:
    derived_names, _ = derived
    listed = set(copier_list("shadowed_modules"))
    missing = sorted(derived_names - listed)
    assert not missing, (
        f"copier.yml's shadowed_modules lacks {missing}: run `python -m generator.names` and "
        "paste its list"
    )
    # The closure goes past the direct dependencies: tqdm comes with Lightning, sympy with torch.
    assert {"json", "torch", "tqdm", "sympy", "yaml", "lightning_utilities"} <= listed
    assert {"torchvision", "PIL"} & listed == {"torchvision"}  # PIL is no lowercase name
    # A text task's tokenizers, and transformers with what it brings (the huggingface extra).
    assert {"tokenizers", "transformers", "huggingface_hub", "safetensors"} <= listed


def test_core_names_are_the_cores_own_all() -> None:
    assert sorted(copier_list("core_names")) == sorted(core_names())


def bound_names(source: str) -> set[str]:
    """Every name a module binds anywhere: imports, definitions, assignments, arguments."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
    return found


ALL_ON = {
    "tabular": {
        "inputs": ["numpy", "sklearn", "csv", "dataframe", "tensor"],
        "cli": True,
        "extra_metrics": ["f1score", "auroc"],
        "lr_scheduler": "StepLR",
    },
    "image": {
        "modality": "image",
        "inputs": ["folders", "files", "csv", "dataframe", "numpy", "tensor"],
        "backbones": ["small-cnn", "resnet18", "mobilenet_v3_small", "efficientnet_b0", "timm"],
        "cli": True,
        "extra_metrics": ["f1score", "auroc"],
        "lr_scheduler": "StepLR",
    },
    "text": {
        "modality": "text",
        "inputs": ["lists", "json", "csv", "dataframe"],
        "backbones": ["embedding-bag", "transformer", "huggingface"],
        "cli": True,
        "extra_metrics": ["f1score", "auroc"],
        "lr_scheduler": "StepLR",
    },
}


@pytest.fixture(scope="module", params=sorted(ALL_ON))
def all_on(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """A rendering of each modality with every input, the command line, extra metrics and a
    scheduler."""
    data = ALL_ON[request.param]
    return render(tmp_path_factory.mktemp("names") / "project", data), data


@pytest.mark.slow
def test_imported_names_hold_every_capitalized_name_the_modules_bind(
    all_on: tuple[Path, dict[str, Any]], questionnaire: Questionnaire
) -> None:
    project, data = all_on
    answers = questionnaire.check(data)
    own = set(answers["task_exports_all"])
    bound: set[str] = set()
    for path in project.rglob("*.py"):
        if "core" in path.relative_to(project).parts:
            continue  # the core's modules never see model_class
        bound |= bound_names(path.read_text(encoding="utf-8"))
    # Names made from the model class (its LightningCLI subclass) change with it.
    capitalized = {
        name
        for name in bound
        if CLASS_NAME.fullmatch(name) and not name.startswith(answers["model_class"])
    }
    builtin = {name for name in dir(builtins) if CLASS_NAME.fullmatch(name)}
    expected = (capitalized | builtin) - own - set(copier_list("core_names"))
    expected -= set(copier_list("python_keywords"))
    missing = sorted(expected - set(copier_list("imported_names")))
    assert not missing, f"copier.yml's imported_names lacks {missing}"


# --- ruff's order ------------------------------------------------------------------------------

SORTED_LISTS = {
    "task_classes": "import",
    "registry_and_model": "import",
    "data_exports": "import",
    "task_classes_all": "all",
    "data_exports_all": "all",
    "task_exports_all": "all",
}


def ruff_orders(lists: dict[str, list[str]]) -> str:
    """Ruff's complaints (RUF022, I001) about a module spelling each list as the template does."""
    lines = []
    for index, (name, names) in enumerate(lists.items()):
        if SORTED_LISTS[name] == "import":
            members = "".join(f"    {member},\n" for member in names)
            lines.append(f"from m{index} import (\n{members})\n")
    for name, names in lists.items():
        if SORTED_LISTS[name] == "all":
            lines.append(f"__all__ = [{', '.join(repr(n) for n in names)}]\n")
    imports = [line for line in lines if line.startswith("from")]
    source = "".join(imports) + "\n" + "".join(line for line in lines if line not in imports)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--select",
            "I,RUF022",
            "--output-format",
            "concise",
            "--stdin-filename",
            "check.py",
            "-",
        ],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if result.returncode == 0 else result.stdout + source


DATA_TYPES = st.from_regex(r"\A[a-z][a-z0-9_]{0,11}\Z")
MODEL_CLASSES = st.from_regex(r"\A[A-Z][A-Za-z0-9]{0,14}\Z")
INPUTS = st.lists(
    st.sampled_from(["numpy", "sklearn", "csv", "dataframe", "tensor"]), min_size=1, unique=True
)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data_type=DATA_TYPES, model_class=MODEL_CLASSES, inputs=INPUTS)
def test_name_lists_are_in_ruffs_order(
    questionnaire: Questionnaire, data_type: str, model_class: str, inputs: list[str]
) -> None:
    evaluation = questionnaire.evaluate(
        {"data_type": data_type, "model_class": model_class, "inputs": inputs, "cli": False}
    )
    if not evaluation.ok:  # a refused name renders nothing
        assert evaluation.error is not None and "\n" not in evaluation.error.message
        return
    answers = evaluation.answers
    complaints = ruff_orders({name: answers[name] for name in SORTED_LISTS})
    assert not complaints, complaints


@pytest.mark.parametrize(
    ("data_type", "model_class"),
    [
        ("template", "IrisClassifier"),  # the example: a class before the prefix
        ("x10", "X9Model"),  # numbers in natural order
        ("a", "A"),  # one letter
        ("mlp", "MLP"),  # an all-capital class sorts with the constants
        ("a_b", "AB"),
        ("abcdefghijklmnopqrst", "M" + "x" * 29),  # the longest names
        ("sk", "SKLearnModel"),  # case-insensitive member order differs from __all__'s
        ("z", "Aaa"),
        ("json", "Json"),  # names of modules and their classes
    ],
)
def test_awkward_names_are_in_ruffs_order(
    questionnaire: Questionnaire, data_type: str, model_class: str
) -> None:
    answers = questionnaire.check(
        {
            "data_type": data_type,
            "model_class": model_class,
            "inputs": ["numpy", "sklearn", "csv", "dataframe", "tensor"],
        }
    )
    complaints = ruff_orders({name: answers[name] for name in SORTED_LISTS})
    assert not complaints, complaints
