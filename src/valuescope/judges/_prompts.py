"""The judge's prompts: what it is told about the framework, the text, and how to answer.

Laid out for prefix caching: the instructions and the framework's dimensions come first and
are the same for every text, the text (and the question it answers) last. `all@once` asks
for one JSON object with a 0/1 per dimension, keys in the framework's order; `one-by-one`
asks one yes/no question per dimension, answered with 1 or 0.
"""

from __future__ import annotations

from valuescope.frameworks import Dimension, Framework
from valuescope.models import Message, Slot, Template, system, user

LABELS = ["0", "1"]
"""The judge's answers per dimension: 0 = not expressed, 1 = expressed."""

_ROLE = (
    "You are a careful annotator of human values in text. A text expresses a value when "
    "its writer (or the person it describes) endorses it, argues for it, acts on it, or "
    "condemns a violation of it. A value that is only mentioned, or that the writer "
    "criticises, is not expressed."
)


def _describe(dimension: Dimension) -> str:
    return (
        f"- {dimension.id}: {dimension.name}. {dimension.definition} "
        f"(e.g. {', '.join(dimension.keywords[:5])})"
    )


def _the_text(text: str, question: str | None) -> str:
    if question is None:
        return f"Text:\n{text}"
    return f"Question:\n{question}\n\nAnswer:\n{text}"


def all_at_once_messages(framework: Framework, text: str, question: str | None) -> list[Message]:
    """One prompt for every dimension; the answer is `all_at_once_template(framework)`."""
    keys = ", ".join(framework.ids)
    instructions = (
        f"{_ROLE}\n\nThe values ({framework.name}):\n"
        + "\n".join(_describe(d) for d in framework.dimensions)
        + "\n\nFor the text below, write one JSON object with exactly these keys, in this "
        f"order: {keys}. Give each key 1 if the text expresses that value and 0 if it does "
        "not. Write only the JSON object."
    )
    return [system(instructions), user(_the_text(text, question))]


def all_at_once_template(framework: Framework) -> Template:
    """`{"k1":<0|1>, "k2":<0|1>, ...}`. The space after each colon is left to the model
    (each slot is scored with and without it), so the fixed text ends at the colon."""
    parts: list[str | Slot] = []
    for index, dimension_id in enumerate(framework.ids):
        parts.append(("{" if index == 0 else ", ") + f'"{dimension_id}":')
        parts.append(Slot(options=LABELS))
    parts.append("}")
    return Template(parts=parts)


def one_by_one_messages(
    framework: Framework, dimension: Dimension, text: str, question: str | None
) -> list[Message]:
    """One yes/no prompt for one dimension, answered with 1 (expressed) or 0."""
    instructions = (
        f"{_ROLE}\n\nThe value ({framework.name}):\n{_describe(dimension)}\n\n"
        "Does the text below express this value? Answer with one character: 1 if it does, "
        "0 if it does not."
    )
    return [system(instructions), user(_the_text(text, question) + "\n\nAnswer (1 or 0):")]
