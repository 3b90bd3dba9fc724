"""Running a command through the API (`valuescope.api`, as a Python user would): new run
or `--resume DIR`, the progress bar, Ctrl-C. Every single-run command goes through
`run_command`, so they all behave alike."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from valuescope.cli._console import (
    RichProgress,
    conclude,
    console,
    errors,
    print_verdict,
    user_errors,
)
from valuescope.cli._options import RunOptions, reject_options_with_resume

if TYPE_CHECKING:
    from valuescope.engine import Progress, Run

Start = Callable[["Progress"], Coroutine[Any, Any, Any]]
"""A call of the API with the command's options, given the progress bar."""


class Bar(RichProgress):
    """The progress bar, drawn from the moment a run starts (its inputs loaded, its plan
    printed) and reset by each run of a command that makes several."""

    drawn = False

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.drawn:
            super().__exit__(*exc)

    def start(self, total: int, already_done: int, directory: Path) -> None:
        if not self.drawn:
            self.drawn = True
            super().__enter__()
        super().start(total, already_done, directory)


def call_api(start: Start, progress: Bar, plan: Callable[[Any], None] | None = None) -> Any:
    """Run `start(progress)` to its end under the bar, recording the command line in the
    manifest and showing `plan` the instrument before it runs."""
    import asyncio

    from valuescope.api import invocation

    def log(line: str) -> None:
        console.print(line, highlight=False)

    with invocation(command_line(), plan, log), progress:
        return asyncio.run(start(progress))


def run_command(
    ctx: typer.Context,
    command: str,
    start: Start,
    run: RunOptions,
    show: Callable[[Any, Path], None],
    label: str = "measuring",
    plan: Callable[[Any], None] | None = None,
) -> Run[Any]:
    """Start a run through the API (`start(progress)`, e.g. `api.ameasure(...)`) in
    `run.out`, or continue `run.resume` (which then takes no other option), and print it:
    the verdict first, then `show(results, directory)`. Ctrl-C stops it with exit code 130
    and says how to resume; a failed run (and, under `--strict`, one that is not
    interpretable) exits 4 after printing."""
    from valuescope import api

    progress = Bar(label)
    with user_errors():
        if run.resume is not None:
            reject_options_with_resume(ctx, allowed=("resume", "strict"))
            folder = run.resume

            def start(progress: Progress) -> Coroutine[Any, Any, Any]:
                return api.aresume(folder, command=command, progress=progress)

        try:
            finished: Run[Any] = call_api(start, progress, plan)
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
