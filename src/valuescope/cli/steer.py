"""`valuescope steer`: search steering for a value target, evaluate it, print the tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import (
    RichProgress,
    ci_cell,
    console,
    fmt,
    print_report_line,
    user_errors,
)
from valuescope.cli._options import RunOptions, reject_options_with_resume, run_options
from valuescope.cli._run import command_line

METHOD_HELP = (
    "Comma-separated: prompt, persona (baselines), levels (9-level trait adjectives), opro "
    "(instruction search), picaco (EM meta-instruction), irote (self-reflections), couple "
    "(counterfactual rewrite of each answer); or all."
)


def register(app: typer.Typer) -> None:
    """Add the `steer` command to `app`."""

    @app.command()
    @run_options
    def steer(
        ctx: typer.Context,
        target: Annotated[
            str | None,
            typer.Option(
                help='Priorities, e.g. "self_direction=6,tradition=1,benevolence=5", '
                "or a YAML file (priorities:, scale:)."
            ),
        ] = None,
        framework: Annotated[str, typer.Option(help="The target's framework.")] = "schwartz10",
        target_scale: Annotated[str, typer.Option(help="The priorities' scale, LOW-HIGH.")] = "1-6",
        method: Annotated[str, typer.Option(help=METHOD_HELP)] = "prompt",
        prompts: Annotated[
            Path | None, typer.Option(help="Task prompts (YAML/JSONL/text); default: 65 shipped.")
        ] = None,
        optimisation_tasks: Annotated[
            int | None, typer.Option(min=1, help="Search on only N tasks of the first half.")
        ] = None,
        held_out_tasks: Annotated[
            int | None, typer.Option(min=2, help="Evaluate on only N held-out tasks.")
        ] = None,
        judge: Annotated[str | None, typer.Option(help="Judge model (default: the model).")] = None,
        judge_mode: Annotated[str, typer.Option(help="all@once or one-by-one.")] = "all@once",
        optimiser: Annotated[
            str | None, typer.Option(help="Model that proposes candidates (default: the model).")
        ] = None,
        rounds: Annotated[int, typer.Option(min=1, help="Search rounds.")] = 3,
        candidates: Annotated[int, typer.Option(min=1, help="Proposals per round.")] = 3,
        max_tokens: Annotated[int, typer.Option(min=16, help="Longest answer, in tokens.")] = 120,
        max_calls: Annotated[
            int | None, typer.Option(min=1, help="Requests each method's search may make.")
        ] = None,
        threshold: Annotated[
            float, typer.Option(min=0.0, max=1.0, help="couple: deviation that triggers a rewrite.")
        ] = 0.25,
        transfer_items: Annotated[
            int, typer.Option(min=0, help="Questionnaire items per dimension, bare vs steered.")
        ] = 0,
        calibration_items: Annotated[
            int, typer.Option(min=0, help="levels: items per dimension for the 9-level check.")
        ] = 0,
        evaluate: Annotated[
            bool, typer.Option(help="Evaluate every method on the held-out tasks.")
        ] = True,
        *,
        run: RunOptions,
    ) -> None:
        """Steer a model toward a value target in context, and prove whether it worked.

        Each method searches on half the tasks and writes its artifact (reuse it with
        --steering on measure, dilemmas, safety); all are then evaluated with the bare model
        on the held-out half: per-value conformity, balance, MAE and Spearman to the target,
        paired tests between methods (Holm). Rerun with the same --out (or --resume DIR) to
        resume. Partly implemented: PICACO scores proposals by their own responses, not by
        the likelihood of its pools; IROTE's compactness is approximated; see docs."""
        import asyncio

        from valuescope.steering import METHOD_NAMES, parse_scale, read_target
        from valuescope.steering.config import SteerConfig
        from valuescope.steering.run import Steerer, default_out, read_config
        from valuescope.steering.search import MethodSettings

        with user_errors():
            if run.resume is not None:
                reject_options_with_resume(ctx)
                config, out = read_config(run.resume), run.resume
            else:
                if target is None:
                    raise typer.BadParameter("--target is required (or --resume DIR)")
                from valuescope.frameworks import load_framework

                loaded = load_framework(framework)
                names = [m.strip() for m in method.split(",") if m.strip()]
                if names == ["all"]:
                    names = list(METHOD_NAMES)
                unknown = [m for m in names if m not in METHOD_NAMES]
                if unknown:
                    raise typer.BadParameter(f"unknown methods {unknown}; known: "
                                             f"{', '.join(METHOD_NAMES)}")  # fmt: skip
                config = SteerConfig.model_validate({
                    **run.config_fields(), "framework": loaded.id,
                    "target": read_target(target, loaded, parse_scale(target_scale)),
                    "methods": names, "prompts": str(prompts) if prompts else None,
                    "optimisation_tasks": optimisation_tasks, "held_out_tasks": held_out_tasks,
                    "judge": judge, "judge_mode": judge_mode, "optimiser": optimiser,
                    "search": MethodSettings(rounds=rounds, candidates=candidates,
                                             max_tokens=max_tokens, threshold=threshold),
                    "max_calls": max_calls, "evaluate": evaluate,
                    "transfer_items": transfer_items, "calibration_items": calibration_items,
                })  # fmt: skip
                out = run.out or default_out(config)
            progress = RichProgress("answering")  # the evaluation, then any transfer runs
            steerer = Steerer(config, out, log=lambda line: console.print(line, highlight=False),
                              progress=progress, command_line=command_line())  # fmt: skip
            with progress:
                report = asyncio.run(steerer.run())
        print_report(report, out)


def print_report(report: object, out: Path) -> None:
    from valuescope.steering.report import SteerReport

    assert isinstance(report, SteerReport)
    methods = Table(title="search")
    for heading in ("method", "stopped", "rounds", "candidates", "requests", "model calls",
                    "tokens", "score"):  # fmt: skip
        methods.add_column(heading)
    for name, m in report.methods.items():
        tokens = m.usage.prompt_tokens + m.usage.completion_tokens
        methods.add_row(name, m.stopped, str(m.rounds_run), str(m.candidates), str(m.requests),
                        str(m.usage.model_calls), str(tokens), fmt(m.score, 3))  # fmt: skip
    console.print(methods)
    for name, m in report.methods.items():
        for note in m.notes:
            console.print(f"{name}: {escape(note)}", style="yellow", soft_wrap=True)
    evaluation = report.evaluation
    if evaluation is not None:
        table = Table(title=f"held-out evaluation ({evaluation.tasks} tasks; target "
                            f"{escape(_target(report))}; conformity = 1 - |judged "
                            "expression - target| per value)")  # fmt: skip
        for heading in ("condition", "mean conformity",
                        *(f"conformity: {d}" for d in report.target), "balance (CV)", "MAE",
                        "Spearman", "parroting", "valid", "tokens"):  # fmt: skip
            table.add_column(heading)
        for c in evaluation.conditions:
            table.add_row(
                c.condition, ci_cell(c.mean_conformity),
                *(fmt(c.conformity.get(d)) for d in report.target), fmt(c.balance_cv.value),
                fmt(c.mae.value), fmt(c.spearman.value), fmt(c.parroting),
                f"{c.n_valid}/{c.n_valid + c.n_invalid}",
                str(c.prompt_tokens + c.completion_tokens),
            )  # fmt: skip
        console.print(table)
        tests = Table(title="paired tests over tasks (mean conformity, a - b: method minus "
                            "bare; Holm over all pairs)")  # fmt: skip
        for heading in ("a", "b", "n", "a - b", "p (perm.)", "p (Wilcoxon)", "p Holm", "d_z",
                        "rank-biserial"):  # fmt: skip
            tests.add_column(heading)
        for t in evaluation.comparisons:
            tests.add_row(
                t.a, t.b, str(t.n_tasks), fmt(t.mean_difference.value, 3),
                fmt(t.p_permutation.value, 3), fmt(t.p_wilcoxon.value, 3), fmt(t.p_holm, 3),
                fmt(t.cohens_dz.value), fmt(t.rank_biserial.value),
            )  # fmt: skip
        console.print(tests)
        console.print(f"[bold]finding:[/] {escape(evaluation.finding)}", soft_wrap=True)
    if report.transfer:
        transfer = Table(title="trait transfer: questionnaire score / judged expression")
        transfer.add_column("value")
        transfer.add_column("priority")
        conditions = list(report.transfer[0].questionnaire)
        for name in conditions:
            transfer.add_column(name)
        for row in report.transfer:
            transfer.add_row(row.dimension, f"{row.priority:g}", *(
                f"{fmt(row.questionnaire.get(n))} / {fmt(row.behaviour.get(n))}"
                for n in conditions))  # fmt: skip
        console.print(transfer)
    for warning in report.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}", soft_wrap=True)
    if report.export:
        counts = ", ".join(f"{n} {name}" for name, n in report.export.items())
        console.print(f"training records: {counts} in {escape(str(out / 'export'))}")
    console.print(f"artifacts: {escape(str(out / 'methods'))}/<method>/artifact.json "
                  "(use with --steering)")  # fmt: skip
    console.print(f"run directory: [bold]{escape(str(out))}[/]")
    print_report_line(out)


def _target(report: object) -> str:
    from valuescope.steering.report import SteerReport

    assert isinstance(report, SteerReport)
    return ", ".join(f"{d}={p:g}" for d, p in report.target.items())
