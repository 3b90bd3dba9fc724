"""IROTE (arXiv 2508.08719): a few short first-person self-reflections that make the model
embody the target, optimised for how strongly they evoke it.

The steering text is not an instruction but a handful of "self-reflections": identity-
related experiences in the first person ("I grew up ... and learned that ..."), each at most
`MAX_WORDS` words (about 50 tokens), rendered by `artifact.reflections_text`. The search:

1. *start*: the optimiser writes `settings.candidates` reflections for the target (its
   values in words, with their priorities), one proposal each, each about a different part
   of a life (`LIFE_AREAS`) so that they differ; answers are parsed robustly (preambles,
   bullets and quotes dropped, first person required, cut at `MAX_WORDS`), and an unreadable
   one is logged as a candidate with the reason and no score;
2. *evocativeness*: each new reflection, alone in front of the subject, is scored by the
   mean objective of the subject's responses on the optimisation tasks (`ScoredResponse.
   objective`: the value log-likelihood minus the parroting excess), logged as a candidate;
3. *compactness*: the `settings.reflections` best are kept, ranked by the evocativeness
   score minus `LENGTH_PENALTY` per word (shorter wins among near-equals), and the optimiser
   is asked to merge them, or rewrite the best, into shorter and more evocative ones: the
   next round's new candidates (back to step 2);
4. the search stops after `settings.rounds` rounds, or earlier when a round leaves the kept
   set unchanged ("converged"). The kept set is scored together, as one more candidate
   (kind "final"), and is the outcome's `reflections`.

Honest differences from the paper: IROTE's compactness step picks the reflection that best
recovers the other candidates and their behaviours (an information-bottleneck score,
estimated with the model's likelihoods). We do not estimate that: compactness here is the
hard length cap, the merge prompt asking for fewer words, and a small per-word penalty on
the evocativeness score. Evocativeness uses our judge-based objective (`objective.py`),
not the paper's trait likelihood estimator; and the paper's ~10 candidates and ~5 rounds
are `--candidates` and `--rounds` here (CI runs use 2 and 1-2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from valuescope.frameworks import Framework
from valuescope.models import Message, system, user
from valuescope.steering.artifact import MethodName, reflections_text
from valuescope.steering.methods.baselines import importance
from valuescope.steering.search import (
    BudgetExhausted,
    Candidate,
    MethodContext,
    MethodOutcome,
    StopReason,
)
from valuescope.steering.targets import Target

MAX_WORDS = 40
"""About 50 tokens: the paper's limit on one reflection."""
MERGED_WORDS = 30
LENGTH_PENALTY = 0.005
"""Objective points per word when ranking for the kept set (ours; see the docstring)."""
PROPOSAL_TOKENS = 80
"""Room for a reflection of `MAX_WORDS` words, not for rambling on."""
LIFE_AREAS = (
    "childhood", "school years", "first job", "a friendship", "a journey", "a failure",
    "family life", "a hard decision", "a neighbourhood", "a mentor",
)  # fmt: skip
COMPACTNESS_NOTE = (
    "IROTE's compactness (an information-bottleneck score: how well a reflection recovers "
    "the others and their behaviours) is approximated by the length cap, the merge prompt "
    f"and a penalty of {LENGTH_PENALTY} per word on the evocativeness score"
)

_BULLET = re.compile(r"^\s*(?:[-*\u2022]+|\(?\d+[.)])\s*")
_LABEL = re.compile(
    r"^\s*(?:(?:sure|okay|ok)[,.!]?\s*)?(?:(?:here is|here's|below is)[^\n:]{0,60}"
    r"|(?:my\s+|new\s+|merged\s+|original\s+|rewritten\s+)?(?:self-?\s?)?"
    r"(?:reflection|response|version|answer)(?:\s*\d+)?)\s*:\s*",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|my|me|myself|mine)\b|\bi'(?:m|ve|d|ll)\b", re.IGNORECASE)


def parse_reflection(text: str) -> tuple[str | None, str | None]:
    """(the reflection, None), or (None, why it is unusable). The first paragraph without
    preambles, bullets or quotes; in the first person; cut to `MAX_WORDS` words (at the
    last sentence end when one is near)."""
    paragraph: list[str] = []
    for raw in text.strip().splitlines():
        line = _BULLET.sub("", _LABEL.sub("", raw.strip(), count=1)).strip()
        if not line:
            if paragraph:
                break
            continue
        if line.endswith(":") and not paragraph:
            continue
        paragraph.append(line)
    body = " ".join(" ".join(paragraph).split()).strip("\"'*` ").strip()
    words = body.split()
    if not words:
        return None, "empty"
    if sum(c.isalpha() for c in body) < 0.6 * len(body.replace(" ", "")):
        return None, "not prose"
    if not _FIRST_PERSON.search(body):
        return None, "not in the first person"
    if len(words) > MAX_WORDS:
        cut = " ".join(words[:MAX_WORDS])
        end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "), cut.rfind(", and"))
        body = cut[: end + 1] if end >= len(cut) // 2 else cut.rstrip(",;:") + "."
        body = body.rstrip(",")
    if len(body.split()) < 6:
        return None, f"too short ({len(body.split())} words)"
    return body, None


def priorities_in_words(framework: Framework, target: Target) -> str:
    """One line per target value, highest first: name (definition): importance."""
    lines = []
    for d in target.ranked():
        dimension = framework.dimension(d)
        words = importance(target.normalised(d))
        lines.append(f"- {dimension.name} ({dimension.definition.rstrip('.').lower()}): {words}")
    return "\n".join(lines)


_WRITER = system("You write short self-reflections: first-person memories that show who a "
                 "person is through what happened to them and what they learned.")  # fmt: skip


def proposal_messages(framework: Framework, target: Target, sample: int) -> list[Message]:
    area = LIFE_AREAS[sample % len(LIFE_AREAS)]
    return [_WRITER, user(
        f"Write one self-reflection for a person with these priorities:\n"
        f"{priorities_in_words(framework, target)}\n\n"
        f"It is a memory from their {area} that shaped them, in the first person, for example "
        "\"I grew up ... and learned that ...\". Show the priorities through what happened "
        f"and what they learned; do not name them. One or two sentences, at most {MAX_WORDS} "
        "words. Write only the reflection."
    )]  # fmt: skip


def compaction_messages(framework: Framework, target: Target, kept: list[Candidate],
                        sample: int) -> list[Message]:  # fmt: skip
    listed = "\n".join(f"{i}. (score {c.score:.2f}) {c.text}" for i, c in
                       enumerate(kept, start=1))  # fmt: skip
    task = (
        "Merge the strongest of them into one new reflection"
        if sample % 2 == 0 and len(kept) > 1
        else "Rewrite reflection 1 into a new one, more vivid"
    )
    return [_WRITER, user(
        f"Here are self-reflections of a person with these priorities:\n"
        f"{priorities_in_words(framework, target)}\n\n"
        "Each has a score: how strongly it made the person act on these priorities (higher "
        f"is better).\n{listed}\n\n"
        f"{task}, in fewer words: first person, one or two sentences, at most {MERGED_WORDS} "
        "words, the priorities shown through an experience, not named. Write only the "
        "reflection."
    )]  # fmt: skip


def compact_score(candidate: Candidate) -> float:
    """What ranks reflections for the kept set: evocativeness minus a per-word penalty."""
    return (candidate.score or 0.0) - LENGTH_PENALTY * len(candidate.text.split())


def keep_best(scored: list[Candidate], count: int) -> list[Candidate]:
    """The `count` best scored reflections by `compact_score` (earlier first on ties)."""
    ranked = sorted((c for c in scored if c.score is not None), key=lambda c: -compact_score(c))
    return ranked[:count]


@dataclass
class _Search:
    """The search's state, kept outside `search` so a budget stop can report it."""

    scored: list[Candidate] = field(default_factory=list)
    kept: list[Candidate] = field(default_factory=list)
    rounds_run: int = 0
    unreadable: int = 0


class IroteMethod:
    """Self-reflections optimised for evocativeness and compactness (module docstring)."""

    name: ClassVar[MethodName] = "irote"

    async def search(self, context: MethodContext) -> MethodOutcome:
        state = _Search()
        try:
            return await self._search(context, state)
        except BudgetExhausted:
            best = context.log.best()
            if best is None:
                raise
            stop = (f"the budget ran out in round {state.rounds_run}; the best candidate so "
                    f"far ({best.kind}, round {best.round}) is kept")  # fmt: skip
            notes = [COMPACTNESS_NOTE, stop]
            return MethodOutcome(reflections=best.reflections, score=best.score,
                                 rounds_run=state.rounds_run, stopped="budget",
                                 notes=notes)  # fmt: skip

    async def _search(self, context: MethodContext, state: _Search) -> MethodOutcome:
        settings = context.settings
        stopped: StopReason = "rounds"
        for round in range(1, settings.rounds + 1):
            state.rounds_run = round
            count = settings.candidates
            if state.kept:
                kind = "merged"
                asked = {i: compaction_messages(context.framework, context.target, state.kept, i)
                         for i in range(count)}  # fmt: skip
            else:  # the first round, or nothing readable yet: fresh proposals, new samples
                kind = "reflection"
                samples = range((round - 1) * count, round * count)
                asked = {i: proposal_messages(context.framework, context.target, i)
                         for i in samples}  # fmt: skip
            await self._evocativeness(context, state, round, kind, asked)
            kept = keep_best(state.scored, settings.reflections)
            if state.kept and {c.text for c in kept} == {c.text for c in state.kept}:
                stopped = "converged"
                break
            state.kept = kept
        if not state.kept:
            why = (f"no proposal gave a readable, scorable reflection ({state.unreadable} "
                   "unreadable): the artifact steers nothing")  # fmt: skip
            return MethodOutcome(rounds_run=state.rounds_run, stopped=stopped,
                                 notes=[COMPACTNESS_NOTE, why])  # fmt: skip
        reflections = [c.text for c in state.kept]
        text = reflections_text(reflections)
        if len(state.kept) == 1:  # the same text as its own candidate: the same responses
            scored = state.kept[0].responses
        else:
            scored = await context.evaluate(text, context.tasks)
        together = "the kept set together"
        final = context.candidate(state.rounds_run, "final", text, scored, reflections, together)
        notes = [COMPACTNESS_NOTE, f"{len(state.scored)} reflections scored, "
                 f"{state.unreadable} proposals unreadable"]  # fmt: skip
        single = max(state.kept, key=lambda c: c.score or 0.0)
        if final.score is not None and single.score is not None and single.score > final.score:
            notes.append(f"one kept reflection alone scored higher ({single.score:.3f}) than "
                         f"the set together ({final.score:.3f})")  # fmt: skip
        return MethodOutcome(reflections=reflections, score=final.score,
                             rounds_run=state.rounds_run, stopped=stopped, notes=notes)  # fmt: skip

    async def _evocativeness(self, context: MethodContext, state: _Search, round: int,
                             kind: str, asked: dict[int, list[Message]]) -> None:  # fmt: skip
        """Write a proposal per (sample index, prompt) in `asked`, parse it, score each new
        reflection."""
        seen = {c.text.lower() for c in state.scored}
        for sample, messages in asked.items():
            answer = await context.write(messages, PROPOSAL_TOKENS, sample=sample)
            reflection, why = parse_reflection(answer)
            if reflection is None:
                state.unreadable += 1
                context.candidate(round, kind, answer[:300], [],
                                  note=f"unreadable proposal: {why}")  # fmt: skip
                continue
            if reflection.lower() in seen:
                repeat = "a repeat of an earlier reflection (not rescored)"
                context.candidate(round, kind, reflection, [], [reflection], note=repeat)
                continue
            seen.add(reflection.lower())
            scored = await context.evaluate(reflections_text([reflection]), context.tasks)
            words = f"{len(reflection.split())} words"
            candidate = context.candidate(round, kind, reflection, scored, [reflection], words)
            state.scored.append(candidate)
