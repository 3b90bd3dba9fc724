"""The generator's and the raters' prompts, and reading a question or an answer out of
free text.

`mask` hides the cultures' names before the distinctiveness judge reads a pair, so that the
judge must tell the culture from the content rather than from a question that names it.
Only the names given on the command line are masked (case-insensitive, whole words);
demonyms and adjectives ("Japanese" for "Japan") stay visible: an approximation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from valuescope.models import Message, system, user

SCALE = ("1", "2", "3", "4", "5")
"""The raters' closed scale: 1 = not at all what a typical person would say ... 5 = exactly."""
MASK = "[culture]"
_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*\u2022]|Q\d*[:.]|Question:)\s*", re.IGNORECASE)


def question_messages(culture: str, topic: str) -> list[Message]:
    return [
        system(
            "You write questions that people in a particular culture ask each other about "
            "daily life, values and customs."
        ),
        user(
            f"Write one question that a person in {culture} might ask about {topic}, whose "
            f"answer in {culture} would differ from the answer elsewhere. Reply with the "
            "question only, ending with a question mark."
        ),
    ]


def answer_messages(culture: str, question: str) -> list[Message]:
    return [
        system(
            f"You are a typical person from {culture}. Answer as people there would, "
            "in two or three sentences."
        ),
        user(question),
    ]


def refine_question_messages(culture: str, related: Sequence[str], question: str) -> list[Message]:
    others = " or ".join(related)
    return [
        system("You improve questions about culture."),
        user(
            f"Rewrite this question so that it is more specific to the customs of {culture} "
            f"and its answer there would differ more from the answer in {others}. Reply with "
            f"the new question only, ending with a question mark.\n\nQuestion: {question}\n"
            "New question:"
        ),
    ]


def refine_answer_messages(
    culture: str, related: Sequence[str], question: str, answer: str
) -> list[Message]:
    others = " or ".join(related)
    return [
        system(f"You are a typical person from {culture}."),
        user(
            f"Question: {question}\nDraft answer: {answer}\n\nRewrite the answer so that it "
            f"says what a typical person from {culture} would say, with the customs of "
            f"{culture} that people in {others} do not share. Two or three sentences. Reply "
            "with the answer only.\nAnswer:"
        ),
    ]


def rater_messages(role: str, culture: str, question: str, answer: str) -> list[Message]:
    return [
        system(f"You are {role} from {culture}."),
        user(
            f"Someone asked: {question}\nThe answer given: {answer}\n\nIs this what a "
            f"typical person from {culture} would say? Answer with one number: 1 = not at "
            "all, 2 = a little, 3 = partly, 4 = mostly, 5 = exactly.\nAnswer:"
        ),
    ]


def judge_messages(
    options: Sequence[str], question: str, answer: str, names: Sequence[str]
) -> list[Message]:
    """Which culture a masked (question, answer) pair comes from, among `options` listed as
    numbered lines in the given order."""
    listed = "\n".join(f"{i}. {name}" for i, name in enumerate(options, start=1))
    return [
        user(
            f"Here is a question and its answer from a conversation; the names of countries "
            f"are hidden as {MASK}.\nQuestion: {mask(question, names)}\nAnswer: "
            f"{mask(answer, names)}\n\nWhich culture does this conversation most likely come "
            f"from?\n{listed}\nAnswer with the number.\nAnswer:"
        ),
    ]


def mask(text: str, names: Sequence[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", MASK, text, flags=re.IGNORECASE)
    return text


def parse_question(text: str) -> str | None:
    """The first line that reads as a question (4-60 words ending in "?"), else None."""
    for line in text.splitlines():
        candidate = " ".join(_MARKER.sub("", line).strip().strip('"').split())
        if "?" in candidate:
            candidate = candidate[: candidate.index("?") + 1]
            if 4 <= len(candidate.split()) <= 60:
                return candidate
    return None


def parse_answer(text: str) -> str | None:
    """The answer with a leading "Answer:" and surrounding quotes stripped; None when fewer
    than 3 words are left (an empty or truncated-to-nothing answer)."""
    cleaned = re.sub(r"^\s*(?:answer|new answer)\s*:\s*", "", text.strip(), flags=re.IGNORECASE)
    cleaned = " ".join(cleaned.strip().strip('"').split())
    return cleaned if len(cleaned.split()) >= 3 else None
