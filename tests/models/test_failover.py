"""Many servers, one dying: a run over three llama.cpp servers (the C++ server, each in a
process of its own) loses one to SIGKILL mid-run and still finishes with every answer once,
none lost and none twice, and says which replica failed and when."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.local_servers import cpp_server_command, free_port, stop_process, wait_for_http

pytestmark = pytest.mark.slow


def _start(gguf: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("ab") as out:
        command = cpp_server_command(gguf, "smollm2", port, "--parallel", "2", threads=1)
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    wait_for_http(f"http://127.0.0.1:{port}/health", process)
    return process, f"http://127.0.0.1:{port}/v1"


def _lines(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_a_replica_killed_mid_run_loses_no_answer(gguf: Path, tmp_path: Path) -> None:
    servers = [_start(gguf, tmp_path / f"server{i}.log") for i in range(3)]
    out = tmp_path / "run"
    try:
        urls = ",".join(url for _, url in servers)
        command = [
            sys.executable, "-m", "valuescope", "measure", "--model", f"openai:smollm2@{urls}",
            "--framework", "schwartz", "--limit", "40", "--paraphrases", "0",
            "--concurrency", "6", "--no-cache", "--out", str(out),
        ]  # fmt: skip
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while len(_lines(out / "samples.jsonl")) < 20 and run.poll() is None:
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.1)
        victim, victim_url = servers[1]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        stdout, stderr = run.communicate(timeout=600)
    finally:
        for process, _ in servers:
            stop_process(process)
    assert run.returncode == 0, stderr[-2000:]
    samples = _lines(out / "samples.jsonl")
    total = json.loads((out / "progress.json").read_text())["total"]
    keys = {(s["item_id"], s["condition"]) for s in samples}
    assert len(samples) == total and len(keys) == total  # none lost, none twice
    reasons = [str(s.get("invalid_reason")) for s in samples if not s["valid"]]
    assert not [r for r in reasons if "server" in r or "connect" in r], reasons
    results = json.loads((out / "results.json").read_text())
    events = results["usage"]["endpoint_events"]
    # it went down (refused) while the others kept answering; its lost requests were retried
    assert any(victim_url in e and "down (connection refused)" in e for e in events), events
    assert any(victim_url in e and "failed" in e for e in events), events
    printed = stdout + stderr
    assert victim_url in printed and "retried" in printed
