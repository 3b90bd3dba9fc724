"""From dilemma samples to a framework profile, per-dilemma rankings and bias checks.

The unit of analysis is the *dilemma*: every statistic is first computed per dilemma, and the
confidence intervals are t-intervals over dilemmas (`stats.mean_t_ci`), because dilemmas, not
orders, are the sample of situations the conclusions should generalise over. A dimension is
offered by few dilemmas, where a percentile bootstrap over them covers far less than 95%;
below 3 dilemmas (or when all give the same value) there is no interval, and `reasons` says
why (`preference_ci`, `rating_ci`).

Per dilemma (valid samples only):
- `choice[o]`: the mean over orders of the probability of choosing outcome `o`; the
  dilemma's `ranking` sorts outcomes by it. `top_agreement`: the share of orders whose most
  likely outcome is the dilemma's top one (1 = the order never changes the answer).
- `rating[o]`: the mean over anchor orders of the expected acceptability (1..5).
- `kendall_tau`: Kendall's tau-b between `choice` and `rating` over the outcomes: do the
  outcomes the model chooses also get the higher ratings? A consistency check between tasks.

Per framework dimension:
- `preference`: the mean over dilemmas of the probability mass on its outcomes (its share
  of the choice), with a 95% CI; `chance` is what a model indifferent to content gets
  (1/n for one outcome among n). `top_share`: the share of dilemmas it ranks first in.
- `rating`: the mean over dilemmas of its outcomes' rating, with a 95% CI.
- `position_bias`: P(chosen | listed first) - P(chosen | listed last), the mean over
  dilemmas; positive = pulled toward the first option. The balanced order design cancels
  it in `preference`; it is reported so that a large value warns that the answers are driven
  by position more than by content.
- `rating_order_bias`: E(ascending anchors) - E(descending anchors) on its outcomes, as in
  `likert/summary.py`: negative = pulled toward the first label.
- `n_invalid_*` / `option_mass_*`: per task, answers below the option-mass threshold
  (excluded) and the mean mass. A choice sample counts for every dimension its dilemma offers.
A statistic that cannot be computed is null and its reason is in `reasons`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field
from scipy.stats import kendalltau

from valuescope.instruments.dilemmas.bank import Dilemma
from valuescope.instruments.dilemmas.requests import RATING_SCALE, DilemmaSample, Task
from valuescope.instruments.likert.items import ResponseScale
from valuescope.models import RunUsage
from valuescope.runs import ResultsBase
from valuescope.stats import mean_t_ci


class DilemmaResult(BaseModel):
    title: str
    dimensions: dict[str, str]
    """Outcome id -> the dimension it embodies."""
    choice: dict[str, float]
    """Outcome id -> mean probability of choosing it (empty without valid choice samples)."""
    ranking: list[str]
    """Outcome ids, most chosen first."""
    rating: dict[str, float]
    """Outcome id -> mean expected acceptability (outcomes with a valid rating)."""
    kendall_tau: float | None = None
    top_agreement: float | None = None
    n_choice_valid: int = 0
    n_rating_valid: int = 0
    reasons: dict[str, str] = Field(default_factory=dict)


class DimensionResult(BaseModel):
    preference: float | None
    preference_ci: list[float | None]
    chance: float | None
    top_share: float | None
    rating: float | None
    rating_ci: list[float | None]
    position_bias: float | None
    rating_order_bias: float | None
    n_dilemmas: int
    n_choice: int
    n_invalid_choice: int
    option_mass_choice: float | None
    n_rating: int
    n_invalid_rating: int
    option_mass_rating: float | None
    reasons: dict[str, str] = Field(default_factory=dict)


class OverallResult(BaseModel):
    n_dilemmas: int
    n_samples: int
    n_invalid: int
    option_mass_choice: float | None
    option_mass_rating: float | None
    label_share: dict[str, float]
    """Mean probability of each label in the choice task: in the balanced design a model
    blind to position puts 1/n on every label on average, whatever its preferences."""
    primacy: float | None
    """Mean P(label 1) - 1/n in the choice task: > 0 = the first option is favoured."""
    top_agreement: float | None
    kendall_tau: float | None
    """Mean over dilemmas of the choice-rating Kendall tau."""
    n_kendall: int
    methods: dict[str, int]


class DilemmaResults(ResultsBase):
    framework: str
    instrument: str
    tasks: list[Task]
    choice_orders: str
    rating_scale: ResponseScale
    min_option_mass: float
    dimensions: dict[str, DimensionResult]
    dilemmas: dict[str, DilemmaResult]
    overall: OverallResult
    usage: RunUsage


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def summarise_dilemma(dilemma: Dilemma, samples: Sequence[DilemmaSample]) -> DilemmaResult:
    """One dilemma's choice distribution, ranking, ratings and their agreement."""
    reasons: dict[str, str] = {}
    choices = [s for s in samples if s.task == "choice" and s.valid]
    ratings = [s for s in samples if s.task == "rating" and s.valid]
    ids = [o.id for o in dilemma.outcomes]
    choice = (
        {o: float(np.mean([s.outcome_probs[o] for s in choices])) for o in ids} if choices else {}
    )
    # Ties keep the file's order (sorted is stable).
    ranking = sorted(ids, key=lambda o: -choice[o]) if choice else []
    by_outcome: dict[str, list[float]] = defaultdict(list)
    for s in ratings:
        if s.outcome is not None and s.expected_rating is not None:
            by_outcome[s.outcome].append(s.expected_rating)
    rating = {o: float(np.mean(by_outcome[o])) for o in ids if by_outcome[o]}
    top_agreement = None
    if choices:
        top = ranking[0]
        agree = [max(s.outcome_probs, key=lambda o: s.outcome_probs[o]) == top for s in choices]
        top_agreement = float(np.mean(agree))
    else:
        reasons["choice"] = "no valid choice sample"
    tau: float | None = None
    both = [o for o in ids if o in choice and o in rating]
    if len(both) < 2:
        reasons["kendall_tau"] = "needs >= 2 outcomes with both a choice and a rating"
    else:
        value = float(kendalltau([choice[o] for o in both], [rating[o] for o in both]).statistic)
        if math.isnan(value):
            reasons["kendall_tau"] = "choice or rating is constant over the outcomes"
        else:
            tau = value
    return DilemmaResult(
        title=dilemma.title,
        dimensions={o.id: o.dimension for o in dilemma.outcomes},
        choice=choice,
        ranking=ranking,
        rating=rating,
        kendall_tau=tau,
        top_agreement=top_agreement,
        n_choice_valid=len(choices),
        n_rating_valid=len(ratings),
        reasons=reasons,
    )


def _ci(
    values: Sequence[float], bounds: tuple[float, float], name: str, reasons: dict[str, str]
) -> list[float | None]:
    """The t-interval over dilemmas, clipped to `bounds`; its reason under `name` when it
    has none but the mean exists."""
    low, high = mean_t_ci(values, bounds=bounds, unit="dilemmas")
    if low.reason and values:
        reasons[name] = low.reason
    return [low.value, high.value]


def _position_bias(dilemma: Dilemma, dim: str, choices: Sequence[DilemmaSample]) -> float | None:
    """P(first) - P(last) of the dimension's outcomes in one dilemma (valid choices)."""
    first: list[float] = []
    last: list[float] = []
    for s in choices:
        for o in dilemma.outcomes:
            if o.dimension != dim:
                continue
            if s.outcome_order[0] == o.id:
                first.append(s.outcome_probs[o.id])
            elif s.outcome_order[-1] == o.id:
                last.append(s.outcome_probs[o.id])
    return float(np.mean(first) - np.mean(last)) if first and last else None


def _rating_order_bias(dilemma: Dilemma, dim: str, ratings: Sequence[DilemmaSample]) -> list[float]:
    """E_asc - E_desc for each of the dimension's outcomes rated validly in both orders."""
    gaps = []
    for o in dilemma.outcomes:
        if o.dimension != dim:
            continue
        by_order = {s.order: s.expected_rating for s in ratings if s.outcome == o.id}
        asc, desc = by_order.get("asc"), by_order.get("desc")
        if asc is not None and desc is not None:
            gaps.append(asc - desc)
    return gaps


def summarise_dimension(
    dim: str,
    dilemmas: Sequence[Dilemma],
    per_dilemma: dict[str, DilemmaResult],
    samples: Sequence[DilemmaSample],
) -> DimensionResult:
    reasons: dict[str, str] = {}
    offering = [d for d in dilemmas if dim in d.dimensions]
    ids = {d.id for d in offering}
    shares, chances, tops, ratings, biases, rating_gaps = [], [], [], [], [], []
    for d in offering:
        r = per_dilemma[d.id]
        mine = [o for o in d.outcomes if o.dimension == dim]
        mine_ids = [o.id for o in mine]
        mine_samples = [s for s in samples if s.dilemma == d.id and s.valid]
        if r.choice:
            shares.append(sum(r.choice[o] for o in mine_ids))
            chances.append(len(mine) / len(d.outcomes))
            tops.append(float(r.ranking[0] in mine_ids))
            bias = _position_bias(d, dim, [s for s in mine_samples if s.task == "choice"])
            if bias is not None:
                biases.append(bias)
        rated = [r.rating[o] for o in mine_ids if o in r.rating]
        if rated:
            ratings.append(float(np.mean(rated)))
        rating_gaps += _rating_order_bias(d, dim, [s for s in mine_samples if s.task == "rating"])
    choice_samples = [s for s in samples if s.task == "choice" and s.dilemma in ids]
    rating_samples = [s for s in samples if s.task == "rating" and dim in s.dimensions]
    if not shares:
        reasons["preference"] = "no dilemma with valid choice samples"
    if not ratings:
        reasons["rating"] = "no outcome with a valid rating"
    if shares and not biases:
        reasons["position_bias"] = "no outcome was validly answered both first and last"
    if ratings and not rating_gaps:
        reasons["rating_order_bias"] = "no outcome was validly rated in both anchor orders"
    return DimensionResult(
        preference=_mean(shares),
        preference_ci=_ci(shares, (0.0, 1.0), "preference_ci", reasons),
        chance=_mean(chances),
        top_share=_mean(tops),
        rating=_mean(ratings),
        rating_ci=_ci(ratings, (RATING_SCALE.minimum, RATING_SCALE.maximum), "rating_ci", reasons),
        position_bias=_mean(biases),
        rating_order_bias=_mean(rating_gaps),
        n_dilemmas=len(offering),
        n_choice=len(choice_samples),
        n_invalid_choice=sum(not s.valid for s in choice_samples),
        option_mass_choice=_mean([s.option_mass for s in choice_samples]),
        n_rating=len(rating_samples),
        n_invalid_rating=sum(not s.valid for s in rating_samples),
        option_mass_rating=_mean([s.option_mass for s in rating_samples]),
        reasons=reasons,
    )


def summarise_overall(
    samples: Sequence[DilemmaSample], per_dilemma: dict[str, DilemmaResult]
) -> OverallResult:
    choices = [s for s in samples if s.task == "choice"]
    valid = [s for s in choices if s.valid]
    label_values: dict[str, list[float]] = defaultdict(list)
    for s in valid:
        for label, p in zip(s.labels, s.probs, strict=True):
            label_values[label].append(p)
    taus = [r.kendall_tau for r in per_dilemma.values() if r.kendall_tau is not None]
    tops = [r.top_agreement for r in per_dilemma.values() if r.top_agreement is not None]
    return OverallResult(
        n_dilemmas=len(per_dilemma),
        n_samples=len(samples),
        n_invalid=sum(not s.valid for s in samples),
        option_mass_choice=_mean([s.option_mass for s in choices]),
        option_mass_rating=_mean([s.option_mass for s in samples if s.task == "rating"]),
        label_share={k: float(np.mean(v)) for k, v in sorted(label_values.items())},
        primacy=_mean([s.probs[0] - 1.0 / len(s.probs) for s in valid]),
        top_agreement=_mean(tops),
        kendall_tau=_mean(taus),
        n_kendall=len(taus),
        methods=dict(Counter(s.method for s in samples)),
    )


def summarise(
    dilemmas: Sequence[Dilemma],
    dimension_ids: Sequence[str],
    samples: Sequence[DilemmaSample],
) -> tuple[dict[str, DimensionResult], dict[str, DilemmaResult], OverallResult]:
    """Everything `results.json` reports, from the samples of `dilemmas`."""
    per_dilemma = {
        d.id: summarise_dilemma(d, [s for s in samples if s.dilemma == d.id]) for d in dilemmas
    }
    dimensions = {
        dim: summarise_dimension(dim, dilemmas, per_dilemma, samples)
        for dim in dimension_ids
        if any(dim in d.dimensions for d in dilemmas)
    }
    return dimensions, per_dilemma, summarise_overall(samples, per_dilemma)
