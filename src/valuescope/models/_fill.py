"""Fill a fixed template's slots in one request, reading each slot's distribution.

Some answers have a known shape with a few free choices: a judge's JSON
`{"care": 1, "fairness": 0, ...}` has fixed keys and a 0/1 after each. Asking `choose` once
per slot costs a request per slot; writing the whole answer freely and parsing it loses the
probabilities. `fill` does it in one request: the model writes the template, each slot is
chosen greedily among its options (later slots see the earlier choices, like a classifier
chain), and each slot's distribution over its options is read at its position.

Two routes, the same result:

- A backend with its own `fill` (the embedded llama.cpp model) teacher-forces the fixed text
  and scores each slot's options with `choose`'s token-tree walk: a prompt evaluation, then
  a short decode per slot. Exact; no grammar needed.
- Any other backend gets one `generate` request with a GBNF grammar of the template (sent
  to servers that take one: `constrain="grammar"` or `"guided_choice"`) and `top_logprobs`;
  the slots are read from the written tokens (`read_slots`). Where the server applied no
  grammar and the text does not follow the template, or it gives no log-probabilities,
  the slots that cannot be read are None and `Filled.reason` says why: the caller then
  parses the text itself (a judge repairs near-JSON), never a silent zero.
"""

from __future__ import annotations

import math
import re
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

from valuescope.models._continuation import gbnf_literal
from valuescope.models._protocol import Model
from valuescope.models._types import (
    ChooseMethod,
    Completion,
    GenerateConfig,
    Message,
    TokenLogprobs,
    TokenUsage,
)


class Slot(BaseModel):
    """A free choice among `options` (e.g. ["0", "1"]) at one place of a template."""

    options: list[str] = Field(min_length=2)


class Template(BaseModel):
    """Fixed text and slots, in order: `["{\\"care\\": ", Slot(options=["0", "1"]), "}"]`."""

    parts: list[str | Slot]

    @property
    def slots(self) -> list[Slot]:
        return [p for p in self.parts if isinstance(p, Slot)]

    def max_tokens(self) -> int:
        """A generous bound on the tokens of a filled template (for the `generate` route):
        half a token per character of fixed text is far more than any tokenizer needs,
        plus room for the slots and stray whitespace, but not the hundreds of tokens a
        judge that ignores the format would ramble on for."""
        fixed = sum(len(p) for p in self.parts if isinstance(p, str))
        longest = max((len(o) for s in self.slots for o in s.options), default=1)
        return fixed // 2 + (longest + 2) * len(self.slots) + 16

    def grammar(self) -> str:
        """The GBNF grammar that admits exactly the template's texts."""
        pieces = []
        for part in self.parts:
            if isinstance(part, Slot):
                pieces.append("(" + " | ".join(gbnf_literal(o) for o in part.options) + ")")
            elif part:
                pieces.append(gbnf_literal(part))
        return "root ::= " + " ".join(pieces)

    def pattern(self) -> re.Pattern[str]:
        """A regex of the template for reading a text back: slots as groups, and any
        whitespace between the fixed text's pieces (quoted strings and single characters),
        since a server without the grammar lays JSON out as it likes."""
        pieces = []
        for part in self.parts:
            if isinstance(part, Slot):
                pieces.append("(" + "|".join(re.escape(o) for o in part.options) + ")")
            else:
                pieces.extend(re.escape(p) for p in _FIXED_PIECE.findall(part))
        return re.compile(r"\s*" + r"\s*".join(pieces) + r"\s*", re.DOTALL)


_FIXED_PIECE = re.compile(r'"[^"]*"|\S')


class SlotAnswer(BaseModel):
    """One slot: the chosen option and the distribution over the options (None when the
    distribution could not be read; `chosen` may still be known from the text)."""

    chosen: str | None
    probs: list[float] | None = None
    option_mass: float | None = None
    """How much probability the options had together at this position, before
    renormalising (as in `Choice`)."""


class Filled(BaseModel):
    """The answer to `fill`: the written text and one `SlotAnswer` per slot."""

    text: str
    slots: list[SlotAnswer]
    method: ChooseMethod | None
    """`logprobs` where the slots' distributions were read; None where only the text is
    known (then `reason` says why)."""
    reason: str | None = None
    usage: TokenUsage = Field(default_factory=TokenUsage)
    constrained: bool = False
    cached: bool = False


@runtime_checkable
class FillsTemplates(Protocol):
    """A backend that fills templates itself (exactly, without a grammar)."""

    async def fill(self, messages: list[Message], template: Template) -> Filled: ...


async def fill(model: Model, messages: list[Message], template: Template) -> Filled:
    """`template` filled by `model` in one request (see the module docstring): by the
    model's own `fill` where it has one (the embedded backend; a `CachedModel`, which
    caches and then comes back here with its backend), else by one `generate`."""
    if isinstance(model, FillsTemplates):
        return await model.fill(messages, template)
    config = GenerateConfig(
        max_tokens=template.max_tokens(),
        temperature=0.0,
        top_logprobs=20,
        grammar=template.grammar(),
    )
    completion = await model.generate(messages, config)
    return read_slots(completion, template)


def read_slots(completion: Completion, template: Template) -> Filled:
    """Each slot's choice (from the text) and distribution (from the token at its place).

    The token that covers a slot's position is looked up in `completion.tokens`; its
    alternatives that spell one of the slot's options (ignoring surrounding whitespace, and
    with or without what the written token carries after the option: "1," and "1" both
    count for "1" when the written token is "0,") are summed per option and renormalised.
    """
    text = completion.text
    match = template.pattern().fullmatch(text)
    if match is None:
        return Filled(
            text=text,
            slots=[SlotAnswer(chosen=None) for _ in template.slots],
            method=None,
            reason="the answer does not follow the template"
            + ("" if completion.constrained else " (no grammar was applied)"),
            usage=completion.usage,
            constrained=completion.constrained,
        )
    if not completion.tokens:
        return Filled(
            text=text,
            slots=[SlotAnswer(chosen=match.group(i + 1)) for i in range(len(template.slots))],
            method=None,
            reason="the backend gave no log-probabilities: the slots' choices only",
            usage=completion.usage,
            constrained=completion.constrained,
        )
    starts = _token_starts(completion.tokens)
    answers = []
    for index, slot in enumerate(template.slots):
        position = match.start(index + 1)
        token_index = _token_at(starts, completion.tokens, position)
        answers.append(_slot_answer(slot, match.group(index + 1), completion.tokens, token_index))
    unread = sum(a.probs is None for a in answers)
    return Filled(
        text=text,
        slots=answers,
        method="logprobs" if unread < len(answers) else None,
        reason=None if unread == 0 else f"{unread} of {len(answers)} slots had no readable token",
        usage=completion.usage,
        constrained=completion.constrained,
    )


def _token_starts(tokens: list[TokenLogprobs]) -> list[int]:
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token.text)
    return starts


def _token_at(starts: list[int], tokens: list[TokenLogprobs], position: int) -> int | None:
    """The token whose text covers character `position` (None past the end)."""
    for i, start in enumerate(starts):
        if start <= position < start + max(len(tokens[i].text), 1):
            return i
    return None


def _slot_answer(
    slot: Slot,
    chosen: str,
    tokens: list[TokenLogprobs],
    index: int | None,
) -> SlotAnswer:
    if index is None:
        return SlotAnswer(chosen=chosen)
    written = tokens[index].text
    # what the written token carries besides the option ("1," or " 1"): alternatives must
    # carry the same to be the same kind of continuation
    stripped = written.strip()
    suffix = stripped[len(chosen) :] if stripped.startswith(chosen) else ""
    mass = dict.fromkeys(slot.options, 0.0)
    for alternative, logprob in tokens[index].top.items():
        core = alternative.strip()
        if suffix and core.endswith(suffix):
            core = core[: len(core) - len(suffix)]
        if core in mass:
            mass[core] += math.exp(logprob)
    total = sum(mass.values())
    if total <= 0.0:
        return SlotAnswer(chosen=chosen)
    return SlotAnswer(
        chosen=chosen,
        probs=[mass[o] / total for o in slot.options],
        option_mass=min(total, 1.0),
    )
