"""`bench`: a multiple-choice benchmark (`registry.py` names them) put to a model under
several option orders, scored from `choose` or from a parsed written answer.

Load the benchmark's items -> items x orders as requests (`requests.py`) -> one
`BenchSample` per answer -> accuracy, position bias, agreement, information gain
(`summary.py`) and the benchmark's own figures. The engine runs it (model, run directory,
resume, pool, progress).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from valuescope.engine import Models, Plan, RunConfig, SampleKey, digest
from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.parse import letters, parse_answer
from valuescope.instruments.bench.registry import get_benchmark
from valuescope.instruments.bench.requests import (
    AFTER_REASONING,
    DIRECT_CUE,
    PARSE_TOKENS,
    REASON_CUE,
    REASON_TOKENS,
    AnswerMode,
    BenchSample,
    Order,
    after_reasoning,
    direct_messages,
    orders_for,
    reason_messages,
)
from valuescope.instruments.bench.summary import CI_METHOD, BenchSummary, summarise
from valuescope.models import Choice, GenerateConfig, RunUsage
from valuescope.runs import ResultsBase

COMMAND = "bench"


class BenchConfig(RunConfig):
    """Everything that defines a bench run (stored in the manifest; no secrets)."""

    benchmark: str
    data: str | None = None
    """The user's data file; None = the shipped one."""
    orders: int | None = Field(default=None, ge=1)
    """K random orders (seeded); None = all cyclic shifts."""
    answer_mode: AnswerMode = "choose"
    limit: int | None = Field(default=None, ge=1)
    info_gain: bool = False


class BenchResults(ResultsBase):
    benchmark: str
    answer_mode: AnswerMode
    orders: str
    ci_method: str
    min_option_mass: float
    summary: BenchSummary
    figures: dict[str, Any] = Field(default_factory=dict)
    usage: RunUsage


@dataclass(frozen=True)
class Request:
    item: BenchItem
    order: Order

    @property
    def key(self) -> SampleKey:
        return (self.item.id, self.order.id)


class BenchInstrument:
    """A multiple-choice benchmark under option orders (see the module docstring)."""

    command: ClassVar[str] = COMMAND
    config_type: ClassVar[type[RunConfig]] = BenchConfig
    sample_type = BenchSample

    def __init__(self, config: BenchConfig, resume_from: Path | None = None) -> None:
        self.config = config
        self.benchmark = get_benchmark(config.benchmark)
        items = self.benchmark.load(Path(config.data) if config.data else None)
        self.items = items[: config.limit] if config.limit else items

    @property
    def instrument_name(self) -> str:
        return self.config.benchmark

    def requests(self) -> list[Request]:
        return [
            Request(item, order)
            for item in self.items
            for order in orders_for(len(item.options), self.config.orders, self.config.seed)
        ]

    def fingerprint(self) -> dict[str, str]:
        return {
            "items": digest(self.items),
            "prompts": digest([DIRECT_CUE, REASON_CUE, AFTER_REASONING]),
            "design": digest([r.key for r in self.requests()]),
        }

    def run_files(self) -> dict[str, str]:
        return {}

    def plan(self, done: set[SampleKey]) -> Plan[Request]:
        requests = self.requests()
        return Plan(total=len(requests), pending=[r for r in requests if r.key not in done])

    async def answer(self, request: Request, models: Models) -> Sequence[BenchSample]:
        item, order = request.item, request.order
        labels = letters(len(item.options))
        model, mode = models.subject, self.config.answer_mode
        choice = await model.choose(direct_messages(item, order), labels)
        sample = self._scored_choice(item, order, choice)
        if mode != "choose":
            messages = (reason_messages if mode == "reason" else direct_messages)(item, order)
            budget = REASON_TOKENS if mode == "reason" else PARSE_TOKENS
            written = await model.generate(
                messages, GenerateConfig(max_tokens=budget, seed=self.config.seed)
            )
            shown = [item.options[i] for i in order.positions]
            position = parse_answer(written.text, shown, reason=mode == "reason")
            parsed = order.positions[position] if position is not None else None
            sample.calls += 1
            sample.text, sample.parsed, sample.chosen = written.text, parsed, parsed
            sample.valid = parsed is not None
            sample.correct = parsed == item.answer if parsed is not None else None
            sample.invalid_reason = (
                None if parsed is not None else f"no option in the answer: {written.text[:80]!r}"
            )
            if mode == "reason":
                sample.reasoning = written.text
        if self.config.info_gain:
            if sample.reasoning is None:
                written = await model.generate(
                    reason_messages(item, order),
                    GenerateConfig(max_tokens=REASON_TOKENS, seed=self.config.seed),
                )
                sample.reasoning = written.text
                sample.calls += 1
            after = await model.choose(after_reasoning(item, order, sample.reasoning), labels)
            sample.calls += 1
            if after.invalid_reason(self.config.min_option_mass) is None:
                sample.reasoned_probs = _by_option(order, after)
        return [sample]

    def _scored_choice(self, item: BenchItem, order: Order, choice: Choice) -> BenchSample:
        reason = choice.invalid_reason(self.config.min_option_mass)
        probs = _by_option(order, choice)
        top = max(range(len(probs)), key=lambda i: probs[i]) if reason is None else None
        return BenchSample(
            item_id=item.id,
            condition=order.id,
            valid=reason is None,
            invalid_reason=reason,
            benchmark=self.config.benchmark,
            mode=self.config.answer_mode,
            order=list(order.positions),
            right=item.answer,
            right_position=order.positions.index(item.answer),
            chosen=top,
            correct=top == item.answer if top is not None else None,
            probs=probs,
            option_mass=choice.option_mass,
            choose_chosen=top,
            choose_valid=reason is None,
            choose_reason=reason,
            method=choice.method,
            calls=1,
        )

    def summarise(self, samples: list[BenchSample], models: Models) -> BenchResults:
        wanted = {r.key for r in self.requests()}
        samples = [s for s in samples if s.key in wanted]
        figures = self.benchmark.figures(self.items, samples) if self.benchmark.figures else {}
        warnings = self.config.notes(samples)
        return BenchResults(
            command=COMMAND,
            model=self.config.model,
            benchmark=self.config.benchmark,
            answer_mode=self.config.answer_mode,
            orders=(
                "all cyclic shifts of the options (shift0 = as written)"
                if self.config.orders is None
                else f"{self.config.orders} random orders (seed {self.config.seed})"
            ),
            ci_method=CI_METHOD,
            min_option_mass=self.config.min_option_mass,
            summary=summarise(self.items, samples, self.config.seed),
            figures=figures,
            usage=models.subject.usage,
            warnings=warnings,
        )


def _by_option(order: Order, choice: Choice) -> list[float]:
    """`choice.probs` (one per shown letter) in the file's option order."""
    probs = [0.0] * len(order.positions)
    for position, option in enumerate(order.positions):
        probs[option] = choice.probs[position]
    return probs
