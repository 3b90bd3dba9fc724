"""`valuescope generate`: AdAEM's self-extending question bank on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from valuescope.cli._console import RichProgress, console, print_report_line, user_errors
from valuescope.cli._options import RunOptions, run_options
from valuescope.cli._run import command_line


def _names(values: list[str] | None) -> list[str]:
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def _g(value: float | None) -> str:
    """Three significant digits: JSDs between similar profiles are 1e-4, not 0.000."""
    return "-" if value is None else f"{value:.3g}"


def register(app: typer.Typer) -> None:
    """Add the `generate` command to `app`."""

    @app.command()
    @run_options(omit=("model", "resume", "steering"))
    def generate(
        models: Annotated[
            list[str],
            typer.Option(
                help="The pool: M1,M2,... (comma-separated or repeated), or one model "
                "with --personas N."
            ),
        ],
        framework: Annotated[str, typer.Option(help="The framework the judge scores.")],
        personas: Annotated[
            int | None, typer.Option(min=2, help="One model as N personas: each is a member.")
        ] = None,
        judge: Annotated[str | None, typer.Option(help="Judge model (default: the first).")] = None,
        generator: Annotated[
            str | None, typer.Option(help="Model that writes questions (default: the first).")
        ] = None,
        topics: Annotated[
            Path | None, typer.Option(help="Seed topics: YAML (topics: [...]) or one per line.")
        ] = None,
        arms: Annotated[
            int, typer.Option(min=1, help="Topics the bandit plays (drawn with --seed).")
        ] = 6,
        rounds: Annotated[int, typer.Option(min=1, help="Rounds of the loop.")] = 3,
        arms_per_round: Annotated[int, typer.Option(min=1, help="Topics pulled per round.")] = 2,
        questions: Annotated[int, typer.Option(min=1, help="Questions written per pull.")] = 3,
        max_calls: Annotated[
            int | None, typer.Option(min=1, help="Stop before a round that would pass this.")
        ] = None,
        max_tokens: Annotated[int, typer.Option(min=16, help="Longest pool answer.")] = 120,
        dedupe: Annotated[
            str, typer.Option(help="embedding (SmolLM2 embeddings + word overlap) or lexical.")
        ] = "embedding",
        held_out: Annotated[
            list[str] | None, typer.Option(help="Models the search never saw (>= 2).")
        ] = None,
        held_out_personas: Annotated[
            int | None, typer.Option(min=2, help="N personas the search never saw.")
        ] = None,
        *,
        run: RunOptions,
    ) -> None:
        """AdAEM: grow a bank of questions that separate the pool's values. A UCB bandit picks
        topics, a generator writes and refines questions, every member answers, a judge
        profiles the answers; informativeness = mean pairwise Jensen-Shannon divergence.
        Writes bank.jsonl (for measure --instrument probes --items) and generate.json.
        Rerun with the same --out to resume (without --out, each run gets a new
        runs/<UTC>-generate-... folder). Partly implemented: one greedy answer per question
        and member; held-out comparison without a significance test."""
        import asyncio

        from valuescope.generate import AdaemConfig, agenerate
        from valuescope.runs import default_run_dir

        pool = _names(models)
        with user_errors():
            if dedupe not in ("embedding", "lexical"):
                raise typer.BadParameter("--dedupe is embedding or lexical")
            config = AdaemConfig.model_validate({
                **run.config_fields(model=pool[0] if pool else None), "models": pool,
                "framework": framework, "personas": personas, "judge": judge,
                "generator": generator, "topics": str(topics) if topics else None, "arms": arms,
                "rounds": rounds, "arms_per_round": arms_per_round, "questions": questions,
                "max_calls": max_calls, "max_tokens": max_tokens, "dedupe": dedupe,
                "held_out": _names(held_out), "held_out_personas": held_out_personas,
            })  # fmt: skip
            out = run.out or default_run_dir("generate", config.display_name, config.framework)
            progress = RichProgress("answering")
            with progress:
                report = asyncio.run(agenerate(config, out, progress, command_line=command_line()))
        table = Table(title=f"topics pulled ({report.rounds_run} rounds, {report.calls} calls)")
        for heading in ("topic", "pulls", "mean reward"):
            table.add_column(heading)
        for arm in sorted(report.arms.values(), key=lambda a: -(a.mean_reward or 0.0)):
            table.add_row(arm.topic, str(arm.pulls), _g(arm.mean_reward))
        console.print(table)
        pool_c, held = report.pool_comparison, report.held_out_comparison
        console.print(
            f"{report.questions} questions ({len(report.dropped_duplicates)} duplicates dropped, "
            f"{report.unparsed_generations} generations unreadable); informativeness on the "
            f"pool (mean pairwise JSD): seed {_g(pool_c.seed)} (n={pool_c.n_seed}), refined "
            f"{_g(pool_c.refined)} (n={pool_c.n_refined})",
            soft_wrap=True, highlight=False,
        )  # fmt: skip
        if held is not None:
            console.print(f"held out ({len(held.members)} members): seed {_g(held.seed)}, "
                          f"refined {_g(held.refined)}", highlight=False)  # fmt: skip
        for note in report.notes:
            console.print(f"note: {note}", style="dim", soft_wrap=True)
        console.print(f"bank: {out / 'bank.jsonl'}; summary: {out / 'generate.json'}")
        print_report_line(out)
