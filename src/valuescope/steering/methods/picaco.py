"""PICACO: one pluralistic meta-instruction for several values at once, found by an EM-like
loop over an aligned and a noisy pool of responses (arXiv 2507.16679; docs/guide/steering.md).

The objective of one response is `ScoredResponse.objective` (`objective.py`): the mean
over the target values of the judge's log-probability that the value is present as much as
its priority asks, minus a penalty for *parroting* (reciting the values' own words) beyond
what the bare model does on the same task. It stands for the paper's total correlation
between the values and the response.

The loop, starting from e_0 = the plain value instruction (`baselines.value_instruction`):

- E step (round t): the responses under the current instruction e_t to the optimisation
  tasks (greedy, so they are the ones e_t was scored on, not asked again); the top
  `settings.aligned_pool` by objective join the *aligned pool*. From the bare model's
  responses to the same tasks the `settings.noisy_pool` noisiest join the *noisy pool*:
  the lowest value log-likelihood minus the parroting penalty counted from zero, that is
  the most parroting and least conforming. Pools grow across rounds; a text enters once,
  and never both pools (an instruction with no effect gives the bare model's own texts,
  which then count as aligned).
- M step: the optimiser sees the target in words, the current instruction, and examples
  drawn from the pools (seeded by the run's seed and the round): "answers that act on the
  values" (aligned) against "answers that ignore the values or only name them" (noisy),
  and writes `settings.candidates` new instructions between `<INS>` and `</INS>`.
- Each proposal is scored by the mean objective of the subject's own responses to the
  optimisation tasks under it; the best replaces e_t if it scores higher, otherwise e_t
  stays and the search stops ("converged": the instruction stopped changing). At most
  `settings.rounds` rounds; `--max-calls` may stop it first ("budget").

Where this departs from the paper, honestly: PICACO scores a proposal by how well it
explains the pools, a likelihood of the aligned responses (and not the noisy ones) given
the instruction. Servers give no cheap likelihood of a long given text, so we score a
proposal by the E-step objective of the responses it produces itself. The paper samples
new bare responses every round (~50 tasks, ~15 noisy); ours are greedy, one per task, so
the noisy pool grows by the next-noisiest bare responses until none are left. The
parroting term is lexical (see `objective.py`), not a second model's similarity.

The pools are kept in `pools.json` beside `candidates.jsonl`, rewritten after every E step.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field

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
from valuescope.steering.objective import PARROTING_WEIGHT
from valuescope.steering.search import (
    BudgetExhausted,
    Candidate,
    MethodContext,
    MethodOutcome,
    ScoredResponse,
    StopReason,
)

POOLS_FILE = "pools.json"
EXAMPLE_CHARS = 400
REQUEST_CHARS = 200


class PoolEntry(BaseModel):
    """One response in a pool, with where it came from and its measures."""

    round: int
    task_id: str
    text: str
    instruction: str | None
    """The instruction it was written under (None: the bare model)."""
    objective: float | None = None
    loglik: float | None = None
    parroting: float | None = None


def noisiness(response: ScoredResponse) -> float:
    """Lower is noisier: the value log-likelihood minus the parroting penalty counted from
    zero (not from the bare response, which is this response itself)."""
    return (response.loglik or 0.0) - PARROTING_WEIGHT * (response.parroting or 0.0)


class Pools(BaseModel):
    """The aligned and noisy pools (see the module docstring)."""

    aligned: list[PoolEntry] = Field(default_factory=list)
    noisy: list[PoolEntry] = Field(default_factory=list)

    def texts(self) -> set[str]:
        return {e.text for e in (*self.aligned, *self.noisy)}

    def grow(self, round: int, instruction: str, responses: Sequence[ScoredResponse],
             bare: Sequence[ScoredResponse], aligned: int, noisy: int) -> None:  # fmt: skip
        """The E step's additions: the top `aligned` of `responses` by objective, then the
        `noisy` noisiest of `bare`; texts already in either pool are skipped."""
        fresh = [r for r in responses if r.valid and r.objective is not None and r.text]
        for r in self._new(sorted(fresh, key=lambda r: -(r.objective or 0.0)), aligned):
            self.aligned.append(_entry(round, r, instruction))
        readable = [r for r in bare if r.valid and r.loglik is not None and r.text]
        for r in self._new(sorted(readable, key=noisiness), noisy):
            self.noisy.append(_entry(round, r, None))

    def _new(self, ranked: list[ScoredResponse], count: int) -> list[ScoredResponse]:
        taken = self.texts()
        picked: list[ScoredResponse] = []
        for response in ranked:
            if len(picked) == count:
                break
            if response.text not in taken:
                taken.add(response.text)
                picked.append(response)
        return picked

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=1) + "\n", "utf-8")


def _entry(round: int, response: ScoredResponse, instruction: str | None) -> PoolEntry:
    return PoolEntry(round=round, task_id=response.task_id, text=response.text,
                     instruction=instruction, objective=response.objective,
                     loglik=response.loglik, parroting=response.parroting)  # fmt: skip


def _examples(context: MethodContext, entries: list[PoolEntry], count: int,
              draw: random.Random) -> str:  # fmt: skip
    prompts = {t.id: t.prompt for t in context.tasks}
    shown = draw.sample(entries, min(count, len(entries)))
    return "\n\n".join(
        f"Request: {clip(prompts.get(e.task_id, ''), REQUEST_CHARS)}\n"
        f"Answer: {clip(e.text, EXAMPLE_CHARS)}" for e in shown
    ) or "(none yet)"  # fmt: skip


def meta_prompt(context: MethodContext, current: str, pools: Pools, round: int) -> list[Message]:
    """The M step's request to the optimiser (see the module docstring)."""
    draw = random.Random(context.seed * 1000 + round)
    aligned = _examples(context, pools.aligned, context.settings.aligned_pool, draw)
    noisy = _examples(context, pools.noisy, context.settings.noisy_pool, draw)
    return [user(
        "You write meta-instructions: a text placed before every request an AI assistant "
        "receives, which shapes how it answers. Its answers should show these values, each "
        f"as much as it matters:\n{target_in_words(context.framework, context.target)}\n\n"
        f"Answers that act on the values (what we want):\n\n{aligned}\n\n"
        f"Answers that ignore the values or only name them (what we do not want):\n\n{noisy}"
        f"\n\nThe current instruction is:\n{current}\n\n"
        "Write one new instruction that would make the assistant answer like the first kind "
        "and not like the second: acting on the values in what it advises and decides, "
        f"without reciting them. Write the instruction between {INS_OPEN} and {INS_CLOSE}."
    )]  # fmt: skip


def pools_path(context: MethodContext) -> Path:
    return context.log.path.parent / POOLS_FILE


class PicacoMethod:
    """PICACO's EM loop over aligned and noisy pools (module docstring)."""

    name: ClassVar[MethodName] = "picaco"

    async def search(self, context: MethodContext) -> MethodOutcome:
        seed = value_instruction(context.framework, context.target)
        candidates: list[Candidate] = []
        seen: dict[str, Candidate] = {}
        pools = Pools()
        rounds_run = 0
        stopped: StopReason = "rounds"
        try:
            scored = await context.evaluate(seed, context.tasks)
            current = seen[seed] = context.candidate(0, "seed", seed, scored)
            candidates.append(current)
            for round in range(1, context.settings.rounds + 1):
                bare = await context.bare_responses()
                pools.grow(round, current.text, current.responses, bare,
                           context.settings.aligned_pool, context.settings.noisy_pool)  # fmt: skip
                pools.save(pools_path(context))
                new = await propose(context, meta_prompt(context, current.text, pools, round),
                                    round, "proposal", seen, use="objective")  # fmt: skip
                candidates.extend(new)
                rounds_run = round
                best = best_of(new)
                if best is None or not improves(best, current):
                    stopped = "converged"
                    break
                current = best
        except BudgetExhausted:
            stopped = "budget"
        pools.save(pools_path(context))
        note = (f"pools: {len(pools.aligned)} aligned, {len(pools.noisy)} noisy responses "
                f"({POOLS_FILE})")  # fmt: skip
        return finish(context, candidates, rounds_run, stopped, "mean PICACO objective",
                      notes=[note])  # fmt: skip
