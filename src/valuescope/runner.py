"""What every run command shares: the model part of its config, opening the (cached)
model, the manifest, the worker pool that keeps requests in flight, and the notes that
every results file carries.

A command (`measure`, `dilemmas`, `csi`) subclasses `RunConfig` with its own options, turns
its work into a list of requests, and hands `run_pool` a coroutine that answers one request
and appends its samples to the run store. The pool runs `concurrency` workers over one shared
iterator (taking the next request never awaits, so no request is taken twice) and, when the
workers fail, re-raises the first failure itself rather than an ExceptionGroup: every worker
tends to fail the same way, e.g. when the server is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel

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

T = TypeVar("T")
S_contra = TypeVar("S_contra", contravariant=True)


class RunConfig(BaseModel):
    """The options every run command has (stored in the manifest; no secrets)."""

    model: str
    seed: int = 0
    min_option_mass: float = 0.25
    """Answers with less probability than this on the options are invalid (kept, counted)."""
    settings: ModelSettings = ModelSettings()
    use_cache: bool = True
    cache_dir: str | None = None

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


class Progress(Protocol[S_contra]):
    """Receives progress as samples arrive (the CLI draws a bar from it)."""

    def start(self, total: int, already_done: int) -> None: ...

    def advance(self, sample: S_contra, model: CachedModel) -> None: ...


async def run_pool(
    requests: Sequence[T], answer: Callable[[T], Awaitable[None]], concurrency: int
) -> None:
    """Answer every request with at most `concurrency` in flight (see module docstring)."""
    pending = iter(requests)
    n_workers = max(1, min(concurrency, len(requests)))

    async def worker() -> None:
        for request in pending:
            await answer(request)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(n_workers):
                group.create_task(worker())
    except ExceptionGroup as failures:
        raise first_failure(failures) from None


def first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return first_failure(first) if isinstance(first, BaseExceptionGroup) else first
