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


def test_a_second_process_is_refused_with_one_line_naming_the_first(tmp_path: Path) -> None:
    process = _holder(tmp_path)
    try:
        with pytest.raises(RunLocked) as refused:
            RunLock.acquire(tmp_path)
    finally:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()
    message = str(refused.value)
    assert "\n" not in message and str(tmp_path) in message and f"pid {process.pid} " in message


def test_within_one_process_the_lock_is_taken_over(tmp_path: Path) -> None:
    """A run abandoned by an exception (in a notebook) does not lock its own process out."""
    first = RunLock.acquire(tmp_path)
    second = RunLock.acquire(tmp_path)
    assert is_locked(tmp_path)
    first.release()  # the earlier holder's release does not free the new holder's lock
    assert is_locked(tmp_path)
    second.release()
    assert not is_locked(tmp_path)


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


def test_a_second_valuescope_on_a_run_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    """`measure --resume DIR` while another process writes DIR: exit 2, one line, and the
    run's files untouched."""
    from typer.testing import CliRunner

    from valuescope.cli import app

    out = tmp_path / "run"
    command = ["measure", "--model", "sim", "--framework", "bigfive", "--limit", "5",
               "--paraphrases", "0", "--out", str(out)]  # fmt: skip
    made = CliRunner().invoke(app, command)
    assert made.exit_code == 0, made.output
    before = (out / "samples.jsonl").read_bytes()
    process = _holder(out)
    try:
        again = subprocess.run(
            [sys.executable, "-m", "valuescope", "measure", "--resume", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()
    assert again.returncode == 2, again.stderr
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "being written by another valuescope process" in lines[0]
    assert (out / "samples.jsonl").read_bytes() == before
