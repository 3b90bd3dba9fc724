"""A dilemmas run: which ethics framework's course of action the model chooses and rates
acceptable, per dilemma, and whether the answers follow position rather than content.

Choice shares are drawn on 0..1 with the chance share (1/n outcomes) as the reference line,
ratings on the rating scale with its midpoint: a model indifferent to content sits on the
line. The bias figures come right after, since a strong pull toward the first-listed option
(cancelled in the shares by the order design, but a sign the shares reflect content only
weakly) changes how much the profile should be trusted.
"""

from __future__ import annotations

from typing import Any

from valuescope.report._folder import RunFolder
from valuescope.report._html import charts, ci_text, el, figure, fmt, key_values, table
from valuescope.report._kinds._cells import as_float, bounds
from valuescope.report._parts import Links, Section, no_results
from valuescope.report._svg import Bar, bars


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    dims: dict[str, Any] = results.get("dimensions") or {}
    if not dims:
        return no_results("profile", "Profile")
    out = [_profile(results, dims), _biases(results, dims)]
    dilemmas = results.get("dilemmas") or {}
    if isinstance(dilemmas, dict) and dilemmas:
        out.append(_dilemmas(dilemmas, list(dims)))
    return out


def _share_ci(value: object, ci: object) -> str:
    """A choice share with 3 decimals: shares sit near chance (0.2) and 2 hide the gaps."""
    low, high = bounds(ci)
    if low is None or high is None:
        return fmt(value, 3)
    return f"{fmt(value, 3)} [{fmt(low, 3)}, {fmt(high, 3)}]"


def _missing(row: dict[str, Any], name: str) -> object:
    """The value, or a dash whose tooltip is the reason it could not be computed."""
    reason = (row.get("reasons") or {}).get(name)
    value = row.get(name)
    if value is None and reason:
        return el("span", "–", title=reason, class_="muted")
    return value


def _scale(results: dict[str, Any]) -> tuple[float, float]:
    scale = results.get("rating_scale") or {}
    low = float(scale.get("minimum", 1))
    return low, low + float(scale.get("points", 5)) - 1


def _profile(results: dict[str, Any], dims: dict[str, Any]) -> Section:
    low, high = _scale(results)
    chances = {as_float(r.get("chance")) for r in dims.values()} - {None}
    choice = bars(
        [
            Bar(d, as_float(r.get("preference")), *bounds(r.get("preference_ci")))
            for d, r in dims.items()
        ],
        0.0,
        1.0,
        title="choice share per framework",
        reference=chances.pop() if len(chances) == 1 else None,
        label_width=110,
    )
    rating = bars(
        [Bar(d, as_float(r.get("rating")), *bounds(r.get("rating_ci"))) for d, r in dims.items()],
        low,
        high,
        title="acceptability rating per framework",
        reference=(low + high) / 2,
        label_width=110,
    )
    rows = [
        [
            d,
            _share_ci(r.get("preference"), r.get("preference_ci")),
            r.get("chance"),
            r.get("top_share"),
            ci_text(r.get("rating"), r.get("rating_ci")),
            r.get("n_dilemmas"),
        ]
        for d, r in dims.items()
    ]
    scale = results.get("rating_scale") or {}
    body = el(
        "div",
        el(
            "p",
            "Choice share: the mean over dilemmas of the probability of choosing the "
            "framework's course of action (chance: a model blind to content). Rating: how "
            f"acceptable the model finds it, {low:g}..{high:g} ({scale.get('stem') or ''}). "
            "95% CIs resample dilemmas.",
            class_="sub",
        ),
        charts(
            figure(choice, "Choice share, 95% CI; dashed: chance."),
            figure(rating, "Rating, 95% CI; dashed: the midpoint."),
        ),
        table(
            [
                "framework",
                "choice share [95% CI]",
                "chance",
                "ranked first in",
                "rating [95% CI]",
                "dilemmas",
            ],
            rows,
        ),
    )
    return Section("profile", "Profile", body)


def _biases(results: dict[str, Any], dims: dict[str, Any]) -> Section:
    overall: dict[str, Any] = results.get("overall") or {}
    rows = [
        [
            d,
            _missing(r, "position_bias"),
            _missing(r, "rating_order_bias"),
            f"{fmt(r.get('n_invalid_choice'))} of {fmt(r.get('n_choice'))}",
            r.get("option_mass_choice"),
            f"{fmt(r.get('n_invalid_rating'))} of {fmt(r.get('n_rating'))}",
            r.get("option_mass_rating"),
        ]
        for d, r in dims.items()
    ]
    methods = overall.get("methods") or {}
    pairs = {
        "dilemmas": overall.get("n_dilemmas"),
        "answers (invalid)": f"{fmt(overall.get('n_samples'))} ({fmt(overall.get('n_invalid'))})",
        "primacy (P(label 1) - 1/n)": overall.get("primacy"),
        "top choice kept over orders": overall.get("top_agreement"),
        "choice-rating Kendall tau": f"{fmt(overall.get('kendall_tau'))} "
        f"(mean of {fmt(overall.get('n_kendall'))} dilemmas)",
        "option mass, choice": overall.get("option_mass_choice"),
        "option mass, rating": overall.get("option_mass_rating"),
        "scores read by": ", ".join(f"{k}: {v}" for k, v in methods.items()) or None,
        "tasks": ", ".join(str(t) for t in results.get("tasks") or []) or None,
        "min option mass": results.get("min_option_mass"),
    }
    share = overall.get("label_share") or {}
    n = len(share) or 1
    chart = bars(
        [Bar(str(k), as_float(v)) for k, v in share.items()],
        0.0,
        1.0,
        title="choice probability per label",
        reference=1.0 / n,
        label_width=40,
    )
    body = el(
        "div",
        el(
            "p",
            "Do the answers follow position? Position bias: P(chosen | listed first) - "
            "P(chosen | listed last); rating order bias: ascending minus descending anchors "
            "(negative: pulled to the first label). Kendall tau: do the chosen outcomes also "
            "get the higher ratings? " + str(results.get("choice_orders") or ""),
            class_="sub",
        ),
        charts(
            key_values(pairs),
            figure(chart, "Mean probability per answer label; dashed: 1/n.") if share else None,
        ),
        table(
            [
                "framework",
                "position bias",
                "rating order bias",
                "invalid choices",
                "option mass (choice)",
                "invalid ratings",
                "option mass (rating)",
            ],
            rows,
        ),
    )
    return Section("biases", "Position bias, option mass and consistency", body)


def _dilemmas(dilemmas: dict[str, Any], order: list[str]) -> Section:
    rows = []
    for key, d in dilemmas.items():
        d = d or {}
        outcome_dim: dict[str, str] = d.get("dimensions") or {}
        choice, rating = d.get("choice") or {}, d.get("rating") or {}
        cells = []
        for dim in order:
            outcomes = [o for o, od in outcome_dim.items() if od == dim]
            c = (
                sum(v for o in outcomes if (v := as_float(choice.get(o))) is not None)
                if outcomes
                else None
            )
            rs = [v for o in outcomes if (v := as_float(rating.get(o))) is not None]
            cells.append(f"{fmt(c, 3)} / {fmt(sum(rs) / len(rs) if rs else None)}")
        ranking = d.get("ranking") or []
        top = outcome_dim.get(ranking[0], ranking[0]) if ranking else None
        rows.append(
            [
                el("span", d.get("title") or key, title=key),
                top,
                *cells,
                _missing(d, "kendall_tau"),
                _missing(d, "top_agreement"),
                d.get("n_choice_valid"),
                d.get("n_rating_valid"),
            ]
        )
    body = el(
        "div",
        el(
            "p",
            "Per dilemma: the framework of the most chosen outcome, and per framework its "
            "choice share / rating; Kendall tau between choice and rating over the outcomes; "
            "the share of orders whose top choice is the dilemma's top one.",
            class_="sub",
        ),
        el(
            "div",
            table(
                [
                    "dilemma",
                    "chosen most",
                    *order,
                    "Kendall tau",
                    "top kept",
                    "choices",
                    "ratings",
                ],
                rows,
                caption="per framework: choice share / rating",
                numeric_from=2,
            ),
            class_="scroll",
        ),
    )
    return Section("dilemmas", "Dilemmas", body)
