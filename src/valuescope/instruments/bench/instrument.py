"""`bench`: a multiple-choice benchmark (`registry.py` names them) put to a model under
several option orders, scored from `choose` or from a parsed written answer.

Load the benchmark's items -> items x orders as requests (`requests.py`; or the
benchmark's own design, e.g. learning's conditions) -> one `BenchSample` per answer ->
accuracy, position bias, agreement, information gain (`summary.py`) and the benchmark's own
figures -> the verdict, or the failure of a run with nothing to read (`verdict.py`). The
engine runs it (model, run directory, resume, pool, progress).

Items with images are sent with them to a backend that accepts images
(`supports_images`); on a text-only one (the embedded model, `--no-images`) they are not
asked: each gets a `skipped` sample (no call), left out of every figure and counted in the
results (`summary.skipped_items`), the CLI output and the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from valuescope.engine import KeyedInstrument, Models, digest
from valuescope.instruments.bench.config import BenchConfig
from valuescope.instruments.bench.feedback import experience_prefix
from valuescope.instruments.bench.parse import letters, parse_answer
from valuescope.instruments.bench.registry import get_benchmark
from valuescope.instruments.bench.requests import (
    AFTER_REASONING,
    DIRECT_CUE,
    PARSE_TOKENS,
    REASON_CUE,
    REASON_TOKENS,
    BenchSample,
    Order,
    Request,
    after_reasoning,
    direct_messages,
    orders_for,
    reason_messages,
)
from valuescope.instruments.bench.results import BenchResults
from valuescope.instruments.bench.summary import CI_METHOD, summarise
from valuescope.instruments.bench.verdict import bench_failure, bench_verdict
from valuescope.models import Choice, GenerateConfig, Message, supports_images

COMMAND = "bench"
SKIPPED = "skipped: an image item on a text-only backend"

__all__ = ["BenchConfig", "BenchInstrument", "BenchResults"]


class BenchInstrument(
    KeyedInstrument[BenchConfig, Request], command=COMMAND, config_type=BenchConfig
):
    """A multiple-choice benchmark under option orders (see the module docstring)."""

    sample_type = BenchSample

    def __init__(self, config: BenchConfig, resume_from: Path | None = None) -> None:
        super().__init__(config)
        self.benchmark = get_benchmark(config.benchmark)
        self.pool = self.benchmark.load(Path(config.data) if config.data else None)
        """Every item of the file (learning draws its examples from these)."""
        self.items = self.pool[: config.limit] if config.limit else self.pool
        self._requests = self._design()

    @property
    def instrument_name(self) -> str:
        return self.config.benchmark

    def _design(self) -> list[Request]:
        if self.benchmark.design is not None:
            return self.benchmark.design(self.items, self.pool, self.config)
        return [
            Request(item, order)
            for item in self.items
            for order in orders_for(len(item.options), self.config.orders, self.config.seed)
        ]

    def requests(self) -> list[Request]:
        return self._requests

    def fingerprint(self) -> dict[str, str]:
        return {
            "items": digest(self.items),
            "prompts": digest([DIRECT_CUE, REASON_CUE, AFTER_REASONING]),
            "design": digest([(r.key, r.preamble, r.prefix, r.feedback) for r in self._requests]),
        }

    async def answer(self, request: Request, models: Models) -> Sequence[BenchSample]:
        item, order, preamble = request.item, request.order, request.preamble
        labels = letters(len(item.options))
        model, mode = models.subject, self.config.answer_mode
        if item.images and not supports_images(model):
            return [self._skipped(request)]
        prefix: list[Message] = list(request.prefix)
        calls = 0
        if request.feedback:
            prefix, told, calls = await experience_prefix(model, request.feedback, prefix)
            preamble = "\n\n".join(p for p in (told, preamble) if p)
        choice = await model.choose(direct_messages(item, order, preamble, prefix), labels)
        sample = self._scored_choice(request, choice)
        sample.calls += calls
        if mode != "choose":
            build = reason_messages if mode == "reason" else direct_messages
            messages = build(item, order, preamble, prefix)
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
                    reason_messages(item, order, preamble, prefix),
                    GenerateConfig(max_tokens=REASON_TOKENS, seed=self.config.seed),
                )
                sample.reasoning = written.text
                sample.calls += 1
            after = await model.choose(
                after_reasoning(item, order, sample.reasoning, preamble, prefix), labels
            )
            sample.calls += 1
            if after.invalid_reason(self.config.min_option_mass) is None:
                sample.reasoned_probs = _by_option(order, after)
        return [sample]

    def _base(self, request: Request) -> BenchSample:
        item, order = request.item, request.order
        return BenchSample(
            item_id=item.id,
            condition=request.key[1],
            valid=False,
            benchmark=self.config.benchmark,
            mode=self.config.answer_mode,
            order=list(order.positions),
            right=item.answer,
            right_position=order.positions.index(item.answer),
            learn=request.learn,
            k=request.k,
        )

    def _skipped(self, request: Request) -> BenchSample:
        return self._base(request).model_copy(update={"skipped": True, "invalid_reason": SKIPPED})

    def _scored_choice(self, request: Request, choice: Choice) -> BenchSample:
        item, order = request.item, request.order
        reason = choice.invalid_reason(self.config.min_option_mass)
        probs = _by_option(order, choice)
        top = max(range(len(probs)), key=lambda i: probs[i]) if reason is None else None
        return self._base(request).model_copy(
            update=dict(
                valid=reason is None,
                invalid_reason=reason,
                chosen=top,
                correct=top == item.answer if top is not None else None,
                probs=probs,
                option_mass=choice.option_mass,
                choose_chosen=top,
                choose_valid=reason is None,
                choose_reason=reason,
                method=choice.method,
                calls=1,
                prompt_tokens=choice.usage.prompt_tokens or None,
            )
        )

    def summarise(self, samples: list[BenchSample], models: Models) -> BenchResults:
        wanted = {r.key for r in self.requests()}
        skipped = [s for s in samples if s.key in wanted and s.skipped]
        samples = [s for s in samples if s.key in wanted and not s.skipped]
        seed = self.config.seed
        skipped_ids = {s.item_id for s in skipped} - {s.item_id for s in samples}
        skipped_items = len(skipped_ids)
        asked = [i for i in self.items if i.id not in skipped_ids]
        figures = self.benchmark.figures(asked, samples, seed) if self.benchmark.figures else {}
        if self.benchmark.design_notes is not None:
            figures["design"] = self.benchmark.design_notes(self.items, self.pool, self.config)
        warnings = self.config.notes(samples)
        if skipped_items:
            warnings.append(
                f"{skipped_items} image items ({len(skipped)} requests) were skipped: "
                "the backend reads text only"
            )
        results = BenchResults(
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
            summary=summarise(asked, samples, seed, skipped_items=skipped_items),
            figures=figures,
            usage=models.subject.usage,
            warnings=warnings,
        )
        results.failure = bench_failure(results)
        results.verdict = None if results.failure else bench_verdict(results)
        return results


def _by_option(order: Order, choice: Choice) -> list[float]:
    """`choice.probs` (one per shown letter) in the file's option order."""
    probs = [0.0] * len(order.positions)
    for position, option in enumerate(order.positions):
        probs[option] = choice.probs[position]
    return probs
