"""`measure --norms FILE`: the table of the profile against human norms, and what it means."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import ci_cell, console, fmt
from valuescope.cli._tables import row_table

if TYPE_CHECKING:
    from valuescope.instruments.likert.norms import NormDimension, NormsResult
    from valuescope.stats import Stat


def stat_cell(stat: Stat, digits: int = 2) -> str:
    return fmt(stat.value, digits)


def p_cell(p: Stat) -> str:
    """p to 3 places, `<0.001` below that; `-` without a value."""
    if p.value is None:
        return "-"
    return "<0.001" if p.value < 0.001 else f"{p.value:.3f}"


def human_cell(d: NormDimension) -> str:
    return f"{fmt(d.human.mean)} ({fmt(d.human.sd)}, {d.human.n:,})"


def sample_text(norms: NormsResult) -> str:
    """`openness 3.03 (0.00, 4); ...`: the model's sample that t and g are over."""
    parts = []
    for dim, d in norms.dimensions.items():
        s = d.sample
        parts.append(f"{dim} -" if s.mean is None else f"{dim} {fmt(s.mean)} ({fmt(s.sd)}, {s.n})")
    return "; ".join(parts)


def norms_table(norms: NormsResult) -> Table:
    table = row_table(
        "against human norms",
        ["value"],
        ["model", "human mean (sd, n)", "z", "percentile", "g [95% CI]", "t", "p"],
    )
    for dim, d in norms.dimensions.items():
        table.add_row(
            dim,
            fmt(d.model),
            human_cell(d),
            stat_cell(d.z),
            stat_cell(d.percentile, 1),
            ci_cell(d.g),
            stat_cell(d.t),
            p_cell(d.p),
        )
    return table


def print_norms(norms: NormsResult) -> None:
    """The table, then in plain words what it compares, its assumptions and its source."""
    console.print(norms_table(norms))
    console.print(
        "z and percentile: the model's profile score in the human distribution (percentile "
        "assumes normal human scores); g (Hedges, 95% CI: Hedges & Olkin's large-sample "
        f"approximation) and Welch's t: {norms.meaning}",
        style="dim",
        highlight=False,
        markup=False,
    )
    console.print(
        f"t and g over the model's {norms.sample}, mean (sd, n): {sample_text(norms)}",
        style="dim",
        highlight=False,
        markup=False,
    )
    console.print(f"norms: {norms.source}", style="dim", highlight=False, markup=False)
    rescaled = {d.human.rescaled for d in norms.dimensions.values() if d.human.rescaled}
    for how in sorted(rescaled):
        console.print(f"norms rescaled: {escape(how)}", style="dim", highlight=False)
    for reason in _missing_reasons(norms):
        console.print(f"'-': {escape(reason)}", style="dim", highlight=False)
    left_out = {dim: d.sample.n_left_out for dim, d in norms.dimensions.items()}
    if any(left_out.values()):
        named = ", ".join(f"{dim} {n}" for dim, n in left_out.items() if n)
        console.print(
            f"{norms.sample} left out (no valid answer to every item): {escape(named)}",
            style="dim",
            highlight=False,
        )
    if norms.without_norm:
        console.print(
            f"no norm in the file for: {escape(', '.join(norms.without_norm))}",
            style="dim",
            highlight=False,
        )


def _missing_reasons(norms: NormsResult) -> list[str]:
    reasons = set()
    for d in norms.dimensions.values():
        for stat in (d.z, d.percentile, d.t, d.df, d.p, d.g):
            if stat.value is None and stat.reason:
                reasons.add(stat.reason)
    return sorted(reasons)
