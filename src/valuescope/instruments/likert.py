"""Likert questionnaires scored from the model's answer distribution.

Each item is asked under every *condition*: option order (ascending, descending) x framing
(no system message; a short neutral one). In the descending order the list of anchors is
reversed but the labels still follow position (the first option shown is always `1`), so a
model that favours the first label is caught as position bias rather than read as a trait.
Labels are mapped back to scale points before scoring.

An item's score in one condition is the *expected* scale point under `choose`'s distribution
over the labels (not the argmax), reverse-keyed for polarity -1 items. A sample whose
`option_mass` is below the threshold is kept, marked invalid and excluded from scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    """One way of putting an item to the model."""

    order: Order
    framing: Framing

    @property
    def id(self) -> str:
        return f"{self.order}/{self.framing}"


def all_conditions() -> list[Condition]:
    return [Condition(order, framing) for order in ORDERS for framing in FRAMINGS]


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
        f'Statement: "{item.text}"\n'
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
    score: float | None
    """Expected scale point after reverse-keying (the item's contribution to its dimension)."""
    cached: bool = False


def score_choice(
    item: Item,
    scale: ResponseScale,
    condition: Condition,
    messages: list[Message],
    choice: Choice,
    min_option_mass: float,
) -> LikertSample:
    """Turn the model's `Choice` for one item into a sample (valid or counted as invalid)."""
    points = scale_points_shown(scale, condition.order)
    expected: float | None = None
    score: float | None = None
    reason: str | None = None
    if choice.option_mass > 0.0:
        expected = choice.expected([float(p) for p in points])
        score = expected if item.polarity == 1 else scale.reverse(expected)
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
        prompt=prompt,
        labels=choice.options,
        scale_points=points,
        probs=choice.probs,
        option_mass=choice.option_mass,
        missing=choice.missing,
        method=choice.method,
        expected_raw=expected,
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
