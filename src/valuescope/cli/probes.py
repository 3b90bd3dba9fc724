"""`valuescope measure --instrument probes`: building the probes run and printing its
profile (the options are `measure`'s; this module keeps the probes-only parts apart)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from valuescope.cli._console import ci_cell, console, fmt, print_reasons, print_run_footer
from valuescope.cli._tables import joined, row_table

if TYPE_CHECKING:
    from valuescope.instruments.probes import ProbesInstrument, ProbesResults

LIKERT_ONLY = ("columns", "scale", "paraphrases", "check_text", "norms")
"""`measure` options that mean nothing to probes: giving one with --instrument probes is an
error rather than silently ignored."""


def manifest_command(directory: Path) -> str | None:
    """The command a run directory was made by (None if unreadable: resume then says why)."""
    from valuescope.runs import RunStore, RunStoreError

    try:
        return RunStore.open_existing(directory).manifest.command
    except (RunStoreError, OSError):
        return None


def print_probes_plan(instrument: ProbesInstrument) -> None:
    """Before the run: how many answers it asks, and who judges them."""
    config = instrument.config
    n_respondents = 1 + len(instrument.personas)
    answers = len(instrument.probes) * n_respondents * config.samples
    console.print(
        f"{len(instrument.probes)} probes x {n_respondents} respondent(s) (the model"
        f"{f' + {len(instrument.personas)} personas' if instrument.personas else ''}) x "
        f"{config.samples} samples = {answers} answers, each judged "
        f"({config.judge_mode}, by {config.judge or 'the model itself'})",
        highlight=False,
    )


def reject_likert_options(given: list[str]) -> None:
    """`given`: the likert-only options typed (`given_on_command_line`, as --names)."""
    if given:
        raise typer.BadParameter(
            f"{', '.join(given)} apply to questionnaires, not to --instrument probes"
        )


def probes_table(results: ProbesResults) -> Table:
    table = row_table(
        f"{results.framework} from free answers to {results.instrument}: "
        f"{results.model} (judge: {results.judge}, {results.judge_mode})",
        ["value"],
        ("P(expressed) [95% CI]", "on its own probes", "questions"),
    )
    for dimension, r in results.dimensions.items():
        table.add_row(
            dimension, ci_cell(r.score), fmt(r.on_target), f"{r.n_on_target}/{r.n_questions}"
        )
    return table


def print_probes(results: ProbesResults, directory: Path) -> None:
    console.print(probes_table(results))
    methods = joined(results.score_methods)
    console.print(
        f"{results.n_answers} answers ({fmt(results.mean_answer_words, 0)} words on average), "
        f"{results.n_invalid} invalid; judge scores from {methods}; "
        f"{len(results.respondents)} personas profiled",
        soft_wrap=True,
    )
    print_reasons(results.invalid_reasons)
    console.print(
        "P(expressed): the judge's mean probability that an answer expresses the value, over "
        "questions (95% CI: t-interval over questions, none below 3); on its own probes: the "
        "same over the questions that put that value at stake",
        style="dim",
    )
    if results.judge_usage is not None:
        u = results.judge_usage
        console.print(f"judge: {u.model_calls} calls, {u.cache_hits} cache hits", style="dim")
    print_run_footer(results.usage, results.warnings, directory)
