"""Part (g), clustered respondents: do the intervals keep their promise when respondents
share personas?

Under the `cross` design (`--design full`: 50 personas x 36 phrasings) a respondent is a
persona answering under one instruction and postamble, so respondents of one persona share
its traits. An interval that resamples respondents as if independent counts 9 phrasings of
a persona as 9 people; one that resamples personas (`stats.Clusters`, what the engine does
when respondents share personas) does not.

The sim answers a persona the same way under every phrasing, so this part draws the
respondents directly from the sim's model, with a phrasing effect added: respondent (p, k)
answers item i of trait d with the trait value

    theta_p,d + e_p,i + delta_pk,d + eta_pk,i

(theta: the persona's traits, correlated as the design says; e: the persona's residual on
the item, sd `item_residual_sd`; delta, eta: what phrasing k moves, sd `PHRASING_TRAIT_SD`
and `PHRASING_ITEM_SD`), and its item score is the expected scale point of the sim's graded
response model at that value (the route of `common.expected_scores`), reverse-keyed. Items
are the design's `bigfive` bank (instrument A, 9 items per trait) and `bigfive_short`
(instrument B, 4 items). Population values come from `population` respondents, each a
persona of its own with one phrasing (a sample of the same population of respondents).

Per replication, `personas` x `phrasings` respondents (default 20 x 9): per trait the
alpha, lambda6 and omega of A with their intervals (`stats.respondent_reliability`), and the
MTMM discriminant gap and convergent r of A against B (`stats.mtmm`), each once with the
respondents' personas given (the engine's intervals: a persona left out at a time) and once
without (as if every respondent were independent, what the engine did before), over the
same data. Coverage = share of intervals
containing the population value. Printed last: `clustered coverage: X`, the smallest
coverage of the four statistics under persona resampling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from valuescope.sim import ItemParameters, SimModel
from valuescope.stats import CIStat, mtmm, respondent_reliability

from .common import BIG_FIVE, STATISTICS, Matrix, _covers, _grm_categories, point_statistics

PHRASING_TRAIT_SD = 0.3
PHRASING_ITEM_SD = 0.3
CLUSTERED_DESIGN: dict[str, Any] = {
    "seed": 4,
    "frameworks": ["bigfive"],
    "discrimination": 1.2,
    "discrimination_sd": 0.3,
    "item_residual_sd": 1.5,
    "threshold_jitter": 0.3,
    "trait_correlation": 0.2,
}
BANKS = ("bigfive", "bigfive_short")
GAP = "gap"
R = "r"
"""Convergent r (each trait of A with its counterpart on B): reported, not in the smallest."""


@dataclass
class ClusteredRecovery:
    personas: int
    phrasings: int
    population: dict[str, float]
    """'trait:statistic' and 'gap' -> population value."""
    hits: dict[str, dict[str, list[bool]]] = field(default_factory=dict)
    """'personas' / 'respondents' -> statistic -> per interval, whether it covered."""
    missing: dict[str, int] = field(default_factory=dict)
    """Resampling -> intervals not given (each with its reason)."""

    def coverage(self, resampling: str, statistic: str) -> float:
        hits = self.hits[resampling][statistic]
        return float(np.mean(hits)) if hits else float("nan")

    def count(self, resampling: str, statistic: str) -> int:
        return len(self.hits[resampling][statistic])

    @property
    def smallest(self) -> float:
        return min(self.coverage("personas", s) for s in (*STATISTICS, GAP))


class _Population:
    """The sim's item parameters and trait model for the two banks, drawn with numpy."""

    def __init__(self, model: SimModel) -> None:
        truth = model.true_parameters()
        self.items: dict[str, list[ItemParameters]] = {
            bank: sorted((p for p in truth.items if p.bank == bank), key=lambda p: p.item_id)
            for bank in BANKS
        }
        names = list(truth.latents)
        self.correlation = np.array([[truth.correlation[a][b] for b in names] for a in names])
        self.means = np.array([truth.means[a] for a in names])
        self.latent = {d: names.index(d) for d in BIG_FIVE}
        self.residual_sd = truth.item_residual_sd

    def scores(
        self, rng: np.random.Generator, personas: int, phrasings: int
    ) -> tuple[dict[str, Matrix], list[int]]:
        """Bank -> respondents x items expected scores, and each respondent's persona."""
        n_latent = len(self.means)
        theta = rng.multivariate_normal(self.means, self.correlation, size=personas)
        delta = PHRASING_TRAIT_SD * rng.standard_normal((personas, phrasings, n_latent))
        out: dict[str, Matrix] = {}
        for bank, items in self.items.items():
            columns = [self.latent[p.dimension] for p in items]
            persona_part = theta[:, columns] + self.residual_sd * rng.standard_normal(
                (personas, len(items))
            )
            traits = (
                persona_part[:, None, :]
                + delta[:, :, columns]
                + PHRASING_ITEM_SD * rng.standard_normal((personas, phrasings, len(items)))
            ).reshape(personas * phrasings, len(items))
            polarity = np.array([p.polarity for p in items])
            probs = _grm_categories(polarity * traits, items)
            raw = probs @ np.arange(1, probs.shape[2] + 1)
            out[bank] = np.where(polarity == 1, raw, probs.shape[2] + 1 - raw)
        return out, np.repeat(np.arange(personas), phrasings).tolist()

    def columns(self, bank: str, dimension: str) -> list[int]:
        return [j for j, p in enumerate(self.items[bank]) if p.dimension == dimension]


def _scale_scores(pop: _Population, scores: dict[str, Matrix], bank: str) -> dict[str, Matrix]:
    return {d: scores[bank][:, pop.columns(bank, d)].mean(axis=1) for d in BIG_FIVE}


def _population_values(pop: _Population, size: int, rng: np.random.Generator) -> dict[str, float]:
    scores, _ = pop.scores(rng, size, 1)
    values = {}
    for d in BIG_FIVE:
        matrix = scores["bigfive"][:, pop.columns("bigfive", d)]
        for name, value in point_statistics(matrix).items():
            values[f"{d}:{name}"] = value
    a, b = _scale_scores(pop, scores, "bigfive"), _scale_scores(pop, scores, "bigfive_short")
    r = np.corrcoef(np.column_stack([*a.values(), *b.values()]), rowvar=False)[:5, 5:]
    off = ~np.eye(5, dtype=bool)
    values[GAP] = float(np.diag(r).mean() - np.abs(r[off]).mean())
    for d, value in zip(BIG_FIVE, np.diag(r), strict=True):
        values[f"{d}:{R}"] = float(value)
    return values


def clustered_recovery(
    replications: int,
    personas: int,
    phrasings: int,
    population: int,
    note: Callable[[str], None],
    compare: int = 50,
) -> ClusteredRecovery:
    """The part's replications (module docstring); resampling respondents, the old way, is
    measured on the first `compare` replications only (it only shows the contrast)."""
    import tempfile
    from pathlib import Path

    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        design = Path(tmp) / "design.yaml"
        design.write_text(yaml.safe_dump(CLUSTERED_DESIGN), encoding="utf-8")
        pop = _Population(SimModel.from_file(design))
    rng = np.random.default_rng(CLUSTERED_DESIGN["seed"])
    result = ClusteredRecovery(personas, phrasings, _population_values(pop, population, rng))
    for resampling in ("personas", "respondents"):
        result.hits[resampling] = {s: [] for s in (*STATISTICS, GAP, R)}
        result.missing[resampling] = 0
    for r in range(replications):
        scores, who = pop.scores(rng, personas, phrasings)
        ways = [("personas", who), ("respondents", None)][: 2 if r < compare else 1]
        for resampling, clusters in ways:
            for d in BIG_FIVE:
                rel = respondent_reliability(
                    scores["bigfive"][:, pop.columns("bigfive", d)],
                    clusters=clusters,
                )
                for s in STATISTICS:
                    _record(result, resampling, s, getattr(rel, s), result.population[f"{d}:{s}"])
            m = mtmm(
                _scale_scores(pop, scores, "bigfive"),
                _scale_scores(pop, scores, "bigfive_short"),
                clusters=clusters,
            )
            _record(result, resampling, GAP, m.discriminant_gap, result.population[GAP])
            for c in m.convergent:
                _record(result, resampling, R, c.r, result.population[f"{c.trait}:{R}"])
        if (r + 1) % 20 == 0 or r + 1 == replications:
            note(f"(g) replication {r + 1}/{replications}")
    return result


def _record(
    result: ClusteredRecovery, resampling: str, stat: str, ci: CIStat, truth: float
) -> None:
    if ci.ci_low is None:
        result.missing[resampling] += 1
    result.hits[resampling][stat].append(_covers(ci, truth))


def print_clustered(result: ClusteredRecovery) -> None:
    print(
        f"(g) clustered respondents: {result.personas} personas x {result.phrasings} phrasings, "
        "95% intervals against population values"
    )
    print(
        f"    {'statistic':<10} {'population':>10} {'personas':>9} {'n':>5} "
        f"{'respondents':>12} {'n':>5}"
    )
    for s in (*STATISTICS, GAP, R):
        if s == GAP:
            truth = result.population[GAP]
        else:
            truth = float(np.mean([result.population[f"{d}:{s}"] for d in BIG_FIVE]))
        print(
            f"    {s:<10} {truth:>10.3f} {result.coverage('personas', s):>9.3f} "
            f"{result.count('personas', s):>5} {result.coverage('respondents', s):>12.3f} "
            f"{result.count('respondents', s):>5}"
        )
    print(
        "    (coverage: share of intervals containing the population value; an interval not "
        f"given counts as not covering: {result.missing['personas']} under personas, "
        f"{result.missing['respondents']} under respondents)"
    )
    print(f"clustered coverage: {result.smallest:.3f}")
