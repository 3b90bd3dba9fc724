"""A probes run (`measure --instrument probes`): what the model's free answers express.

The profile is a judged probability (P(expressed), 0..1) per dimension, so the radar spans
0..1 whatever the data. `on_target` is shown beside it because a value can be expressed a
lot overall yet not when it is the one at stake. Personas, when the run had them, get a
persona x dimension heatmap (the raw material of `agreement`). When `valuescope agreement`
has written `agreement.json` into this folder, a "Says vs does" section sets the probes
profile against the questionnaire's: Spearman over dimensions and, per dimension, Pearson r
across personas with its Fisher CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import charts, ci_text, el, figure, fmt, key_values, table
from valuescope.report._kinds._cells import as_float, reasons_table, scores_read_by
from valuescope.report._kinds.likert import dimension_order
from valuescope.report._parts import Links, Section
from valuescope.report._svg import Bar, RadarLine, bars, heatmap, radar

AGREEMENT = "agreement.json"


def cistat(stat: object) -> tuple[float | None, float | None, float | None]:
    """(value, ci_low, ci_high) of a CIStat dict; all None for anything else."""
    if not isinstance(stat, dict):
        return None, None, None
    return as_float(stat.get("value")), as_float(stat.get("ci_low")), as_float(stat.get("ci_high"))


def stat_text(stat: object) -> Markup:
    """`0.61 [0.59, 0.63]`; a missing value (or CI) with the reason as its tooltip."""
    value, low, high = cistat(stat)
    if value is None:
        reason = stat.get("reason") if isinstance(stat, dict) else None
        return el("span", "–", title=reason or None, class_="muted")
    reason = stat.get("reason") if isinstance(stat, dict) else None
    if (low is None or high is None) and reason:
        return el("span", fmt(value), " ", el("span", "(no CI)", class_="muted"), title=reason)
    return el("span", ci_text(value, [low, high]))


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    dims: dict[str, Any] = results.get("dimensions") or {}
    out: list[Section] = []
    if dims:
        out.append(_profile(results, dims))
    else:
        out.append(Section("profile", "Profile", el("p", "No results yet.", class_="sub")))
    order = dimension_order(results.get("framework"), list(dims))
    respondents = results.get("respondents") or {}
    if isinstance(respondents, dict) and respondents:
        out.append(_personas(respondents, order))
    if results:
        out.append(_judge(results))
    agreement = run.json(AGREEMENT)
    if isinstance(agreement, dict):
        out.append(says_vs_does(agreement, links))
    return out


def _profile(results: dict[str, Any], dims: dict[str, Any]) -> Section:
    order = dimension_order(results.get("framework"), list(dims))
    stats = {d: cistat((dims[d] or {}).get("score")) for d in order}
    line = RadarLine(
        str(results.get("model", "model")),
        {d: stats[d][0] for d in order},
        {d: (stats[d][1], stats[d][2]) for d in order},
    )
    chart = radar(order, [line], 0.0, 1.0, title=f"probes profile on {results.get('framework')}")
    rows = [
        [d, stat_text(r.get("score")), r.get("on_target"), r.get("n_questions"),
         r.get("n_on_target")]
        for d, r in ((d, dims[d] or {}) for d in order)
    ]  # fmt: skip
    body = el(
        "div",
        el(
            "p",
            "P(expressed): the judge's probability that an answer expresses the value, "
            "averaged over a question's answers, then over questions (the model's own "
            "answers, no persona); the 95% CI resamples questions. On target: the same mean "
            "over the questions that put this value at stake.",
            class_="sub",
        ),
        charts(
            figure(chart, "P(expressed) per dimension on 0..1, 95% CI along each spoke."),
        ),
        table(
            ["dimension", "P(expressed) [95% CI]", "on target", "questions", "on-target questions"],
            rows,
        ),
    )
    return Section("profile", "Profile", body)


def _personas(respondents: dict[str, Any], order: list[str]) -> Section:
    personas = sorted(respondents)
    columns = order or sorted({d for p in personas for d in (respondents[p] or {})})
    matrix = [[as_float((respondents[p] or {}).get(d)) for d in columns] for p in personas]
    body = el(
        "div",
        el(
            "p",
            f"{len(personas)} personas: each one's mean P(expressed) over questions. These "
            "are what `valuescope agreement` correlates with the questionnaire across personas.",
            class_="sub",
        ),
        el(
            "div",
            heatmap(personas, columns, matrix, title="P(expressed) per persona", low=0.0, high=1.0),
            class_="scroll",
        ),
        table(["persona", *columns], [[p, *row] for p, row in zip(personas, matrix, strict=True)]),
    )
    return Section("personas", "Per persona", body)


def _judge(results: dict[str, Any]) -> Section:
    pairs = {
        "judge": results.get("judge"),
        "judge mode": results.get("judge_mode"),
        "answers": results.get("n_answers"),
        "invalid": results.get("n_invalid"),
        "scores read by": scores_read_by(results),
        "mean answer words": results.get("mean_answer_words"),
    }
    reasons = reasons_table(results, ["why an answer is invalid", "answers"], "commonest reasons")
    return Section("judge", "Judge and answers", el("div", key_values(pairs), reasons))


def says_vs_does(agreement: dict[str, Any], links: Links) -> Section:
    """agreement.json: the questionnaire's profile (says) against the probes' (does)."""
    dims: dict[str, Any] = agreement.get("dimensions") or {}
    order = dimension_order(agreement.get("framework"), list(dims))
    rho, _, _ = cistat(agreement.get("spearman"))
    says = _ranks({d: as_float((dims[d] or {}).get("questionnaire")) for d in order})
    does = _ranks({d: as_float((dims[d] or {}).get("probes")) for d in order})
    rows, chart_rows = [], []
    for d in order:
        a = dims[d] or {}
        r, low, high = cistat(a.get("r_over_personas"))
        rows.append([d, a.get("questionnaire"), says.get(d), a.get("probes"), does.get(d),
                     stat_text(a.get("r_over_personas")), a.get("n_personas")])  # fmt: skip
        chart_rows.append(Bar(d, r, low, high))
    source = agreement.get("questionnaire_run")
    href = links.run(Path(source)) if isinstance(source, str) and source else None
    summary = {
        "questionnaire run": el("a", source, href=href) if href else source,
        "Spearman rho over dimensions": rho,
        "p-value": agreement.get("p_value"),
        "mean r over personas": agreement.get("mean_r_over_personas"),
        "personas in both runs": agreement.get("n_common_personas"),
    }
    notes = [str(n) for n in agreement.get("notes") or []]
    any_r = any(b.value is not None for b in chart_rows)
    body = el(
        "div",
        el(
            "p",
            "Does what the model says about itself (the questionnaire) match what it does "
            "(its judged free answers)? Over dimensions: do the two profiles rank the values "
            "alike? Over personas: per dimension, Pearson r between a persona's questionnaire "
            "score and its P(expressed), 95% Fisher CI (a strong model reaches about 0.67 "
            "on average, Serapio-Garcia et al. 2025).",
            class_="sub",
        ),
        _key_values(summary),
        el("ul", [el("li", n) for n in notes], class_="warnings") if notes else None,
        table(
            [
                "dimension",
                "questionnaire score",
                "rank",
                "P(expressed)",
                "rank",
                "r over personas [95% CI]",
                "personas",
            ],
            rows,
        ),
        el(
            "figure",
            bars(chart_rows, -1.0, 1.0, title="r over personas per dimension", reference=0.0),
            el("figcaption", "Pearson r across personas per dimension, 95% Fisher CI."),
        )
        if any_r
        else None,
    )
    return Section("agreement", "Says vs does", body)


def _ranks(values: dict[str, float | None]) -> dict[str, int]:
    """1 = the highest score (what Spearman's rho compares); unscored dimensions get none."""
    scored = sorted((v, d) for d, v in values.items() if v is not None)
    return {d: len(scored) - i for i, (_, d) in enumerate(scored)}


def _key_values(pairs: dict[str, object]) -> Markup:
    """`key_values`, but a value that is already markup (a link) is kept as it is."""
    return el(
        "table",
        el(
            "tbody",
            [
                el("tr", el("th", k), el("td", v if isinstance(v, Markup) else fmt(v)))
                for k, v in pairs.items()
            ],
        ),
        class_="kv",
    )
