"""Client overhead: valuescope's `OpenAIModel.choose` vs the raw `openai.AsyncOpenAI` SDK.

Both clients send the same requests at the same concurrency (default 32 in flight): a chat
completion with `max_tokens=1, temperature=0, logprobs=True, top_logprobs=20` for each
Schwartz item (asc/none, `build_messages`), which is exactly what
`choose(messages, ["1".."6"])` sends. The raw arm is `AsyncOpenAI` built with the same
options valuescope uses (`max_retries=0`, the same timeout), N tasks under an
`asyncio.Semaphore(concurrency)`, reading the top log-probabilities of each answer; the
valuescope arm is N `choose` calls gathered at once (its own per-replica semaphore bounds
them). Each client is built once and warmed up; the two then alternate, round by round,
with the order flipped each round, so machine noise hits both.

Targets:
  (i)  a stub OpenAI-compatible server (`bench/_stub_openai.py`, a separate process) that
       answers instantly with a canned chat.completion: isolates the client's overhead.
  (ii) a real `python -m llama_cpp.server` with the SmolLM2-135M GGUF (serves one request
       at a time, so fewer requests): the overhead in context. It needs llama-cpp-python
       (`pip install '.[pyserver]'`); without it, or with `--skip-server`, (ii) is skipped
       with a one-line note and the last line is unchanged.

Last line: `throughput ratio: X.XX`, valuescope requests/s over raw requests/s on (i).
Use `--profile` to print cProfile's top functions of one round of each client on (i).

    .venv/bin/python bench/overhead.py [--requests 1000] [--server-requests 16]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion

from _common import ASC_NONE, PYSERVER_MISSING, llama_server, schwartz_items
from _stub_openai import completion_body
from helpers.local_servers import python_server_available, stop_process, wait_for_http
from valuescope.instruments.likert import build_messages, labels_for
from valuescope.models import Message, ModelSettings, load_backend
from valuescope.models._embedded import smollm2_path
from valuescope.models._openai import TOP_LOGPROBS, OpenAIModel

SERVER_ALIAS = "smollm2"


@contextmanager
def stub_server() -> Iterator[str]:
    """Start `_stub_openai.py` in a subprocess; yield its base URL."""
    script = Path(__file__).with_name("_stub_openai.py")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError(f"stub server did not report its port: {line}")
        base = f"http://127.0.0.1:{line[1]}/v1"
        wait_for_http(base + "/models", process, timeout_s=30)
        yield base
    finally:
        stop_process(process)


Round = Callable[[int], Awaitable[None]]
"""Send the first `k` prepared requests, all at once under the concurrency bound."""


def valuescope_arm(
    model: OpenAIModel, batch: list[list[Message]], labels: list[str], methods: Counter[str]
) -> Round:
    async def run(k: int) -> None:
        choices = await asyncio.gather(*(model.choose(m, labels) for m in batch[:k]))
        methods.update(c.method for c in choices)

    return run


def raw_arm(
    client: AsyncOpenAI, model_name: str, batch: list[list[Message]], concurrency: int
) -> Round:
    # A raw-SDK user holds plain dicts: they are built here, outside the timed rounds.
    payloads = [[m.model_dump() for m in messages] for messages in batch]
    semaphore = asyncio.Semaphore(concurrency)

    async def one(messages: list[dict[str, str]]) -> None:
        async with semaphore:
            response = await client.chat.completions.create(
                model=model_name,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=TOP_LOGPROBS,
            )
        logprobs = response.choices[0].logprobs
        assert logprobs is not None and logprobs.content and logprobs.content[0].top_logprobs

    async def run(k: int) -> None:
        await asyncio.gather(*(one(p) for p in payloads[:k]))

    return run


async def compare(
    title: str,
    base_url: str,
    model_name: str,
    messages: list[list[Message]],
    labels: list[str],
    n: int,
    rounds: int,
    concurrency: int,
    warm_up: int,
    profile: bool = False,
) -> tuple[float, float]:
    """Alternate the two clients for `rounds` rounds of `n` requests; return the ratio of
    their throughputs (valuescope / raw) over all rounds, and the raw client's CPU per
    request (ms)."""
    settings = ModelSettings(concurrency=concurrency)
    model = load_backend(f"openai:{model_name}@{base_url}", settings)
    assert isinstance(model, OpenAIModel)
    client = AsyncOpenAI(
        api_key="EMPTY", base_url=base_url, max_retries=0, timeout=settings.timeout_s
    )
    batch = [messages[i % len(messages)] for i in range(max(n, warm_up))]
    methods: Counter[str] = Counter()
    arms: dict[str, Round] = {
        "valuescope": valuescope_arm(model, batch, labels, methods),
        "raw": raw_arm(client, model_name, batch, concurrency),
    }
    print(f"target {title}")
    print(
        f"  {base_url}: {n} requests per client per round, {rounds} rounds, "
        f"concurrency {concurrency}, {warm_up} warm-up requests per client"
    )
    seconds: dict[str, list[float]] = {name: [] for name in arms}
    cpu: dict[str, list[float]] = {name: [] for name in arms}
    try:
        for run in arms.values():  # untimed: open the connection pools, lazy imports
            await run(warm_up)
        methods.clear()
        for r in range(rounds):
            order = ["valuescope", "raw"] if r % 2 == 0 else ["raw", "valuescope"]
            for name in order:
                c0, t0 = time.process_time(), time.perf_counter()
                await arms[name](n)
                seconds[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
            print(
                f"  round {r + 1:2}: valuescope {n / seconds['valuescope'][-1]:8.1f} req/s   "
                f"raw {n / seconds['raw'][-1]:8.1f} req/s   "
                f"ratio {seconds['raw'][-1] / seconds['valuescope'][-1]:.3f}"
            )
        if profile:
            for name in arms:
                profiler = cProfile.Profile()
                profiler.enable()
                await arms[name](n)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
                print(f"--- cProfile, one round of {name} (top 30 by tottime) ---")
                print(out.getvalue())
    finally:
        await model.aclose()
        await client.close()

    rate = {name: n * rounds / sum(values) for name, values in seconds.items()}
    ratio = rate["valuescope"] / rate["raw"]
    paired = statistics.median(
        raw / vs for vs, raw in zip(seconds["valuescope"], seconds["raw"], strict=True)
    )
    cpu_ms = {name: 1000 * sum(values) / (n * rounds) for name, values in cpu.items()}
    print(
        f"  valuescope: {rate['valuescope']:8.1f} req/s  {cpu_ms['valuescope']:.3f} ms client "
        f"CPU/request  (answers by method: {dict(methods)})"
    )
    print(f"  raw SDK:    {rate['raw']:8.1f} req/s  {cpu_ms['raw']:.3f} ms client CPU/request")
    print(f"  ratio valuescope/raw: {ratio:.3f} over all rounds (median per round {paired:.3f})")
    print(f"  client CPU per request, valuescope/raw: {cpu_ms['valuescope'] / cpu_ms['raw']:.3f}")
    if set(methods) != {"logprobs"}:
        print("  WARNING: valuescope fell back to sampling for some requests")
    print()
    return ratio, cpu_ms["raw"]


class _CannedCompletions:
    """Stands in for `client.chat.completions`: returns one parsed response at once."""

    def __init__(self) -> None:
        self.response = ChatCompletion.model_validate_json(completion_body())

    async def create(self, **_: object) -> ChatCompletion:
        return self.response


class _CannedClient:
    def __init__(self) -> None:
        self.chat = self
        self.completions = _CannedCompletions()

    async def close(self) -> None:
        return None


async def own_cost(
    messages: list[list[Message]], labels: list[str], n: int, concurrency: int, rounds: int = 5
) -> float:
    """valuescope's own CPU per `choose` (microseconds): `n` choose calls with the SDK call
    replaced in-process by a canned parsed response, minus `n` bare canned calls under the
    same semaphore. Median over alternating rounds."""
    model = load_backend("openai:stub@http://127.0.0.1:9/v1", ModelSettings())
    assert isinstance(model, OpenAIModel)
    canned = _CannedClient()
    for replica in model._replicas:
        replica.client = canned  # type: ignore[assignment]
    batch = [messages[i % len(messages)] for i in range(n)]
    payloads = [[m.model_dump() for m in item] for item in batch]
    semaphore = asyncio.Semaphore(concurrency)

    async def bare(payload: list[dict[str, str]]) -> None:
        async with semaphore:
            await canned.completions.create(model="stub", messages=payload)

    costs: list[float] = []
    for _ in range(rounds + 1):  # the first round warms up
        c0 = time.process_time()
        await asyncio.gather(*(model.choose(m, labels) for m in batch))
        c1 = time.process_time()
        await asyncio.gather(*(bare(p) for p in payloads))
        c2 = time.process_time()
        costs.append(((c1 - c0) - (c2 - c1)) / n * 1e6)
    return statistics.median(costs[1:])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per round, stub target")
    parser.add_argument("--rounds", type=int, default=20, help="rounds on the stub target")
    parser.add_argument(
        "--server-requests", type=int, default=12, help="per round, llama.cpp server target"
    )
    parser.add_argument("--server-rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--skip-server", action="store_true", help="only the stub target")
    parser.add_argument("--profile", action="store_true", help="cProfile a round of each")
    args = parser.parse_args()

    bank, items = schwartz_items(90)
    labels = labels_for(bank.scale)
    messages = [build_messages(item, bank.scale, ASC_NONE) for item in items]
    print("client overhead: valuescope OpenAIModel.choose vs raw openai.AsyncOpenAI")
    print(
        f"  same request: chat completion, max_tokens=1, logprobs=True, "
        f"top_logprobs={TOP_LOGPROBS}; Schwartz items {ASC_NONE.id}, cycled"
    )
    print()

    with stub_server() as url:
        stub_ratio, raw_cpu_ms = await compare(
            "(i) instant stub server",
            url,
            "stub",
            messages,
            labels,
            args.requests,
            args.rounds,
            args.concurrency,
            warm_up=min(args.requests, 4 * args.concurrency),
            profile=args.profile,
        )
    own_us = await own_cost(messages, labels, 2000, args.concurrency)
    print("valuescope's own work (SDK call replaced in-process by a canned parsed response):")
    print(
        f"  {own_us:.0f} us of CPU per choose (retry wrapper, option merging, Choice) = "
        f"{own_us / (10 * raw_cpu_ms):.1f}% of the raw SDK's {raw_cpu_ms:.2f} ms per request"
    )
    print()
    if args.skip_server:
        print("target (ii) llama_cpp.server: skipped (--skip-server)")
        print()
    elif not python_server_available():
        print(f"target (ii) llama_cpp.server: skipped: {PYSERVER_MISSING}")
        print()
    else:
        with llama_server(smollm2_path(), SERVER_ALIAS) as url:
            await compare(
                "(ii) llama_cpp.server, SmolLM2-135M",
                url,
                SERVER_ALIAS,
                messages,
                labels,
                args.server_requests,
                args.server_rounds,
                args.concurrency,
                warm_up=2,
            )
    print(f"throughput ratio: {stub_ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
