"""Part (a), reliability: do the bootstrap CIs of alpha, lambda6 and omega contain the
population values, and how biased are the estimates?

A design with known item parameters (9 items per Big Five trait, discrimination 1.2 with a
log-normal spread of 0.3, item residual sd 1.5: population alpha about 0.79, near the 0.70
rule). R replications, each a fresh set of N respondents (its own persona file, so fresh
trait draws; the design's seed, hence the items, stays fixed; the run's `seed`, hence the
bootstrap, is the replication's number): per statistic (alpha, lambda6, omega) the coverage
of the bootstrap 95% CIs (the share of replications x dimensions whose CI contains the
population value), the mean bias and the mean CI width, and how often the all-three >= 0.70
rule passed. The population values come from the direct route (`common.py`) on N_pop
respondents; the first replication checks that route against the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from valuescope.sim import SimModel
from valuescope.stats import CIStat

from .common import (
    RELIABILITY_DESIGN,
    RULE,
    STATISTICS,
    _covers,
    _value,
    _width,
    by_dimension,
    engine_vs_direct,
    expected_scores,
    persona_texts,
    point_statistics,
    replicate,
    run_sim,
    write_design,
)


@dataclass
class ReliabilityRecovery:
    respondents: int
    population_size: int
    population: dict[str, dict[str, float]]
    """Dimension -> statistic -> population value."""
    estimates: list[dict[str, dict[str, CIStat]]] = field(default_factory=list)
    """Per replication: dimension -> statistic -> the engine's estimate with its CI."""
    reliable: list[dict[str, bool | None]] = field(default_factory=list)
    engine_vs_direct: float = math.nan

    def _cells(self, statistic: str) -> list[tuple[float, CIStat]]:
        return [
            (self.population[d][statistic], rep[d][statistic])
            for rep in self.estimates
            for d in rep
        ]

    def coverage(self, statistic: str) -> tuple[int, int]:
        """(CIs containing the population value, CIs), over replications x dimensions."""
        cells = self._cells(statistic)
        return sum(_covers(est, truth) for truth, est in cells), len(cells)

    def bias(self, statistic: str) -> float:
        return float(np.mean([_value(e) - t for t, e in self._cells(statistic)]))

    def mean(self, statistic: str) -> float:
        return float(np.mean([_value(e) for _, e in self._cells(statistic)]))

    def width(self, statistic: str) -> float:
        return float(np.mean([_width(e) for _, e in self._cells(statistic)]))

    def population_mean(self, statistic: str) -> float:
        return float(np.mean([v[statistic] for v in self.population.values()]))

    def passes(self) -> tuple[int, int]:
        cells = [v for rep in self.reliable for v in rep.values()]
        return sum(v is True for v in cells), len(cells)


def reliability_recovery(
    work: Path,
    replications: int,
    respondents: int,
    population: int,
    progress: Callable[[str], None] | None = None,
) -> ReliabilityRecovery:
    """Part (a): see the module docstring."""
    settings = RELIABILITY_DESIGN
    folder = work / "reliability"
    folder.mkdir(parents=True, exist_ok=True)
    first_design = write_design(
        folder / "design_pop.yaml", {**settings, "personas": persona_texts("none", 1)}
    )
    pop_model = SimModel.from_file(first_design, personas=persona_texts("pop", population))
    parameters, scores = expected_scores(pop_model, persona_texts("pop", population), "bigfive")
    result = ReliabilityRecovery(
        respondents=respondents,
        population_size=population,
        population={
            d: point_statistics(scores[:, cols]) for d, cols in by_dimension(parameters).items()
        },
    )
    for r, personas in replicate(folder, "a", replications, respondents, progress):
        path = write_design(
            folder / f"design_{r:03d}.yaml", {**settings, "personas": personas.name}
        )
        results, samples = run_sim(
            path, folder / f"run_{r:03d}", personas_file=str(personas), seed=r
        )
        assert results.respondents is not None
        dims = results.respondents.dimensions
        result.estimates.append(
            {d: {s: getattr(v.reliability, s) for s in STATISTICS} for d, v in dims.items()}
        )
        result.reliable.append({d: v.reliability.reliable for d, v in dims.items()})
        if r == 0:
            model = SimModel.from_file(path)
            result.engine_vs_direct = engine_vs_direct(samples, model, personas, "bigfive")
    return result


def print_reliability(rec: ReliabilityRecovery) -> None:
    n_rep = len(rec.estimates)
    print(
        f"(a) reliability: {n_rep} replications x {rec.respondents} respondents x 5 dimensions "
        f"(engine end to end), population = {rec.population_size:,} respondents (direct route)"
    )
    print(f"    design: {_settings_line(RELIABILITY_DESIGN)}")
    print(f"    {'dimension':<18}" + "".join(f"{s + ' pop':>13}" for s in STATISTICS))
    for d, values in rec.population.items():
        print(f"    {d:<18}" + "".join(f"{values[s]:>13.3f}" for s in STATISTICS))
    print(
        f"    {'statistic':<10}{'population':>11}{'mean est.':>11}{'mean bias':>11}"
        f"{'CI width':>10}{'95% CI coverage':>22}"
    )
    for s in STATISTICS:
        hits, total = rec.coverage(s)
        print(
            f"    {s:<10}{rec.population_mean(s):>11.3f}{rec.mean(s):>11.3f}{rec.bias(s):>+11.3f}"
            f"{rec.width(s):>10.3f}{f'{hits}/{total} = {hits / max(total, 1):.2f}':>22}"
        )
    passed, total = rec.passes()
    print(f"    all-three >= {RULE} rule passed: {passed}/{total} dimension-replications")
    print(f"    engine vs direct route, replication 0: max |difference| {rec.engine_vs_direct:.1e}")
    print()


def _settings_line(settings: dict[str, Any]) -> str:
    shown = {k: v for k, v in settings.items() if k not in ("frameworks_dir", "item_files")}
    return ", ".join(f"{k} {v}" for k, v in shown.items())
