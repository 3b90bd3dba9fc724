"""The `valuescope` command line. Thin: parse options, call the API (`valuescope.api`, the
same functions users call), print.

One module per command group (`measure`, `csi`, `dilemmas`, `construct`, `compare`,
`validity`, `models`, `listing` for `frameworks` and `runs`, `view` for `report` and
`view`), each with a `register(app)`; the console, the one-line errors, the progress bar
and the shared options live in `_console.py`, `_options.py`, `_params.py`, `_tables.py`
and `_run.py`, which never import from here. Every user-facing error is printed as one
line that says what and where, no traceback: exit code 2 for bad input (a file, an
option, a model name), 3 for a model backend that failed, 130 on Ctrl-C.
"""

from __future__ import annotations

from typing import Annotated

import typer

from valuescope.cli import (
    agreement,
    bench,
    classify,
    compare,
    construct,
    csi,
    dilemmas,
    generate,
    listing,
    measure,
    models,
    safety,
    steer,
    validity,
    view,
)
from valuescope.cli._options import reflow_help

__all__ = ["app", "main"]

app = typer.Typer(
    help="Measure, explain and steer the values and traits of language models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from valuescope import __version__

        typer.echo(f"valuescope {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Measure, explain and steer the values and traits of language models."""


for group in (
    measure,
    csi,
    dilemmas,
    bench,
    classify,
    generate,
    construct,
    steer,
    compare,
    validity,
    agreement,
    safety,
    listing,
    models,
    view,
):
    group.register(app)
reflow_help(app)


def main() -> None:  # pragma: no cover - console entry point
    app()
