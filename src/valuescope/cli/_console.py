"""What every command prints with: the consoles, one-line user errors, the progress bar,
and the lines every run's summary ends with (usage, notes, where the run is)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from valuescope.errors import ValuescopeError

if TYPE_CHECKING:
    from valuescope.models import CachedModel, RunUsage
    from valuescope.runs import SampleRecord
    from valuescope.stats import CIStat
    from valuescope.verdict import Verdict

# Piped output (logs, CI) gets a width that fits the profile table; terminals keep theirs.
console = Console(width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True)

RUN_FAILED = 4
"""The exit code of a run that failed (or, under --strict, is not interpretable); those of
a user's mistake (2) and a backend's failure (3) are on `valuescope.errors`' classes."""
SHOWN_EVENTS = 6
"""A run's servers' down/up events printed at its end; the rest are in results.json."""


def print_error(message: object) -> None:
    """`error: message` on stderr, as it is: text in brackets (`valuescope[gemma]`,
    `pvq[v2].csv`) is not taken for markup, and long lines wrap instead of being cut."""
    errors.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Print valuescope's own errors as one readable line, no traceback, and exit with the
    error's code: 2 for bad input (`UserError`), 3 for a model backend that failed
    (`BackendError`: unreachable, refused the request, kept failing)."""
    try:
        yield
    except Exception as exc:
        if isinstance(exc, ValuescopeError):
            print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        raise


class RichProgress:
    """A progress bar with answers done, model calls, cache hits and ETA; it also keeps
    the run directory, so an interrupted command can say where to resume."""

    def __init__(self, label: str = "measuring") -> None:
        self.directory: Path | None = None
        self._bar = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[calls]} calls, {task.fields[hits]} cache hits"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=errors,
            transient=False,
        )
        self._task = self._bar.add_task(label, total=None, calls=0, hits=0)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, total: int, already_done: int, directory: Path) -> None:
        self.directory = directory
        self._bar.update(self._task, total=total, completed=already_done)

    def advance(self, sample: SampleRecord, model: CachedModel) -> None:
        self._bar.update(
            self._task, advance=1, calls=model.usage.model_calls, hits=model.usage.cache_hits
        )


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for a table cell; `-` where it could not be computed."""
    return "-" if value is None else f"{value:.{digits}f}"


def ci_cell(stat: CIStat) -> str:
    """`0.83 [0.71, 0.90]`; the value alone where it has no interval; `-` without a value."""
    if stat.value is None:
        return "-"
    if stat.ci_low is None or stat.ci_high is None:
        return fmt(stat.value)
    return f"{fmt(stat.value)} [{fmt(stat.ci_low)}, {fmt(stat.ci_high)}]"


def print_reasons(reasons: dict[str, int]) -> None:
    """Why answers were invalid, one line per reason with its count (printed as written)."""
    for reason, count in reasons.items():
        console.print(f"  {count} x {reason}", style="dim", highlight=False, markup=False)


def print_run_footer(
    usage: RunUsage, warnings: list[str], directory: Path, judge: RunUsage | None = None
) -> None:
    """The lines every run command ends with: what it cost, its notes, where it is."""
    for name, u in (("usage", usage), ("judge usage", judge)):
        if u is not None:
            console.print(
                f"{name}: {u.model_calls} model calls, {u.cache_hits} cache hits, "
                f"{u.prompt_tokens} prompt + {u.completion_tokens} completion tokens, "
                f"{u.seconds:.1f} s",
                highlight=False,
            )
            events = u.endpoint_events  # servers that went down (their requests went elsewhere)
            for event in events[:SHOWN_EVENTS]:
                console.print(f"[yellow]server:[/] {escape(event)}", highlight=False)
            if len(events) > SHOWN_EVENTS:
                console.print(f"[yellow]server:[/] {len(events) - SHOWN_EVENTS} more such "
                              "events in results.json (usage.endpoint_events)")  # fmt: skip
    for warning in warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}")
    console.print(f"run directory: [bold]{escape(str(directory))}[/]")
    print_report_line(directory)


def print_report_line(directory: Path) -> None:
    """Where the run's HTML report is, when it was written (see `valuescope view`)."""
    if (directory / "report.html").is_file():
        console.print(f"report: {escape(str(directory / 'report.html'))}  (all runs: "
                      "valuescope view)", highlight=False)  # fmt: skip


LEVEL_STYLE = {
    "interpretable": "bold green",
    "interpret with care": "bold yellow",
    "not interpretable": "bold red",
}


def print_verdict(failure: str | None, verdict: Verdict | None) -> None:
    """What a run's output opens with: its failure, or its verdict and the reasons that
    decided it (the others follow, dimmed); nothing for a command without a verdict."""
    if failure is not None:
        console.print(f"[bold red]failed:[/] {escape(failure)}", soft_wrap=True)
        return
    if verdict is not None:
        print_verdict_block(verdict)


def print_verdict_block(verdict: Verdict) -> None:
    """`verdict: LEVEL`, then each reason on its line (those below the level dimmed)."""
    console.print(f"verdict: [{LEVEL_STYLE[verdict.level]}]{verdict.level}[/]")
    for reason in verdict.reasons:
        style = "" if reason.level == verdict.level else "dim"
        line = f"  - {reason.check}: {escape(reason.text)}"
        console.print(line, style=style, soft_wrap=True, highlight=False)


def conclude(
    failure: str | None, verdict: Verdict | None, strict: bool, what: str = "the run"
) -> None:
    """Exit 4 for a failed run (`what` names it) and, under `--strict`, for one that is not
    interpretable."""
    if failure is not None:
        print_error(f"{what} failed: {failure}")
        raise typer.Exit(RUN_FAILED)
    if strict and verdict is not None and verdict.level == "not interpretable":
        print_error("--strict: the verdict is 'not interpretable'")
        raise typer.Exit(RUN_FAILED)
