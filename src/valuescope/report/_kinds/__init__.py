"""What each kind of run shows: one module per kind, imported when a page needs it.

A kind module has one function, `sections(run, links) -> list[Section]`, that reads the
run's results (plain JSON dicts, `run.results`) and returns the parts of the page particular
to that kind; the page around it (overview, warnings, usage, sub-runs, drill-down of the
samples) is the same for every kind (`_page.render_run`). To add a kind, add a module here
and a line to `KINDS`.

    def sections(run: RunFolder, links: Links) -> list[Section]:
        score = run.results["score"]
        return [Section("score", "Score", el("p", f"{score:.2f}"))]
"""

from __future__ import annotations

from collections.abc import Callable

from valuescope.registry import Registry
from valuescope.report._folder import RunFolder
from valuescope.report._parts import Links, Section

KINDS: Registry[Callable[[RunFolder, Links], list[Section]]] = Registry(
    "report_kinds",
    "report kind",
    {
        kind: f"valuescope.report._kinds.{module}:sections"
        for kind, module in {
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
        }.items()
    },
)
"""Kind (the manifest's command or the composite file's command) -> its `sections`; a
plugin's instrument adds its page under the entry-point group `valuescope.report_kinds`."""


def sections_for(run: RunFolder, links: Links) -> list[Section]:
    """The kind's own sections; a kind without a module shows its summary's plain fields."""
    if run.kind not in KINDS:
        from valuescope.report._kinds.generic import sections as generic

        return generic(run, links)
    return KINDS.get(run.kind)(run, links)
