"""`valuescope construct`: CAReDiO's culture-aware data construction on the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from valuescope.cli._console import console, print_report_line, user_errors
from valuescope.cli._options import RunOptions, run_options
from valuescope.cli._run import command_line


def _g(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def register(app: typer.Typer) -> None:
    """Add the `construct` command to `app`."""

    @app.command()
    @run_options(omit=("resume", "steering"))
    def construct(
        culture: Annotated[str, typer.Option(help="The culture the data is for, e.g. Japan.")],
        related: Annotated[
            str, typer.Option(help="Related cultures it must be told apart from: C1,C2,...")
        ],
        generator: Annotated[
            str | None, typer.Option(help="Model that writes and refines (default --model).")
        ] = None,
        judge: Annotated[
            str | None,
            typer.Option(help="Model that guesses the culture (default --model)."),
        ] = None,
        personas: Annotated[
            int, typer.Option(min=2, max=8, help="Role-played raters from the culture.")
        ] = 3,
        questions: Annotated[int, typer.Option(min=1, help="Questions written (topics).")] = 4,
        rounds: Annotated[
            int, typer.Option(min=0, help="Refinement rounds (question round + answer round).")
        ] = 1,
        keep: Annotated[
            int | None, typer.Option(min=1, help="Pairs kept, top by combined score (default all).")
        ] = None,
        max_calls: Annotated[
            int | None,
            typer.Option(min=1, help="Requests allowed, cached ones too; stops cleanly there."),
        ] = None,
        max_tokens: Annotated[int, typer.Option(min=16, help="Longest answer.")] = 96,
        dedupe: Annotated[
            str, typer.Option(help="lexical (word overlap) or embedding (+ SmolLM2 embeddings).")
        ] = "lexical",
        *,
        run: RunOptions,
    ) -> None:
        """CAReDiO: write questions and answers for a culture, score each pair's
        representativeness (--model role-plays raters from the culture, choose over 1-5:
        consensus and spread) and distinctiveness (a judge's P(culture) among --culture and
        --related, names masked, over all rotations), refine questions then answers keeping
        only improvements, keep the top by representativeness x distinctiveness, and export
        export/sft.jsonl and export/dpo.jsonl (TRL conversational). Rerun with the same --out
        to resume from the cache (a larger --max-calls goes on). Approximated: the raters are
        personas of one model, not several models; distinctiveness comes from a judge, not
        an embedding classifier; only the names given are masked (not demonyms)."""
        import asyncio

        from valuescope.construct import ConstructConfig, aconstruct
        from valuescope.runs import default_run_dir

        with user_errors():
            if dedupe not in ("embedding", "lexical"):
                raise typer.BadParameter("--dedupe is embedding or lexical")
            config = ConstructConfig.model_validate({
                **run.config_fields(), "culture": culture,
                "related": [c for c in related.split(",") if c.strip()], "generator": generator,
                "judge": judge, "personas": personas, "questions": questions, "rounds": rounds,
                "keep": keep, "max_calls": max_calls, "max_tokens": max_tokens, "dedupe": dedupe,
            })  # fmt: skip
            out = run.out or default_run_dir("construct", config.display_name, config.culture)
            with console.status("constructing"):
                report = asyncio.run(aconstruct(config, out, command_line=command_line()))
        table = Table(title=f"rounds ({report.calls} calls, {report.new_calls} new)")
        for heading in ("round", "step", "attempted", "accepted", "unreadable", "mean combined"):
            table.add_column(heading)
        for r in report.rounds:
            table.add_row(str(r.round), r.kind, str(r.attempted), str(r.accepted),
                          str(r.unreadable), _g(r.mean_combined_after))  # fmt: skip
        console.print(table)
        kept = Table(title=f"kept pairs ({len(report.kept)} of {report.scored_pairs})")
        for heading in ("rank", "question", "repr.", "spread", "distinct.", "combined"):
            kept.add_column(heading)
        for item in report.kept:
            s = item.scores
            kept.add_row(str(item.rank), item.question, _g(s.representativeness), _g(s.spread),
                         _g(s.distinctiveness), _g(s.combined))  # fmt: skip
        console.print(kept)
        for note in report.notes:
            console.print(f"note: {note}", style="dim", soft_wrap=True)
        files = ", ".join(f"{name} ({n})" for name, n in report.exported.items())
        console.print(f"export: {out / 'export'}: {files}; summary: {out / 'construct.json'}",
                      soft_wrap=True, highlight=False)  # fmt: skip
        print_report_line(out)
