"""From judged answers to the probes profile.

A question's score on a dimension is the mean judged P(expressed) over its valid answers
(samples); the model's profile is the mean over questions, with a 95% t-interval over
*questions* (`stats.mean_t_ci`: the unit that varies; samples of one question are repeated
measures), none below 3 questions or when every question scores the same.
Only the model's own answers (no persona) enter the profile. `on_target` is the same mean
over the questions that put that dimension at stake (their `dimension`), which says whether
the model takes that value's side when it is the one in question; `off_target` is the mean
over the questions that put another dimension at stake (the verdict's content check compares
the two). With personas, each
persona's profile (its mean over questions) is kept for `agreement`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

from valuescope.instruments.probes.bank import Probe
from valuescope.judges import JudgeMode, ScoreMethod
from valuescope.models import RunUsage
from valuescope.runs import ResultsBase, SampleRecord
from valuescope.stats import CIStat, mean_t_ci

EMPTY = "empty answer"
"""The invalid reason of an answer with no text (it is not judged)."""


class ProbeSample(SampleRecord):
    """One answer to one probe, judged: `item_id` is the probe, `condition` is
    `<persona or self>/s<sample>`."""

    persona: str | None = None
    dimension: str | None = None
    """The dimension the probe puts at stake (from the bank), if it names one."""
    answer: str
    scores: dict[str, float | None] = Field(default_factory=dict)
    score_method: ScoreMethod | None = None
    judge_calls: int = 0


class ProbeDimension(BaseModel):
    score: CIStat
    """Mean judged P(expressed) over questions (the model's own answers), 95% CI over
    questions."""
    on_target: float | None
    """The same mean over the questions that put this dimension at stake."""
    n_questions: int
    n_on_target: int
    off_target: float | None = None
    """The same mean over the questions that put another dimension at stake (None in
    results written before it, or without such questions)."""


class ProbesResults(ResultsBase):
    judge: str
    judge_mode: JudgeMode
    framework: str
    instrument: str
    dimensions: dict[str, ProbeDimension]
    n_answers: int
    n_invalid: int
    n_empty: int = 0
    """Invalid answers that were empty (the others: judgements that could not be read)."""
    invalid_reasons: dict[str, int] = Field(default_factory=dict)
    score_methods: dict[str, int] = Field(default_factory=dict)
    mean_answer_words: float | None = None
    respondents: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    """persona id -> dimension -> mean judged score over questions (with personas only)."""
    usage: RunUsage
    judge_usage: RunUsage | None = None
    """The judge's calls, when it is another model than the one measured."""


def question_means(samples: Sequence[ProbeSample], dimension: str) -> dict[str, float]:
    """probe id -> mean score over its valid answers, for one dimension (the unit of the
    profile here, and a pool member's profile of a question in `generate`)."""
    values: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        v = s.scores.get(dimension)
        if s.valid and v is not None:
            values[s.item_id].append(v)
    return {probe: float(np.mean(v)) for probe, v in values.items()}


def _dimension(
    dimension: str, probes: Sequence[Probe], own: Sequence[ProbeSample], n_boot: int
) -> ProbeDimension:
    means = question_means(own, dimension)
    targeted = [means[p.id] for p in probes if p.dimension == dimension and p.id in means]
    others = [
        means[p.id]
        for p in probes
        if p.dimension is not None and p.dimension != dimension and p.id in means
    ]
    values = np.asarray(list(means.values()), dtype=float)
    if values.size == 0:
        score = CIStat.missing("no valid judged answer")
    elif n_boot == 0:
        score = CIStat(value=float(values.mean()), reason="no interval requested (n_boot = 0)")
    else:
        low, high = mean_t_ci(values, bounds=(0.0, 1.0), unit="questions")
        score = CIStat(
            value=float(values.mean()), ci_low=low.value, ci_high=high.value, reason=low.reason
        )
    return ProbeDimension(
        score=score,
        on_target=float(np.mean(targeted)) if targeted else None,
        n_questions=int(values.size),
        n_on_target=len(targeted),
        off_target=float(np.mean(others)) if others else None,
    )


def summarise(
    dimensions: list[str],
    probes: Sequence[Probe],
    samples: Sequence[ProbeSample],
    n_boot: int,
) -> dict[str, object]:
    """The fields of `ProbesResults` that come from the samples (`n_boot` = 0: no CI of the
    profile, as `generate`'s inner runs ask; otherwise a t-interval over questions)."""
    own = [s for s in samples if s.persona is None]
    by_persona: dict[str, list[ProbeSample]] = defaultdict(list)
    for s in samples:
        if s.persona is not None:
            by_persona[s.persona].append(s)
    respondents = {
        persona: {d: _mean_or_none(question_means(answers, d)) for d in dimensions}
        for persona, answers in by_persona.items()
    }
    invalid = [s for s in samples if not s.valid]
    words = [len(s.answer.split()) for s in samples if s.answer]
    return {
        "dimensions": {d: _dimension(d, probes, own, n_boot) for d in dimensions},
        "n_answers": len(samples),
        "n_invalid": len(invalid),
        "n_empty": sum(s.invalid_reason == EMPTY for s in invalid),
        "invalid_reasons": dict(
            Counter(s.invalid_reason or "unknown" for s in invalid).most_common(5)
        ),
        "score_methods": dict(Counter(s.score_method or "none" for s in samples)),
        "mean_answer_words": float(np.mean(words)) if words else None,
        "respondents": respondents,
    }


def _mean_or_none(values: dict[str, float]) -> float | None:
    return float(np.mean(list(values.values()))) if values else None
