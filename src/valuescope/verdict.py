"""A run's verdict: can its numbers be read, and why (or why not).

Every questionnaire-based run opens with one of three levels, and the reasons that decided
it, each with its figures:

- *interpretable*: every check passed;
- *interpret with care*: some check is outside its comfortable range (few items, some
  invalid answers, a sizeable pull toward one option position ...);
- *not interpretable*: the answers do not support reading the profile (they follow the
  options' position rather than the items, most answers are invalid ...).

A run whose answers cannot be scored at all is not given a verdict but a *failure*
(`ResultsBase.failure`): the CLI ends it with exit code 4 and `valuescope runs` lists it
as `failed`.

Each instrument builds its reasons from its own figures against `valuescope.thresholds`;
this module only holds the types and how reasons combine (the worst level decides).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

Level = Literal["interpretable", "interpret with care", "not interpretable"]
LEVELS: tuple[Level, ...] = ("interpretable", "interpret with care", "not interpretable")
"""From best to worst."""

Figure = float | int | str | None


class Reason(BaseModel):
    """One check: what it found, in a line with its figures, and the level it implies."""

    check: str
    """A short stable name (`position`, `invalid`, `option_mass`, ...)."""
    level: Level
    text: str
    """One line, figures and threshold included ("option order explains 97% of ...")."""
    figures: dict[str, Figure] = Field(default_factory=dict)


class Verdict(BaseModel):
    """The level (the worst of the reasons') and every reason, worst first."""

    level: Level
    reasons: list[Reason]

    @classmethod
    def of(cls, reasons: Iterable[Reason]) -> Verdict:
        """The verdict the reasons imply: the worst level among them decides."""
        ordered = sorted(reasons, key=lambda r: -LEVELS.index(r.level))
        level = ordered[0].level if ordered else "interpretable"
        return cls(level=level, reasons=ordered)

    @property
    def deciding(self) -> list[Reason]:
        """The reasons at the verdict's own level (those that decided it)."""
        return [r for r in self.reasons if r.level == self.level]

    def explained(self, texts: bool = True) -> str:
        """The level, and below *interpretable* the deciding reasons in brackets: each
        `check: text` (or only the checks' names), as a run that sums up others quotes it."""
        if self.level == "interpretable":
            return self.level
        named = (
            "; ".join(f"{r.check}: {r.text}" for r in self.deciding)
            if texts
            else ", ".join(r.check for r in self.deciding)
        )
        return f"{self.level} ({named})"


def worse(a: Level, b: Level) -> Level:
    """The worse of two levels."""
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


__all__ = ["LEVELS", "Figure", "Level", "Reason", "Verdict", "worse"]
