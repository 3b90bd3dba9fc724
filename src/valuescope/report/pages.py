"""The parts report pages are made of, for the viewer (`valuescope.view`), which serves the
same pages live: reading a run folder, the HTML builders (every string escaped by
construction), the page of a run and of a comparison. The report's own modules stay
private; this is the surface another package may use."""

from valuescope.report._folder import (
    COMPOSITE_FILES,
    MANIFEST,
    RESULTS,
    SAMPLES,
    ReportError,
    RunFolder,
    read_json,
)
from valuescope.report._html import content_security_policy, el, page, select, table
from valuescope.report._kinds.compare import compare_sections_from_runs
from valuescope.report._page import SampleQuery, child_runs, render_run, title_of
from valuescope.report._parts import Links

__all__ = [
    "COMPOSITE_FILES",
    "MANIFEST",
    "RESULTS",
    "SAMPLES",
    "Links",
    "ReportError",
    "RunFolder",
    "SampleQuery",
    "child_runs",
    "compare_sections_from_runs",
    "content_security_policy",
    "el",
    "page",
    "read_json",
    "render_run",
    "select",
    "table",
    "title_of",
]
