"""Running an instrument from a command: new run or `--resume DIR`, the progress bar,
Ctrl-C. Every run command goes through `run_command`, so they all behave alike."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from valuescope.cli._console import RichProgress, errors, user_errors
from valuescope.cli._options import reject_options_with_resume

if TYPE_CHECKING:
    from valuescope.engine import Instrument, Run


def run_command(
    ctx: typer.Context,
    command: str,
    new_instrument: Callable[[], Instrument[Any, Any, Any]],
    resume_dir: Path | None,
    out: Path | None,
    label: str = "measuring",
) -> Run[Any]:
    """Start a run of `new_instrument()` in `out`, or continue `resume_dir` (which then
    takes no other option). Ctrl-C stops it with exit code 130 and says how to resume."""
    import asyncio

    from valuescope.engine import resume, run

    progress = RichProgress(label)
    with user_errors():
        if resume_dir is not None:
            reject_options_with_resume(ctx)
            coroutine = resume(resume_dir, command, progress)
        else:
            coroutine = run(new_instrument(), out, progress, command_line=command_line())
        try:
            with progress:
                return asyncio.run(coroutine)
        except KeyboardInterrupt:
            _interrupted(command, progress.directory)
            raise typer.Exit(130) from None


def command_line() -> str:
    """The command as the user typed it, for the manifest (`valuescope measure ...`)."""
    return shlex.join(["valuescope", *sys.argv[1:]])


def _interrupted(command: str, directory: Path | None) -> None:
    if directory is None or not directory.is_dir():
        errors.print("interrupted before the first answer: nothing was saved", soft_wrap=True)
        return
    from valuescope.runs import SAMPLES

    samples = directory / SAMPLES
    saved = 0
    if samples.is_file():
        with samples.open("rb") as handle:
            saved = sum(1 for line in handle if line.endswith(b"\n"))
    errors.print(
        f"interrupted: {saved} answers saved in {directory}; resume with: "
        f"valuescope {command} --resume {directory}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
