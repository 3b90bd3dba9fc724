"""`valuescope bench NAME`: the multiple-choice benchmarks, and `bench dilemmas`.

`bench` is a command group: one sub-command per benchmark in
`instruments.bench.registry.BENCHMARKS` (made here by one factory, so they all take the
same options), plus `dilemmas`, the moral-dilemmas command with its own options (still
reachable as `valuescope dilemmas`). An unknown name lists the available benchmarks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from valuescope.cli import dilemmas as dilemmas_cli
from valuescope.cli._console import console, fmt, print_run_footer, user_errors
from valuescope.cli._options import RunOptions, reflow_help, refuse_likert_only, run_options
from valuescope.cli._run import run_command
from valuescope.cli._tables import joined

if TYPE_CHECKING:
    from valuescope.instruments.bench import BenchResults


class _BenchGroup(TyperGroup):
    """Builds a benchmark's command when it is first asked for (`bench NAME`, `bench
    --help`): the benchmarks' modules import numpy and the statistics, which `valuescope
    --help` and the other commands do not need. Says which benchmarks exist when asked for
    one that does not."""

    def list_commands(self, ctx: Any) -> list[str]:
        from valuescope.instruments.bench.registry import BENCHMARKS

        return [*BENCHMARKS, *(name for name in self.commands if name not in BENCHMARKS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            from valuescope.instruments.bench.registry import BENCHMARKS, get_benchmark

            if cmd_name in BENCHMARKS:
                benchmark = get_benchmark(cmd_name)
                app = typer.Typer(add_completion=False)
                _add_benchmark(app, cmd_name, benchmark.help, benchmark.data_help)
                reflow_help(app)
                self.commands[cmd_name] = typer.main.get_command(app)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if args and not name.startswith("-") and self.get_command(ctx, name) is None:
            from valuescope.instruments.bench.registry import UnknownBenchmark

            with user_errors():
                known = ", ".join(self.list_commands(ctx))
                raise UnknownBenchmark(f"no benchmark {name!r} (available: {known})")
        return super().resolve_command(ctx, args)


def _ci(bounds: list[float | None]) -> str:
    """`0.40-0.70`, or `-` without an interval (`no_ci_lines` says why)."""
    if None in bounds:
        return "-"
    return f"{fmt(bounds[0])}-{fmt(bounds[1])}"


def results_table(results: BenchResults) -> Table:
    s = results.summary
    table = Table(title=f"{results.benchmark}: {results.model} ({results.answer_mode})")
    headings = ("", "accuracy", "95% CI", "valid only", "95% CI", "p(right)", "items",
                "answers", "invalid")  # fmt: skip
    for heading in headings:
        table.add_column(heading, justify="right" if heading else "left", no_wrap=True)
    rows = [("all", s.overall), *s.categories.items()]
    for name, a in rows:
        table.add_row(name, fmt(a.accuracy), _ci(a.ci), fmt(a.accuracy_valid), _ci(a.ci_valid),
                      fmt(a.p_right), str(a.n_items), str(a.n_answers),
                      str(a.n_invalid))  # fmt: skip
    return table


def no_ci_lines(results: BenchResults) -> list[str]:
    """Why accuracies are shown without a CI, one line per reason naming the rows."""
    rows: dict[str, list[str]] = {}
    for name, a in [("all", results.summary.overall), *results.summary.categories.items()]:
        reasons = {"": a.ci_reason, " (valid only)": a.ci_valid_reason}
        if a.ci_reason and a.ci_reason == a.ci_valid_reason:
            reasons = {"": a.ci_reason}
        for suffix, reason in reasons.items():
            if reason:
                rows.setdefault(reason, []).append(name + suffix)
    return [f"no CI for {', '.join(names)}: {reason}" for reason, names in rows.items()]


def print_bench(results: BenchResults, directory: Path) -> None:
    s = results.summary
    console.print(results_table(results))
    console.print(f"accuracy: mean over items of the share of orders right, an invalid "
                  f"answer counting as wrong; valid only: over the valid answers; CI: "
                  f"{results.ci_method}; orders: {results.orders}", style="dim")  # fmt: skip
    for line in no_ci_lines(results):
        console.print(line, style="dim", highlight=False, markup=False, soft_wrap=True)
    for bias in s.position_bias:
        acc = ", ".join(f"{k} {fmt(v)}" for k, v in bias.accuracy_by_right_position.items())
        picks = ", ".join(f"{k} {v:.2f}" for k, v in bias.pick_share.items())
        console.print(f"position bias ({bias.options} options): accuracy when the right "
                      f"option is {acc}; picks {picks} (uniform {bias.uniform:.2f})")  # fmt: skip
    if results.answer_mode != "choose":
        console.print(f"agreement with the log-prob answer: {fmt(s.agreement)} over "
                      f"{s.n_agreement} answers")  # fmt: skip
    if s.info_gain is not None:
        g = s.info_gain
        console.print(f"information gain of reasoning: mean log-prob gain of the right answer "
                      f"{fmt(g.mean_gain_right)}, of the answer after reasoning "
                      f"{fmt(g.mean_gain_chosen)}; lowered the right answer on "
                      f"{fmt(g.lowered_right_share)} of items; accuracy direct "
                      f"{fmt(g.accuracy_direct)} -> after reasoning "
                      f"{fmt(g.accuracy_reasoned)}")  # fmt: skip
    from valuescope.instruments.bench.registry import get_benchmark

    describe = get_benchmark(results.benchmark).describe
    for line in describe(results.figures) if describe else _figure_lines(results.figures):
        console.print(line)
    if s.skipped_items:
        console.print(f"skipped: {s.skipped_items} image items (the backend reads text only; "
                      "a server with a vision model is sent them)")  # fmt: skip
    invalid = joined(s.invalid_reasons) or "none"
    console.print(f"calls per item: {fmt(s.calls_per_item, 1)}; invalid answers: {invalid}")
    print_run_footer(results.usage, results.warnings, directory)


def _figure_lines(figures: dict[str, Any]) -> list[str]:
    return [f"{key}: {_figure(value)}" for key, value in figures.items()]


def _figure(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_figure(v)}" for k, v in value.items())
    return fmt(value) if isinstance(value, float) or value is None else str(value)


def _add_benchmark(app: typer.Typer, name: str, help_text: str, data_help: str) -> None:
    @app.command(name=name, help=f"{help_text}\n\n--data: {data_help}")
    @run_options
    def command(
        ctx: typer.Context,
        data: Annotated[
            Path | None,
            typer.Option(help="Your copy of the data (formats: see above); default: shipped."),
        ] = None,
        orders: Annotated[
            int | None,
            typer.Option(
                min=1, help="K random option orders (seeded); default: all cyclic shifts."
            ),
        ] = None,
        answer_mode: Annotated[
            str,
            typer.Option(
                help="choose: log-probabilities over the letters (1 call); parse: a written "
                "answer read by a parser; reason: reasoning first, the answer read at its end "
                "(parse and reason also ask choose, for agreement)."
            ),
        ] = "choose",
        limit: Annotated[
            int | None, typer.Option(min=1, help="Ask only the first N items.")
        ] = None,
        info_gain: Annotated[
            bool,
            typer.Option(
                "--info-gain",
                help="Also write the model's own reasoning and ask choose after it: the "
                "log-probability gain of the right and of the chosen answer (2 more calls "
                "per answer, 1 in reason mode).",
            ),
        ] = False,
        max_k: Annotated[
            int | None,
            typer.Option(
                min=0,
                help="learning only: the most in-context examples (and feedback turns); "
                "k = 0, 1, 2, 4, ... up to it, capped by the items and the context "
                "(--n-ctx). Default 8.",
            ),
        ] = None,
        *,
        run: RunOptions,
    ) -> None:
        from valuescope import api

        refuse_likert_only(f"bench {name} asks multiple-choice questions", ("--model", run.model))
        options = {"data": data, "orders": orders, "answer_mode": answer_mode, "limit": limit,
                   "info_gain": info_gain, "max_k": max_k, **run.config_fields()}  # fmt: skip
        run_command(ctx, "bench", lambda p: api.abench(name, **options, out=run.out, progress=p),
                    run, print_bench)  # fmt: skip


def bench_app() -> typer.Typer:
    """The `bench` group: `dilemmas` here, each benchmark of the registry added by
    `_BenchGroup` on first use."""
    app = typer.Typer(
        cls=_BenchGroup,
        help="Multiple-choice benchmarks under option orders: accuracy with CIs, position "
        "bias, agreement of written and log-prob answers, information gain of reasoning.",
        no_args_is_help=True,
    )
    dilemmas_cli.register(app)
    return app


def register(app: typer.Typer) -> None:
    """Add the `bench` group to `app`."""
    app.add_typer(bench_app(), name="bench")
