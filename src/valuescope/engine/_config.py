"""`RunConfig`: the options every run has (model, seed, cache, concurrency), how a run
opens its model behind the cache, its manifest, and the notes every results file carries.

Each instrument subclasses it with its own options; the whole config is stored in the
manifest (no secrets: the API key's variable name, never its value), and `resume` reads it
back from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

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
    RunStore,
    SampleRecord,
    default_run_dir,
    git_revision,
    package_versions,
)


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
        """Requests in flight: `--concurrency`, else 32 for servers and 1 embedded."""
        if self.settings.concurrency:
            return self.settings.concurrency
        return 32 if self.backend == "openai" else 1

    def open_model(self, model: Model | None = None) -> CachedModel:
        """`model` (an API user's own) or the one `self.model` names, behind the cache."""
        cache_dir = Path(self.cache_dir) if self.cache_dir else None
        if model is None:
            return get_model(
                self.model, self.settings, cache_dir=cache_dir, use_cache=self.use_cache
            )
        cache = ResponseCache(cache_dir or default_cache_dir()) if self.use_cache else None
        return CachedModel(model, cache)

    def manifest(self, command: str, model: CachedModel) -> Manifest:
        return Manifest(
            command=command,
            created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
            model=self.model,
            model_identity=model.identity,
            seed=self.seed,
            config=self.model_dump(mode="json"),
            versions=package_versions(),
            git_revision=git_revision(),
        )

    def create_store(self, command: str, model: CachedModel, out: Path | None) -> RunStore:
        """A new run directory (`out`, or `runs/<UTC>-<command>-<model>/`) with its manifest."""
        directory = out or default_run_dir(command, self.display_name)
        return RunStore.create(directory, self.manifest(command, model))

    def notes(self, samples: Sequence[SampleRecord]) -> list[str]:
        """The warnings every results file carries: a tiny embedded model, many invalid
        answers."""
        notes = []
        if self.backend == "llamacpp":
            notes.append(TINY_MODEL_WARNING)
        invalid = sum(not s.valid for s in samples)
        if samples and invalid / len(samples) > 0.2:
            notes.append(
                f"{invalid} of {len(samples)} answers put less than {self.min_option_mass} of "
                "their probability on the options and were excluded"
            )
        return notes
