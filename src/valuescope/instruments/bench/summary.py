"""From bench samples to accuracy, position bias, agreement and information gain.

The unit of analysis is the *item*: an item's accuracy is the share of its orders answered
right, and the benchmark's accuracy is the mean over items, with a 95% percentile bootstrap
CI that resamples items (the orders of one item are not independent draws, so a Wilson
interval over all answers would be too narrow).

An invalid answer (no option parsed, too little probability on the options) counts as
*wrong* in `accuracy`, the headline: a model that answers a hard item unreadably has not
got it right, and leaving such answers out would reward it for failing to answer.
`accuracy_valid` beside it is over the valid answers only (an item without one is left
out), the figure to read for what the model knows when it does answer.

- `p_right`: the mean probability `choose` put on the right option (a graded accuracy).
- Position bias: accuracy by the right option's shown position (a model that favours "A"
  is right more often when the right option is A), and the share of picks per shown
  position against the uniform 1/n (all items with the same n).
- Agreement (parse/reason modes): the share of answers where the parsed letter is
  `choose`'s most likely letter (both valid).
- Information gain (LegalDelta): per item, the mean over orders of log p(answer | the
  model's reasoning) - log p(answer) without it, for the right answer and for the answer
  the model gives after reasoning; the mean, and the share of items where reasoning lowered
  the right answer's probability (negative gain). Log-probabilities floor at 1e-12.
- Order pairs (`position.order_pairs`): pairs of answers to one item under two orders that
  kept the option, kept the position or changed both, and the share of position-kept
  pairs, which the verdict reads.
- `chance`: the accuracy of guessing, the mean over items of 1 / its number of options;
  `option_mass`: the mean probability `choose` put on the options.
- `skipped_items`: image items not asked (a text-only backend); they are in no figure.
`accuracy_by` gives the same accuracy per value of an item field (language, type), for the
benchmark modules' figures.
A statistic that cannot be computed is null, with its reason in `reasons`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, Field

from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.parse import letters
from valuescope.instruments.bench.position import OrderPairs, order_pairs
from valuescope.instruments.bench.requests import BenchSample, log_prob

CI_METHOD = "95% percentile bootstrap over items (2000 resamples)"


def _no_ci() -> list[float | None]:
    return [None, None]


class Accuracy(BaseModel):
    accuracy: float | None
    """Mean over items of the share of orders answered right, an invalid answer wrong."""
    ci: list[float | None]
    p_right: float | None
    n_items: int
    n_answers: int
    n_invalid: int
    ci_reason: str | None = None
    """Why `ci` is null (too few items)."""
    accuracy_valid: float | None = None
    """The same over valid answers only; None (older results: absent) without any."""
    ci_valid: list[float | None] = Field(default_factory=_no_ci)
    ci_valid_reason: str | None = None
    n_items_valid: int = 0
    """Items with at least one valid answer (those `accuracy_valid` averages)."""


class PositionBias(BaseModel):
    options: int
    """Items with this many options."""
    accuracy_by_right_position: dict[str, float | None]
    pick_share: dict[str, float]
    uniform: float
    n_answers: int


class InfoGainItem(BaseModel):
    logp_right_direct: float
    logp_right_reasoned: float
    gain_right: float
    logp_chosen_direct: float
    logp_chosen_reasoned: float
    gain_chosen: float
    n_orders: int


class InfoGain(BaseModel):
    mean_gain_right: float | None
    mean_gain_chosen: float | None
    lowered_right_share: float | None
    """Share of items where reasoning lowered the right answer's log-probability."""
    accuracy_direct: float | None
    accuracy_reasoned: float | None
    items: dict[str, InfoGainItem]


class BenchSummary(BaseModel):
    overall: Accuracy
    categories: dict[str, Accuracy]
    per_item: dict[str, float]
    """Each item's share of orders answered right, an invalid answer wrong."""
    position_bias: list[PositionBias]
    agreement: float | None
    n_agreement: int
    calls_per_item: float | None
    invalid_reasons: dict[str, int]
    methods: dict[str, int]
    info_gain: InfoGain | None = None
    skipped_items: int = 0
    reasons: dict[str, str] = Field(default_factory=dict)
    order_pairs: OrderPairs | None = None
    """None in results written before it."""
    chance: float | None = None
    """The accuracy of guessing (mean over items of 1 / options); None without items."""
    option_mass: float | None = None
    """Mean probability on the options over the answers `choose` scored."""


def show(value: float | None, digits: int = 2) -> str:
    """A figure for the CLI's lines ("n/a" for a statistic that could not be computed)."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def _mean(values: Sequence[float]) -> float | None:
    import numpy as np

    return float(np.mean(values)) if len(values) else None


def accuracy(items: Sequence[BenchItem], samples: Sequence[BenchSample], seed: int) -> Accuracy:
    from valuescope.stats import bootstrap_mean_ci

    ids = {i.id for i in items}
    mine = [s for s in samples if s.item_id in ids]
    scores = list(_per_item(mine).values())
    valid_scores = list(_per_item(mine, valid_only=True).values())
    low, high = bootstrap_mean_ci(scores, seed=seed)
    valid_low, valid_high = bootstrap_mean_ci(valid_scores, seed=seed)
    probs = [s.probs[s.right] for s in mine if s.choose_valid and s.probs is not None]
    return Accuracy(
        accuracy=_mean(scores),
        ci=[low.value, high.value],
        ci_reason=low.reason,
        accuracy_valid=_mean(valid_scores),
        ci_valid=[valid_low.value, valid_high.value],
        ci_valid_reason=valid_low.reason,
        n_items_valid=len(valid_scores),
        p_right=_mean(probs),
        n_items=len(ids),
        n_answers=len(mine),
        n_invalid=sum(not s.valid for s in mine),
    )


def accuracy_by(
    items: Sequence[BenchItem], samples: Sequence[BenchSample], seed: int, field: str
) -> dict[str, Accuracy]:
    """Accuracy per value of an item field (`language`, `type`); items without it are left
    out."""
    values = sorted({v for i in items if (v := getattr(i, field))})
    return {
        v: accuracy([i for i in items if getattr(i, field) == v], samples, seed) for v in values
    }


def _per_item(samples: Sequence[BenchSample], valid_only: bool = False) -> dict[str, float]:
    """Each item's share of answers right: over all its answers, an invalid one wrong; or,
    with `valid_only`, over its valid answers (an item without one has no share)."""
    import numpy as np

    by_item: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        if s.valid and s.correct is not None:
            by_item[s.item_id].append(float(s.correct))
        elif not s.valid and not valid_only:
            by_item[s.item_id].append(0.0)
    return {k: float(np.mean(v)) for k, v in by_item.items()}


def position_bias(samples: Sequence[BenchSample]) -> list[PositionBias]:
    by_n: dict[int, list[BenchSample]] = defaultdict(list)
    for s in samples:
        if s.valid and s.chosen is not None:
            by_n[len(s.order)].append(s)
    out = []
    for n, group in sorted(by_n.items()):
        labels = letters(n)
        right: dict[str, list[float]] = defaultdict(list)
        for s in group:
            right[labels[s.right_position]].append(float(bool(s.correct)))
        picks = Counter(labels[p] for s in group if (p := s.chosen_position) is not None)
        out.append(
            PositionBias(
                options=n,
                accuracy_by_right_position={k: _mean(right[k]) for k in labels},
                pick_share={k: picks[k] / len(group) for k in labels},
                uniform=1.0 / n,
                n_answers=len(group),
            )
        )
    return out


def info_gain(samples: Sequence[BenchSample]) -> InfoGain | None:
    """Per item (mean over its orders) and overall; None when no sample has reasoned probs."""
    import numpy as np

    rows: dict[str, list[tuple[float, float, float, float, bool, bool]]] = defaultdict(list)
    for s in samples:
        if s.reasoned_probs is None or s.probs is None or not s.choose_valid:
            continue
        after = int(np.argmax(s.reasoned_probs))
        rows[s.item_id].append(
            (
                log_prob(s.probs[s.right]),
                log_prob(s.reasoned_probs[s.right]),
                log_prob(s.probs[after]),
                log_prob(s.reasoned_probs[after]),
                int(np.argmax(s.probs)) == s.right,
                after == s.right,
            )
        )
    if not rows:
        return None
    items = {}
    for item_id, values in rows.items():
        a = np.asarray(values, dtype=float)
        items[item_id] = InfoGainItem(
            logp_right_direct=float(a[:, 0].mean()),
            logp_right_reasoned=float(a[:, 1].mean()),
            gain_right=float((a[:, 1] - a[:, 0]).mean()),
            logp_chosen_direct=float(a[:, 2].mean()),
            logp_chosen_reasoned=float(a[:, 3].mean()),
            gain_chosen=float((a[:, 3] - a[:, 2]).mean()),
            n_orders=len(values),
        )
    flat = [v for values in rows.values() for v in values]
    return InfoGain(
        mean_gain_right=_mean([i.gain_right for i in items.values()]),
        mean_gain_chosen=_mean([i.gain_chosen for i in items.values()]),
        lowered_right_share=_mean([float(i.gain_right < 0) for i in items.values()]),
        accuracy_direct=_mean([float(v[4]) for v in flat]),
        accuracy_reasoned=_mean([float(v[5]) for v in flat]),
        items=items,
    )


def summarise(
    items: Sequence[BenchItem],
    samples: Sequence[BenchSample],
    seed: int,
    skipped_items: int = 0,
) -> BenchSummary:
    reasons: dict[str, str] = {}
    categories = sorted({i.category for i in items if i.category})
    by_category = {
        c: accuracy([i for i in items if i.category == c], samples, seed) for c in categories
    }
    both = [s for s in samples if s.parsed is not None and s.choose_valid]
    if samples and samples[0].mode == "choose":
        reasons["agreement"] = "choose mode: no written answer to compare"
    elif not both:
        reasons["agreement"] = "no answer was both parsed and validly chosen"
    gain = info_gain(samples)
    if gain is None:
        reasons["info_gain"] = "not asked (--info-gain) or no valid answer"
    answered = {s.item_id for s in samples}
    masses = [s.option_mass for s in samples if s.option_mass is not None]
    return BenchSummary(
        overall=accuracy(items, samples, seed),
        categories=by_category,
        per_item=_per_item(samples),
        position_bias=position_bias(samples),
        agreement=_mean([float(s.parsed == s.choose_chosen) for s in both]),
        n_agreement=len(both),
        calls_per_item=sum(s.calls for s in samples) / len(answered) if answered else None,
        invalid_reasons=dict(
            Counter(_reason_kind(s.invalid_reason) for s in samples if not s.valid)
        ),
        methods=dict(Counter(s.method for s in samples if s.method)),
        info_gain=gain,
        skipped_items=skipped_items,
        reasons=reasons,
        order_pairs=order_pairs(samples),
        chance=_mean([1.0 / len(i.options) for i in items]),
        option_mass=_mean(masses),
    )


def _reason_kind(reason: str | None) -> str:
    """Invalid reasons grouped by kind (the text before a colon: the answer quoted after it
    differs from sample to sample)."""
    return (reason or "unknown").split(":")[0]
