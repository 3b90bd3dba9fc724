"""Table cells and number readers shared by the kind modules.

Results hold statistics as `{"value": .., "reason": ..}` (a `Stat`) or with `ci_low` /
`ci_high` (a `CIStat`); a missing value carries the reason it is missing, which the cell
shows as a tooltip on the dash so a reader learns why without a column of explanations.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._html import ci_text, el, fmt, table


def stat(value: object, digits: int = 2) -> Markup:
    """A Stat/CIStat dict (or a plain number) as text, `value [low, high]` when it has a CI;
    a missing value is a dash whose title is the reason."""
    if not isinstance(value, dict):
        return el("span", fmt(value, digits) if isinstance(value, float) else fmt(value))
    if value.get("value") is None:
        return el("span", "–", title=value.get("reason") or None, class_="muted")
    if "ci_low" in value:
        return el("span", ci_text(value["value"], [value.get("ci_low"), value.get("ci_high")]))
    return el("span", fmt(value["value"], digits))


def as_float(value: object) -> float | None:
    """A plain JSON number as a float; anything else (None, a string, a bool) as None."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def bounds(ci: object) -> tuple[float | None, float | None]:
    """A `[low, high]` interval as two floats (None, None when it is not one)."""
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return as_float(ci[0]), as_float(ci[1])
    return None, None


def number(value: object) -> float | None:
    """A Stat's value or a plain number as a float (None when missing)."""
    if isinstance(value, dict):
        value = value.get("value")
    return as_float(value)


def pvalue(value: object) -> Markup:
    """A p value: three decimals, or `< 0.001`."""
    p = number(value)
    if p is None:
        return stat(value)
    return el("span", "< 0.001" if p < 0.001 else f"{p:.3f}")


def verdict(flag: object, yes: str = "significant", no: str = "n.s.") -> Markup:
    """A yes/no outcome as a coloured word; None (not tested) as a dash."""
    if flag is True:
        return el("span", yes, class_="good")
    if flag is False:
        return el("span", no, class_="muted")
    return el("span", "–", class_="muted")


def pair(low: Any, high: Any) -> tuple[float | None, float | None]:
    return number(low), number(high)


def scores_read_by(results: dict[str, Any]) -> str | None:
    """How a judge's scores were read (`score_methods`: method -> count), on one line."""
    methods = results.get("score_methods") or {}
    return ", ".join(f"{k}: {v}" for k, v in methods.items()) or None


def reasons_table(
    results: dict[str, Any], header: list[str], caption: str | None = None
) -> Markup | None:
    """The run's `invalid_reasons` (reason -> count) as a table; None where there are none."""
    reasons = results.get("invalid_reasons") or {}
    return table(header, list(reasons.items()), caption=caption) if reasons else None
