"""The Python environments that check renderings of each modality.

A rendering's ``types`` and ``tests`` checks import what the rendered task imports. A tabular
task needs torch, Lightning and the test stack, which the generator's own ``[test]`` extra
installs beside it, so its checks run with this interpreter. An image task also needs
torchvision, whose wheels import only beside the torch build they were made for: torchvision
0.29.1 goes with torch 2.14.1, while this project's own environment pins the CPU build of torch
2.13.0. So an image rendering is checked in an environment of its own:

1. the interpreter named by ``--python image=PATH`` (``flash-task check``), else
2. the interpreter named by the ``FLASH_TASK_IMAGE_PYTHON`` environment variable, else
3. a virtual environment that this module creates once and reuses, under
   ``$FLASH_TASK_ENV_DIR`` (default ``~/.cache/flash-task/envs``) in a directory named by a hash
   of what it installs: :data:`MODALITY_REQUIREMENTS`, then the generator's requirements and
   its ``[test]`` extra.

Whichever it is, it must import the modality's :data:`PROBES`; if it does not, or cannot be
made, :class:`EnvironmentSetupError` says what failed and how to proceed.

A rendered project can also have an environment of its own (:func:`project_interpreter`): torch
and what the project declares for its tests, no more, kept the same way; its suite runs there
as its users' would, where a test that imports an undeclared package fails.

Each interpreter also keeps a warm mypy cache under the same directory (:func:`mypy_cache`):
checking a rendering's types reads torch's and Lightning's stubs, which the cache spares every
run but the first.
``python -m generator.envs image`` makes (or finds) the environment and prints its interpreter.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Final

import tomlkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

__all__ = [
    "ENV_DIR_VARIABLE",
    "MODALITY_REQUIREMENTS",
    "PROBES",
    "EnvironmentSetupError",
    "cache_home",
    "env_variable",
    "interpreter",
    "interpreters",
    "mypy_cache",
    "project_interpreter",
    "project_requirements",
    "requirements",
]

MODALITY_REQUIREMENTS: Final[Mapping[str, tuple[str, ...]]] = {
    # torchvision's wheels are built against one torch release: install them as a pair. timm is
    # for renderings with the timm backbone.
    "image": ("torch==2.14.1", "torchvision==0.29.1", "pillow>=10", "timm==1.0.31"),
}
"""What a modality's environment installs before the generator's ``[test]`` extra; a modality
that is not listed is checked with this interpreter."""

PROBES: Final[Mapping[str, tuple[str, ...]]] = {
    "image": ("torch", "torchvision", "PIL", "timm", "pytorch_lightning", "pytest", "mypy"),
}
"""The modules a modality's interpreter must import for its checks to run."""

ENV_DIR_VARIABLE: Final = "FLASH_TASK_ENV_DIR"
"""The environment variable naming where the created environments are kept."""

_DISTRIBUTION: Final = "flash-task-template"
_READY: Final = ".flash-task-env.json"
_PYPROJECT: Final = Path(__file__).resolve().parent.parent / "pyproject.toml"


class EnvironmentSetupError(RuntimeError):
    """A modality's interpreter was not given right, or its environment could not be made."""


def env_variable(modality: str) -> str:
    """Name the environment variable that gives a modality's interpreter.

    Args:
        modality: The modality, e.g. ``image``.

    Returns:
        ``FLASH_TASK_<MODALITY>_PYTHON``, e.g. ``FLASH_TASK_IMAGE_PYTHON``.
    """
    return f"FLASH_TASK_{modality.upper()}_PYTHON"


def _generator_requirements() -> list[str]:
    """The generator's own requirements and its ``[test]`` extra, without ``extra`` markers.

    With both, the environment runs the rendered suites and mypy, and the generator's modules
    too (``python -m generator.names`` derives the names an image task's dependencies take).
    A checkout's ``pyproject.toml`` comes first (an editable install's metadata may be older);
    an installed wheel's metadata otherwise.
    """
    if _PYPROJECT.is_file():
        project = tomlkit.parse(_PYPROJECT.read_text(encoding="utf-8")).unwrap()["project"]
        own = [str(text) for text in project["dependencies"]]
        return [*own, *(str(text) for text in project["optional-dependencies"]["test"])]
    found = []
    for text in metadata.requires(_DISTRIBUTION) or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None:
            found.append(str(requirement))
        elif marker.evaluate({"extra": "test"}) and not marker.evaluate({"extra": ""}):
            requirement.marker = None
            found.append(str(requirement))
    return found


def requirements(modality: str) -> list[str]:
    """List what a modality's own environment installs, in order.

    Args:
        modality: The modality.

    Returns:
        :data:`MODALITY_REQUIREMENTS`' pins for it, then the generator's requirements and
        its ``[test]`` extra; an
        empty list when the modality needs no environment of its own.
    """
    pinned = MODALITY_REQUIREMENTS.get(modality)
    return [*pinned, *_generator_requirements()] if pinned else []


def cache_home() -> Path:
    """Where the generator keeps what it can make again: ``$XDG_CACHE_HOME/flash-task``.

    Returns:
        The directory (``~/.cache/flash-task`` when ``XDG_CACHE_HOME`` is not set); it may not
        exist yet.
    """
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "flash-task"


def _env_root() -> Path:
    configured = os.environ.get(ENV_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return cache_home() / "envs"


def _env_key(modality: str, wanted: Sequence[str]) -> str:
    """A name for the environment: the modality and a hash of what it holds and runs on."""
    identity = [platform.python_version(), sys.platform, platform.machine(), *wanted]
    digest = hashlib.sha256("\n".join(identity).encode()).hexdigest()[:16]
    return f"{modality}-{digest}"


def _venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _probe(python: str | Path, modules: Sequence[str]) -> str | None:
    """Import ``modules`` with ``python``; ``None`` when they import, else what went wrong."""
    code = "".join(f"import {name}\n" for name in modules)
    try:
        completed = subprocess.run(
            [str(python), "-c", code or "pass"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"it does not run: {error}"
    if completed.returncode != 0:
        return f"it cannot import {', '.join(modules)}:\n{_tail(completed.stderr)}"
    return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created), so one process makes an environment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_step(command: Sequence[str], what: str, hint: str) -> None:
    completed = subprocess.run(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise EnvironmentSetupError(
            f"{what} failed (exit code {completed.returncode}): {' '.join(command)}\n"
            f"{_tail(completed.stdout)}\n{hint}"
        )


def _create(modality: str) -> Path:
    """Make (or reuse) a modality's environment; return its interpreter."""
    hint = (
        f"Set {env_variable(modality)} to an interpreter that imports "
        f"{', '.join(PROBES.get(modality, ()))} (e.g. after `pip install "
        f"{' '.join(MODALITY_REQUIREMENTS[modality])}` and the generator's test extra), "
        f"or fix the problem and run again."
    )
    return _ensure(modality, requirements(modality), PROBES.get(modality, ()), hint)


def _ensure(name: str, wanted: Sequence[str], probes: Sequence[str], hint: str) -> Path:
    """Make (or reuse) the environment ``name`` that holds ``wanted``; return its interpreter."""
    env = _env_root() / _env_key(name, wanted)
    python = _venv_python(env)
    ready = env / _READY
    try:
        with _locked(env.with_name(env.name + ".lock")):
            if ready.is_file() and python.is_file():
                return python
            _make(name, env, wanted, probes, hint)
    except OSError as error:
        raise EnvironmentSetupError(
            f"cannot make the {name} environment in {env}: {error}\n{hint}"
        ) from None
    return python


def _make(name: str, env: Path, wanted: Sequence[str], probes: Sequence[str], hint: str) -> None:
    """Create the environment ``env`` and install ``wanted`` into it, or raise saying why."""
    python = _venv_python(env)
    shutil.rmtree(env, ignore_errors=True)  # what a stopped creation left behind
    _run_step(
        [sys.executable, "-m", "venv", str(env)],
        f"creating the {name} environment in {env}",
        hint,
    )
    _run_step(
        [str(python), "-m", "pip", "install", "--quiet", *wanted],
        f"installing the {name} environment's requirements in {env}",
        hint,
    )
    problem = _probe(python, probes)
    if problem is not None:
        raise EnvironmentSetupError(f"the {name} environment in {env}: {problem}\n{hint}")
    ready = env / _READY
    ready.write_text(json.dumps({"requirements": list(wanted)}, indent=2) + "\n", "utf-8")


def interpreter(modality: str, given: str | None = None) -> str:
    """Find the interpreter that checks a modality's renderings, making its environment if need be.

    Args:
        modality: The modality, e.g. ``tabular`` or ``image``.
        given: An interpreter chosen by the caller (``--python``), which comes first.

    Returns:
        The interpreter's path: ``given``, the environment variable's, the modality's own
        environment's (made now if it does not exist yet), or this interpreter's for a modality
        that needs no environment of its own.

    Raises:
        EnvironmentSetupError: When the interpreter given does not import what the modality
            needs, or the environment cannot be made.
    """
    variable = env_variable(modality)
    source, python = ("--python", given) if given else (variable, os.environ.get(variable))
    if python:
        problem = _probe(python, PROBES.get(modality, ()))
        if problem is not None:
            raise EnvironmentSetupError(
                f"{source}={python} cannot check {modality} tasks: {problem}"
            )
        return python
    if modality not in MODALITY_REQUIREMENTS:
        return sys.executable
    return str(_create(modality))


def interpreters(
    modalities: Mapping[str, str], given: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Find the interpreter of each point whose modality is not checked with this one.

    Args:
        modalities: Each point's modality, by point name.
        given: Interpreters chosen by the caller, by modality (``--python MODALITY=PATH``).

    Returns:
        The interpreter of each point that needs another one than this, by point name.

    Raises:
        EnvironmentSetupError: When a modality's interpreter cannot be found or made.
    """
    given = given or {}
    found: dict[str, str] = {}
    for modality in dict.fromkeys(modalities.values()):
        python = interpreter(modality, given.get(modality))
        if python != sys.executable:
            found[modality] = python
    return {point: found[m] for point, m in modalities.items() if m in found}


def project_requirements(project: Path) -> list[str]:
    """List what a rendered project declares for its tests, as its users would install it.

    Args:
        project: The rendered project's root, holding its ``pyproject.toml``.

    Returns:
        Its dependencies, then its ``[test]`` extra, with each extra of the project itself that
        the ``[test]`` extra names (``flash-tasks[export,serve]``) spelled out in its place.

    Raises:
        EnvironmentSetupError: When ``pyproject.toml`` is missing or names an extra it lacks.
    """
    pyproject = project / "pyproject.toml"
    try:
        table = tomlkit.parse(pyproject.read_text(encoding="utf-8")).unwrap()["project"]
    except (OSError, KeyError, tomlkit.exceptions.ParseError) as error:
        message = f"cannot read the [project] table of {pyproject}: {error!r}"
        raise EnvironmentSetupError(message) from None
    own = canonicalize_name(table["name"])
    extras = table.get("optional-dependencies", {})
    found = [str(text) for text in table.get("dependencies", [])]
    pending, seen = ["test"], set()
    while pending:
        extra = pending.pop(0)
        if extra in seen:
            continue
        seen.add(extra)
        if extra not in extras:
            raise EnvironmentSetupError(f"{pyproject} has no [{extra}] extra to install")
        for text in extras[extra]:
            requirement = Requirement(str(text))
            if canonicalize_name(requirement.name) == own:
                pending.extend(sorted(requirement.extras))
            else:
                found.append(str(requirement))
    return list(dict.fromkeys(found))


def project_interpreter(project: Path) -> str:
    """Find an environment that holds only what a rendered project declares, making it if need be.

    The generator's own environment holds what every answer needs (pandas, TensorBoard, MLflow,
    transformers...), so a rendering's suite passing there does not show that it passes where
    its users install it. This environment holds torch, pinned to this interpreter's release
    (so that pip takes the same build rather than a newer one of several GB), then
    :func:`project_requirements`: no more. It is kept under :data:`ENV_DIR_VARIABLE`'s directory,
    named by a hash of those requirements, and reused by every rendering that declares the same.
    The project itself is not installed: its suite imports it from ``src``.

    Args:
        project: The rendered project's root.

    Returns:
        The environment's interpreter.

    Raises:
        EnvironmentSetupError: When this interpreter has no torch to pin, the project's
            requirements cannot be read, or the environment cannot be made.
    """
    try:
        torch = metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        raise EnvironmentSetupError(
            "this interpreter has no torch, whose release a project's environment pins"
        ) from None
    wanted = [f"torch=={torch}", *project_requirements(project)]
    hint = f"Install the project's test extra by hand (`pip install torch=={torch}`, then "
    hint += f"`pip install -e '{project}[test]'`) to see what fails, fix it and run again."
    return str(_ensure("project", wanted, ("torch", "pytest"), hint))


def _mypy_seed(python: str | Path) -> Path:
    """Where the warm mypy cache of ``python`` is kept: a name hashed from its path."""
    where = os.path.abspath(os.fspath(python))  # a venv's python: not resolved to the base one
    return _env_root() / "mypy" / hashlib.sha256(where.encode()).hexdigest()[:16]


@contextlib.contextmanager
def mypy_cache(python: str | Path | None = None) -> Iterator[Path]:
    """Lend a mypy cache directory that starts warm and is kept warm, for one run of mypy.

    The directory is a copy of the interpreter's kept cache (under :data:`ENV_DIR_VARIABLE`'s
    directory, in ``mypy/``), so runs at the same time never share one; when the run is over
    the copy becomes the kept cache. While there is no kept cache yet, the first loan is the
    only one: the others wait for it to end and start from what it kept, rather than each
    checking torch and Lightning from nothing at the same time (about 80 s of CPU each, against
    about 13 s warm). mypy checks each cached module against its source and its own options
    and version, and checks again whatever changed, so a warm cache changes how long a run
    takes, never its verdict.

    Loans of one interpreter's cache must not be nested in one process: while the cache is
    cold, the inner loan would wait for the outer one.

    Args:
        python: The interpreter whose mypy runs (its packages are what the cache holds); this
            one by default.

    Yields:
        An empty or warm cache directory for ``mypy --cache-dir``.
    """
    seed = _mypy_seed(python or sys.executable)
    lock = seed.with_name(seed.name + ".lock")
    seed.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{seed.name}-", dir=seed.parent))
    cache = scratch / "cache"

    def keep() -> None:  # under the lock: the loan becomes the kept cache
        stale = seed.with_name(f"{scratch.name}-stale")
        if seed.is_dir():
            seed.rename(stale)
        cache.rename(seed)
        shutil.rmtree(stale, ignore_errors=True)

    try:
        with contextlib.ExitStack() as held:
            held.enter_context(_locked(lock))
            warm = seed.is_dir()
            if warm:
                shutil.copytree(seed, cache, symlinks=True)
                held.close()  # a warm copy needs no lock while mypy runs
            cache.mkdir(exist_ok=True)
            yield cache
            if not warm:
                keep()  # still under the lock the other loans wait on
        if warm:
            with _locked(lock):
                keep()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Make (or find) a modality's environment and print its interpreter.

    ``python -m generator.envs image`` prints e.g.
    ``~/.cache/flash-task/envs/image-0123456789abcdef/bin/python``.

    Args:
        argv: The modality's name, alone; defaults to the command line's.

    Returns:
        0, or 1 with an ``error:`` line when the environment cannot be made.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m generator.envs MODALITY", file=sys.stderr)
        return 2
    try:
        print(interpreter(args[0]))
    except EnvironmentSetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
