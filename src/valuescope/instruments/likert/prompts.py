"""How a Likert item is put to the model: administrations, prompts, option labels.

Each item is asked under every *administration* (a `Condition`): option order (ascending,
descending) x framing (no system message; a short neutral one) x wording (the item and each
of its paraphrases) x draw. In the descending order the list of anchors is reversed but the
labels still follow position (the first option shown is always `1`), so a model that
favours the first label is caught as position bias rather than read as a trait. Labels are
mapped back to scale points before scoring (`scoring.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from valuescope.instruments.likert.items import Item, ItemBank, ResponseScale
from valuescope.models import Message, system, user

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


def request_order(items: list[Item], conditions: list[Condition]) -> list[tuple[Item, Condition]]:
    """Every (item, administration) pair in the order to ask them: item by item, so that
    consecutive prompts share the statement and differ as late as possible."""
    return [(item, condition) for item in items for condition in conditions]
