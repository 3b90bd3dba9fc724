"""The Likert summary on constructed samples: which rows a statistic groups, which numbers it
averages, and what it says when a dimension has too few items (no model, no engine)."""

from __future__ import annotations

import numpy as np
import pytest

from valuescope.instruments.likert import Condition, all_conditions
from valuescope.instruments.likert.items import ResponseScale
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.instruments.likert.summary import (
    ITEMS_NEEDED,
    MIN_ITEMS,
    DimensionResult,
    add_mrat,
    few_items_note,
    summarise_dimension,
)
from valuescope.stats import bootstrap_mean_ci

SCALE = ResponseScale(points=6, anchors=list("abcdef"), stem="How well?")
CONDITIONS = all_conditions()  # asc/none, desc/none, asc/neutral, desc/neutral


def sample(item: str, condition: Condition, score: float, dimension: str = "power") -> LikertSample:
    """A valid, keyed (polarity 1) answer whose expected scale point is `score`."""
    return LikertSample(
        item_id=item,
        condition=condition.id,
        valid=True,
        dimension=dimension,
        polarity=1,
        order=condition.order,
        framing=condition.framing,
        paraphrase=condition.paraphrase,
        sample=condition.sample,
        prompt="",
        labels=[str(i) for i in range(1, 7)],
        scale_points=SCALE.values,
        probs=[1 / 6] * 6,
        option_mass=1.0,
        missing=[],
        method="logprobs",
        expected_raw=score,
        score=score,
    )


def constant_items(scores: dict[str, float], dimension: str = "power") -> list[LikertSample]:
    """Each item answered `scores[item]` under every administration."""
    return [sample(i, c, s, dimension) for i, s in scores.items() for c in CONDITIONS]


# ----------------------------------------------------------------------------------------------
# Parallel forms across option orders group the administrations by order
# ----------------------------------------------------------------------------------------------


def test_parallel_forms_order_splits_administrations_by_option_order() -> None:
    # In ascending order the items' profile is ASC, in descending order DESC (nearly its
    # mirror), whatever the framing. Split by order the forms correlate at r(ASC, DESC) < 0;
    # split by framing each form averages ASC and DESC, the two framings look alike, r = 1.
    asc, desc = [1.0, 2.0, 3.0, 5.0], [5.0, 3.0, 2.0, 1.0]
    samples = [
        sample(f"i{j}", c, (asc if c.order == "asc" else desc)[j])
        for j in range(4)
        for c in CONDITIONS
    ]
    result = summarise_dimension(samples, SCALE, CONDITIONS, seed=0)
    expected = float(np.corrcoef(asc, desc)[0, 1])
    assert expected < -0.9
    assert result.parallel_forms_order == pytest.approx(expected)


# ----------------------------------------------------------------------------------------------
# MRAT: centred on the mean over all items, not over the dimensions
# ----------------------------------------------------------------------------------------------


def test_add_mrat_centres_on_the_mean_over_all_items() -> None:
    # power: 2 items scoring 2; benevolence: 4 items scoring 5. Item mean = (4 + 20) / 6 = 4,
    # so MRAT scores are 2 - 4 = -2 and 5 - 4 = +1 (the mean of the two dimension scores,
    # 3.5, would give -1.5 and +1.5: not Schwartz's rule).
    samples = constant_items({"p1": 2.0, "p2": 2.0}, "power") + constant_items(
        {f"b{i}": 5.0 for i in range(4)}, "benevolence"
    )
    dimensions = {
        dim: summarise_dimension([s for s in samples if s.dimension == dim], SCALE, CONDITIONS, 0)
        for dim in ("power", "benevolence")
    }
    assert all(d.score_mrat is None for d in dimensions.values())
    add_mrat(dimensions, samples)
    assert dimensions["power"].score == pytest.approx(2.0)
    assert dimensions["power"].score_mrat == pytest.approx(-2.0)
    assert dimensions["benevolence"].score_mrat == pytest.approx(1.0)


# ----------------------------------------------------------------------------------------------
# The CI is a CI of the mean of the items, not the spread of the items
# ----------------------------------------------------------------------------------------------

N_ITEMS = 400
# Item scores spread evenly over 1.5 .. 5.5: mean 3.5, standard deviation about 1.16.
ITEM_VALUES = np.linspace(1.5, 5.5, N_ITEMS)


def assert_ci_of_the_mean(low: float | None, high: float | None) -> None:
    """A CI of a mean of n = 400 (the t-interval, or the percentile bootstrap) is close to the
    normal one,
    mean +- 1.96 sd / sqrt(n) (width ~0.23), and far narrower than the items' own spread
    (their 2.5..97.5 percentiles are 1.6 .. 5.4)."""
    assert low is not None and high is not None
    mean = float(ITEM_VALUES.mean())
    half = 1.96 * float(ITEM_VALUES.std(ddof=1)) / np.sqrt(N_ITEMS)
    assert low < mean < high
    assert low == pytest.approx(mean - half, abs=0.25 * half)
    assert high == pytest.approx(mean + half, abs=0.25 * half)
    assert high - low < 0.1 * float(np.ptp(ITEM_VALUES))


def test_bootstrap_ci_resamples_the_mean() -> None:
    low, high = bootstrap_mean_ci(ITEM_VALUES, seed=3)
    assert_ci_of_the_mean(low.value, high.value)


def test_dimension_ci_is_a_ci_of_the_item_mean() -> None:
    samples = constant_items({f"i{j:03d}": float(v) for j, v in enumerate(ITEM_VALUES)})
    result = summarise_dimension(samples, SCALE, CONDITIONS, seed=0)
    assert result.score == pytest.approx(3.5)
    assert_ci_of_the_mean(*result.ci)


# ----------------------------------------------------------------------------------------------
# Too few items: the reasons and the results' note say so
# ----------------------------------------------------------------------------------------------


def varied_items(n_items: int) -> list[LikertSample]:
    """`n_items` items whose scores move with the administration (not degenerate)."""
    rng = np.random.default_rng(n_items)
    return [
        sample(f"i{j}", c, float(rng.uniform(1.0, 6.0))) for j in range(n_items) for c in CONDITIONS
    ]


def test_one_item_leaves_no_ci_and_no_consistency_and_the_reasons_say_why() -> None:
    result = summarise_dimension(varied_items(1), SCALE, CONDITIONS, seed=0)
    assert result.ci == [None, None]
    for name in ("ci", "parallel_forms_order"):
        assert name == "ci" or getattr(result, name) is None
        assert "the dimension has 1 item, this needs >= " in result.reasons[name], name
        assert "--limit" in result.reasons[name]
    # Reasons unrelated to the item count keep their own wording.
    assert "one wording" in result.reasons["parallel_forms_paraphrase"]
    assert "deterministic" in result.reasons["test_retest"]


def test_two_items_give_no_ci_and_no_parallel_forms() -> None:
    """A t-interval from 2 items is mean +- 12.7 sd/sqrt(2) (wider than the scale), and the
    percentile bootstrap's covered 0.48: no CI, and the reason says how many items it needs."""
    result = summarise_dimension(varied_items(2), SCALE, CONDITIONS, seed=0)
    assert result.score is not None and result.n_items == result.n_items_scored == 2
    assert result.ci == [None, None] and result.parallel_forms_order is None
    for name in ("ci", "parallel_forms_order"):
        assert result.reasons[name] == (
            "the dimension has 2 items, this needs >= 3 (ask more items per dimension, e.g. a "
            "larger --limit)"
        )


T_975 = {2: 4.302652729911275, 5: 2.570581835636314}  # t(0.975, df)


@pytest.mark.parametrize("scores", [[3.0, 3.5, 4.0], [2.5, 3.0, 3.5, 4.0, 4.5, 5.0]])
def test_the_dimension_ci_is_a_t_interval_over_the_items(scores: list[float]) -> None:
    items = {f"i{j}": s for j, s in enumerate(scores)}
    result = summarise_dimension(constant_items(items), SCALE, CONDITIONS, seed=0)
    k = len(scores)
    half = T_975[k - 1] * float(np.std(scores, ddof=1)) / np.sqrt(k)
    mean = float(np.mean(scores))
    assert result.score == pytest.approx(mean)
    assert result.ci == [pytest.approx(mean - half), pytest.approx(mean + half)]
    assert result.n_items_scored == k and "ci" not in result.reasons


def test_the_dimension_ci_stays_on_the_scale() -> None:
    # 1, 6, 6 on a 1..6 scale: mean 4.33 +- 7.2 would run from -2.8 to 11.5.
    result = summarise_dimension(
        constant_items({"a": 1.0, "b": 6.0, "c": 6.0}), SCALE, CONDITIONS, 0
    )
    assert result.ci == [1.0, 6.0]


def test_items_that_all_score_the_same_give_no_zero_width_ci() -> None:
    result = summarise_dimension(
        constant_items({"a": 4.25, "b": 4.25, "c": 4.25}), SCALE, CONDITIONS, seed=0
    )
    assert result.score == pytest.approx(4.25) and result.ci == [None, None]
    assert result.reasons["ci"] == (
        "all 3 scored items have the same score (4.25): an interval of width 0 would claim a "
        "certainty that 3 items cannot give"
    )


def test_the_ci_counts_the_items_with_a_valid_answer() -> None:
    """3 items asked, one never answered validly: the score and the CI are over 2 items, so
    there is no CI, and the reason says 2 of 3."""
    samples = varied_items(3)
    samples = [
        s.model_copy(update={"valid": False, "score": None}) if s.item_id == "i2" else s
        for s in samples
    ]
    result = summarise_dimension(samples, SCALE, CONDITIONS, seed=0)
    assert result.n_items == 3 and result.n_items_scored == 2
    assert result.ci == [None, None]
    assert result.reasons["ci"] == (
        "the dimension has 2 items with a valid answer (of 3 asked), this needs >= 3 (ask "
        "more items per dimension, e.g. a larger --limit)"
    )


def test_three_items_are_enough_for_every_statistic() -> None:
    assert MIN_ITEMS == 3 == max(ITEMS_NEEDED.values())
    result = summarise_dimension(varied_items(3), SCALE, CONDITIONS, seed=0)
    assert result.parallel_forms_order is not None, result.reasons.get("parallel_forms_order")
    assert None not in result.ci


def dimensions_with(counts: dict[str, int]) -> dict[str, DimensionResult]:
    return {
        dim: summarise_dimension(varied_items(n), SCALE, CONDITIONS, seed=0)
        for dim, n in counts.items()
    }


def test_few_items_note_for_a_limit_of_one_item_per_value() -> None:
    ten = dimensions_with({f"v{i}": 1 for i in range(10)})
    assert few_items_note(ten, limit=10, n_dimensions=10) == (
        "each dimension has only 1 item (--limit 10 over 10 dimensions): no CI and no "
        "consistency statistics; use --limit 30 or more (ask at least 3 items per dimension)"
    )
    assert few_items_note(ten) == (
        "each dimension has only 1 item: no CI and no consistency statistics; "
        "ask at least 3 items per dimension"
    )


def test_few_items_note_names_the_short_dimensions() -> None:
    mixed = dimensions_with({"a": 3, "b": 2, "c": 3, "d": 1})
    note = few_items_note(mixed, limit=9, n_dimensions=4)
    assert note is not None
    assert note.startswith("2 of 4 dimensions have fewer than 3 items (b, d; --limit 9 over 4")
    assert note.endswith("use --limit 12 or more (ask at least 3 items per dimension)")
    assert few_items_note(dimensions_with({"a": 2, "b": 2}), limit=4) == (
        "each dimension has only 2 items (--limit 4 over 2 dimensions): no CI and no "
        "consistency statistics; use --limit 6 or more (ask at least 3 items per dimension)"
    )


def test_no_note_with_enough_items() -> None:
    assert few_items_note(dimensions_with({"a": 3, "b": 4}), limit=7) is None
    assert few_items_note({}) is None
