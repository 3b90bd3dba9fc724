"""The kept pairs as training data, in the formats the steering export writes (TRL's
conversational SFT `messages` and DPO `prompt`/`chosen`/`rejected`; see
`steering/export.py`).

- `sft.jsonl`: one record per kept pair: the question as the user turn, the refined answer
  as the assistant turn (no system prompt: the culture is what the data teaches).
- `dpo.jsonl`: chosen = the kept answer; rejected = a weaker answer to the same question:
  the answer that an accepted answer refinement replaced (`rejected_source: "replaced"`),
  else an answer the generator writes as a typical person of a related culture
  (`"related:C1"`, the related cultures taken in turn), scored like every pair. A record is
  written only when the chosen answer's combined score is higher than the rejected one's
  (a pair the other way round would teach the opposite).

Extra fields (`culture`, `item_id`, the scores) are ignored by TRL's trainers.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from valuescope.construct.loop import Constructor, Item, Step
from valuescope.construct.prompts import answer_messages, parse_answer
from valuescope.construct.scoring import Scores
from valuescope.steering.export import DPO_FILE, EXPORT_DIR, SFT_FILE, turn, write_records
from valuescope.steering.search import BudgetExhausted

__all__ = ["DPO_FILE", "EXPORT_DIR", "SFT_FILE", "Rejected", "rejected_answers", "write_export"]


class Rejected(BaseModel):
    answer: str
    source: str
    scores: Scores


async def rejected_answers(loop: Constructor, kept: list[Item]) -> dict[str, Rejected]:
    """item id -> the weaker answer for its DPO record (see the module docstring). Related-
    culture answers cost 1 + personas + cultures calls each; the budget may stop them."""
    config = loop.config
    out: dict[str, Rejected] = {}
    try:
        for rank, item in enumerate(kept):
            if item.replaced_answer is not None and item.replaced_scores is not None:
                out[item.id] = Rejected(
                    answer=item.replaced_answer, source="replaced", scores=item.replaced_scores
                )
                continue
            other = config.related[rank % len(config.related)]
            raw = await loop.caller.generate(
                loop.generator, answer_messages(other, item.question), config.max_tokens
            )
            answer = parse_answer(raw)
            step = Step(
                round=config.rounds + 1,
                kind="related",
                question=item.question,
                answer=answer,
                note=f"answer as a person of {other}",
            )
            item.history.append(step)
            if answer is None:
                step.note = f"unreadable: {raw!r}"
                continue
            step.scores = await loop.scorer.score(item.question, answer)
            out[item.id] = Rejected(answer=answer, source=f"related:{other}", scores=step.scores)
    except BudgetExhausted as exhausted:
        loop.stopped = "budget"
        loop.notes.append(
            f"--max-calls ({exhausted}) stopped the related-culture answers "
            f"after {len(out)} of {len(kept)} DPO pairs"
        )
    return out


def _scores(prefix: str, scores: Scores) -> dict[str, object]:
    return {
        f"{prefix}representativeness": scores.representativeness,
        f"{prefix}distinctiveness": scores.distinctiveness,
        f"{prefix}combined": scores.combined,
    }


def training_records(
    culture: str, kept: list[Item], rejected: dict[str, Rejected]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(SFT records, DPO records) for the kept pairs."""
    sft: list[dict[str, object]] = []
    dpo: list[dict[str, object]] = []
    for item in kept:
        prompt, chosen = turn("user", item.question), turn("assistant", item.answer)
        sft.append(
            {
                "messages": [prompt, chosen],
                "culture": culture,
                "item_id": item.id,
                **_scores("", item.scores),
            }
        )
        weaker = rejected.get(item.id)
        if (
            weaker is None
            or weaker.scores.combined is None
            or item.scores.combined is None
            or item.scores.combined <= weaker.scores.combined
        ):
            continue
        dpo.append(
            {
                "prompt": [prompt],
                "chosen": [chosen],
                "rejected": [turn("assistant", weaker.answer)],
                "culture": culture,
                "item_id": item.id,
                "rejected_source": weaker.source,
                **_scores("chosen_", item.scores),
                **_scores("rejected_", weaker.scores),
            }
        )
    return sft, dpo


def write_export(
    out: Path, culture: str, kept: list[Item], rejected: dict[str, Rejected]
) -> dict[str, int]:
    sft, dpo = training_records(culture, kept, rejected)
    return write_records(out / EXPORT_DIR, {SFT_FILE: sft, DPO_FILE: dpo})
