"""`list_runs(root)`: every run directory under a folder, newest first, with what a listing
shows (command, model, instrument, when, answers, finished, failed or not, the verdict).

A study (a composite run: steer, validity, compare, generate, construct; `engine.Study`)
is listed with its children (the runs its manifest names) right after it, each with the
study as its `parent`; its answers are theirs, summed; it is finished when its manifest
says so.

Reads only manifests and counts sample lines, so a folder of many runs lists quickly; a
folder that is not a run (no manifest) or whose manifest cannot be read is skipped and
reported in `unreadable`, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from valuescope.runs._lock import is_locked
from valuescope.runs._schema import Manifest
from valuescope.runs._store import (
    MANIFEST,
    RESULTS,
    SAMPLES,
    RunStore,
    RunStoreError,
    read_outcome,
)

Status = Literal["finished", "incomplete", "failed", "running"]
MAX_DEPTH = 2
"""Runs sit in the folder itself or one level down (`compare --models` puts its measure
runs inside the comparison's folder)."""


@dataclass
class RunSummary:
    directory: Path
    manifest: Manifest
    answers: int
    """Complete lines in samples.jsonl."""
    status: Status
    """`finished` when results.json is newer than the last answer (a study: when its
    manifest says so); `failed` when it is, but the run had nothing to read (`failure`);
    `running` while a process holds its lock (`runs.RunLock`; a study: it or one of its
    runs); `incomplete` (killed or interrupted: `--resume` or, for a study, rerunning it
    with the same `--out` continues it) otherwise."""
    verdict: str | None = None
    """The verdict's level of a finished run that gives one."""
    failure: str | None = None
    """Why a failed run failed, in one line."""
    parent: Path | None = None
    """The study this run belongs to (None for a run of its own)."""
    children: list[Path] = field(default_factory=list)
    """A study's runs (in its manifest's order)."""

    @property
    def is_study(self) -> bool:
        return self.manifest.is_study


@dataclass
class RunListing:
    runs: list[RunSummary] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """`path: reason` for each manifest that could not be read."""


def list_runs(root: Path, command: str | None = None) -> RunListing:
    """The runs under `root` (optionally only those of `command`), newest first; a study's
    children follow it (those of `command` only, when it is given)."""
    if not root.is_dir():
        raise RunStoreError(f"{root} is not a folder of runs")
    listing = RunListing()
    top: list[tuple[RunSummary, list[RunSummary]]] = []
    for manifest_path in _manifests(root, MAX_DEPTH):
        summary = _summary(manifest_path.parent, listing)
        if summary is None:
            continue
        children = []
        for name in summary.manifest.children or []:
            if (summary.directory / name / MANIFEST).is_file():
                child = _summary(summary.directory / name, listing)
                if child is not None:
                    child.parent = summary.directory
                    children.append(child)
        summary.children = [c.directory for c in children]
        if summary.is_study:
            summary.answers = sum(c.answers for c in children)
            if summary.status == "incomplete" and any(c.status == "running" for c in children):
                summary.status = "running"
        top.append((summary, children))
    top.sort(key=lambda pair: pair[0].manifest.created_utc, reverse=True)
    for run, children in top:
        for one in (run, *children):
            if command is None or one.manifest.command == command:
                listing.runs.append(one)
    return listing


def _summary(directory: Path, listing: RunListing) -> RunSummary | None:
    try:
        manifest = RunStore.open_existing(directory).manifest
    except (RunStoreError, OSError, UnicodeDecodeError) as exc:
        listing.unreadable.append(f"{directory}: {exc}")
        return None
    status: Status
    if is_locked(directory):
        status = "running"
    elif manifest.is_study:
        status = "finished" if manifest.status == "finished" else "incomplete"
    else:
        status = _status(directory)
    outcome = read_outcome(directory) if status == "finished" else {}
    if outcome.get("status") == "failed":
        status = "failed"
    return RunSummary(
        directory,
        manifest,
        _answers(directory),
        status,
        verdict=outcome.get("verdict"),
        failure=outcome.get("failure"),
    )


def _manifests(folder: Path, depth: int) -> list[Path]:
    if (folder / MANIFEST).is_file():
        return [folder / MANIFEST]
    if depth == 0:
        return []
    found: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.is_symlink():
            found += _manifests(child, depth - 1)
    return found


def _answers(directory: Path) -> int:
    path = directory / SAMPLES
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.endswith(b"\n") and line.strip())


def _status(directory: Path) -> Status:
    results, samples = directory / RESULTS, directory / SAMPLES
    if not results.is_file():
        return "incomplete"
    if samples.is_file() and samples.stat().st_mtime > results.stat().st_mtime:
        return "incomplete"
    return "finished"
