"""What OPRO and PICACO share: the target in words for the optimiser, reading an instruction
out of the optimiser's answer, and one round of proposals written, read and scored.

The optimiser is asked to write its instruction between `<INS>` and `</INS>` (OPRO's
format). Models do not always comply, a 135M one rarely, so `parse_instruction` reads, in
this order: the text between the tags (or after an opening tag that is never closed), a
quoted sentence, else the first line that is not a preamble ("Here is a new
instruction:"), with labels ("Instruction:", "text:"), list markers and a trailing
"score: 71" (the meta-prompt's own layout, echoed) taken off. What is left must hold at
least `MIN_WORDS` words; otherwise the proposal is unreadable, and `propose` logs it as a
candidate with no score and a note saying why, so a user sees what the optimiser wrote.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Literal

from valuescope.frameworks import Framework
from valuescope.models import Message
from valuescope.steering.methods.baselines import importance, value_instruction
from valuescope.steering.search import Candidate, MethodContext, MethodOutcome, StopReason
from valuescope.steering.targets import Target

INS_OPEN, INS_CLOSE = "<INS>", "</INS>"
PROPOSAL_TOKENS = 160
"""The optimiser's answer length: an instruction of a few sentences, whatever the length
of task responses (`MethodSettings.max_tokens`)."""
MIN_WORDS = 3
MAX_CHARS = 1200
"""A proposal longer than this is cut at a word boundary (a model that never stops)."""

_TAGGED = re.compile(r"<\s*INS\s*>(.*?)<\s*/\s*INS\s*>", re.IGNORECASE | re.DOTALL)
_OPEN_TAG = re.compile(r"<\s*INS\s*>(.*)", re.IGNORECASE | re.DOTALL)
_ANY_TAG = re.compile(r"<\s*/?\s*INS\s*>", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“]([^\"“”]+)[\"”]")
_LABEL = re.compile(
    r"^\s*(?:[-*•]+|\d+[.)]|#+)?\s*(?:\*\*)?\s*"
    r"(?:new |improved |better |my |the |final )?(?:instruction|text|answer|prompt|"
    r"meta-instruction)s?\s*(?:\d+)?\s*(?:\*\*)?\s*[:=-]\s*",
    re.IGNORECASE,
)
_MARKER = re.compile(r"^\s*(?:[-*•]+|\d+[.)])\s+")
_SCORE_TAIL = re.compile(r"\s*\(?\bscore\s*[:=]?\s*\d+(?:\.\d+)?\s*\)?\s*$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Parsed:
    """An instruction read from an optimiser's answer, or None with the reason in `how`."""

    text: str | None
    how: str
    """Where it was read: "tags", "open tag", "quotes", "first line"; or why not."""


def _clean(text: str) -> str:
    """One instruction's text: tags, a label, a list marker, a trailing score, wrapping
    quotes and asterisks off; whitespace collapsed; cut at `MAX_CHARS`."""
    text = _ANY_TAG.sub(" ", text)
    text = _SCORE_TAIL.sub("", _LABEL.sub("", _MARKER.sub("", text.strip())))
    text = " ".join(text.split()).strip(" \"'“”*`")
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0]
    return text


def _readable(text: str) -> bool:
    return len(_WORD.findall(text)) >= MIN_WORDS


def parse_instruction(answer: str) -> Parsed:
    """The instruction in an optimiser's `answer` (see the module docstring)."""
    if not answer.strip():
        return Parsed(None, "the optimiser wrote nothing")
    tagged = _TAGGED.search(answer)
    if tagged is not None:
        text = _clean(tagged.group(1))
        return Parsed(text, "tags") if _readable(text) else Parsed(
            None, "nothing readable between <INS> and </INS>")  # fmt: skip
    opened = _OPEN_TAG.search(answer)
    if opened is not None:
        text = _clean(opened.group(1).strip().split("\n\n")[0])
        if _readable(text):
            return Parsed(text, "open tag")
    for quoted in _QUOTED.findall(answer):
        text = _clean(quoted)
        if _readable(text):
            return Parsed(text, "quotes")
    for line in _ANY_TAG.sub(" ", answer).splitlines():
        stripped = line.strip()
        if not stripped or stripped.endswith(":"):
            continue
        text = _clean(stripped)
        if _readable(text):
            return Parsed(text, "first line")
    return Parsed(None, f"no instruction of {MIN_WORDS} words or more could be read")


def target_in_words(framework: Framework, target: Target) -> str:
    """One line per target value, the highest priority first: name, how much it matters,
    what it means (the optimiser never sees the numbers, only the words)."""
    lines = []
    for d in target.ranked():
        dimension = framework.dimension(d)
        definition = dimension.definition.rstrip(".").lower()
        lines.append(f"- {dimension.name}: {importance(target.normalised(d))} ({definition})")
    return "\n".join(lines)


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " ..."


async def propose(
    context: MethodContext, messages: list[Message], round: int, kind: str,
    seen: dict[str, Candidate], use: Literal["objective", "conformity"],
) -> list[Candidate]:  # fmt: skip
    """One round: `settings.candidates` answers of the optimiser to `messages` (sample
    indices distinct across rounds), each read and scored on the optimisation tasks and
    logged. An unreadable answer is logged unscored with the reason; an instruction already
    scored (in `seen`, text -> candidate) is logged again with its earlier responses, which
    costs no call. `seen` gains the new candidates."""
    count = context.settings.candidates
    first = (round - 1) * count
    answers = await asyncio.gather(
        *(context.write(messages, PROPOSAL_TOKENS, sample=first + i) for i in range(count))
    )
    logged = []
    for answer in answers:
        parsed = parse_instruction(answer)
        if parsed.text is None:
            why = f"unreadable proposal: {parsed.how}"
            logged.append(context.log.add(Candidate(round=round, kind=kind, text=answer,
                                                    note=why)))  # fmt: skip
            continue
        if parsed.text in seen:
            earlier = seen[parsed.text]
            again = f"the same as a candidate of round {earlier.round}; its responses reused"
            logged.append(context.candidate(round, kind, parsed.text, earlier.responses,
                                            note=again, use=use))  # fmt: skip
            continue
        scored = await context.evaluate(parsed.text, context.tasks)
        note = None if parsed.how == "tags" else f"read from the {parsed.how}"
        candidate = context.candidate(round, kind, parsed.text, scored, note=note, use=use)
        seen[parsed.text] = candidate
        logged.append(candidate)
    return logged


def best_of(candidates: list[Candidate]) -> Candidate | None:
    """The highest-scored candidate (the earliest among equals), None if none is scored."""
    scored = [c for c in candidates if c.score is not None]
    return max(scored, key=lambda c: c.score or 0.0) if scored else None


def improves(new: Candidate | None, best: Candidate | None) -> bool:
    """Whether `new` scores strictly higher than `best` (any score beats none)."""
    if new is None or new.score is None:
        return False
    return best is None or best.score is None or new.score > best.score


def finish(context: MethodContext, candidates: list[Candidate], rounds_run: int,
           stopped: StopReason, measure: str, notes: list[str] | None = None,
           ) -> MethodOutcome:  # fmt: skip
    """The best candidate as the method's outcome, flagged chosen in the log. With none
    scored (the budget ran out first, or no judgement was valid) the plain value
    instruction stands in, unscored, and a note says so."""
    best = best_of(candidates)
    unscored = sum(c.score is None for c in candidates)
    notes = [f"{len(candidates)} candidates, {rounds_run} rounds after the seed, {unscored} "
             "unscored (unreadable proposals or no valid judgement)", *(notes or [])]  # fmt: skip
    if best is None:
        notes.append("no candidate was scored before the search stopped; the plain value "
                     "instruction stands in, unscored")  # fmt: skip
        return MethodOutcome(instruction=value_instruction(context.framework, context.target),
                             rounds_run=rounds_run, stopped=stopped, notes=notes)  # fmt: skip
    context.log.mark_chosen(best)
    notes.append(f"the winner is the {best.kind} of round {best.round}; score = {measure} "
                 f"over {len(context.tasks)} optimisation tasks")  # fmt: skip
    return MethodOutcome(instruction=best.text, score=best.score, rounds_run=rounds_run,
                         stopped=stopped, notes=notes)  # fmt: skip
