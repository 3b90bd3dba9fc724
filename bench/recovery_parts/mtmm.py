"""Part (b), MTMM: does `valuescope validity` find the convergent and discriminant structure
the design put in, and nothing where there is none?

Through `valuescope validity` (`run_validity`: both instruments measured on the same
respondents, then `stats.mtmm`). Structured: the shipped `bigfive` bank (9 items per trait,
5-point agreement) against the shipped `bigfive_short` (4 behaviour items per trait, 7
points; the sim reads a framework's other shipped banks as the same latent traits), traits
correlated 0.2. Per trait the convergent r (with its Fisher-z CI) against its population
value, and the discriminant gap (mean convergent r - mean |heterotrait-heteromethod r|,
bootstrap CI). Control: `bigfive` against a short 7-point bank written here (framework
`bigfive_b`: the Big Five under another id) whose dimensions the design aliases to five
other latent traits (`dimension_aliases` `bigfive_b.<dim>: other_<dim>`; aliases apply per
framework, so `bigfive_short` itself cannot be cut loose from `bigfive`), so it measures
something unrelated: convergent r ~0 and a gap near its null value (about -0.10 at 60
respondents, not 0: the mean |r| of correlations that are truly 0 is positive in a sample).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from valuescope.frameworks import load_framework
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.runs import RunStore
from valuescope.sim import ItemParameters, SimModel
from valuescope.stats import CIStat
from valuescope.validity import ConstructValidityConfig, run_validity

from .common import (
    BIG_FIVE,
    Matrix,
    _covers,
    _value,
    by_dimension,
    engine_vs_direct,
    expected_scores,
    persona_texts,
    replicate,
    write_design,
)

MTMM_DESIGN: dict[str, Any] = {
    "seed": 3,
    "frameworks": ["bigfive"],
    "frameworks_dir": "frameworks",
    "item_files": [{"path": "bank_b.yaml", "framework": "bigfive_b"}],
    "trait_correlation": 0.2,
}
CONTROL_ALIASES = {f"bigfive_b.{d}": f"other_{d}" for d in BIG_FIVE}

BANK_B_ITEMS = {
    "openness": [
        ("I get excited about learning how unfamiliar things work.", 1),
        ("I often daydream about inventions and stories.", 1),
        ("I have little interest in museums or galleries.", -1),
        ("New ideas make me uneasy.", -1),
    ],
    "conscientiousness": [
        ("I finish my tasks before I allow myself to relax.", 1),
        ("My desk and my files are kept in good order.", 1),
        ("I often forget appointments and deadlines.", -1),
        ("I leave chores half done.", -1),
    ],
    "extraversion": [
        ("I feel energised after an evening in a crowd.", 1),
        ("I start conversations with strangers easily.", 1),
        ("I would rather spend a weekend alone than at a gathering.", -1),
        ("I rarely speak up in group discussions.", -1),
    ],
    "agreeableness": [
        ("I go out of my way to help people in trouble.", 1),
        ("I assume the best about the intentions of others.", 1),
        ("I enjoy winning arguments even when it hurts someone.", -1),
        ("Other people's problems are not my concern.", -1),
    ],
    "neuroticism": [
        ("Small setbacks can ruin my whole day.", 1),
        ("I often feel tense for no clear reason.", 1),
        ("I stay relaxed under pressure.", -1),
        ("My mood is steady from one day to the next.", -1),
    ],
}
BANK_B_SCALE = {
    "points": 7,
    "stem": "How accurately does the statement describe you?",
    "anchors": [
        "Very inaccurate",
        "Moderately inaccurate",
        "Slightly inaccurate",
        "Neither accurate nor inaccurate",
        "Slightly accurate",
        "Moderately accurate",
        "Very accurate",
    ],
}


def write_bank_b(folder: Path) -> None:
    """`frameworks/bigfive_b.yaml` (the Big Five under another id) and `bank_b.yaml`."""
    frameworks = folder / "frameworks"
    frameworks.mkdir(exist_ok=True)
    framework = load_framework("bigfive").model_copy(
        update={"id": "bigfive_b", "name": "Big Five (second instrument)"}
    )
    (frameworks / "bigfive_b.yaml").write_text(
        yaml.safe_dump(framework.model_dump(mode="json"), sort_keys=False), encoding="utf-8"
    )
    items = [
        {"id": f"{dim[:2]}{k + 1}", "dimension": dim, "polarity": polarity, "text": text}
        for dim, rows in BANK_B_ITEMS.items()
        for k, (text, polarity) in enumerate(rows)
    ]
    bank = {
        "id": "bank_b",
        "framework": "bigfive_b",
        "description": "A short Big Five bank on a 7-point scale (bench/recovery.py).",
        "scale": BANK_B_SCALE,
        "items": items,
    }
    (folder / "bank_b.yaml").write_text(yaml.safe_dump(bank, sort_keys=False), encoding="utf-8")


@dataclass
class MTMMArm:
    """One condition of part (b): structured (same traits) or control (unrelated)."""

    name: str
    population_r: dict[str, float]
    population_gap: float
    r: list[dict[str, CIStat]] = field(default_factory=list)
    gap: list[CIStat] = field(default_factory=list)

    def mean_r(self, trait: str) -> float:
        return float(np.mean([_value(rep[trait]) for rep in self.r]))

    def r_coverage(self, trait: str) -> int:
        return sum(_covers(rep[trait], self.population_r[trait]) for rep in self.r)

    def mean_gap(self) -> float:
        return float(np.mean([_value(g) for g in self.gap]))

    def gap_coverage(self) -> int:
        return sum(_covers(g, self.population_gap) for g in self.gap)


@dataclass
class MTMMRecovery:
    respondents: int
    population_size: int
    arms: list[MTMMArm]
    engine_vs_direct: float = math.nan


def scale_scores(scores: Matrix, parameters: Sequence[ItemParameters]) -> dict[str, Matrix]:
    """Dimension -> each respondent's scale score (mean of the dimension's item scores)."""
    return {d: scores[:, cols].mean(axis=1) for d, cols in by_dimension(parameters).items()}


def _population_mtmm(
    model: SimModel, population: int, b_bank: str
) -> tuple[dict[str, float], float]:
    who = persona_texts("pop", population)
    a_items, a_scores = expected_scores(model, who, "bigfive")
    b_items, b_scores = expected_scores(model, who, b_bank)
    a, b = scale_scores(a_scores, a_items), scale_scores(b_scores, b_items)
    r = np.array([[np.corrcoef(a[i], b[j])[0, 1] for j in BIG_FIVE] for i in BIG_FIVE])
    off = ~np.eye(len(BIG_FIVE), dtype=bool)
    convergent = {t: float(r[k, k]) for k, t in enumerate(BIG_FIVE)}
    return convergent, float(np.diag(r).mean() - np.abs(r[off]).mean())


MTMM_ARMS: dict[str, tuple[str, dict[str, Any]]] = {
    "structured": ("bigfive_short", {}),
    "control": ("bank_b.yaml", {"dimension_aliases": CONTROL_ALIASES}),
}
"""Arm -> (instrument B: the sim's bank key, a shipped bank id or the file; design extras)."""


def mtmm_recovery(
    work: Path,
    replications: int,
    respondents: int,
    population: int,
    progress: Callable[[str], None] | None = None,
) -> MTMMRecovery:
    """Part (b): see the module docstring. Each replication is one `valuescope validity`
    study per arm (`run_validity`: A and B measured on the same respondents, `stats.mtmm`)."""
    folder = work / "mtmm"
    folder.mkdir(parents=True, exist_ok=True)
    write_bank_b(folder)
    arms: list[MTMMArm] = []
    for name, (b_bank, extra) in MTMM_ARMS.items():
        path = write_design(
            folder / f"design_{name}_pop.yaml", {**MTMM_DESIGN, **extra, "personas": ["x"]}
        )
        model = SimModel.from_file(path, personas=persona_texts("pop", population))
        arms.append(MTMMArm(name, *_population_mtmm(model, population, b_bank)))
    result = MTMMRecovery(respondents, population, arms, engine_vs_direct=0.0)
    for r, personas in replicate(folder, "b", replications, respondents, progress):
        for arm in arms:
            b_bank, extra = MTMM_ARMS[arm.name]
            path = write_design(
                folder / f"design_{arm.name}_{r:03d}.yaml",
                {**MTMM_DESIGN, **extra, "personas": personas.name},
            )
            is_file = b_bank.endswith(".yaml")
            config = ConstructValidityConfig(
                model=f"sim:{path}",
                instruments=["bigfive", str(folder / b_bank) if is_file else b_bank],
                frameworks_dir=str(folder / "frameworks") if is_file else None,
                personas=respondents,
                personas_file=str(personas),
                paraphrases=0,
                use_cache=False,
                seed=r,
            )
            out = folder / f"validity_{arm.name}"
            found = run_validity(config, out).results.mtmm
            arm.r.append({c.trait: c.r for c in found.convergent})
            arm.gap.append(found.discriminant_gap)
            if r == 0:
                model = SimModel.from_file(path)
                a_dir, b_dir = sorted(out.glob("measure-*"))
                result.engine_vs_direct = max(
                    result.engine_vs_direct,
                    engine_vs_direct(_read_samples(a_dir), model, personas, "bigfive"),
                    engine_vs_direct(_read_samples(b_dir), model, personas, b_bank),
                )
            shutil.rmtree(out)
    return result


def _read_samples(directory: Path) -> list[LikertSample]:
    return RunStore.open_existing(directory).read_samples(LikertSample)


def print_mtmm(rec: MTMMRecovery) -> None:
    n_rep = len(rec.arms[0].r)
    print(
        f"(b) MTMM (valuescope validity): {n_rep} replications x {rec.respondents} respondents; "
        f"population = {rec.population_size:,} respondents (direct route); trait correlation 0.2"
    )
    print(
        "    structured: bigfive (9 items/trait, 5 points) vs bigfive_short (4 items/trait, "
        "7 points), the same latent traits"
    )
    print("    control: bigfive vs bank_b (4 items/trait, 7 points) aliased to 5 unrelated traits")
    for arm in rec.arms:
        print(
            f"    {arm.name:<11}{'trait':<18}{'population r':>13}{'mean r':>9}{'gap to pop':>12}"
            f"{'Fisher CI covers':>18}"
        )
        for t in BIG_FIVE:
            pop, mean = arm.population_r[t], arm.mean_r(t)
            print(
                f"    {'':<11}{t:<18}{pop:>13.3f}{mean:>9.3f}{mean - pop:>+12.3f}"
                f"{f'{arm.r_coverage(t)}/{n_rep}':>18}"
            )
        print(
            f"    {'':<11}{'discriminant gap':<18}{arm.population_gap:>13.3f}"
            f"{arm.mean_gap():>9.3f}{arm.mean_gap() - arm.population_gap:>+12.3f}"
            f"{f'{arm.gap_coverage()}/{n_rep} (jack.)':>18}"
        )
    null = math.sqrt(2.0 / (math.pi * (rec.respondents - 1)))
    print(
        "    the gap's mean |heterotrait r| is biased up where the true r is near 0: with "
        f"unrelated instruments the expected sample gap is about -{null:.3f} at "
        f"{rec.respondents} respondents (-E|r| of a zero correlation), not 0"
    )
    print(f"    engine vs direct route, replication 0: max |difference| {rec.engine_vs_direct:.1e}")
    print()
