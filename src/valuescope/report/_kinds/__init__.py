"""What each kind of run shows: one module per kind, imported when a page needs it.

A kind module has one function, `sections(run, links) -> list[Section]`, that reads the
run's results (plain JSON dicts, `run.results`) and returns the parts of the page particular
to that kind; the page around it (overview, warnings, usage, sub-runs, drill-down of the
samples) is the same for every kind (`_page.render_run`). To add a kind, add a module here
and a line to `KIND_MODULES`.

    def sections(run: RunFolder, links: Links) -> list[Section]:
        score = run.results["score"]
        return [Section("score", "Score", el("p", f"{score:.2f}"))]
"""

from __future__ import annotations

import importlib

from valuescope.report._folder import RunFolder
from valuescope.report._parts import Links, Section

KIND_MODULES = {
    "measure": "likert",
    "probes": "probes",
    "csi": "csi",
    "csi-validity": "csi_validity",
    "dilemmas": "dilemmas",
    "bench": "bench",
    "classify": "classify",
    "generate": "generate",
    "construct": "construct",
    "compare": "compare",
    "validity": "validity",
    "steer": "steer",
    "steer-eval": "steer_eval",
    "safety": "safety",
}
"""Kind (the manifest's command or the composite file's command) -> module in this package."""


def sections_for(run: RunFolder, links: Links) -> list[Section]:
    """The kind's own sections; a kind without a module shows its summary's plain fields."""
    name = KIND_MODULES.get(run.kind)
    if name is None:
        from valuescope.report._kinds.generic import sections as generic

        return generic(run, links)
    module = importlib.import_module(f"valuescope.report._kinds.{name}")
    result: list[Section] = module.sections(run, links)
    return result
