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

import logging
from pathlib import Path

from valuescope.report._folder import REPORT, ReportError, RunFolder, detect_kind
from valuescope.report._html import page
from valuescope.report._page import render_run, static_links, title_of

__all__ = [
    "REPORT",
    "ReportError",
    "detect_kind",
    "render_report",
    "save_report",
    "write_report",
]

_LOG = logging.getLogger("valuescope.report")


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


def save_report(folder: Path) -> Path | None:
    """`write_report` for commands that just finished: a report that cannot be drawn is
    logged and skipped (returns None), never allowed to fail the run whose results are
    already on disk. `valuescope report DIR` redraws it and shows the error."""
    try:
        return write_report(folder)
    except Exception as exc:  # the results are saved; the report is a view of them
        _LOG.warning("could not write %s/%s: %s: %s", folder, REPORT, type(exc).__name__, exc)
        return None
