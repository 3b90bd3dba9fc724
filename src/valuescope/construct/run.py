"""Running a construct loop in a folder and writing what it found.

manifest.json           the study's manifest (`engine.Study`): settings, status (a rerun
                        with other settings than `keep` and `max_calls` is refused; a
                        folder made before construct runs had a manifest is adopted
                        through its construct-config.json)
construct.json          settings, calls, per-round stats, the kept pairs with scores
                        and provenance (their history), notes
pairs.jsonl             every scored pair, kept or not, ranked by combined score
export/sft.jsonl        TRL conversational SFT records of the kept pairs
export/dpo.jsonl        TRL conversational DPO records (see `export.py`)
report.html             the page (`valuescope report`)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from valuescope.construct.config import ROLES, ConstructConfig
from valuescope.construct.export import rejected_answers, write_export
from valuescope.construct.loop import Constructor, Item, RoundStats, select
from valuescope.engine import RUNTIME_FIELDS, Study
from valuescope.models import CachedModel, Model
from valuescope.runs import Record

COMMAND = "construct"
LEGACY_CONFIG = "construct-config.json"
MAY_CHANGE = RUNTIME_FIELDS | {"keep", "max_calls"}
REPORT_FILE = "construct.json"
PAIRS_FILE = "pairs.jsonl"


class KeptItem(Item):
    rank: int
    rejected_answer: str | None = None
    rejected_source: str | None = None
    rejected_combined: float | None = None


class ConstructReport(Record):
    culture: str
    related: list[str]
    model: str
    generator: str
    judge: str
    raters: list[str]
    settings: dict[str, Any]
    calls: int
    """Requests counted against --max-calls (cached ones too)."""
    new_calls: int
    """Requests the cache did not answer (0 on a rerun of a finished run)."""
    calls_per_pair: int
    stopped: Literal["finished", "budget"]
    scored_pairs: int
    rounds: list[RoundStats]
    kept: list[KeptItem]
    exported: dict[str, int]
    dropped: list[dict[str, str]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


async def aconstruct(
    config: ConstructConfig,
    out: Path,
    generator: Model | None = None,
    raters: Model | None = None,
    judge: Model | None = None,
    command_line: str | None = None,
) -> ConstructReport:
    """Run (or resume, in the same `out`) the CAReDiO loop; see `construct.loop`. The three
    roles are opened by name from `config` (one model per distinct name), unless an API
    user passes their own `Model` for a role (put behind the cache)."""
    study = Study.open(COMMAND, config, out, model=config.model, seed=config.seed,
                       instrument=config.culture, may_change=MAY_CHANGE,
                       command_line=command_line, legacy=LEGACY_CONFIG)  # fmt: skip
    opened: dict[str, CachedModel] = {}

    def open_role(name: str, own: Model | None) -> CachedModel:
        if own is not None:
            return config.model_copy(update={"model": name}).open_model(own)
        if name not in opened:
            opened[name] = config.model_copy(update={"model": name}).open_model()
        return opened[name]

    models = [
        open_role(config.generator_name, generator),
        open_role(config.model, raters),
        open_role(config.judge_name, judge),
    ]
    try:
        loop = Constructor(config, *models)
        await loop.run()
        kept = select(loop.items, config.keep)
        unscored = sum(1 for i in loop.items if i.scores.combined is None)
        if unscored:
            loop.notes.append(
                f"{unscored} pair(s) have no combined score (every rater's or "
                "every judge rotation's answer invalid) and cannot be kept"
            )
        rejected = await rejected_answers(loop, kept) if loop.stopped == "finished" else {}
        exported = write_export(out, config.culture, kept, rejected)
    finally:
        for model in {id(m): m for m in models}.values():
            await model.aclose()
    ranks = {item.id: rank for rank, item in enumerate(kept, start=1)}
    ranked = sorted(
        loop.items,
        key=lambda i: (ranks.get(i.id, len(ranks) + 1), -(i.scores.combined or 0.0), i.id),
    )
    _atomic(
        out / PAIRS_FILE,
        "".join(
            json.dumps(
                {**i.model_dump(mode="json", exclude={"history"}), "kept": i.id in ranks},
                ensure_ascii=False,
            )
            + "\n"
            for i in ranked
        ),
    )
    report = ConstructReport(
        culture=config.culture,
        related=config.related,
        model=config.model,
        generator=config.generator_name,
        judge=config.judge_name,
        raters=[f"{r} from {config.culture}" for r in ROLES[: config.personas]],
        settings=config.model_dump(mode="json", exclude={"settings"}),
        calls=loop.caller.budget.spent,
        new_calls=loop.caller.new_calls,
        calls_per_pair=loop.scorer.calls_per_pair,
        stopped=loop.stopped,
        scored_pairs=len(loop.items),
        rounds=loop.rounds,
        kept=[_kept(item, rank, rejected.get(item.id)) for rank, item in enumerate(kept, 1)],
        exported=exported,
        dropped=loop.dropped,
        notes=loop.notes,
    )
    _atomic(out / REPORT_FILE, json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    study.finish()
    return report


def _kept(item: Item, rank: int, rejected: Any) -> KeptItem:
    extra = (
        {}
        if rejected is None
        else {
            "rejected_answer": rejected.answer,
            "rejected_source": rejected.source,
            "rejected_combined": rejected.scores.combined,
        }
    )
    return KeptItem(**item.model_dump(), rank=rank, **extra)
