"""Part (f), profile CIs from few items: does a dimension's 95% CI cover its true mean?

A dimension's score in the model's own profile is the mean of its k item scores, and its CI
speaks of the mean over the *domain* of items like them, of which the instrument asked k. Here
the domain is known: each replication draws k items from it, scores them as a model's item
means are made (the expected point on a 1..5 scale, averaged over 4 administrations), and
asks whether the interval contains the domain's mean. The interval is the profile's own,
`likert.summary.score_ci` (a t-interval over the items, clipped to the scale, none below 3
items); beside it, on the same item scores, the percentile bootstrap over items the profile
used before (`stats.bootstrap_mean_ci`, 2,000 resamples).

Domains of items (an item's true score, i.e. its expected point over administrations):

- `normal`: 3.2 + N(0, 0.6); each administration adds N(0, 0.3). The case the t-interval is
  exact for (the true mean is 3.2).
- `logistic, mid-scale`: 1 + 4 sigmoid(theta + e), theta ~ N(0, 1) per item, e ~ N(0, 0.3)
  per administration: bounded, symmetric, heavier in the middle than a normal.
- `logistic, near the top`: theta ~ N(1.5, 1): a value the model endorses, items bunched at
  4.3-4.9 with a tail down to 2.5. Skewed: 3 items drawn from the bunch give a narrow interval
  above the mean that the tail pulls down, the case where a t-interval under-covers.

The logistic domains' true means are computed from 10^6 draws of (theta, e).
Numpy on item scores, no engine: 2,000 replications per cell take seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from valuescope.instruments.likert.items import ResponseScale
from valuescope.instruments.likert.summary import ITEMS_NEEDED, score_ci
from valuescope.stats import bootstrap_mean_ci

SCALE = ResponseScale(points=5, anchors=list("abcde"), stem="How much?")
ADMINISTRATIONS = 4
ITEM_COUNTS = (2, 3, 4, 6)
TARGET_ITEMS = (3, 6)
"""The item counts the issue's target (coverage >= 0.93) is read at."""

Draw = Callable[[np.random.Generator, int], np.ndarray]


def _normal(rng: np.random.Generator, k: int) -> np.ndarray:
    truth = 3.2 + 0.6 * rng.standard_normal(k)
    return truth + 0.3 * rng.standard_normal((ADMINISTRATIONS, k)).mean(axis=0)


def _logistic(centre: float) -> Draw:
    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        theta = centre + rng.standard_normal(k)
        e = 0.3 * rng.standard_normal((ADMINISTRATIONS, k))
        return (1.0 + 4.0 / (1.0 + np.exp(-(theta + e)))).mean(axis=0)

    return draw


def _logistic_mean(centre: float, draws: int = 1_000_000) -> float:
    rng = np.random.default_rng(12345)
    theta = centre + rng.standard_normal(draws) + 0.3 * rng.standard_normal(draws)
    return float((1.0 + 4.0 / (1.0 + np.exp(-theta))).mean())


DOMAINS: dict[str, tuple[Draw, Callable[[], float]]] = {
    "normal": (_normal, lambda: 3.2),
    "logistic, mid-scale": (_logistic(0.0), lambda: _logistic_mean(0.0)),
    "logistic, near the top": (_logistic(1.5), lambda: _logistic_mean(1.5)),
}
SYMMETRIC = ("normal", "logistic, mid-scale")


@dataclass
class ProfileCell:
    domain: str
    items: int
    truth: float
    t_covered: list[bool] = field(default_factory=list)
    t_width: list[float] = field(default_factory=list)
    no_ci: int = 0
    reason: str | None = None
    boot_covered: list[bool] = field(default_factory=list)
    boot_width: list[float] = field(default_factory=list)

    @property
    def t_coverage(self) -> float | None:
        """Share of the replications with a CI whose CI held the true mean (None: never a CI)."""
        return float(np.mean(self.t_covered)) if self.t_covered else None

    @property
    def boot_coverage(self) -> float:
        return float(np.mean(self.boot_covered))


def profile_ci_coverage(
    replications: int = 2000,
    seed: int = 0,
    items: Sequence[int] = ITEM_COUNTS,
    domains: Sequence[str] = tuple(DOMAINS),
    n_resamples: int = 2000,
) -> list[ProfileCell]:
    """Part (f): see the module docstring. One generator per cell, from `seed`, so a cell's
    figures do not depend on which other cells run."""
    cells = []
    for d, name in enumerate(domains):
        draw, true_mean = DOMAINS[name]
        truth = true_mean()
        for k in items:
            cell = ProfileCell(name, k, truth)
            rng = np.random.default_rng([seed, d, k])
            for r in range(replications):
                scores = draw(rng, k)
                low, high = score_ci(list(scores), SCALE)
                if low.value is None or high.value is None:
                    cell.no_ci += 1
                    cell.reason = low.reason
                else:
                    cell.t_covered.append(low.value <= truth <= high.value)
                    cell.t_width.append(high.value - low.value)
                b_low, b_high = bootstrap_mean_ci(scores, n_resamples=n_resamples, seed=r)
                assert b_low.value is not None and b_high.value is not None
                cell.boot_covered.append(b_low.value <= truth <= b_high.value)
                cell.boot_width.append(b_high.value - b_low.value)
            cells.append(cell)
    return cells


def smallest_coverage(cells: Sequence[ProfileCell], domains: Sequence[str]) -> tuple[float, float]:
    """(t-interval, percentile bootstrap): the smallest coverage at `TARGET_ITEMS` items over
    `domains`."""
    chosen = [c for c in cells if c.domain in domains and c.items in TARGET_ITEMS]
    t = [c.t_coverage for c in chosen if c.t_coverage is not None]
    return min(t), min(c.boot_coverage for c in chosen)


def print_profile_ci(cells: Sequence[ProfileCell]) -> None:
    n = len(cells[0].boot_covered) if cells else 0
    print(
        f"(f) profile CI over few items: {n} replications per cell; item scores on a 1..5 "
        "scale, the mean of 4 administrations; coverage of the domain's mean by the "
        f"profile's t-interval (likert.summary.score_ci, none below {ITEMS_NEEDED['ci']} "
        "items) and by the percentile bootstrap over items it replaced"
    )
    print(
        f"    {'domain':<24}{'true mean':>10}{'items':>6}{'t: coverage':>13}{'width':>8}"
        f"{'bootstrap: coverage':>21}{'width':>8}"
    )
    for c in cells:
        t = (
            f"{c.t_coverage:>13.3f}{np.mean(c.t_width):>8.2f}"
            if c.t_coverage is not None
            else f"{'no CI':>13}{'':>8}"
        )
        print(
            f"    {c.domain:<24}{c.truth:>10.3f}{c.items:>6}{t}"
            f"{c.boot_coverage:>21.3f}{np.mean(c.boot_width):>8.2f}"
        )
    no_ci = [c for c in cells if c.no_ci]
    for c in no_ci[:1]:
        print(f"    no CI at {c.items} items ({c.no_ci}/{n}): {c.reason}")
    domains = list(dict.fromkeys(c.domain for c in cells))
    symmetric = [d for d in domains if d in SYMMETRIC]
    skewed = [d for d in domains if d not in SYMMETRIC]
    items = " and ".join(str(k) for k in TARGET_ITEMS)
    for label, chosen in (("symmetric domains", symmetric), ("skewed domain", skewed)):
        if chosen and any(c.items in TARGET_ITEMS for c in cells):
            t, boot = smallest_coverage(cells, chosen)
            print(
                f"    smallest coverage at {items} items, {label} ({', '.join(chosen)}): "
                f"t-interval {t:.3f}, percentile bootstrap {boot:.3f}"
            )
    if symmetric and any(c.items in TARGET_ITEMS for c in cells):
        print(f"profile CI coverage: {smallest_coverage(cells, symmetric)[0]:.3f}")
    print()
