"""A CAReDiO construction run (`construct.json`, `pairs.jsonl`, `export/`): the settings
and calls, the per-round statistics (attempted, accepted, unreadable, mean combined score
before and after), and the kept pairs with their scores, the rejected answer of their DPO
record and their provenance (every step tried on them). Every text is escaped (`el`).
"""

from __future__ import annotations

from typing import Any

from valuescope.report._folder import RunFolder
from valuescope.report._html import el, fmt, key_values, table
from valuescope.report._parts import Links, Section


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    return [_overview(results), _rounds(results), _kept(results), _dropped(results)]


def _overview(results: dict[str, Any]) -> Section:
    exported = results.get("exported") or {}
    pairs = {
        "culture": results.get("culture"),
        "related cultures": ", ".join(map(str, results.get("related") or [])),
        "generator": results.get("generator"),
        "raters": f"{results.get('model')} as " + "; ".join(map(str, results.get("raters") or [])),
        "distinctiveness judge": results.get("judge"),
        "stopped": results.get("stopped"),
        "calls (cached ones too)": results.get("calls"),
        "new calls (not from the cache)": results.get("new_calls"),
        "calls to score one pair": results.get("calls_per_pair"),
        "scored pairs": results.get("scored_pairs"),
        "kept pairs": len(results.get("kept") or []),
        "exported": ", ".join(f"{k}: {v}" for k, v in exported.items()),
    }
    notes = [el("li", str(n)) for n in results.get("notes") or []]
    body = el(
        "div",
        el(
            "p",
            "Representativeness: mean rating (0-1) of role-played members of the culture; "
            "spread: their standard deviation. Distinctiveness: the judge's P(culture) "
            "among the culture and the related ones, names masked, averaged over rotations "
            "of the list. Combined: their product.",
            class_="sub",
        ),
        key_values(pairs),
        el("ul", notes) if notes else None,
    )
    return Section("construction", "Construction", body)


def _rounds(results: dict[str, Any]) -> Section:
    rows = [
        [r.get("round"), r.get("kind"), r.get("attempted"), r.get("accepted"),
         r.get("unreadable"), fmt(r.get("mean_combined_before"), 4),
         fmt(r.get("mean_combined_after"), 4)]
        for r in results.get("rounds") or [] if isinstance(r, dict)
    ]  # fmt: skip
    headings = ["round", "step", "attempted", "accepted", "unreadable", "mean combined before",
                "mean combined after"]  # fmt: skip
    return Section("rounds", "Rounds", table(headings, rows, numeric_from=2))


def _kept(results: dict[str, Any]) -> Section:
    rows = []
    for item in results.get("kept") or []:
        if not isinstance(item, dict):
            continue
        s = item.get("scores") or {}
        steps = [
            f"{h.get('kind')} r{h.get('round')}: "
            + ("kept" if h.get("accepted") else "not kept")
            + (f" ({fmt((h.get('scores') or {}).get('combined'), 3)})" if h.get("scores") else "")
            for h in item.get("history") or [] if isinstance(h, dict)
        ]  # fmt: skip
        rows.append([
            item.get("rank"), el("div", str(item.get("question") or "")),
            el("div", str(item.get("answer") or "")),
            el("div", str(item.get("rejected_answer") or "–"),
               el("div", str(item.get("rejected_source") or ""), class_="muted")),
            el("div", "; ".join(steps)), fmt(s.get("representativeness"), 3),
            fmt(s.get("spread"), 3), fmt(s.get("distinctiveness"), 3),
            fmt(s.get("combined"), 4),
        ])  # fmt: skip
    headings = ["rank", "question", "answer", "DPO rejected", "provenance", "representativeness",
                "spread", "distinctiveness", "combined"]  # fmt: skip
    body = el("div", table(headings, rows, numeric_from=5), class_="scroll")
    return Section("kept", f"Kept pairs ({len(rows)})", body)


def _dropped(results: dict[str, Any]) -> Section:
    rows = [[d.get("topic") or "", d.get("why") or "", el("div", str(d.get("text") or ""))]
            for d in results.get("dropped") or [] if isinstance(d, dict)]  # fmt: skip
    nothing = el("p", "Nothing was dropped.")
    body = table(["topic", "why", "text"], rows, numeric_from=9) if rows else nothing
    return Section("dropped", f"Dropped while writing ({len(rows)})", body)
