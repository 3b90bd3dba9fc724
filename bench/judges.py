"""Value judges side by side on the same texts: all@once, one-by-one, and what a user would
write instead (ask for the JSON, generate it freely, parse it).

    .venv/bin/python bench/judges.py [--texts 40] [--framework mft6] [--threads N]

The texts are the first N of the shipped dev set (labelled), judged by the embedded model
(SmolLM2-135M on llama.cpp's server in this process, its default 4 slots and prompt cache;
`--threads` sets the server's threads, default all cores) without the response cache, one
text after another, in one process (these machines are noisy, so the comparison is a ratio
within one run). Per route: seconds and judge calls per text, the HTTP chat requests and
the prompt tokens the server evaluated (after its prompt cache) per text, the share of texts
judged in full, and macro ROC-AUC against the gold labels.

- all@once: `Judge(mode="all@once")`: one judge call per text (`models.fill`: the JSON's
  keys written by assistant prefill, each 0/1 scored from log-probabilities at its place;
  on this backend one short request per dimension, each reusing the slot's cached prefix).
- one-by-one: `Judge(mode="one-by-one")`: one `choose` per dimension.
- generate-and-parse: the same all@once prompt, free greedy generation of up to 120 tokens,
  `parse_labels` on the text (labels only; an unreadable answer is a miss). This is the
  plain client a user would write; its AUC uses the 0/1 labels.

Each route runs on a server of its own, started for it and sent one untimed request with an
unrelated prompt: llama.cpp's server keeps prompts in its slots and in a RAM prompt cache,
so on a shared server a later route would find the earlier routes' prompts for the same
texts cached (in a 6-text run on a busy 2-core machine, generate-and-parse after all@once
on one server evaluated ~30 prompt tokens per text, on a server of its own ~93). Within a
route, consecutive texts share what the server caches, as in a run.

The last line is the ratio of one-by-one's time to all@once's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

from _common import fresh_embedded_model
from valuescope.frameworks import load_framework
from valuescope.instruments.classify import load_texts
from valuescope.judges import Judge, parse_labels
from valuescope.judges._prompts import all_at_once_messages
from valuescope.models import GenerateConfig, ModelSettings, user
from valuescope.models._llamacpp import LlamaCppModel
from valuescope.stats import classification_metrics

ROUTES = ("all@once", "one-by-one", "generate-and-parse")
WARM_UP = "Name three colours."


def count_requests(model: LlamaCppModel) -> list[int]:
    """Counts every try of every chat request `model` sends, in the list's one cell."""
    count = [0]
    attempt = model._attempt

    async def counted(replica: Any, request: Any) -> Any:
        count[0] += 1
        return await attempt(replica, request)

    model._attempt = counted  # type: ignore[method-assign]
    return count


def _macro_auc(gold, scores, framework_ids):  # type: ignore[no-untyped-def]
    labelled = {d: [g[d] for g in gold] for d in framework_ids}
    predicted = {d: [None if s is None else int(s > 0.5) for s in scores[d]] for d in framework_ids}
    _, macro = classification_metrics(labelled, scores, predicted, seed=0, n_boot=0)
    return macro.auc.value


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=40)
    parser.add_argument("--framework", default="mft6")
    parser.add_argument("--threads", type=int, default=None, help="server threads")
    args = parser.parse_args()
    framework = load_framework(args.framework)
    texts = load_texts(f"devset:{args.framework}", framework).texts[: args.texts]
    gold = [t.gold or {} for t in texts]
    settings = ModelSettings(n_threads=args.threads)
    rows = []
    traffic = []  # (HTTP chat requests, prompt tokens evaluated) per route
    for route in ROUTES:
        # a fresh server per route: no route finds another's prompts in the prompt cache
        model = fresh_embedded_model(settings)
        await model.generate([user(WARM_UP)], GenerateConfig(max_tokens=8))  # untimed
        requests = count_requests(model)
        evaluated = model.prompt_tokens_evaluated
        start = time.perf_counter()
        if route == "generate-and-parse":
            parsed = []
            for t in texts:
                completion = await model.generate(all_at_once_messages(framework, t.text, None),
                                                  GenerateConfig(max_tokens=120))  # fmt: skip
                parsed.append(parse_labels(completion.text, framework.ids))
            seconds = time.perf_counter() - start
            scores = {
                d: [None if p.missing else float(p.labels[d]) for p in parsed]
                for d in framework.ids
            }
            calls, valid = len(texts), sum(not p.missing for p in parsed)
        else:
            judge = Judge(model, framework, route)  # type: ignore[arg-type]
            judgements = [await judge.judge(t.text) for t in texts]
            seconds = time.perf_counter() - start
            scores = {d: [j.scores[d] for j in judgements] for d in framework.ids}
            calls, valid = sum(j.calls for j in judgements), sum(j.valid for j in judgements)
        traffic.append((requests[0], model.prompt_tokens_evaluated - evaluated))
        rows.append((route, seconds, calls, valid, _macro_auc(gold, scores, framework.ids)))
        await model.aclose()
        del model
        gc.collect()  # the model and its request counter refer to each other
    n = len(texts)
    print(f"{n} {args.framework} dev-set texts, embedded SmolLM2-135M, no cache")
    print(
        f"{'route':<20}{'s/text':>9}{'calls/text':>12}{'requests/text':>15}"
        f"{'evaluated tok/text':>20}{'judged in full':>16}{'macro AUC':>11}"
    )
    for (name, seconds, calls, valid, auc), (sent, evaluated) in zip(rows, traffic, strict=True):
        shown = "-" if auc is None else f"{auc:.3f}"
        print(
            f"{name:<20}{seconds / n:>9.2f}{calls / n:>12.1f}{sent / n:>15.1f}"
            f"{evaluated / n:>20.0f}{f'{valid}/{n}':>16}{shown:>11}"
        )
    per_100 = {name: seconds / n * 100 for name, seconds, *_ in rows}
    print("seconds per 100 texts: " + ", ".join(f"{k} {v:.0f}" for k, v in per_100.items()))
    ratio = rows[1][1] / rows[0][1]
    print(f"one-by-one / all@once time: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
