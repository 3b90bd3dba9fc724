"""The verdict on a questionnaire run's profile, and when a run has failed outright.

`likert_verdict(results)` reads the model's own profile against `valuescope.thresholds`:

- *position*: how much of the answers' variance option order explains, and whether the
  items keep their rank order under both orders (`stats.position_check`);
- *invalid*: the share of answers that could not be scored;
- *option mass*: the mean probability on the options;
- *text*: free answers against log-probability answers, where `--check-text` asked;
- *acquiescence*: yes-saying, over the dimensions keyed both ways;
- *items*: dimensions asked too few items;
- *respondents*: simulated respondents with scores, where the design has them.

`likert_failure(results)` says why a run has nothing to read (every answer invalid, or a
respondent design without one scored respondent): the engine records it, the CLI exits 4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuescope import thresholds as t
from valuescope.verdict import (
    Figure,
    Level,
    Reason,
    Verdict,
    count_reason,
    invalid_reason,
    level_of,
    option_mass_reason,
    percent,
    position_share_reason,
)

if TYPE_CHECKING:
    from valuescope.instruments.likert.summary import MeasureResults


def position_reason(results: MeasureResults) -> Reason:
    """Option order against item content, over every item of the model's own profile."""
    check = results.overall.position
    if check is None or check.share.value is None:
        why = "no items" if check is None else check.share.reason
        return position_share_reason(None, "item content", why, "", {})
    share = check.share.value
    pulled = sorted(
        dim
        for dim, r in results.dimensions.items()
        if r.position is not None
        and r.position.share.value is not None
        and r.position.share.value >= t.POSITION_SHARE_NOT
    )
    found = (
        f"option order explains {percent(share)} of the answers' variance between items and "
        f"orders (order sd {check.position_sd:.2f}, content sd {check.content_sd:.2f} scale "
        "points"
    )
    figures: dict[str, Figure] = {
        "share": share,
        "position_sd": check.position_sd,
        "content_sd": check.content_sd,
        "n_items": check.n_items,
        "dimensions_past_limit": len(pulled),
    }
    after = f"; {len(pulled)} of {len(results.dimensions)} dimensions past the limit"
    return position_share_reason(
        share, "item content", None, found, figures, after if pulled else ""
    )


def order_level(r: float, ci: tuple[float, float] | None) -> tuple[Level, str]:
    """The level of the items' rank-order correlation across option orders, and what it
    means: not interpretable when its 95% CI reaches 0 (one order's answers do not predict
    the other's: answers at random) or when it is negative (the order reverses); care
    below `ORDER_FORMS_FLOOR`."""
    if ci is not None and ci[0] <= 0 <= ci[1]:
        what = "the items' rank order under one option order does not predict it under the other"
        return "not interpretable", what
    if r < 0:
        return "not interpretable", "the items' rank order reverses with the option order"
    if r < t.ORDER_FORMS_FLOOR:
        return "interpret with care", "the items' rank order changes with the option order"
    return "interpretable", "the items keep their rank order under both option orders"


def order_reason(results: MeasureResults) -> Reason | None:
    """Do the items keep their rank order when the option order changes (`order_level`)?"""
    check = results.overall.position
    if check is None or check.order_r.value is None:
        return None
    r, ci = check.order_r.value, check.order_r_ci
    interval = f", 95% CI [{ci[0]:.2f}, {ci[1]:.2f}]" if ci is not None else ""
    level, what = order_level(r, ci)
    return Reason(
        check="order",
        level=level,
        text=f"{what} (r = {r:.2f}{interval}, {check.n_items} items; < {t.ORDER_FORMS_FLOOR} "
        "needs care, < 0 or a CI reaching 0 is not interpretable)",
        figures={"r": r, "n_items": check.n_items},
    )


def _invalid_reason(results: MeasureResults) -> Reason:
    return invalid_reason(results.overall.n_invalid, results.overall.n_samples)


def text_reason(results: MeasureResults) -> Reason | None:
    """Pooled over dimensions, where `--check-text` asked for free answers."""
    checks = [r.text_check for r in results.dimensions.values() if r.text_check is not None]
    compared = sum(c.n_compared for c in checks)
    if not checks:
        return None
    if compared == 0:
        return Reason(
            check="text",
            level="interpret with care",
            text="no free answer named an option: text and log-probabilities cannot be compared",
        )
    agree = sum(c.n_agree for c in checks) / compared
    level = level_of(agree, t.TEXT_AGREEMENT_NOT, t.TEXT_AGREEMENT_CARE, higher_is_worse=False)
    return Reason(
        check="text",
        level=level,
        text=f"free answers name the log-probability answer in {percent(agree)} of {compared} "
        f"checked (< {percent(t.TEXT_AGREEMENT_CARE)} needs care, < "
        f"{percent(t.TEXT_AGREEMENT_NOT)} is not interpretable)",
        figures={"agreement": agree, "n_compared": compared},
    )


def acquiescence_reason(results: MeasureResults) -> Reason | None:
    a = results.overall.acquiescence
    if a is None or a.balanced_agreement is None or a.keying_gap is None:
        return None
    scale = results.scale
    middle = (scale.minimum + scale.maximum) / 2
    offset = (a.balanced_agreement - middle) / (scale.maximum - scale.minimum)
    level: Level = "interpret with care" if abs(offset) > t.ACQUIESCENCE_CARE else "interpretable"
    leaning = "agrees" if offset > 0 else "disagrees"
    return Reason(
        check="acquiescence",
        level=level,
        text=f"over {len(a.dimensions)} dimensions keyed both ways the model {leaning} at "
        f"{a.balanced_agreement:.2f} (midpoint {middle:g}; off by more than "
        f"{percent(t.ACQUIESCENCE_CARE)} of the scale needs care); forward and reverse items "
        f"differ by {a.keying_gap:.2f} points",
        figures={
            "balanced_agreement": a.balanced_agreement,
            "offset": offset,
            "keying_gap": a.keying_gap,
        },
    )


def items_reason(results: MeasureResults) -> Reason | None:
    return count_reason(
        "items",
        {dim: r.n_items for dim, r in results.dimensions.items()},
        t.MIN_ITEMS,
        "items",
        "they have no CI and no consistency statistics",
    )


def respondents_reason(results: MeasureResults) -> Reason | None:
    r = results.respondents
    if r is None:
        return None
    scored = min((d.reliability.n_respondents for d in r.dimensions.values()), default=0)
    sds = [d.sd for d in r.dimensions.values() if d.sd is not None]
    if scored > 1 and sds and max(sds) < 1e-9:
        return Reason(
            check="respondents",
            level="interpret with care",
            text=f"the {scored} simulated respondents answered alike (sd 0 on every "
            "dimension): the model does not tell the personas apart, so reliability over "
            "them means nothing",
            figures={"scored": scored, "max_sd": max(sds)},
        )
    level: Level = "interpret with care" if scored < t.MIN_RESPONDENTS else "interpretable"
    return Reason(
        check="respondents",
        level=level,
        text=f"{scored} of {r.design.respondents} simulated respondents scored on every "
        f"dimension (< {t.MIN_RESPONDENTS} needs care)",
        figures={"scored": scored, "designed": r.design.respondents},
    )


def likert_verdict(results: MeasureResults) -> Verdict:
    """The verdict on the model's own profile (module docstring)."""
    found = [
        position_reason(results),
        order_reason(results),
        _invalid_reason(results),
        option_mass_reason(results.overall.option_mass),
        text_reason(results),
        acquiescence_reason(results),
        items_reason(results),
        respondents_reason(results),
    ]
    return Verdict.of(r for r in found if r is not None)


def likert_failure(results: MeasureResults, invalid_reasons: list[str]) -> str | None:
    """Why the run has nothing to read, in one line; None when it has."""
    o = results.overall
    if o.n_samples and o.n_invalid == o.n_samples:
        common = f": {invalid_reasons[0]}" if invalid_reasons else ""
        return f"all {o.n_samples} answers were invalid{common}"
    r = results.respondents
    if r is not None and not any(d.reliability.n_respondents for d in r.dimensions.values()):
        return (
            f"none of the {r.design.respondents} simulated respondents has a score on any "
            "dimension: every respondent answer was invalid"
        )
    return None
