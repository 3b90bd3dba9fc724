"""From CSI samples to the inventory's scores (docs/guide/instruments.md, "CSI").

A word counts only when every pass gave it a valid answer; a word invalid in any pass (left
out of a chunk reply even when re-asked, or too little probability on the labels) is left
out of every denominator below and counted in `invalid_share` instead.

Over the valid words:
- `optimism`: share labelled positive in every pass; `pessimism`: negative in every pass;
  `neutrality`: the rest (neutral in every pass, or inconsistent), so the three sum to 1;
- `consistency`: 1 - share of words whose passes disagree;
- `reluctance`: share of neutral answers over all valid answers (every valid sample, so a
  word's valid pass still counts when another of its passes was invalid).
With one pass, consistency is 1 by construction. A score with no valid word is null and its
reason is in `reasons`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from valuescope.runs import SampleRecord

AnswerLabel = Literal["positive", "negative", "neutral"]
LABELS: tuple[AnswerLabel, ...] = ("positive", "negative", "neutral")


class CSISample(SampleRecord):
    """One word in one pass: `item_id` is the word, `condition` is `<mode>/pass<p>`."""

    mode: Literal["chunk", "per-word"]
    pass_index: int
    label: AnswerLabel | None
    """None when the sample is invalid."""
    attempts: int = 1
    """Chunk mode: 2 when the word was missing from the first reply and asked again."""
    excerpt: str | None = None
    """Chunk mode: the reply lines the label was read from (or the reply's opening, for a
    word it never mentioned)."""
    label_order: list[str] | None = None
    """Per-word mode: the labels in the order the prompt named them."""
    probs: dict[str, float] | None = None
    """Per-word mode: probability of positive and negative, renormalised over the labels."""
    option_mass: float | None = None
    method: str | None = None
    prompt: str | None = None
    cached: bool = False


def condition_id(mode: str, pass_index: int) -> str:
    return f"{mode}/pass{pass_index}"


class CSIMetrics(BaseModel):
    n_words: int
    n_valid_words: int
    n_valid_answers: int
    optimism: float | None
    pessimism: float | None
    neutrality: float | None
    consistency: float | None
    reluctance: float | None
    invalid_share: float | None
    n_optimistic_words: int
    n_pessimistic_words: int
    n_inconsistent_words: int
    label_shares_by_pass: dict[str, dict[str, float]]
    """Per pass, the share of each label among its valid answers: in per-word mode, where
    passes alternate the label order, a gap between passes is position bias."""
    option_mass: float | None
    """Mean probability on the labels (per-word mode), else None."""
    reasons: dict[str, str] = Field(default_factory=dict)


def word_labels(
    samples: Sequence[CSISample], words: Sequence[str], passes: int
) -> dict[str, list[AnswerLabel] | None]:
    """Each word's label in every pass, or None where some pass lacks a valid answer."""
    by_word: dict[str, dict[int, AnswerLabel]] = defaultdict(dict)
    for s in samples:
        if s.valid and s.label is not None:
            by_word[s.item_id][s.pass_index] = s.label
    result: dict[str, list[AnswerLabel] | None] = {}
    for word in words:
        got = by_word.get(word, {})
        result[word] = [got[p] for p in range(passes)] if len(got) == passes else None
    return result


def consistent_words(
    samples: Sequence[CSISample], words: Sequence[str], passes: int
) -> tuple[list[str], list[str]]:
    """(words positive in every pass, words negative in every pass), in list order."""
    labels = word_labels(samples, words, passes)
    positive = [w for w, ls in labels.items() if ls and set(ls) == {"positive"}]
    negative = [w for w, ls in labels.items() if ls and set(ls) == {"negative"}]
    return positive, negative


def summarise(samples: Sequence[CSISample], words: Sequence[str], passes: int) -> CSIMetrics:
    reasons: dict[str, str] = {}
    labels = word_labels(samples, words, passes)
    valid_words = [ls for ls in labels.values() if ls is not None]
    n_valid = len(valid_words)
    optimistic = sum(set(ls) == {"positive"} for ls in valid_words)
    pessimistic = sum(set(ls) == {"negative"} for ls in valid_words)
    inconsistent = sum(len(set(ls)) > 1 for ls in valid_words)

    def share(count: int, total: int, name: str, why: str) -> float | None:
        if total == 0:
            reasons[name] = why
            return None
        return count / total

    no_words = "no word has a valid answer in every pass"
    optimism = share(optimistic, n_valid, "optimism", no_words)
    pessimism = share(pessimistic, n_valid, "pessimism", no_words)
    neutrality = share(n_valid - optimistic - pessimistic, n_valid, "neutrality", no_words)
    consistency = None if n_valid == 0 else 1.0 - inconsistent / n_valid
    if consistency is None:
        reasons["consistency"] = no_words

    answers = [s for s in samples if s.valid and s.label is not None]
    neutral_answers = sum(s.label == "neutral" for s in answers)
    reluctance = share(neutral_answers, len(answers), "reluctance", "no valid answer")
    invalid_share = share(len(words) - n_valid, len(words), "invalid_share", "no words")

    per_pass: dict[str, dict[str, float]] = {}
    for p in range(passes):
        counts = Counter(s.label for s in answers if s.pass_index == p)
        total = sum(counts.values())
        if total:
            per_pass[f"pass{p}"] = {label: counts[label] / total for label in LABELS}
    masses = [s.option_mass for s in samples if s.option_mass is not None]
    return CSIMetrics(
        n_words=len(words),
        n_valid_words=n_valid,
        n_valid_answers=len(answers),
        optimism=optimism,
        pessimism=pessimism,
        neutrality=neutrality,
        consistency=consistency,
        reluctance=reluctance,
        invalid_share=invalid_share,
        n_optimistic_words=optimistic,
        n_pessimistic_words=pessimistic,
        n_inconsistent_words=inconsistent,
        label_shares_by_pass=per_pass,
        option_mass=sum(masses) / len(masses) if masses else None,
        reasons=reasons,
    )
