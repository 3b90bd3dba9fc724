"""A questionnaire run (`measure`): the profile, reliability and validity figures with their
flags, reliability over simulated respondents, and the answer-format checks."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import charts, ci_text, el, fmt, table
from valuescope.report._kinds._cells import bounds
from valuescope.report._kinds._norms import norms_section
from valuescope.report._parts import Links, Section, flags, no_results
from valuescope.report._svg import Bar, RadarLine, bars, radar
from valuescope.thresholds import ITEM_REST_FLOOR, POSITION_SHARE_CARE, POSITION_SHARE_NOT


def dimension_order(framework_id: str | None, scored: list[str]) -> list[str]:
    """The framework's circle where it has one (neighbours on the radar are neighbours in
    the theory), else the order the results list the dimensions in."""
    if framework_id:
        try:
            from valuescope.frameworks import load_framework

            circle = load_framework(framework_id).circle
        except Exception:  # a framework file that moved away: keep the results' order
            circle = None
        if circle and set(circle) >= set(scored):
            return [d for d in circle if d in scored]
    return scored


def scale_range(results: dict[str, Any]) -> tuple[float, float]:
    scale = results.get("scale") or {}
    low = float(scale.get("minimum", 1))
    return low, low + float(scale.get("points", 5)) - 1


def profile_radar(results: dict[str, Any], label: str) -> Markup:
    dims: dict[str, Any] = results.get("dimensions") or {}
    order = dimension_order(results.get("framework"), list(dims))
    low, high = scale_range(results)
    line = RadarLine(
        label,
        {d: dims[d].get("score") for d in order},
        {d: bounds(dims[d].get("ci")) for d in order},
    )
    return radar(order, [line], low, high, title=f"profile on {results.get('framework')}")


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    dims: dict[str, Any] = results.get("dimensions") or {}
    if not dims:
        return no_results("profile", "Profile")
    order = dimension_order(results.get("framework"), list(dims))
    low, high = scale_range(results)
    rows = [
        [d, _score(r), _items_scored(r), r.get("n_samples"), r.get("n_invalid"),
         flags(r.get("flags") or [])]
        for d, r in ((d, dims[d]) for d in order)
    ]  # fmt: skip
    profile = el(
        "div",
        charts(
            el(
                "figure",
                profile_radar(results, str(results.get("model", "model"))),
                el(
                    "figcaption",
                    f"Score per dimension on the {low:g}..{high:g} scale, "
                    "95% CI as the thick stroke along each spoke.",
                ),
            ),
            table(
                ["dimension", "score [95% CI]", "items", "answers", "invalid", "flags"],
                rows,
                caption="95% CI: a t-interval over the dimension's items (how many: "
                "items); none below 3 items or when every item scores the same.",
            ),
        ),
    )
    out = [Section("profile", "Profile", profile)]
    if (against := norms_section(results, order)) is not None:
        out.append(against)
    out.append(_reliability(dims, order))
    if results.get("respondents"):
        out.append(_respondents(results["respondents"], order))
    out.append(_format_checks(results, dims, order))
    return out


def _score(r: dict[str, Any]) -> Markup:
    """`3.47 [3.21, 3.73]`; a score without a CI says so, the reason as its title."""
    low, high = bounds(r.get("ci"))
    text = el("span", ci_text(r.get("score"), r.get("ci")))
    if r.get("score") is None or (low is not None and high is not None):
        return text
    why = (r.get("reasons") or {}).get("ci")
    return el("span", text, " ", el("span", "(no CI)", title=why or None, class_="muted"))


def _items_scored(r: dict[str, Any]) -> object:
    """The items the score and its CI are over: `3`, or `2 of 3` when one asked item had no
    valid answer (a results file without `n_items_scored` shows the items asked)."""
    asked, scored = r.get("n_items"), r.get("n_items_scored")
    if scored is None or scored == asked:
        return asked
    return f"{scored} of {asked}"


def _with_reason(value: object, reasons: dict[str, str], name: str) -> Markup:
    if value is None and name in reasons:
        return el("span", "–", title=reasons[name], class_="muted")
    return el("span", fmt(value))


def _reliability(dims: dict[str, Any], order: list[str]) -> Section:
    names = ["parallel_forms_order", "parallel_forms_paraphrase", "test_retest",
             "order_consistency", "paraphrase_consistency"]  # fmt: skip
    rows = [
        [d, *(_with_reason(dims[d].get(n), dims[d].get("reasons") or {}, n) for n in names)]
        for d in order
    ]
    reasons = sorted({f"{n.replace('_', ' ')}: {why}" for d in order
                      for n, why in (dims[d].get("reasons") or {}).items()})  # fmt: skip
    body = el(
        "div",
        el(
            "p",
            "Consistency of the one model across administrations (option order, wording, "
            "repetition). Reliability over respondents is in its own section when the run "
            "has simulated respondents.",
            class_="sub",
        ),
        table(
            [
                "dimension",
                "parallel forms (order)",
                "parallel forms (paraphrase)",
                "test-retest",
                "order consistency",
                "paraphrase consistency",
            ],
            rows,
        ),
        el(
            "details",
            el("summary", f"why figures are missing ({len(reasons)})"),
            el("ul", [el("li", r) for r in reasons]),
        )
        if reasons
        else None,
    )
    return Section("reliability", "Reliability and consistency", body)


def _stat(stat: dict[str, Any] | None) -> Markup:
    if not isinstance(stat, dict):
        return el("span", "–")
    if stat.get("value") is None:
        return el("span", "–", title=stat.get("reason") or "", class_="muted")
    return el("span", ci_text(stat["value"], [stat.get("ci_low"), stat.get("ci_high")]))


def _intervals(dims: dict[str, Any]) -> str:
    """What the intervals resample (older runs did not record it: no sentence)."""
    if not any("n_clusters" in (d.get("reliability") or {}) for d in dims.values()):
        return ""
    clusters = [(d.get("reliability") or {}).get("n_clusters") for d in dims.values()]
    named = [c for c in clusters if isinstance(c, int)]
    over = (
        f"the {max(named)} personas (respondents of one persona are not independent)"
        if named
        else "the respondents"
    )
    return (
        f"The 95% intervals resample {over}; lambda6 is bias-corrected (jackknife), with a "
        "t-interval."
    )


def _respondents(respondents: dict[str, Any], order: list[str]) -> Section:
    design = respondents.get("design") or {}
    dims = respondents.get("dimensions") or {}
    rows = []
    reasons: set[str] = set()
    for d in order:
        summary = dims.get(d) or {}
        rel = summary.get("reliability") or {}
        reasons.update((rel.get("reasons") or {}).values())
        verdict = rel.get("reliable")
        mark = (
            el("span", "reliable", class_="good")
            if verdict
            else el("span", "not reliable", class_="bad")
            if verdict is False
            else el("span", "–")
        )
        stats = [_stat(rel.get(name)) for name in ("alpha", "lambda6", "omega")]
        rows.append([d, rel.get("n_respondents"), *stats, mark, summary.get("mean"),
                     summary.get("sd")])  # fmt: skip
    threshold = respondents.get("reliable_at", 0.7)
    body = el(
        "div",
        el(
            "p",
            f"{design.get('respondents')} simulated respondents ({design.get('personas')} "
            f"personas, design {design.get('name')!s}); a dimension is reliable when alpha, "
            f"lambda6 and omega are all >= {threshold} (none is computed below "
            f"{respondents.get('min_respondents')} respondents). {_intervals(dims)}",
            class_="sub",
        ),
        table(
            [
                "dimension",
                "respondents",
                "alpha [95% CI]",
                "lambda6 [95% CI]",
                "omega [95% CI]",
                "verdict",
                "mean",
                "sd",
            ],
            rows,
        ),
        el("ul", [el("li", r) for r in sorted(reasons)], class_="warnings") if reasons else None,
        _items(dims, order),
    )
    return Section("respondents", "Reliability over respondents", body)


def _items(dims: dict[str, Any], order: list[str]) -> Markup | None:
    """Every item's corrected item-rest r and alpha if deleted, the weak ones flagged."""
    rows = []
    weak_count = 0
    for d in order:
        summary = dims.get(d) or {}
        weak = set(summary.get("weak_items") or [])
        weak_count += len(weak)
        for item in summary.get("items") or []:
            flag = el("span", "weak", class_="bad") if item.get("item_id") in weak else "–"
            rows.append([d, item.get("item_id"), _stat(item.get("item_rest_r")),
                         _stat(item.get("alpha_if_deleted")), flag])  # fmt: skip
    if not rows:
        return None
    return el(
        "details",
        el("summary", f"Items: corrected item-rest r and alpha if deleted ({weak_count} weak)"),
        el(
            "p",
            f"Weak: item-rest r below {ITEM_REST_FLOOR} (the item does not go with the rest of "
            "its scale; a negative r is usually a reverse key the model did not follow), or "
            "alpha would rise without it.",
            class_="sub",
        ),
        table(["dimension", "item", "item-rest r", "alpha if deleted", "flag"], rows),
        open=weak_count > 0,
    )


def _format_checks(results: dict[str, Any], dims: dict[str, Any], order: list[str]) -> Section:
    rows = []
    for d in order:
        r = dims[d]
        position = r.get("position") or {}
        share = (position.get("share") or {}).get("value")
        order_r = (position.get("order_r") or {}).get("value")
        check: Markup | str = "–"
        if share is not None:
            css = (
                "bad"
                if share >= POSITION_SHARE_NOT
                else "care"
                if share >= POSITION_SHARE_CARE
                else None
            )
            check = el("span", fmt(share), class_=css)
        elif position:
            why = (position.get("share") or {}).get("reason") or ""
            check = el("span", "not tested", title=why, class_="muted")
        text = r.get("text_check") or {}
        rows.append([d, fmt(r.get("option_mass")), fmt(r.get("refusal")),
                     fmt(r.get("position_bias")), fmt(r.get("acquiescence")), check,
                     fmt(order_r), fmt(text.get("agreement")) if text else "–"])  # fmt: skip
    overall = results.get("overall") or {}
    share = overall.get("label_share") or {}
    points = len(share) or 1
    chart = bars([Bar(str(k), float(v)) for k, v in share.items()], 0.0,
                 max([*share.values(), 1.0 / points]) * 1.1 or 1.0,
                 title="share of answers per label", reference=1.0 / points,
                 label_width=60)  # fmt: skip
    body = el(
        "div",
        el(
            "p",
            "Does the model answer in the format at all? Option mass is the probability "
            "on the answer labels; position bias the pull of the first-listed label; "
            "position share the part of the answers' variance (items x option orders) that "
            "option order explains, order r whether the items keep their rank order under "
            "both option orders.",
            class_="sub",
        ),
        table(
            [
                "dimension",
                "option mass",
                "refusal",
                "position bias",
                "acquiescence",
                "position share",
                "order r",
                "text agreement",
            ],
            rows,
        ),
        el(
            "figure",
            chart,
            el(
                "figcaption",
                "Share of the probability each label gets over all answers; dashed: an even share.",
            ),
        ),
        el(
            "p",
            "methods: "
            + ", ".join(f"{k} {v}" for k, v in (overall.get("methods") or {}).items())
            + f"; option mass overall {fmt(overall.get('option_mass'))}",
            class_="sub",
        ),
    )
    return Section("format", "Answer-format checks", body)
