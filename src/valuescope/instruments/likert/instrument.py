"""`measure`: put a questionnaire to a model and score its value profile.

The flow (docs/guide/measuring.md): load the framework and its item bank -> one `choose` request per
(item, administration) -> score each answer into `LikertSample`s (one per draw under
sampled scoring) -> summarise all samples into `MeasureResults`. The engine runs it: model,
run directory, resume, worker pool and progress are not this module's business.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import field_validator

from valuescope.datasets.item_files import ColumnMapping
from valuescope.engine import (
    ConfigError,
    InstrumentBase,
    Models,
    Plan,
    RunConfig,
    SampleKey,
    digest,
)
from valuescope.errors import MissingFile
from valuescope.frameworks import Framework, load_framework
from valuescope.instruments.likert.design import (
    PRESETS,
    Crossing,
    DesignName,
    persona_count,
    personas_asked,
    respondents_for,
)
from valuescope.instruments.likert.format_checks import (
    TEXT_CHECK,
    acquiescence,
    parse_label,
    position,
    text_check,
    text_check_requests,
)
from valuescope.instruments.likert.items import (
    Item,
    ItemBank,
    builtin_item_bank_path,
    load_instrument_file,
    load_item_bank,
    shipped_item_banks,
)
from valuescope.instruments.likert.norm_file import NormTable, load_norms
from valuescope.instruments.likert.norms import compare_norms, norms_warning
from valuescope.instruments.likert.prompts import (
    ORDERS,
    Condition,
    all_conditions,
    build_messages,
    labels_for,
    request_order,
    respondent_conditions,
    select_items,
)
from valuescope.instruments.likert.respondent_summary import (
    RespondentDesign,
    summarise_respondents,
)
from valuescope.instruments.likert.scoring import LikertSample, score_choice
from valuescope.instruments.likert.summary import (
    DimensionResult,
    MeasureResults,
    add_mrat,
    check_circumplex,
    few_items_note,
    summarise_dimension,
    summarise_overall,
)
from valuescope.instruments.likert.verdict import likert_failure, likert_verdict
from valuescope.models import CachedModel, Model
from valuescope.registry import Registry

COMMAND = "measure"


MEASURE_BACKENDS: Registry[Callable[[MeasureConfig], Model | None]] = Registry(
    "measure_backends", "backend that reads a measure run's files"
)
"""Backend name -> how to open it knowing a measure config (None: open it as usual). The
entry-point group `valuescope.measure_backends`: `sim` reads the user's files."""


class MeasureConfig(RunConfig):
    """Everything that defines a measurement run (stored in the manifest; no secrets)."""

    framework: str = "schwartz10"
    items: str | None = None
    """An instrument file (YAML bank, CSV or JSONL) or the id of a bank valuescope ships
    (`bigfive_short`); None = the framework's own shipped bank."""
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
    design: DesignName = "none"
    """Simulated respondents (`design.py`): none, or a preset (quick, standard, full)."""
    personas: int | None = None
    """How many personas (overrides the preset's number; alone, it means a rotated design)."""
    personas_file: str | None = None
    """The user's own persona descriptions; None = the shipped pool."""
    check_text: int = 0
    """Administrations per dimension that also get a free answer (`format_checks.py`)."""
    norms: str | None = None
    """A human norm table (`norm_file.py`) to compare the profile with (`norms.py`)."""

    @field_validator("norms", mode="before")
    @classmethod
    def _path_as_text(cls, value: Any) -> Any:
        """`norms=Path(...)` from the Python API, stored as the text a manifest holds."""
        return str(value) if isinstance(value, PathLike) else value

    def open_model(self, model: Model | None = None) -> CachedModel:
        """As every run opens its model, except that a backend registered in
        `MEASURE_BACKENDS` is opened knowing this config (the simulated respondent, `sim`,
        is told the user's instrument file, `--items FILE`, and persona file, `--personas
        FILE`, so that it answers the user's items, and tells the user's personas apart,
        instead of recording every answer invalid or answering every persona alike)."""
        backend = self.backend
        if model is None and backend is not None and backend in MEASURE_BACKENDS:
            model = MEASURE_BACKENDS.get(backend)(self)
        return super().open_model(model)

    def users_item_file(self) -> str | None:
        """The user's own instrument file, None for a shipped bank (even named by its
        file: a backend knows those under their ids)."""
        items = self.items if self.items and Path(self.items).is_file() else None
        if items is not None:
            shipped = {path.resolve() for _, path in shipped_item_banks().values()}
            if Path(items).resolve() in shipped:
                return None
        return items

    def respondent_design(self) -> tuple[int, Crossing] | None:
        """(personas, crossing) of the respondent design, or None for the profile only."""
        n = persona_count(self.design, self.personas, self.personas_file)
        if n is None:
            return None
        preset = PRESETS.get(self.design)
        return n, preset.crossing if preset else "rotate"


def load_instrument(config: MeasureConfig) -> tuple[Framework, ItemBank]:
    """The framework and item bank a config names (the shipped bank unless `items`)."""
    framework = load_framework(config.framework, config.frameworks_dir)
    if config.items:
        shipped = shipped_item_banks()
        if config.items in shipped and not Path(config.items).exists():  # a bank by name
            return framework, load_item_bank(shipped[config.items][1], framework)
        scale = Path(config.scale) if config.scale else None
        return framework, load_instrument_file(Path(config.items), framework, config.columns, scale)
    path = builtin_item_bank_path(framework.id)
    if not path.is_file():
        raise MissingFile(
            f"valuescope ships no item bank for framework {framework.id!r}; pass one with --items"
        )
    return framework, load_item_bank(path, framework)


def _check_options(config: MeasureConfig) -> None:
    """Options that only apply to a user's instrument file must not be silently ignored."""
    if config.items is None:
        given = [
            option
            for option, value in (("--columns", config.columns != ColumnMapping()),
                                  ("--scale", config.scale is not None))
            if value
        ]  # fmt: skip
        if given:
            raise ConfigError(
                f"{' and '.join(given)} only apply to an instrument file given with --items"
            )


@dataclass(frozen=True)
class LikertRequest:
    """One `choose` call: an item under one administration; `draws` are the conditions
    (one per draw under sampled scoring) whose samples its answer yields."""

    item: Item
    condition: Condition
    draws: tuple[Condition, ...]
    check_text: bool = False
    """Also ask for a free answer to the same prompt (`format_checks.py`)."""


class LikertInstrument(InstrumentBase[MeasureConfig], command=COMMAND, config_type=MeasureConfig):
    """A Likert questionnaire scored from the answer distribution (see `prompts.py`,
    `scoring.py` and `summary.py` for the design, the scoring and the statistics)."""

    sample_type = LikertSample

    def __init__(self, config: MeasureConfig, resume_from: Path | None = None) -> None:
        _check_options(config)
        super().__init__(config)
        self.framework, self.bank = load_instrument(config)
        self.items = select_items(self.bank, self.framework.ids, config.limit)
        most = max(len(i.paraphrases) for i in self.bank.items)
        if config.paraphrases is not None and config.paraphrases > most:
            raise ConfigError(
                f"--paraphrases {config.paraphrases}: the items of {self.bank.id} have at most "
                f"{most} paraphrase{'s' if most != 1 else ''}"
            )
        paraphrases = most if config.paraphrases is None else config.paraphrases
        self.conditions = all_conditions(paraphrases, config.samples)
        """The model's own profile: its administrations without a persona."""
        design = config.respondent_design()
        personas_file = Path(config.personas_file) if config.personas_file else None
        asked = personas_asked(config.design, config.personas, config.personas_file)
        self.respondents = (
            respondents_for(design[0], design[1], config.seed, personas_file, asked)
            if design
            else []
        )
        self.respondent_conditions = respondent_conditions(self.respondents, config.samples)
        self.labels = labels_for(self.bank.scale)
        self.norms: NormTable | None = (
            load_norms(Path(config.norms), self.framework, self.bank.scale)
            if config.norms
            else None
        )

    @property
    def all_conditions(self) -> list[Condition]:
        return self.conditions + self.respondent_conditions

    @property
    def instrument_name(self) -> str:
        return self.bank.id

    def fingerprint(self) -> dict[str, str]:
        # The templates, rendered around a placeholder statement (the items are hashed apart).
        probe = Item(id="probe", dimension="probe", text="STATEMENT", paraphrases=["P"] * 9)
        conditions = self.conditions + self.respondent_conditions[:1]
        prompts = [build_messages(probe, self.bank.scale, c) for c in conditions]
        parts = {
            "framework": digest(self.framework),
            "items": digest(self.items),
            "scale": digest(self.bank.scale),
            "prompts": digest(prompts, self.labels),
        }
        if self.respondents:
            parts["respondents"] = digest(self.respondents)
        return parts

    def plan(self, done: set[SampleKey]) -> Plan[LikertRequest]:
        draws: dict[tuple[str, Condition], list[Condition]] = {}
        for item, condition in request_order(self.items, self.all_conditions):
            if (item.id, condition.id) not in done:
                draws.setdefault((item.id, condition.request), []).append(condition)
        by_id = {item.id: item for item in self.items}
        texts = text_check_requests(self.items, self.conditions, self.config.check_text)
        pending = [
            LikertRequest(
                by_id[item_id], condition, tuple(conditions), (item_id, condition.id) in texts
            )
            for (item_id, condition), conditions in draws.items()
        ]
        return Plan(total=len(self.items) * len(self.all_conditions), pending=pending)

    async def answer(self, request: LikertRequest, models: Models) -> Sequence[LikertSample]:
        messages = build_messages(request.item, self.bank.scale, request.condition)
        choice = await models.subject.choose(messages, self.labels)
        config = self.config
        sampling = (config.temperature, config.seed) if config.samples > 1 else None
        samples = [
            score_choice(
                request.item,
                self.bank.scale,
                draw,
                messages,
                choice,
                config.min_option_mass,
                sampling,
            )
            for draw in request.draws
        ]
        if request.check_text:
            completion = await models.subject.generate(messages, TEXT_CHECK)
            label = parse_label(completion.text, self.labels)
            update = {"text_answer": completion.text, "text_label": label}
            samples = [s.model_copy(update=update) for s in samples]
        return samples

    def summarise(self, all_samples: list[LikertSample], models: Models) -> MeasureResults:
        config, framework, bank = self.config, self.framework, self.bank
        sampled = config.samples > 1
        samples = [s for s in all_samples if s.respondent is None]  # the model's own profile
        answered = [s for s in all_samples if s.respondent is not None]
        dimensions = {
            dim: summarise_dimension(
                [s for s in samples if s.dimension == dim],
                bank.scale,
                self.conditions,
                config.seed,
                sampled,
            )
            for dim in framework.ids
            if any(s.dimension == dim for s in samples)
        }
        overall = summarise_overall(samples, self.labels, len(self.conditions))
        overall.position, overall.acquiescence = position(samples), acquiescence(samples)
        for dim, result in dimensions.items():
            own = [s for s in samples if s.dimension == dim]
            result.position = position(own)
            result.text_check = text_check(own, bank.scale)
        if framework.circle is not None:
            add_mrat(dimensions, samples)
            overall.circumplex = check_circumplex(samples, self.conditions, framework.circle)
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
            respondents=(
                summarise_respondents(
                    answered, self.items, framework.ids, self.design_summary(), config.seed
                )
                if self.respondents
                else None
            ),
            usage=models.subject.usage,
            warnings=_warnings(config, samples, dimensions, len(framework.ids)),
        )
        if self.norms is not None:
            scores = {dim: r.score for dim, r in dimensions.items()}
            results.norms = compare_norms(
                self.norms, scores, samples, answered, self.conditions, self.items
            )
            if warning := norms_warning(self.norms, bank.id):
                results.warnings.append(warning)
        results.failure = likert_failure(results, common_invalid_reasons(all_samples))
        results.verdict = None if results.failure else likert_verdict(results)
        return results

    def design_summary(self) -> RespondentDesign:
        """What the respondent design was, for the results."""
        respondents = self.respondents
        return RespondentDesign(
            name=self.config.design,
            respondents=len(respondents),
            personas=len({r.persona.id for r in respondents}),
            instructions=len({r.instruction.id for r in respondents}),
            postambles=len({r.postamble.id for r in respondents}),
            orders=len(ORDERS),
            personas_source=self.config.personas_file or "the shipped pool",
        )


def _warnings(
    config: MeasureConfig,
    samples: list[LikertSample],
    dimensions: dict[str, DimensionResult],
    n_dimensions: int,
) -> list[str]:
    few = few_items_note(dimensions, config.limit, n_dimensions)
    notes = config.notes(samples) + ([few] if few else [])
    if config.respondent_design() is None:
        notes.append(NO_RELIABILITY_NOTE)
    return notes


NO_RELIABILITY_NOTE = (
    "no reliability: one model is one respondent, and alpha over its own administrations "
    "means nothing; --design quick asks simulated respondents and reports alpha, lambda6 "
    "and omega over them"
)


def common_invalid_reasons(samples: list[LikertSample]) -> list[str]:
    """The invalid answers' reasons, the most frequent first."""
    counts = Counter(s.invalid_reason for s in samples if not s.valid and s.invalid_reason)
    return [reason for reason, _ in counts.most_common()]
