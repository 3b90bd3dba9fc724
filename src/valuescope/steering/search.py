"""What every steering method works with: the models, the target, the optimisation tasks,
a call budget, and a log of every candidate it tried with its score.

A method (`methods/`) is a class with a `search(context)` coroutine that returns a
`MethodOutcome`. It asks for responses and judgements through the context, which counts
them against `--max-calls` and scores them the same way for every method:

    scored = await context.evaluate("You care about tradition above all.", context.tasks)
    context.log.add(Candidate(round=1, text=..., score=mean(r.objective for r in scored)))

Budget: every request counts, cached or not, so that a rerun of a killed search (which
takes its answers from the response cache, greedy or seeded) follows the same path and
stops at the same place: that is what makes a search resumable. A request that would pass
the budget raises `BudgetExhausted` before it is sent; the runner then keeps the best
candidate so far and records that the budget stopped the search.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal, Protocol, TypeVar

from pydantic import BaseModel, Field

from valuescope.frameworks import Framework
from valuescope.judges import Judge, Judgement
from valuescope.models import CachedModel, GenerateConfig, Message, user
from valuescope.steering.artifact import MethodName, put_in_front
from valuescope.steering.objective import (
    conformity,
    description_vocabulary,
    objective,
    parroting,
    value_loglik,
)
from valuescope.steering.targets import Target
from valuescope.steering.tasks import Task

CANDIDATES_FILE = "candidates.jsonl"
T = TypeVar("T")
StopReason = Literal["converged", "rounds", "budget", "no search"]


async def gather_all(coroutines: Iterable[Awaitable[T]]) -> list[T]:
    """`asyncio.gather`, but the first failure (the budget running out) cancels the rest
    instead of leaving them running behind the caller's back."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class BudgetExhausted(Exception):
    """The next request would pass `--max-calls`."""


class CallBudget:
    """Counts requests (cached or not) against an optional maximum."""

    def __init__(self, max_calls: int | None) -> None:
        self.max_calls = max_calls
        self.spent = 0

    def spend(self, calls: int) -> None:
        if self.max_calls is not None and self.spent + calls > self.max_calls:
            raise BudgetExhausted(
                f"budget {self.max_calls} calls, {self.spent} spent, the next step needs {calls}"
            )
        self.spent += calls


class ScoredResponse(BaseModel):
    """One response to one task under one candidate, judged."""

    task_id: str
    text: str
    valid: bool
    reason: str | None = None
    expression: dict[str, float] = Field(default_factory=dict)
    """P(expressed) per framework dimension (the judge's scores)."""
    conformity: float | None = None
    """Mean over the target dimensions of 1 - |p - t|."""
    loglik: float | None = None
    parroting: float | None = None
    objective: float | None = None


class Candidate(BaseModel):
    """One thing a method tried: an instruction, a set of reflections, a rewrite."""

    round: int
    kind: str
    """What it is in the method's terms: seed, proposal, reflection, merged, baseline..."""
    text: str
    reflections: list[str] = Field(default_factory=list)
    score: float | None = None
    conformity: float | None = None
    parroting: float | None = None
    responses: list[ScoredResponse] = Field(default_factory=list)
    chosen: bool = False
    note: str | None = None


class SearchLog:
    """Every candidate a method tried, appended to `candidates.jsonl` as it is scored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.candidates: list[Candidate] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    def add(self, candidate: Candidate) -> Candidate:
        self.candidates.append(candidate)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(candidate.model_dump_json() + "\n")
        return candidate

    def best(self) -> Candidate | None:
        scored = [c for c in self.candidates if c.score is not None]
        return max(scored, key=lambda c: c.score or 0.0) if scored else None

    def mark_chosen(self, chosen: Candidate) -> None:
        """Rewrite the file with `chosen` flagged (the file is small: one line each)."""
        for candidate in self.candidates:
            candidate.chosen = candidate is chosen
        self.path.write_text(
            "".join(c.model_dump_json() + "\n" for c in self.candidates), encoding="utf-8"
        )


class MethodSettings(BaseModel):
    """The search knobs shared by the methods (each uses those it has)."""

    rounds: int = Field(default=3, ge=1)
    candidates: int = Field(default=3, ge=1)
    """Proposals per round (OPRO, PICACO) or initial reflections (IROTE)."""
    max_tokens: int = Field(default=120, ge=16)
    temperature: float = Field(default=0.8, gt=0.0)
    """Of the optimiser's proposals (responses to tasks are greedy)."""
    aligned_pool: int = Field(default=4, ge=1)
    noisy_pool: int = Field(default=4, ge=1)
    reflections: int = Field(default=3, ge=1)
    """IROTE: reflections kept in the final artifact."""
    threshold: float = Field(default=0.25, ge=0.0, le=1.0)
    """COUPLE: the deviation that triggers a rewrite."""


@dataclass
class MethodOutcome:
    """What a search returns: the artifact's content and how the search ended."""

    instruction: str | None = None
    reflections: list[str] = field(default_factory=list)
    score: float | None = None
    rounds_run: int = 0
    stopped: StopReason = "rounds"
    notes: list[str] = field(default_factory=list)
    rewrite_threshold: float | None = None


@dataclass
class MethodContext:
    """Everything a method's search may use (see the module docstring)."""

    method: MethodName
    model: CachedModel
    """The bare subject: responses to tasks."""
    optimiser: CachedModel
    """Writes proposals (the subject unless `--optimiser` names another model)."""
    judge: Judge
    framework: Framework
    target: Target
    tasks: list[Task]
    settings: MethodSettings
    budget: CallBudget
    log: SearchLog
    seed: int = 0
    _bare: dict[str, ScoredResponse] = field(default_factory=dict)

    @property
    def vocabulary(self) -> frozenset[str]:
        return description_vocabulary(self.framework, self.target)

    def response_config(self) -> GenerateConfig:
        return GenerateConfig(max_tokens=self.settings.max_tokens, temperature=0.0,
                              seed=self.seed)  # fmt: skip

    async def respond(self, steering_text: str | None, task: Task) -> str:
        """The subject's greedy response to `task` with `steering_text` in front."""
        self.budget.spend(1)
        messages = put_in_front(steering_text, [user(task.question())])
        completion = await self.model.generate(messages, self.response_config())
        return completion.text.strip()

    async def judge_text(self, text: str, task: Task) -> Judgement:
        self.budget.spend(self.judge.calls_per_text)
        return await self.judge.judge(text, task.prompt)

    async def write(self, messages: list[Message], max_tokens: int, sample: int = 0) -> str:
        """The optimiser's answer (a proposal), sampled at the settings' temperature with
        the run's seed and `sample` as its index (so a rerun gets it from the cache)."""
        self.budget.spend(1)
        config = GenerateConfig(max_tokens=max_tokens, temperature=self.settings.temperature,
                                seed=self.seed, sample_index=sample)  # fmt: skip
        completion = await self.optimiser.generate(messages, config)
        return completion.text.strip()

    async def score(self, task: Task, text: str) -> ScoredResponse:
        """Judge `text` as a response to `task` and compute every measure of it."""
        if not text:
            return ScoredResponse(task_id=task.id, text=text, valid=False, reason="empty")
        judgement = await self.judge_text(text, task)
        if not judgement.valid:
            return ScoredResponse(task_id=task.id, text=text, valid=False,
                                  reason=judgement.reason)  # fmt: skip
        expression = {d: float(s) for d, s in judgement.scores.items() if s is not None}
        share = parroting(text, self.vocabulary)
        bare = self._bare.get(task.id)
        per_value = conformity(expression, self.target)
        return ScoredResponse(
            task_id=task.id, text=text, valid=True, expression=expression,
            conformity=sum(per_value.values()) / len(per_value),
            loglik=value_loglik(expression, self.target), parroting=share,
            objective=objective(expression, self.target, share,
                                bare.parroting if bare is not None else None),
        )  # fmt: skip

    async def bare_responses(self, tasks: Sequence[Task] | None = None) -> list[ScoredResponse]:
        """The unsteered model's scored responses (the parroting baseline), asked once."""
        missing = [t for t in (tasks or self.tasks) if t.id not in self._bare]
        texts = await gather_all(self.respond(None, t) for t in missing)
        scored = await gather_all(self.score(t, x) for t, x in zip(missing, texts, strict=True))
        for task, response in zip(missing, scored, strict=True):
            self._bare[task.id] = response
        return [self._bare[t.id] for t in (tasks or self.tasks)]

    async def evaluate(
        self, steering_text: str | None, tasks: Sequence[Task]
    ) -> list[ScoredResponse]:
        """Responses to `tasks` under `steering_text`, each judged and scored."""
        await self.bare_responses(tasks)
        texts = await gather_all(self.respond(steering_text, t) for t in tasks)
        return list(await gather_all((self.score(t, x) for t, x in zip(tasks, texts, strict=True))))

    def candidate(self, round: int, kind: str, text: str, scored: list[ScoredResponse],
                  reflections: list[str] | None = None, note: str | None = None,
                  use: Literal["objective", "conformity"] = "objective") -> Candidate:  # fmt: skip
        """Log a candidate scored on `scored` (mean objective, or mean conformity)."""
        valid = [r for r in scored if r.valid]
        score = _mean([getattr(r, use) for r in valid])
        return self.log.add(Candidate(
            round=round, kind=kind, text=text, reflections=reflections or [], score=score,
            conformity=_mean([r.conformity for r in valid]),
            parroting=_mean([r.parroting for r in valid]), responses=scored, note=note,
        ))  # fmt: skip


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


class SteeringMethod(Protocol):
    """One way to steer. `search` tries candidates on `context.tasks` and returns the
    winner; it may raise `BudgetExhausted` (the runner keeps the best candidate logged).

    Example (the plain value instruction, scored once):
        ```python
        class PromptMethod:
            name = "prompt"

            async def search(self, context: MethodContext) -> MethodOutcome:
                text = value_instruction(context.framework, context.target)
                scored = await context.evaluate(text, context.tasks)
                best = context.candidate(1, "baseline", text, scored)
                return MethodOutcome(instruction=text, score=best.score, rounds_run=1,
                                     stopped="no search")
        ```
    """

    name: ClassVar[MethodName]

    async def search(self, context: MethodContext) -> MethodOutcome: ...
