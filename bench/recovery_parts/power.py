"""Part (e), power: how many respondents and items does a design need to see a difference?

`--power` only, not in the default run. For each number of respondents and items per
dimension, R replications of two "models" whose respondents differ by `--difference` trait
sd on extraversion (independent persona draws, same items, the design of part (a)): the
mean alpha CI width, and how often a Welch t-test on the respondents' extraversion scores
finds the difference (p < 0.05; openness, equal in both, as the control). `--power-direct`
computes the same scores on the direct route (`common.py`) instead of running the engine:
about 50 times faster, for the hundreds of replications a detection rate needs, but without
CIs (alpha's point value only).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats as scipy_stats

from valuescope.instruments.likert.respondent_summary import respondent_matrix
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.sim import SimModel
from valuescope.stats import cronbach_alpha

from .common import (
    BIG_FIVE,
    RELIABILITY_DESIGN,
    Matrix,
    _num,
    _value,
    _width,
    expected_scores,
    persona_texts,
    run_sim,
    write_design,
    write_personas,
)

POWER_TRAIT, POWER_CONTROL = "extraversion", "openness"


@dataclass
class PowerCell:
    respondents: int
    items: int
    alpha: list[float] = field(default_factory=list)
    width: list[float] = field(default_factory=list)
    detected: list[bool] = field(default_factory=list)
    control: list[bool] = field(default_factory=list)


def power(
    work: Path,
    sizes: Sequence[int],
    items_per_dimension: Sequence[int],
    replications: int,
    difference: float,
    progress: Callable[[str], None] | None = None,
    direct: bool = False,
) -> list[PowerCell]:
    """Part (e): see the module docstring. `direct` computes the respondents' scores on the
    direct route instead of running the engine (about 50 times faster, for many
    replications): detection and alpha's point value only, no CI."""
    folder = work / "power"
    folder.mkdir(parents=True, exist_ok=True)
    models: dict[str, SimModel] = {}
    cells = []
    for n in sizes:
        for k in items_per_dimension:
            cell = PowerCell(n, k)
            for r in range(replications):
                scores = {}
                for arm in ("A", "B"):
                    tag = f"e{n}-{k}-{r}{arm}"
                    means = {POWER_TRAIT: difference} if arm == "B" else {}
                    settings = {**RELIABILITY_DESIGN, "trait_means": means}
                    if direct:
                        if arm not in models:
                            path = write_design(
                                folder / f"design_{arm}.yaml", {**settings, "personas": ["x"]}
                            )
                            models[arm] = SimModel.from_file(path)
                        scores[arm] = _direct_power_scores(models[arm], persona_texts(tag, n), k)
                        if arm == "A":
                            cell.alpha += [
                                _num(cronbach_alpha(np.column_stack(list(m.values()))).value)
                                for m in scores[arm].values()
                            ]
                            cell.width += [math.nan] * len(scores[arm])
                        continue
                    personas = folder / f"personas_{tag}.txt"
                    write_personas(personas, tag, n)
                    path = write_design(
                        folder / f"design_{tag}.yaml", {**settings, "personas": personas.name}
                    )
                    results, samples = run_sim(
                        path, folder / "run", personas_file=str(personas), seed=r, limit=5 * k
                    )
                    scores[arm] = _item_columns(samples)
                    if arm == "A":
                        assert results.respondents is not None
                        for v in results.respondents.dimensions.values():
                            cell.alpha.append(_value(v.reliability.alpha))
                            cell.width.append(_width(v.reliability.alpha))
                for trait, into in ((POWER_TRAIT, cell.detected), (POWER_CONTROL, cell.control)):
                    a, b = (np.mean(list(scores[arm][trait].values()), axis=0) for arm in "AB")
                    into.append(bool(scipy_stats.ttest_ind(a, b, equal_var=False).pvalue < 0.05))
                if progress is not None and (not direct or r + 1 == replications):
                    progress(f"(e) {n} respondents, {k} items: replication {r + 1}/{replications}")
            cells.append(cell)
    return cells


def _item_columns(samples: Sequence[LikertSample]) -> dict[str, dict[str, Matrix]]:
    """Dimension -> item id -> the respondents' scores (the engine's respondents x items
    matrix by column; every respondent answered every item here)."""
    out: dict[str, dict[str, Matrix]] = {}
    for dimension in BIG_FIVE:
        mine = [s for s in samples if s.dimension == dimension and s.respondent is not None]
        item_ids = sorted({s.item_id for s in mine})
        _, matrix = respondent_matrix(mine, item_ids)
        assert not np.isnan(matrix).any()
        out[dimension] = {item: matrix[:, j] for j, item in enumerate(item_ids)}
    return out


def _direct_power_scores(
    model: SimModel, personas: Sequence[str], k: int
) -> dict[str, dict[str, Matrix]]:
    """As `_item_columns`, on the direct route, for the items `--limit 5k` asks (the first
    k of each dimension in the bank's order, as `select_items` takes them)."""
    parameters, scores = expected_scores(model, personas, "bigfive")
    out: dict[str, dict[str, Matrix]] = {}
    for j, p in enumerate(parameters):
        columns = out.setdefault(p.dimension, {})
        if len(columns) < k:
            columns[p.item_id] = scores[:, j]
    return out


def print_power(cells: Sequence[PowerCell], difference: float, direct: bool = False) -> None:
    n_rep = len(cells[0].detected) if cells else 0
    route = "direct route, no engine" if direct else "engine end to end"
    print(
        f"(e) power ({route}): {n_rep} replications per cell of two models whose respondents "
        f"differ by {difference} trait sd on {POWER_TRAIT} (independent persona draws, design "
        "(a)); Welch t-test on the respondents' scale scores, p < 0.05"
    )
    print(
        f"    {'respondents':>11}{'items/dim':>10}{'mean alpha':>12}{'alpha CI width':>16}"
        f"{'detected':>12}{f'{POWER_CONTROL} (no diff.)':>22}"
    )
    for c in cells:
        width = np.nanmean(c.width) if not np.isnan(c.width).all() else math.nan
        print(
            f"    {c.respondents:>11}{c.items:>10}{np.nanmean(c.alpha):>12.3f}"
            f"{'-' if math.isnan(width) else f'{width:.3f}':>16}"
            f"{f'{sum(c.detected)}/{len(c.detected)}':>12}"
            f"{f'{sum(c.control)}/{len(c.control)}':>22}"
        )
    print()
