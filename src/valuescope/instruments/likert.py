"""Likert questionnaires scored from the model's answer distribution.

Each item is asked under every *condition* (an administration): option order (ascending,
descending) x framing (no system message; a short neutral one) x wording (the item and each
of its paraphrases) x sample. In the descending order the list of anchors is reversed but the
labels still follow position (the first option shown is always `1`), so a model that favours
the first label is caught as position bias rather than read as a trait. Labels are mapped
back to scale points before scoring.

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
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from valuescope.instruments._items import Item, ItemBank, ResponseScale
from valuescope.models import Choice, Message, system, user
from valuescope.runs import SampleRecord

Order = Literal["asc", "desc"]
Framing = Literal["none", "neutral"]

NEUTRAL_SYSTEM_PROMPT = "You are taking part in a survey. Answer every question."
ORDERS: tuple[Order, ...] = ("asc", "desc")
FRAMINGS: tuple[Framing, ...] = ("none", "neutral")


@dataclass(frozen=True)
class Condition:
    """One way of putting an item to the model (one administration)."""

    order: Order
    framing: Framing
    paraphrase: int = 0
    """0 = the item's own text, k = its k-th paraphrase."""
    sample: int = 0
    """The draw index under sampled scoring; always 0 for expected-value scoring."""

    @property
    def id(self) -> str:
        """`asc/none`, then `/p1` for a paraphrase and `/s2` for a draw (defaults omitted, so
        ids stay short and runs without paraphrases or samples keep their ids)."""
        parts: list[str] = [self.order, self.framing]
        if self.paraphrase:
            parts.append(f"p{self.paraphrase}")
        if self.sample:
            parts.append(f"s{self.sample}")
        return "/".join(parts)

    @property
    def request(self) -> Condition:
        """The condition without its draw index: all draws share one `choose` request."""
        return replace(self, sample=0)


def all_conditions(paraphrases: int = 0, samples: int = 1) -> list[Condition]:
    """Every administration: orders x framings x (text + `paraphrases`) x `samples`.

    Listed so that consecutive requests for an item differ as late in the prompt as possible
    (the option order comes after the statement), letting llama.cpp reuse the shared prefix.
    """
    return [
        Condition(order, framing, paraphrase, sample)
        for framing in FRAMINGS
        for paraphrase in range(paraphrases + 1)
        for order in ORDERS
        for sample in range(samples)
    ]


def item_text(item: Item, paraphrase: int) -> str:
    """The wording an administration uses; items with fewer paraphrases reuse their text."""
    if 0 < paraphrase <= len(item.paraphrases):
        return item.paraphrases[paraphrase - 1]
    return item.text


def scale_points_shown(scale: ResponseScale, order: Order) -> list[int]:
    """The scale point behind each label `1..n` in the order the options are shown."""
    return scale.values if order == "asc" else list(reversed(scale.values))


def build_messages(item: Item, scale: ResponseScale, condition: Condition) -> list[Message]:
    """The chat messages for one item under one condition."""
    points = scale_points_shown(scale, condition.order)
    anchors = [scale.anchors[p - scale.minimum] for p in points]
    lines = [f"{label} = {anchor}" for label, anchor in enumerate(anchors, start=1)]
    # Statement first, options last, and an answer cue that names the format: on small
    # models this puts far more probability on the labels than a closing instruction does.
    question = (
        f'Statement: "{item_text(item, condition.paraphrase)}"\n'
        f"{scale.stem} Choose one option.\n"
        + "\n".join(lines)
        + f"\nYour answer (one number from 1 to {scale.points}):"
    )
    messages = [user(question)]
    if condition.framing == "neutral":
        messages.insert(0, system(NEUTRAL_SYSTEM_PROMPT))
    return messages


def labels_for(scale: ResponseScale) -> list[str]:
    return [str(i) for i in range(1, scale.points + 1)]


class LikertSample(SampleRecord):
    """One item under one condition: the model's distribution and the item's score."""

    dimension: str
    polarity: int
    order: str
    framing: str
    paraphrase: int = 0
    sample: int = 0
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


def draw_point(
    probs: list[float], points: list[int], temperature: float, seed: int, key: str
) -> int:
    """One scale point drawn from `probs` at `temperature`, reproducibly for (seed, key)."""
    weights = np.asarray(probs, dtype=float) ** (1.0 / temperature)
    weights /= weights.sum()
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    return int(points[int(rng.choice(len(points), p=weights))])


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
    expected: float | None = None
    drawn: int | None = None
    score: float | None = None
    reason: str | None = None
    if choice.option_mass > 0.0:
        expected = choice.expected([float(p) for p in points])
        agreement = expected
        if sampling is not None:
            temperature, seed = sampling
            drawn = draw_point(choice.probs, points, temperature, seed, f"{item.id}|{condition.id}")
            agreement = float(drawn)
        score = agreement if item.polarity == 1 else scale.reverse(agreement)
    if choice.option_mass < min_option_mass:
        reason = f"option_mass {choice.option_mass:.3f} below the minimum {min_option_mass}"
    prompt = choice.rendered_prompt or "\n".join(m.model_dump_json() for m in messages)
    return LikertSample(
        item_id=item.id,
        condition=condition.id,
        valid=reason is None,
        invalid_reason=reason,
        dimension=item.dimension,
        polarity=item.polarity,
        order=condition.order,
        framing=condition.framing,
        paraphrase=condition.paraphrase,
        sample=condition.sample,
        prompt=prompt,
        labels=choice.options,
        scale_points=points,
        probs=choice.probs,
        option_mass=choice.option_mass,
        missing=choice.missing,
        method=choice.method,
        expected_raw=expected,
        drawn_point=drawn,
        score=score,
        cached=choice.cached,
    )


def select_items(bank: ItemBank, dimension_order: list[str], limit: int | None) -> list[Item]:
    """All items, or `limit` items taken round-robin across dimensions (for quick looks)."""
    if limit is None:
        return list(bank.items)
    queues = [bank.for_dimension(d) for d in dimension_order]
    chosen: list[Item] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(q) for q in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < limit:
                chosen.append(queue[depth])
        depth += 1
    return chosen
