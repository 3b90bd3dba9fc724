"""A steering evaluation (`steer-eval`, the engine run in a steer run's `evaluation/`): the
method table, expression per target value before and after steering, and the paired tests.

`steer.json` embeds the same results under `evaluation`, so the steer page draws them with
`evaluation_sections` too: one table, one chart, one test list for both pages.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import el, fmt, table
from valuescope.report._kinds._cells import number, pvalue, stat, verdict
from valuescope.report._parts import Links, Section
from valuescope.report._svg import Bar, bars


def normalised(priority: object, scale: object) -> float | None:
    """A priority on the target's scale (1..6) as the judge's 0..1 expression it asks for."""
    p = number(priority)
    if p is None or not (isinstance(scale, list | tuple) and len(scale) == 2):
        return None
    low, high = float(scale[0]), float(scale[1])
    return (p - low) / ((high - low) or 1.0)


def method_table(results: dict[str, Any]) -> Markup:
    """Per condition: mean conformity, conformity per target value, balance, MAE, Spearman,
    parroting and tokens."""
    target: dict[str, Any] = results.get("target") or {}
    rows = []
    for c in results.get("conditions") or []:
        per_value = c.get("conformity") or {}
        tokens = (c.get("prompt_tokens") or 0) + (c.get("completion_tokens") or 0)
        rows.append([
            c.get("condition"), f"{c.get('n_valid')} / {c.get('n_invalid')}",
            stat(c.get("mean_conformity")), *(fmt(per_value.get(d)) for d in target),
            stat(c.get("balance_cv")), stat(c.get("mae")), stat(c.get("spearman")),
            fmt(c.get("parroting")), tokens, c.get("rewritten"),
        ])  # fmt: skip
    headers = ["condition", "valid / invalid", "mean conformity [95% CI]",
               *(f"conformity {d}" for d in target), "balance (CV)", "MAE", "Spearman",
               "parroting", "tokens", "rewritten"]  # fmt: skip
    return el("div", table(headers, rows), class_="scroll")


def before_after(results: dict[str, Any]) -> Markup:
    """Grouped bars per target value: the target (as 0..1 expression), then each condition's
    mean judged expression with its CI."""
    target: dict[str, Any] = results.get("target") or {}
    conditions = [c for c in results.get("conditions") or [] if isinstance(c, dict)]
    rows: list[Bar] = []
    for d in target:
        rows.append(Bar(d, normalised(target[d], results.get("scale")), series=0))
        for index, c in enumerate(conditions, start=1):
            e = (c.get("expression") or {}).get(d) or {}
            rows.append(Bar(d, number(e), number(e.get("ci_low")), number(e.get("ci_high")),
                            series=index))  # fmt: skip
    names = ["target", *(str(c.get("condition")) for c in conditions)]
    chart = bars(rows, 0.0, 1.0, title="expression per target value", label_width=120,
                 series_names=names)  # fmt: skip
    return el(
        "figure",
        chart,
        el(
            "figcaption",
            "Judged expression (P(expressed), 0..1) of each target value on the held-out "
            "tasks, bare and under each method, with 95% CIs; the first bar of each group is "
            "the target priority put on the same 0..1 scale.",
        ),
    )


def comparison_table(results: dict[str, Any]) -> Markup:
    rows = [
        [f"{c.get('a')} − {c.get('b')}", c.get("n_tasks"), stat(c.get("mean_difference"), 3),
         pvalue(c.get("p_permutation")), pvalue(c.get("p_wilcoxon")), pvalue(c.get("p_holm")),
         stat(c.get("cohens_dz")), stat(c.get("rank_biserial")), verdict(c.get("significant"))]
        for c in results.get("comparisons") or []
    ]  # fmt: skip
    if not rows:
        return el("p", "No paired tests (one condition only).", class_="sub")
    return table(["pair (a − b)", "tasks", "mean difference a − b", "p (permutation)",
                  "p (Wilcoxon)", "Holm p", "Cohen's d_z", "rank-biserial r", "at alpha 0.05"],
                 rows)  # fmt: skip


def evaluation_sections(results: dict[str, Any]) -> list[Section]:
    """The method table, before/after chart and tests of an evaluation's results dict."""
    if not results.get("conditions"):
        return [Section("methods", "Methods", el("p", "No evaluation results.", class_="sub"))]
    judge = f"judge {results.get('judge')} ({results.get('judge_mode')})"
    intro = el(
        "p",
        f"{results.get('tasks')} held-out tasks, {judge}. Conformity per value is "
        "1 - |expression - target| on 0..1; balance is the CV of the per-value conformities "
        "(lower: no value served at the others' expense); MAE is on the target's scale.",
        class_="sub",
    )
    tests = el(
        "div",
        el("p", "Paired over tasks on each task's mean conformity: sign-flip permutation "
           "and Wilcoxon, Holm over all pairs on the permutation p. A pair with the bare "
           "model is method − bare: positive = the method conforms more.", class_="sub"),
        comparison_table(results),
        el("p", el("b", "Finding: "), str(results.get("finding") or "–")),
    )  # fmt: skip
    return [
        Section("methods", "Methods on held-out tasks", el("div", intro, method_table(results))),
        Section("before-after", "Before and after, per target value",
                el("div", before_after(results), class_="charts")),
        Section("tests", "Paired tests and finding", tests),
    ]  # fmt: skip


def sections(run: RunFolder, links: Links) -> list[Section]:
    return evaluation_sections(run.results or {})
