"""Part (d), false passes: how often does pure noise pass the all-three >= 0.70 rule?

`pure_noise: true` (every answer a Dirichlet(1) draw, seeded by the prompt): replications
of N respondents (a fresh persona file and sim seed each) x 5 dimensions; the share of
dimensions where the all-three >= 0.70 rule passes. This is the bench's last line (`false
pass rate: X`): a rule that noise passes says nothing about a model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .common import RULE, STATISTICS, _value, replicate, run_sim, write_design

NOISE_DESIGN: dict[str, Any] = {"frameworks": ["bigfive"], "pure_noise": True}


@dataclass
class FalsePasses:
    respondents: int
    values: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STATISTICS})
    verdicts: list[bool | None] = field(default_factory=list)

    @property
    def passes(self) -> int:
        return sum(v is True for v in self.verdicts)

    @property
    def rate(self) -> float:
        return self.passes / len(self.verdicts) if self.verdicts else math.nan


def false_passes(
    work: Path,
    replications: int,
    respondents: int,
    progress: Callable[[str], None] | None = None,
) -> FalsePasses:
    """Part (d): see the module docstring."""
    folder = work / "noise"
    folder.mkdir(parents=True, exist_ok=True)
    result = FalsePasses(respondents)
    for r, personas in replicate(folder, "d", replications, respondents, progress):
        path = write_design(
            folder / f"design_{r:03d}.yaml",
            {**NOISE_DESIGN, "seed": 1000 + r, "personas": personas.name},
        )
        results, _ = run_sim(path, folder / "run", personas_file=str(personas), seed=r)
        assert results.respondents is not None
        for v in results.respondents.dimensions.values():
            result.verdicts.append(v.reliability.reliable)
            for s in STATISTICS:
                result.values[s].append(_value(getattr(v.reliability, s)))
    return result


def print_false_passes(res: FalsePasses) -> None:
    n = len(res.verdicts)
    print(
        f"(d) pure noise: {n // 5} replications x {res.respondents} respondents "
        f"x 5 dimensions = {n} dimension-replications"
    )
    print(f"    {'statistic':<10}{'mean':>8}{'95th pct':>10}{'max':>8}")
    for s in STATISTICS:
        v = np.array(res.values[s], dtype=float)
        v = v[np.isfinite(v)]
        print(f"    {s:<10}{v.mean():>8.3f}{np.quantile(v, 0.95):>10.3f}{v.max():>8.3f}")
    undefined = sum(v is None for v in res.verdicts)
    print(
        f"    all-three >= {RULE} passed: {res.passes}/{n}"
        + (f" ({undefined} undecided: a statistic was null)" if undefined else "")
    )
    print()
