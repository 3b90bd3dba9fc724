"""The viewer's compare page: pick questionnaire (`measure`) runs, see their profiles
overlaid and the paired tests per dimension.

The figures come from the same code as `valuescope compare` (through the compare report's
`compare_sections_from_runs`), so the page and the command agree; runs of different
frameworks are drawn per framework and not tested against each other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup

from valuescope.report.pages import ReportError, RunFolder, el, table
from valuescope.view._index import RunIndex

MAX_PICKED = 8


def compare_body(index: RunIndex, picked: list[Path],
                 run_href: Callable[[Path], str | None]) -> Markup:  # fmt: skip
    """The picker (every finished measure run, nested ones included) and, with runs picked,
    the comparison."""
    from valuescope.report.pages import Links, compare_sections_from_runs

    picked_names = {p.relative_to(index.root).as_posix() for p in picked}
    candidates = [e for e in index.entries() if e.kind == "measure" and e.status == "finished"]
    rows = [
        [el("input", type="checkbox", name="run", value=e.relative,
            checked=e.relative in picked_names, id=f"pick-{n}"),
         el("label", e.relative, for_=f"pick-{n}"), e.model, e.instrument,
         e.created.replace("T", " ")[:19]]
        for n, e in enumerate(candidates)
    ]  # fmt: skip
    picker = el(
        "form",
        el(
            "div",
            table(["", "run", "model", "instrument", "started (UTC)"], rows, numeric_from=9),
            class_="scroll",
        ),
        el("button", "compare", type="submit"),
        method="get",
        action="/compare",
        id="picker",
    )
    parts: list[object] = [el("h1", "Compare runs")]
    if len(picked) > MAX_PICKED:
        parts.append(el("p", f"pick at most {MAX_PICKED} runs", class_="bad"))
    elif len(picked) >= 2:
        try:
            folders = [RunFolder.open(p) for p in picked]
            sections = compare_sections_from_runs(folders, Links(run=run_href))
            parts += [el("section", el("h2", s.title), s.body, id=s.id) for s in sections]
        except ReportError as exc:
            parts.append(el("p", str(exc), class_="bad"))
    else:
        parts.append(el("p", "Pick two or more questionnaire runs below and press compare.",
                        class_="sub"))  # fmt: skip
    parts.append(el("section", el("h2", f"Questionnaire runs ({len(candidates)})"), picker))
    return el("div", parts)
