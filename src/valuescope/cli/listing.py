"""`valuescope frameworks` (what can be measured) and `valuescope runs` (what has been)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import console, errors, user_errors


def frameworks(
    frameworks_dir: Annotated[
        Path | None, typer.Option(help="Also list the framework files in this folder.")
    ] = None,
) -> None:
    """List the frameworks: id, aliases, dimensions, and the items of the bank valuescope
    ships for it (`-` = none: `measure` then needs `--items`)."""
    from valuescope.frameworks import available_frameworks, framework_aliases, load_framework
    from valuescope.instruments.likert.items import (
        builtin_item_bank_path,
        load_item_bank,
        shipped_item_banks,
    )

    with user_errors():
        files = available_frameworks(frameworks_dir)
        aliases = framework_aliases(frameworks_dir)
        table = Table(title="frameworks")
        for heading in ("id", "aliases", "name"):
            table.add_column(heading)
        for heading in ("dimensions", "bank items"):
            table.add_column(heading, justify="right")
        table.add_column("other banks")
        others: dict[str, list[str]] = {}
        for bank_id, (framework_id, _) in shipped_item_banks().items():
            if bank_id != framework_id:
                others.setdefault(framework_id, []).append(bank_id)
        for framework_id, path in files.items():
            framework = load_framework(str(path))
            bank = builtin_item_bank_path(framework.id)
            items = str(len(load_item_bank(bank, framework).items)) if bank.is_file() else "-"
            table.add_row(
                escape(framework_id),
                escape(", ".join(aliases.get(framework_id, []))),
                escape(framework.name),
                str(len(framework.dimensions)),
                items,
                escape(", ".join(others.get(framework.id, []))),
            )
    console.print(table)
    console.print(
        "measure a framework without a bank with your own items: valuescope measure "
        "--framework ID --items FILE; another shipped bank: --items BANK",
        style="dim",
        highlight=False,
    )


def runs(
    root: Annotated[Path, typer.Argument(help="The folder of runs.")] = Path("runs"),
    command: Annotated[
        str | None, typer.Option(help="Only runs of this command (measure, csi, ...).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per run and line, for scripts.")
    ] = False,
) -> None:
    """List past runs, newest first: command, instrument, model, start, answers, status
    (incomplete = killed, interrupted or still running, continue it with --resume DIR;
    failed = finished with nothing to read) and verdict."""
    from valuescope.models import ModelNameError, parse_model_name
    from valuescope.runs import list_runs

    with user_errors():
        listing = list_runs(root, command)
    for problem in listing.unreadable:
        errors.print(f"skipped {problem}", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        for run in listing.runs:
            m = run.manifest
            row = {"directory": str(run.directory), "command": m.command,
                   "instrument": m.instrument, "model": m.model, "created_utc": m.created_utc,
                   "answers": run.answers, "status": run.status, "verdict": run.verdict,
                   "failure": run.failure}  # fmt: skip
            typer.echo(json.dumps(row))
        return
    table = Table(title=f"runs in {escape(str(root))}", box=box.SIMPLE_HEAD)
    for heading in ("directory", "command", "instrument", "model", "started (UTC)"):
        table.add_column(heading, overflow="fold")
    table.add_column("answers", justify="right")
    table.add_column("status")
    table.add_column("verdict")
    for run in listing.runs:
        m = run.manifest
        try:
            model = parse_model_name(m.model).display
        except ModelNameError:
            model = m.model
        table.add_row(
            escape(str(run.directory.relative_to(root))),
            m.command,
            escape(m.instrument or "-"),
            escape(model),
            m.created_utc[:16].replace("T", " "),
            str(run.answers),
            f"[red]{run.status}[/]" if run.status == "failed" else run.status,
            run.verdict or "-",
        )
    console.print(table)
    for run in listing.runs:
        if run.failure:
            line = f"failed: {run.directory.relative_to(root)}: {run.failure}"
            console.print(line, markup=False, highlight=False, soft_wrap=True, style="red")


def register(app: typer.Typer) -> None:
    """Add `frameworks` and `runs` to `app`."""
    app.command()(frameworks)
    app.command()(runs)
