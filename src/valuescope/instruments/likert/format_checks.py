"""Answer-format checks, reported with every measurement of the model's own profile.

Scoring from log-probabilities assumes that the distribution over the labels is the answer
the model would give. Two checks say when that assumption, or the answers themselves, are
doubtful:

- *Position* (after Dominguez-Olmedo et al., arXiv 2306.07951, whose models' answers
  followed the options' position rather than the items): every item is asked under both
  option orders, and `stats.position_check` says how much of the answers' variance the
  order explains and whether the items keep their rank order. This replaced a distance of
  the answers from uniform, which answers pulled to the first-listed option pass.
- *Acquiescence* over dimensions keyed both ways: the mean agreement before reverse-keying,
  forward and reverse items weighted equally, so that what the items say cancels.
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

import numpy as np
from pydantic import BaseModel

from valuescope.instruments.likert.items import Item, ResponseScale
from valuescope.instruments.likert.prompts import ORDERS, Condition
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.models import GenerateConfig
from valuescope.stats import PositionCheck, TextAgreement, position_check, text_agreement

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


def position(samples: Sequence[LikertSample]) -> PositionCheck:
    """The position check over the items answered validly under both option orders: each
    item's mean expected raw point per order (over framings, wordings and draws)."""
    raw: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in samples:
        if s.valid and s.expected_raw is not None:
            raw[s.item_id][s.order].append(s.expected_raw)
    first, second = ORDERS
    both = [orders for _, orders in sorted(raw.items()) if first in orders and second in orders]
    return position_check(
        [float(np.mean(o[first])) for o in both], [float(np.mean(o[second])) for o in both]
    )


class Acquiescence(BaseModel):
    """Yes-saying over the dimensions that have items keyed both ways."""

    dimensions: list[str]
    """The dimensions keyed both ways (only they can tell agreement from content)."""
    balanced_agreement: float | None
    """Mean over those dimensions of (mean raw agreement of forward items + that of reverse
    items) / 2; None without such a dimension."""
    keying_gap: float | None
    """Mean over them of |forward - reverse| raw agreement: content moves the two apart,
    yes-saying or position keeps them together."""


def acquiescence(samples: Sequence[LikertSample]) -> Acquiescence:
    """The balanced-keying acquiescence index (Paulhus 1991) of the valid answers."""
    raw: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in samples:
        if s.valid and s.expected_raw is not None:
            raw[s.dimension][s.polarity].append(s.expected_raw)
    keyed_both = sorted(d for d, by in raw.items() if by.get(1) and by.get(-1))
    if not keyed_both:
        return Acquiescence(dimensions=[], balanced_agreement=None, keying_gap=None)
    forward = [float(np.mean(raw[d][1])) for d in keyed_both]
    reverse = [float(np.mean(raw[d][-1])) for d in keyed_both]
    return Acquiescence(
        dimensions=keyed_both,
        balanced_agreement=float(
            np.mean([(f + r) / 2 for f, r in zip(forward, reverse, strict=True)])
        ),
        keying_gap=float(np.mean([abs(f - r) for f, r in zip(forward, reverse, strict=True)])),
    )


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
