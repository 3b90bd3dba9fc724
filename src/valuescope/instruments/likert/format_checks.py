"""Answer-format checks, reported with every measurement of the model's own profile.

Scoring from log-probabilities assumes that the distribution over the labels is the answer
the model would give. Two checks say when that assumption, or the answers themselves, are
doubtful:

- *Uniformity* (after Dominguez-Olmedo et al., arXiv 2306.07951, whose models' answers
  became near-uniform once the option order was randomised): per dimension, each item's
  distribution over scale points (reverse-keyed, averaged over the administrations), and
  the total-variation distance of their mean from uniform, against a permutation null
  (`stats.uniformity_check`). Flagged when no better than chance.
- *Text vs log-probabilities* (`--check-text K`; after "My Answer is C", arXiv 2402.14499,
  which found the first-token answer and the text answer of Llama-2-7B-chat to disagree in
  49-69% of cases): for K administrations per dimension the model also writes a free
  answer (greedy, a few tokens); the label parsed from it is compared with the argmax of
  the distribution, and its score with the expected score.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from valuescope.instruments.likert.items import Item, ResponseScale
from valuescope.instruments.likert.prompts import Condition
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.models import GenerateConfig
from valuescope.stats import TextAgreement, UniformityCheck, text_agreement, uniformity_check

TEXT_CHECK = GenerateConfig(max_tokens=12, temperature=0.0)
"""A free answer: greedy, room for `Answer: 4` or `4 = Agree`, not for an essay."""
_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def parse_label(text: str, labels: Sequence[str]) -> str | None:
    """The first number in `text` that is one of the labels (`"Answer: 4."` -> `"4"`)."""
    for match in _NUMBER.finditer(text):
        if match.group(1) in labels:
            return match.group(1)
    return None


def text_check_requests(
    items: Sequence[Item], conditions: Sequence[Condition], per_dimension: int
) -> set[tuple[str, str]]:
    """(item id, condition id) of the administrations that also get a free answer:
    `per_dimension` per dimension, going through its items, then the next administration
    (the model's own administrations only, never a draw)."""
    requests = [c for c in conditions if c.sample == 0 and c.respondent is None]
    by_dimension: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_dimension[item.dimension].append(item)
    chosen: set[tuple[str, str]] = set()
    for dimension_items in by_dimension.values():
        slots = len(dimension_items) * len(requests)
        for j in range(min(per_dimension, slots)):
            item = dimension_items[j % len(dimension_items)]
            chosen.add((item.id, requests[j // len(dimension_items)].id))
    return chosen


def point_distribution(sample: LikertSample, scale: ResponseScale) -> np.ndarray[Any, Any]:
    """The sample's probabilities over scale points (not labels), reverse-keyed."""
    vector = np.zeros(scale.points)
    for point, p in zip(sample.scale_points, sample.probs, strict=True):
        vector[point - scale.minimum] += p
    return vector[::-1] if sample.polarity == -1 else vector


def uniformity(samples: Sequence[LikertSample], scale: ResponseScale, seed: int) -> UniformityCheck:
    """Each item's mean distribution over its valid administrations, then the check."""
    per_item: dict[str, list[np.ndarray[Any, Any]]] = defaultdict(list)
    for s in samples:
        if s.valid:
            per_item[s.item_id].append(point_distribution(s, scale))
    means = [np.mean(vectors, axis=0) for vectors in per_item.values()]
    return uniformity_check(means, seed=seed)


def text_check(samples: Sequence[LikertSample], scale: ResponseScale) -> TextAgreement | None:
    """Free answers against the distribution, for the samples that have one."""
    checked = [s for s in samples if s.text_answer is not None and s.score is not None]
    if not checked:
        return None
    text_choices: list[int | None] = []
    text_scores: list[float | None] = []
    for s in checked:
        index = s.labels.index(s.text_label) if s.text_label is not None else None
        text_choices.append(index)
        if index is None:
            text_scores.append(None)
        else:
            point = float(s.scale_points[index])
            text_scores.append(point if s.polarity == 1 else scale.reverse(point))
    return text_agreement(
        text_choices,
        [int(np.argmax(s.probs)) for s in checked],
        text_scores,
        [float(s.score) for s in checked if s.score is not None],
    )
