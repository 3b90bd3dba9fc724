"""How fast `valuescope view` answers with 1,000 runs and a run of 100,000 samples, beside
what a user would run instead to see the same things.

Made here (no model): RUNS_DIR with 1,000 small runs (copies of one real-shaped manifest)
and one run of 100,000 questionnaire samples (each a full record: prompt, labels,
probabilities). Timed through the ASGI app in-process (no network), each request several
times; the first request for the big run builds its sample index, later ones reuse it.

Compared (one run, same machine, so the ratios hold on a noisy one):
- the run list page vs `valuescope.runs.list_runs(RUNS_DIR)` (what `valuescope runs` reads);
- a page of answers of the 100,000-sample run vs `load_run(dir)` (pandas, every sample:
  what a notebook user runs to look at answers).

    python bench/view.py [--runs 1000] [--samples 100000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from valuescope.runs import list_runs, load_run
from valuescope.view import create_app

PROMPT = (
    "<|im_start|>user\nHow much do you agree that the statement describes you? Choose one "
    "option.\n1 = Disagree completely\n2 = Mostly disagree\n3 = Neither agree nor disagree\n"
    '4 = Mostly agree\n5 = Agree completely\n\n"I enjoy thinking about abstract ideas."\n'
    "Your answer:<|im_end|>\n<|im_start|>assistant\n"
)


def make_runs(root: Path, runs: int, samples: int) -> Path:
    for i in range(runs):
        folder = root / f"2026110{i % 9 + 1}T{i % 24:02d}0000Z-measure-bigfive-m{i}"
        folder.mkdir(parents=True)
        manifest = {"command": "measure", "instrument": "bigfive", "model": f"model-{i % 7}",
                    "created_utc": f"2026-11-0{i % 9 + 1}T{i % 24:02d}:00:00+00:00",
                    "model_identity": "x", "seed": 0, "config": {}, "versions": {}}  # fmt: skip
        (folder / "manifest.json").write_text(json.dumps(manifest))
        (folder / "samples.jsonl").write_text("")
        (folder / "results.json").write_text(json.dumps({"command": "measure", "model": "m"}))
    big = root / "20261201T000000Z-measure-bigfive-big"
    big.mkdir()
    manifest = {"command": "measure", "instrument": "bigfive", "model": "big",
                "created_utc": "2026-12-01T00:00:00+00:00", "model_identity": "x", "seed": 0,
                "config": {}, "versions": {}}  # fmt: skip
    (big / "manifest.json").write_text(json.dumps(manifest))
    dims = ["openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"]
    with (big / "samples.jsonl").open("w") as handle:
        for i in range(samples):
            record = {"schema_version": 1, "item_id": f"it{i}", "condition": "asc/none",
                      "valid": i % 11 != 0, "invalid_reason": None, "dimension": dims[i % 5],
                      "order": "asc", "framing": "none", "prompt": PROMPT,
                      "labels": ["1", "2", "3", "4", "5"], "scale_points": [1, 2, 3, 4, 5],
                      "probs": [0.1, 0.2, 0.3, 0.25, 0.15], "option_mass": 0.6,
                      "method": "logprobs", "score": 3.15, "cached": False}  # fmt: skip
            handle.write(json.dumps(record) + "\n")
    return big


def timed(label: str, call: Callable[[], object], repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(f"{label:58} first {seconds[0] * 1000:8.1f} ms   median {median * 1000:8.1f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "runs"
        start = time.perf_counter()
        big = make_runs(root, args.runs, args.samples)
        size = (big / "samples.jsonl").stat().st_size / 1e6
        print(f"made {args.runs} runs and one of {args.samples} samples ({size:.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        client = TestClient(create_app(root), base_url="http://127.0.0.1:8765")
        name = big.name

        def get(path: str) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        run_list = timed("viewer: run list, page 1", lambda: get("/"), args.repeat)
        timed("viewer: run list, model filter", lambda: get("/?model=model-3"), args.repeat)
        listing = timed("instead: list_runs (valuescope runs)", lambda: list_runs(root),
                        args.repeat)  # fmt: skip
        page = timed("viewer: big run, answers page 1", lambda: get(f"/run/{name}"), args.repeat)
        last = args.samples // 25
        timed(f"viewer: big run, answers page {last}", lambda: get(f"/run/{name}?page={last}"),
              args.repeat)  # fmt: skip
        timed("viewer: big run, filtered (group + invalid)",
              lambda: get(f"/run/{name}?group=openness&valid=0&page=3"), args.repeat)  # fmt: skip
        pandas = timed("instead: load_run (pandas, every sample)", lambda: load_run(big),
                       max(2, args.repeat // 2))  # fmt: skip
    print(f"run list: viewer page vs list_runs = {run_list / listing:.2f}x the time")
    print(
        f"answers: viewer page vs load_run = {page / pandas:.3f}x the time "
        f"({pandas / page:.0f}x faster)"
    )


if __name__ == "__main__":
    main()
