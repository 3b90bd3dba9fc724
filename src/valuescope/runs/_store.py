"""The run directory: manifest.json, samples.jsonl (appended as answers arrive), results.json.

A run killed at any moment (even SIGKILL) loses at most the answers in flight: each sample is
written and flushed as one line the moment it is scored. On resume, a partly written last
line is cut off, the samples already there are read back, and only the missing
(item id, condition) pairs are asked again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, TypeVar

from pydantic import BaseModel, ValidationError

from valuescope.errors import UserError
from valuescope.runs._schema import SCHEMA_VERSION, Manifest, ResultsBase, SampleRecord

MANIFEST = "manifest.json"
SAMPLES = "samples.jsonl"
RESULTS = "results.json"
PROGRESS = "progress.json"
OUTCOME = "outcome.json"
"""How a finished run ended, in a few bytes a listing can read: {status: finished | failed,
failure, verdict} (the failure line and the verdict's level from results.json)."""

S = TypeVar("S", bound=SampleRecord)


class RunStoreError(UserError, RuntimeError):
    """A run directory that cannot be created, read or resumed."""


M = TypeVar("M", bound=BaseModel)


def read_json_model(path: Path, model: type[M], what: str | None = None) -> M:
    """A run's JSON file read as `model`; a file that cannot be read, is not UTF-8 or JSON,
    or does not fit `model` is a one-line `RunStoreError` naming it and its first fault
    (`what` says what it should have been: "a valuescope manifest")."""
    try:
        return model.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise RunStoreError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise RunStoreError(
            f"{path}: not {what or model.__name__}: {field + ': ' if field else ''}{first['msg']}"
        ) from exc


def utc_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def safe_name(text: str, default: str = "model") -> str:
    """`text` with everything but letters, digits, `.`, `_` and `-` made `_` (for paths)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or default


def default_run_dir(
    command: str, model_display: str, instrument: str | None = None, root: Path = Path("runs")
) -> Path:
    """`runs/<UTC>-<command>-<instrument>-<model>/` (names made safe for a path), so that a
    listing of runs/ says what each run asked of which model."""
    parts = [utc_stamp(), command]
    if instrument:
        parts.append(safe_name(instrument, "instrument"))
    parts.append(safe_name(model_display))
    directory = root / "-".join(parts)
    number = 1
    while directory.exists():  # two runs started in the same second
        number += 1
        directory = root / f"{'-'.join(parts)}-{number}"
    return directory


def package_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in ("valuescope", "xllamacpp", "openai", "numpy", "scipy", "pydantic"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_revision() -> str | None:
    """The checkout's commit when valuescope runs from a git clone, else None."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


class RunStore:
    """One run directory. Create it with `create`, reopen it with `open_existing`."""

    def __init__(self, directory: Path, manifest: Manifest) -> None:
        self.directory = directory
        self.manifest = manifest
        self._samples: IO[str] | None = None

    @classmethod
    def create(cls, directory: Path, manifest: Manifest) -> RunStore:
        if (directory / MANIFEST).exists():
            raise RunStoreError(
                f"{directory} already holds a run; use --resume {directory} to continue it "
                "or choose another --out"
            )
        if directory.exists() and not directory.is_dir():
            raise RunStoreError(f"{directory} is a file; the run needs a folder (--out)")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")
        except OSError as exc:
            raise RunStoreError(
                f"cannot create the run directory {directory}: {exc.strerror or exc}"
            ) from exc
        return cls(directory, manifest)

    @classmethod
    def open_existing(cls, directory: Path, command: str | None = None) -> RunStore:
        """Reopen a run; with `command`, refuse a run that another command wrote."""
        path = directory / MANIFEST
        if not path.is_file():
            raise RunStoreError(f"{directory} is not a run directory (no {MANIFEST})")
        manifest = read_json_model(path, Manifest, "a valuescope manifest")
        if manifest.schema_version > SCHEMA_VERSION:
            raise RunStoreError(
                f"{path} was written by a newer valuescope (schema {manifest.schema_version})"
            )
        if command is not None and manifest.command != command:
            raise RunStoreError(
                f"{directory} holds a {manifest.command!r} run, not a {command!r} run"
            )
        return cls(directory, manifest)

    @property
    def samples_path(self) -> Path:
        return self.directory / SAMPLES

    def _cut_partial_last_line(self) -> None:
        """Drop a last line that a kill left without its newline."""
        path = self.samples_path
        if not path.exists():
            return
        with path.open("rb+") as handle:
            data = handle.read()
            if data and not data.endswith(b"\n"):
                handle.truncate(data.rfind(b"\n") + 1)

    def read_samples(self, model: type[S]) -> list[S]:
        """Every complete sample written so far (a partly written last line is cut off)."""
        self._cut_partial_last_line()
        if not self.samples_path.exists():
            return []
        samples = []
        with self.samples_path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    samples.append(model.model_validate_json(line))
                except ValidationError as exc:
                    raise RunStoreError(f"{self.samples_path}:{number}: bad sample: {exc}") from exc
        return samples

    def append(self, sample: BaseModel) -> None:
        """Write one sample as one line and flush it (what survives a kill)."""
        if self._samples is None:
            self._cut_partial_last_line()
            self._samples = self.samples_path.open("a", encoding="utf-8")
        self._samples.write(sample.model_dump_json() + "\n")
        self._samples.flush()

    def write_progress(self, total: int, already_done: int) -> None:
        """`progress.json`: how many answers the whole design has, how many a resumed run
        had and when this session started (the viewer's live progress reads it beside the
        growing samples.jsonl)."""
        progress = {"total": total, "already_done": already_done, "started_utc": utc_iso()}
        (self.directory / PROGRESS).write_text(json.dumps(progress) + "\n", "utf-8")

    def write_results(self, results: BaseModel) -> Path:
        """results.json, then outcome.json (for a `ResultsBase`)."""
        path = self.directory / RESULTS
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(results.model_dump(mode="json"), indent=2) + "\n")
        os.replace(tmp, path)
        if isinstance(results, ResultsBase):
            write_outcome(self.directory, results)
        return path

    def close(self) -> None:
        if self._samples is not None:
            self._samples.close()
            self._samples = None


def write_outcome(
    directory: Path, results: ResultsBase | None = None, *, failure: str | None = None,
    verdict: str | None = None,
) -> None:  # fmt: skip
    """`outcome.json` of a finished run (see `OUTCOME`): from its `results`, or (a study,
    whose summary is its command's own) from a failure line and a verdict's level."""
    if results is not None:
        failure = results.failure
        verdict = results.verdict.level if results.verdict is not None else None
    outcome = {
        "status": "failed" if failure is not None else "finished",
        "failure": failure,
        "verdict": verdict,
    }
    (directory / OUTCOME).write_text(json.dumps(outcome) + "\n", "utf-8")


def read_outcome(directory: Path) -> dict[str, str | None]:
    """outcome.json of a run ({} when absent or unreadable: runs from before it existed)."""
    try:
        data = json.loads((directory / OUTCOME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
