"""`valuescope measure`: its options, and the profile and reliability tables it prints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import console, fmt, print_run_footer
from valuescope.cli._options import RunOptions, run_options
from valuescope.cli._run import run_command
from valuescope.datasets.item_files import ColumnMapping

if TYPE_CHECKING:
    from valuescope.instruments.likert import MeasureResults


def profile_table(results: MeasureResults) -> Table:
    has_mrat = any(r.score_mrat is not None for r in results.dimensions.values())
    table = Table(title=escape(f"{results.framework} profile of {results.model}"))
    table.add_column("value", no_wrap=True)
    headings = ["score", "95% CI", *(["MRAT"] if has_mrat else []), "mass", "bias", "order",
                "wording", "acq", "invalid"]  # fmt: skip
    for heading in headings:
        table.add_column(heading, justify="right", no_wrap=True)
    for dim, r in results.dimensions.items():
        table.add_row(
            dim,
            fmt(r.score),
            f"[{fmt(r.ci[0])}, {fmt(r.ci[1])}]",
            *([fmt(r.score_mrat)] if has_mrat else []),
            fmt(r.option_mass),
            fmt(r.position_bias),
            fmt(r.order_consistency),
            fmt(r.paraphrase_consistency),
            fmt(r.acquiescence),
            f"{r.n_invalid}/{r.n_samples}",
        )
    return table


def reliability_table(results: MeasureResults) -> Table:
    table = Table(title=f"reliability over {results.overall.n_administrations} administrations")
    table.add_column("value", no_wrap=True)
    for heading in ("alpha", "omega", "split-half", "ICC(3,1)", "forms: order", "forms: wording",
                    "retest", "< 0.7"):  # fmt: skip
        table.add_column(heading, justify="right", no_wrap=True)
    for dim, r in results.dimensions.items():
        table.add_row(
            dim,
            fmt(r.alpha),
            fmt(r.omega),
            fmt(r.split_half),
            fmt(r.icc),
            fmt(r.parallel_forms_order),
            fmt(r.parallel_forms_paraphrase),
            fmt(r.test_retest),
            str(len(r.flags)),
        )
    return table


def print_profile(results: MeasureResults, directory: Path) -> None:
    console.print(profile_table(results))
    console.print(
        "mass: probability on the options; bias: E(asc) - E(desc), negative = pulled to the "
        "first option; order / wording: consistency across option orders / paraphrases; "
        "acq: mean agreement before reverse-keying",
        style="dim",
    )
    console.print(reliability_table(results))
    console.print(
        "< 0.7: how many of the value's reliability statistics fall below 0.7 (names in "
        "results.json, dimensions.*.flags); '-' = not computable, the reason is in "
        "dimensions.*.reasons. Negative values mean the items move against each other "
        "across administrations (e.g. a position bias that reverse-keyed items undo).",
        style="dim",
    )
    o, u = results.overall, results.usage
    if o.circumplex is not None and o.circumplex.spearman_rho.value is not None:
        console.print(
            f"circumplex check: Spearman rho(distance, correlation) = "
            f"{o.circumplex.spearman_rho.value:.2f} (negative = circumplex-like)"
        )
    shares = ", ".join(f"{k}: {v:.2f}" for k, v in o.label_share.items())
    console.print(
        f"scale {results.scale.minimum}..{results.scale.maximum}; "
        f"{o.n_samples} answers, {o.n_invalid} invalid "
        f"(option mass < {results.min_option_mass}); mean option mass {fmt(o.option_mass)}"
    )
    console.print(f"share of each label (after renormalising): {shares}")
    print_run_footer(u, results.warnings, directory)


@run_options
def measure(
    ctx: typer.Context,
    framework: Annotated[
        str, typer.Option(help="Framework id (schwartz = schwartz10) or YAML file.")
    ] = "schwartz10",
    items: Annotated[
        Path | None,
        typer.Option(help="Your own instrument: a YAML bank, or a CSV/JSONL table of items."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="Column names of a CSV/JSONL instrument, e.g. "
            "text=item,dimension=value,polarity=agreement (fields: id, text, dimension, "
            "polarity, paraphrases)."
        ),
    ] = None,
    scale: Annotated[
        Path | None,
        typer.Option(help="YAML with the response scale (points, anchors, stem) of a CSV file."),
    ] = None,
    frameworks_dir: Annotated[
        Path | None, typer.Option(help="Folder of extra framework YAML files.")
    ] = None,
    paraphrases: Annotated[
        int | None,
        typer.Option(min=0, help="Paraphrases to ask besides each item's text (default: all)."),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            min=1,
            help="1 = score by expected value; K > 1 = sampled scoring, K draws per "
            "condition from the option distribution at --temperature (gives test-retest).",
        ),
    ] = 1,
    temperature: Annotated[
        float, typer.Option(min=0.05, help="Temperature of the draws under --samples K.")
    ] = 1.0,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Ask only N items, round-robin over dimensions.")
    ] = None,
    *,
    run: RunOptions,
) -> None:
    """Measure a model's profile on a framework's questionnaire, scored from its answer
    distribution under 2 option orders x 2 framings x each wording (item + paraphrases)."""
    from valuescope.instruments.likert import LikertInstrument, MeasureConfig

    def new_instrument() -> LikertInstrument:
        config = MeasureConfig(
            framework=framework,
            items=str(items) if items else None,
            columns=_columns(columns),
            scale=str(scale) if scale else None,
            frameworks_dir=str(frameworks_dir) if frameworks_dir else None,
            limit=limit,
            paraphrases=paraphrases,
            samples=samples,
            temperature=temperature,
            **run.config_fields(),
        )
        return LikertInstrument(config)

    finished = run_command(ctx, "measure", new_instrument, run.resume, run.out)
    print_profile(finished.results, finished.directory)


def _columns(spec: str | None) -> ColumnMapping:
    try:
        return ColumnMapping.parse(spec)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--columns") from None


def register(app: typer.Typer) -> None:
    """Add `measure` to `app`."""
    app.command()(measure)
