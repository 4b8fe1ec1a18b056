"""The answers file: what a rendering records for ``copier update``, and where it records it."""

from pathlib import Path

import yaml

from generator import DEFAULT_ANSWERS_FILE, TEMPLATE_ROOT, read_answers, render

CUSTOM = ".copier-answers.custom.yml"


def test_answers_file_records_where_the_template_is(default_project: Path) -> None:
    answers = read_answers(default_project)
    # `copier update` finds the template again from these two: an absolute path and a commit.
    assert answers["_src_path"] == str(TEMPLATE_ROOT)
    assert Path(answers["_src_path"]).is_absolute()
    assert isinstance(answers["_commit"], str)
    assert answers["_commit"]


def test_answers_file_is_the_templates_default(default_project: Path) -> None:
    text = (default_project / DEFAULT_ANSWERS_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Changes here will be overwritten by Copier")
    assert isinstance(yaml.safe_load(text), dict)


def test_custom_answers_file_replaces_the_default(tmp_path: Path) -> None:
    project = render(tmp_path / "project", {"task_type": "regression"}, answers_file=CUSTOM)
    assert (project / CUSTOM).is_file()
    assert not (project / DEFAULT_ANSWERS_FILE).exists()
    answers = read_answers(project, CUSTOM)
    assert answers["task_type"] == "regression"
    assert answers["_src_path"] == str(TEMPLATE_ROOT)
    assert answers["_commit"]
