"""The questionnaire report's section on human norms (`measure --norms FILE`): the model's
profile score as z and percentile of the human sample, and its sample of scale scores
against the human sample (Hedges' g, Welch's t). Results without norms have no section."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._html import el, fmt, table
from valuescope.report._kinds._cells import pvalue, stat
from valuescope.report._parts import Section

SAMPLE_NAMES = {
    "administrations": "administrations of the model itself",
    "respondents": "simulated respondents",
    "personas": "simulated personas (their respondents averaged)",
}

HEADERS = ["dimension", "model", "human mean (sd, n)", "z", "percentile",
           "Hedges' g [95% CI]", "Welch's t (df)", "p"]  # fmt: skip


def norms_section(results: dict[str, Any], order: list[str]) -> Section | None:
    norms = results.get("norms")
    if not isinstance(norms, dict):
        return None
    dims: dict[str, Any] = norms.get("dimensions") or {}
    rows = [_row(d, dims[d]) for d in [*order, *(d for d in dims if d not in order)] if d in dims]
    kind = str(norms.get("sample") or "")
    sample = f"model sample: {SAMPLE_NAMES.get(kind, kind)}, mean (sd, n)"
    body = el(
        "div",
        el("p", f"Source: {norms.get('source')}", class_="sub"),
        el("p", norms.get("description"), class_="sub") if norms.get("description") else None,
        table(
            [*HEADERS[:5], sample, *HEADERS[5:]],
            rows,
            caption="model: the profile score; z = (model - human mean) / human sd; "
            "percentile: 100 Phi(z). g and t compare the model's sample with the human one.",
        ),
        el("p", f"What the test compares: {norms.get('meaning')}.", class_="sub"),
        el("ul", [el("li", a) for a in norms.get("assumptions") or []], class_="sub"),
        _rescaled(dims),
        el("p", f"No norm in the file for: {', '.join(norms['without_norm'])}.", class_="sub")
        if norms.get("without_norm")
        else None,
    )
    return Section("norms", "Against human norms", body)


def _row(dim: str, d: dict[str, Any]) -> list[object]:
    human = d.get("human") or {}
    sample = d.get("sample") or {}
    human_text = f"{fmt(human.get('mean'))} ({fmt(human.get('sd'))}, {human.get('n')})"
    sample_text = (
        "–"
        if sample.get("mean") is None
        else f"{fmt(sample.get('mean'))} ({fmt(sample.get('sd'))}, {sample.get('n')})"
    )
    return [
        dim,
        fmt(d.get("model")),
        el("span", human_text, title=human.get("source") or None),
        stat(d.get("z")),
        stat(d.get("percentile"), 1),
        sample_text,
        stat(d.get("g")),
        _t_cell(d.get("t"), d.get("df")),
        pvalue(d.get("p")),
    ]


def _t_cell(t: object, df: object) -> Markup:
    if not isinstance(t, dict) or t.get("value") is None or not isinstance(df, dict):
        return stat(t)
    return el("span", f"{fmt(t['value'])} ({fmt(df.get('value'), 1)})")


def _rescaled(dims: dict[str, Any]) -> Markup | None:
    notes = sorted(
        {
            f"{dim}: published {fmt(h.get('published_mean'))} ({fmt(h.get('published_sd'))}), "
            f"{h['rescaled']}"
            for dim, d in dims.items()
            if (h := d.get("human") or {}).get("rescaled")
        }
    )
    if not notes:
        return None
    return el("details", el("summary", "Norms converted to the run's scale"),
              el("ul", [el("li", n) for n in notes]))  # fmt: skip
