"""`valuescope compare`: profiles of several runs side by side, their significant differences
and a radar plot. Thin: parse, call `valuescope.api.compare` (which measures any
--models first), print.

`--models` measures each model first with one shared configuration (framework, item bank,
limit, wordings, seed; the response cache on, so a repeated comparison makes no model
calls), puts those runs inside the comparison's folder, and compares them with any RUN_DIRs
also given. Rerunning with the same --out resumes those runs and compares again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import (
    conclude,
    console,
    print_report_line,
    print_verdict,
    user_errors,
)
from valuescope.cli._options import RunOptions, given_on_command_line, run_options
from valuescope.cli._params import Limit, Paraphrases, Samples, Temperature
from valuescope.cli._run import Bar, call_api
from valuescope.cli._tables import row_table

if TYPE_CHECKING:
    from valuescope.analysis.compare import CompareResults, DimensionComparison
    from valuescope.api import StudyRun
    from valuescope.stats import Stat

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _fmt(stat: Stat | float | None, digits: int = 2) -> str:
    value = stat if stat is None or isinstance(stat, float) else stat.value
    return "-" if value is None else f"{value:.{digits}f}"


def _p(stat: Stat) -> str:
    if stat.value is None:
        return "-"
    return f"{stat.value:.2g}" if stat.value < 0.001 else f"{stat.value:.3f}"


def profiles_table(results: CompareResults) -> Table:
    scale = results.scale
    whose = (
        "the models' own answers"
        if results.config.scores == "own"
        else "persona-pooled item means (respondents' answers included)"
    )
    table = Table(
        title=f"{results.framework} profiles: score [95% CI] on the {scale.minimum}.."
        f"{scale.maximum} scale, {whose}"
    )
    table.add_column("value", no_wrap=True)
    for run in results.runs:
        table.add_column(escape(run.label), justify="right", no_wrap=True)
    for dim in results.dimensions:
        cells = []
        for run in results.runs:
            cell = results.profiles[run.label].get(dim)
            cells.append(
                "-"
                if cell is None
                else f"{_fmt(cell.score)} [{_fmt(cell.ci[0])}, {_fmt(cell.ci[1])}]"
            )
        table.add_row(dim, *cells)
    return table


def differences_table(results: CompareResults, rows: list[DimensionComparison]) -> Table:
    method = results.config.method
    table = row_table(
        f"significant differences: {method}, Holm-adjusted p < {results.config.alpha} "
        f"over {results.n_tests[method]} tests",
        ("a", "b", "value"),
        ("items", "a - b", "d_z", "r_rb", "p", "p (Holm)"),
    )
    for c in rows:
        test = c.test(method)
        table.add_row(
            escape(c.run_a), escape(c.run_b), c.dimension, str(c.n_items),
            _fmt(c.mean_difference), _fmt(c.cohens_dz), _fmt(c.rank_biserial),
            _p(test.p_value), _p(test.p_holm),
        )  # fmt: skip
    return table


def print_comparison(run: StudyRun[CompareResults]) -> None:
    results = run.results
    print_verdict(None, results.verdict)
    console.print(profiles_table(results))
    significant = results.significant()
    if results.nothing_tested:
        console.print(f"[yellow]nothing was tested:[/] {escape(results.nothing_tested)}")
    elif significant:
        console.print(differences_table(results, significant))
    else:
        method = results.config.method
        console.print(
            f"no difference is significant ({method}, Holm-adjusted p < "
            f"{results.config.alpha} over {results.n_tests[method]} tests)"
        )
    _print_limits(results)
    console.print(
        "the item is the unit: each test pairs the runs' item scores (mean over an item's "
        "valid administrations) over the items both runs scored; the tests' means are the "
        "profile's scores where both runs scored the same items",
        style="dim",
    )
    for warning in results.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}")
    for path in run.files:
        console.print(f"wrote [bold]{escape(str(path))}[/]")
    if run.files:
        print_report_line(run.files[0].parent)


def _print_limits(results: CompareResults) -> None:
    """Say why a comparison could not find anything, where that follows from its size."""
    method, alpha = results.config.method, results.config.alpha
    tested = [c.n_items for c in results.comparisons if c.test(method).p_value.value is not None]
    if tested:
        # Holm's first step needs p < alpha / m; an exact paired test over n items cannot give
        # a p below 2 / 2^n (every item moving the same way).
        n, m = max(tested), results.n_tests[method]
        if 2 / 2**n >= alpha / m:
            console.print(
                f"note: over at most {n} common items an exact paired test cannot give p below "
                f"2/2^{n} = {2 / 2**n:.3g}, and Holm over {m} tests needs p < {alpha / m:.3g} "
                "for a first rejection: no difference could be significant here; use more items",
                style="dim",
            )
    untested = Counter(
        c.test(method).p_value.reason or "not computable"
        for c in results.comparisons
        if c.test(method).p_value.value is None
    )
    for reason, count in untested.items():
        console.print(
            f"{count} of {len(results.comparisons)} comparisons not tested: {reason}",
            style="dim",
        )


@run_options(omit=("model", "resume", "steering"))
def compare_command(
    ctx: typer.Context,
    run_dirs: Annotated[
        list[Path] | None,
        typer.Argument(help="Directories of finished `measure` runs.", show_default=False),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            help="Measure these models first and compare them (comma-separated or repeated; "
            "e.g. llamacpp,openai:M@URL).",
        ),
    ] = None,
    framework: Annotated[
        str | None,
        typer.Option(
            help="Framework to measure with --models (default schwartz10); with run "
            "directories only, the framework they must be runs of."
        ),
    ] = None,
    items: Annotated[
        Path | None, typer.Option(help="With --models: your own item bank (YAML).")
    ] = None,
    limit: Limit = None,
    paraphrases: Paraphrases = None,
    samples: Samples = 1,
    temperature: Temperature = 1.0,
    seed: Annotated[int, typer.Option(help="Seed for the measurements and permutations.")] = 0,
    method: Annotated[
        Literal["permutation", "wilcoxon"],
        typer.Option(help="Test that decides significance (both are stored)."),
    ] = "permutation",
    pooled: Annotated[
        bool,
        typer.Option(
            "--pooled",
            help="Compare persona-pooled item means (every administration of a --design run, "
            "the simulated respondents' included) instead of the models' own answers; the "
            "profile table then shows the pooled means it tests.",
        ),
    ] = False,
    *,
    run: RunOptions,
) -> None:
    """Compare the profiles of several `measure` runs of one framework: the scores side by
    side, paired tests per dimension with the item as the unit (Holm-corrected), effect sizes
    and a radar plot. The run options (--api-key-env, --timeout, --concurrency, --cache-dir,
    ...) apply to the models measured with --models."""
    from valuescope import api
    from valuescope.analysis.compare import CompareError

    with user_errors():
        measuring = ["items", "limit", "paraphrases", "samples", "temperature"]
        measuring += [f.name for f in fields(RunOptions) if f.name not in ("seed", "out")]
        given = given_on_command_line(ctx, measuring)
        if not models and given:
            raise CompareError(f"{', '.join(given)} only apply with --models")
        options = {"items": items, "limit": limit, "paraphrases": paraphrases,
                   "samples": samples, "temperature": temperature,
                   **run.config_fields()}  # fmt: skip
        for name in ("model", "seed"):  # the models are --models; --seed is compare's own
            options.pop(name)
        finished = call_api(lambda p: api.acompare(
            *(run_dirs or []), models=models, framework=framework, method=method, pooled=pooled,
            seed=seed, out=run.out, progress=p, **(options if models else {})), Bar())  # fmt: skip
        print_comparison(finished)
    conclude(None, finished.results.verdict, run.strict)


def register(app: typer.Typer) -> None:
    """Add `compare` to the `valuescope` app."""
    app.command("compare")(compare_command)
