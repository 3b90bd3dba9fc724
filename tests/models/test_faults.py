"""Faults survived: a 10,000-answer run through a proxy that resets connections, stalls
past the timeout, answers 5xx and 429 with Retry-After and cuts bodies in half
(`fault_proxy.py`) finishes with every answer once. The server behind the proxy is the
instant OpenAI-compatible stub of the benchmarks (`bench/_stub_openai.py`, a real HTTP
server in a process of its own), so the test measures the client's handling, not a
model's speed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.fault_proxy import fault_proxy
from helpers.local_servers import stop_process
from helpers.paths import REPO
from valuescope.models import Choice, Message, Model, ModelSettings, load_backend

STUB = REPO / "bench" / "_stub_openai.py"


@pytest.fixture
def stub() -> Iterator[str]:
    process = subprocess.Popen([sys.executable, str(STUB)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline().split()[1])
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_process(process)  # type: ignore[arg-type]
        process.stdout.close()


async def _choose_once(model: Model) -> Choice:
    try:
        return await model.choose([Message(role="user", content="q")], ["1", "2"])
    finally:
        await model.aclose()


@pytest.mark.slow
def test_ten_thousand_answers_through_faults_lose_none(stub: str, tmp_path: Path) -> None:
    # 429s pause the server for their Retry-After (1 s): fewer of them keeps the test short
    faults = ("reset", "stall", "5xx", "truncated") * 3 + ("429",)
    out = tmp_path / "run"
    with fault_proxy(stub, rate=0.05, seed=7, stall_s=3, faults=faults) as proxy:
        done = subprocess.run(
            [sys.executable, "-m", "valuescope", "measure", "--model", f"openai:stub@{proxy.url}",
             "--framework", "bigfive", "--design", "standard", "--personas", "109",
             "--concurrency", "64", "--timeout", "1", "--no-cache", "--out", str(out)],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert set(proxy.counts) == {"reset", "stall", "5xx", "truncated", "429"}, proxy.counts
    lines = (out / "samples.jsonl").read_text().splitlines()
    total = json.loads((out / "progress.json").read_text())["total"]
    keys = {(s["item_id"], s["condition"]) for s in map(json.loads, lines)}
    assert total >= 10_000 and len(lines) == total and len(keys) == total
    usage = json.loads((out / "results.json").read_text())["usage"]
    assert usage["model_calls"] == total  # every answer is one that came back whole
    failed = sum(proxy.counts.values())
    assert any(f"{failed} requests failed" in e for e in usage["endpoint_events"]), usage


def test_retry_after_is_honoured(stub: str) -> None:
    """A 429 with Retry-After: 3 on the first request: the answer comes after those 3 s
    (the pool pauses the server), not after the backoff's 0.5-1.5 s, on the second try."""
    first = lambda n: "429" if n == 1 else None  # noqa: E731
    with fault_proxy(stub, schedule=first, retry_after=3) as proxy:
        model = load_backend(f"openai:stub@{proxy.url}", ModelSettings(max_retries=2))
        started = time.monotonic()
        choice = asyncio.run(_choose_once(model))
        elapsed = time.monotonic() - started
    assert choice.probs[0] > 0.5 and proxy.forwarded == 1 and proxy.counts["429"] == 1
    assert 2.9 <= elapsed < 6, elapsed


def test_a_reset_before_any_answer_is_retried(stub: str) -> None:
    """The first request ever is reset (a proxy's hiccup), the second answered: one reset
    is not a wrong URL."""
    with fault_proxy(stub, schedule=lambda n: "reset" if n == 1 else None) as proxy:
        model = load_backend(f"openai:stub@{proxy.url}", ModelSettings(max_retries=2))
        choice = asyncio.run(_choose_once(model))
    assert choice.probs[0] > 0.5 and proxy.counts["reset"] == 1 and proxy.forwarded == 1
