"""Conversations before a question: worked examples and feedback turns (learning).

- `example_turns`: k items, each as a user question (options as written) and an assistant
  turn giving the right letter: in-context examples, the model answers nothing itself.
- `experience_prefix`: learning from experience. The model answers the items itself, one
  `choose` call each (its most likely letter is its answer), and is told after each whether
  it was right and which option was; the feedback opens the next user turn, so user and
  assistant turns alternate (strict chat templates refuse two user turns in a row). The
  last feedback is returned as text for the caller to put before the test question.
An answer `choose` cannot score (too little mass on the letters) is told wrong, like a
learner who said something else.
"""

from __future__ import annotations

from collections.abc import Sequence

from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.parse import letters
from valuescope.instruments.bench.requests import Order, direct_messages
from valuescope.models import CachedModel, Message

MIN_MASS = 0.0
"""Any mass picks the feedback item's answer: the feedback needs an answer, not a score."""


def as_written(item: BenchItem) -> Order:
    return Order("shift0", tuple(range(len(item.options))))


def right_letter(item: BenchItem) -> str:
    return letters(len(item.options))[item.answer]


def feedback_text(item: BenchItem, chosen: int | None) -> str:
    label, text = right_letter(item), item.options[item.answer]
    if chosen == item.answer:
        return f"Right: the answer is {label} ({text})."
    return f"Wrong: the right answer is {label} ({text})."


def example_turns(examples: Sequence[BenchItem]) -> tuple[Message, ...]:
    turns: list[Message] = []
    for example in examples:
        turns += direct_messages(example, as_written(example))
        turns.append(Message(role="assistant", content=right_letter(example)))
    return tuple(turns)


async def experience_prefix(
    model: CachedModel, items: Sequence[BenchItem], prefix: Sequence[Message] = ()
) -> tuple[list[Message], str | None, int]:
    """(the conversation so far, the last feedback to put before the next question, calls)."""
    messages, pending, calls = list(prefix), None, 0
    for item in items:
        ask = direct_messages(item, as_written(item), pending, messages)
        choice = await model.choose(ask, letters(len(item.options)))
        calls += 1
        chosen = (
            max(range(len(choice.probs)), key=lambda i: choice.probs[i])
            if choice.option_mass > MIN_MASS
            else None
        )
        said = letters(len(item.options))[chosen] if chosen is not None else "(no answer)"
        messages = [*ask, Message(role="assistant", content=said)]
        pending = feedback_text(item, chosen)
    return messages, pending, calls
