"""Do a benchmark's answers follow the options, or where the options are shown?

A multiple-choice answer can follow an option's content or its letter: language models
prefer some letters whatever they stand for (Zheng et al. 2024, "Large language models are
not robust multiple choice selectors", ICLR, arXiv 2309.03882), and their answers move when
the options are reordered (Pezeshkpour & Hruschka 2023, arXiv 2308.11483). `bench` asks each
item under several option orders, so each pair of answers to one item under two orders
tells the two apart:

- *kept the option*: the same option chosen at different positions (content);
- *kept the position*: the same position chosen, holding another option (position);
- *changed both*: another option at another position (neither: the answer moved);
- a pair that chose the same option at the same position says nothing (both orders put it
  there) and is not counted.

`share` = kept position / (kept position + kept option): the share of the order-consistent
pairs in which the letter, not the option, stayed. 0 when answers follow the options, 1 when
a letter is answered whatever it holds. Answers at random keep the position as often as the
option (share near 0.5) and mostly change both. The answers read are the scored ones
(`chosen`: `choose`'s most likely option, or the parsed one in parse and reason modes);
invalid answers have none and are left out. Pairs are formed within an item and its
condition (learning's `examples-k2/shift1` pairs with `examples-k2/shift3`, never with
`concept-k0/...`), over every two of its orders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

from pydantic import BaseModel

from valuescope.instruments.bench.requests import BenchSample


class OrderPairs(BaseModel):
    """Pairs of answers to one item under two option orders (module docstring)."""

    kept_option: int
    kept_position: int
    changed_both: int
    uninformative: int
    """Pairs that chose the same option at the same position."""
    items: int
    """Items (with their condition) answered validly under two orders or more."""
    share: float | None
    """kept_position / (kept_position + kept_option); None when no pair kept either."""
    reason: str | None = None
    """Why `share` is None."""

    @property
    def informative(self) -> int:
        return self.kept_option + self.kept_position + self.changed_both


def _unit(sample: BenchSample) -> tuple[str, str]:
    """An item under one condition: its answers under different orders are paired."""
    condition = sample.condition.rsplit("/", 1)[0] if "/" in sample.condition else ""
    return sample.item_id, condition


def _kind(same_option: bool, same_position: bool) -> str:
    if same_option:
        return "none" if same_position else "option"
    return "position" if same_position else "both"


def order_pairs(samples: Sequence[BenchSample]) -> OrderPairs:
    """Count every pair of valid answers to one item (and condition) under two orders."""
    by_unit: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for s in samples:
        if s.valid and s.chosen is not None and not s.skipped:
            by_unit[_unit(s)].append((s.chosen, s.order.index(s.chosen)))
    counts = {"option": 0, "position": 0, "both": 0, "none": 0}
    for answers in by_unit.values():
        for (option_a, position_a), (option_b, position_b) in combinations(answers, 2):
            counts[_kind(option_a == option_b, position_a == position_b)] += 1
    consistent = counts["option"] + counts["position"]
    paired = sum(len(a) >= 2 for a in by_unit.values())
    share = counts["position"] / consistent if consistent else None
    reason = None
    if paired == 0:
        reason = "no item was answered validly under two option orders"
    elif share is None:
        reason = "no pair of answers kept either the option or the position"
    return OrderPairs(
        kept_option=counts["option"],
        kept_position=counts["position"],
        changed_both=counts["both"],
        uninformative=counts["none"],
        items=paired,
        share=share,
        reason=reason,
    )
