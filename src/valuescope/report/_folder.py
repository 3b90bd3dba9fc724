"""A run folder as the report sees it: which kind of result it holds, its JSON files, and
its samples a page at a time.

Kinds: an engine run has `manifest.json` and names its kind in `command` (measure, probes,
csi, csi-validity, dilemmas, classify, safety, steer-eval); commands that combine runs
(studies, `engine.Study`) have a manifest too, naming their runs, and their results are a
file of their own (`steer.json`, `compare.json`, `validity.json`, `generate.json`,
`construct.json`), which decides the kind; the runs they made sit in subfolders. The
files are read as plain JSON dicts, not through the results classes, so a report still
renders a run written by an older or newer valuescope (a missing field shows as a dash).

Samples are paged through a line-offset index built once per (size, mtime) of
samples.jsonl, so the 1,000th page of a 100,000-sample run costs one seek, and a run still
being written is re-indexed as it grows.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from valuescope.errors import UserError

COMPOSITE_FILES = {
    "steer": "steer.json",
    "compare": "compare.json",
    "validity": "validity.json",
    "generate": "generate.json",
    "construct": "construct.json",
}
"""Commands (studies) whose results are a summary file of their own, not results.json."""
MANIFEST, RESULTS, SAMPLES = "manifest.json", "results.json", "samples.jsonl"
REPORT = "report.html"


class ReportError(UserError, RuntimeError):
    """A folder that holds no run, or a file in it that cannot be read."""


def read_json(path: Path) -> Any:
    """A JSON file, or a ReportError naming the file (and line) that is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot be read: {exc}") from exc


def detect_kind(folder: Path) -> str | None:
    """The kind of run in `folder` (see the module docstring), or None if it holds none."""
    for kind, name in COMPOSITE_FILES.items():
        if (folder / name).is_file():
            return kind
    if (folder / MANIFEST).is_file():
        try:
            command = read_json(folder / MANIFEST).get("command")
        except (ReportError, AttributeError):
            return "unknown"
        return str(command) if command else "unknown"
    return None


@dataclass
class RunFolder:
    """One run folder, its kind and the JSON it holds (loaded once)."""

    path: Path
    kind: str
    manifest: dict[str, Any] | None = None
    results: dict[str, Any] | None = None
    """results.json for an engine run, the command's own file for a composite one."""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> RunFolder:
        kind = detect_kind(path)
        if kind is None:
            raise ReportError(
                f"{path} holds no valuescope run (no manifest.json, steer.json, compare.json, "
                "validity.json or generate.json)"
            )
        folder = cls(path, kind)
        if (path / MANIFEST).is_file():
            manifest = read_json(path / MANIFEST)
            folder.manifest = manifest if isinstance(manifest, dict) else None
        summary = path / COMPOSITE_FILES.get(kind, RESULTS)
        if summary.is_file():
            results = read_json(summary)
            folder.results = results if isinstance(results, dict) else None
        return folder

    def json(self, name: str) -> Any:
        """Another JSON file of the run (None when absent)."""
        path = self.path / name
        return read_json(path) if path.is_file() else None

    def jsonl(self, name: str, limit: int | None = None) -> list[dict[str, Any]]:
        """A JSON-lines file of the run (first `limit` records; a torn last line skipped)."""
        path = self.path / name
        if not path.is_file():
            return []
        records: list[dict[str, Any]] = []
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if limit is not None and len(records) >= limit:
                    break
                if not line.endswith("\n") or not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ReportError(f"{path}:{number}: not JSON: {exc.msg}") from exc
        return records

    @property
    def finished(self) -> bool:
        """results (or the command's summary) written after the last sample."""
        summary = self.path / COMPOSITE_FILES.get(self.kind, RESULTS)
        samples = self.path / SAMPLES
        if not summary.is_file():
            return False
        return not samples.is_file() or samples.stat().st_mtime <= summary.stat().st_mtime


# --- samples, a page at a time ---------------------------------------------------------------


@dataclass
class SampleIndex:
    """Byte offsets of the complete lines of a samples.jsonl and the fields filters use."""

    offsets: list[int]
    items: list[str]
    groups: list[str]
    """Per sample: its dimension, category, task or condition (what the filter offers)."""
    valid: list[bool]


_INDEXES: OrderedDict[tuple[str, int, float], SampleIndex] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 8


_STRING = rb'"((?:[^"\\]|\\.)*)"'
_ITEM = re.compile(rb'^\{(?:"schema_version":\d+,)?"item_id":' + _STRING)
_VALID = re.compile(rb',"valid":(true|false),')
_GROUP = re.compile(rb',"(dimension|category|task|k)":(' + _STRING + rb"|-?\d+)")
_CONDITION = re.compile(rb',"condition":' + _STRING)


def _fields(line: bytes) -> tuple[str, str, bool]:
    """(item id, group, valid) of one sample line. Samples are written compactly by
    pydantic with `item_id`, `condition` and `valid` first, so regular expressions read
    them several times faster than parsing the line; any other line is parsed as JSON."""
    item, valid = _ITEM.match(line), _VALID.search(line)
    if item is not None and valid is not None:
        group = _GROUP.search(line)
        name: object = ""
        if group is not None:
            raw = group.group(2)
            name = json.loads(raw) if raw.startswith(b'"') else raw.decode()
        else:
            condition = _CONDITION.search(line)
            name = json.loads(b'"' + condition.group(1) + b'"') if condition else ""
        return json.loads(b'"' + item.group(1) + b'"'), str(name), valid.group(1) == b"true"
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return "(not JSON)", "", False
    if not isinstance(record, dict):
        return "(not an object)", "", False
    return str(record.get("item_id", "")), _group(record), bool(record.get("valid", True))


def _group(record: dict[str, Any]) -> str:
    for name in ("dimension", "category", "task", "k"):
        value = record.get(name)
        if value is not None:
            return str(value)
    return str(record.get("condition", ""))


def sample_index(path: Path) -> SampleIndex:
    """The index of `path` (built on first use, kept for the last few files seen)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime)
    with _LOCK:
        if key in _INDEXES:
            _INDEXES.move_to_end(key)
            return _INDEXES[key]
    index = SampleIndex([], [], [], [])
    offset = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.endswith(b"\n") and line.strip():
                item, group, valid = _fields(line)
                index.offsets.append(offset)
                index.items.append(item)
                index.groups.append(group)
                index.valid.append(valid)
            offset += len(line)
    with _LOCK:
        _INDEXES[key] = index
        while len(_INDEXES) > _KEEP:
            _INDEXES.popitem(last=False)
    return index


@dataclass
class SamplePage:
    records: list[dict[str, Any]]
    numbers: list[int]
    """Each record's line number (1-based) in samples.jsonl."""
    total: int
    """Samples matching the filter."""
    all_samples: int
    groups: list[str]


def sample_page(
    path: Path,
    page: int = 1,
    per_page: int = 25,
    item: str | None = None,
    group: str | None = None,
    valid: bool | None = None,
) -> SamplePage:
    """Page `page` (1-based) of the samples matching the filters (item id substring, group,
    validity); empty when the run has no samples yet."""
    if not path.is_file():
        return SamplePage([], [], 0, 0, [])
    index = sample_index(path)
    chosen = [
        i
        for i in range(len(index.offsets))
        if (not item or item.lower() in index.items[i].lower())
        and (not group or index.groups[i] == group)
        and (valid is None or index.valid[i] == valid)
    ]
    start = max(page - 1, 0) * per_page
    picked = chosen[start : start + per_page]
    records = []
    with path.open("rb") as handle:
        for i in picked:
            handle.seek(index.offsets[i])
            try:
                records.append(json.loads(handle.readline()))
            except json.JSONDecodeError:
                records.append({"item_id": "(not JSON)", "valid": False,
                                "invalid_reason": f"line {i + 1} is not JSON"})  # fmt: skip
    groups = sorted(set(index.groups))
    return SamplePage(records, [i + 1 for i in picked], len(chosen), len(index.offsets), groups)
