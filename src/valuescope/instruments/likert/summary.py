"""From Likert samples to the model's own profile with its consistency and bias statistics.

The unit of analysis is the *administrations x items* matrix of one dimension: a row per
administration (order x framing x wording x draw), a column per item, cells the item's
reverse-keyed score (NaN where the answer was invalid). Per dimension:

- `score`: mean over items of the item score (an item's score = mean over its valid
  administrations), with a 95% t-interval over those items (`score_ci`, `stats.mean_t_ci`):
  none below 3 scored items, none when they all score the same. `n_items_scored` is how
  many items it is over.
- Consistency on the matrix, not reliability: one model is one respondent, and alpha or
  omega over its own administrations carry no information (pure-noise answers pass 0.7 by
  chance; docs/guide/measuring.md), so they are not computed here. Reliability comes from simulated
  respondents (`design.py`, `respondent_summary.py`). What is kept: parallel forms across
  option orders (`parallel_forms_order`) and across wordings (`parallel_forms_paraphrase`):
  do the items keep their rank order when the form changes; `test_retest` across draws,
  only under sampled scoring (log-probability scoring is deterministic, so it would be 1
  by construction). `flags` names those below 0.7.
- `position_bias`: mean over items of E_asc - E_desc on the *raw* expected scale point
  (before reverse-keying, so items of both polarities pull the same way). Negative means the
  model drifts toward whichever option is listed first (label `1`).
- `order_consistency`: 1 - mean |E_asc - E_desc| / (max - min); 1 = order does not matter.
  `paraphrase_consistency`: the same across the wordings of an item (mean pairwise gap).
- `acquiescence`: mean raw agreement before reverse-keying (yes-saying shows as a high value
  on keyed and reverse-keyed items alike).
- `refusal`: mean probability the model put on anything but the options (1 - option mass);
  `n_invalid` counts answers below the option-mass threshold.
A statistic that cannot be computed is null and its reason is in `reasons`. A dimension
with fewer items than a statistic needs (`ITEMS_NEEDED`; a quick look with `--limit` asks
few) gets that said as the reason, and `few_items_note` words one warning for the results.
Frameworks with a circumplex (Schwartz) also get MRAT-centred scores and a circumplex check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import combinations

import numpy as np
from pydantic import BaseModel, Field

from valuescope.instruments.likert.format_checks import Acquiescence
from valuescope.instruments.likert.items import ResponseScale
from valuescope.instruments.likert.norms import NormsResult
from valuescope.instruments.likert.prompts import Condition
from valuescope.instruments.likert.respondent_summary import RespondentResults
from valuescope.instruments.likert.scoring import LikertSample, score_matrix
from valuescope.models import RunUsage
from valuescope.runs import ResultsBase
from valuescope.stats import (
    CircumplexCheck,
    PositionCheck,
    Stat,
    TextAgreement,
    circumplex_check,
    mean_t_ci,
    mrat_centre,
    parallel_forms,
    reliability_flags,
    test_retest,
)

RELIABILITY_FLOOR = 0.7

ITEMS_NEEDED: dict[str, int] = {
    "ci": 3,
    "parallel_forms_order": 3,
    "parallel_forms_paraphrase": 3,
    "test_retest": 3,
}
"""Items a dimension must have for each statistic: the score's t-interval needs 3 scored
items (at 2 it is mean +- 12.7 sd/sqrt(2), wider than a scale; `stats.mean_t_ci`); the
parallel forms and test-retest correlate item profiles across items, which needs 3. A
dimension with fewer gets a reason that says so, not the stat function's generic one, so a
user of `--limit` sees what to change."""

MIN_ITEMS = max(ITEMS_NEEDED.values())
"""Items per dimension that every statistic needs."""


class DimensionResult(BaseModel):
    score: float | None
    ci: list[float | None]
    score_mrat: float | None = None
    parallel_forms_order: float | None = None
    parallel_forms_paraphrase: float | None = None
    test_retest: float | None = None
    flags: list[str] = Field(default_factory=list)
    """Consistency statistics below 0.7."""
    n_items: int
    """Items asked."""
    n_items_scored: int | None = None
    """Items with a valid answer: `score` and `ci` are over these. None in results written
    before it was recorded (read `n_items` there)."""
    n_samples: int
    n_invalid: int
    option_mass: float | None
    refusal: float | None = None
    position_bias: float | None
    order_consistency: float | None
    paraphrase_consistency: float | None = None
    acquiescence: float | None
    position: PositionCheck | None = None
    """Do the answers follow the items or the options' position (`format_checks.py`)?"""
    text_check: TextAgreement | None = None
    """Under `--check-text`: free answers against the log-probability answers."""
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
    n_administrations: int = 0
    circumplex: CircumplexCheck | None = None
    position: PositionCheck | None = None
    """The position check over every item of the model's own profile."""
    acquiescence: Acquiescence | None = None
    """Yes-saying over the dimensions keyed both ways."""


class MeasureResults(ResultsBase):
    framework: str
    instrument: str
    scale: ResponseScale
    min_option_mass: float
    sampled: bool = False
    dimensions: dict[str, DimensionResult]
    """The model's own profile (administrations without a persona)."""
    overall: OverallResult
    respondents: RespondentResults | None = None
    """Reliability of the instrument in this model, over simulated respondents (None
    without a respondent design)."""
    norms: NormsResult | None = None
    """The profile against human norms (`--norms FILE`, `norms.py`); None without."""
    usage: RunUsage


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def item_scores(samples: Sequence[LikertSample]) -> dict[str, float]:
    """Item id -> the item's score: the mean of its valid administrations' scores."""
    by_item: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        if s.valid and s.score is not None:
            by_item[s.item_id].append(s.score)
    return {item: float(np.mean(scores)) for item, scores in sorted(by_item.items())}


def _consistency(
    valid: Sequence[LikertSample], key: Callable[[LikertSample], Hashable], span: float
) -> tuple[float | None, float | None]:
    """(mean signed gap between the first two groups, 1 - mean |pairwise gap| / span) over
    items, on the raw expected scale point, grouping each item's samples by `key`."""
    raw: dict[str, dict[Hashable, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in valid:
        if s.expected_raw is not None:
            raw[s.item_id][key(s)].append(s.expected_raw)
    signed: list[float] = []
    gaps: list[float] = []
    for groups in raw.values():
        means = [float(np.mean(v)) for _, v in sorted(groups.items(), key=lambda kv: str(kv[0]))]
        if len(means) < 2:
            continue
        signed.append(means[0] - means[1])
        gaps.append(float(np.mean([abs(a - b) for a, b in combinations(means, 2)])))
    return _mean(signed), (1.0 - float(np.mean(gaps)) / span if gaps else None)


def summarise_dimension(
    samples: Sequence[LikertSample],
    scale: ResponseScale,
    conditions: Sequence[Condition],
    seed: int,
    sampled: bool = False,
) -> DimensionResult:
    reasons: dict[str, str] = {}

    def record(name: str, stat: Stat) -> float | None:
        if stat.value is None and stat.reason:
            reasons[name] = stat.reason
        return stat.value

    valid = [s for s in samples if s.valid and s.score is not None]
    item_ids = sorted({s.item_id for s in samples})
    scores = list(item_scores(samples).values())
    score = _mean(scores)
    if score is None:
        reasons["score"] = "no valid sample"

    def enough_items(name: str, compute: Callable[[], Stat]) -> Stat:
        """`compute()`, or null saying the dimension has too few items for `name`."""
        if len(item_ids) < ITEMS_NEEDED[name]:
            return Stat.missing(too_few_items(len(item_ids), ITEMS_NEEDED[name]))
        return compute()

    low, high = score_ci(scores, scale, len(item_ids))

    matrix = score_matrix(samples, conditions, item_ids)
    reliability = {
        "parallel_forms_order": enough_items(
            "parallel_forms_order", lambda: parallel_forms(matrix, [c.order for c in conditions])
        ),
        "parallel_forms_paraphrase": (
            enough_items(
                "parallel_forms_paraphrase",
                lambda: parallel_forms(matrix, [c.paraphrase for c in conditions]),
            )
            if len({c.paraphrase for c in conditions}) > 1
            else Stat.missing("the items were asked in one wording only")
        ),
        "test_retest": (
            enough_items("test_retest", lambda: test_retest(matrix, [c.sample for c in conditions]))
            if sampled
            else Stat.missing("log-probability scoring is deterministic (1 by construction)")
        ),
    }
    values = {name: record(name, stat) for name, stat in reliability.items()}

    span = scale.maximum - scale.minimum
    position_bias, order_consistency = _consistency(valid, lambda s: s.order, span)
    if position_bias is None:
        reasons["position_bias"] = reasons["order_consistency"] = (
            "no item has valid answers in both option orders"
        )
    _, paraphrase_consistency = _consistency(valid, lambda s: s.paraphrase, span)
    if paraphrase_consistency is None:
        reasons["paraphrase_consistency"] = "no item has valid answers in two wordings"
    acquiescence = _mean([s.expected_raw for s in valid if s.expected_raw is not None])
    if acquiescence is None:
        reasons["acquiescence"] = "no valid sample"
    option_mass = _mean([s.option_mass for s in samples])
    return DimensionResult(
        score=score,
        ci=[record("ci", low), record("ci", high)],
        parallel_forms_order=values["parallel_forms_order"],
        parallel_forms_paraphrase=values["parallel_forms_paraphrase"],
        test_retest=values["test_retest"],
        flags=reliability_flags(reliability, RELIABILITY_FLOOR),
        n_items=len(item_ids),
        n_items_scored=len(scores),
        n_samples=len(samples),
        n_invalid=len(samples) - len(valid),
        option_mass=option_mass,
        refusal=None if option_mass is None else 1.0 - option_mass,
        position_bias=position_bias,
        order_consistency=order_consistency,
        paraphrase_consistency=paraphrase_consistency,
        acquiescence=acquiescence,
        reasons=reasons,
    )


def score_ci(
    scores: Sequence[float], scale: ResponseScale, n_asked: int | None = None
) -> tuple[Stat, Stat]:
    """The 95% CI of a dimension's score from its item scores: `stats.mean_t_ci` over the
    items, clipped to the scale; null below `ITEMS_NEEDED["ci"]` scored items, with a reason
    that names the count and the fix. `n_asked` (default: as many as scored) is how many
    items the dimension was asked. The profile (`summarise_dimension`), `compare --pooled`
    and the recovery bench's part (f) all call this."""
    needed = ITEMS_NEEDED["ci"]
    asked = len(scores) if n_asked is None else n_asked
    if len(scores) < needed:
        reason = too_few_items(asked, needed, scored=len(scores))
        return Stat.missing(reason), Stat.missing(reason)
    return mean_t_ci(scores, min_n=needed, bounds=(scale.minimum, scale.maximum), unit="items")


def too_few_items(n_items: int, needed: int, scored: int | None = None) -> str:
    """The reason a statistic is null when its dimension was asked too few items; `scored`,
    when fewer than `n_items`, is how many of them had a valid answer."""
    has = _items(n_items)
    if scored is not None and scored < n_items:
        has = f"{_items(scored)} with a valid answer (of {n_items} asked)"
    return (
        f"the dimension has {has}, this needs >= {needed} "
        "(ask more items per dimension, e.g. a larger --limit)"
    )


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def few_items_note(
    dimensions: Mapping[str, DimensionResult],
    limit: int | None = None,
    n_dimensions: int | None = None,
) -> str | None:
    """One warning for the results when some dimension has fewer than `MIN_ITEMS` items.

    The per-statistic reasons say it dimension by dimension; this says it once, where a user
    reads first, with the fix: a quick look with `--limit 10` over ten values asks one item
    per value, which leaves no CI and no consistency anywhere and makes `compare` test
    nothing. `limit` is the run's `--limit` and `n_dimensions` the framework's dimension
    count (default: those scored), so the note can name the `--limit` that would do.
    """
    if not dimensions:
        return None
    counts = {name: result.n_items for name, result in dimensions.items()}
    fewest = min(counts.values())
    if fewest >= MIN_ITEMS:
        return None
    short = [name for name, n in counts.items() if n < MIN_ITEMS]
    total = n_dimensions or len(counts)
    asked = f"--limit {limit} over {total} dimensions" if limit is not None else None
    if len(short) == len(counts) and len(set(counts.values())) == 1:
        who = f"each dimension has only {_items(fewest)}" + (f" ({asked})" if asked else "")
        lacking = _lacking(fewest)
    else:
        named = ", ".join(short) + (f"; {asked}" if asked else "")
        who = (
            f"{len(short)} of {len(counts)} dimensions have fewer than {MIN_ITEMS} items ({named})"
        )
        lacking = "some of their CI and consistency statistics are missing (see their reasons)"
    advice = f"ask at least {MIN_ITEMS} items per dimension"
    if limit is not None:
        advice = f"use --limit {MIN_ITEMS * total} or more ({advice})"
    return f"{who}: {lacking}; {advice}"


def _lacking(n_items: int) -> str:
    """What a dimension of `n_items` (< `MIN_ITEMS`) items has none of, by `ITEMS_NEEDED`."""
    consistency = [name for name in ITEMS_NEEDED if name != "ci"]
    short = [name for name in consistency if n_items < ITEMS_NEEDED[name]]
    missing = [
        *(["CI"] if n_items < ITEMS_NEEDED["ci"] else []),
        *(["consistency statistics"] if len(short) == len(consistency) else short),
    ]
    return "no " + " and no ".join(name.replace("_", "-") for name in missing)


def add_mrat(dimensions: dict[str, DimensionResult], samples: Sequence[LikertSample]) -> None:
    """MRAT-centre the scores: subtract the mean over all items' scores (Schwartz's rule)."""
    scored = {d: r.score for d, r in dimensions.items() if r.score is not None}
    all_items = list(item_scores(samples).values())
    if not scored or not all_items:
        return
    centred = mrat_centre(scored, item_mean=float(np.mean(all_items)))
    for dim, value in centred.items():
        dimensions[dim].score_mrat = value


def check_circumplex(
    samples: Sequence[LikertSample], conditions: Sequence[Condition], circle: list[str]
) -> CircumplexCheck | None:
    """The circumplex check across administrations, when every circle value was asked."""
    matrices = {}
    for dim in circle:
        mine = [s for s in samples if s.dimension == dim]
        if not mine:
            return None
        matrices[dim] = score_matrix(mine, conditions, sorted({s.item_id for s in mine}))
    return circumplex_check(matrices, circle)


def summarise_overall(
    samples: Sequence[LikertSample], labels: list[str], n_administrations: int
) -> OverallResult:
    share = dict.fromkeys(labels, 0.0)
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
        n_administrations=n_administrations,
    )
