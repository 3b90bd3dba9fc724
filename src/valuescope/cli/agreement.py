"""`valuescope agreement`: questionnaire vs free answers (probes) for one model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from valuescope.cli._console import ci_cell, console, fmt, user_errors


def register(app: typer.Typer) -> None:
    """Add the `agreement` command to `app`."""

    @app.command()
    def agreement(
        questionnaire_run: Annotated[Path, typer.Argument(help="A finished `measure` run.")],
        probes_run: Annotated[
            Path, typer.Argument(help="A finished `measure --instrument probes` run.")
        ],
        out: Annotated[
            Path | None,
            typer.Option(help="Where to write agreement.json (default: the probes run)."),
        ] = None,
    ) -> None:
        """Does what a model says about itself (questionnaire) match what it does (its free
        answers, judged)? Spearman over dimensions; with the same personas in both runs,
        Pearson r across personas per dimension with Fisher CIs."""
        from valuescope.analysis.agreement import agreement as compute
        from valuescope.engine import run_finished

        with user_errors():
            results = compute(questionnaire_run, probes_run)
        table = Table(title=f"questionnaire vs free answers: {results.model} ({results.framework})")
        table.add_column("value", no_wrap=True)
        for heading in ("questionnaire", "probes P(expressed)", "r over personas [95% CI]", "n"):
            table.add_column(heading, justify="right", no_wrap=True)
        for dimension, a in results.dimensions.items():
            cell = "-" if a.r_over_personas is None else ci_cell(a.r_over_personas)
            table.add_row(dimension, fmt(a.questionnaire), fmt(a.probes), cell, str(a.n_personas))
        console.print(table)
        rho = results.spearman
        console.print(
            f"Spearman over dimensions: {fmt(rho.value)} (p {fmt(results.p_value, 3)})"
            + (f"; {rho.reason}" if rho.reason else "")
            + f"; mean r over {results.n_common_personas} personas: "
            f"{fmt(results.mean_r_over_personas)} (Serapio-Garcia et al.'s best model: 0.67)",
            soft_wrap=True,
            highlight=False,
        )
        for note in results.notes:
            console.print(f"note: {note}", style="dim", soft_wrap=True, highlight=False)
        path = out or probes_run / "agreement.json"
        path.write_text(json.dumps(results.model_dump(mode="json"), indent=2) + "\n", "utf-8")
        if out is None:
            run_finished(probes_run)  # the probes run's report shows its agreement
        console.print(f"wrote {path}", highlight=False)
