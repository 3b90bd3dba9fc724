"""Do the answers follow the items, or where the options are listed?

Dominguez-Olmedo et al. (2023, arXiv 2306.07951, "Questioning the Survey Responses of Large
Language Models") found that language models' survey answers mostly follow an option's
position or label: once the option order was varied, what looked like opinions cancelled
out. valuescope asks every item under both option orders (ascending and descending), so
the two effects can be told apart item by item.

For item i let a_i and b_i be its expected raw scale point (before reverse-keying) under
the first and the second option order. Then

- `position_sd` = sqrt(mean_i d_i^2), with d_i = (a_i - b_i) / 2: how far the answer moves
  with the option order (half the gap: each order's distance from their mean);
- `content_sd` = the standard deviation over items of m_i = (a_i + b_i) / 2: how much the
  order-balanced answers differ between items, i.e. with what the items say;
- `share` = position_sd^2 / (position_sd^2 + content_sd^2): the share of the answers'
  variance over items x orders that option order explains. 0 when the answer does not
  depend on the order, 1 when the items are answered alike and only the order moves them;
- `order_r`: Pearson r over items between a and b, with its Fisher-z 95% CI
  (`order_r_ci`). Content-driven answers keep the items' rank order under both orders
  (r near 1); answers pulled to a position reverse it (r near -1, as the embedded SmolLM2
  does on the Schwartz items); answers at random leave it unrelated (r near 0).

The check the earlier "distance from uniform" made cannot see this failure: answers pulled
to the first-listed option are far from uniform under both orders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from valuescope.stats._result import Stat

MIN_ITEMS = 3
"""A correlation and a spread over items need three items."""


class PositionCheck(BaseModel):
    """How much of the answers' variance option order explains (module docstring)."""

    n_items: int
    position_sd: float | None
    content_sd: float | None
    share: Stat
    order_r: Stat
    order_r_ci: tuple[float, float] | None = None
    """Fisher-z 95% interval of `order_r` (None below 4 items or without an r)."""


def position_check(first: Sequence[float], second: Sequence[float]) -> PositionCheck:
    """The position check of items answered under two option orders.

    `first[i]` and `second[i]` are item i's mean expected raw scale point under each order
    (items answered under one order only are left out by the caller). Raises ValueError
    when the two sequences differ in length or hold a non-finite value.
    """
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"the two orders need one value per item each, got {a.shape}, {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("item means must be finite")
    n = int(a.size)
    if n < MIN_ITEMS:
        reason = f"needs >= {MIN_ITEMS} items answered under both option orders, has {n}"
        return PositionCheck(
            n_items=n,
            position_sd=None,
            content_sd=None,
            share=Stat.missing(reason),
            order_r=Stat.missing(reason),
        )
    half_gap = (a - b) / 2.0
    balanced = (a + b) / 2.0
    position_var = float(np.mean(half_gap**2))
    content_var = float(np.var(balanced, ddof=1))
    total = position_var + content_var
    share = (
        Stat.of(position_var / total)
        if total > 1e-12
        else Stat.missing("every item got the same answer under both orders")
    )
    if float(np.std(a)) < 1e-12 or float(np.std(b)) < 1e-12:
        order_r = Stat.missing("the answers do not vary between items under one of the orders")
    else:
        order_r = Stat.of(float(np.corrcoef(a, b)[0, 1]))
    return PositionCheck(
        n_items=n,
        position_sd=math.sqrt(position_var),
        content_sd=math.sqrt(content_var),
        share=share,
        order_r=order_r,
        order_r_ci=None if order_r.value is None else _fisher_ci(order_r.value, n),
    )


_Z95 = 1.959963984540054


def _fisher_ci(r: float, n: int) -> tuple[float, float] | None:
    """tanh(atanh(r) -+ 1.96 / sqrt(n - 3)); None for n <= 3; the point for |r| = 1."""
    if n <= 3:
        return None
    if abs(r) >= 1.0:
        return (r, r)
    z, half = math.atanh(r), _Z95 / math.sqrt(n - 3)
    return (math.tanh(z - half), math.tanh(z + half))
