"""Valid but awkward answers, which ``flash-task check`` renders besides the choice matrix.

The choice matrix varies the answers that take choices; these points vary the names and the
free text: names whose ASCII order differs from ruff's, names equal to common imports and to
third-party packages that are not installed, one-letter and longest names, numbers in names,
all-capital class names, and text in any script with quotes, backslashes and Markdown.
Each must render a project that is ruff-clean and passes its own tests.
"""

from types import MappingProxyType
from typing import Any, Final

__all__ = ["AWKWARD_ANSWERS", "CI_AWKWARD_POINTS", "CI_OTHER_MODALITY_POINTS"]

# Jinja's own markers are left to tests/test_answers.py, which knows to tell them from leftovers.
_TEXT: Final = (
    'Émoji 😀, 中文, עברית and العربية; "quotes", \\backslash\\, `code`, *stars*, $(x) #1'
)

AWKWARD_ANSWERS: Final[MappingProxyType[str, MappingProxyType[str, Any]]] = MappingProxyType(
    {
        name: MappingProxyType(answers)
        for name, answers in {
            # The example: the class sorts before the prefix in ASCII, not in ruff's
            # order; a library named like a third-party package that is not a dependency; every
            # kind of text.
            "n-order-text": {
                "project_name": "django-tasks",
                "library_name": "django",
                "description": _TEXT,
                "author_name": 'Zoë O\'Brien "ZB" 李 \\ 😀',
                "author_email": "first.last+tag@sub.example.org",
                "model_class": "IrisClassifier",
                "inputs": ["numpy", "sklearn", "csv", "dataframe", "tensor"],
            },
            # One letter everywhere; the class sorts with the classes, not the constants.
            "n-one-letter": {
                "project_name": "a",
                "library_name": "a",
                "data_type": "b",
                "model_class": "A",
                "description": "x",
                "author_name": "X",
            },
            # The longest names each validator allows.
            "n-longest": {
                "project_name": "p" * 60,
                "library_name": "l" * 30,
                "data_type": "d" * 20,
                "model_class": "M" + "x" * 39,
                "description": "y" * 300,
                "author_name": "Z" * 100,
                "task_type": "regression",
            },
            # Numbers: natural order puts X9 before X10, ASCII order after.
            "n-digits": {
                "library_name": "lib2",
                "data_type": "x10",
                "model_class": "X9Model",
                "inputs": ["numpy", "tensor"],
            },
            # An all-capital class is a constant to ruff, sorted before the others.
            "n-capitals": {
                "data_type": "mlp",
                "model_class": "MLP",
                "inputs": ["sklearn", "csv"],
                "task_type": "regression",
            },
            # Names equal to common imports and aliases, where no module is shadowed.
            "n-common-imports": {
                "library_name": "np",
                "data_type": "torch",
                "model_class": "Model",
            },
            # A right-to-left text only, and a Python builtin's name as a package.
            "n-rtl-builtins": {
                "project_name": "list",
                "library_name": "list",
                "data_type": "type",
                "description": "مكتبة مهام فلاش",
                "author_name": "צוות",
            },
            # The image task with the longest names, every input, every backbone and the command
            # line: its class names sort before ``Base64Images`` and break lines everywhere.
            "n-image-long": {
                "library_name": "l" * 30,
                "data_type": "abcdefghijklmnopqrst",
                "modality": "image",
                "model_class": "M" + "x" * 39,
                "inputs": ["folders", "files", "csv", "dataframe", "numpy", "tensor"],
                "backbones": [
                    "small-cnn",
                    "resnet18",
                    "mobilenet_v3_small",
                    "efficientnet_b0",
                    "timm",
                ],
                "cli": True,
            },
            # The text task with the longest names, every input, every backbone, the longest
            # Hugging Face model name and the command line, and text in every script in the
            # project's metadata: its class names sort before ``Lists``/``JSON`` inputs' and
            # the tokenizer's, and break lines everywhere.
            "n-text-long": {
                "project_name": "t" * 60,
                "library_name": "t" * 30,
                "description": _TEXT,
                "author_name": "Zoë 李 «Ω» \\ 😀",
                "data_type": "zyxwvutsrqponmlkjihg",
                "modality": "text",
                "model_class": "A" + "x" * 39,
                "inputs": ["lists", "json", "csv", "dataframe"],
                "backbones": ["embedding-bag", "transformer", "huggingface"],
                "tokenizer": "bpe",
                "huggingface_model": "o" * 40 + "/" + "m.x_y-z" * 7 + "n" * 6,
                "cli": True,
            },
        }.items()
    }
)
"""The awkward answer sets by point name; every other question takes its default."""

CI_AWKWARD_POINTS: Final = 1
"""How many awkward points the ``ci`` subset takes, the first ones."""

CI_OTHER_MODALITY_POINTS: Final[MappingProxyType[str, int]] = MappingProxyType(
    {"image": 0, "text": 1}
)
"""How many pairwise points of each modality other than the default one the ``ci`` subset
takes, the first ones, besides that modality's defaults point (``defaults-image``,
``defaults-text``); a modality not named here takes none. Image points cost the most (an
environment of their own, images to decode, convolutions to train, and the first pairwise
point adds its task to a tabular library, whose suite runs too), so CI's time allows none of
theirs; text points run in the main environment and train in seconds, so CI takes the first
(which covers the most text pairs); ``flash-task check --subset all`` checks them all."""
