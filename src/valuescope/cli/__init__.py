"""The `valuescope` command line. Thin: parse options, build an instrument or call the
API, print.

One module per command group (`measure`, `csi`, `dilemmas`, `compare`, `models`), each
with a `register(app)`; the console, the one-line errors, the progress bar and the shared
options live in `_console.py`, `_options.py` and `_run.py`, which never import from here.
Every user-facing error (bad file, unreachable server, unknown model) is printed as one
line that says what and where, with exit code 2; no traceback.
"""

from __future__ import annotations

import typer

from valuescope.cli import compare, csi, dilemmas, measure, models

app = typer.Typer(
    help="Measure, explain and steer the values and traits of language models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for group in (measure, csi, dilemmas, compare, models):
    group.register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()
