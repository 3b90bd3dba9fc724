"""Does the `levels` method move the trait it names? Its calibration on a questionnaire.

Serapio-Garcia et al. (2025) check their shaping by giving the shaped model a personality
questionnaire and correlating the measured score with the intended level (Spearman's rho
per trait; their best models reach 0.94-0.98 on the Big Five). We do the same with the
framework's shipped Likert bank and the Likert instrument's own prompts and scoring:

- each item is asked once, as `measure` asks it under its first administration (options in
  ascending order, no system message of its own), with the level instruction in front
  (`SteeredModel`), and scored as `measure` scores it: the expected scale point under the
  model's distribution over the option labels, reversed for reverse-keyed items; an answer
  with less than `min_option_mass` on the options is invalid and left out (and counted);
- a dimension's measured score in one condition is the mean of its valid item scores;
- `items_per_dimension` takes that many of each dimension's items, alternating
  agreement-keyed and reverse-keyed ones in bank order (so that a model that agrees with
  everything does not look shaped); None takes them all.

Two designs, as in the paper:

- `single`: each dimension on its own, at each of the nine levels, the other dimensions
  unmentioned: 9 points per dimension, dimensions x 9 x items calls;
- `multi`: `profiles` instructions that set every given dimension at once, each to its own
  level; each dimension's levels over the profiles run through 1..9 (a full cycle per nine
  profiles, the rest drawn without repeats), shuffled independently per dimension with
  `seed`, so the levels are spread and not tied across dimensions; rho per dimension over
  the profiles: profiles x dimensions x items calls.

Not implemented: the paper's several administrations and paraphrases per item, and its
convergent/discriminant checks against other traits; one administration keeps the cost at
what a CI run can afford (option-order bias is the same at every level, so it shifts the
scores but does not make a correlation).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel

from valuescope.frameworks import Framework
from valuescope.instruments.likert import (
    Condition,
    Item,
    ItemBank,
    MeasureConfig,
    build_messages,
    labels_for,
    load_instrument,
    score_choice,
)
from valuescope.models import CachedModel
from valuescope.steering.artifact import SteeringArtifact
from valuescope.steering.methods.levels import LEVELS, levels_instruction
from valuescope.steering.model import SteeredModel
from valuescope.steering.targets import Target, TargetError

Design = Literal["single", "multi"]
LEVELS_FILE = "levels.json"
CONDITION = Condition(order="asc", framing="none")
PAPER_NOTE = (
    "Serapio-Garcia et al. (Nature Machine Intelligence 2025) report Spearman rho 0.94-0.98 "
    "between intended level and measured score for the Big Five on their best models "
    "(Flan-PaLM 540B and similar), single-trait shaping; small models shape far worse."
)


class CalibrationPoint(BaseModel):
    """One dimension under one instruction: its intended level and measured score."""

    level: int
    score: float | None
    """Mean of the valid item scores on the bank's scale; None when no answer was valid."""
    answered: int
    invalid: int
    profile: int | None = None
    """The multi design's profile index (None in the single design)."""


class DimensionCalibration(BaseModel):
    dimension: str
    rho: float | None
    """Spearman's rho between intended level and measured score (None: see `reason`)."""
    p: float | None
    n: int
    """Points with a score (the ones the correlation uses)."""
    reason: str | None = None
    points: list[CalibrationPoint]


class LevelsCalibration(BaseModel):
    """The calibration of the `levels` method on one model (`levels.json`)."""

    model: str
    framework: str
    instrument: str
    design: Design
    items_per_dimension: int | None
    items: dict[str, list[str]]
    """The item ids asked per dimension."""
    profiles: int | None
    seed: int
    min_option_mass: float
    condition: str
    dimensions: dict[str, DimensionCalibration]
    calls: int
    """Choose requests asked (cached or not)."""
    backend_calls: int
    cache_hits: int
    invalid_answers: int
    note: str = PAPER_NOTE

    def summary(self) -> list[str]:
        """`openness: rho 0.93 (p 0.0003, n 9)` per dimension."""
        lines = []
        for d, result in self.dimensions.items():
            if result.rho is None:
                lines.append(f"{d}: rho undefined ({result.reason}), n {result.n}")
            else:
                lines.append(f"{d}: rho {result.rho:.3f} (p {result.p:.3g}, n {result.n})")
        return lines


def spearman(levels: list[int], scores: list[float]) -> tuple[float | None, float | None,
                                                               str | None]:  # fmt: skip
    """(rho, p, None), or (None, None, why) where rho is undefined."""
    if len(scores) < 3:
        return None, None, f"only {len(scores)} scored point(s); rho needs at least 3"
    if np.ptp(scores) < 1e-12:
        return None, None, "the measured score is the same at every level: the model ignored it"
    if len(set(levels)) < 2:
        return None, None, "every point has the same intended level"
    from scipy.stats import spearmanr

    result = spearmanr(levels, scores)
    return float(result.statistic), float(result.pvalue), None


def pick_items(bank: ItemBank, dimension: str, count: int | None) -> list[Item]:
    """`count` items of `dimension`, agreement- and reverse-keyed in turn (bank order)."""
    items = bank.for_dimension(dimension)
    if count is None:
        return items
    positive = [i for i in items if i.polarity == 1]
    negative = [i for i in items if i.polarity == -1]
    interleaved = [i for pair in zip(positive, negative, strict=False) for i in pair]
    rest = [i for i in items if i not in interleaved]
    return (interleaved + rest)[:count]


def profile_levels(dimensions: list[str], profiles: int, seed: int) -> list[dict[str, int]]:
    """The multi design's level combinations (see the module docstring)."""
    rng = np.random.default_rng(seed)
    columns: dict[str, list[int]] = {}
    for d in dimensions:
        column = list(LEVELS) * (profiles // len(LEVELS))
        extra = rng.choice(len(LEVELS), profiles % len(LEVELS), replace=False) + 1
        column += [int(level) for level in extra]
        rng.shuffle(column)
        columns[d] = column
    return [{d: columns[d][k] for d in dimensions} for k in range(profiles)]


def _resolve(framework: Framework, names: list[str] | None) -> list[str]:
    if names is None:
        return list(framework.ids)
    resolved = [framework.resolve(n) for n in names]
    unknown = [n for n, d in zip(names, resolved, strict=True) if d is None]
    if unknown:
        raise TargetError(f"{', '.join(unknown)}: not dimension(s) of {framework.id}; "
                          f"known: {', '.join(framework.ids)}")  # fmt: skip
    return [d for d in resolved if d is not None]


async def calibrate_levels(
    model: CachedModel,
    framework: str,
    dimensions: list[str] | None = None,
    *,
    design: Design = "single",
    items_per_dimension: int | None = None,
    profiles: int = 18,
    seed: int = 0,
    items: str | None = None,
    min_option_mass: float = 0.25,
    concurrency: int = 1,
) -> LevelsCalibration:
    """Measure `dimensions` (None = all) of `framework` under the level instructions.

    `model` is the bare subject; `items` names another shipped bank or an instrument file
    (None = the framework's own bank); `concurrency` is requests in flight (1 keeps the
    embedded model's prompt cache warm; a server takes more)."""
    config = MeasureConfig(model=model.name, framework=framework, items=items)
    fw, bank = load_instrument(config)
    dims = _resolve(fw, dimensions)
    asked = {d: pick_items(bank, d, items_per_dimension) for d in dims}
    empty = [d for d, chosen in asked.items() if not chosen]
    if empty:
        raise ValueError(f"the bank {bank.id} has no items for {', '.join(empty)}")
    cells: list[tuple[dict[str, int], str, int | None]]
    if design == "single":
        cells = [({d: level}, d, None) for d in dims for level in LEVELS]
    else:
        cells = [(levels, d, k) for k, levels in enumerate(profile_levels(dims, profiles, seed))
                 for d in dims]  # fmt: skip
    labels = labels_for(bank.scale)
    gate = asyncio.Semaphore(max(1, concurrency))
    before = model.usage.model_copy()

    async def score(levels: dict[str, int], item: Item) -> float | None:
        target = Target(framework=fw.id, priorities={d: float(v) for d, v in levels.items()},
                        scale=(1.0, 9.0))  # fmt: skip
        artifact = SteeringArtifact(method="levels", framework=fw.id, target=target,
                                    instruction=levels_instruction(fw, levels))  # fmt: skip
        messages = build_messages(item, bank.scale, CONDITION)
        async with gate:
            choice = await SteeredModel(model, artifact).choose(messages, labels)
        sample = score_choice(item, bank.scale, CONDITION, messages, choice, min_option_mass)
        return sample.score if sample.valid else None

    jobs = [score(levels, item) for levels, d, _ in cells for item in asked[d]]
    answers = iter(await asyncio.gather(*jobs))
    points: dict[str, list[CalibrationPoint]] = {d: [] for d in dims}
    for levels, d, profile in cells:
        scores = [next(answers) for _ in asked[d]]
        valid = [s for s in scores if s is not None]
        points[d].append(CalibrationPoint(
            level=levels[d], score=sum(valid) / len(valid) if valid else None,
            answered=len(valid), invalid=len(scores) - len(valid), profile=profile,
        ))  # fmt: skip
    results = {}
    for d, dim_points in points.items():
        scored = [p for p in dim_points if p.score is not None]
        rho, p, reason = spearman([x.level for x in scored], [x.score or 0.0 for x in scored])
        results[d] = DimensionCalibration(dimension=d, rho=rho, p=p, n=len(scored),
                                          reason=reason, points=dim_points)  # fmt: skip
    after = model.usage
    return LevelsCalibration(
        model=model.identity, framework=fw.id, instrument=bank.id, design=design,
        items_per_dimension=items_per_dimension, items={d: [i.id for i in asked[d]] for d in dims},
        profiles=profiles if design == "multi" else None, seed=seed,
        min_option_mass=min_option_mass, condition=CONDITION.id, dimensions=results,
        calls=len(jobs), backend_calls=after.model_calls - before.model_calls,
        cache_hits=after.cache_hits - before.cache_hits,
        invalid_answers=sum(p.invalid for ps in points.values() for p in ps),
    )  # fmt: skip


def write_calibration(path: Path, result: LevelsCalibration) -> Path:
    """Write `result` to `path` (a `.json` file, or a folder that gets `levels.json`)."""
    target = path if path.suffix == ".json" else path / LEVELS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return target
