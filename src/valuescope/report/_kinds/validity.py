"""A construct-validity run (`validity.json`): the multitrait-multimethod matrix of two
instruments over simulated respondents, convergent correlations per trait, the
discriminant gap, the pass/fail rules, and criterion validity where it was asked for.

The MTMM matrix is a heatmap with the convergent cells (A's trait with B's same trait)
framed, as Campbell and Fiske read it; the two measure runs are linked from "Runs inside".
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import el, fmt, key_values, table
from valuescope.report._kinds._cells import number, stat
from valuescope.report._parts import Links, Section
from valuescope.report._svg import heatmap


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    mtmm = results.get("mtmm") or {}
    out = [_design(results)]
    if mtmm:
        out += [_matrix(mtmm), _rules(mtmm, results.get("passed"))]
    if isinstance(results.get("criterion"), dict):
        out.append(_criterion(results["criterion"]))
    return out


def _pass(flag: object) -> Markup:
    if flag is True:
        return el("span", "pass", class_="good")
    if flag is False:
        return el("span", "fail", class_="bad")
    return el("span", "undecided", class_="muted")


def _design(results: dict[str, Any]) -> Section:
    design = results.get("design") or {}
    instruments = [el("li", f"{i.get('role')}: {i.get('name')} ({i.get('framework')}, "
                        f"{i.get('n_items')} items) · {i.get('run')}")
                   for i in results.get("instruments") or []]  # fmt: skip
    pairs = {"model": results.get("model"), "respondents": results.get("n_respondents"),
             **{k: v for k, v in design.items() if not isinstance(v, dict | list)},
             "mapping": ", ".join(f"{a} = {b}" for a, b in (results.get("mapping") or {}).items())
             or "same trait ids"}  # fmt: skip
    body = el("div", el("p", "Verdict: ", _pass(results.get("passed"))), el("ul", instruments),
              key_values(pairs))  # fmt: skip
    return Section("design", "Design and verdict", body)


def _matrix(mtmm: dict[str, Any]) -> Section:
    labels = [str(x) for x in mtmm.get("labels") or []]
    matrix = [[number(v) for v in row] for row in mtmm.get("correlations") or []]
    if not labels or len(matrix) != len(labels):
        return Section("mtmm", "MTMM matrix", el("p", "No matrix.", class_="sub"))
    framed = []
    for c in mtmm.get("convergent") or []:
        a, b = f"A:{c.get('trait')}", f"B:{c.get('b_trait') or c.get('trait')}"
        if a in labels and b in labels:
            framed += [(labels.index(a), labels.index(b)), (labels.index(b), labels.index(a))]
    chart = heatmap(labels, labels, matrix, title="MTMM correlations", framed=framed)
    body = el(
        "figure",
        chart,
        el("figcaption", f"Correlations over {mtmm.get('n_respondents')} respondents of every "
           "trait score of instrument A and B; framed: the convergent cells (same trait, two "
           "instruments), which should be high, and higher than the rest of their row and "
           "column."),
    )  # fmt: skip
    return Section("mtmm", "MTMM matrix", el("div", body, class_="charts"))


def _rules(mtmm: dict[str, Any], passed: object) -> Section:
    minimum, gap_min = mtmm.get("convergent_min", 0.6), mtmm.get("gap_min", 0.4)
    rows = []
    for c in mtmm.get("convergent") or []:
        r = c.get("r") or {}
        value = number(r)
        ok = None if value is None else value >= float(minimum)
        rows.append([c.get("trait"), c.get("b_trait"), c.get("n"), stat(r), _pass(ok)])
    summary = {
        "mean convergent r": stat(mtmm.get("mean_convergent")),
        "mean discriminant |r|": stat(mtmm.get("mean_discriminant")),
        "discriminant gap [95% CI]": stat(mtmm.get("discriminant_gap")),
    }
    gap = mtmm.get("discriminant_gap") or {}
    if gap.get("uncorrected") is not None:
        summary["gap bias-corrected by"] = el("span", str(gap.get("method") or "the jackknife"))
        summary["gap before the correction"] = el("span", fmt(gap.get("uncorrected")))
    checks = [
        [f"convergent: every trait's r >= {fmt(minimum)}", _pass(mtmm.get("convergent_pass"))],
        [f"discriminant: gap (convergent - discriminant) >= {fmt(gap_min)}",
         _pass(mtmm.get("discriminant_pass"))],
        ["construct validity", _pass(passed)],
    ]  # fmt: skip
    reasons = [el("li", f"{k}: {v}") for k, v in (mtmm.get("reasons") or {}).items()]
    only = [f"only in {side}: {', '.join(mtmm.get(f'only_in_{side.lower()}') or [])}"
            for side in ("A", "B") if mtmm.get(f"only_in_{side.lower()}")]  # fmt: skip
    body = el(
        "div",
        el("p", "Convergent r per trait with its Fisher-z 95% CI; a trait converges at "
           f"r >= {fmt(minimum)}. The discriminant gap is the mean convergent r minus the mean "
           f"|r| of different traits across instruments; it should be >= {fmt(gap_min)}.",
           class_="sub"),
        table(["trait (A)", "trait (B)", "respondents", "r [95% CI]", "rule"], rows,
              numeric_from=2),
        el("table", el("tbody", [el("tr", el("th", k), el("td", v)) for k, v in summary.items()]),
           class_="kv"),
        table(["rule", "outcome"], checks),
        el("ul", [el("li", o) for o in only]) if only else None,
        el("details", el("summary", f"why figures are missing ({len(reasons)})"),
           el("ul", reasons)) if reasons else None,
    )  # fmt: skip
    return Section("rules", "Convergent and discriminant validity", body)


def _criterion(criterion: dict[str, Any]) -> Section:
    rows = [[c.get("trait"), c.get("criterion"), f"{c.get('expected_sign', 0):+d}",
             c.get("n"), stat(c.get("r")),
             _pass(c.get("sign_matches")) if c.get("sign_matches") is not None else "–"]
            for c in criterion.get("correlations") or []]  # fmt: skip
    body = el(
        "div",
        el("p", f"Correlations of A's traits with the dimensions of {criterion.get('instrument')} "
           f"and the expected signs of {criterion.get('signs_file')} ({criterion.get('source')}): "
           f"{criterion.get('n_supported')} of {criterion.get('n_defined')} defined "
           f"({criterion.get('n_matching')} pairs) have the expected sign.", class_="sub"),
        table(["trait", "criterion", "expected sign", "n", "r [95% CI]", "sign"], rows,
              numeric_from=2),
        el("p", "Not measured: " + ", ".join(criterion.get("skipped") or []), class_="sub")
        if criterion.get("skipped") else None,
    )  # fmt: skip
    return Section("criterion", "Criterion validity", body)
