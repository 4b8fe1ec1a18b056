"""The background commands of ``tests/conftest.py`` end with pytest, even when it is killed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import Background

CONFTEST = Path(__file__).parents[1] / "conftest.py"
# A stand-in for a pytest process: it starts a long command in the background as a test module
# would, says the command's process group, and waits to be killed.
STAND_IN = """
import importlib.util, sys, time
from pathlib import Path

spec = importlib.util.spec_from_file_location("background_conftest", sys.argv[1])
conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conftest)
command = [sys.executable, "-c", "import time; time.sleep(600)"]
process = conftest.Background.spawn(command, Path(sys.argv[2]))
print(process.pid, flush=True)
time.sleep(600)
"""

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads process states from /proc"
)


def group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (a zombie, dead but not reaped, does not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command's name: state, parent, process group.
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def test_a_command_ends_when_the_tests_process_is_killed(tmp_path: Path) -> None:
    stand_in = subprocess.Popen(
        [sys.executable, "-c", STAND_IN, str(CONFTEST), str(tmp_path / "command.log")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stand_in.stdout is not None
        group = int(stand_in.stdout.readline())
        assert group_alive(group)
    finally:
        stand_in.kill()
        stand_in.wait()
    deadline = time.monotonic() + 30
    while group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = group_alive(group)
    if alive:
        os.killpg(group, signal.SIGKILL)
    assert not alive, "the background command outlived the process that started it"


def test_a_command_s_exit_status_is_its_own(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; print('ran'); sys.exit(3)"]
    process = Background.spawn(command, tmp_path / "command.log")
    assert process.wait(timeout=60) == 3
    assert process.args == command
    assert (tmp_path / "command.log").read_text() == "ran\n"
