"""`RunConfig`: the options every run has (model, seed, cache, concurrency), how a run
opens its model behind the cache, its manifest, and the notes every results file carries.

Each instrument subclasses it with its own options; the whole config is stored in the
manifest (no secrets: the API key's variable name, never its value), and `resume` reads it
back from there.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from valuescope.errors import UserError
from valuescope.models import (
    TINY_MODEL_WARNING,
    CachedModel,
    Model,
    ModelNameError,
    ModelSettings,
    ResponseCache,
    default_cache_dir,
    get_model,
    parse_model_name,
)
from valuescope.runs import (
    Manifest,
    SampleRecord,
    default_run_dir,
    git_revision,
    package_versions,
)


class ConfigError(UserError, ValueError):
    """Options that contradict each other or would silently do nothing (`--scale` without
    `--items`, more paraphrases than the items have). The CLI prints it and exits 2."""


def _check_cache_dir(path: Path) -> None:
    """A cache folder that is a file (a typo in --cache-dir) fails here, not in SQLite."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"the response cache needs a folder, but {path} is a file (--cache-dir)")
    blocking = next((p for p in path.parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ConfigError(f"cannot make the response cache {path}: {blocking} is a file")


class RunConfig(BaseModel):
    """The options every run command has (stored in the manifest; no secrets).

    Unknown fields are an error, so a misspelt option in the Python API fails loudly
    instead of being ignored.
    """

    model_config = ConfigDict(extra="forbid")

    model: str
    seed: int = 0
    min_option_mass: float = 0.25
    """Answers with less probability than this on the options are invalid (kept, counted)."""
    settings: ModelSettings = ModelSettings()
    use_cache: bool = True
    cache_dir: str | None = None
    steering: str | None = None
    """A steering artifact (`valuescope steer`'s run folder, a method folder or an
    artifact.json) put in front of the measured model; a judge is never steered."""

    def judge_model_name(self) -> str | None:
        """The model that judges free text, for instruments that have a judge; None = the
        measured model judges (or the instrument judges nothing)."""
        return None

    @property
    def backend(self) -> str | None:
        """The backend `model` names, or None for a model passed in by an API user."""
        try:
            return parse_model_name(self.model).backend
        except ModelNameError:
            return None

    @property
    def display_name(self) -> str:
        """The model name as it goes into a run directory's name."""
        try:
            return parse_model_name(self.model).display
        except ModelNameError:
            return self.model

    @property
    def concurrency(self) -> int:
        """Requests in flight: `--concurrency`, else 32 for servers, the embedded server's
        slots (4) for `llamacpp`, 1 for `sim`."""
        if self.settings.concurrency:
            return self.settings.concurrency
        if self.backend == "llamacpp":
            from valuescope.models import DEFAULT_SLOTS

            return DEFAULT_SLOTS
        return 32 if self.backend == "openai" else 1

    def open_model(self, model: Model | None = None) -> CachedModel:
        """`model` (an API user's own) or the one `self.model` names, behind the cache."""
        cache_dir = Path(self.cache_dir) if self.cache_dir else None
        if self.use_cache:
            _check_cache_dir(cache_dir or default_cache_dir())
        if model is None:
            return get_model(
                self.model, self.settings, cache_dir=cache_dir, use_cache=self.use_cache
            )
        cache = ResponseCache(cache_dir or default_cache_dir()) if self.use_cache else None
        return CachedModel(model, cache)

    def manifest(
        self,
        command: str,
        instrument: str,
        models: tuple[CachedModel, CachedModel | None],
        instrument_hash: dict[str, str],
        command_line: str | None,
    ) -> Manifest:
        """The manifest of a new run of this config (`models`: the subject, and the judge
        when it is another model)."""
        subject, judge = models
        return Manifest(
            command=command,
            instrument=instrument,
            created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
            model=self.model,
            model_identity=subject.identity,
            judge_identity=judge.identity if judge is not None else None,
            instrument_hash=instrument_hash,
            command_line=command_line,
            seed=self.seed,
            config=self.model_dump(mode="json"),
            versions=package_versions(),
            git_revision=git_revision(),
        )

    def run_directory(self, command: str, instrument: str) -> Path:
        """Where a new run goes unless `--out` says:
        `runs/<UTC>-<command>-<instrument>-<model>/`."""
        return default_run_dir(command, self.display_name, instrument)

    def notes(self, samples: Sequence[SampleRecord]) -> list[str]:
        """The warnings every results file carries: a tiny embedded model, many invalid
        answers."""
        notes = []
        if self.backend == "llamacpp":
            notes.append(TINY_MODEL_WARNING)
        invalid = [s for s in samples if not s.valid]
        if samples and len(invalid) / len(samples) > 0.2:
            # Reasons differ by instrument (too little probability on the options, no
            # option in a written answer, ...): say which, numbers folded into "N".
            reasons = Counter(
                re.sub(r"\d+(\.\d+)?", "N", s.invalid_reason or "no reason given") for s in invalid
            )
            listed = "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common(3))
            notes.append(
                f"{len(invalid)} of {len(samples)} answers were invalid and are excluded from "
                f"the scores: {listed}"
            )
        return notes
