"""A safety run (`safety`): harm rate per category and condition with Wilson CIs, the
paired McNemar tests (before/after steering, and with the safety prompt), the value x harm
correlations (p-values from permuting whole prompts; older results had Spearman's pooled
p, and the page says so), and the run's conclusions.

Harm is judged by a model; the conclusions carry the results' own caveats (the judge
scoring both harm and values is a common cause of correlations), and are shown as written.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import ci_text, el, fmt, table
from valuescope.report._kinds._cells import number, pvalue, stat, verdict
from valuescope.report._parts import Links, Section, no_results
from valuescope.report._svg import Bar, bars

OVERALL = "all"


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    if not results.get("rates"):
        return no_results("rates", "Harm rates")
    out = [_rates(results)]
    for key, title, what in (
        ("before_after", "Before and after steering", "each condition against the bare model"),
        ("mitigation", "Mitigation", "each condition with the safety prompt against without"),
    ):
        if results.get(key):
            out.append(_mcnemar(key, title, what, results[key], results.get("alpha")))
    if results.get("correlations"):
        out.append(_correlations(results))
    out.append(_conclusions(results))
    return out


def _rate(rate: dict[str, Any] | None) -> str:
    if not isinstance(rate, dict):
        return "–"
    r = rate.get("rate") or {}
    text = ci_text(r.get("value"), [r.get("ci_low"), r.get("ci_high")])
    return f"{text} ({rate.get('n_harmful')}/{rate.get('n')})"


def _rates(results: dict[str, Any]) -> Section:
    rates: dict[str, Any] = results.get("rates") or {}
    conditions = [c for c in results.get("conditions") or list(rates) if c in rates]
    categories = list(results.get("categories") or [])
    rows: list[list[object]] = [[el("b", "overall"), *(_rate(rates[c].get("overall"))
                                                      for c in conditions)]]  # fmt: skip
    chart: list[Bar] = []
    for category in categories:
        rows.append([category, *(_rate((rates[c].get("categories") or {}).get(category))
                                 for c in conditions)])  # fmt: skip
        for index, c in enumerate(conditions):
            r = (((rates[c].get("categories") or {}).get(category) or {}).get("rate")) or {}
            chart.append(Bar(category, number(r), number(r.get("ci_low")),
                             number(r.get("ci_high")), series=index))  # fmt: skip
    body = el(
        "div",
        el("p", f"{results.get('n_prompts')} prompts of the {results.get('prompt_set')} set, "
           f"{results.get('n_answers')} answers ({results.get('n_invalid')} invalid), judge "
           f"{results.get('judge')}. Rate of answers judged harmful with its 95% Wilson CI "
           "(harmful / judged).", class_="sub"),
        el("div", table(["category", *conditions], rows), class_="scroll"),
        el("figure", bars(chart, 0.0, 1.0, title="harm rate per category",
                          series_names=conditions),
           el("figcaption", "Harm rate per category and condition, 95% Wilson CIs.")),
    )  # fmt: skip
    return Section("rates", "Harm rates", body)


def _mcnemar(key: str, title: str, what: str, tests: list[dict[str, Any]],
             alpha: object) -> Section:  # fmt: skip
    rows = [
        [f"{t.get('condition')} vs {t.get('baseline')}",
         el("b", "overall") if t.get("category") == OVERALL else t.get("category"),
         t.get("n_pairs"), fmt(t.get("baseline_rate")), fmt(t.get("rate")),
         _signed(t.get("difference")), t.get("only_condition"), t.get("only_baseline"),
         pvalue(t.get("p_value")), pvalue(t.get("p_holm")), verdict(t.get("significant"))]
        for t in tests
    ]  # fmt: skip
    body = el(
        "div",
        el("p", f"Exact McNemar over the prompts answered validly under both, {what}; Holm "
           f"over the tests of this table, alpha {fmt(alpha)}. 'only …' counts prompts "
           "harmful under one of the two only.", class_="sub"),
        el("div", table(["comparison", "category", "pairs", "baseline rate", "rate",
                         "difference", "only condition", "only baseline", "p", "Holm p", ""],
                        rows, numeric_from=2), class_="scroll"),
    )  # fmt: skip
    return Section(key.replace("_", "-"), title, body)


def _signed(value: object) -> str:
    v = number(value)
    return "–" if v is None else f"{v:+.2f}"


def _correlations(results: dict[str, Any]) -> Section:
    target: dict[str, Any] = results.get("target") or {}
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    values: list[str] = []
    categories: list[str] = []
    for c in results.get("correlations") or []:
        value, category = str(c.get("value")), str(c.get("category"))
        cells[value, category] = c
        values += [value] if value not in values else []
        categories += [category] if category not in categories else []
    rows = []
    for value in values:
        priority = next((c.get("target_priority") for (v, _), c in cells.items()
                         if v == value and c.get("target_priority") is not None),
                        target.get(value))  # fmt: skip
        label: object = value
        if priority is not None:
            label = el("span", el("b", value), f" (target {fmt(priority)})")
        rows.append([label, *(_rho(cells.get((value, k))) for k in categories)])
    caveat = [line for line in results.get("conclusions") or [] if "with care" in str(line)]
    permuted = any("p_method" in c for c in results.get("correlations") or [])
    test = (
        "p from permuting whole prompts: a prompt's answers under every condition move as "
        "one, conditions aligned (each cell's tooltip says how many prompts and orderings)"
        if permuted
        else "p from Spearman over the pooled answers, written before the permutation over "
        "prompts: optimistic, as each prompt counts once per condition"
    )
    body = el(
        "div",
        el("p", "Spearman's rho between each value's judged expression and the harm score, "
           f"over the answers of every condition, per category; {test}; Holm over all "
           "defined tests. Cells: rho (Holm p), significant ones bold; target values in bold.",
           class_="sub"),
        el("div", table(["value", *categories], rows), class_="scroll"),
        [el("p", str(line), class_="bad") for line in caveat],
    )  # fmt: skip
    return Section("correlations", "Values and harm", body)


def _rho(cell: dict[str, Any] | None) -> Markup:
    if not cell:
        return el("span", "–", class_="muted")
    rho = cell.get("rho")
    if number(rho) is None:
        return stat(rho)
    text = f"{number(rho):+.2f} (p {fmt(number(cell.get('p_holm')), 3)})"
    title = f"n = {cell.get('n')} answers"
    if cell.get("n_prompts") is not None:
        title += f" to {cell.get('n_prompts')} prompts"
    if cell.get("p_method"):
        title += f"; p: {cell.get('p_method')}"
    return el("b" if cell.get("significant") else "span", text, title=title)


def _conclusions(results: dict[str, Any]) -> Section:
    lines = [el("li", str(line)) for line in results.get("conclusions") or []]
    return Section("conclusions", "Conclusions", el("ul", lines) if lines else el("p", "–"))
