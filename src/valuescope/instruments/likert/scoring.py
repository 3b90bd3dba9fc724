"""Scoring one Likert answer: the model's `Choice` over the labels -> a `LikertSample`.

An item's score in one administration is the *expected* scale point under `choose`'s
distribution over the labels (not the argmax), reverse-keyed for polarity -1 items.

*Sampled scoring* (`samples > 1`): each administration draws one answer from the option
distribution sharpened or flattened by a temperature (p_i ** (1/T), renormalised). That is
exactly what grammar-constrained sampling at temperature T returns, without K forward
passes: the distribution is read once (and cached) and the K draws are seeded per sample, so
a rerun reproduces them. Log-probability scoring is deterministic, so test-retest
reliability only means something here.

A sample whose `option_mass` is below the threshold is kept, marked invalid and excluded
from scores.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from valuescope.instruments.likert.items import Item, ResponseScale
from valuescope.instruments.likert.prompts import Condition, scale_points_shown
from valuescope.models import Choice, Message
from valuescope.runs import SampleRecord


class LikertSample(SampleRecord):
    """One item under one condition: the model's distribution and the item's score."""

    dimension: str
    polarity: int
    order: str
    framing: str
    paraphrase: int = 0
    sample: int = 0
    respondent: str | None = None
    """`persona/instruction/postamble` ids of a simulated respondent; None = the model's
    own profile."""
    persona: str | None = None
    instruction: str | None = None
    postamble: str | None = None
    prompt: str
    """The rendered prompt where the backend applies the template (llama.cpp), else the
    messages as JSON: chat templates add their own default system text."""
    labels: list[str]
    scale_points: list[int]
    """The scale point each label stood for in this condition."""
    probs: list[float]
    option_mass: float
    missing: list[str]
    method: str
    expected_raw: float | None
    """Expected scale point before reverse-keying (agreement with the statement)."""
    drawn_point: int | None = None
    """Under sampled scoring: the scale point drawn for this administration."""
    score: float | None
    """The administration's score after reverse-keying: the expected scale point, or the
    drawn one under sampled scoring."""
    cached: bool = False
    text_answer: str | None = None
    """Under `--check-text`: the model's free answer to the same prompt (greedy)."""
    text_label: str | None = None
    """The label parsed from `text_answer` (None = none found)."""


def draw_point(
    probs: list[float], points: list[int], temperature: float, seed: int, key: str
) -> int:
    """One scale point drawn from `probs` at `temperature`, reproducibly for (seed, key)."""
    weights = np.asarray(probs, dtype=float) ** (1.0 / temperature)
    weights /= weights.sum()
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    return int(points[int(rng.choice(len(points), p=weights))])


def choice_fields(
    choice: Choice, messages: Sequence[Message], min_option_mass: float
) -> dict[str, Any]:
    """What every sample of one scored `choose` call records (`LikertSample`,
    `DilemmaSample`): whether it is valid, the prompt as sent (the rendered one where the
    backend applies the template, else the messages as JSON: chat templates add their own
    default system text), the distribution over the labels, and whether it was cached."""
    reason = choice.invalid_reason(min_option_mass)
    return {
        "valid": reason is None,
        "invalid_reason": reason,
        "prompt": choice.rendered_prompt or "\n".join(m.model_dump_json() for m in messages),
        "labels": choice.options,
        "probs": choice.probs,
        "option_mass": choice.option_mass,
        "missing": choice.missing,
        "method": choice.method,
        "cached": choice.cached,
    }


def score_choice(
    item: Item,
    scale: ResponseScale,
    condition: Condition,
    messages: list[Message],
    choice: Choice,
    min_option_mass: float,
    sampling: tuple[float, int] | None = None,
) -> LikertSample:
    """Turn the model's `Choice` for one item into a sample (valid or counted as invalid).

    `sampling = (temperature, seed)` switches to sampled scoring: the administration's score
    is a point drawn from the distribution instead of its expectation.
    """
    points = scale_points_shown(scale, condition.order)
    r = condition.respondent
    expected: float | None = None
    drawn: int | None = None
    score: float | None = None
    if choice.option_mass > 0.0:
        expected = choice.expected([float(p) for p in points])
        agreement = expected
        if sampling is not None:
            temperature, seed = sampling
            drawn = draw_point(choice.probs, points, temperature, seed, f"{item.id}|{condition.id}")
            agreement = float(drawn)
        score = agreement if item.polarity == 1 else scale.reverse(agreement)
    return LikertSample(
        item_id=item.id,
        condition=condition.id,
        dimension=item.dimension,
        polarity=item.polarity,
        order=condition.order,
        framing=condition.framing,
        paraphrase=condition.paraphrase,
        sample=condition.sample,
        respondent=r.id if r else None,
        persona=r.persona.id if r else None,
        instruction=r.instruction.id if r else None,
        postamble=r.postamble.id if r else None,
        scale_points=points,
        expected_raw=expected,
        drawn_point=drawn,
        score=score,
        **choice_fields(choice, messages, min_option_mass),
    )


def score_matrix(
    samples: Sequence[LikertSample], conditions: Sequence[Condition], item_ids: Sequence[str]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The administrations x items matrix of scores (NaN = invalid or not asked)."""
    row = {c.id: i for i, c in enumerate(conditions)}
    column = {item: j for j, item in enumerate(item_ids)}
    matrix = np.full((len(conditions), len(item_ids)), np.nan)
    for s in samples:
        if s.valid and s.score is not None and s.condition in row and s.item_id in column:
            matrix[row[s.condition], column[s.item_id]] = s.score
    return matrix
