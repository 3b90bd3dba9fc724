"""`valuescope validity`: construct validity by multitrait-multimethod over simulated
respondents. Thin: parse, measure each instrument (or resume its run), call
`valuescope.validity`, print."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import (
    RUN_FAILED,
    RichProgress,
    ci_cell,
    conclude,
    console,
    errors,
    fmt,
    print_error,
    print_report_line,
    print_verdict,
    user_errors,
)
from valuescope.cli._options import RunOptions, run_options
from valuescope.cli._run import command_line

if TYPE_CHECKING:
    from valuescope.validity import ConstructValidityResults, PlannedRun


class DesignChoice(StrEnum):
    quick = "quick"
    standard = "standard"
    full = "full"


def _verdict(flag: bool | None) -> str:
    return (
        "[yellow]undecided[/]" if flag is None else ("[green]pass[/]" if flag else "[red]fail[/]")
    )


def convergent_table(results: ConstructValidityResults) -> Table:
    m = results.mtmm
    names = {i.role: i.name for i in results.instruments}
    table = Table(
        title=escape(
            f"convergent validity over {results.n_respondents} respondents: {names['A']} vs "
            f"{names['B']} (rule: r >= {m.convergent_min:.2f})"
        )
    )
    for heading in ("trait", "in B"):
        table.add_column(heading, no_wrap=True)
    for heading in ("r [95% CI]", "n", f">= {m.convergent_min:.2f}"):
        table.add_column(heading, justify="right", no_wrap=True)
    for c in m.convergent:
        ok = None if c.r.value is None else c.r.value >= m.convergent_min
        table.add_row(c.trait, c.b_trait, ci_cell(c.r), str(c.n), _verdict(ok))
    return table


def criterion_table(results: ConstructValidityResults) -> Table | None:
    c = results.criterion
    if c is None:
        return None
    table = Table(title=escape(f"criterion validity: A's traits vs {c.instrument}"))
    for heading in ("trait", "criterion", "expected"):
        table.add_column(heading, no_wrap=True)
    for heading in ("r [95% CI]", "n", "sign"):
        table.add_column(heading, justify="right", no_wrap=True)
    for x in c.correlations:
        sign = (
            "-" if x.sign_matches is None else ("[green]ok[/]" if x.sign_matches else "[red]no[/]")
        )
        expected = "+" if x.expected_sign > 0 else "-"
        table.add_row(x.trait, x.criterion, expected, ci_cell(x.r), str(x.n), sign)
    return table


def print_validity(results: ConstructValidityResults, files: list[Path]) -> None:
    m = results.mtmm
    print_verdict(results.failure, results.verdict)
    console.print(convergent_table(results))
    console.print(
        f"mean convergent r: {fmt(m.mean_convergent.value)}; mean discriminant |r| "
        f"(different traits across instruments): {fmt(m.mean_discriminant.value)}",
        highlight=False,
    )
    gap = m.discriminant_gap
    how = ", ".join(
        part
        for part in (
            "bias-corrected" if gap.uncorrected is not None else "",
            f"uncorrected {fmt(gap.uncorrected)}" if gap.uncorrected is not None else "",
            gap.method or "",
        )
        if part
    )
    console.print(
        f"discriminant gap: {ci_cell(gap)}{f' ({how})' if how else ''} (rule: >= {m.gap_min:.2f})",
        highlight=False,
    )
    console.print(
        f"convergent rule: {_verdict(m.convergent_pass)}; discriminant rule: "
        f"{_verdict(m.discriminant_pass)}; construct validity: {_verdict(results.passed)}"
    )
    for key, reason in m.reasons.items():
        console.print(f"{escape(key)}: {escape(reason)}", style="dim")
    table = criterion_table(results)
    if table is not None and results.criterion is not None:
        c = results.criterion
        console.print(table)
        console.print(
            f"{c.n_matching} of {c.n_defined} signs as expected ({c.n_supported} with a 95% CI "
            f"that excludes 0); expectations from "
            f"{escape(c.source or c.signs_file)}",
            highlight=False,
        )
        if c.skipped:
            console.print(f"not measured: {', '.join(c.skipped)}", style="dim")
    for warning in results.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}")
    for instrument in results.instruments:
        console.print(f"{instrument.role} run: {escape(instrument.run)}", highlight=False)
    for path in files:
        console.print(f"wrote [bold]{escape(str(path))}[/]")
    if files:
        print_report_line(files[0].parent)


def split_names(values: list[str]) -> list[str]:
    """`--instruments a,b` or `--instruments a --instruments b` -> [a, b]."""
    return [p.strip() for value in values for p in value.split(",") if p.strip()]


def _measure(planned: list[PlannedRun]) -> None:
    """Each instrument's run in turn, with its own progress bar; Ctrl-C says how to go on."""
    import asyncio

    from valuescope.validity import measure_planned

    for index, one in enumerate(planned, start=1):
        verb = "resuming" if one.reused else "measuring"
        console.print(
            f"{verb} {one.role}: {one.spec.label} ({index}/{len(planned)}) in {one.directory}",
            highlight=False,
        )
        try:
            with RichProgress() as progress:
                asyncio.run(measure_planned(one, progress, command_line()))
        except KeyboardInterrupt:
            errors.print(
                f"interrupted: the answers so far are saved; run the same command with --out "
                f"{one.directory.parent} to go on",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None


@run_options(omit=("resume", "steering"))
def validity(
    instruments: Annotated[
        list[str],
        typer.Option(
            help="A,B: two instruments for the same traits (comma-separated or repeated): "
            "shipped banks (bigfive, bigfive_short, ...), YAML banks, or instrument files "
            "(YAML with items:, framework:, scale:, columns:).",
            show_default=False,
        ),
    ],
    criterion: Annotated[
        str | None,
        typer.Option(help="A third instrument A's traits should track (e.g. schwartz10)."),
    ] = None,
    criterion_signs: Annotated[
        Path | None,
        typer.Option(
            help="YAML of expected signs (traits:, criterion:, source:, expected: {trait: "
            "{dimension: 1 or -1}}); default: the file shipped for A and the criterion."
        ),
    ] = None,
    map_file: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="YAML mapping of B's dimension ids to A's where they differ, e.g. "
            "'negative_emotionality: neuroticism'; a '-' reverses B's dimension first, e.g. "
            "'emotional_stability: -neuroticism'.",
        ),
    ] = None,
    design: Annotated[
        DesignChoice,
        typer.Option(help="Simulated respondents (see measure --design); the same for all."),
    ] = DesignChoice.quick,
    personas: Annotated[
        str | None,
        typer.Option(help="N personas from the shipped pool, or a FILE of your own."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Ask only N items of each instrument.")
    ] = None,
    paraphrases: Annotated[
        int | None,
        typer.Option(min=0, help="Paraphrases in the model's own profile (default: all)."),
    ] = None,
    frameworks_dir: Annotated[
        Path | None, typer.Option(help="Folder of extra framework YAML files.")
    ] = None,
    *,
    run: RunOptions,
) -> None:
    """Construct validity (multitrait-multimethod, Serapio-Garcia et al. 2025): the same
    simulated respondents answer two instruments for the same traits; convergent r per
    trait (rule >= 0.60) and the discriminant gap (rule >= 0.40), with a heatmap. Each
    instrument is a `measure` run inside --out; rerunning with the same --out resumes them."""
    from valuescope.validity import (
        ConstructValidityConfig,
        default_out,
        load_mapping,
        plan_runs,
        results_for,
    )

    names = split_names(instruments)
    if len(names) != 2:
        raise typer.BadParameter(
            f"give exactly two instruments (A,B), got {len(names)}; a third goes in --criterion",
            param_hint="--instruments",
        )
    with user_errors():
        count = int(personas) if personas is not None and personas.isdigit() else None
        config = ConstructValidityConfig(
            instruments=names,
            criterion=criterion,
            criterion_signs=str(criterion_signs) if criterion_signs else None,
            mapping=load_mapping(map_file) if map_file else {},
            design=design.value,
            personas=count,
            personas_file=personas if personas is not None and count is None else None,
            limit=limit,
            paraphrases=paraphrases,
            frameworks_dir=str(frameworks_dir) if frameworks_dir else None,
            **run.config_fields(),
        )
        planned = plan_runs(config, run.out or default_out(config), command_line())
        _measure(planned)
        finished = results_for(config, planned)
    print_validity(finished.results, finished.files)
    conclude_validity(finished.results, run.strict)


def conclude_validity(results: ConstructValidityResults, strict: bool) -> None:
    """Exit 4 when nothing could be computed; under `--strict` also when the verdict is not
    interpretable or construct validity is undecided."""
    conclude(results.failure, results.verdict, strict, what="validity")
    if strict and results.passed is None:
        print_error("--strict: construct validity is undecided")
        raise typer.Exit(RUN_FAILED)


def register(app: typer.Typer) -> None:
    """Add `validity` to the `valuescope` app."""
    app.command()(validity)
