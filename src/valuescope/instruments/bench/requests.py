"""Prompts, option orders and scoring of one multiple-choice answer.

Options are shown with letters (A, B, ...) in one *order* per request. The default design
asks every item under all n cyclic shifts of its options (`shift0` = as written): every
option sits at every position exactly once, so a pull toward a letter adds the same amount
to every option and cancels in the accuracy averaged over orders; it is measured (accuracy
by the right option's position, picks per position) instead of being read as knowledge.
`--orders K` asks K random orders instead, drawn with the run's seed; all items with the
same number of options get the same K orders, so that the answers to the questions of one
group (a MotiveBench scenario) line up order by order.

Answer modes:
- `choose` (default): the distribution over the letters from log-probabilities
  (`Model.choose`), one call; the answer is its most likely letter.
- `parse`: the model writes a short answer that `parse.parse_answer` reads; the `choose`
  answer is asked too (a second call) so that the two can be compared (agreement).
- `reason`: the model reasons first and the answer is read at the end ("... so the answer
  is C"); the `choose` answer is asked too.
With `info_gain` (LegalDelta's information gain of reasoning), the model's own reasoning
(written once; reason mode reuses its answer) is put back as an assistant turn and `choose`
is asked over the letters after it, to compare the log-probabilities with and without it.

A `Request` is one item under one order, and optionally under a benchmark's *condition*
(learning: k worked examples before it, the rule or the concept as a preamble, or feedback
turns): `prefix` holds the conversation before the question, `preamble` text put in front
of it, `feedback` the items the model answers itself first (told right or wrong).
An item's images (paths already resolved by the loader) go with its question.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.parse import letters
from valuescope.models import Message, image, user
from valuescope.runs import SampleRecord

AnswerMode = Literal["choose", "parse", "reason"]
ANSWER_MODES: tuple[AnswerMode, ...] = ("choose", "parse", "reason")
PARSE_TOKENS = 16
REASON_TOKENS = 256
LOG_FLOOR = 1e-12
"""Probabilities below this count as this in log-probabilities (a zero has no log)."""

DIRECT_CUE = "Answer with the letter of the right option only."
REASON_CUE = (
    "Think it through step by step in a few sentences, then end with the line "
    '"So the answer is X", where X is the letter of the right option.'
)
AFTER_REASONING = "Which option is it? Answer with the letter only."


@dataclass(frozen=True)
class Order:
    """One order of an item's options: `positions[k]` is the option (index in the file)
    shown with letter k."""

    id: str
    positions: tuple[int, ...]


def cyclic_orders(n: int) -> list[Order]:
    return [Order(f"shift{k}", tuple((i + k) % n for i in range(n))) for k in range(n)]


def random_orders(n: int, k: int, seed: int) -> list[Order]:
    """K random orders of n options (distinct while n! allows), the same for every item
    with n options in a run with this seed."""
    rng = random.Random(f"bench-orders-{seed}-{n}")
    seen: set[tuple[int, ...]] = set()
    orders: list[Order] = []
    for index in range(k):
        positions = list(range(n))
        for _ in range(100):
            rng.shuffle(positions)
            if tuple(positions) not in seen or len(seen) >= math.factorial(n):
                break
        seen.add(tuple(positions))
        orders.append(Order(f"rand{index}", tuple(positions)))
    return orders


def orders_for(n: int, k: int | None, seed: int) -> list[Order]:
    return cyclic_orders(n) if k is None else random_orders(n, k, seed)


def shown_options(item: BenchItem, order: Order) -> list[str]:
    return [item.options[i] for i in order.positions]


@dataclass(frozen=True)
class Request:
    """One item under one order and condition (see the module docstring)."""

    item: BenchItem
    order: Order
    condition: str = ""
    """The sample's condition; "" = the order id (a plain benchmark)."""
    prefix: tuple[Message, ...] = ()
    preamble: str | None = None
    feedback: tuple[BenchItem, ...] = ()
    learn: str | None = None
    """learning: examples | instruction | concept | experience."""
    k: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.item.id, self.condition or self.order.id)


def question_text(item: BenchItem, order: Order, cue: str, preamble: str | None = None) -> str:
    lines = [
        f"{label}. {text.strip()}"
        for label, text in zip(letters(len(item.options)), shown_options(item, order), strict=True)
    ]
    parts = [preamble.strip()] if preamble else []
    parts += [item.context.strip()] if item.context else []
    parts += [item.question.strip(), "\n".join(lines), cue]
    return "\n\n".join(parts)


def _ask(item: BenchItem, text: str) -> Message:
    return user(text, [image(Path(p)) for p in item.images])


def direct_messages(
    item: BenchItem, order: Order, preamble: str | None = None, prefix: Sequence[Message] = ()
) -> list[Message]:
    return [*prefix, _ask(item, question_text(item, order, DIRECT_CUE, preamble))]


def reason_messages(
    item: BenchItem, order: Order, preamble: str | None = None, prefix: Sequence[Message] = ()
) -> list[Message]:
    return [*prefix, _ask(item, question_text(item, order, REASON_CUE, preamble))]


def after_reasoning(
    item: BenchItem,
    order: Order,
    reasoning: str,
    preamble: str | None = None,
    prefix: Sequence[Message] = (),
) -> list[Message]:
    return [
        *reason_messages(item, order, preamble, prefix),
        Message(role="assistant", content=reasoning.strip() or "(no reasoning)"),
        user(AFTER_REASONING),
    ]


def log_prob(p: float) -> float:
    return math.log(max(p, LOG_FLOOR))


class BenchSample(SampleRecord):
    """One answer to one item under one order (`condition` = the order id).

    Option indices (`chosen`, `right`, `choose_chosen`, `parsed`) and `probs` are in the
    file's option order; `order` and `right_position` say how they were shown."""

    benchmark: str
    mode: AnswerMode
    order: list[int]
    """The option (index in the file) shown at each position."""
    right: int
    right_position: int
    chosen: int | None = None
    """The answer scored: the parsed one in parse/reason mode, else `choose`'s most likely."""
    correct: bool | None = None
    probs: list[float] | None = None
    """`choose`'s probability per option (file order)."""
    option_mass: float | None = None
    choose_chosen: int | None = None
    choose_valid: bool = False
    choose_reason: str | None = None
    method: str | None = None
    text: str | None = None
    """The written answer (parse/reason modes)."""
    parsed: int | None = None
    reasoning: str | None = None
    """The model's own reasoning behind `reasoned_probs` (info gain)."""
    reasoned_probs: list[float] | None = None
    """`choose`'s probability per option after the reasoning (info gain)."""
    calls: int = 0
    skipped: bool = False
    """Not asked: an image item on a text-only backend (counted, left out of every figure)."""
    learn: str | None = None
    """learning: the condition (examples | instruction | concept | experience)."""
    k: int | None = None
    """learning: in-context examples (examples) or feedback turns (experience) before it."""
    prompt_tokens: int | None = None
    """The prompt's length in tokens as the backend counted it (`choose`'s usage)."""

    @property
    def chosen_position(self) -> int | None:
        return self.order.index(self.chosen) if self.chosen is not None else None
