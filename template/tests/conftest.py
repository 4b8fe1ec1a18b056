"""Every task's test helpers for commands: start them early, run them beside the other tests.

The tests that run commands (DDP, two nodes, the server, the example, a fit from the shell, a
fresh interpreter's imports) define ``start_in_background(background, root)`` in their module
and ask the session's ``background`` fixture to ``start`` it. Once pytest has collected the tests
it is going to run, this file starts every such module's commands, and runs the tests that wait
for them last, so that the commands run while the in-process tests do, instead of one after
another at the end.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The tests train tiny models, and run beside their commands on machines of few cores: one
# thread per process (this one and every command's) beats threads that fight for the cores.
# A value set from outside is kept. torch reads it when first imported, which is after this.
os.environ.setdefault("OMP_NUM_THREADS", "1")

SOURCES = Path(__file__).parents[1] / "src"
"""The source tree, first on every command's path."""

DISTRIBUTED_VARIABLES = (
    "MASTER_ADDR",
    "MASTER_PORT",
    "NODE_RANK",
    "LOCAL_RANK",
    "GLOBAL_RANK",
    "RANK",
    "WORLD_SIZE",
    "LOCAL_WORLD_SIZE",
    "TORCHELASTIC_RUN_ID",
)
"""Variables through which a caller's own distributed run would leak into a command's."""

SUPERVISOR = """
import os, signal, subprocess, sys, time

parent, command = int(sys.argv[1]), sys.argv[2:]
child = subprocess.Popen(command)
# A polite stop (SIGTERM to the whole group) is for the command; this waits for it to end.
signal.signal(signal.SIGTERM, lambda number, frame: None)
while child.poll() is None:
    if os.getppid() != parent:
        os.killpg(0, signal.SIGKILL)  # the tests are gone: end the command's group, this too
    time.sleep(0.5)
if child.returncode < 0:
    signal.signal(-child.returncode, signal.SIG_DFL)
    os.kill(os.getpid(), -child.returncode)
sys.exit(child.returncode)
"""
"""Runs a command and ends its process group when pytest's process is gone, even killed."""


@dataclass
class Started:
    """The processes a test module started in the background, and where each writes its output.

    Attributes:
        processes: The processes, each in a session (process group) of its own.
        logs: Each process's combined stdout and stderr, a file per process.
        value: Anything else the module's starter made for its tests (e.g. a trained model).
    """

    processes: list[subprocess.Popen]
    logs: list[Path]
    value: Any = None

    def wait(self, timeout: float) -> list[str]:
        """Wait for every process to end; fail the test as soon as one fails or time is up.

        Either way the processes that still run are ended first: after a failure the others
        would otherwise wait for it (a DDP peer at the rendezvous) until the timeout.

        Returns:
            Each process's output, in order.
        """
        deadline = time.monotonic() + timeout
        while any(process.poll() is None for process in self.processes):
            failed = [process.args for process in self.processes if process.returncode]
            if failed or time.monotonic() > deadline:
                self.stop()
                what = f"{failed} failed" if failed else f"not every process ended in {timeout} s"
                pytest.fail(f"{what}; every process was ended:\n{self.output()}")
            time.sleep(0.2)
        return [log.read_text(errors="replace") for log in self.logs]

    def output(self) -> str:
        """The end of every process's output, for a failure message."""
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in self.logs)

    def stop(self) -> None:
        """End each process's whole group that still runs: politely, then for sure."""
        for process in self.processes:
            for sent in (signal.SIGTERM, signal.SIGKILL):
                if process.poll() is not None:
                    break
                try:
                    os.killpg(process.pid, sent)
                    process.wait(timeout=15)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    pass


class Background:
    """Each test module's ``start_in_background``, run once per session, early.

    A module whose commands take long defines ``start_in_background(background, root)``,
    which starts them with ``background.spawn`` and returns ``background.started(...)``, and a
    fixture that asks the session's ``background`` fixture to ``start`` it (which returns what
    was already started) and waits. Once pytest has collected the tests it is going to run,
    ``pytest_collection_finish`` below starts the starter of each module that has such a test,
    so commands run while the in-process tests do; with ``-k`` or a test id, only what is
    selected starts. Whatever still runs is ended when the session finishes.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="background-"))
        self.launched: dict[str, Started] = {}

    def start(self, starter: Callable[["Background", Path], Started]) -> Started:
        """Run ``starter(self, root)`` unless it ran already; return what it started.

        ``root`` is an empty directory of the starter's own, deleted when the session ends.
        """
        key = f"{starter.__code__.co_filename}:{starter.__qualname__}"
        if key not in self.launched:
            root = self.root / f"{Path(starter.__code__.co_filename).stem}-{len(self.launched)}"
            root.mkdir()
            self.launched[key] = starter(self, root)
        return self.launched[key]

    @staticmethod
    def started(
        processes: list[subprocess.Popen], logs: list[Path], value: Any = None
    ) -> "Started":
        """What a starter returns: its processes, their logs and anything else for its tests."""
        return Started(processes, logs, value)

    @staticmethod
    def spawn(
        command: list[str], log: Path, errors: Path | None = None, **options: Any
    ) -> subprocess.Popen:
        """Start ``command`` in a session of its own, writing its stdout to ``log``.

        Its stderr goes to ``errors`` when given, else to ``log`` too. The command runs under
        ``SUPERVISOR``, which ends its whole process group (a server's workers, DDP's second
        process) if pytest ends without stopping it, killed or timed out.

        Returns:
            The supervisor's process: it exits as the command does; its ``args`` are the
            command's, for messages.
        """
        supervised = [sys.executable, "-c", SUPERVISOR, str(os.getpid()), *command]
        with log.open("w") as output, open(errors or os.devnull, "w") as error_file:
            stderr = error_file if errors else subprocess.STDOUT
            process = subprocess.Popen(
                supervised, stdout=output, stderr=stderr, start_new_session=True, **options
            )
        process.args = command
        return process

    @staticmethod
    def env(*paths: Path, **variables: str) -> dict[str, str]:
        """This environment with ``variables``, and ``src/`` and ``paths`` first on the path.

        The source tree comes first, so commands run this checkout even when it is not installed.
        ``DISTRIBUTED_VARIABLES`` are left out: a command is no rank of the caller's own run.
        """
        entries = [str(SOURCES), *map(str, paths), os.environ.get("PYTHONPATH", "")]
        pythonpath = os.pathsep.join(entry for entry in entries if entry)
        inherited = {
            name: value for name, value in os.environ.items() if name not in DISTRIBUTED_VARIABLES
        }
        return {**inherited, "PYTHONPATH": pythonpath, **variables}

    def close(self) -> None:
        """End every command still running and delete what they wrote."""
        for started in self.launched.values():
            started.stop()
        shutil.rmtree(self.root, ignore_errors=True)


_session: list["Background"] = []
"""The session's ``Background``, once made."""


def session_background() -> "Background":
    """The session's ``Background``, made on first use."""
    if not _session:
        _session.append(Background())
    return _session[0]


@pytest.fixture(scope="session")
def background() -> Background:
    """The session's background commands (see ``Background``)."""
    return session_background()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that wait for a background command after the others, in their order.

    A test that waits would hold this process idle while its command still runs; the other
    tests run meanwhile instead.
    """
    items.sort(key=lambda item: "background" in getattr(item, "fixturenames", ()))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the background commands of the tests about to run, in collection order.

    Not with ``--collect-only``, nor in pytest-xdist's workers, which share the tests out only
    later: there each module's fixture starts its commands when its first test runs.
    """
    if session.config.option.collectonly or hasattr(session.config, "workerinput"):
        return
    for item in session.items:
        if "background" in getattr(item, "fixturenames", ()):
            starter = getattr(getattr(item, "module", None), "start_in_background", None)
            if starter is not None:
                try:
                    session_background().start(starter)
                except Exception:
                    # Not started: the test's own call starts it again and reports the error.
                    pass


def pytest_sessionfinish(session: pytest.Session) -> None:
    """End what the background commands still run."""
    for background in _session:
        background.close()
