"""The run engine: one instrument, one model (and maybe a judge), one run directory.

`run(instrument)` starts a new run; `resume(directory)` continues one. Both go through
`_execute`, which is the only place that:

1. opens the model(s) behind the response cache (an API user may pass their own `Model`);
2. creates the run directory (manifest + the instrument's extra files) or reopens it, and
   reads back the samples a killed run already has;
3. asks the instrument for the requests still missing and answers them in the worker pool,
   appending every sample to samples.jsonl the moment it is scored, and reporting progress;
4. closes the store and the models whatever happens (a killed run loses at most the
   answers in flight), and removes a directory it created if the run failed before its
   first answer (nothing to resume there);
5. times the run, lets the instrument summarise all samples (in key order) and writes
   results.json.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from valuescope.engine._config import RunConfig
from valuescope.engine._fingerprint import check_resumable
from valuescope.engine._hooks import run_finished, subject_wrapper
from valuescope.engine._instrument import Instrument, Models, instrument_class
from valuescope.engine._pool import run_pool
from valuescope.models import CachedModel, Model
from valuescope.runs import (
    LOCK,
    MANIFEST,
    PROGRESS,
    SAMPLES,
    ResultsBase,
    RunLock,
    RunStore,
    SampleRecord,
    package_versions,
)

RequestT = TypeVar("RequestT")
SampleT = TypeVar("SampleT", bound=SampleRecord)
ResultsT = TypeVar("ResultsT", bound=ResultsBase)


class Progress(Protocol):
    """Receives progress as samples arrive (the CLI draws a bar from it).

    `start` is called once the run directory exists, with the number of answers the whole
    design has and how many a resumed run already had.
    """

    def start(self, total: int, already_done: int, directory: Path) -> None: ...

    def advance(self, sample: SampleRecord, model: CachedModel) -> None: ...


@dataclass
class Run(Generic[ResultsT]):
    """A finished run: where it is on disk and its results (also in results.json)."""

    directory: Path
    results: ResultsT

    def to_dict(self) -> dict[str, Any]:
        """`{"directory": ..., "results": ...}` in plain JSON types (results: results.json's
        content)."""
        return {"directory": str(self.directory), "results": self.results.to_dict()}


async def run(
    instrument: Instrument[RequestT, SampleT, ResultsT],
    out: Path | None = None,
    progress: Progress | None = None,
    model: Model | None = None,
    judge: Model | None = None,
    command_line: str | None = None,
) -> Run[ResultsT]:
    """Start a new run of `instrument` in `out` (default
    `runs/<UTC>-<command>-<instrument>-<model>/`).

    `model` / `judge` let API users pass their own `Model` implementations (wrapped in the
    cache unless the config turns it off); by default the config's names are opened.
    `command_line` is recorded in the manifest (the CLI passes the command it ran).
    """
    config = instrument.config
    directory = out or config.run_directory(instrument.command, instrument.instrument_name)
    models = _open_models(config, model, judge)
    try:
        manifest = config.manifest(
            instrument.command,
            instrument.instrument_name,
            (models.subject, models.judge if models.has_own_judge else None),
            instrument.fingerprint(),
            command_line,
        )
        store = RunStore.create(directory, manifest)
    except BaseException:
        await _close(models)
        raise
    for name, text in instrument.run_files().items():
        (store.directory / name).write_text(text, encoding="utf-8")
    return await _execute(instrument, models, store, created=True, progress=progress)


async def resume(
    directory: Path,
    command: str | None = None,
    progress: Progress | None = None,
    model: Model | None = None,
    judge: Model | None = None,
) -> Run[ResultsBase]:
    """Continue a killed or interrupted run: ask only what its samples.jsonl lacks.

    The configuration comes from the manifest. With `command`, a run of another command is
    refused. A run whose model, judge, valuescope version or instrument (items, scale,
    framework, prompts) changed since it started is refused, naming what changed
    (`engine._fingerprint`). `model` / `judge` are for API users who started the run with
    their own `Model` (the manifest only knows its name, which cannot be reopened).
    """
    store = RunStore.open_existing(directory, command)
    cls = instrument_class(store.manifest.command)
    config = cls.config_type.model_validate(store.manifest.config)
    instrument = cls(config, resume_from=directory)  # type: ignore[call-arg]
    models = _open_models(instrument.config, model, judge)
    try:
        check_resumable(
            store.manifest,
            instrument.fingerprint(),
            models.subject.identity,
            models.judge.identity if models.has_own_judge else None,
            package_versions().get("valuescope"),
        )
    except BaseException:
        await _close(models)
        raise
    return await _execute(instrument, models, store, created=False, progress=progress)


def _open_models(config: RunConfig, model: Model | None, judge: Model | None) -> Models:
    """The subject (steered when the config says so) and the judge. Where the subject
    judges its own answers, the judge is the bare model: steering changes what is
    measured, never how it is scored."""
    wrap = None if config.steering is None else subject_wrapper("steering", config.steering)
    bare = config.open_model(model)
    subject = bare if wrap is None else wrap(bare)
    judge_name = config.judge_model_name()
    if judge is not None:
        return Models(subject, config.open_model(judge))
    if judge_name is None or judge_name == config.model:
        return Models(subject, bare)
    return Models(subject, config.model_copy(update={"model": judge_name}).open_model())


async def _close(models: Models) -> None:
    await models.subject.aclose()
    if models.has_own_judge:
        await models.judge.aclose()


def _discard(store: RunStore, run_files: dict[str, str]) -> None:
    """Remove what a new run wrote (and its directory, if nothing else is in it)."""
    for name in [MANIFEST, SAMPLES, PROGRESS, LOCK, *run_files]:
        (store.directory / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        store.directory.rmdir()


@contextlib.asynccontextmanager
async def _locked(store: RunStore, models: Models) -> AsyncIterator[None]:
    """Hold the run folder's lock (closing the models if it cannot be had): one process per
    run folder, and `running` (in `runs` and the viewer) exactly while it is held."""
    try:
        lock = RunLock.acquire(store.directory)
    except BaseException:
        await _close(models)
        raise
    try:
        yield
    finally:
        lock.release()


async def _execute(
    instrument: Instrument[RequestT, SampleT, ResultsT],
    models: Models,
    store: RunStore,
    created: bool,
    progress: Progress | None,
) -> Run[ResultsT]:
    # the lock is held until the results and the report are written
    async with _locked(store, models):
        started = time.perf_counter()
        new: list[SampleT] = []
        try:
            done = store.read_samples(instrument.sample_type)
            plan = instrument.plan({s.key for s in done})
            store.write_progress(plan.total, len(done))
            if progress is not None:
                progress.start(plan.total, len(done), store.directory)

            async def answer(request: RequestT) -> None:
                for sample in await instrument.answer(request, models):
                    store.append(sample)
                    new.append(sample)
                    if progress is not None:
                        progress.advance(sample, models.subject)

            await run_pool(plan.pending, answer, instrument.config.concurrency)
        except BaseException:
            store.close()
            await _close(models)
            if created and not new:
                _discard(store, instrument.run_files())
            raise
        store.close()
        await _close(models)
        models.subject.usage.seconds = round(time.perf_counter() - started, 3)
        # samples.jsonl holds them in the order they finished, which several requests in flight
        # and a resume change: summaries (sums, seeded bootstraps) see them in key order, so a
        # resumed run's results equal those of a run made in one go
        results = instrument.summarise(sorted(done + new, key=lambda s: s.key), models)
        store.write_results(results)
        run_finished(store.directory)
        return Run(store.directory, results)
