"""`valuescope report` (write report.html for runs) and `valuescope view` (the local web
app over a folder of runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from valuescope.cli._console import console, print_error, user_errors


def report(
    runs: Annotated[
        list[Path], typer.Argument(help="Run folders (or folders of runs, with --all).")
    ],
    all_runs: Annotated[
        bool,
        typer.Option("--all", help="Also every run folder found inside the folders given."),
    ] = False,
) -> None:
    """Write (or redraw) report.html in run folders: a self-contained page (no script, no
    network) with the run's figures, charts and answers, opened from disk. Runs write
    their report when they finish; this redraws old ones."""
    from valuescope.report import ReportError, detect_kind, write_report
    from valuescope.report.pages import child_runs

    with user_errors():
        folders: list[Path] = []
        for folder in runs:
            if not folder.is_dir():
                raise ReportError(f"{folder} is not a folder")
            if detect_kind(folder) is not None:
                folders.append(folder)
            if all_runs:
                folders += child_runs(folder, depth=3)
            elif detect_kind(folder) is None:
                raise ReportError(f"{folder} holds no valuescope run (use --all for a folder "
                                  "of runs)")  # fmt: skip
        for folder in folders:
            console.print(str(write_report(folder)))


def view(
    runs_dir: Annotated[Path, typer.Argument(help="The folder of runs.")] = Path("runs"),
    host: Annotated[
        str,
        typer.Option(
            help="Address to bind. Anything but loopback exposes every run (model "
            "answers, prompts, settings) to the network: a warning says so."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8765,
) -> None:
    """A local web app over a folder of runs: the run list with filters, each run's page
    with its answers paged, a compare page, and live progress of runs in flight.
    Read-only: it never changes or deletes a run."""
    from valuescope.report import ReportError
    from valuescope.view import is_loopback, serve

    with user_errors():
        if not runs_dir.is_dir():
            raise ReportError(f"{runs_dir} is not a folder of runs")
    if not is_loopback(host):
        print_error(f"warning: binding {host}: every run in {runs_dir} is readable by anyone "
                    "who can reach this machine on that address")  # fmt: skip
    shown = f"[{host}]" if ":" in host else host
    console.print(f"valuescope view: http://{shown}:{port}/  ({runs_dir}; Ctrl-C stops)")
    serve(runs_dir, host=host, port=port)


def register(app: typer.Typer) -> None:
    """Add `report` and `view` to `app`."""
    app.command()(report)
    app.command()(view)
