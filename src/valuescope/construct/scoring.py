"""Representativeness, distinctiveness, their combination, and the top-K selection.

- Representativeness (CAReDiO: how much a pair tells about culture C): `personas` raters,
  each the rater model role-playing a member of C (`config.ROLES`), asked by `choose` over
  the closed scale 1-5 whether the answer is what a typical person of C would say. A rater's
  rating is the expected scale point mapped to [0, 1] ((E - 1) / 4); the consensus is the
  mean over raters with a valid answer, its spread their standard deviation (population).
  CAReDiO's raters are several strong LLMs; here they are personas of one model (or the
  models a user names): an approximation of a consensus of independent raters.
- Distinctiveness (how unlikely the pair comes from a related culture): the judge `choose`s
  among {C, C1, C2, ...} given the pair with the names masked (`prompts.mask`), once per
  rotation of the list (every culture in every position once, against position bias). The
  probabilities are normalised over the options and averaged over rotations;
  distinctiveness = P(C). `1 - max P(related)` is recorded too (`not_related`). CAReDiO
  uses an embedding classifier; no offline one ships with a package we depend on (see
  `generate/dedupe.py`), so the judge is the classifier here.
- Combined score = representativeness x distinctiveness: a pair is worth keeping only when
  both are high (a typical but generic answer, or an exotic but untypical one, scores low).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

from valuescope.construct.prompts import SCALE, judge_messages, rater_messages
from valuescope.models import CachedModel, Choice, GenerateConfig, Message
from valuescope.steering.search import CallBudget, gather_all


class Scores(BaseModel):
    representativeness: float | None = None
    spread: float | None = None
    ratings: dict[str, float] = Field(default_factory=dict)
    """Rater role -> its rating in [0, 1] (valid raters only)."""
    invalid_ratings: int = 0
    distinctiveness: float | None = None
    not_related: float | None = None
    culture_probs: dict[str, float] = Field(default_factory=dict)
    invalid_judgements: int = 0
    combined: float | None = None


def rating(choice: Choice) -> float:
    """A rater's answer on the 1-5 scale as a number in [0, 1]."""
    total = sum(choice.probs) or 1.0
    expected = sum(p * (i + 1) for i, p in enumerate(choice.probs)) / total
    return (expected - 1.0) / (len(choice.probs) - 1.0)


def consensus(ratings: Sequence[float]) -> tuple[float | None, float | None]:
    """(mean, population standard deviation) of the raters' ratings; None without any."""
    if not ratings:
        return None, None
    return float(np.mean(ratings)), float(np.std(ratings))


def rotations(n: int) -> list[list[int]]:
    """The n cyclic orders of n options (index of the culture at each position)."""
    return [[(i + shift) % n for i in range(n)] for shift in range(n)]


def culture_distribution(
    orders: Sequence[Sequence[int]], choices: Sequence[Choice], min_option_mass: float
) -> tuple[list[float] | None, int]:
    """Mean over the valid rotations of the normalised P(culture), in the cultures' own
    order; and how many rotations were invalid (too little mass on the numbers)."""
    n = len(orders[0]) if orders else 0
    rows, invalid = [], 0
    for order, choice in zip(orders, choices, strict=True):
        if choice.invalid_reason(min_option_mass) is not None:
            invalid += 1
            continue
        total = sum(choice.probs) or 1.0
        row = [0.0] * n
        for position, culture in enumerate(order):
            row[culture] = choice.probs[position] / total
        rows.append(row)
    if not rows:
        return None, invalid
    return [float(v) for v in np.mean(rows, axis=0)], invalid


def combined(representativeness: float | None, distinctiveness: float | None) -> float | None:
    if representativeness is None or distinctiveness is None:
        return None
    return representativeness * distinctiveness


def improves(new: Scores, old: Scores) -> bool:
    """A refinement is kept only when its combined score is strictly higher."""
    return new.combined is not None and (old.combined is None or new.combined > old.combined)


class Caller:
    """Every request goes through here: it is counted against the budget before it is sent
    (cached or not, as steering's `CallBudget` does, so a rerun follows the same path and
    stops at the same place) and counted as new when the cache did not answer it."""

    def __init__(self, budget: CallBudget) -> None:
        self.budget = budget
        self.new_calls = 0

    async def generate(self, model: CachedModel, messages: list[Message], max_tokens: int) -> str:
        self.budget.spend(1)
        completion = await model.generate(messages, GenerateConfig(max_tokens=max_tokens))
        self.new_calls += 0 if completion.cached else 1
        return completion.text

    async def choose(
        self, model: CachedModel, messages: list[Message], options: list[str]
    ) -> Choice:
        self.budget.spend(1)
        choice = await model.choose(messages, options)
        self.new_calls += 0 if choice.cached else 1
        return choice


class Scorer:
    """Scores (question, answer) pairs for culture `cultures[0]` against the others."""

    def __init__(
        self,
        caller: Caller,
        raters: CachedModel,
        judge: CachedModel,
        roles: Sequence[str],
        cultures: Sequence[str],
        min_option_mass: float,
    ) -> None:
        self.caller, self.raters, self.judge = caller, raters, judge
        self.roles, self.cultures = list(roles), list(cultures)
        self.min_option_mass = min_option_mass

    @property
    def calls_per_pair(self) -> int:
        return len(self.roles) + len(self.cultures)

    async def score(self, question: str, answer: str) -> Scores:
        culture = self.cultures[0]
        rated = await gather_all(
            self.caller.choose(
                self.raters, rater_messages(role, culture, question, answer), list(SCALE)
            )
            for role in self.roles
        )
        ratings = {
            role: rating(c)
            for role, c in zip(self.roles, rated, strict=True)
            if c.invalid_reason(self.min_option_mass) is None
        }
        orders = rotations(len(self.cultures))
        labels = [str(i) for i in range(1, len(self.cultures) + 1)]
        judged = await gather_all(
            self.caller.choose(
                self.judge,
                judge_messages([self.cultures[i] for i in order], question, answer, self.cultures),
                labels,
            )
            for order in orders
        )
        probs, invalid = culture_distribution(orders, judged, self.min_option_mass)
        representativeness, spread = consensus(list(ratings.values()))
        distinctiveness = probs[0] if probs else None
        return Scores(
            representativeness=representativeness,
            spread=spread,
            ratings=ratings,
            invalid_ratings=len(self.roles) - len(ratings),
            distinctiveness=distinctiveness,
            not_related=1.0 - max(probs[1:]) if probs else None,
            culture_probs=dict(zip(self.cultures, probs, strict=True)) if probs else {},
            invalid_judgements=invalid,
            combined=combined(representativeness, distinctiveness),
        )
