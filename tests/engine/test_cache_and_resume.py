"""The response cache (a repeated run makes no model call) and resuming killed runs."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import BATCH_SPLIT_TOLERANCE
from valuescope.cli import app
from valuescope.models import (
    BackendFailed,
    CachedModel,
    Choice,
    Completion,
    GenerateConfig,
    Message,
    ResponseCache,
    TokenUsage,
    user,
)
from valuescope.models._cache import cache_key

RUNNER = CliRunner()


def run_cli(*args: str) -> str:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def results_of(directory: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((directory / "results.json").read_text())  # type: ignore[no-any-return]


def samples_of(directory: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (directory / "samples.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_identical_second_run_makes_no_model_call(tmp_path: Path) -> None:
    run_cli("measure", "--limit", "2", "--paraphrases", "0", "--out", str(tmp_path / "a"))
    first = results_of(tmp_path / "a")
    assert first["usage"]["model_calls"] == 8 and first["usage"]["cache_hits"] == 0
    run_cli("measure", "--limit", "2", "--paraphrases", "0", "--out", str(tmp_path / "b"))
    second = results_of(tmp_path / "b")
    assert second["usage"]["model_calls"] == 0 and second["usage"]["cache_hits"] == 8
    assert second["dimensions"] == first["dimensions"]
    assert all(s["cached"] for s in samples_of(tmp_path / "b"))
    run_cli(
        "measure", "--limit", "2", "--paraphrases", "0", "--no-cache", "--out", str(tmp_path / "c")
    )
    assert results_of(tmp_path / "c")["usage"]["model_calls"] == 8
    stats = run_cli("cache", "stats")
    assert "entries: 8" in stats
    assert "removed 8 entries" in run_cli("cache", "clear")


def test_sampled_requests_are_cached_per_sample_index(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    base = {"messages": [], "config": {"temperature": 1.0, "sample_index": 0}}
    other = {"messages": [], "config": {"temperature": 1.0, "sample_index": 1}}
    k0, k1 = cache_key("m", "generate", base), cache_key("m", "generate", other)
    assert k0 != k1
    cache.put(k0, "m", "generate", Completion(text="a").model_dump_json())
    cache.put(k1, "m", "generate", Completion(text="b").model_dump_json())
    assert cache.get(k0) != cache.get(k1)


def test_cache_survives_concurrent_writer_processes(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from valuescope.models import ResponseCache\n"
        "c = ResponseCache(Path(sys.argv[1]))\n"
        "for i in range(200): c.put(f'{sys.argv[2]}-{i}', 'm', 'k', 'v')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(n)]) for n in range(4)
    ]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    assert ResponseCache(tmp_path).stats().entries == 800


@pytest.mark.slow
def test_killed_run_resumes_to_exactly_the_clean_samples(tmp_path: Path) -> None:
    limit = "5"  # 20 answers
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    run_cli("measure", "--limit", limit, "--paraphrases", "0", "--no-cache", "--out", str(clean))

    process = subprocess.Popen(
        [sys.executable, "-m", "valuescope", "measure", "--limit", limit, "--paraphrases", "0",
         "--no-cache", "--out", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )  # fmt: skip
    samples = killed / "samples.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if samples.exists() and len(samples.read_bytes().splitlines()) >= 8:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = len(samples.read_text().splitlines())
    assert 8 <= done_before < 20, "the kill must land mid-run"
    # As if the kill had cut a line in half:
    with samples.open("a") as handle:
        handle.write('{"schema_version": 1, "item_id": "sd')

    output = run_cli("measure", "--resume", str(killed))
    assert "run directory" in output
    resumed, reference = samples_of(killed), samples_of(clean)
    keys = [(s["item_id"], s["condition"]) for s in resumed]
    assert len(keys) == len(set(keys)) == 20  # nothing asked twice, nothing missing
    assert set(keys) == {(s["item_id"], s["condition"]) for s in reference}
    by_key = {(s["item_id"], s["condition"]): s for s in reference}
    # The same answers up to how llama.cpp split each prompt into batches, which depends on
    # what the server's prefix cache held (a resumed run starts with it empty): a prompt's
    # last token evaluated alone after a cached prefix moves a log-probability by ~0.05.
    for sample in resumed:
        expected = by_key[(sample["item_id"], sample["condition"])]
        assert sample["probs"] == pytest.approx(expected["probs"], abs=BATCH_SPLIT_TOLERANCE)
    assert results_of(killed)["usage"]["model_calls"] == 20 - done_before


@pytest.mark.slow
def test_resume_takes_no_other_option(tmp_path: Path) -> None:
    run_cli("measure", "--limit", "1", "--paraphrases", "0", "--out", str(tmp_path / "r"))
    result = RUNNER.invoke(app, ["measure", "--resume", str(tmp_path / "r"), "--limit", "3"])
    assert result.exit_code == 2 and "--limit" in result.output


@pytest.mark.slow
def test_resume_refuses_a_run_of_another_command(tmp_path: Path) -> None:
    run_cli("measure", "--limit", "1", "--paraphrases", "0", "--out", str(tmp_path / "r"))
    result = RUNNER.invoke(app, ["dilemmas", "--resume", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "holds a 'measure' run, not a 'dilemmas' run" in " ".join(result.output.split())


class _Slow:
    """A backend whose `choose` takes a moment and fails while `failing` is set."""

    name, identity = "slow", "slow|test"

    def __init__(self) -> None:
        self.calls = 0
        self.failing = False

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        raise NotImplementedError

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        self.calls += 1
        await asyncio.sleep(0.05)
        if self.failing:
            self.failing = False  # the next try succeeds
            raise BackendFailed("the server went away")
        return Choice(options=options, probs=[0.25, 0.75], option_mass=1.0, method="logprobs",
                      usage=TokenUsage(prompt_tokens=7))  # fmt: skip

    async def aclose(self) -> None:
        return None


def test_identical_requests_in_flight_are_sent_once(tmp_path: Path) -> None:
    """Two identical requests at once: one reaches the backend, the other waits for its
    answer (a cache hit), so both get the same answer, as they would one after the other."""
    backend = _Slow()
    model = CachedModel(backend, ResponseCache(tmp_path / "cache.sqlite"))
    ask = [user("Agree?")]

    async def main() -> list[Choice]:
        return await asyncio.gather(*(model.choose(ask, ["no", "yes"]) for _ in range(3)))

    first, *others = asyncio.run(main())
    assert backend.calls == 1
    assert model.usage.model_calls == 1 and model.usage.cache_hits == 2
    assert [c.probs for c in others] == [first.probs] * 2 and all(c.cached for c in others)
    assert not first.cached


def test_a_failed_first_request_leaves_the_waiting_ones_to_ask(tmp_path: Path) -> None:
    backend = _Slow()
    backend.failing = True
    model = CachedModel(backend, ResponseCache(tmp_path / "cache.sqlite"))

    async def main() -> list[Choice | BaseException]:
        asks = (model.choose([user("Agree?")], ["no", "yes"]) for _ in range(2))
        return await asyncio.gather(*asks, return_exceptions=True)

    failed, answered = asyncio.run(main())
    assert isinstance(failed, BackendFailed) and isinstance(answered, Choice)
    assert backend.calls == 2 and model.usage.model_calls == 1 and not answered.cached
