"""From judged texts to `classify` results: the texts' value profile, and the judge's
agreement with gold labels when the source has them (`stats.classification_metrics`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

from valuescope.instruments.classify.texts import LabelledText
from valuescope.judges import Judgement, JudgeMode, ScoreMethod
from valuescope.models import RunUsage
from valuescope.runs import ResultsBase, SampleRecord
from valuescope.stats import (
    CIStat,
    DimensionMetrics,
    MacroMetrics,
    classification_metrics,
    mean_t_ci,
)


class ClassifySample(SampleRecord):
    """One text judged: `item_id` is the text's id, `condition` the judge's mode."""

    scores: dict[str, float | None]
    labels: dict[str, int | None]
    score_method: ScoreMethod | None
    repaired: bool = False
    calls: int
    answer: str | None = None

    @classmethod
    def of(cls, text: LabelledText, judgement: Judgement) -> ClassifySample:
        return cls(item_id=text.id, condition=judgement.mode, valid=judgement.valid,
                   invalid_reason=None if judgement.valid else judgement.reason,
                   scores=judgement.scores, labels=judgement.labels,
                   score_method=judgement.score_method, repaired=judgement.repaired,
                   calls=judgement.calls, answer=judgement.answer)  # fmt: skip


class DimensionProfile(BaseModel):
    """How much the texts express one dimension, by the judge."""

    mean_score: CIStat
    """Mean P(expressed) over the texts with a score, with a 95% t-interval over texts
    (`stats.mean_t_ci`: none below 3 texts or when every text scores the same)."""
    label_rate: float | None
    """Share of those texts the judge labelled 1."""
    n: int


class ClassifyResults(ResultsBase):
    framework: str
    source: str
    mode: JudgeMode
    n_texts: int
    n_valid: int
    n_invalid: int
    invalid_reasons: dict[str, int] = Field(default_factory=dict)
    """The commonest reasons a judgement was invalid (count per reason, up to 5)."""
    score_methods: dict[str, int] = Field(default_factory=dict)
    """How the scores were read: logprobs / samples / labels (see `judges`)."""
    n_repaired: int = 0
    calls_per_text: float | None = None
    profile: dict[str, DimensionProfile]
    labelled: list[str] = Field(default_factory=list)
    """Dimensions with gold labels in the source (empty: no agreement figures)."""
    metrics: dict[str, DimensionMetrics] = Field(default_factory=dict)
    macro: MacroMetrics | None = None
    usage: RunUsage


def _profile(dimension: str, samples: Sequence[ClassifySample]) -> DimensionProfile:
    scores = [s.scores.get(dimension) for s in samples]
    present = np.asarray([v for v in scores if v is not None], dtype=float)
    labels = [s.labels.get(dimension) for s in samples if s.scores.get(dimension) is not None]
    if present.size == 0:
        return DimensionProfile(
            mean_score=CIStat.missing("no text has a score"), label_rate=None, n=0
        )
    low, high = mean_t_ci(present, bounds=(0.0, 1.0), unit="texts")
    rate = float(np.mean([label == 1 for label in labels])) if labels else None
    return DimensionProfile(
        mean_score=CIStat(
            value=float(present.mean()), ci_low=low.value, ci_high=high.value, reason=low.reason
        ),
        label_rate=rate,
        n=int(present.size),
    )


def summarise(
    texts: Sequence[LabelledText],
    labelled: list[str],
    dimensions: list[str],
    samples: Sequence[ClassifySample],
    seed: int,
    n_boot: int,
) -> dict[str, object]:
    """The fields of `ClassifyResults` that come from the samples."""
    by_id = {s.item_id: s for s in samples}
    ordered = [by_id[t.id] for t in texts if t.id in by_id]
    invalid = [s for s in ordered if not s.valid]
    reasons = Counter(s.invalid_reason or "unknown" for s in invalid).most_common(5)
    fields: dict[str, object] = {
        "n_texts": len(ordered),
        "n_valid": len(ordered) - len(invalid),
        "n_invalid": len(invalid),
        "invalid_reasons": dict(reasons),
        "score_methods": dict(Counter(s.score_method or "none" for s in ordered)),
        "n_repaired": sum(s.repaired for s in ordered),
        "calls_per_text": float(np.mean([s.calls for s in ordered])) if ordered else None,
        "profile": {d: _profile(d, ordered) for d in dimensions},
        "labelled": labelled,
    }
    if labelled and ordered:
        gold_texts = [t for t in texts if t.id in by_id]
        gold = {d: [int((t.gold or {})[d]) for t in gold_texts] for d in labelled}
        scores = {d: [by_id[t.id].scores.get(d) for t in gold_texts] for d in labelled}
        predicted = {d: [by_id[t.id].labels.get(d) for t in gold_texts] for d in labelled}
        metrics, macro = classification_metrics(gold, scores, predicted, seed=seed, n_boot=n_boot)
        fields["metrics"], fields["macro"] = metrics, macro
    return fields
