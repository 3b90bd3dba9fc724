"""`Judge`: score a text on every dimension of a framework (MoVa's two modes).

- `all@once` (the default; one request per text): the judge writes a JSON object with a
  0/1 per dimension, keys in the framework's order, each label chosen greedily so later
  labels see the earlier ones (a classifier chain). The continuous score of a dimension is
  P("1") / (P("0") + P("1")) read at its position (`models.fill`: exact on the embedded
  model; one grammar-constrained request with log-probabilities on a server).
- `one-by-one` (one request per dimension): a yes/no prompt per dimension, answered with
  `choose` over "0"/"1"; the score is P("1") renormalised over the two.

Where a backend gives no log-probabilities the judgement says how it was scored instead
(`score_method`): `samples` (one-by-one: `choose` fell back to constrained samples) or
`labels` (all@once: only the written 0/1 are known; the score is the label). A judge answer
that is not the template's JSON is parsed and repaired if trivially possible
(`_repair.parse_labels`); a dimension that still cannot be read leaves the judgement
invalid with the reason, kept and counted by the caller, never dropped.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel, Field

from valuescope.frameworks import Framework
from valuescope.judges._prompts import (
    all_at_once_messages,
    all_at_once_template,
    one_by_one_messages,
)
from valuescope.judges._repair import parse_labels
from valuescope.models import Choice, Model, fill

JudgeMode = Literal["all@once", "one-by-one"]
JUDGE_MODES: tuple[JudgeMode, ...] = ("all@once", "one-by-one")
ScoreMethod = Literal["logprobs", "samples", "labels"]


class Judgement(BaseModel):
    """One text judged on every dimension of a framework."""

    mode: JudgeMode
    valid: bool
    """Every dimension has a score."""
    reason: str | None = None
    scores: dict[str, float | None]
    """P(expressed) per dimension, in [0, 1]; the 0/1 label where only labels are known."""
    labels: dict[str, int | None]
    """The judge's own 0/1 (all@once: what it wrote; one-by-one: the likelier answer)."""
    score_method: ScoreMethod | None
    option_mass: dict[str, float | None] = Field(default_factory=dict)
    """Probability on "0" or "1" at each dimension's position before renormalising."""
    repaired: bool = False
    """The answer was near-JSON that had to be repaired to be read."""
    calls: int
    """Requests this judgement took (cache hits included)."""
    answer: str | None = None
    """The judge's written answer (all@once)."""


class Judge:
    """Scores texts on `framework` with `model` (any `Model`, or a `CachedModel`).

    Example:
        ```python
        judge = Judge(get_model("llamacpp"), load_framework("schwartz10"))
        judgement = await judge.judge("I volunteer at the food bank every week.")
        print(judgement.scores["benevolence"])
        ```
    """

    def __init__(
        self,
        model: Model,
        framework: Framework,
        mode: JudgeMode = "all@once",
        min_option_mass: float = 0.25,
    ) -> None:
        self.model = model
        self.framework = framework
        self.mode = mode
        self.min_option_mass = min_option_mass
        self.template = all_at_once_template(framework)

    @property
    def calls_per_text(self) -> int:
        return 1 if self.mode == "all@once" else len(self.framework.ids)

    async def judge(self, text: str, question: str | None = None) -> Judgement:
        if self.mode == "all@once":
            return await self._all_at_once(text, question)
        return await self._one_by_one(text, question)

    # -- all@once -------------------------------------------------------------------------

    async def _all_at_once(self, text: str, question: str | None) -> Judgement:
        ids = self.framework.ids
        messages = all_at_once_messages(self.framework, text, question)
        filled = await fill(self.model, messages, self.template)
        chosen = [slot.chosen for slot in filled.slots]
        if all(c is not None for c in chosen):
            labels = {d: int(c) for d, c in zip(ids, chosen, strict=True) if c is not None}
            scores: dict[str, float | None] = {}
            mass: dict[str, float | None] = {}
            for d, slot in zip(ids, filled.slots, strict=True):
                scores[d] = slot.probs[1] if slot.probs is not None else float(labels[d])
                mass[d] = slot.option_mass
            read = sum(slot.probs is not None for slot in filled.slots)
            method: ScoreMethod = "logprobs" if read == len(ids) else "labels"
            reason = None
            if 0 < read < len(ids):
                reason = (
                    f"{len(ids) - read} dimensions scored by their label only ({filled.reason})"
                )
            elif read == 0:
                reason = filled.reason
            return Judgement(mode="all@once", valid=True, reason=reason, scores=scores,
                             labels={d: labels[d] for d in ids}, score_method=method,
                             option_mass=mass, calls=1, answer=filled.text)  # fmt: skip
        parsed = parse_labels(filled.text, ids)
        labels_or_none: dict[str, int | None] = {d: parsed.labels.get(d) for d in ids}
        scores_from_labels: dict[str, float | None] = {
            d: None if v is None else float(v) for d, v in labels_or_none.items()
        }
        if parsed.missing:
            why = parsed.reason or f"no 0/1 for {', '.join(parsed.missing)}"
            reason = f"the judge's answer could not be read: {why}"
        else:
            reason = f"{filled.reason}; read from the text" + (
                " after repair" if parsed.repaired else ""
            )
        return Judgement(mode="all@once", valid=not parsed.missing, reason=reason,
                         scores=scores_from_labels, labels=labels_or_none,
                         score_method="labels" if not parsed.missing else None,
                         repaired=parsed.repaired, calls=1, answer=filled.text)  # fmt: skip

    # -- one-by-one -----------------------------------------------------------------------

    async def _one_by_one(self, text: str, question: str | None) -> Judgement:
        dimensions = self.framework.dimensions
        choices: list[Choice] = await asyncio.gather(
            *(
                self.model.choose(
                    one_by_one_messages(self.framework, d, text, question), ["0", "1"]
                )
                for d in dimensions
            )
        )
        scores: dict[str, float | None] = {}
        labels: dict[str, int | None] = {}
        mass: dict[str, float | None] = {}
        problems = []
        for dimension, choice in zip(dimensions, choices, strict=True):
            mass[dimension.id] = choice.option_mass
            why = choice.invalid_reason(self.min_option_mass)
            if why is not None:
                scores[dimension.id], labels[dimension.id] = None, None
                problems.append(f"{dimension.id}: {why}")
                continue
            scores[dimension.id] = choice.probs[1]
            labels[dimension.id] = int(choice.probs[1] > choice.probs[0])
        methods = {c.method for c in choices}
        method: ScoreMethod = "samples" if "samples" in methods else "logprobs"
        return Judgement(mode="one-by-one", valid=not problems,
                         reason="; ".join(problems) or None, scores=scores, labels=labels,
                         score_method=method, option_mass=mass, calls=len(dimensions))  # fmt: skip
