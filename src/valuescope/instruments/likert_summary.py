"""From Likert samples to a value profile with its reliability and bias statistics.

Per dimension:
- `score`: mean over items of the item score (an item's score = mean over its valid
  conditions), with a bootstrap 95% CI resampling items.
- `alpha`: Cronbach's alpha on the conditions x items matrix (conditions are the rows).
- `position_bias`: mean over items of E_asc - E_desc, on the *raw* expected scale point
  (before reverse-keying, so items of both polarities pull the same way). Negative means the
  model drifts toward whichever option is listed first (label `1`).
- `order_consistency`: 1 - mean |E_asc - E_desc| / (max - min); 1 = order does not matter.
- `acquiescence`: mean raw agreement before reverse-keying (a yes-saying tendency shows as
  a high value on both keyed and reverse-keyed items).
- `n_invalid` and the mean `option_mass` over all of the dimension's samples.
A statistic that cannot be computed is null and its reason is in `reasons`.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from pydantic import BaseModel, Field

from valuescope.instruments._items import ResponseScale
from valuescope.instruments.likert import LikertSample
from valuescope.models import RunUsage
from valuescope.runs import ResultsBase
from valuescope.stats import Stat, bootstrap_mean_ci, cronbach_alpha


class DimensionResult(BaseModel):
    score: float | None
    ci: list[float | None]
    alpha: float | None
    n_items: int
    n_samples: int
    n_invalid: int
    option_mass: float | None
    position_bias: float | None
    order_consistency: float | None
    acquiescence: float | None
    reasons: dict[str, str] = Field(default_factory=dict)


class OverallResult(BaseModel):
    n_items: int
    n_samples: int
    n_invalid: int
    option_mass: float | None
    label_share: dict[str, float]
    """Mean renormalised probability of each label over all samples: shows a model that
    answers `1` whatever the question."""
    methods: dict[str, int]


class MeasureResults(ResultsBase):
    framework: str
    instrument: str
    scale: ResponseScale
    min_option_mass: float
    dimensions: dict[str, DimensionResult]
    overall: OverallResult
    usage: RunUsage


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _record(stat: Stat, name: str, reasons: dict[str, str]) -> float | None:
    if stat.value is None and stat.reason:
        reasons[name] = stat.reason
    return stat.value


def summarise_dimension(
    samples: list[LikertSample], scale: ResponseScale, condition_ids: list[str], seed: int
) -> DimensionResult:
    reasons: dict[str, str] = {}
    valid = [s for s in samples if s.valid and s.score is not None]
    item_ids = sorted({s.item_id for s in samples})
    by_item: dict[str, list[float]] = defaultdict(list)
    for s in valid:
        assert s.score is not None
        by_item[s.item_id].append(s.score)
    item_scores = [float(np.mean(by_item[i])) for i in item_ids if by_item[i]]

    score = _mean(item_scores)
    if score is None:
        reasons["score"] = "no valid sample"
    low, high = bootstrap_mean_ci(item_scores, seed=seed)
    ci = [_record(low, "ci", reasons), _record(high, "ci", reasons)]

    matrix = np.full((len(condition_ids), len(item_ids)), np.nan)
    for s in valid:
        matrix[condition_ids.index(s.condition), item_ids.index(s.item_id)] = s.score
    alpha = _record(cronbach_alpha(matrix), "alpha", reasons)

    raw: dict[tuple[str, str], list[float]] = defaultdict(list)
    for s in valid:
        assert s.expected_raw is not None
        raw[(s.item_id, s.order)].append(s.expected_raw)
    diffs = [
        float(np.mean(raw[(i, "asc")]) - np.mean(raw[(i, "desc")]))
        for i in item_ids
        if raw[(i, "asc")] and raw[(i, "desc")]
    ]
    span = scale.maximum - scale.minimum
    position_bias = _mean(diffs)
    order_consistency = 1.0 - float(np.mean(np.abs(diffs))) / span if diffs else None
    if not diffs:
        reasons["position_bias"] = reasons["order_consistency"] = (
            "no item has valid answers in both option orders"
        )
    acquiescence = _mean([s.expected_raw for s in valid if s.expected_raw is not None])
    if acquiescence is None:
        reasons["acquiescence"] = "no valid sample"
    return DimensionResult(
        score=score,
        ci=ci,
        alpha=alpha,
        n_items=len(item_ids),
        n_samples=len(samples),
        n_invalid=len(samples) - len(valid),
        option_mass=_mean([s.option_mass for s in samples]),
        position_bias=position_bias,
        order_consistency=order_consistency,
        acquiescence=acquiescence,
        reasons=reasons,
    )


def summarise_overall(samples: list[LikertSample], labels: list[str]) -> OverallResult:
    share = {label: 0.0 for label in labels}
    methods: dict[str, int] = defaultdict(int)
    for s in samples:
        methods[s.method] += 1
        for label, p in zip(s.labels, s.probs, strict=True):
            share[label] = share.get(label, 0.0) + p / len(samples)
    return OverallResult(
        n_items=len({s.item_id for s in samples}),
        n_samples=len(samples),
        n_invalid=sum(not s.valid for s in samples),
        option_mass=_mean([s.option_mass for s in samples]),
        label_share={k: round(v, 4) for k, v in share.items()},
        methods=dict(methods),
    )
