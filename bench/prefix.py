"""Prompt (prefix) caching in llama.cpp's server: `choose` with it vs without it.

Many Schwartz items (default 40, round-robin, condition asc/none) are asked after one long,
shared survey instruction (a system message of ~450 tokens); only the short item that
follows differs. The embedded backend (`LlamaCppModel`: llama.cpp's server in this process,
from the xllamacpp wheel) runs with ONE slot (`ModelSettings(concurrency=1)`), so every
request meets the KV cache that the previous request left in that slot. `model.choose` is
timed on each item in two arms that differ only in one field of the request body:

  reuse   `"cache_prompt": true` (llama.cpp's default): the slot holds the prefix every
          item's prompt shares (the instruction and the chat template up to the
          statement), as it does between consecutive items of a run, and the server
          evaluates only the item's own suffix.
  full    `"cache_prompt": false`: the server ignores what the slot holds and evaluates
          every token of the prompt.

The flag is added by a thin wrapper around the model's OpenAI client (`CachePrompt`), so
both arms run the same `choose` code and send the same request otherwise (`max_tokens=1`,
`logprobs`, `top_logprobs=20`; `choose` also asks the server's /apply-template for the
rendered prompt, in parallel, in both arms). Before every timed call, in both arms, the
slot is set (untimed) to hold exactly the shared prefix, by a `/completion` request whose
prompt is those token ids (`_common.prime`); without that, an item asked in the full arm
first would leave its *whole* prompt cached and flatter the reuse arm. The arms alternate
which goes first from item to item. Each response's `usage.prompt_tokens_details.
cached_tokens` and the server's own `timings.prompt_ms` are printed per arm: they show
that the reuse arm reused the prefix and the full arm reused nothing.

Both arms must give the same probabilities up to float noise: evaluating the prefix in a
separate batch changes how the prompt is split into batches, which moves log-probabilities
(by up to ~0.05 for this model). The largest absolute difference in probabilities is
printed, not asserted, beside a reference measured in the same run: the same item with the
slot holding half the prefix instead of all of it (cache on both times, only the batch
split differs), on the first few items.

`--threads` sets the server's threads (default: all cores). llama.cpp's threads spin-wait for
each other, so on a machine busy with other jobs fewer threads (even 1) are much faster.

Last line: `speedup: X.X`, the time of full over the time of reuse.

    .venv/bin/python bench/prefix.py [--items 40] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from openai import AsyncOpenAI

from _common import (
    ASC_NONE,
    common_prefix,
    embedded_model,
    prime,
    prompt_tokens,
    schwartz_items,
    summary,
)
from valuescope.instruments.likert import build_messages, labels_for
from valuescope.models import Choice, Message, ModelSettings, system
from valuescope.models._llamacpp import LlamaCppModel

ARMS = ("reuse", "full")
REFERENCE_ITEMS = 5
"""Items on which the batch-split reference (half the prefix cached vs all) is measured."""

INSTRUCTIONS = """\
Welcome to the Personal Values Study. Thank you for agreeing to take part. This \
questionnaire is part of a research project on what people consider important in life, and \
it takes about fifteen minutes to complete. Please read these instructions carefully before \
you begin.

In the pages that follow you will see a series of short statements. Each statement \
describes a person's goals, aspirations or wishes, and the things that matter to them. For \
every statement, we ask you to decide how well it describes you. There are no right or \
wrong answers, and no answer is better than another: people differ in what they value, and \
we are interested in your honest view of yourself, not in what you think you should value \
or what other people expect of you.

How to answer:
- Read each statement on its own and answer it without looking back at your earlier \
answers. The statements are not a test of consistency; some of them are deliberately \
similar.
- Think about how you are in general, across most situations, rather than how you felt \
today or how you behaved in one particular situation.
- Give the answer that first comes to mind. Do not spend a long time on any one statement.
- Use the whole range of the scale. If a statement describes you only partly, choose one of \
the middle options rather than an extreme one.
- Answer every statement, even if you are unsure. If none of the options seems exactly \
right, choose the one that comes closest.

The response scale has six points, from 1 (the statement does not describe you at all) to \
6 (the statement describes you exactly). The labels of the options are listed with each \
statement. Answer with the number of the option only, without any explanation, comment or \
other text, because your answers are read automatically and anything else cannot be \
recorded.

Your answers are confidential. They are stored without your name or any other information \
that could identify you, they are analysed only in aggregate, and they will be used for \
research purposes only. You may stop at any time without giving a reason.

Some statements mention work, family, friends, money or religion. If a statement refers to \
a situation you have not experienced, imagine how you would feel in it and answer \
accordingly. When you are ready, please begin with the first statement below.\
"""


class CachePrompt:
    """Stands in for the model's `AsyncOpenAI` client: every chat request it forwards gets
    `"cache_prompt": <value>` in its body (llama.cpp's server option), and the last response
    is kept so the script can read the server's `usage` and `timings`."""

    def __init__(self, client: AsyncOpenAI) -> None:
        self._client = client
        self.value = True
        self.responses: list[Any] = []
        self.chat = self
        self.completions = self

    async def create(self, **kwargs: Any) -> Any:
        extra = dict(kwargs.pop("extra_body", None) or {})
        extra["cache_prompt"] = self.value
        response = await self._client.chat.completions.create(**kwargs, extra_body=extra)
        self.responses.append(response)
        return response

    async def close(self) -> None:
        await self._client.close()


def install(model: LlamaCppModel) -> CachePrompt:
    """Wrap the one replica's client of `model` in a `CachePrompt`."""
    (replica,) = model._replicas
    wrapper = CachePrompt(replica.client)
    replica.client = wrapper  # type: ignore[assignment]
    return wrapper


async def timed_choose(
    model: LlamaCppModel,
    wrapper: CachePrompt,
    cache_prompt: bool,
    prefix: list[int],
    messages: list[Message],
    labels: list[str],
) -> tuple[float, Choice, int, float]:
    """Prime the slot with `prefix` (untimed), then time `choose` with `cache_prompt`.
    Returns seconds, the choice, the prompt tokens the server reused (summed over the
    choose's requests) and its own prompt-evaluation milliseconds."""
    await prime(model, prefix)
    wrapper.value = cache_prompt
    wrapper.responses.clear()
    t0 = time.perf_counter()
    choice = await model.choose(messages, labels)
    seconds = time.perf_counter() - t0
    cached = prompt_ms = 0.0
    for response in wrapper.responses:
        details = response.usage.prompt_tokens_details if response.usage else None
        cached += (details.cached_tokens or 0) if details else 0
        prompt_ms += float(((response.model_extra or {}).get("timings") or {}).get("prompt_ms", 0))
    return seconds, choice, int(cached), prompt_ms


def max_abs_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=40, help="items to ask (max 90)")
    parser.add_argument("--threads", type=int, default=None, help="server threads")
    args = parser.parse_args()

    bank, items = schwartz_items(args.items)
    labels = labels_for(bank.scale)
    model = embedded_model(ModelSettings(concurrency=1, n_threads=args.threads))
    wrapper = install(model)
    messages = [
        [system(INSTRUCTIONS), *build_messages(item, bank.scale, ASC_NONE)] for item in items
    ]
    tokens = [await prompt_tokens(model, m) for m in messages]
    shared = common_prefix(tokens)
    mean_prompt = statistics.fmean(len(t) for t in tokens)
    instruction_tokens = len(await model.tokenize(INSTRUCTIONS))

    print("choose with llama.cpp's prompt cache vs without it (embedded SmolLM2-135M, 1 slot)")
    print(f"  items: {len(items)} Schwartz items, round-robin, condition {ASC_NONE.id}")
    print(
        f"  prompt: system instruction of {instruction_tokens} tokens + the item; "
        f"mean {mean_prompt:.0f} tokens, shared prefix {len(shared)} tokens"
    )
    print(f"  server: {model._server.url}, threads {model._server.key.threads}, 1 slot")
    print(
        f"  reuse: cache_prompt true, shared prefix in the slot, "
        f"~{mean_prompt - len(shared):.0f} tokens to evaluate"
    )
    print(f"  full:  cache_prompt false, ~{mean_prompt:.0f} tokens to evaluate")
    print("  (before every timed call, in both arms, the slot is primed with the shared prefix)")
    print()

    # Warm-up, untimed: one call in each arm.
    for arm in ARMS:
        await timed_choose(model, wrapper, arm == "reuse", shared, messages[0], labels)

    times: dict[str, list[float]] = {arm: [] for arm in ARMS}
    cached: dict[str, list[int]] = {arm: [] for arm in ARMS}
    server_ms: dict[str, list[float]] = {arm: [] for arm in ARMS}
    requests: dict[str, int] = dict.fromkeys(ARMS, 0)
    diffs: list[float] = []
    mass_diffs: list[float] = []
    argmax_same = 0
    reference: list[float] = []
    half = shared[: len(shared) // 2]
    print(f"{'item':<6} {'reuse ms':>9} {'full ms':>9} {'cached r/f':>11} {'max |dp|':>9}")
    for index, (item, item_messages) in enumerate(zip(items, messages, strict=True)):
        order = ARMS if index % 2 == 0 else ARMS[::-1]
        choices: dict[str, Choice] = {}
        for arm in order:
            seconds, choice, reused, ms = await timed_choose(
                model, wrapper, arm == "reuse", shared, item_messages, labels
            )
            times[arm].append(seconds)
            cached[arm].append(reused)
            server_ms[arm].append(ms)
            requests[arm] += 1 + choice.sequence_requests
            choices[arm] = choice
        diff = max_abs_diff(choices["reuse"].probs, choices["full"].probs)
        diffs.append(diff)
        mass_diffs.append(abs(choices["reuse"].option_mass - choices["full"].option_mass))
        best = {arm: max(range(len(labels)), key=c.probs.__getitem__) for arm, c in choices.items()}
        argmax_same += best["reuse"] == best["full"]
        if index < REFERENCE_ITEMS:  # untimed: only the batch split moves
            _, split, _, _ = await timed_choose(model, wrapper, True, half, item_messages, labels)
            reference.append(max_abs_diff(split.probs, choices["reuse"].probs))
        print(
            f"{item.id:<6} {1000 * times['reuse'][-1]:9.1f} {1000 * times['full'][-1]:9.1f} "
            f"{cached['reuse'][-1]:>5}/{cached['full'][-1]:<5} {diff:9.2e}"
        )

    n = len(items)
    total = {arm: sum(values) for arm, values in times.items()}
    print()
    print(f"per-item time of choose ({n} items):")
    for arm in ARMS:
        print(
            f"  {arm:<5}  {summary(times[arm])}   server prompt eval: mean "
            f"{statistics.fmean(server_ms[arm]):7.1f} ms   prompt tokens reused: mean "
            f"{statistics.fmean(cached[arm]):5.1f}   requests: {requests[arm]}"
        )
    print("same probabilities? (not asserted: batch splits move log-probabilities)")
    print(
        f"  reuse vs full: max abs difference {max(diffs):.2e} (mean of per-item max "
        f"{statistics.fmean(diffs):.2e}), option_mass {max(mass_diffs):.2e}; "
        f"same argmax {argmax_same}/{n}"
    )
    print(
        f"  reference, half vs all of the prefix cached ({len(reference)} items): "
        f"max abs difference {max(reference):.2e}"
    )
    print(f"speedup: {total['full'] / total['reuse']:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
