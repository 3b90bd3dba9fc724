"""The parts every page is made of (`_page` assembles them, `_kinds` fills them), apart
from both so that neither imports the other for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from valuescope.report._html import el


@dataclass
class Section:
    """One part of a page: an anchor id, a heading and its body."""

    id: str
    title: str
    body: Markup


@dataclass
class Links:
    """How a page points at other runs and at its own drill-down pages."""

    run: Callable[[Path], str | None]
    """Link to the page of the run in that folder (None: show no link)."""
    samples: Callable[[dict[str, str]], str] | None = None
    """Link to this run's drill-down with these query values (None: a static report)."""
    file: Callable[[Path], str | None] = lambda _: None
    """Link to a data file of a run (an export, a bank), shown as text; None: no link."""


def no_results(anchor: str, title: str) -> list[Section]:
    """The page of a run that has no results yet: one section that says so."""
    return [Section(anchor, title, el("p", "No results yet.", class_="sub"))]


def flags(names: Iterable[str]) -> Markup:
    """Flags as small warning badges."""
    return el("span", [el("span", name, class_="flag") for name in names])
