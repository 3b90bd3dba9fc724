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

Each instrument builds its reasons from its own figures against `valuescope.thresholds`
(`instruments/likert/verdict.py`, `instruments/probes/verdict.py`,
`instruments/bench/verdict.py`); this module holds the types, how reasons combine (the worst
level decides), and the checks every instrument words alike (`invalid_reason`,
`option_mass_reason`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, Field

from valuescope import thresholds as t

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


def level_of(value: float, not_at: float, care_at: float, higher_is_worse: bool) -> Level:
    """The level of `value` against a not-interpretable and a care threshold: at or past
    `not_at` (or below it, when lower is worse) not interpretable, then care."""
    if higher_is_worse:
        past_not, past_care = value >= not_at, value >= care_at
    else:
        past_not, past_care = value < not_at, value < care_at
    if past_not:
        return "not interpretable"
    return "interpret with care" if past_care else "interpretable"


def percent(x: float) -> str:
    """`0.123` -> `12%`."""
    return f"{100 * x:.0f}%"


def invalid_reason(n_invalid: int, n: int, detail: str = "") -> Reason:
    """The share of answers that could not be scored, against `INVALID_SHARE_*`; `detail`
    (e.g. "2 empty, 1 judgement unreadable") follows the percentage."""
    share = n_invalid / n if n else 1.0
    level = level_of(share, t.INVALID_SHARE_NOT, t.INVALID_SHARE_CARE, higher_is_worse=True)
    shown = percent(share) + (f", {detail}" if detail else "")
    return Reason(
        check="invalid",
        level=level,
        text=f"{n_invalid} of {n} answers invalid ({shown}; >= {percent(t.INVALID_SHARE_CARE)} "
        f"needs care, >= {percent(t.INVALID_SHARE_NOT)} is not interpretable)",
        figures={"n_invalid": n_invalid, "n_samples": n, "share": share},
    )


def option_mass_reason(mass: float | None) -> Reason | None:
    """The mean probability on the options against `OPTION_MASS_CARE` (None: not known)."""
    if mass is None:
        return None
    level: Level = "interpret with care" if mass < t.OPTION_MASS_CARE else "interpretable"
    return Reason(
        check="option_mass",
        level=level,
        text=f"mean probability on the options {mass:.2f} (< {t.OPTION_MASS_CARE} needs care: "
        "below it the model says something other than an option as often as it answers)",
        figures={"option_mass": mass},
    )


__all__ = [
    "LEVELS",
    "Figure",
    "Level",
    "Reason",
    "Verdict",
    "invalid_reason",
    "level_of",
    "option_mass_reason",
    "percent",
    "worse",
]


def count_reason(
    check: str,
    counts: Mapping[str, int],
    need: int,
    noun: str,
    consequence: str,
    verbs: tuple[str, str] = ("has", "have"),
) -> Reason | None:
    """Whether every dimension has `need` or more `noun` (items, questions): interpretable,
    or *interpret with care* naming how many fall short and what they lack
    (`consequence`). `verbs` are the singular and plural verbs ("is scored on", "are
    scored on"). None without dimensions."""
    if not counts:
        return None
    short = sorted(dim for dim, n in counts.items() if n < need)
    fewest = min(counts.values())
    one, many = verbs
    if not short:
        return Reason(
            check=check,
            level="interpretable",
            text=f"every dimension {one} >= {need} {noun} (fewest {fewest})",
            figures={"fewest": fewest},
        )
    return Reason(
        check=check,
        level="interpret with care",
        text=f"{len(short)} of {len(counts)} dimensions {many} fewer than {need} {noun} "
        f"(fewest {fewest}): {consequence}",
        figures={"fewest": fewest, "short": len(short)},
    )


def position_share_reason(
    share: float | None,
    content: str,
    why: str | None,
    found: str,
    figures: dict[str, Figure],
    after: str = "",
) -> Reason:
    """The position check of measure and bench: a `share` of answers that follow an option's
    place rather than its `content`, against `POSITION_SHARE_*` (None: `why` there is none).
    `found` says what the share is, the thresholds close its parenthesis, `after` follows."""
    if share is None:
        return Reason(
            check="position",
            level="interpret with care",
            text=f"cannot tell option position from {content}: {why}",
        )
    level = level_of(share, t.POSITION_SHARE_NOT, t.POSITION_SHARE_CARE, higher_is_worse=True)
    limits = (
        f">= {percent(t.POSITION_SHARE_CARE)} needs care, >= "
        f"{percent(t.POSITION_SHARE_NOT)} is not interpretable"
    )
    return Reason(check="position", level=level, text=f"{found}; {limits}){after}", figures=figures)
