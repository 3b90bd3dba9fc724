"""`valuescope frameworks` (what can be measured) and `valuescope runs` (what has been)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import console, errors, user_errors

if TYPE_CHECKING:
    from valuescope.runs import RunSummary


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
    children: Annotated[
        bool,
        typer.Option(
            "--children",
            help="Also list the runs inside each composite run (steer, validity, compare, "
            "generate, construct), indented under it (with --command, they are anyway).",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON object per run and line, for scripts (the runs inside composite "
            "runs included, each naming its parent).",
        ),
    ] = False,
) -> None:
    """List past runs, newest first: command, instrument, model, start, answers, status
    (incomplete = killed, interrupted or still running, continue it with --resume DIR, or
    a composite run by rerunning it with the same --out; failed = finished with nothing to
    read) and verdict. A composite run's answers are those of the runs inside it."""
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
                   "failure": run.failure,
                   "parent": str(run.parent) if run.parent is not None else None,
                   "children": [str(c) for c in run.children]}  # fmt: skip
            typer.echo(json.dumps(row))
        return
    shown = [r for r in listing.runs if r.parent is None or children or command is not None]
    table = Table(title=f"runs in {escape(str(root))}", box=box.SIMPLE_HEAD)
    for heading in ("directory", "command", "instrument", "model", "started (UTC)"):
        table.add_column(heading, overflow="fold")
    table.add_column("answers", justify="right")
    table.add_column("status")
    table.add_column("verdict")
    listed = {r.directory for r in shown}
    for run in shown:
        m = run.manifest
        table.add_row(
            escape(_directory_cell(run, root, listed)),
            m.command,
            escape(m.instrument or "-"),
            escape(_model_name(m.model)),
            m.created_utc[:16].replace("T", " "),
            str(run.answers),
            f"[red]{run.status}[/]" if run.status == "failed" else run.status,
            run.verdict or "-",
        )
    console.print(table)
    for run in shown:
        if run.failure:
            line = f"failed: {run.directory.relative_to(root)}: {run.failure}"
            console.print(line, markup=False, highlight=False, soft_wrap=True, style="red")
    hidden = len(listing.runs) - len(shown)
    if hidden:
        console.print(f"{hidden} runs inside composite runs not shown (--children shows them)",
                      style="dim", highlight=False)  # fmt: skip


def _model_name(name: str) -> str:
    from valuescope.models import ModelNameError, parse_model_name

    try:
        return parse_model_name(name).display
    except ModelNameError:
        return name


def _directory_cell(run: RunSummary, root: Path, listed: set[Path]) -> str:
    """A run's folder below `root`; a study's child right under its study: indented,
    below the study's folder."""
    if run.parent is not None and run.parent in listed:
        return f"  └ {run.directory.relative_to(run.parent)}"
    cell = str(run.directory.relative_to(root))
    return f"{cell} ({len(run.children)} runs)" if run.is_study else cell


def register(app: typer.Typer) -> None:
    """Add `frameworks` and `runs` to `app`."""
    app.command()(frameworks)
    app.command()(runs)
