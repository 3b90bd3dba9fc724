"""Running an instrument from a command: new run or `--resume DIR`, the progress bar,
Ctrl-C. Every run command goes through `run_command`, so they all behave alike."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from valuescope.cli._console import RichProgress, conclude, errors, print_verdict, user_errors
from valuescope.cli._options import RunOptions, reject_options_with_resume

if TYPE_CHECKING:
    from valuescope.engine import Instrument, Run


def run_command(
    ctx: typer.Context,
    command: str,
    new_instrument: Callable[[], Instrument[Any, Any, Any]],
    run: RunOptions,
    show: Callable[[Any, Path], None],
    label: str = "measuring",
) -> Run[Any]:
    """Start a run of `new_instrument()` in `run.out`, or continue `run.resume` (which then
    takes no other option), and print it: the verdict first, then `show(results,
    directory)`. Ctrl-C stops it with exit code 130 and says how to resume; a failed run
    (and, under `--strict`, one that is not interpretable) exits 4 after printing."""
    import asyncio

    from valuescope.engine import resume
    from valuescope.engine import run as start

    progress = RichProgress(label)
    with user_errors():
        if run.resume is not None:
            reject_options_with_resume(ctx, allowed=("resume", "strict"))
            coroutine = resume(run.resume, command, progress)
        else:
            coroutine = start(new_instrument(), run.out, progress, command_line=command_line())
        try:
            with progress:
                finished = asyncio.run(coroutine)
        except KeyboardInterrupt:
            _interrupted(command, progress.directory)
            raise typer.Exit(130) from None
    results = finished.results
    print_verdict(results.failure, results.verdict)
    show(results, finished.directory)
    conclude(results.failure, results.verdict, run.strict)
    return finished


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
