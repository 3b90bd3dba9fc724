"""Did steering (or a mitigation) change how often the model goes along with harm, and
which values travel with harm?

- Comparisons are paired over prompts: a prompt enters a comparison when both conditions
  have a valid judged answer to it. The test is the exact McNemar test on the harmful
  labels: under no change, the discordant prompts (harmful under one condition only) are
  equally likely to fall either way, so their split is Binomial(b + c, 1/2). The
  difference is the condition's harm rate minus the baseline's over those prompts. A table
  (before/after, or mitigation) is one family: its p-values are Holm-corrected together.
- Correlations: Spearman between one value's judged expression and the harm score, over
  the answers (of every condition) to the prompts of one category, and over all of them;
  Holm over the whole table. Target values are marked, so `power ~ hate_harassment` on a
  power-steered model is easy to see (arXiv 2506.06404 reports such links).
  The answers to one prompt under several conditions are not independent, so the p-value
  is not Spearman's (which counts each prompt once per condition) but a permutation of
  whole prompts (`permutation.py`: each prompt's answers move as one, conditions aligned).
- `conclusions` says in words what is significant at `alpha` after Holm, and says plainly
  when nothing is, instead of naming a winner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel
from scipy import stats

from valuescope.stats import Stat, holm
from valuescope.steering.safety.permutation import prompt_permutation_p
from valuescope.steering.targets import Target

if TYPE_CHECKING:
    from valuescope.steering.safety.records import ConditionRates, SafetySample

ALL = "all"
"""The category name of a comparison or correlation over every category."""
MIN_CORRELATION_ANSWERS = 5
CORRELATION_CAVEAT = (
    "Read these correlations with care: where most values correlate alike in a category, "
    "the judge, which scores both harm and values, is the likelier common cause than any "
    "one value."
)
CORRELATION_TEST = (
    "Spearman over answers; p from permuting whole prompts (a prompt's answers under every "
    "condition move as one, conditions aligned)"
)


class HarmComparison(BaseModel):
    condition: str
    baseline: str
    category: str
    """A category id, or `all`."""
    n_pairs: int
    """Prompts with a valid judged answer under both conditions."""
    rate: float | None
    baseline_rate: float | None
    difference: float | None
    """rate - baseline_rate over the paired prompts."""
    only_condition: int
    """Paired prompts harmful under the condition only (McNemar's c)."""
    only_baseline: int
    """... under the baseline only (McNemar's b)."""
    p_value: Stat
    p_holm: float | None = None
    significant: bool = False


class ValueHarmCorrelation(BaseModel):
    value: str
    category: str
    target_priority: float | None
    """The value's priority in the steering target; None when the target does not name it."""
    n: int
    """Answers scored on both."""
    rho: Stat
    p_value: Stat
    """Two-sided permutation p-value over prompts (`permutation.prompt_permutation_p`)."""
    p_holm: float | None = None
    significant: bool = False
    n_prompts: int | None = None
    """Prompts those answers came from (the permutation's units)."""
    p_method: str | None = None
    """What `p_value` is: exact over every ordering of the prompts, or how many random ones."""


def mcnemar_exact(only_baseline: int, only_condition: int) -> Stat:
    """Two-sided exact McNemar p-value from the discordant counts (1.0 without any)."""
    discordant = only_baseline + only_condition
    if discordant == 0:
        return Stat.of(1.0)
    test = stats.binomtest(min(only_baseline, only_condition), discordant, 0.5)
    return Stat.of(min(1.0, float(test.pvalue)))


def _labels(samples: Sequence[SafetySample], category: str) -> dict[str, bool]:
    return {
        s.item_id: bool(s.harmful)
        for s in samples
        if s.valid and s.harmful is not None and category in (ALL, s.category)
    }


def compare_pair(condition: Sequence[SafetySample], baseline: Sequence[SafetySample],
                 names: tuple[str, str], category: str) -> HarmComparison:  # fmt: skip
    """One condition vs its baseline on one category (or `all`), paired over prompts."""
    mine, theirs = _labels(condition, category), _labels(baseline, category)
    common = sorted(set(mine) & set(theirs))
    only_condition = sum(mine[p] and not theirs[p] for p in common)
    only_baseline = sum(theirs[p] and not mine[p] for p in common)
    n = len(common)
    rate = sum(mine[p] for p in common) / n if n else None
    baseline_rate = sum(theirs[p] for p in common) / n if n else None
    p_value = (
        mcnemar_exact(only_baseline, only_condition)
        if n
        else Stat.missing("no prompt judged validly under both conditions")
    )
    return HarmComparison(
        condition=names[0], baseline=names[1], category=category, n_pairs=n, rate=rate,
        baseline_rate=baseline_rate,
        difference=None if rate is None or baseline_rate is None else rate - baseline_rate,
        only_condition=only_condition, only_baseline=only_baseline, p_value=p_value,
    )  # fmt: skip


def _holm(tests: Sequence[HarmComparison | ValueHarmCorrelation], alpha: float) -> None:
    """Fill `p_holm` and `significant` in place over the tests that have a p-value."""
    present = [t for t in tests if t.p_value.value is not None]
    if not present:
        return
    adjusted = holm([t.p_value.value for t in present if t.p_value.value is not None])
    for test, p in zip(present, adjusted, strict=True):
        test.p_holm = p
        test.significant = p < alpha


def compare_conditions(
    by_condition: Mapping[str, Sequence[SafetySample]],
    pairs: Sequence[tuple[str, str]],
    categories: Sequence[str],
    alpha: float,
) -> list[HarmComparison]:
    """Each (condition, baseline) pair on every category and overall, Holm over all."""
    table = [
        compare_pair(by_condition.get(c, []), by_condition.get(b, []), (c, b), category)
        for c, b in pairs
        for category in [*categories, ALL]
    ]
    _holm(table, alpha)
    return table


def _rho(x: list[float], y: list[float]) -> Stat:
    if len(x) < MIN_CORRELATION_ANSWERS:
        return Stat.missing(f"{len(x)} answers scored on both (needs {MIN_CORRELATION_ANSWERS})")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return Stat.missing("the value's score or the harm score does not vary over these answers")
    return Stat.of(float(stats.spearmanr(x, y).statistic))


def value_harm_correlations(
    samples: Sequence[SafetySample],
    values: Sequence[str],
    categories: Sequence[str],
    target: Target | None,
    alpha: float,
    seed: int = 0,
) -> list[ValueHarmCorrelation]:
    """Spearman(value expression, harm score) per value and category, and over all, each
    with its prompt-permutation p-value (from `seed`); Holm over the table."""
    scored = [s for s in samples if s.valid and s.harm is not None]
    by_category: dict[str, list[SafetySample]] = defaultdict(list)
    for s in scored:
        by_category[s.category].append(s)
        by_category[ALL].append(s)
    priorities = target.priorities if target is not None else {}
    table = []
    for value in values:
        for category in [*categories, ALL]:
            answers = [
                (s.item_id, s.condition, float(v), float(s.harm))
                for s in by_category[category]
                if (v := s.values.get(value)) is not None and s.harm is not None
            ]
            x, y = [a[2] for a in answers], [a[3] for a in answers]
            rho = _rho(x, y)
            prompts = len({a[0] for a in answers})
            p, method = Stat.missing(rho.reason or ""), None
            if rho.value is not None:
                test = prompt_permutation_p([a[0] for a in answers], [a[1] for a in answers],
                                            x, y, seed)  # fmt: skip
                p, prompts, method = test.p_value, test.n_prompts, test.method
            table.append(ValueHarmCorrelation(value=value, category=category,
                                              target_priority=priorities.get(value), n=len(x),
                                              rho=rho, p_value=p, n_prompts=prompts,
                                              p_method=method))  # fmt: skip
    _holm(table, alpha)
    return table


def _signed(x: float | None) -> str:
    return "-" if x is None else f"{x:+.2f}"


def _comparison_lines(table: Sequence[HarmComparison], what: str, alpha: float) -> list[str]:
    tested = [t for t in table if t.p_holm is not None]
    if not table:
        return []
    if not tested:
        return [f"{what}: nothing could be tested (no prompt judged validly under both)."]
    found = [t for t in tested if t.significant]
    if not found:
        largest = max(tested, key=lambda t: abs(t.difference or 0.0))
        return [
            f"{what}: no harm rate differs significantly, overall or in any category "
            f"(exact McNemar over prompts, Holm over {len(tested)} tests, alpha {alpha:g}); "
            f"the largest difference ({largest.condition} vs {largest.baseline}, "
            f"{largest.category}: {_signed(largest.difference)} over {largest.n_pairs} "
            "prompts) is within chance, so no condition is safer or riskier on this evidence."
        ]
    return [
        f"{what}: {t.condition} vs {t.baseline}, {t.category}: harm rate {t.rate:.2f} vs "
        f"{t.baseline_rate:.2f} ({_signed(t.difference)} over {t.n_pairs} prompts, "
        f"Holm p {t.p_holm:.3g})"
        for t in found
    ]


def conclusions(
    rates: Mapping[str, ConditionRates],
    before_after: Sequence[HarmComparison],
    mitigation: Sequence[HarmComparison],
    correlations: Sequence[ValueHarmCorrelation],
    alpha: float,
) -> list[str]:
    """The report's findings in words (see the module docstring)."""
    lines = []
    overall = ", ".join(
        f"{c} {r.overall.rate.value:.2f}" for c, r in rates.items() if r.overall.rate.value
        is not None
    )  # fmt: skip
    if overall:
        lines.append(f"Overall harm rates: {overall}.")
    lines += _comparison_lines(before_after, "Before/after (each condition vs bare)", alpha)
    if mitigation and [(t.condition, t.baseline) for t in mitigation] != [
        (t.condition, t.baseline) for t in before_after
    ]:
        lines += _comparison_lines(mitigation, "Mitigation (each vs the same model without)",
                                   alpha)  # fmt: skip
    tested = [c for c in correlations if c.p_holm is not None]
    found = [c for c in tested if c.significant]
    if tested and not found:
        lines.append(
            f"No value's judged expression correlates significantly with harm in any category "
            f"({CORRELATION_TEST}; Holm over {len(tested)} tests)."
        )
    for c in found:
        mark = " (a target value)" if c.target_priority is not None else ""
        lines.append(f"{c.value} ~ {c.category}{mark}: rho {c.rho.value:+.2f} over {c.n} "
                     f"answers to {c.n_prompts} prompts (p {c.p_value.value:.3g}: {c.p_method}; "
                     f"Holm p {c.p_holm:.3g}).")  # fmt: skip
    if found:
        lines.append(CORRELATION_CAVEAT)
    return lines
