"""The `valuescope` console command.

It lives outside `valuescope.cli` so that a Ctrl-C while the command line's modules are
still loading (typer, rich, pydantic: a second or more on a cold disk) ends like any other
interruption, with one line and exit code 130, instead of an import traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from valuescope.cli import app
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    app()
