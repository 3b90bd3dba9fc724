"""A comparison of measure runs (`compare.json`): the profiles overlaid on one radar, the
scores side by side, and the paired tests per dimension with Holm-adjusted p values.

`compare_sections_from_runs` draws the same page for any measure runs a user picks in the
viewer: it runs valuescope's own comparison (`valuescope.analysis.compare_runs`) on them, so
the viewer's figures are the CLI's. Runs of several frameworks are drawn per framework
(a radar each) since tests need the items of one framework.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import ci_text, el, fmt, table
from valuescope.report._kinds._cells import bounds, pvalue, stat, verdict
from valuescope.report._kinds.likert import dimension_order, scale_range
from valuescope.report._parts import Links, Section
from valuescope.report._svg import RadarLine, radar


def sections(run: RunFolder, links: Links) -> list[Section]:
    return compare_sections(run.results or {})


def _order(results: dict[str, Any]) -> list[str]:
    circle = results.get("circle")
    dims = list(results.get("dimensions") or [])
    if not dims:
        dims = list(dict.fromkeys(d for p in (results.get("profiles") or {}).values() for d in p))
    return list(circle) if circle else dimension_order(results.get("framework"), dims)


def overlaid_radar(results: dict[str, Any]) -> Markup:
    """One polygon per run, with its CIs, on the framework's circle."""
    profiles: dict[str, Any] = results.get("profiles") or {}
    order = _order(results)
    low, high = scale_range(results)
    lines = [
        RadarLine(label, {d: (cells.get(d) or {}).get("score") for d in order},
                  {d: bounds((cells.get(d) or {}).get("ci")) for d in order})
        for label, cells in profiles.items()
    ]  # fmt: skip
    return el(
        "figure",
        radar(order, lines, low, high, title=f"profiles on {results.get('framework')}"),
        el("figcaption", f"Each run's score per dimension on the {low:g}..{high:g} scale; 95% "
           "CI as the thick stroke along each spoke."),
    )  # fmt: skip


def compare_sections(results: dict[str, Any], prefix: str = "") -> list[Section]:
    """The radar, scores table and tests of a CompareResults dict (`compare.json`)."""
    profiles: dict[str, Any] = results.get("profiles") or {}
    if not profiles:
        return [Section(f"{prefix}profiles", "Profiles", el("p", "No profiles.", class_="sub"))]
    order = _order(results)
    labels = list(profiles)
    runs = {r.get("label"): r for r in results.get("runs") or [] if isinstance(r, dict)}
    rows = [[d, *(ci_text((profiles[la].get(d) or {}).get("score"),
                          (profiles[la].get(d) or {}).get("ci")) for la in labels)]
            for d in order]  # fmt: skip
    about = [el("li", f"{la}: {runs[la].get('model')} · {runs[la].get('instrument')} · "
                f"{fmt(runs[la].get('n_samples'))} samples ({fmt(runs[la].get('n_invalid'))} "
                "invalid) · "
                f"{runs[la].get('directory')}") for la in labels if la in runs]  # fmt: skip
    title = f" ({results.get('framework')})" if prefix else ""
    return [
        Section(f"{prefix}profiles", "Profiles" + title,
                el("div", el("div", overlaid_radar(results), class_="charts"),
                   el("ul", about) if about else None)),
        Section(f"{prefix}scores", "Scores side by side" + title,
                el("div", table(["dimension", *labels], rows), class_="scroll")),
        Section(f"{prefix}tests", "Differences per dimension" + title, _tests(results)),
    ]  # fmt: skip


def _tests(results: dict[str, Any]) -> Markup:
    config = results.get("config") or {}
    method = config.get("method", "permutation")
    rows = []
    for c in results.get("comparisons") or []:
        perm, wil = c.get("permutation") or {}, c.get("wilcoxon") or {}
        chosen = c.get(method) or {}
        rows.append([f"{c.get('run_a')} vs {c.get('run_b')}", c.get("dimension"), c.get("n_items"),
                     fmt(c.get("mean_a")), fmt(c.get("mean_b")), stat(c.get("mean_difference")),
                     stat(c.get("cohens_dz")), stat(c.get("rank_biserial")),
                     pvalue(perm.get("p_value")), pvalue(perm.get("p_holm")),
                     pvalue(wil.get("p_value")), pvalue(wil.get("p_holm")),
                     verdict(chosen.get("significant"))])  # fmt: skip
    n_tests = results.get("n_tests") or {}
    counted = ", ".join(f"{m} {n}" for m, n in n_tests.items()) or "–"
    nothing = results.get("nothing_tested")
    return el(
        "div",
        el("p", "Paired over the items both runs scored, per dimension: permutation and "
           f"Wilcoxon, each Holm-adjusted over its computable tests ({counted}); "
           f"'{method}' decides significance at alpha {fmt(config.get('alpha'))}.",
           class_="sub"),
        el("p", str(nothing), class_="bad") if nothing else None,
        el("div", table(["runs", "dimension", "items", "mean a", "mean b", "a - b", "d_z",
                         "rank-biserial", "p perm.", "Holm p perm.", "p Wilcoxon",
                         "Holm p Wilcoxon", ""], rows, numeric_from=2),
           class_="scroll"),
    )  # fmt: skip


def compare_sections_from_runs(folders: list[RunFolder], links: Links) -> list[Section]:
    """The compare page for measure runs picked in the viewer: valuescope's own comparison
    per framework; a framework with one run gets its radar alone."""
    from valuescope.analysis.compare import CompareError, compare_runs

    groups: dict[str, list[RunFolder]] = defaultdict(list)
    for folder in folders:
        groups[str((folder.results or {}).get("framework"))].append(folder)
    out: list[Section] = []
    if len(groups) > 1:
        note = (f"These runs measure {len(groups)} frameworks ({', '.join(groups)}): each is "
                "drawn apart, and tests need runs of one framework.")  # fmt: skip
        out.append(Section("frameworks", "Frameworks", el("p", note, class_="bad")))
    for index, (framework, group) in enumerate(groups.items()):
        prefix = f"g{index}-" if len(groups) > 1 else ""
        if len(group) >= 2:
            try:
                results = compare_runs([f.path for f in group]).model_dump(mode="json")
            except CompareError as exc:
                out.append(Section(f"{prefix}error", f"Cannot compare ({framework})",
                                   el("p", str(exc), class_="bad")))  # fmt: skip
                results = _profiles_only(group)
        else:
            results = _profiles_only(group)
        out += compare_sections(results, prefix)
    return out


def _profiles_only(group: list[RunFolder]) -> dict[str, Any]:
    """A compare-shaped dict from the runs' own results (no tests): for a lone run."""
    first = group[0].results or {}
    return {
        "framework": first.get("framework"),
        "scale": first.get("scale"),
        "dimensions": list(first.get("dimensions") or {}),
        "profiles": {f.path.name: (f.results or {}).get("dimensions") or {} for f in group},
        "runs": [
            {
                "label": f.path.name,
                "model": (f.results or {}).get("model"),
                "instrument": (f.manifest or {}).get("instrument"),
                "directory": str(f.path),
            }
            for f in group
        ],
        "comparisons": [],
        "n_tests": {},
    }
