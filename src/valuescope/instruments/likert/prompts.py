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
from typing import TYPE_CHECKING, Literal

from valuescope.instruments.likert.items import Item, ItemBank, ResponseScale
from valuescope.models import Message, system, user
from valuescope.respondents import PERSONA_FRAMING

if TYPE_CHECKING:
    from valuescope.instruments.likert.design import Respondent

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
    respondent: Respondent | None = None
    """A simulated respondent (`design.py`); None = the model's own profile."""

    @property
    def id(self) -> str:
        """`asc/none`, then `/p1` for a paraphrase and `/s2` for a draw (defaults omitted, so
        ids stay short and runs without paraphrases or samples keep their ids); a
        respondent's administrations are `r/<persona>/<instruction>/<postamble>/asc`."""
        parts: list[str] = [self.order, self.framing]
        if self.respondent is not None:
            parts = ["r", self.respondent.id, self.order]
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
    """Every administration: orders x framings x (text + `paraphrases`) x `samples`
    (the order in which they are asked is `request_order`'s business)."""
    return [
        Condition(order, framing, paraphrase, sample)
        for framing in FRAMINGS
        for paraphrase in range(paraphrases + 1)
        for order in ORDERS
        for sample in range(samples)
    ]


def respondent_conditions(respondents: list[Respondent], samples: int = 1) -> list[Condition]:
    """Every respondent's administrations: both option orders (x `samples` draws), the item
    in its own wording, no system message (the persona is in the question)."""
    return [
        Condition(order, "none", 0, sample, respondent)
        for respondent in respondents
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
    """The chat messages for one item under one administration.

    Laid out for prefix caching: what the administration shares (the framing's system
    message, the stem, the options in this order) comes first, and the statement last, in
    quotes, before a short answer cue. Consecutive requests (`request_order`) then share
    everything up to the statement. Measured on SmolLM2-135M over 40 Schwartz items x 4
    administrations against the earlier statement-first layout: option mass 0.547 vs 0.523,
    position bias -1.19 vs -1.05, 23 vs 73 prompt tokens evaluated per answer after KV
    reuse. Other wordings moved the mass between 0.38 and 0.64 and the bias between -1.2
    and -4.0 (the options before the stem, or the stem after the statement, did worst).
    """
    points = scale_points_shown(scale, condition.order)
    anchors = [scale.anchors[p - scale.minimum] for p in points]
    lines = [f"{label} = {anchor}" for label, anchor in enumerate(anchors, start=1)]
    statement = f'"{item_text(item, condition.paraphrase)}"'
    respondent = condition.respondent
    if respondent is None:
        question = (
            f"{scale.stem} Choose one option.\n"
            + "\n".join(lines)
            + f"\n\n{statement}\nYour answer:"
        )
    else:  # the persona, instruction and options are the respondent's shared prefix
        question = (
            PERSONA_FRAMING.format(persona=respondent.persona.text)
            + f"\n\n{respondent.instruction.text} {scale.stem} Choose one option.\n"
            + "\n".join(lines)
            + f"\n\n{statement}\n{respondent.postamble.text}\nYour answer:"
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
    """Every (item, administration) pair in the order to ask them: administration by
    administration (framing, then option order), all items under one before the next.

    Everything before the statement depends only on the framing and the option order (and,
    for a simulated respondent, its persona and instruction), so consecutive requests share
    that whole prefix: a server's prefix cache (llama.cpp's slots, the embedded model's
    included; vLLM APC, SGLang radix) evaluates it once,
    and each answer costs only the statement and the cue.
    """
    by_prefix: dict[tuple[str, str, str], list[Condition]] = {}
    for condition in conditions:
        respondent = condition.respondent.id if condition.respondent else ""
        key = (respondent, condition.framing, condition.order)
        by_prefix.setdefault(key, []).append(condition)
    return [
        (item, condition) for group in by_prefix.values() for item in items for condition in group
    ]
