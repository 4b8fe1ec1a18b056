"""The environments that check each modality's renderings (generator.envs).

Nothing here installs torch: the environment is faked where it must exist, and made to fail
where its failure is the point. tests/test_image_matrix.py uses the real one.
"""

import sys
import threading
from pathlib import Path

import pytest

from generator import envs
from generator.cli import main as cli_main


@pytest.fixture(autouse=True)
def _no_given_interpreter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No interpreter given from outside, and environments kept in this test's directory."""
    monkeypatch.delenv(envs.env_variable("image"), raising=False)
    monkeypatch.setenv(envs.ENV_DIR_VARIABLE, str(tmp_path / "envs"))


def test_image_requirements_pin_the_pair_then_the_test_extra() -> None:
    wanted = envs.requirements("image")
    pins = envs.MODALITY_REQUIREMENTS["image"]
    assert wanted[: len(pins)] == list(pins)
    assert {"torch", "torchvision"} <= {text.split("==")[0] for text in pins}
    # The test extra follows, so the rendered suite's stack and mypy are there.
    assert any(text.startswith("pytorch-lightning") for text in wanted)
    assert any(text.startswith("mypy") for text in wanted)
    # And the generator's own, so that its modules run there (generator.names).
    assert any(text.startswith("copier") for text in wanted)
    assert envs.requirements("tabular") == []


def test_a_modality_without_requirements_uses_this_interpreter() -> None:
    assert envs.interpreter("tabular") == sys.executable
    assert envs.interpreters({"defaults": "tabular", "p01": "tabular"}) == {}


def test_the_environment_variable_names_the_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASH_TASK_IMAGE_PYTHON", sys.executable)
    monkeypatch.setitem(envs.PROBES, "image", ("json",))  # this interpreter has no torchvision
    assert envs.interpreter("image") == sys.executable
    # --python comes first.
    python = str(Path(sys.executable).resolve())
    assert envs.interpreter("image", given=python) == python


def test_an_interpreter_without_torchvision_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(envs.PROBES, "image", ("no_such_module_for_flash_task",))
    monkeypatch.setenv("FLASH_TASK_IMAGE_PYTHON", sys.executable)
    with pytest.raises(envs.EnvironmentSetupError) as raised:
        envs.interpreter("image")
    message = str(raised.value)
    assert f"FLASH_TASK_IMAGE_PYTHON={sys.executable} cannot check image tasks" in message
    assert "no_such_module_for_flash_task" in message
    with pytest.raises(envs.EnvironmentSetupError, match="--python=/nonexistent/python"):
        envs.interpreter("image", given="/nonexistent/python")


def test_a_made_environment_is_reused_without_installing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wanted = envs.requirements("image")
    env = tmp_path / "envs" / envs._env_key("image", wanted)
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").symlink_to(sys.executable)
    (env / ".flash-task-env.json").write_text("{}")

    def refuse(*args: object) -> None:
        raise AssertionError(f"the environment was made again: {args}")

    monkeypatch.setattr(envs, "_run_step", refuse)
    assert envs.interpreter("image") == str(env / "bin" / "python")
    # Other requirements are another environment, in another directory.
    assert envs._env_key("image", [*wanted, "extra"]) != env.name


def test_an_environment_that_cannot_be_made_fails_saying_where_and_how(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory\n")
    monkeypatch.setenv(envs.ENV_DIR_VARIABLE, str(blocked / "envs"))
    with pytest.raises(envs.EnvironmentSetupError) as raised:
        envs.interpreter("image")
    message = str(raised.value)
    assert message.startswith(f"cannot make the image environment in {blocked / 'envs'}")
    assert (
        "Set FLASH_TASK_IMAGE_PYTHON to an interpreter that imports torch, torchvision" in message
    )


@pytest.mark.slow  # it makes a virtual environment: seconds, not milliseconds
def test_an_environment_pip_cannot_install_fails_saying_what_and_how(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # pip refuses this requirement before looking anything up.
    monkeypatch.setitem(envs.MODALITY_REQUIREMENTS, "image", ("torch==not a version",))
    with pytest.raises(envs.EnvironmentSetupError) as raised:
        envs.interpreter("image")
    message = str(raised.value)
    assert "installing the image environment's requirements" in message
    assert str(tmp_path / "envs") in message
    assert "Set FLASH_TASK_IMAGE_PYTHON" in message
    # Nothing half-made is taken for an environment the next time.
    assert not list((tmp_path / "envs").glob("*/.flash-task-env.json"))


def test_check_fails_before_rendering_when_the_image_interpreter_is_wrong(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = tmp_path / "template"
    (template / "template").mkdir(parents=True)
    (template / "copier.yml").write_text(
        "_subdirectory: template\nmodality:\n  type: str\n  choices: [tabular, image]\n"
        "  default: tabular\n"
    )
    (template / "template" / "README.md.jinja").write_text("{{ modality }}\n")
    keep = tmp_path / "kept"
    argv = ["check", "--template", str(template), "--checks", "tests", "--keep", str(keep)]
    assert cli_main([*argv, "--python", "image=/nonexistent/python"]) == 1
    error = capsys.readouterr().err
    assert "error: --python=/nonexistent/python cannot check image tasks" in error
    assert not keep.exists()
    assert cli_main([*argv, "--python", "image"]) == 2
    assert "--python takes MODALITY=PATH" in capsys.readouterr().err


def test_python_m_generator_envs_prints_the_interpreter_or_one_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert envs.main(["tabular"]) == 0
    assert capsys.readouterr().out.strip() == sys.executable
    monkeypatch.setenv("FLASH_TASK_IMAGE_PYTHON", "/nonexistent/python")
    assert envs.main(["image"]) == 1
    assert capsys.readouterr().err.startswith("error: FLASH_TASK_IMAGE_PYTHON=/nonexistent/python")
    assert envs.main([]) == 2


def test_the_readme_names_the_pair_the_image_environment_installs() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for pin in envs.MODALITY_REQUIREMENTS["image"]:
        name, _, version = pin.partition("==")
        if version:
            assert f"{name} {version}" in readme and pin in readme, pin


def _loan_files(cache: Path) -> set[str]:
    return {path.relative_to(cache).as_posix() for path in cache.rglob("*") if path.is_file()}


def test_a_mypy_cache_is_lent_warm_after_its_first_run_and_per_interpreter(
    tmp_path: Path,
) -> None:
    with envs.mypy_cache() as first:
        assert first.is_dir() and _loan_files(first) == set()
        (first / "3.10").mkdir()
        (first / "3.10" / "cache.db").write_text("torch's stubs, read once\n")
    assert not first.exists()  # the loan itself is gone; what it held is kept
    with envs.mypy_cache(sys.executable) as second:
        assert second != first
        assert (second / "3.10" / "cache.db").read_text() == "torch's stubs, read once\n"
    # Another interpreter has packages of its own: its cache starts empty.
    with envs.mypy_cache(tmp_path / "venv-image" / "bin" / "python") as other:
        assert _loan_files(other) == set()
    # All of it is kept where the environments are: nothing else is written.
    kept = tmp_path / "envs" / "mypy"
    assert {path.name for path in kept.iterdir() if not path.name.endswith(".lock")} == {
        envs._mypy_seed(sys.executable).name,
        envs._mypy_seed(tmp_path / "venv-image" / "bin" / "python").name,
    }


def test_mypy_runs_at_the_same_time_never_share_a_cache() -> None:
    with envs.mypy_cache() as cache:
        (cache / "warm").write_text("0")
    with envs.mypy_cache() as one, envs.mypy_cache() as two:
        assert one != two
        (one / "one").write_text("1")
        (two / "two").write_text("2")
    # The run that ended last left its cache for the next; neither saw the other's files.
    with envs.mypy_cache() as next_run:
        assert _loan_files(next_run) == {"warm", "one"}


def test_while_the_cache_is_cold_the_first_run_warms_it_and_the_others_wait() -> None:
    first_started, first_may_end = threading.Event(), threading.Event()
    seen: list[set[str]] = []

    def first() -> None:
        with envs.mypy_cache() as cache:
            first_started.set()
            first_may_end.wait(60)
            (cache / "torch.meta.json").write_text("checked once\n")

    def second() -> None:
        with envs.mypy_cache() as cache:
            seen.append(_loan_files(cache))

    warming = threading.Thread(target=first)
    warming.start()
    assert first_started.wait(60)
    waiting = threading.Thread(target=second)
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive() and seen == []  # no cold loan beside the warming one
    first_may_end.set()
    warming.join(60)
    waiting.join(60)
    assert seen == [{"torch.meta.json"}]  # it started from what the first one kept


def test_a_cold_run_that_fails_lets_the_next_one_warm_the_cache() -> None:
    with pytest.raises(KeyboardInterrupt), envs.mypy_cache() as cache:
        (cache / "partial").write_text("half written\n")
        raise KeyboardInterrupt
    with envs.mypy_cache() as cache:
        assert _loan_files(cache) == set()
        (cache / "whole").write_text("kept\n")
    with envs.mypy_cache() as cache:
        assert _loan_files(cache) == {"whole"}


def test_a_mypy_run_that_fails_to_finish_leaves_the_kept_cache_alone() -> None:
    with envs.mypy_cache() as cache:
        (cache / "good").write_text("kept\n")
    with pytest.raises(KeyboardInterrupt), envs.mypy_cache() as cache:
        (cache / "partial").write_text("half written\n")
        raise KeyboardInterrupt
    with envs.mypy_cache() as cache:
        assert _loan_files(cache) == {"good"}


@pytest.mark.slow  # two mypy runs: seconds
def test_a_warm_mypy_cache_gives_the_verdict_a_cold_one_gives(tmp_path: Path) -> None:
    from generator.checks import mypy_run

    def project(name: str, value: str) -> Path:
        root = tmp_path / name
        (root / "src").mkdir(parents=True)
        (root / "pyproject.toml").write_text('[tool.mypy]\nfiles = ["src"]\nstrict = true\n')
        (root / "src" / "task.py").write_text(f"WIDTH: int = {value}\n")
        return root

    wrong, right = project("wrong", '"wide"'), project("right", "128")
    verdicts = []
    for root in (wrong, right, wrong):  # cold, then warm twice
        with envs.mypy_cache() as cache:
            verdicts.append(mypy_run(root, cache_dir=cache))
    assert [result.ok for result in verdicts] == [False, True, False]
    assert all("task.py:1: error" in result.output for result in (verdicts[0], verdicts[2]))


PYPROJECT = """
[project]
name = "My_Tasks"
dependencies = ["torch>=2.1", "numpy>=1.24"]

[project.optional-dependencies]
export = ["onnx>=1.16"]
serve = ["litserve>=0.2.10", "my-tasks[export]"]
test = ["pytest>=7", "my-tasks[serve,export]", "numpy>=1.24"]
unused = ["pandas>=2"]
"""


def test_a_project_s_requirements_are_its_dependencies_and_test_extra_spelled_out(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    # Its own extras (named in any spelling of its name) are followed, each once, in order.
    assert envs.project_requirements(tmp_path) == [
        "torch>=2.1",
        "numpy>=1.24",
        "pytest>=7",
        "onnx>=1.16",
        "litserve>=0.2.10",
    ]


def test_a_project_without_what_its_tests_need_is_named(tmp_path: Path) -> None:
    with pytest.raises(envs.EnvironmentSetupError, match=r"cannot read .*pyproject\.toml"):
        envs.project_requirements(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        PYPROJECT.replace('"my-tasks[serve,export]"', '"my-tasks[docs]"')
    )
    with pytest.raises(envs.EnvironmentSetupError, match=r"pyproject\.toml has no \[docs\] extra"):
        envs.project_requirements(tmp_path)


def test_a_project_s_environment_pins_this_torch_first_and_is_shared(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made: list[list[str]] = []
    monkeypatch.setattr(envs, "_make", lambda name, env, wanted, *rest: made.append(wanted))
    first, second = tmp_path / "first", tmp_path / "second"
    for project in (first, second):
        project.mkdir()
        (project / "pyproject.toml").write_text(PYPROJECT)
    python = envs.project_interpreter(first)
    torch = envs.metadata.version("torch").split("+")[0]
    assert made == [[f"torch=={torch}", *envs.project_requirements(first)]]
    assert Path(python).parent.parent.name.startswith("project-")
    # The same requirements make the same environment; other ones another.
    assert envs.project_interpreter(second) == python
    (second / "pyproject.toml").write_text(PYPROJECT.replace("numpy>=1.24", "numpy>=2"))
    assert envs.project_interpreter(second) != python
