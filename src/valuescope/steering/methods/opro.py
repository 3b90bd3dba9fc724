"""OPRO: a language model as the optimiser of an instruction (Yang et al., "Large Language
Models as Optimizers", ICLR 2024), the generic search a user would pick instead of a
value-specific method.

How it runs here:

1. The seed is the plain value instruction (`baselines.value_instruction`), scored like
   every candidate: the subject answers the optimisation tasks greedily with it in front,
   the judge scores each answer, and the score is the mean *conformity* (OPRO optimises
   the task metric directly; ours is how closely the judge finds each target value as
   present as its priority asks, `objective.conformity`).
2. Each round the optimiser gets a meta-prompt: the target in words, the best instructions
   so far with their scores on a 0-100 scale in ascending order (OPRO's trajectory: the
   best last, nearest to what it writes), a few of the task requests (OPRO's exemplars),
   and the request for a new, better instruction between `<INS>` and `</INS>`. It writes
   `settings.candidates` proposals (sampled, distinct sample indices), each read
   (`_proposals.parse_instruction`), scored on the tasks and logged; an unreadable one is
   logged unscored with the reason.
3. The search stops after `settings.rounds` rounds, or early ("converged") after a round
   whose proposals score no higher than the best before it, or when `--max-calls` is
   spent ("budget"); the best candidate so far, seed included, is the outcome.

Differences from the paper, said plainly: the trajectory holds at most
`TRAJECTORY_SIZE` instructions (the paper's 20) and fewer when their text would pass
`TRAJECTORY_CHARS` (the lowest-scored drop out first), so the meta-prompt fits a small
model's context; the paper samples 8 proposals per step at temperature 1 for up to 200
steps, we take `--candidates` at `settings.temperature` for `--rounds` rounds, and stop at
the first round without progress, which the paper does not.
"""

from __future__ import annotations

from typing import ClassVar

from valuescope.models import Message, user
from valuescope.steering.artifact import MethodName
from valuescope.steering.methods._proposals import (
    INS_CLOSE,
    INS_OPEN,
    best_of,
    clip,
    finish,
    improves,
    propose,
    target_in_words,
)
from valuescope.steering.methods.baselines import value_instruction
from valuescope.steering.search import (
    BudgetExhausted,
    Candidate,
    MethodContext,
    MethodOutcome,
    StopReason,
)

TRAJECTORY_SIZE = 20
TRAJECTORY_CHARS = 4000
EXEMPLARS = 3
"""Task requests shown to the optimiser."""


def trajectory(candidates: list[Candidate]) -> list[Candidate]:
    """The best distinct scored instructions, at most `TRAJECTORY_SIZE` and
    `TRAJECTORY_CHARS` of text, sorted by score ascending (the best last)."""
    distinct: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.score is not None and candidate.text not in distinct:
            distinct[candidate.text] = candidate
    kept: list[Candidate] = []
    length = 0
    for candidate in sorted(distinct.values(), key=lambda c: -(c.score or 0.0)):
        if len(kept) == TRAJECTORY_SIZE or (kept and length + len(candidate.text) >
                                            TRAJECTORY_CHARS):  # fmt: skip
            break
        kept.append(candidate)
        length += len(candidate.text)
    return sorted(kept, key=lambda c: c.score or 0.0)


def percent(score: float | None) -> int:
    """A conformity in [0, 1] as OPRO's 0-100 score."""
    return round(100 * (score or 0.0))


def meta_prompt(context: MethodContext, candidates: list[Candidate]) -> list[Message]:
    """The optimiser's request (see the module docstring)."""
    previous = "\n\n".join(f"text:\n{c.text}\nscore:\n{percent(c.score)}"
                           for c in trajectory(candidates))  # fmt: skip
    exemplars = "\n".join(f"- {clip(t.prompt, 200)}" for t in context.tasks[:EXEMPLARS])
    return [user(
        "Your task is to write an instruction for an AI assistant. The instruction is placed "
        "before every request the assistant receives, and it should make the assistant's "
        "answers show these values, each as much as it matters:\n"
        f"{target_in_words(context.framework, context.target)}\n\n"
        "Below are previous instructions with their scores. The score ranges from 0 to 100 "
        "(how closely a judge finds the values in the answers as much as they matter); "
        "higher is better.\n\n"
        f"{previous}\n\n"
        f"Here are some of the requests the assistant answers:\n{exemplars}\n\n"
        "Write a new instruction that is different from all the instructions above and has "
        "a higher score than all of them. It should be concise, effective and apply to every "
        f"request. Write the instruction between {INS_OPEN} and {INS_CLOSE}."
    )]  # fmt: skip


class OproMethod:
    """OPRO's instruction search scored by the judge's conformity (module docstring)."""

    name: ClassVar[MethodName] = "opro"

    async def search(self, context: MethodContext) -> MethodOutcome:
        seed = value_instruction(context.framework, context.target)
        candidates: list[Candidate] = []
        seen: dict[str, Candidate] = {}
        rounds_run = 0
        stopped: StopReason = "rounds"
        try:
            scored = await context.evaluate(seed, context.tasks)
            seen[seed] = context.candidate(0, "seed", seed, scored, use="conformity")
            candidates.append(seen[seed])
            for round in range(1, context.settings.rounds + 1):
                before = best_of(candidates)
                new = await propose(context, meta_prompt(context, candidates), round,
                                    "proposal", seen, use="conformity")  # fmt: skip
                candidates.extend(new)
                rounds_run = round
                if not improves(best_of(new), before):
                    stopped = "converged"
                    break
        except BudgetExhausted:
            stopped = "budget"
        return finish(context, candidates, rounds_run, stopped, "mean judge conformity")
