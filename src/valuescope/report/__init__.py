"""What results look like to people: the HTML report of every run, the viewer's pages, and
plots.

`write_report(folder)` writes `report.html` into a run folder: one self-contained file (its
stylesheet inline, charts as inline SVG, no script, nothing fetched), opened from disk.
`valuescope view` (`valuescope.view`) serves the same pages over all runs in a folder.

Modules here only read run folders; they never call models. Every string that reaches a
page is escaped by construction (`_html.el`). Plotting libraries (for the PNG/SVG files the
CLI writes beside compare and validity runs) are imported inside the functions that draw.
"""

from __future__ import annotations

from pathlib import Path

from valuescope.report._folder import REPORT, ReportError, RunFolder, detect_kind
from valuescope.report._html import page
from valuescope.report._page import render_run, static_links, title_of

__all__ = ["REPORT", "ReportError", "detect_kind", "render_report", "write_report"]


def render_report(folder: Path) -> str:
    """The static report of the run in `folder` as an HTML document."""
    run = RunFolder.open(folder)
    return page(f"valuescope · {title_of(run)}", render_run(run, static_links(folder), None))


def write_report(folder: Path) -> Path:
    """Write `folder/report.html` (atomically: a reader never sees half a page)."""
    html = render_report(folder)
    path = folder / REPORT
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
