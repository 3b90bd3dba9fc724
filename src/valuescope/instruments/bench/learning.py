"""`learning`: learning a made-up rule in context (Vellish plurals, `data/learning.yaml`).

Conditions, each a part of the request design (every sample records `learn` and `k`):
- `examples`, k = 0, 1, 2, 4, 8, ...: k other items (never the test item) with their right
  answers as earlier user/assistant turns, then the test item. The examples of a test item
  are the first k of one seeded shuffle of the other items (`learning-<seed>-<item id>`),
  so the k = 2 examples contain the k = 1 example: the curve moves by what one more
  example adds, not by which examples were drawn. k = 0 is the baseline.
- `instruction` (k = 0): the file's `rule`, stated outright before the question;
- `concept` (k = 0): the file's `concept`, the idea behind the rule without the rule;
- `experience` (k = K, the largest k asked): the same K items as `examples` at K, but the
  model answers each itself and is told right or wrong with the right answer
  (`feedback.py`); K + 1 calls per answer. Compare it with `examples` at K: the same items,
  given versus earned.
The largest k is `--max-k` (default 8), capped by the items there are (the others of the
file) and by the context: a prompt's tokens are estimated as characters / 3 (generous for
English, so the estimate errs long) and k values whose longest prompt would pass the model's
context (`--n-ctx`, the embedded model's window; for a server the same setting is assumed,
as its window is not asked) less 64 tokens are dropped and the results say so. Each answer
also records the prompt's real token count from the backend (`prompt_tokens`), and the
largest seen is reported.

Figures: the curve (accuracy with its CI per k), the k where it peaks (the smallest k
with the highest accuracy), and the conditions' table (baseline, instruction, concept,
examples at K, experience at K).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuescope.instruments.bench.feedback import example_turns
from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.registry import Benchmark, load_yaml_file, load_yaml_items
from valuescope.instruments.bench.requests import BenchSample, Order, Request, orders_for
from valuescope.instruments.bench.summary import accuracy, show

if TYPE_CHECKING:
    from valuescope.instruments.bench.config import BenchConfig

DEFAULT_MAX_K = 8
CHARS_PER_TOKEN = 3
ANSWER_ROOM = 64
FEEDBACK_CHARS = 80
"""A feedback line's length, at most ("Wrong: the right answer is B (...)")."""


def load(path: Path | None) -> list[BenchItem]:
    return load_yaml_items("learning", path)


def powers(limit: int) -> list[int]:
    ks, k = [0], 1
    while k <= limit:
        ks.append(k)
        k *= 2
    return ks


def examples_for(item: BenchItem, pool: list[BenchItem], seed: int) -> list[BenchItem]:
    others = [p for p in pool if p.id != item.id]
    random.Random(f"learning-{seed}-{item.id}").shuffle(others)
    return others


def _chars(item: BenchItem) -> int:
    return len(item.question) + sum(len(o) + 4 for o in item.options) + 80


def k_plan(items: list[BenchItem], pool: list[BenchItem], config: BenchConfig) -> dict[str, Any]:
    """The k values asked and why the largest is what it is."""
    asked = DEFAULT_MAX_K if config.max_k is None else config.max_k
    limit = min(asked, len(pool) - 1)
    window = config.settings.n_ctx - ANSWER_ROOM
    fits = [
        k
        for k in powers(limit)
        if max(
            sum(_chars(e) + FEEDBACK_CHARS for e in examples_for(i, pool, config.seed)[:k])
            + _chars(i)
            for i in items
        )
        // CHARS_PER_TOKEN
        <= window
    ]
    dropped = [k for k in powers(limit) if k not in fits]
    note = f"--max-k {asked}"
    if limit < asked:
        note += f", capped at {limit} (the other items of the file)"
    if dropped:
        note += f"; k {dropped} dropped: the estimated prompt passes n_ctx {config.settings.n_ctx}"
    return {"ks": fits, "max_k": max(fits), "limit": note}


def design(items: list[BenchItem], pool: list[BenchItem], config: BenchConfig) -> list[Request]:
    ks = k_plan(items, pool, config)["ks"]
    top = max(ks)
    files = load_yaml_file("learning", Path(config.data) if config.data else None)
    requests: list[Request] = []
    for item in items:
        drawn = examples_for(item, pool, config.seed)
        for order in orders_for(len(item.options), config.orders, config.seed):

            def ask(learn: str, k: int, order: Order = order, **kw: Any) -> Request:
                condition = f"{learn}-k{k}/{order.id}"
                return Request(item, order, condition, learn=learn, k=k, **kw)  # noqa: B023

            requests += [ask("examples", k, prefix=example_turns(drawn[:k])) for k in ks]
            if files.rule:
                requests.append(ask("instruction", 0, preamble=f"Rule: {files.rule}"))
            if files.concept:
                requests.append(ask("concept", 0, preamble=f"Background: {files.concept}"))
            if top:
                requests.append(ask("experience", top, feedback=tuple(drawn[:top])))
    return requests


def figures(items: list[BenchItem], samples: list[BenchSample], seed: int = 0) -> dict[str, Any]:
    def acc(learn: str, k: int) -> dict[str, Any] | None:
        mine = [s for s in samples if s.learn == learn and s.k == k]
        return accuracy(items, mine, seed).model_dump() if mine else None

    ks = sorted({s.k for s in samples if s.learn == "examples" and s.k is not None})
    curve = {str(k): acc("examples", k) for k in ks}
    scored = [(a["accuracy"], -k) for k in ks if (a := curve[str(k)]) and a["accuracy"] is not None]
    top = max(ks, default=0)
    conditions = {
        "baseline (k=0)": acc("examples", 0),
        "instruction (rule)": acc("instruction", 0),
        "concept": acc("concept", 0),
        f"examples (k={top})": acc("examples", top),
        f"experience (k={top}, feedback)": acc("experience", top),
    }
    tokens = [s.prompt_tokens for s in samples if s.prompt_tokens]
    return {
        "curve": curve,
        "peak_k": -max(scored)[1] if scored else None,
        "conditions": {k: v for k, v in conditions.items() if v is not None},
        "max_prompt_tokens": max(tokens) if tokens else None,
    }


def describe(figures: dict[str, Any]) -> list[str]:
    def line(a: dict[str, Any]) -> str:
        low, high = a["ci"]
        return f"{show(a['accuracy'])} [{show(low)}-{show(high)}]"

    curve = "; ".join(f"k={k} {line(a)}" for k, a in (figures.get("curve") or {}).items() if a)
    rows = [f"{name}: {line(a)}" for name, a in (figures.get("conditions") or {}).items()]
    design = figures.get("design") or {}
    return [
        f"learning curve (accuracy vs k examples): {curve}",
        f"peak at k={figures.get('peak_k')}; k values: {design.get('limit', '')}; "
        f"longest prompt {figures.get('max_prompt_tokens')} tokens",
        "conditions: " + "; ".join(rows),
    ]


BENCHMARK = Benchmark(
    name="learning",
    help=(
        "In-context learning of a made-up rule (Vellish plurals): accuracy as a function of "
        "k worked examples (k = 0, 1, 2, 4, ... up to --max-k and the context), and "
        "learning from instruction (the rule), from the concept, and from experience "
        "(feedback turns on the model's own answers). Reports the curve with CIs, the k "
        "where it peaks, and the conditions' table."
    ),
    load=load,
    figures=figures,
    design=design,
    design_notes=k_plan,
    describe=describe,
    data_help=(
        "A YAML file in valuescope's item format (a task family: items whose answers follow "
        "one rule), with optional top-level `rule` and `concept` texts; default: "
        "valuescope's Vellish plurals (32 items)."
    ),
)
