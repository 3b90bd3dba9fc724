"""KV-cache prefix reuse in the embedded backend: `choose` with it vs without it.

Many Schwartz items (default 40, round-robin, condition asc/none) are asked after one long,
shared survey instruction (a system message of ~450 tokens); only the short item that
follows differs. `LlamaCppModel.choose` is timed on each item in two arms:

  reuse   the KV cache holds the prefix every item's prompt shares (the instruction and
          the chat template up to the statement), as it does between consecutive items of
          a run; `_evaluate_prompt` evaluates only the item's own suffix.
  full    `model._llm.n_tokens = 0` before the call: the backend sees an empty cache, so
          `_evaluate_prompt` evaluates every token of the prompt (llama.cpp's `eval` drops
          the stale KV entries from position 0). This is the cleanest way to switch reuse
          off: nothing extra runs inside the timer and the code path is otherwise the same,
          whereas alternating with an unrelated prompt would still share the chat
          template's opening tokens and cost an extra evaluation per item.

The reuse arm's cache state is set (untimed) by evaluating the shared prefix with the
backend's own `_evaluate_prompt`; without that, an item asked in the full arm first would
leave its *whole* prompt cached and flatter the reuse arm. The arms alternate which goes
first from item to item. Both arms must give the same probabilities: the largest absolute
difference is printed (float noise from different batch splits is expected, ~1e-6).

Last line: `speedup: X.X`, the time of full over the time of reuse.

    .venv/bin/python bench/prefix.py [--items 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

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
from valuescope.models import system

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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=40, help="items to ask (max 90)")
    args = parser.parse_args()

    bank, items = schwartz_items(args.items)
    labels = labels_for(bank.scale)
    model = embedded_model()
    messages = [
        [system(INSTRUCTIONS), *build_messages(item, bank.scale, ASC_NONE)] for item in items
    ]
    tokens = [prompt_tokens(model, model.render(m)) for m in messages]
    shared = common_prefix(tokens)
    mean_prompt = statistics.fmean(len(t) for t in tokens)
    instruction_tokens = len(prompt_tokens(model, INSTRUCTIONS))

    print("choose with KV-cache prefix reuse vs full re-evaluation (embedded SmolLM2-135M)")
    print(f"  items: {len(items)} Schwartz items, round-robin, condition {ASC_NONE.id}")
    print(
        f"  prompt: system instruction of {instruction_tokens} tokens + the item; "
        f"mean {mean_prompt:.0f} tokens, shared prefix {len(shared)} tokens"
    )
    print(
        f"  reuse: shared prefix in the KV cache, ~{mean_prompt - len(shared):.0f} tokens evaluated"
    )
    print(f"  full:  n_tokens = 0 before each call, ~{mean_prompt:.0f} tokens evaluated")
    print("  (' 1'..' 6' variants: their leading space is below choose's 1e-4 pruning bound here)")
    print()

    # Warm-up, untimed: one call in each arm.
    prime(model, shared)
    await model.choose(messages[0], labels)
    model._llm.n_tokens = 0
    await model.choose(messages[0], labels)

    times: dict[str, list[float]] = {"reuse": [], "full": []}
    max_diff = 0.0
    max_mass_diff = 0.0
    print(f"{'item':<6} {'reuse ms':>9} {'full ms':>9} {'max |dp|':>9}")
    for index, (item, item_messages) in enumerate(zip(items, messages, strict=True)):
        order = ("reuse", "full") if index % 2 == 0 else ("full", "reuse")
        probs: dict[str, list[float]] = {}
        mass: dict[str, float] = {}
        for arm in order:
            if arm == "reuse":
                prime(model, shared)
            else:
                model._llm.n_tokens = 0
            t0 = time.perf_counter()
            choice = await model.choose(item_messages, labels)
            times[arm].append(time.perf_counter() - t0)
            probs[arm], mass[arm] = choice.probs, choice.option_mass
        diff = max(abs(a - b) for a, b in zip(probs["reuse"], probs["full"], strict=True))
        max_diff = max(max_diff, diff)
        max_mass_diff = max(max_mass_diff, abs(mass["reuse"] - mass["full"]))
        print(
            f"{item.id:<6} {1000 * times['reuse'][-1]:9.1f} {1000 * times['full'][-1]:9.1f} "
            f"{diff:9.2e}"
        )

    total = {arm: sum(values) for arm, values in times.items()}
    print()
    print(f"per-item time of choose ({len(items)} items):")
    print(f"  reuse  {summary(times['reuse'])}")
    print(f"  full   {summary(times['full'])}")
    print(f"max abs difference in probabilities between the arms: {max_diff:.2e}")
    print(f"max abs difference in option_mass between the arms:   {max_mass_diff:.2e}")
    print(f"speedup: {total['full'] / total['reuse']:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
