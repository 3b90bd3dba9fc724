"""`measure`: put a questionnaire to a model and score its value profile.

The flow (DESIGN.md): load the framework and its item bank -> turn items x conditions into
`choose` requests -> answer them through the cached model, several in flight for servers ->
score each answer into a `LikertSample` appended to the run's samples.jsonl at once ->
summarise all samples into `results.json`. `resume_measure` reopens a run directory, reads
the config from its manifest and asks only the (item, condition) pairs that are missing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from valuescope.datasets.item_files import ColumnMapping
from valuescope.frameworks import Framework, load_framework
from valuescope.instruments._items import (
    ItemBank,
    builtin_item_bank_path,
    load_instrument_file,
    load_item_bank,
)
from valuescope.instruments.likert import (
    Condition,
    LikertSample,
    all_conditions,
    build_messages,
    labels_for,
    score_choice,
    select_items,
)
from valuescope.instruments.likert_summary import (
    MeasureResults,
    add_mrat,
    check_circumplex,
    summarise_dimension,
    summarise_overall,
)
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
from valuescope.runs import Manifest, RunStore, default_run_dir, git_revision, package_versions

COMMAND = "measure"


class MeasureConfig(BaseModel):
    """Everything that defines a measurement run (stored in the manifest; no secrets)."""

    model: str
    framework: str = "schwartz10"
    items: str | None = None
    """An instrument file (YAML bank, CSV or JSONL); None = the bank valuescope ships."""
    columns: ColumnMapping = ColumnMapping()
    """Which columns of a CSV/JSONL instrument hold the item fields."""
    scale: str | None = None
    """A YAML file with the response scale of a CSV/JSONL instrument."""
    frameworks_dir: str | None = None
    limit: int | None = None
    paraphrases: int | None = None
    """How many of each item's paraphrases to ask besides its text (None = all it has)."""
    samples: int = 1
    """1 = expected-value scoring; K > 1 = sampled scoring with K draws per condition."""
    temperature: float = 1.0
    """Temperature of the draws under sampled scoring."""
    seed: int = 0
    min_option_mass: float = 0.25
    settings: ModelSettings = ModelSettings()
    use_cache: bool = True
    cache_dir: str | None = None


class Progress(Protocol):
    """Receives progress as samples arrive (the CLI draws a bar from it)."""

    def start(self, total: int, already_done: int) -> None: ...

    def advance(self, sample: LikertSample, model: CachedModel) -> None: ...


@dataclass
class MeasureRun:
    directory: Path
    results: MeasureResults


def load_instrument(config: MeasureConfig) -> tuple[Framework, ItemBank]:
    extra = Path(config.frameworks_dir) if config.frameworks_dir else None
    framework = load_framework(config.framework, extra)
    if config.items:
        scale = Path(config.scale) if config.scale else None
        return framework, load_instrument_file(Path(config.items), framework, config.columns, scale)
    path = builtin_item_bank_path(framework.id)
    if not path.is_file():
        raise FileNotFoundError(
            f"valuescope ships no item bank for framework {framework.id!r}; pass one with --items"
        )
    return framework, load_item_bank(path, framework)


def new_manifest(config: MeasureConfig, model: CachedModel) -> Manifest:
    return Manifest(
        command=COMMAND,
        created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        model=config.model,
        model_identity=model.identity,
        seed=config.seed,
        config=config.model_dump(mode="json"),
        versions=package_versions(),
        git_revision=git_revision(),
    )


def _cache(config: MeasureConfig) -> ResponseCache:
    return ResponseCache(Path(config.cache_dir) if config.cache_dir else default_cache_dir())


def _open_model(config: MeasureConfig) -> CachedModel:
    return get_model(
        config.model,
        config.settings,
        cache_dir=Path(config.cache_dir) if config.cache_dir else None,
        use_cache=config.use_cache,
    )


async def measure(
    config: MeasureConfig,
    out: Path | None = None,
    progress: Progress | None = None,
    model: Model | None = None,
) -> MeasureRun:
    """Start a new measurement run in `out` (default `runs/<UTC>-measure-<model>/`).

    `model` lets API users pass their own `Model` implementation (it is wrapped in the cache
    unless `config.use_cache` is off); by default `config.model` is opened by name.
    """
    framework, bank = load_instrument(config)
    if model is None:
        cached = _open_model(config)
    else:
        cached = CachedModel(model, _cache(config) if config.use_cache else None)
    directory = out or default_run_dir(COMMAND, _display_name(config))
    store = RunStore.create(directory, new_manifest(config, cached))
    return await _run(config, framework, bank, cached, store, progress)


async def resume_measure(directory: Path, progress: Progress | None = None) -> MeasureRun:
    """Continue a killed or interrupted run: ask only what samples.jsonl lacks."""
    store = RunStore.open_existing(directory)
    config = MeasureConfig.model_validate(store.manifest.config)
    framework, bank = load_instrument(config)
    model = _open_model(config)
    return await _run(config, framework, bank, model, store, progress)


def _display_name(config: MeasureConfig) -> str:
    try:
        return parse_model_name(config.model).display
    except ModelNameError:
        return config.model


def _backend_of(config: MeasureConfig) -> str | None:
    """The backend named by `config.model`, or None for a model passed in by an API user."""
    try:
        return parse_model_name(config.model).backend
    except ModelNameError:
        return None


def _default_concurrency(config: MeasureConfig) -> int:
    if config.settings.concurrency:
        return config.settings.concurrency
    return 32 if _backend_of(config) == "openai" else 1


async def _run(
    config: MeasureConfig,
    framework: Framework,
    bank: ItemBank,
    model: CachedModel,
    store: RunStore,
    progress: Progress | None,
) -> MeasureRun:
    started = time.perf_counter()
    items = select_items(bank, framework.ids, config.limit)
    most = max(len(i.paraphrases) for i in bank.items)
    paraphrases = most if config.paraphrases is None else min(config.paraphrases, most)
    conditions = all_conditions(paraphrases, config.samples)
    labels = labels_for(bank.scale)
    sampling = (config.temperature, config.seed) if config.samples > 1 else None
    done = store.read_samples(LikertSample)
    done_keys = {s.key for s in done}
    # One `choose` request per (item, order, framing, wording); its draws are its samples.
    todo: dict[tuple[str, Condition], list[Condition]] = {}
    for item in items:
        for condition in conditions:
            if (item.id, condition.id) not in done_keys:
                todo.setdefault((item.id, condition.request), []).append(condition)
    by_id = {item.id: item for item in items}
    if progress is not None:
        progress.start(total=len(items) * len(conditions), already_done=len(done_keys))

    new: list[LikertSample] = []
    pending: Iterator[tuple[tuple[str, Condition], list[Condition]]] = iter(todo.items())

    async def worker() -> None:
        # Workers share one iterator: `next` never awaits, so no request is taken twice.
        for (item_id, request), draws in pending:
            item = by_id[item_id]
            messages = build_messages(item, bank.scale, request)
            choice = await model.choose(messages, labels)
            for condition in draws:
                sample = score_choice(
                    item, bank.scale, condition, messages, choice, config.min_option_mass, sampling
                )
                store.append(sample)
                new.append(sample)
                if progress is not None:
                    progress.advance(sample, model)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(_default_concurrency(config), max(1, len(todo)))):
                group.create_task(worker())
    except ExceptionGroup as failures:
        # Every worker tends to fail the same way (e.g. the server is down): report one.
        raise _first_leaf(failures) from None
    finally:
        store.close()
        await model.aclose()

    samples = done + new
    sampled = config.samples > 1
    dimensions = {
        dim: summarise_dimension(
            [s for s in samples if s.dimension == dim], bank.scale, conditions, config.seed, sampled
        )
        for dim in framework.ids
        if any(s.dimension == dim for s in samples)
    }
    overall = summarise_overall(samples, labels, len(conditions))
    if framework.circle is not None:
        add_mrat(dimensions, samples)
        overall.circumplex = check_circumplex(samples, conditions, framework.circle)
    model.usage.seconds = round(time.perf_counter() - started, 3)
    results = MeasureResults(
        command=COMMAND,
        model=config.model,
        framework=framework.id,
        instrument=bank.id,
        scale=bank.scale,
        min_option_mass=config.min_option_mass,
        sampled=sampled,
        dimensions=dimensions,
        overall=overall,
        usage=model.usage,
        warnings=_warnings(config, samples),
    )
    store.write_results(results)
    return MeasureRun(directory=store.directory, results=results)


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _warnings(config: MeasureConfig, samples: list[LikertSample]) -> list[str]:
    warnings = []
    if _backend_of(config) == "llamacpp":
        warnings.append(TINY_MODEL_WARNING)
    invalid = sum(not s.valid for s in samples)
    if samples and invalid / len(samples) > 0.2:
        warnings.append(
            f"{invalid} of {len(samples)} answers put less than {config.min_option_mass} of "
            "their probability on the options and were excluded"
        )
    return warnings
