"""One process per run folder (`runs.RunLock`), and `running` only while the lock is held."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from valuescope.runs import RunLock, RunLocked, is_locked

HOLD = """
import sys, time
from pathlib import Path
from valuescope.runs import RunLock
lock = RunLock.acquire(Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(60)
"""


def _holder(directory: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(directory)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def test_a_second_holder_is_refused_with_one_line_naming_the_first(tmp_path: Path) -> None:
    first = RunLock.acquire(tmp_path)
    with pytest.raises(RunLocked) as refused:
        RunLock.acquire(tmp_path)
    message = str(refused.value)
    assert "\n" not in message and str(tmp_path) in message and "pid " in message
    assert is_locked(tmp_path)
    first.release()
    assert not is_locked(tmp_path)
    RunLock.acquire(tmp_path).release()  # free again


def test_a_killed_holder_leaves_no_lock(tmp_path: Path) -> None:
    process = _holder(tmp_path)
    try:
        assert is_locked(tmp_path)
        with pytest.raises(RunLocked, match=f"pid {process.pid} "):
            RunLock.acquire(tmp_path)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 5
    while is_locked(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_locked(tmp_path)
    with RunLock.acquire(tmp_path):
        assert is_locked(tmp_path)
    assert not is_locked(tmp_path)


def test_a_folder_without_a_lock_file_is_not_running(tmp_path: Path) -> None:
    assert not is_locked(tmp_path)
    assert not is_locked(tmp_path / "missing")
