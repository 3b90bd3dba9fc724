"""`culture`: MMA-ASIA-style questions aligned across languages (arXiv 2510.08608's idea).

The same question (`group`) is asked in each language with the same options in the same
order and the same answer; items with an image are sent with it to backends that accept
images, and skipped (counted) on text-only ones (`instrument.py`).

Figures (results.json `figures`):
- accuracy per language, with the 95% bootstrap CI over items (`summary.accuracy_by`: an
  invalid answer counts as wrong; the valid-only accuracy is beside it);
- cross-lingual consistency, computed **per order**: for a question group, two languages
  agree in an order when the model picked the same option (index in the file, so the shown
  letter is irrelevant) in both under that order; pairs where either answer is invalid are
  left out. Per language pair and overall (all pairs pooled), the share of agreeing
  (group, order) pairs, plus `all_languages`: the share of (group, order) cells where every
  language gave the same answer. Per order rather than a majority over orders, because
  the same order shows the same letters, so the comparison holds the presentation fixed
  and needs no tie-break;
- consistency among right answers (MMA-ASIA's point that a right answer in one language
  should be right in the others): of the pairs where at least one language was right, the
  share where both were (`right_consistency`); and the share of pairs both right.
A user's file (`--data`) in the same format works when its items carry `group` and
`language`; items without them count in accuracy only.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.registry import Benchmark, load_yaml_items
from valuescope.instruments.bench.requests import BenchSample
from valuescope.instruments.bench.summary import accuracy_by, show

RULE = (
    "per order: two languages agree on a question when they chose the same option under the "
    "same option order; invalid answers are left out; shares over (question, order) pairs"
)


def load(path: Path | None) -> list[BenchItem]:
    return load_yaml_items("culture", path)


def _share(values: list[bool]) -> float | None:
    import numpy as np

    return float(np.mean(values)) if values else None


def consistency(items: list[BenchItem], samples: list[BenchSample]) -> dict[str, Any]:
    """Cross-lingual agreement per language pair and overall (see the module docstring)."""
    by_id = {i.id: i for i in items}
    cells: dict[tuple[str, str], dict[str, BenchSample]] = defaultdict(dict)
    for s in samples:
        item = by_id.get(s.item_id)
        if item is not None and item.group and item.language and s.valid:
            cells[(item.group, s.condition)][item.language] = s
    languages = sorted({i.language for i in items if i.language and i.group})
    pairs: dict[str, dict[str, Any]] = {}
    pooled: list[tuple[bool, bool, bool]] = []  # (agree, both right, any right)
    for a, b in combinations(languages, 2):
        rows = [
            (x.chosen == y.chosen, bool(x.correct and y.correct), bool(x.correct or y.correct))
            for cell in cells.values()
            if (x := cell.get(a)) is not None and (y := cell.get(b)) is not None
        ]
        pooled += rows
        pairs[f"{a}-{b}"] = _pair_figures(rows)
    full = [
        len({s.chosen for s in cell.values()}) == 1
        for cell in cells.values()
        if len(cell) == len(languages)
    ]
    return {
        "overall": _pair_figures(pooled),
        "pairs": pairs,
        "all_languages": _share(full),
        "all_languages_cells": len(full),
        "rule": RULE,
    }


def _pair_figures(rows: list[tuple[bool, bool, bool]]) -> dict[str, Any]:
    any_right = [r for r in rows if r[2]]
    return {
        "agreement": _share([r[0] for r in rows]),
        "both_right": _share([r[1] for r in rows]),
        "right_consistency": _share([r[1] for r in any_right]),
        "n": len(rows),
    }


def figures(items: list[BenchItem], samples: list[BenchSample], seed: int = 0) -> dict[str, Any]:
    return {
        "language_accuracy": {
            k: v.model_dump() for k, v in accuracy_by(items, samples, seed, "language").items()
        },
        "consistency": consistency(items, samples),
    }


def describe(figures: dict[str, Any]) -> list[str]:
    lines = []
    for language, a in (figures.get("language_accuracy") or {}).items():
        low, high = a["ci"]
        valid_low, valid_high = a.get("ci_valid") or (None, None)
        lines.append(
            f"accuracy in {language}: {show(a['accuracy'])} [{show(low)}-{show(high)}], "
            f"valid answers only {show(a.get('accuracy_valid'))} "
            f"[{show(valid_low)}-{show(valid_high)}] ({a['n_items']} items)"
        )
    c = figures.get("consistency") or {}
    o = c.get("overall") or {}
    pairs = ", ".join(f"{k} {show(v['agreement'])}" for k, v in (c.get("pairs") or {}).items())
    lines.append(
        f"cross-lingual consistency (per order): agreement {show(o.get('agreement'))} over "
        f"{o.get('n')} pairs ({pairs}); all languages the same {show(c.get('all_languages'))}; "
        f"both right {show(o.get('both_right'))}; among pairs with a right answer, both right "
        f"{show(o.get('right_consistency'))}"
    )
    return lines


BENCHMARK = Benchmark(
    name="culture",
    help=(
        "MMA-ASIA-style culture questions aligned across languages (the same question in "
        "English, Spanish and German; 4 options, 4 orders). Reports accuracy per language "
        "with CIs and cross-lingual consistency (the same option chosen for the same "
        "question in two languages, per order). Image items go to backends that accept "
        "images and are skipped, and counted, on text-only ones (the embedded model)."
    ),
    load=load,
    figures=figures,
    describe=describe,
    data_help=(
        "A YAML file in valuescope's item format whose items carry `group` (the same "
        "question in each language) and `language`; default: valuescope's own 28 questions "
        "x en/es/de."
    ),
)
