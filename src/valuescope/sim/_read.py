"""What the simulated respondent reads in a request: who answers, which item, and what each
option means.

What it reads in a `choose` request (the contract with the instrument)
----------------------------------------------------------------------
1. *Who answers*: the longest persona text of the pool that appears verbatim in any message.
   The pool is the personas an API user passes to `SimModel`, else the config's
   `personas` (a list of texts, or a file), else the shipped pool (`valuescope.respondents`)
   where valuescope has one. No persona found = the model's own answers (the respondent `self`).
   A persona that is not in the pool is answered as `self`: name your `--personas-file` in
   the design file too.
2. *Which item*: the longest statement (an item's text or one of its paraphrases) of the
   configured item banks that appears verbatim in the last user message (a line that is
   exactly a statement, quotes aside, is found by one lookup; otherwise every statement is
   searched). Where banks word an item alike (IPIP-50 and the shipped Big Five bank share
   "I have a vivid imagination."), the bank whose scale the options' anchors belong to is
   the one asked (3.): an item is keyed by its bank and its wording, and the user's item
   files come first where two banks share both. The banks: the shipped banks of every
   framework in `frameworks` (its own bank and any other shipped bank for it, e.g.
   `bigfive_short` for `bigfive`: they measure the same latent traits by another method),
   and the user's `item_files` (the same files as `--items`).
3. *What each option means*: the options are labels ("1".."K"); lines `N = anchor` in the
   last user message say which anchor of the item's scale each label stands for, so the
   order (ascending or descending) is read, not assumed. An option that is itself an anchor
   also counts. Options may show a subset of the scale; the rest of the mass is "elsewhere".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from valuescope.models import Message
from valuescope.sim._build import SimItem
from valuescope.sim._draws import _anchor_key

_OPTION_LINE = re.compile(r"^[ \t]*([^\s=]+)[ \t]*=[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)
_QUOTES = "\"'“”‘’«»"


def read_messages(messages: Sequence[Message], personas: Sequence[str]) -> tuple[str, str | None]:
    """(the last user message without the persona's text, the persona or None)."""
    persona = find_persona(messages, personas)
    last = next((m.content for m in reversed(messages) if m.role == "user"), "")
    if persona is not None:
        last = last.replace(persona, "\n")
    return last, persona


def find_persona(messages: Sequence[Message], personas: Sequence[str]) -> str | None:
    """The longest persona of the pool (`personas`, longest first) the messages hold."""
    if not personas:
        return None
    text = "\x00".join(m.content for m in messages)  # no persona spans two messages
    for persona in personas:  # longest first
        if persona in text:
            return persona
    return None


def find_items(
    body: str, by_statement: Mapping[str, list[SimItem]], statements: Sequence[str]
) -> list[SimItem]:
    """The items whose statement the message holds: one per bank that has it (two
    banks may word an item alike, e.g. IPIP-50 and the shipped Big Five bank)."""
    for line in reversed(body.splitlines()):
        hit = by_statement.get(line.strip().strip(_QUOTES).strip())
        if hit is not None:
            return hit
    for statement in statements:  # longest first
        if statement in body:
            return by_statement[statement]
    return []


def find_item(
    body: str, options: Sequence[str], items: Sequence[SimItem]
) -> tuple[SimItem, list[int]] | str:
    """The item asked (of `items`, those whose statement the message holds) and the scale
    category of each option, or why there is none.

    Of the banks that word the statement alike, the one whose scale the options' anchors
    belong to is the bank asked: an item is keyed by its bank (its scale) and its
    wording, so a shared sentence does not take another bank's item."""
    if not items:
        return "no statement of the configured item banks in the last user message"
    first_problem = ""
    for item in items:
        categories = map_options(body, options, item)
        if not isinstance(categories, str):
            return item, categories
        first_problem = first_problem or categories
    return first_problem


def map_options(body: str, options: Sequence[str], item: SimItem) -> list[int] | str:
    """The scale category behind each option, or why there is none."""
    shown = {m.group(1): m.group(2) for m in _OPTION_LINE.finditer(body)}
    categories: list[int] = []
    for option in options:
        label = option.strip()
        anchor = shown.get(label)
        category = item.anchors.get(_anchor_key(anchor if anchor is not None else label))
        if category is None:
            if anchor is None:
                return f"option {option!r} is listed as no '{label} = <anchor>' line"
            return (
                f"option {option!r} stands for {anchor!r}, which is no anchor of the "
                f"scale of {item.bank}"
            )
        categories.append(category)
    if len(set(categories)) != len(categories):
        return "two options stand for the same anchor"
    return categories


def option_labels(body: str) -> list[str]:
    """The labels of the `N = anchor` lines of a message, in order, once each."""
    return list(dict.fromkeys(m.group(1) for m in _OPTION_LINE.finditer(body)))
