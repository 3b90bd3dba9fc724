"""`valuescope construct`: CAReDiO's culture-aware data construction (METHODS.md, "Data
construction"; arXiv 2504.08820), in one output folder.

1. Initial pairs: for each of `questions` topics (`config.TOPICS`, cycling) the generator
   writes a question a person in C might ask, then answers it as a typical person of C.
   Unreadable questions or answers are dropped and counted; near-duplicate questions are
   dropped (`generate.dedupe`).
2. Each pair is scored (`scoring.py`): representativeness, distinctiveness, combined.
3. `rounds` refinement rounds, each a question round (rewrite the question to be more
   specific to C, answer the new question, score) then an answer round (rewrite the answer
   to be more typical of C and less of the related cultures, score). A change is kept only
   when the combined score improves; every attempt is recorded in the pair's history.
4. The top `keep` pairs by combined score are kept and exported (`export.py`).

Budget: every request counts against `max_calls`, cached or not (steering's `CallBudget`);
the request that would pass it is not sent, the loop stops there and keeps what is fully
scored. Resumable: the generator, raters and judge answer greedily through the response
cache, so rerunning with the same `out` walks the same path from the cache at no model
cost (`new_calls` counts what the cache did not answer), and a larger `--max-calls` goes on
from where a smaller one stopped. Other settings in the same `out` are refused, naming them
(`keep` and `max_calls` may change): a run is a study (`engine.Study`, see `run.py`).
Without the cache (`--no-cache`) a rerun asks the models again.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from valuescope.construct.config import ROLES, TOPICS, ConstructConfig
from valuescope.construct.prompts import (
    answer_messages,
    parse_answer,
    parse_question,
    question_messages,
    refine_answer_messages,
    refine_question_messages,
)
from valuescope.construct.scoring import Caller, Scorer, Scores, improves
from valuescope.generate.dedupe import Deduplicator
from valuescope.models import CachedModel
from valuescope.steering.search import BudgetExhausted, CallBudget

StepKind = Literal["initial", "question", "answer", "related"]


class Step(BaseModel):
    """One thing tried on a pair: its text, its scores, whether it replaced the current."""

    round: int
    kind: StepKind
    question: str | None = None
    answer: str | None = None
    scores: Scores | None = None
    accepted: bool = False
    note: str | None = None


class Item(BaseModel):
    """A (question, answer) pair with its current scores and its provenance."""

    id: str
    topic: str
    question: str
    answer: str
    scores: Scores
    original_question: str
    original_answer: str
    replaced_answer: str | None = None
    """The answer the last accepted answer refinement replaced (for the current question)."""
    replaced_scores: Scores | None = None
    history: list[Step] = Field(default_factory=list)


class RoundStats(BaseModel):
    round: int
    kind: StepKind
    attempted: int = 0
    accepted: int = 0
    unreadable: int = 0
    mean_combined_before: float | None = None
    mean_combined_after: float | None = None


def _mean_combined(items: list[Item]) -> float | None:
    values = [i.scores.combined for i in items if i.scores.combined is not None]
    return sum(values) / len(values) if values else None


class Constructor:
    """The loop (see the module docstring). `items` are the fully scored pairs so far."""

    def __init__(
        self,
        config: ConstructConfig,
        generator: CachedModel,
        raters: CachedModel,
        judge: CachedModel,
    ) -> None:
        self.config = config
        self.generator = generator
        self.caller = Caller(CallBudget(config.max_calls))
        self.scorer = Scorer(
            self.caller,
            raters,
            judge,
            ROLES[: config.personas],
            config.cultures,
            config.min_option_mass,
        )
        self.items: list[Item] = []
        self.rounds: list[RoundStats] = []
        self.dropped: list[dict[str, str]] = []
        self.notes: list[str] = []
        self.stopped: Literal["finished", "budget"] = "finished"

    async def _write(self, messages: list, max_tokens: int) -> str:  # type: ignore[type-arg]
        return await self.caller.generate(self.generator, messages, max_tokens)

    async def run(self) -> None:
        try:
            await self._initial()
            for number in range(1, self.config.rounds + 1):
                await self._refine(number, "question")
                await self._refine(number, "answer")
        except BudgetExhausted as exhausted:
            self.stopped = "budget"
            for item in self.items:
                last = item.history[-1]
                if last.scores is None and last.note is None:
                    last.note = "left unfinished by --max-calls"
            self.notes.append(
                f"stopped by --max-calls ({exhausted}); the pairs scored so far "
                "are kept, an unfinished step is left out"
            )

    async def _initial(self) -> None:
        culture = self.config.culture
        dedupe = Deduplicator(self.config.dedupe)
        stats = RoundStats(round=0, kind="initial")
        self.rounds.append(stats)
        for k in range(self.config.questions):
            topic = TOPICS[k % len(TOPICS)]
            stats.attempted += 1
            raw = await self._write(question_messages(culture, topic), 64)
            question = parse_question(raw)
            if question is None:
                stats.unreadable += 1
                self.dropped.append({"topic": topic, "why": "no question in", "text": raw})
                continue
            if (duplicate := dedupe.duplicate_of(question)) is not None:
                self.dropped.append(
                    {
                        "topic": topic,
                        "why": f"repeats {duplicate[0]!r}: {duplicate[1]}",
                        "text": question,
                    }
                )
                continue
            dedupe.add(question)
            raw = await self._write(answer_messages(culture, question), self.config.max_tokens)
            answer = parse_answer(raw)
            if answer is None:
                stats.unreadable += 1
                self.dropped.append({"topic": topic, "why": "no answer in", "text": raw})
                continue
            scores = await self.scorer.score(question, answer)
            item = Item(
                id=f"q{k + 1}",
                topic=topic,
                question=question,
                answer=answer,
                scores=scores,
                original_question=question,
                original_answer=answer,
            )
            item.history.append(
                Step(
                    round=0,
                    kind="initial",
                    question=question,
                    answer=answer,
                    scores=scores,
                    accepted=True,
                )
            )
            self.items.append(item)
            stats.accepted += 1
        stats.mean_combined_after = _mean_combined(self.items)

    async def _refine(self, number: int, kind: Literal["question", "answer"]) -> None:
        config = self.config
        stats = RoundStats(round=number, kind=kind, mean_combined_before=_mean_combined(self.items))
        self.rounds.append(stats)
        for item in self.items:
            stats.attempted += 1
            step = Step(round=number, kind=kind)
            item.history.append(step)
            if kind == "question":
                raw = await self._write(
                    refine_question_messages(config.culture, config.related, item.question), 64
                )
                question = parse_question(raw)
                raw_answer = (
                    None
                    if question is None
                    else await self._write(
                        answer_messages(config.culture, question), config.max_tokens
                    )
                )
                answer = None if raw_answer is None else parse_answer(raw_answer)
            else:
                question = item.question
                raw = await self._write(
                    refine_answer_messages(config.culture, config.related, question, item.answer),
                    config.max_tokens,
                )
                answer = parse_answer(raw)
            step.question, step.answer = question, answer
            if question is None or answer is None:
                stats.unreadable += 1
                step.note = f"unreadable: {raw!r}"
                continue
            step.scores = await self.scorer.score(question, answer)
            if not improves(step.scores, item.scores):
                continue
            step.accepted = True
            stats.accepted += 1
            if kind == "answer":
                item.replaced_answer, item.replaced_scores = item.answer, item.scores
            else:
                item.replaced_answer = item.replaced_scores = None
            item.question, item.answer, item.scores = question, answer, step.scores
        stats.mean_combined_after = _mean_combined(self.items)


def select(items: list[Item], keep: int | None) -> list[Item]:
    """The top `keep` scored pairs by combined score (ties: by id); all when None."""
    scored = [i for i in items if i.scores.combined is not None]
    ranked = sorted(scored, key=lambda i: (-(i.scores.combined or 0.0), i.id))
    return ranked if keep is None else ranked[:keep]
