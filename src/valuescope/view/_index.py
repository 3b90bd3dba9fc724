"""The viewer's list of runs: every run folder under RUNS_DIR with what the list shows and
filters on (kind, model, instrument, date, status, verdict, answers).

A scan reads only small files (manifest.json, the composite summary's first bytes) and
stats the rest; answers are counted once per (size, mtime) of samples.jsonl. Entries are
kept between scans and re-read only when one of their files changed, so a folder of 1,000
runs lists in milliseconds after the first look and a run in flight updates as it grows.

A study (a composite run: steer, validity, compare, generate, construct) is finished when
its manifest says so, running while one of its runs is, and counts its runs' answers.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from valuescope.report.pages import (
    COMPOSITE_FILES,
    MANIFEST,
    RESULTS,
    SAMPLES,
    ReportError,
    read_json,
)
from valuescope.runs import OUTCOME, is_locked, read_outcome

MAX_DEPTH = 3
"""Run folders are found this many levels below RUNS_DIR (runs inside runs included)."""
_RUN_FILES = (MANIFEST, *COMPOSITE_FILES.values())
_STAMP = re.compile(r"(\d{8}T\d{6}Z)")


@dataclass
class RunEntry:
    """One run folder as the list shows it."""

    relative: str
    """Path below RUNS_DIR with `/` (the run page's address)."""
    kind: str
    model: str
    instrument: str
    created: str
    """ISO UTC time the run started (from the manifest, else the folder name, else mtime)."""
    status: str
    """finished, failed (finished with nothing to read), running (its process holds its
    lock, `runs.RunLock`) or incomplete."""
    answers: int
    parent: str | None = None
    """The run folder this one sits in (a compare's measure runs, a steer's evaluation)."""
    children: list[str] = field(default_factory=list)
    verdict: str | None = None
    """The verdict's level (outcome.json), where the run gives one."""
    failure: str | None = None
    """Why a failed run failed (outcome.json)."""
    study_status: str | None = None
    """A study's (composite run's) manifest status: running or finished; None otherwise."""


@dataclass
class _Cached:
    signature: tuple[tuple[float, int] | None, ...]
    entry: RunEntry


class RunIndex:
    """The runs under `root`; `entries()` rescans (cheaply) on each call."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[str, _Cached] = {}
        self._counts: dict[tuple[str, int, float], int] = {}
        self._lock = threading.Lock()

    def entries(self) -> list[RunEntry]:
        """Every run, newest first; nested runs carry their parent."""
        found: list[tuple[Path, str | None]] = []
        self._walk(self.root, None, MAX_DEPTH, found)
        entries: list[RunEntry] = []
        with self._lock:
            seen = set()
            for folder, parent in found:
                relative = folder.relative_to(self.root).as_posix()
                seen.add(relative)
                entries.append(self._entry(folder, relative, parent))
            for stale in set(self._cache) - seen:
                del self._cache[stale]
        by_name = {e.relative: e for e in entries}
        for entry in entries:
            entry.children = []
        for entry in entries:
            if entry.parent in by_name:
                by_name[entry.parent].children.append(entry.relative)
        for entry in entries:
            if entry.study_status is not None:
                _study_totals(entry, [by_name[c] for c in entry.children])
        entries.sort(key=lambda e: (e.created, e.relative), reverse=True)
        return entries

    def one(self, folder: Path) -> RunEntry:
        """The entry of one run folder (inside root), without scanning the others."""
        folder = folder.resolve()
        relative = folder.relative_to(self.root).as_posix()
        with self._lock:
            cached = self._cache.get(relative)
            parent = cached.entry.parent if cached else None
            return self._entry(folder, relative, parent)

    def _walk(self, folder: Path, parent: str | None, depth: int,
              found: list[tuple[Path, str | None]]) -> None:  # fmt: skip
        try:
            children = sorted(os.scandir(folder), key=lambda d: d.name)
        except OSError:
            return
        for child in children:
            if not child.is_dir(follow_symlinks=False):
                continue
            path = Path(child.path)
            is_run = any(os.path.isfile(os.path.join(child.path, name)) for name in _RUN_FILES)
            if is_run:
                found.append((path, parent))
            if depth > 1:
                inner = path.relative_to(self.root).as_posix() if is_run else parent
                self._walk(path, inner, depth - 1, found)

    def _entry(self, folder: Path, relative: str, parent: str | None) -> RunEntry:
        stats = _stats(folder)
        signature = tuple(stats.values())
        cached = self._cache.get(relative)
        if cached is not None and cached.signature == signature:
            entry = cached.entry
        else:
            entry = self._read(folder, relative, parent, stats)
            self._cache[relative] = _Cached(signature, entry)
        # read at every scan: a run stops running when its process ends, files unchanged
        entry.status = _status(entry.kind, stats)
        if entry.study_status is not None:
            entry.status = "finished" if entry.study_status == "finished" else "incomplete"
        if entry.status != "finished" and is_locked(folder):
            entry.status = "running"
        if entry.status == "finished" and entry.failure is not None:
            entry.status = "failed"
        return entry

    def _read(self, folder: Path, relative: str, parent: str | None,
              stats: dict[str, tuple[float, int] | None]) -> RunEntry:  # fmt: skip
        # The kind as `detect_kind` decides it, from the stats and the one file read here
        # (a command's own summary file first, else the manifest's command).
        composite = next((k for k, name in COMPOSITE_FILES.items() if stats[name]), None)
        info: dict[str, Any] = {}
        try:
            if stats[MANIFEST]:
                info = read_json(folder / MANIFEST)
            elif composite is not None:
                info = read_json(folder / COMPOSITE_FILES[composite])
        except ReportError:
            info = {}
        if not isinstance(info, dict):
            info = {}
        kind = composite or (str(info["command"]) if info.get("command") else "unknown")
        model = str(info.get("model") or "")
        instrument = str(info.get("instrument") or info.get("framework") or "")
        created = str(info.get("created_utc") or _created_from(folder))
        answers = self._answers(folder / SAMPLES, stats[SAMPLES])
        entry = RunEntry(relative, kind, model, instrument, created, "", answers, parent)
        if stats[MANIFEST] and isinstance(info.get("children"), list):
            entry.study_status = str(info.get("status") or "running")
        if stats[OUTCOME]:
            outcome = read_outcome(folder)
            entry.verdict, entry.failure = outcome.get("verdict"), outcome.get("failure")
        return entry

    def _answers(self, path: Path, stat: tuple[float, int] | None) -> int:
        if stat is None:
            return 0
        key = (str(path), stat[1], stat[0])
        if key not in self._counts:
            with path.open("rb") as handle:
                self._counts[key] = sum(
                    chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")
                )
        return self._counts[key]


_WATCHED = (MANIFEST, RESULTS, SAMPLES, OUTCOME, *COMPOSITE_FILES.values())


def _stats(folder: Path) -> dict[str, tuple[float, int] | None]:
    """(mtime, size) of each file that says what a run is and how far it got."""
    stats: dict[str, tuple[float, int] | None] = {}
    for name in _WATCHED:
        try:
            stat = (folder / name).stat()
            stats[name] = (stat.st_mtime, stat.st_size)
        except OSError:
            stats[name] = None
    return stats


def _status(kind: str, stats: dict[str, tuple[float, int] | None]) -> str:
    """finished or incomplete, from the files; `_entry` makes it running while a process
    holds the run's lock (never from a file's age: a killed run stopped writing a moment
    ago, a live one may wait minutes on a slow server)."""
    summary = stats.get(COMPOSITE_FILES.get(kind, RESULTS))
    samples = stats.get(SAMPLES)
    if summary is not None and (samples is None or samples[0] <= summary[0]):
        return "finished"
    return "incomplete"


def _study_totals(study: RunEntry, children: list[RunEntry]) -> None:
    """A study's answers are its runs'; an unfinished one is running while one of them is."""
    study.answers = sum(c.answers for c in children)
    if study.status == "incomplete" and any(c.status == "running" for c in children):
        study.status = "running"


def _created_from(folder: Path) -> str:
    match = _STAMP.search(folder.name)
    if match:
        stamp = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return stamp.isoformat(timespec="seconds")
    return datetime.fromtimestamp(folder.stat().st_mtime, UTC).isoformat(timespec="seconds")


def read_progress(folder: Path) -> dict[str, Any]:
    """progress.json of a run (total answers, already done, started), {} if absent."""
    try:
        data = json.loads((folder / "progress.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
