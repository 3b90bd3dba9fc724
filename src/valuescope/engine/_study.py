"""A study: a composite run (steer, validity, compare, generate, construct) in one folder.

A study has the single run's manifest.json, with what makes it a study: its `children` (the
engine runs inside it, as relative paths), its `status` (running, then finished) and a
`fingerprint` (a hash per setting). Its own results are the command's summary file
(steer.json, validity.json, ...), which the command writes before `finish`.

    study = Study.open("steer", config, out, model=config.model, seed=config.seed)
    directory = study.child("evaluation")   # an engine run goes there (run or resume)
    ...                                     # the command writes its summary file
    study.finish()                          # status finished; on_finish hooks (the report)

Resume is rerunning with the same `out`: `open` then checks the fingerprint and refuses
settings that changed since the study started, naming them (`may_change` lists those that
may, e.g. the cache folder); the command reuses or resumes its children. A folder written
before studies had a manifest is adopted when it holds the command's old settings file
(`legacy`: steer-config.json, ...) with the same settings, and refused otherwise.
The engine knows no command: each passes its own name, settings and files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from valuescope.engine._config import ConfigError
from valuescope.engine._fingerprint import changed_parts, check_version, digest
from valuescope.engine._hooks import run_finished
from valuescope.runs import (
    LOCK,
    MANIFEST,
    OUTCOME,
    Manifest,
    RunLock,
    RunStore,
    RunStoreError,
    git_revision,
    package_versions,
    write_outcome,
)

RUNTIME_FIELDS = frozenset({"settings", "use_cache", "cache_dir"})
"""Run options that do not change what is measured: a rerun may change them."""
CHILD_DEPTH = 3
"""How deep `finish` looks for runs inside a study (e.g. round-1/<member>/)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def settings_fingerprint(settings: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A hash per setting (name -> digest of its JSON value); a setting that is a mapping
    (a nested model) by its parts, named `outer.inner`, so that a refusal names the part
    that changed."""
    hashes: dict[str, str] = {}
    for name, value in sorted(settings.items()):
        if isinstance(value, dict) and value:
            hashes.update(settings_fingerprint(value, f"{prefix}{name}."))
        else:
            hashes[f"{prefix}{name}"] = digest(value)
    return hashes


class Study:
    """One study folder (see the module docstring). Make it with `open`."""

    def __init__(
        self, directory: Path, manifest: Manifest, resumed: bool, lock: RunLock | None = None
    ) -> None:
        self.directory = directory
        self.manifest = manifest
        self._lock = lock
        self.resumed = resumed
        """True when `open` found the study (or a legacy folder) already there."""

    @classmethod
    def open(
        cls,
        command: str,
        config: BaseModel,
        out: Path,
        *,
        model: str,
        seed: int = 0,
        instrument: str | None = None,
        may_change: Collection[str] = RUNTIME_FIELDS,
        command_line: str | None = None,
        legacy: str | None = None,
    ) -> Study:
        """Start the study in `out`, or reopen it there when its settings are the same
        (the manifest's config then takes this call's values of `may_change`)."""
        settings = config.model_dump(mode="json", exclude=set(may_change))
        fingerprint = settings_fingerprint(settings)
        stored = config.model_dump(mode="json")
        lock = _lock(out)  # held until `finish` (or the process ends): one process per study
        try:
            if (out / MANIFEST).is_file():
                manifest = RunStore.open_existing(out, command).manifest
                if not manifest.is_study:
                    raise RunStoreError(f"{out} holds a single {command} run, not a study")
                check_version(manifest, package_versions().get("valuescope"))
                _refuse_changed(
                    out, command, changed_parts(manifest.fingerprint, fingerprint, True)
                )
                manifest = manifest.model_copy(update={"config": stored, "status": "running",
                                                       "finished_utc": None})  # fmt: skip
                (out / OUTCOME).unlink(missing_ok=True)
                study = cls(out, manifest, resumed=True, lock=lock)
            else:
                resumed = _adopt(out, command, legacy, settings)
                manifest = Manifest(
                    command=command, instrument=instrument, created_utc=_now(), model=model,
                    model_identity=model, command_line=command_line, seed=seed, config=stored,
                    versions=package_versions(), git_revision=git_revision(), children=[],
                    fingerprint=fingerprint, status="running",
                )  # fmt: skip
                study = cls(out, manifest, resumed, lock=lock)
                if legacy is not None:
                    (out / legacy).unlink(missing_ok=True)
            study._scan()
            study._write()
        except BaseException:  # refused, or the folder cannot be written: let go at once
            lock.release()
            raise
        return study

    def child(self, name: str) -> Path:
        """The folder of the run `name` (a relative path) inside the study, recorded as
        one of its children; the caller runs or resumes the engine run there."""
        if name not in (self.manifest.children or []):
            self.manifest.children = [*(self.manifest.children or []), name]
            self._write()
        return self.directory / name

    def release(self) -> None:
        """Let go of the study's folder without finishing it (`finish` does it too; so does
        the end of the process): another process may then continue it."""
        if self._lock is not None:
            self._lock.release()

    def finish(self, failure: str | None = None, verdict: str | None = None) -> None:
        """Record the study as finished (its summary file written), with why it has nothing
        to read (`failure`) and its verdict's level where it gives one (outcome.json, as a
        single run's), and tell the on_finish hooks (the report)."""
        self._scan()
        write_outcome(self.directory, failure=failure, verdict=verdict)
        self.manifest.status = "finished"
        self.manifest.finished_utc = _now()
        self._write()
        try:
            run_finished(self.directory)
        finally:
            self.release()

    # -- the folder -------------------------------------------------------------------------

    def _scan(self) -> None:
        """Add the runs found inside the folder that no `child` call recorded (those an
        earlier version or a helper made)."""
        known = list(self.manifest.children or [])
        for path in _runs_below(self.directory, CHILD_DEPTH):
            name = path.relative_to(self.directory).as_posix()
            if name not in known:
                known.append(name)
        self.manifest.children = known

    def _write(self) -> None:
        path = self.directory / MANIFEST
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(MANIFEST + ".tmp")
            tmp.write_text(self.manifest.model_dump_json(indent=2) + "\n", "utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            raise RunStoreError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _runs_below(folder: Path, depth: int) -> list[Path]:
    found: list[Path] = []
    if depth == 0 or not folder.is_dir():
        return found
    for child in sorted(folder.iterdir()):
        if not child.is_dir() or child.is_symlink():
            continue
        if (child / MANIFEST).is_file():
            found.append(child)
        else:
            found += _runs_below(child, depth - 1)
    return found


def _refuse_changed(out: Path, command: str, changed: list[str]) -> None:
    # an empty mapping is one setting, a full one its parts: name the parts
    changed = [n for n in changed if not any(m.startswith(n + ".") for m in changed)]
    if changed:
        raise ConfigError(
            f"{out} holds a {command} run with other settings ({', '.join(changed)} changed "
            "since it started): rerun with the same options, or choose another --out"
        )


def _lock(out: Path) -> RunLock:
    if out.exists() and not out.is_dir():
        raise RunStoreError(f"{out} is a file; the run needs a folder (--out)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunStoreError(
            f"cannot create the run directory {out}: {exc.strerror or exc}"
        ) from exc
    return RunLock.acquire(out)


def _adopt(out: Path, command: str, legacy: str | None, settings: dict[str, Any]) -> bool:
    """Whether `out` already holds this study's work, written before studies had a manifest
    (its `legacy` settings file, with the same settings). A folder with files but neither
    is refused: it is not this study's."""
    if out.exists() and not out.is_dir():
        raise RunStoreError(f"{out} is a file; the run needs a folder (--out)")
    if not out.is_dir() or not any(p.name != LOCK for p in out.iterdir()):
        return False
    if legacy is not None and (out / legacy).is_file():
        try:
            old = json.loads((out / legacy).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise RunStoreError(f"{out / legacy}: cannot read it: {exc}") from exc
        if not isinstance(old, dict):
            raise RunStoreError(f"{out / legacy}: not a settings object")
        _refuse_changed(out, command, sorted(k for k in settings if old.get(k) != settings[k]))
        return True
    raise RunStoreError(
        f"{out} holds files but no {MANIFEST}, so it is not a {command} run this valuescope "
        "can go on with (an earlier version's, or something else): choose another --out"
    )
