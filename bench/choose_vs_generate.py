"""`choose` (one forward pass, the label distribution) vs parsing free-text answers.

On the embedded model (SmolLM2-135M-Instruct on llama.cpp's server in this process, response
cache off), the same Schwartz items (first N round-robin, condition asc/none, messages from
`build_messages`) are answered by three arms, all through the same `LlamaCppModel`:

  (a) choose     `choose(messages, ["1".."6"])`: the distribution over the labels, its
                 argmax and expected score.
  (b) greedy     `generate(max_tokens=8, temperature=0)`; the answer is the first integer in
                 the text if it is 1..6, otherwise a parse failure.
  (c) sampled    K=10 `generate(max_tokens=8, temperature=1, sample_index=i)`, parsed like
                 (b): an empirical distribution, its mode and mean.

Same prefix reuse in every arm: the server runs with one slot (`ModelSettings(
concurrency=1)`), and before each timed arm that slot is set (untimed) to hold exactly the
token prefix that all items' prompts share (the chat template up to the statement), which is
what a run leaves behind between consecutive items: a `/completion` request whose prompt is
those token ids (`_common.prime`). Each arm's first request then evaluates its item's own
suffix (the server's prompt cache is on, its default); (c)'s later samples find the whole
prompt in the slot and evaluate only its last token, as any K-sample loop against llama.cpp's
server would. Every `choose` and `generate` of the embedded backend also asks the server's
/apply-template for the rendered prompt, in parallel (so (c) makes 10 of those). The arms'
order rotates from item to item so drift on a noisy machine hits all three.

`--threads` sets the server's threads (default: all cores). llama.cpp's threads spin-wait for
each other, so on a machine busy with other jobs fewer threads (even 1) are much faster.

Last line: `speedup: X.X`, the time of (c) over the time of (a).

    .venv/bin/python bench/choose_vs_generate.py [--items 20] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from _common import (
    ASC_NONE,
    common_prefix,
    embedded_model,
    prime,
    prompt_tokens,
    schwartz_items,
    summary,
)
from valuescope.instruments.likert import build_messages, labels_for, scale_points_shown
from valuescope.models import GenerateConfig, Message, ModelSettings
from valuescope.models._llamacpp import LlamaCppModel

K = 10
MAX_TOKENS = 8
ARMS = ("choose", "greedy", "sampled")
_INTEGER = re.compile(r"\d+")


def parse_label(text: str, labels: list[str]) -> str | None:
    """The first integer in `text` if it is one of the labels; None (a parse failure) if the
    first integer is out of range or there is none."""
    match = _INTEGER.search(text)
    if match is None:
        return None
    value = str(int(match.group()))
    return value if value in labels else None


@dataclass
class ItemResult:
    item_id: str
    times: dict[str, float] = field(default_factory=dict)
    evaluated: dict[str, int] = field(default_factory=dict)
    """Prompt tokens the server evaluated per arm (after its prompt cache), all requests."""
    probs: list[float] = field(default_factory=list)
    option_mass: float = 0.0
    greedy_text: str = ""
    greedy: str | None = None
    samples: list[str | None] = field(default_factory=list)


async def run_arm(
    model: LlamaCppModel, arm: str, messages: list[Message], labels: list[str], out: ItemResult
) -> None:
    if arm == "choose":
        choice = await model.choose(messages, labels)
        out.probs = choice.probs
        out.option_mass = choice.option_mass
    elif arm == "greedy":
        completion = await model.generate(messages, GenerateConfig(max_tokens=MAX_TOKENS))
        out.greedy_text = completion.text
        out.greedy = parse_label(completion.text, labels)
    else:
        out.samples = []
        for i in range(K):
            config = GenerateConfig(max_tokens=MAX_TOKENS, temperature=1.0, sample_index=i)
            completion = await model.generate(messages, config)
            out.samples.append(parse_label(completion.text, labels))


def mode(values: list[str], labels: list[str]) -> tuple[str, bool]:
    """The most frequent label (ties go to the lowest label) and whether there was a tie."""
    counts = Counter(values)
    top = max(counts.values())
    tied = [label for label in labels if counts.get(label, 0) == top]
    return tied[0], len(tied) > 1


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20, help="items to ask (max 90)")
    parser.add_argument("--threads", type=int, default=None, help="server threads")
    args = parser.parse_args()

    bank, items = schwartz_items(args.items)
    labels = labels_for(bank.scale)
    point = dict(zip(labels, scale_points_shown(bank.scale, ASC_NONE.order), strict=True))
    model = embedded_model(ModelSettings(concurrency=1, n_threads=args.threads))
    messages = [build_messages(item, bank.scale, ASC_NONE) for item in items]
    tokens = [await prompt_tokens(model, m) for m in messages]
    shared = common_prefix(tokens)

    print("choose vs generate on the embedded model (SmolLM2-135M-Instruct, no response cache)")
    print(
        f"  llama.cpp's server in this process: 1 slot, threads {model._server.key.threads}, "
        "prompt cache on"
    )
    print(f"  items: {len(items)} Schwartz items, round-robin, condition {ASC_NONE.id}")
    print(
        f"  prompt tokens: mean {statistics.fmean(len(t) for t in tokens):.0f}, "
        f"shared prefix {len(shared)} (in the server's slot before every timed arm)"
    )
    print(f"  (a) choose over labels {labels[0]}..{labels[-1]}")
    print(f"  (b) greedy generate, max_tokens={MAX_TOKENS}, first integer parsed")
    print(f"  (c) {K} sampled generations, temperature=1.0, max_tokens={MAX_TOKENS}, parsed")
    print()

    warm = ItemResult(item_id="warm-up")
    for arm in ARMS:  # untimed: load pages, build samplers, fill caches
        await prime(model, shared)
        await run_arm(model, arm, messages[0], labels, warm)

    results: list[ItemResult] = []
    header = (
        f"{'item':<6} {'a:argmax':>8} {'a:E':>5} {'a:mass':>6} {'b':>2} {'c:counts 1..6 fail':<22}"
        f" {'c:E':>5}  {'t_a ms':>7} {'t_b ms':>7} {'t_c ms':>7}  b:text"
    )
    print(header)
    started = time.perf_counter()
    for index, (item, item_messages) in enumerate(zip(items, messages, strict=True)):
        result = ItemResult(item_id=item.id)
        order = ARMS[index % 3 :] + ARMS[: index % 3]
        for arm in order:
            await prime(model, shared)
            evaluated = model.prompt_tokens_evaluated
            t0 = time.perf_counter()
            await run_arm(model, arm, item_messages, labels, result)
            result.times[arm] = time.perf_counter() - t0
            result.evaluated[arm] = model.prompt_tokens_evaluated - evaluated
        results.append(result)

        argmax = labels[max(range(len(labels)), key=lambda i: result.probs[i])]
        expected = sum(p * point[lab] for p, lab in zip(result.probs, labels, strict=True))
        parsed = [s for s in result.samples if s is not None]
        counts = " ".join(str(parsed.count(lab)) for lab in labels)
        fails = len(result.samples) - len(parsed)
        c_mean = f"{statistics.fmean(point[s] for s in parsed):5.2f}" if parsed else "  n/a"
        print(
            f"{item.id:<6} {argmax:>8} {expected:5.2f} {result.option_mass:6.3f} "
            f"{result.greedy or '-':>2} {counts + f' | {fails}':<22} {c_mean}  "
            f"{1000 * result.times['choose']:7.1f} {1000 * result.times['greedy']:7.1f} "
            f"{1000 * result.times['sampled']:7.1f}  {result.greedy_text!r}"
        )
    elapsed = time.perf_counter() - started

    n = len(results)
    agree_b = agree_c = ties = c_items = b_parsed = 0
    diff_ac: list[float] = []
    diff_ab: list[float] = []
    sample_failures = 0
    for r in results:
        argmax = labels[max(range(len(labels)), key=lambda i: r.probs[i])]
        expected = sum(p * point[lab] for p, lab in zip(r.probs, labels, strict=True))
        if r.greedy is not None:
            b_parsed += 1
            agree_b += argmax == r.greedy
            diff_ab.append(abs(expected - point[r.greedy]))
        parsed = [s for s in r.samples if s is not None]
        sample_failures += len(r.samples) - len(parsed)
        if parsed:
            c_items += 1
            top, tied = mode(parsed, labels)
            ties += tied
            agree_c += argmax == top
            diff_ac.append(abs(expected - statistics.fmean(point[s] for s in parsed)))

    times = {arm: [r.times[arm] for r in results] for arm in ARMS}
    total = {arm: sum(times[arm]) for arm in ARMS}
    print()
    print(f"per-item time ({n} items, {elapsed:.1f} s timed in all):")
    evaluated = {arm: statistics.fmean(r.evaluated[arm] for r in results) for arm in ARMS}
    print(f"  (a) choose        {summary(times['choose'])}   {evaluated['choose']:6.1f} tokens")
    print(f"  (b) greedy        {summary(times['greedy'])}   {evaluated['greedy']:6.1f} tokens")
    print(f"  (c) {K} samples    {summary(times['sampled'])}   {evaluated['sampled']:6.1f} tokens")
    print("  (tokens: prompt tokens the server evaluated per item, after its prompt cache)")
    print(f"  ratio (b)/(a): {total['greedy'] / total['choose']:.2f}")
    print(f"mean option_mass of (a): {statistics.fmean(r.option_mass for r in results):.3f}")
    print("parse failures:")
    print(f"  (b) {n - b_parsed}/{n} items")
    print(
        f"  (c) {sample_failures}/{n * K} samples; items with no parsed sample: {n - c_items}/{n}"
    )
    print("agreement:")
    print(f"  argmax(a) == parsed (b): {agree_b}/{b_parsed} items where (b) parsed")
    print(
        f"  argmax(a) == mode (c):   {agree_c}/{c_items} items where (c) parsed >= 1"
        f" ({ties} with a tied mode, broken toward the lowest label)"
    )
    print("mean absolute difference in expected score (scale points):")
    mad_ac = f"{statistics.fmean(diff_ac):.3f}" if diff_ac else "n/a"
    mad_ab = f"{statistics.fmean(diff_ab):.3f}" if diff_ab else "n/a"
    print(f"  (a) vs (c) mean of parsed samples: {mad_ac}  over {len(diff_ac)} items")
    print(f"  (a) vs (b) parsed answer:          {mad_ab}  over {len(diff_ab)} items")
    print(f"speedup: {total['sampled'] / total['choose']:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
