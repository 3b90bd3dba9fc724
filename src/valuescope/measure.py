"""`measure`: put a questionnaire to a model and score its value profile.

The flow (DESIGN.md): load the framework and its item bank -> turn items x conditions into
`choose` requests -> answer them through the cached model, several in flight for servers ->
score each answer into a `LikertSample` appended to the run's samples.jsonl at once ->
summarise all samples into `results.json`. `resume_measure` reopens a run directory, reads
the config from its manifest and asks only the (item, condition) pairs that are missing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

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
from valuescope.models import CachedModel, Model
from valuescope.runner import Progress, RunConfig, run_pool
from valuescope.runs import RunStore

COMMAND = "measure"


class MeasureConfig(RunConfig):
    """Everything that defines a measurement run (stored in the manifest; no secrets)."""

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


async def measure(
    config: MeasureConfig,
    out: Path | None = None,
    progress: Progress[LikertSample] | None = None,
    model: Model | None = None,
) -> MeasureRun:
    """Start a new measurement run in `out` (default `runs/<UTC>-measure-<model>/`).

    `model` lets API users pass their own `Model` implementation (it is wrapped in the cache
    unless `config.use_cache` is off); by default `config.model` is opened by name.
    """
    framework, bank = load_instrument(config)
    cached = config.open_model(model)
    store = config.create_store(COMMAND, cached, out)
    return await _run(config, framework, bank, cached, store, progress)


async def resume_measure(
    directory: Path, progress: Progress[LikertSample] | None = None, model: Model | None = None
) -> MeasureRun:
    """Continue a killed or interrupted run: ask only what samples.jsonl lacks."""
    store = RunStore.open_existing(directory, COMMAND)
    config = MeasureConfig.model_validate(store.manifest.config)
    framework, bank = load_instrument(config)
    return await _run(config, framework, bank, config.open_model(model), store, progress)


async def _run(
    config: MeasureConfig,
    framework: Framework,
    bank: ItemBank,
    model: CachedModel,
    store: RunStore,
    progress: Progress[LikertSample] | None,
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

    async def answer(request: tuple[tuple[str, Condition], list[Condition]]) -> None:
        (item_id, condition), draws = request
        item = by_id[item_id]
        messages = build_messages(item, bank.scale, condition)
        choice = await model.choose(messages, labels)
        for draw in draws:
            sample = score_choice(
                item, bank.scale, draw, messages, choice, config.min_option_mass, sampling
            )
            store.append(sample)
            new.append(sample)
            if progress is not None:
                progress.advance(sample, model)

    try:
        await run_pool(list(todo.items()), answer, config.concurrency)
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
        warnings=config.notes(samples),
    )
    store.write_results(results)
    return MeasureRun(directory=store.directory, results=results)
