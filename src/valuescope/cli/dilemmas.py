"""`valuescope dilemmas`: the moral-dilemmas instrument on the command line.

`register` adds it both as `valuescope dilemmas` (the original name, kept as an alias) and
as `valuescope bench dilemmas` (`cli/bench.py`), with the same options. Like the rest of the CLI it
only parses, runs it through the API and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from valuescope.cli._console import console, fmt, print_run_footer
from valuescope.cli._options import RunOptions, run_options
from valuescope.cli._run import run_command
from valuescope.cli._tables import row_table

if TYPE_CHECKING:
    from valuescope.instruments.dilemmas import DilemmaResults


def _ci(bounds: list[float | None], digits: int = 2) -> str:
    return f"{fmt(bounds[0], digits)}-{fmt(bounds[1], digits)}"


def dimensions_table(results: DilemmaResults) -> Table:
    table = row_table(
        f"{results.framework} frameworks in {results.instrument}: {results.model}",
        ["framework"],
        ["pref", "95% CI", "top", "rating", "95% CI", "pos bias", "rate bias", "mass", "invalid"],
    )
    for dim, r in results.dimensions.items():
        table.add_row(
            dim,
            fmt(r.preference, 3),
            _ci(r.preference_ci, 3),
            fmt(r.top_share),
            fmt(r.rating),
            _ci(r.rating_ci),
            fmt(r.position_bias),
            fmt(r.rating_order_bias),
            f"{fmt(r.option_mass_choice)}/{fmt(r.option_mass_rating)}",
            f"{r.n_invalid_choice}/{r.n_choice} {r.n_invalid_rating}/{r.n_rating}",
        )
    return table


def _chance(results: DilemmaResults) -> str:
    chances = {r.chance for r in results.dimensions.values() if r.chance is not None}
    if len(chances) == 1:
        return f"{chances.pop():.2f}"
    return "per framework in results.json"


def dilemmas_table(results: DilemmaResults) -> Table:
    table = Table(title="per dilemma: the outcome chosen most, and choice-rating agreement")
    table.add_column("dilemma", no_wrap=True)
    table.add_column("chosen most", no_wrap=True)
    table.add_column("framework", no_wrap=True)
    table.add_column("p", justify="right")
    table.add_column("stable", justify="right")
    table.add_column("rated best", no_wrap=True)
    table.add_column("tau", justify="right")
    for dilemma_id, r in results.dilemmas.items():
        top = r.ranking[0] if r.ranking else None
        best = max(r.rating, key=lambda o: r.rating[o]) if r.rating else None
        table.add_row(
            dilemma_id,
            top or "-",
            r.dimensions[top] if top else "-",
            fmt(r.choice.get(top) if top else None),
            fmt(r.top_agreement),
            r.dimensions[best] if best else "-",
            fmt(r.kendall_tau),
        )
    return table


def print_dilemmas(results: DilemmaResults, directory: Path) -> None:
    console.print(dimensions_table(results))
    console.print(
        f"pref: mean share of the choice on the framework's outcome (chance "
        f"{_chance(results)}); top: share of dilemmas where it is chosen most; rating: mean "
        "acceptability 1..5; pos bias: P(chosen | listed first) - P(chosen | listed last); "
        "rate bias: E(asc) - E(desc) anchors; mass / invalid: choice task / rating task",
        style="dim",
    )
    if len(results.dilemmas) <= 30:
        console.print(dilemmas_table(results))
        console.print(
            "stable: share of option orders whose most likely outcome is the one chosen most; "
            "rated best: framework of the best-rated outcome; tau: Kendall tau between choice "
            "and rating over the outcomes (rankings in results.json)",
            style="dim",
        )
    o, u = results.overall, results.usage
    shares = ", ".join(f"{k}: {v:.2f}" for k, v in o.label_share.items())
    console.print(
        f"{o.n_dilemmas} dilemmas, {o.n_samples} answers, {o.n_invalid} invalid (option mass "
        f"< {results.min_option_mass}); choice orders: {results.choice_orders}"
    )
    console.print(f"choice label shares: {shares}; primacy {fmt(o.primacy)}")
    console.print(
        f"choice-rating consistency: mean Kendall tau {fmt(o.kendall_tau)} over "
        f"{o.n_kendall} dilemmas; top choice stable across orders: {fmt(o.top_agreement)}"
    )
    print_run_footer(u, results.warnings, directory)


def register(app: typer.Typer) -> None:
    """Add the `dilemmas` command to `app`."""

    @app.command()
    @run_options
    def dilemmas(
        ctx: typer.Context,
        file: Annotated[
            Path | None, typer.Option(help="Your own dilemma file (YAML); default: the 18 shipped.")
        ] = None,
        limit: Annotated[
            int | None, typer.Option(min=1, help="Ask only the first N dilemmas.")
        ] = None,
        tasks: Annotated[
            str, typer.Option(help="choice (pick one outcome), rating (1..5 each), or both.")
        ] = "choice,rating",
        *,
        run: RunOptions,
    ) -> None:
        """Which moral framework a model's choices follow: 18 dilemmas, one outcome per
        ethics5 framework; the model picks one outcome (2n option orders) and rates each
        (1..5, both anchor orders), scored from its answer distribution."""
        from valuescope import api

        options = {"file": file, "limit": limit, "tasks": tasks, **run.config_fields()}
        run_command(ctx, "dilemmas", lambda p: api.adilemmas(**options, out=run.out, progress=p),
                    run, print_dilemmas)  # fmt: skip
