"""`valuescope classify`: a value judge scores texts; agreement with gold labels if given."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from valuescope.cli._console import ci_cell, console, fmt, print_reasons, print_run_footer
from valuescope.cli._options import RunOptions, refuse_likert_only, run_options
from valuescope.cli._params import FrameworksDir
from valuescope.cli._run import run_command
from valuescope.cli._tables import joined

if TYPE_CHECKING:
    from valuescope.instruments.classify import ClassifyResults


def results_table(results: ClassifyResults) -> Table:
    table = Table(title=f"{results.framework} in {results.source}, judged by {results.model} "
                  f"({results.mode})")  # fmt: skip
    table.add_column("dimension", no_wrap=True)
    table.add_column("mean P(expressed) [95% CI]", justify="right")
    table.add_column("labelled 1", justify="right")
    if results.labelled:
        for heading in ("gold +", "AUC [95% CI]", "F1 [95% CI]"):
            table.add_column(heading, justify="right")
    for dimension, profile in results.profile.items():
        row = [dimension, ci_cell(profile.mean_score), fmt(profile.label_rate)]
        if results.labelled:
            m = results.metrics.get(dimension)
            row += (
                ["-", "-", "-"]
                if m is None
                else [f"{m.positives}/{m.n}", ci_cell(m.auc), ci_cell(m.f1)]
            )
        table.add_row(*row)
    if results.macro is not None:
        table.add_section()
        table.add_row("macro", "", "", "", ci_cell(results.macro.auc), ci_cell(results.macro.f1))
    return table


def no_ci_lines(results: ClassifyResults) -> list[str]:
    """Why an AUC or F1 shown without an interval has none: one line for the dimensions with
    too few texts of a class (and the macro they hold back), one per other reason."""
    from valuescope.stats import MIN_PER_CLASS

    short = {
        d: m
        for d, m in results.metrics.items()
        if m.auc.value is not None and min(m.positives, m.n - m.positives) < MIN_PER_CLASS
    }
    lines = []
    rows = [(d, m.auc, m.f1) for d, m in results.metrics.items() if d not in short]
    if short:
        counts = ", ".join(f"{d} {m.positives} of {m.n}" for d, m in short.items())
        lines.append(
            f"no CI for the AUC and F1 of a dimension with fewer than {MIN_PER_CLASS} positive "
            f"or {MIN_PER_CLASS} negative texts ({counts} positive), nor for a macro over it"
        )
    elif results.macro is not None:
        rows.append(("macro", results.macro.auc, results.macro.f1))
    for name, auc, f1 in rows:
        missing = [
            (what, stat.reason)
            for what, stat in (("AUC", auc), ("F1", f1))
            if stat.value is not None and stat.ci_low is None and stat.reason
        ]
        if len(missing) == 2 and missing[0][1] == missing[1][1]:
            missing = [("AUC and F1", missing[0][1])]
        lines += [f"no CI for {name}'s {what}: {reason}" for what, reason in missing]
    return lines


def print_classify(results: ClassifyResults, directory: Path) -> None:
    console.print(results_table(results))
    methods = joined(results.score_methods)
    console.print(
        f"{results.n_texts} texts, {results.n_valid} judged in full, {results.n_invalid} not "
        f"({results.n_repaired} answers repaired); scores from {methods}; "
        f"{fmt(results.calls_per_text, 1)} calls per text",
        soft_wrap=True,
    )
    print_reasons(results.invalid_reasons)
    if results.macro is not None:
        console.print(
            "AUC: P(a text with the value scores above one without); F1 of the judge's 0/1 "
            f"labels; macro over {', '.join(results.macro.dimensions)}; CIs bootstrap texts",
            style="dim",
        )
    for line in no_ci_lines(results):
        console.print(line, style="dim", highlight=False, markup=False, soft_wrap=True)
    print_run_footer(results.usage, results.warnings, directory)


def register(app: typer.Typer) -> None:
    """Add the `classify` command to `app`."""

    @app.command()
    @run_options(omit=("model", "steering"))
    def classify(
        ctx: typer.Context,
        source: Annotated[
            str | None,
            typer.Argument(
                help="Texts: a CSV/TSV/JSONL file (one text per row; label columns named "
                "like the framework's dimensions, 0/1, give AUC and F1), devset:schwartz10 or "
                "devset:mft6 (shipped, labelled), touche:DIR (Touche23-ValueEval arguments + "
                "labels TSVs), hf:NAME[:SPLIT] (needs the datasets package and a network)."
            ),
        ] = None,
        framework: Annotated[
            str | None, typer.Option(help="The framework to score (schwartz10, mft6, ...).")
        ] = None,
        judge: Annotated[
            str,
            typer.Option(
                help="The judge model: llamacpp | llamacpp:PATH.gguf | openai:MODEL\\[@URL]. "
                "On a llama.cpp server add --constrain grammar (vLLM: guided_choice) so the "
                "all@once JSON is held to its template."
            ),
        ] = "llamacpp",
        mode: Annotated[
            str,
            typer.Option(
                help="all@once: one call per text, a JSON of 0/1 per dimension, scores "
                "P(1) at each position; one-by-one: one yes/no call per dimension."
            ),
        ] = "all@once",
        text_column: Annotated[str, typer.Option(help="Column with the text.")] = "text",
        id_column: Annotated[str, typer.Option(help="Column with the text's id.")] = "id",
        question_column: Annotated[
            str | None, typer.Option(help="Column with the question the text answers.")
        ] = None,
        limit: Annotated[int | None, typer.Option(min=1, help="Judge only the first N.")] = None,
        frameworks_dir: FrameworksDir = None,
        *,
        run: RunOptions,
    ) -> None:
        """Score texts on every dimension of a framework with a value judge (MoVa): the
        texts' value profile, and ROC-AUC / F1 per dimension with bootstrap CIs when the
        file has gold labels."""
        from valuescope import api

        refuse_likert_only("a value judge writes its ratings as text", ("--judge", judge))
        if run.resume is None and (source is None or framework is None):
            raise typer.BadParameter("give the texts (SOURCE) and --framework")
        options = {"mode": mode, "text_column": text_column, "id_column": id_column,
                   "question_column": question_column, "limit": limit,
                   "frameworks_dir": frameworks_dir, **run.config_fields(model=judge)}  # fmt: skip
        judge_name = options.pop("model")
        run_command(ctx, "classify", lambda p: api.aclassify(
            str(source), framework=str(framework), judge=judge_name, **options, out=run.out,
            progress=p), run, print_classify, "judging")  # fmt: skip
