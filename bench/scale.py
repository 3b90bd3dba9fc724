"""Scale: `valuescope measure` at the size of published studies, against an instant server.

For each design it runs the real command line (`python -m valuescope measure --model
openai:stub@URL ... --concurrency 64 --no-cache`) in a process of its own against
`_stub_openai.py` (a separate process that answers every request at once), and reports:

- answers/s: answers over the command's wall time (start-up, answering, summaries, report);
- raw answers/s: the bare `openai.AsyncOpenAI` client sending the same number of the same
  chat requests at the same concurrency, in this process, right after (what a user's own
  script would reach); and valuescope's share of it;
- max RSS of the measure process (`os.wait4`), in MB.

Designs:
- `standard`: Big Five, 100 respondents (9,540 answers);
- `full`: Big Five, 50 personas x 36 phrasings (162,180 answers);
- `1m`: the IPIP-NEO-300 bank under `full` (1,080,180 answers, the size of a PsyBORGS run).

    .venv/bin/python bench/scale.py                      # standard, full, 1m
    .venv/bin/python bench/scale.py --designs standard   # a quick look

The last line is `rss_mb_at_1m: X` (max RSS of the 1m run; `n/a` when it was not run).
Issue 23's targets: 1,500 answers/s or more, 0.9 of the raw client or more, and 400 MB or
less at a million answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openai import AsyncOpenAI

DESIGNS = {
    "standard": ["--framework", "bigfive", "--design", "standard"],
    "full": ["--framework", "bigfive", "--design", "full"],
    "1m": ["--framework", "bigfive", "--items", "ipip_neo300", "--design", "full"],
}
CONCURRENCY = 64


def start_stub() -> tuple[subprocess.Popen[str], str]:
    script = Path(__file__).with_name("_stub_openai.py")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline().split()[1])
    return process, f"http://127.0.0.1:{port}/v1"


def run_measure(url: str, design: str, out: Path) -> tuple[int, float, float]:
    """(answers, wall seconds, max RSS in MB) of one `valuescope measure` process."""
    command = [
        sys.executable, "-m", "valuescope", "measure", "--model", f"openai:stub@{url}",
        *DESIGNS[design], "--concurrency", str(CONCURRENCY), "--no-cache", "--out", str(out),
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        assert process.stderr is not None
        raise SystemExit(f"measure {design} failed: {process.stderr.read().decode()[-2000:]}")
    answers = json.loads((out / "results.json").read_text())["usage"]["model_calls"]
    return answers, seconds, usage.ru_maxrss / 1024


async def raw_client(url: str, n: int) -> float:
    """Seconds the bare SDK takes for `n` choose-shaped requests at CONCURRENCY."""
    client = AsyncOpenAI(api_key="EMPTY", base_url=url, max_retries=0, timeout=120)
    semaphore = asyncio.Semaphore(CONCURRENCY)
    messages = [{"role": "user", "content": "How much does this describe you? I am the life of "
                 "the party. Answer with a number from 1 to 5."}]  # fmt: skip

    async def one() -> None:
        async with semaphore:
            response = await client.chat.completions.create(
                model="stub", messages=messages, max_tokens=1, temperature=0, logprobs=True,  # type: ignore[arg-type]
                top_logprobs=20,
            )  # fmt: skip
            assert response.choices[0].logprobs is not None

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    seconds = time.perf_counter() - started
    await client.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--designs", default="standard,full,1m")
    args = parser.parse_args()
    stub, url = start_stub()
    rss_at_1m: float | None = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for design in args.designs.split(","):
                answers, seconds, rss = run_measure(url, design, Path(tmp) / design)
                raw = answers / asyncio.run(raw_client(url, answers))
                mine = answers / seconds
                print(f"{design}: {answers} answers in {seconds:.1f} s: {mine:.0f} answers/s; "
                      f"raw AsyncOpenAI {raw:.0f} answers/s; ratio {mine / raw:.2f}; "
                      f"max RSS {rss:.0f} MB", flush=True)  # fmt: skip
                if design == "1m":
                    rss_at_1m = rss
    finally:
        stub.kill()
    print(f"rss_mb_at_1m: {'n/a' if rss_at_1m is None else f'{rss_at_1m:.0f}'}")


if __name__ == "__main__":
    main()
