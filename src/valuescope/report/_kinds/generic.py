"""A run of a kind this version does not know: its summary's plain (scalar) fields."""

from __future__ import annotations

from valuescope.report._folder import RunFolder
from valuescope.report._html import el, key_values
from valuescope.report._parts import Links, Section


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    plain = {k: v for k, v in results.items() if not isinstance(v, dict | list)}
    note = el("p", f"valuescope has no report for {run.kind!r} runs; the summary's fields:",
              class_="sub")  # fmt: skip
    return [Section("summary", "Summary", el("div", note, key_values(plain)))]
