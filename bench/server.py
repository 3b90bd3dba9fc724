"""valuescope vs a plain generate-and-parse client, against the same local llama.cpp server.

Both arms answer the same questionnaire: the first N Schwartz items (default 60, taken
round-robin across the values as `valuescope measure --limit N` takes them), each under the
4 administrations of `--paraphrases 0` (2 option orders x 2 framings), with the same number
of requests in flight (default 4) and no response cache.

  (a) valuescope:        the run path of `valuescope measure --model openai:smollm2@URL
                         --limit N --paraphrases 0 --concurrency C --no-cache` into a
                         temporary run directory: one `choose` request per administration
                         (`max_tokens=1`, `logprobs`, `top_logprobs=20`), the distribution
                         over the labels 1..6, samples.jsonl, scoring and results.json.
  (b) generate-and-parse: the raw `openai.AsyncOpenAI` SDK sends the same chat messages
                         (valuescope's own prompt builder, same items, same administrations,
                         same order) with `temperature=0, max_tokens=4` under an
                         `asyncio.Semaphore(C)`; the answer is the first integer in the
                         text if it is 1..6, otherwise a parse failure (counted).

Fairness: each arm runs against a fresh server process (started, loaded and sent one
untimed warm-up request with an unrelated prompt, then timed, then stopped), so neither arm
finds the other's prompts in the server's KV or prompt cache. With `--rounds R` the arms
alternate, the order flipped each round, so a noisy machine slows both. Both arms produce
one answer per (item, administration), so the ratio compares the same amount of work:
(b) is what a user without valuescope would write to get a single answer per prompt, (a)
also gets the whole distribution and a scored, resumable run.

The server's own accounting: both servers log the prompt tokens each request evaluated
(llama.cpp's server: `prompt eval time = .. ms / N tokens` per task, logged because the
launcher runs with `--verbose`; llama_cpp.server: llama.cpp's `llama_perf_context_print` per
call), which is the prompt minus what its cache reused. The script reads the log lines
written during the timed part of each arm.

Servers (`--server`):
  cpp     llama.cpp's C++ server from the prebuilt xllamacpp wheel, in its own process:
          `python -m valuescope.models.llama_server --parallel C --ctx-size 2048*C
          --verbose` (C slots of 2048 tokens each, continuous batching; flash attention
          left at the launcher's default, auto).
  python  `python -m llama_cpp.server --n_ctx 2048`: one request at a time. Needs
          llama-cpp-python (`pip install '.[pyserver]'`); without it the script says so
          and exits with status 2.

Last line: `ratio: X.XX` = generate-and-parse wall time / valuescope wall time, over all
rounds (the same number of answers in each arm).

    .venv/bin/python bench/server.py [--server cpp|python] [--items 60] [--concurrency 4]
                                     [--rounds 1] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
from openai import AsyncOpenAI

from _common import PYSERVER_MISSING, free_port, schwartz_items
from helpers.local_servers import (
    ServerDidNotStart,
    cpp_server_command,
    python_server_available,
    python_server_command,
    serve,
)
from valuescope import ameasure
from valuescope.instruments.likert import (
    all_conditions,
    build_messages,
    labels_for,
)
from valuescope.models import CachedModel, ModelSettings
from valuescope.models._embedded import smollm2_path

ServerKind = Literal["cpp", "python"]
ALIAS = "smollm2"
SLOT_CTX = 2048
"""Context tokens per request: each C++ server slot, and llama_cpp.server's --n_ctx."""
GENERATE_MAX_TOKENS = 4
ARMS = ("valuescope", "generate-and-parse")
WARM_UP = "Name three colours."
_PROMPT_EVAL = re.compile(r"prompt eval time =\s*[\d.]+ ms /\s*(\d+) tokens")
_INTEGER = re.compile(r"\d+")


@dataclass
class Server:
    """A running server: its OpenAI base URL and the file its log goes to."""

    url: str
    log: Path

    def log_size(self) -> int:
        return self.log.stat().st_size

    def prompt_evals(self, since: int) -> list[int]:
        """Prompt tokens evaluated per request, from the log lines written after byte
        `since` (read once the server has stopped, so every line is flushed)."""
        with self.log.open("rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        return [int(n) for n in _PROMPT_EVAL.findall(text)]


@contextmanager
def run_server(
    kind: ServerKind, gguf: Path, concurrency: int, threads: int, log: Path
) -> Iterator[Server]:
    """Start a fresh server of `kind` serving `gguf` as `smollm2` on 127.0.0.1 with
    `threads` threads; stop it on exit. Its stdout and stderr go to `log` (printed in part
    if it fails to start)."""
    port = free_port()
    if kind == "cpp":
        slots = ["--parallel", str(concurrency), "--ctx-size", str(SLOT_CTX * concurrency)]
        # --verbose: llama.cpp's own log, with the per-task `prompt eval time` lines
        command = cpp_server_command(gguf, ALIAS, port, *slots, "--verbose", threads=threads)
    else:
        command = python_server_command(gguf, ALIAS, port, SLOT_CTX, threads)
    try:
        with serve(command, port, log) as url:
            yield Server(url=url, log=log)
    except ServerDidNotStart as exc:
        raise SystemExit(str(exc)) from None


def warm_up(url: str) -> None:
    """One untimed request with an unrelated prompt: first-request costs (thread pools,
    allocations) are paid before the clock starts, and no questionnaire prompt is cached."""
    response = httpx.post(
        url + "/chat/completions",
        json={
            "model": ALIAS,
            "messages": [{"role": "user", "content": WARM_UP}],
            "max_tokens": 8,
            "temperature": 0.0,
        },
        timeout=120.0,
    )
    response.raise_for_status()


@dataclass
class ArmRun:
    """One timed arm against one fresh server."""

    seconds: float
    answers: int
    failures: int
    """generate-and-parse: parse failures; valuescope: answers below --min-option-mass."""
    prompt_tokens: int
    """Prompt tokens of all requests, as the responses' `usage` reports them."""
    evaluated: list[int] = field(default_factory=list)
    """Prompt tokens the server evaluated per request, from its log."""
    option_mass: float | None = None
    answering_s: float | None = None
    """valuescope: from the first request to the last answer (the rest is set-up, scoring
    and results.json)."""


class _Clock:
    """valuescope's progress hook, used only to time the answering window of a run."""

    def __init__(self) -> None:
        self.started = 0.0
        self.last = 0.0

    def start(self, total: int, already_done: int, directory: Path) -> None:
        self.started = time.perf_counter()

    def advance(self, sample: object, model: CachedModel) -> None:
        self.last = time.perf_counter()


async def valuescope_measure(url: str, items: int, concurrency: int, out: Path) -> ArmRun:
    """Arm (a): valuescope's measure API, exactly as `valuescope measure` runs it. The one
    function that touches valuescope's run API."""
    clock = _Clock()
    t0 = time.perf_counter()
    run = await ameasure(
        f"openai:{ALIAS}@{url}",
        out=out,
        progress=clock,
        settings=ModelSettings(concurrency=concurrency),
        use_cache=False,
        limit=items,
        paraphrases=0,
    )
    seconds = time.perf_counter() - t0
    overall = run.results.overall
    if set(overall.methods) != {"logprobs"}:
        print(f"  WARNING: valuescope answered some requests by sampling: {overall.methods}")
    return ArmRun(
        seconds=seconds,
        answers=overall.n_samples,
        failures=overall.n_invalid,
        prompt_tokens=run.results.usage.prompt_tokens,
        option_mass=overall.option_mass,
        answering_s=clock.last - clock.started,
    )


def parse_label(text: str, labels: Sequence[str]) -> str | None:
    """The first integer in `text` if it is one of the labels, else None (a failure)."""
    match = _INTEGER.search(text)
    if match is None:
        return None
    value = str(int(match.group()))
    return value if value in labels else None


async def generate_and_parse(
    url: str, requests: list[list[dict[str, str]]], labels: list[str], concurrency: int
) -> ArmRun:
    """Arm (b): the raw SDK, greedy 4-token answers parsed for a label."""
    client = AsyncOpenAI(
        api_key="EMPTY", base_url=url, max_retries=0, timeout=ModelSettings().timeout_s
    )
    semaphore = asyncio.Semaphore(concurrency)

    async def one(messages: list[dict[str, str]]) -> tuple[str | None, int]:
        async with semaphore:
            response = await client.chat.completions.create(
                model=ALIAS,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=GENERATE_MAX_TOKENS,
                temperature=0.0,
            )
        text = response.choices[0].message.content or ""
        prompt = response.usage.prompt_tokens if response.usage is not None else 0
        return parse_label(text, labels), prompt

    t0 = time.perf_counter()
    try:
        answers = await asyncio.gather(*(one(m) for m in requests))
    finally:
        await client.close()
    return ArmRun(
        seconds=time.perf_counter() - t0,
        answers=len(answers),
        failures=sum(label is None for label, _ in answers),
        prompt_tokens=sum(prompt for _, prompt in answers),
    )


def questionnaire(items: int) -> tuple[list[list[dict[str, str]]], list[str]]:
    """The messages valuescope sends for each (item, administration), in its order, and
    the labels."""
    bank, chosen = schwartz_items(items)
    conditions = all_conditions(0)
    requests = [
        [m.model_dump() for m in build_messages(item, bank.scale, condition)]
        for item in chosen
        for condition in conditions
    ]
    return requests, labels_for(bank.scale)


def describe(name: str, runs: list[ArmRun]) -> str:
    seconds = sum(r.seconds for r in runs)
    answers = sum(r.answers for r in runs)
    requests = answers  # one request per answer in both arms
    evaluated = [n for r in runs for n in r.evaluated]
    lines = [
        f"  {name}:",
        f"    wall {seconds:8.2f} s   answers {answers}   {seconds / answers:.4f} s/answer",
        f"    prompt tokens per request: {sum(r.prompt_tokens for r in runs) / requests:.1f} "
        "sent (usage)   "
        + (
            f"{statistics.fmean(evaluated):.1f} evaluated (server log, {len(evaluated)} "
            f"requests logged, median {statistics.median(evaluated):.0f})"
            if evaluated
            else "evaluated: not in the server log"
        ),
    ]
    failures = sum(r.failures for r in runs)
    if name == "valuescope":
        masses = [r.option_mass for r in runs if r.option_mass is not None]
        answering = sum(r.answering_s or 0.0 for r in runs)
        lines.append(
            f"    mean option mass {statistics.fmean(masses):.3f}   invalid (mass < 0.25) "
            f"{failures}   answering {answering:.2f} s, set-up + scoring "
            f"{seconds - answering:.2f} s"
        )
    else:
        lines.append(f"    parse failures {failures} of {answers}")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=["cpp", "python"], default="cpp")
    parser.add_argument("--items", type=int, default=60, help="Schwartz items (max 90)")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=1, help="alternations of the two arms")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 2,
        help="server threads (default: all cores; fewer if other jobs share the machine: "
        "llama.cpp's threads spin-wait for each other, so a busy machine slows them badly)",
    )
    args = parser.parse_args()
    kind: ServerKind = args.server
    if kind == "python" and not python_server_available():
        print(f"--server python: {PYSERVER_MISSING}", file=sys.stderr)
        raise SystemExit(2)

    requests, labels = questionnaire(args.items)
    n_items = len(requests) // len(all_conditions(0))
    server_name = {
        "cpp": f"llama.cpp's C++ server (xllamacpp wheel, own process), --parallel "
        f"{args.concurrency}, --ctx-size {SLOT_CTX * args.concurrency}",
        "python": f"python -m llama_cpp.server, --n_ctx {SLOT_CTX}",
    }[kind]
    print("valuescope measure vs generate-and-parse on the same server")
    print(
        f"  server: {server_name}, SmolLM2-135M-Instruct, {args.threads} threads "
        f"({os.cpu_count()} cores)"
    )
    print(
        f"  {n_items} Schwartz items x {len(all_conditions(0))} administrations = "
        f"{len(requests)} answers per arm per round, concurrency {args.concurrency}, "
        f"{args.rounds} round(s), no response cache, a fresh server per arm"
    )
    print("  (a) valuescope: measure, choose with max_tokens=1 + top_logprobs=20")
    print(
        f"  (b) generate-and-parse: raw AsyncOpenAI, temperature 0, "
        f"max_tokens={GENERATE_MAX_TOKENS}, first integer parsed"
    )
    print()

    runs: dict[str, list[ArmRun]] = {name: [] for name in ARMS}
    gguf = smollm2_path()
    with tempfile.TemporaryDirectory(prefix="valuescope-bench-server-") as tmp:
        for r in range(args.rounds):
            order = ARMS if r % 2 == 0 else ARMS[::-1]
            for name in order:
                log = Path(tmp) / f"{name}-{r}.log"
                load = os.getloadavg()[0]
                with run_server(kind, gguf, args.concurrency, args.threads, log) as server:
                    warm_up(server.url)
                    since = server.log_size()
                    run: ArmRun
                    if name == "valuescope":
                        out = Path(tmp) / f"run-{r}"
                        run = await valuescope_measure(
                            server.url, args.items, args.concurrency, out
                        )
                    else:
                        run = await generate_and_parse(
                            server.url, requests, labels, args.concurrency
                        )
                run.evaluated = server.prompt_evals(since)
                runs[name].append(run)
                print(
                    f"  round {r + 1} {name:>18}: {run.seconds:7.2f} s  {run.answers} answers  "
                    f"{run.seconds / run.answers:.4f} s/answer  (machine load before: {load:.1f}, "
                    f"after: {os.getloadavg()[0]:.1f})"
                )
    print()
    for name in ARMS:
        print(describe(name, runs[name]))
    answers = {name: sum(r.answers for r in runs[name]) for name in ARMS}
    if answers["valuescope"] != answers["generate-and-parse"]:
        print(f"  WARNING: the arms gave different numbers of answers: {answers}")
    seconds = {name: sum(r.seconds for r in runs[name]) for name in ARMS}
    print()
    print(f"ratio: {seconds['generate-and-parse'] / seconds['valuescope']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
