"""`valuescope validity`: construct validity by multitrait-multimethod over simulated
respondents. Thin: parse, call `valuescope.api.validity` (which measures each instrument
or resumes its run), print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import (
    RUN_FAILED,
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
from valuescope.cli._params import FrameworksDir, Limit, Paraphrases, Personas
from valuescope.cli._run import Bar, call_api
from valuescope.cli._tables import row_table

if TYPE_CHECKING:
    from valuescope.validity import ConstructValidityResults


def _verdict(flag: bool | None) -> str:
    return (
        "[yellow]undecided[/]" if flag is None else ("[green]pass[/]" if flag else "[red]fail[/]")
    )


def convergent_table(results: ConstructValidityResults) -> Table:
    m = results.mtmm
    names = {i.role: i.name for i in results.instruments}
    table = row_table(
        escape(
            f"convergent validity over {results.n_respondents} respondents: {names['A']} vs "
            f"{names['B']} (rule: r >= {m.convergent_min:.2f})"
        ),
        ("trait", "in B"),
        ("r [95% CI]", "n", f">= {m.convergent_min:.2f}"),
    )
    for c in m.convergent:
        ok = None if c.r.value is None else c.r.value >= m.convergent_min
        table.add_row(c.trait, c.b_trait, ci_cell(c.r), str(c.n), _verdict(ok))
    return table


def criterion_table(results: ConstructValidityResults) -> Table | None:
    c = results.criterion
    if c is None:
        return None
    table = row_table(
        escape(f"criterion validity: A's traits vs {c.instrument}"),
        ("trait", "criterion", "expected"),
        ("r [95% CI]", "n", "sign"),
    )
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
        Literal["quick", "standard", "full"],
        typer.Option(help="Simulated respondents (see measure --design); the same for all."),
    ] = "quick",
    personas: Personas = None,
    limit: Limit = None,
    paraphrases: Paraphrases = None,
    frameworks_dir: FrameworksDir = None,
    *,
    run: RunOptions,
) -> None:
    """Construct validity (multitrait-multimethod, Serapio-Garcia et al. 2025): the same
    simulated respondents answer two instruments for the same traits; convergent r per
    trait (rule >= 0.60) and the discriminant gap (rule >= 0.40), with a heatmap. Each
    instrument is a `measure` run inside --out; rerunning with the same --out resumes them."""
    from valuescope import api

    options = {"instruments": instruments, "criterion": criterion,
               "criterion_signs": criterion_signs, "map": map_file, "design": design,
               "personas": personas, "limit": limit, "paraphrases": paraphrases,
               "frameworks_dir": frameworks_dir, **run.config_fields()}  # fmt: skip
    progress = Bar("measuring")
    with user_errors():
        try:
            finished = call_api(lambda p: api.avalidity(**options, out=run.out, progress=p),
                                progress)  # fmt: skip
        except KeyboardInterrupt:
            folder = progress.directory.parent if progress.directory else run.out
            errors.print(
                f"interrupted: the answers so far are saved; run the same command with --out "
                f"{folder} to go on",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
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
