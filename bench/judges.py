"""Value judges side by side on the same texts: all@once, one-by-one, and what a user would
write instead (ask for the JSON, generate it freely, parse it).

    .venv/bin/python bench/judges.py [--texts 40] [--framework mft6]

The texts are the first N of the shipped dev set (labelled), judged by the embedded model
without the response cache, one text after another, in one process (these machines are
noisy, so the comparison is a ratio within one run). Per route: seconds and model calls per
text, the share of texts judged in full, and macro ROC-AUC against the gold labels.

- all@once: `Judge(mode="all@once")`: one request per text (`models.fill`: the JSON's keys
  teacher-forced, each 0/1 scored from log-probabilities).
- one-by-one: `Judge(mode="one-by-one")`: one `choose` per dimension.
- generate-and-parse: the same all@once prompt, free greedy generation of up to 120 tokens,
  `parse_labels` on the text (labels only; an unreadable answer is a miss). This is the
  plain client a user would write; its AUC uses the 0/1 labels.

The last line is the ratio of one-by-one's time to all@once's.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import embedded_model
from valuescope.frameworks import load_framework
from valuescope.instruments.classify import load_texts
from valuescope.judges import Judge, parse_labels
from valuescope.judges._prompts import all_at_once_messages
from valuescope.models import GenerateConfig
from valuescope.stats import classification_metrics


def _macro_auc(gold, scores, framework_ids):  # type: ignore[no-untyped-def]
    labelled = {d: [g[d] for g in gold] for d in framework_ids}
    predicted = {d: [None if s is None else int(s > 0.5) for s in scores[d]] for d in framework_ids}
    _, macro = classification_metrics(labelled, scores, predicted, seed=0, n_boot=0)
    return macro.auc.value


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=40)
    parser.add_argument("--framework", default="mft6")
    args = parser.parse_args()
    framework = load_framework(args.framework)
    texts = load_texts(f"devset:{args.framework}", framework).texts[: args.texts]
    gold = [t.gold or {} for t in texts]
    model = embedded_model()
    rows = []
    for mode in ("all@once", "one-by-one"):
        judge = Judge(model, framework, mode)  # type: ignore[arg-type]
        start = time.perf_counter()
        judgements = [await judge.judge(t.text) for t in texts]
        seconds = time.perf_counter() - start
        scores = {d: [j.scores[d] for j in judgements] for d in framework.ids}
        auc = _macro_auc(gold, scores, framework.ids)
        calls, valid = sum(j.calls for j in judgements), sum(j.valid for j in judgements)
        rows.append((mode, seconds, calls, valid, auc))
    start = time.perf_counter()
    parsed = []
    for t in texts:
        completion = await model.generate(all_at_once_messages(framework, t.text, None),
                                          GenerateConfig(max_tokens=120))  # fmt: skip
        parsed.append(parse_labels(completion.text, framework.ids))
    seconds = time.perf_counter() - start
    scores = {d: [None if p.missing else float(p.labels[d]) for p in parsed] for d in framework.ids}
    rows.append(("generate-and-parse", seconds, len(texts), sum(not p.missing for p in parsed),
                 _macro_auc(gold, scores, framework.ids)))  # fmt: skip
    n = len(texts)
    print(f"{n} {args.framework} dev-set texts, embedded SmolLM2-135M, no cache")
    print(f"{'route':<20}{'s/text':>9}{'calls/text':>12}{'judged in full':>16}{'macro AUC':>11}")
    for name, seconds, calls, valid, auc in rows:
        shown = "-" if auc is None else f"{auc:.3f}"
        print(f"{name:<20}{seconds / n:>9.2f}{calls / n:>12.1f}{f'{valid}/{n}':>16}{shown:>11}")
    per_100 = {name: seconds / n * 100 for name, seconds, *_ in rows}
    print("seconds per 100 texts: " + ", ".join(f"{k} {v:.0f}" for k, v in per_100.items()))
    ratio = rows[1][1] / rows[0][1]
    print(f"one-by-one / all@once time: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
