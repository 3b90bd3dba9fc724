"""`dilemmas`: put moral dilemmas to a model and compare the frameworks it prefers.

The flow mirrors `measure.py`: load the `ethics5` framework and a dilemma bank -> turn
dilemmas x tasks x orders into `choose` requests (`instruments.dilemmas`) -> answer them
through the cached model, several in flight for servers -> append each scored
`DilemmaSample` to the run's samples.jsonl at once -> summarise into `results.json`
(`instruments.dilemma_summary`). `resume_dilemmas` reopens a run directory, reads the config
from its manifest and asks only the (item, condition) pairs that are missing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from valuescope.frameworks import Framework, load_framework
from valuescope.instruments._dilemma_bank import DilemmaBank, builtin_dilemmas_path, load_dilemmas
from valuescope.instruments.dilemma_summary import DilemmaResults, summarise
from valuescope.instruments.dilemmas import (
    RATING_SCALE,
    TASKS,
    DilemmaSample,
    Request,
    Task,
    requests_for,
)
from valuescope.models import (
    CachedModel,
    Model,
)
from valuescope.runner import Progress, RunConfig, run_pool
from valuescope.runs import RunStore

COMMAND = "dilemmas"
FRAMEWORK = "ethics5"
CHOICE_ORDERS = (
    "2n per dilemma: the n cyclic rotations of the file's outcome order (fwd0 = as written) "
    "and the n rotations of its reverse (rev0 = reversed)"
)


class DilemmasConfig(RunConfig):
    """Everything that defines a dilemmas run (stored in the manifest; no secrets)."""

    file: str | None = None
    """A dilemma bank file; None = the 18 dilemmas valuescope ships."""
    limit: int | None = None
    """Ask only the first N dilemmas of the file."""
    tasks: list[Task] = Field(default_factory=lambda: list(TASKS))

    @field_validator("tasks")
    @classmethod
    def _some_tasks(cls, value: list[Task]) -> list[Task]:
        if not value:
            raise ValueError("at least one task (choice, rating) is needed")
        return [t for t in TASKS if t in value]


@dataclass
class DilemmasRun:
    directory: Path
    results: DilemmaResults


def load_bank(config: DilemmasConfig) -> tuple[Framework, DilemmaBank]:
    framework = load_framework(FRAMEWORK)
    path = Path(config.file) if config.file else builtin_dilemmas_path()
    if not path.is_file():
        raise FileNotFoundError(f"no dilemma file at {path}")
    return framework, load_dilemmas(path, framework)


async def measure_dilemmas(
    config: DilemmasConfig,
    out: Path | None = None,
    progress: Progress[DilemmaSample] | None = None,
    model: Model | None = None,
) -> DilemmasRun:
    """Start a new dilemmas run in `out` (default `runs/<UTC>-dilemmas-<model>/`).

    `model` lets API users pass their own `Model` (wrapped in the cache unless
    `config.use_cache` is off); by default `config.model` is opened by name.
    """
    framework, bank = load_bank(config)
    cached = config.open_model(model)
    store = config.create_store(COMMAND, cached, out)
    return await _run(config, framework, bank, cached, store, progress)


async def resume_dilemmas(
    directory: Path, progress: Progress[DilemmaSample] | None = None, model: Model | None = None
) -> DilemmasRun:
    """Continue a killed or interrupted run: ask only what samples.jsonl lacks.

    `model` is for API users who started the run with their own `Model`: the manifest only
    knows its name, which cannot be reopened.
    """
    store = RunStore.open_existing(directory, COMMAND)
    config = DilemmasConfig.model_validate(store.manifest.config)
    framework, bank = load_bank(config)
    cached = config.open_model(model)
    return await _run(config, framework, bank, cached, store, progress)


async def _run(
    config: DilemmasConfig,
    framework: Framework,
    bank: DilemmaBank,
    model: CachedModel,
    store: RunStore,
    progress: Progress[DilemmaSample] | None,
) -> DilemmasRun:
    started = time.perf_counter()
    dilemmas = bank.dilemmas[: config.limit] if config.limit else list(bank.dilemmas)
    requests = requests_for(dilemmas, config.tasks)
    wanted = {r.key for r in requests}
    done = [s for s in store.read_samples(DilemmaSample) if s.key in wanted]
    done_keys = {s.key for s in done}
    todo = [r for r in requests if r.key not in done_keys]
    if progress is not None:
        progress.start(total=len(requests), already_done=len(done_keys))

    new: list[DilemmaSample] = []

    async def answer(request: Request) -> None:
        messages = request.messages()
        choice = await model.choose(messages, request.options())
        sample = request.score(messages, choice, config.min_option_mass)
        store.append(sample)
        new.append(sample)
        if progress is not None:
            progress.advance(sample, model)

    try:
        await run_pool(todo, answer, config.concurrency)
    finally:
        store.close()
        await model.aclose()

    samples = done + new
    dimensions, per_dilemma, overall = summarise(dilemmas, framework.ids, samples, config.seed)
    model.usage.seconds = round(time.perf_counter() - started, 3)
    results = DilemmaResults(
        command=COMMAND,
        model=config.model,
        framework=framework.id,
        instrument=bank.id,
        tasks=config.tasks,
        choice_orders=CHOICE_ORDERS,
        rating_scale=RATING_SCALE,
        min_option_mass=config.min_option_mass,
        dimensions=dimensions,
        dilemmas=per_dilemma,
        overall=overall,
        usage=model.usage,
        warnings=_warnings(config, samples, overall.primacy),
    )
    store.write_results(results)
    return DilemmasRun(directory=store.directory, results=results)


def _warnings(
    config: DilemmasConfig, samples: list[DilemmaSample], primacy: float | None
) -> list[str]:
    warnings = config.notes(samples)
    if primacy is not None and primacy > 0.2:
        warnings.append(
            f"the choice task favours the first option strongly (primacy {primacy:.2f}): the "
            "order design cancels it in the preferences, but they reflect content only weakly"
        )
    return warnings
