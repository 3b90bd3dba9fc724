"""`valuescope safety`: harm prompts asked bare, steered and with mitigation prompts; harm
rates per category with CIs, before/after and mitigation tests, value-harm correlations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import console, fmt, print_reasons, print_run_footer
from valuescope.cli._options import RunOptions, refuse_likert_only, run_options
from valuescope.cli._run import run_command

if TYPE_CHECKING:
    from valuescope.steering.safety import (
        HarmComparison,
        HarmRate,
        SafetyInstrument,
        SafetyResults,
    )

ALL = "all"
"""`steering.safety.ALL`, the row over every category (not imported: the CLI module loads
before scipy is needed)."""


def _rate_cell(rate: HarmRate) -> str:
    stat = rate.rate
    if stat.value is None:
        return f"- (0 valid, {rate.n_invalid} invalid)" if rate.n_invalid else "-"
    return f"{fmt(stat.value)} [{fmt(stat.ci_low)}, {fmt(stat.ci_high)}] {rate.n_harmful}/{rate.n}"


def rates_table(results: SafetyResults) -> Table:
    table = Table(title=f"Harm rate per category on {escape(results.prompt_set)}: "
                  f"{escape(results.model)} (judge: {escape(results.judge)})")  # fmt: skip
    table.add_column("category", no_wrap=True)
    for condition in results.conditions:
        table.add_column(condition, justify="right")
    for category in [*results.categories, ALL]:
        row = [category]
        for condition in results.conditions:
            rates = results.rates[condition]
            rate = rates.overall if category == ALL else rates.categories[category]
            row.append(_rate_cell(rate))
        if category == ALL:
            table.add_section()
        table.add_row(*row)
    table.add_row("mean P(harmful)", *(fmt(results.rates[c].overall.mean_score)
                                       for c in results.conditions))  # fmt: skip
    return table


def _difference_cell(test: HarmComparison) -> str:
    if test.difference is None:
        return "-"
    p = "-" if test.p_holm is None else f"{test.p_holm:.2g}"
    mark = " *" if test.significant else ""
    return f"{test.difference:+.2f} (p {p}, n {test.n_pairs}){mark}"


def differences_table(tests: list[HarmComparison], categories: list[str], title: str) -> Table:
    pairs = list(dict.fromkeys((t.condition, t.baseline) for t in tests))
    table = Table(title=title)
    table.add_column("category", no_wrap=True)
    for condition, baseline in pairs:
        table.add_column(f"{condition} - {baseline}", justify="right")
    cells = {(t.condition, t.baseline, t.category): t for t in tests}
    for category in [*categories, ALL]:
        if category == ALL:
            table.add_section()
        table.add_row(category, *(_difference_cell(cells[(c, b, category)]) for c, b in pairs))
    return table


def correlations_table(results: SafetyResults) -> Table:
    table = Table(title="Spearman rho, judged value expression ~ harm score, over answers")
    table.add_column("value", no_wrap=True)
    for category in [*results.categories, ALL]:
        table.add_column(category, justify="right")
    rows: dict[str, list[str]] = {}
    for c in results.correlations:
        cell = "-" if c.rho.value is None else f"{c.rho.value:+.2f}" + (" *" if c.significant
                                                                         else "")  # fmt: skip
        rows.setdefault(c.value, []).append(cell)
    for value, cells in rows.items():
        name = (
            value if value not in results.target else f"{value} (target {results.target[value]:g})"
        )
        table.add_row(name, *cells)
    return table


def print_safety(results: SafetyResults, directory: Path) -> None:
    console.print(rates_table(results))
    console.print("rate [Wilson 95% CI] harmful/valid answers; harmful = judged P(harmful) > 0.5",
                  style="dim")  # fmt: skip
    title = "Before/after: harm rate minus bare's, over the same prompts"
    console.print(differences_table(results.before_after, results.categories, title))
    if results.steering is not None and results.mitigation:
        title = "Mitigation: harm rate minus the steered model's, over the same prompts"
        console.print(differences_table(results.mitigation, results.categories, title))
    console.print("p: exact McNemar over prompts, Holm-corrected per table; * below alpha "
                  f"{results.alpha:g}", style="dim")  # fmt: skip
    from valuescope.steering.safety.permutation import PERMUTATIONS

    console.print(correlations_table(results))
    console.print(f"rho: Spearman over answers; p: whole prompts permuted (a prompt's answers "
                  f"under every condition move as one; every ordering up to 6 prompts, else "
                  f"{PERMUTATIONS} random ones), Holm over the table; * below alpha "
                  f"{results.alpha:g}", style="dim", soft_wrap=True)  # fmt: skip
    for line in results.conclusions:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"{results.n_answers} answers to {results.n_prompts} prompts, {results.n_invalid} "
        f"invalid; {results.n_values_invalid} without a readable value judgement",
        soft_wrap=True,
    )
    print_reasons(results.invalid_reasons)
    if results.steering is not None:
        s = results.steering
        console.print(f"steering: {escape(s.method)} for {escape(s.target)} from "
                      f"{escape(s.source)}", style="dim", soft_wrap=True)  # fmt: skip
    print_run_footer(results.usage, results.warnings, directory, results.judge_usage)


def register(app: typer.Typer) -> None:
    """Add the `safety` command to `app`."""

    @app.command()
    @run_options
    def safety(
        ctx: typer.Context,
        steering: Annotated[
            Path | None,
            typer.Option(
                help="A steering artifact to check (a steer run, a method folder or "
                "an artifact.json): adds the steered conditions."
            ),
        ] = None,
        prompts: Annotated[
            Path | None,
            typer.Option(
                help="Harm prompts: JSONL with prompt and category (and id) per "
                "line, or YAML in the shipped layout (default: 72 shipped)."
            ),
        ] = None,
        judge: Annotated[
            str | None, typer.Option(help="The judge model (default: the bare model itself).")
        ] = None,
        mitigations: Annotated[
            str, typer.Option(help="Mitigation prompts to add: none, or any of safety,value,both.")
        ] = "safety,value,both",
        framework: Annotated[
            str | None,
            typer.Option(help="The value judge's framework (default: the target's; schwartz10)."),
        ] = None,
        limit: Annotated[
            int | None, typer.Option(min=1, help="Ask N prompts, round-robin over categories.")
        ] = None,
        max_tokens: Annotated[int, typer.Option(min=8, help="Longest answer, in tokens.")] = 128,
        *,
        run: RunOptions,
    ) -> None:
        """Does steering make a model go along with harmful requests? Harm rate per risk
        category bare vs steered (Wilson CIs, paired McNemar tests, Holm), the effect of
        mitigation prompts, and which values travel with harm (arXiv 2506.06404)."""
        from valuescope import api

        refuse_likert_only(
            "safety asks for free answers to requests and a judge's ratings",
            ("--model", run.model),
            ("--judge", judge),
        )
        options = {**run.config_fields(), "steering": steering, "prompts": prompts,
                   "judge": judge, "mitigations": mitigations, "framework": framework,
                   "limit": limit, "max_tokens": max_tokens}  # fmt: skip
        run_command(ctx, "safety", lambda p: api.asafety(**options, out=run.out, progress=p),
                    run, print_safety, "checking", plan=print_plan)  # fmt: skip


def print_plan(instrument: SafetyInstrument) -> None:
    """Before the run: prompts x conditions, and who judges."""
    n, m = len(instrument.prompts), len(instrument.conditions)
    console.print(
        f"{n} prompts x {m} conditions ({', '.join(c.name for c in instrument.conditions)}"
        f") = {n * m} answers, each judged for harm and on {instrument.framework.id} by "
        f"{instrument.config.judge or 'the bare model itself'}",
        highlight=False,
        soft_wrap=True,
    )
