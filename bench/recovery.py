"""Parameter recovery: do the respondent statistics find what the simulated respondents were given?

The simulated respondent (`sim:DESIGN.yaml`, `valuescope.models._sim`) answers from a graded
response model whose traits, item parameters and response styles are set in a design file,
so every statistic has a known right answer. Each run below goes through the whole engine
(`valuescope.measure`, response cache off, `--paraphrases 0`, a temporary run directory),
as `valuescope measure --model sim:DESIGN.yaml --framework bigfive --personas FILE` would;
only the *population* values are computed directly (see "Population values").

(a) Reliability. A design with known item parameters (9 items per Big Five trait,
    discrimination 1.2 with a log-normal spread of 0.3, item residual sd 1.5: population
    alpha about 0.79, near the 0.70 rule). R replications, each a fresh set of N respondents
    (its own persona file, so fresh trait draws; the design's seed, hence the items, stays
    fixed; the run's `seed`, hence the bootstrap, is the replication's number): per
    statistic (alpha, lambda6, omega) the coverage of the bootstrap 95% CIs (the share of
    replications x dimensions whose CI contains the population value), the mean bias and
    the mean CI width, and how often the all-three >= 0.70 rule passed.
(b) MTMM, through `valuescope validity` (`run_validity`: both instruments measured on the
    same respondents, then `stats.mtmm`). Structured: the shipped `bigfive` bank (9 items
    per trait, 5-point agreement) against the shipped `bigfive_short` (4 behaviour items
    per trait, 7 points; the sim reads a framework's other shipped banks as the same latent
    traits), traits correlated 0.2. Per trait the convergent r (with its Fisher-z CI)
    against its population value, and the discriminant gap (mean convergent r - mean
    |heterotrait-heteromethod r|, bootstrap CI). Control: `bigfive` against a short 7-point
    bank written here (framework `bigfive_b`: the Big Five under another id) whose
    dimensions the design aliases to five other latent traits (`dimension_aliases`
    `bigfive_b.<dim>: other_<dim>`; aliases apply per framework, so `bigfive_short` itself
    cannot be cut loose from `bigfive`), so it measures something unrelated: convergent
    r ~0 and a gap near its null value (about -0.10 at 60 respondents, not 0: the mean |r|
    of correlations that are truly 0 is positive in a sample).
(c) Response styles. `position_bias` and `acquiescence` of the design at 0, 0.5 and 1.0 (one
    switched on at a time), read back from the model's own profile (`summary.py`, per
    dimension: position bias = E(asc) - E(desc) on the raw scale point, acquiescence = mean
    raw agreement before reverse-keying). Beside each figure, the value the design implies
    (the GRM, the position weights and the self respondent's item traits, computed here).
(d) False passes. `pure_noise: true` (every answer a Dirichlet(1) draw, seeded by the
    prompt): replications of N respondents (a fresh persona file and sim seed each) x 5
    dimensions; the share of dimensions where the all-three >= 0.70 rule passes.
(e) Power (`--power` only, not in the default run): for each number of respondents and
    items per dimension, R replications of two "models" whose respondents differ by
    `--difference` trait sd on extraversion (independent persona draws, same items): the
    mean alpha CI width, and how often a Welch t-test on the respondents' extraversion
    scores finds the difference (p < 0.05; openness, equal in both, as the control).
    `--power-direct` computes the same scores on the direct route (below) instead of
    running the engine: about 50 times faster, for the hundreds of replications a detection
    rate needs, but without CIs (alpha's point value only).

Population values. The sim's answers are deterministic: with no position bias and no
noise, respondent r's expected score on item i is the GRM's expected scale point at
`SimModel.item_trait(r, bank, item)` (the trait plus r's residual on i), reverse-keyed, in
both option orders. So the population is N_pop respondents (default 5,000) whose
respondents x items matrix is computed from `true_parameters()` and `item_trait()` without
prompts (running the engine on a pool of 5,000 personas would cost minutes: the sim looks
for every pool text in every prompt); the statistics are the same functions the engine's
summary calls (`cronbach_alpha`, `guttman_lambda6`, `mcdonald_omega`, Pearson r). Parts (a)
and (b) check the route: the matrix it computes for the first replication's respondents
equals the engine's (the printed max |difference|); part (c)'s predictions are the same
route with the response styles applied.

Last line: `false pass rate: X` = dimensions where pure-noise respondents passed the
all-three >= 0.70 rule / dimensions tested.

    .venv/bin/python bench/recovery.py [--replications 30] [--personas 60] [--population 5000]
        [--mtmm-replications 6] [--noise-replications 40] [--noise-personas 30]
        [--parts abcd] [--power [--power-personas 20,60,200] [--power-items 3,9]
         [--power-replications 5] [--difference 0.5] [--power-direct]]
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import stats as scipy_stats

import valuescope
from valuescope.frameworks import load_framework
from valuescope.instruments.likert import MeasureResults
from valuescope.instruments.likert.respondent_summary import respondent_matrix
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.models import SimModel
from valuescope.models._sim import ItemParameters
from valuescope.respondents import load_personas
from valuescope.runs import RunStore
from valuescope.stats import CIStat, cronbach_alpha, guttman_lambda6, mcdonald_omega
from valuescope.validity import ConstructValidityConfig, run_validity

Matrix = np.ndarray[Any, np.dtype[np.float64]]

BIG_FIVE = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
STATISTICS = ("alpha", "lambda6", "omega")
RULE = 0.70
"""The all-three rule's threshold (`respondent_summary.RELIABLE_AT`)."""

RELIABILITY_DESIGN: dict[str, Any] = {
    "seed": 2,
    "frameworks": ["bigfive"],
    "discrimination": 1.2,
    "discrimination_sd": 0.3,
    "item_residual_sd": 1.5,
    "threshold_jitter": 0.3,
}
MTMM_DESIGN: dict[str, Any] = {
    "seed": 3,
    "frameworks": ["bigfive"],
    "frameworks_dir": "frameworks",
    "item_files": [{"path": "bank_b.yaml", "framework": "bigfive_b"}],
    "trait_correlation": 0.2,
}
CONTROL_ALIASES = {f"bigfive_b.{d}": f"other_{d}" for d in BIG_FIVE}
STYLE_DESIGN: dict[str, Any] = {"seed": 4, "frameworks": ["bigfive"]}
STYLE_LEVELS = (0.0, 0.5, 1.0)
NOISE_DESIGN: dict[str, Any] = {"frameworks": ["bigfive"], "pure_noise": True}
POWER_TRAIT, POWER_CONTROL = "extraversion", "openness"

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


# -- running the sim through the engine -------------------------------------------------------


class _Collect:
    """A `Progress` that keeps every sample as the engine scores it (no re-reading)."""

    def __init__(self) -> None:
        self.samples: list[LikertSample] = []

    def start(self, total: int, already_done: int, directory: Path) -> None:
        return None

    def advance(self, sample: Any, model: Any) -> None:
        self.samples.append(sample)


def run_sim(design: Path, out: Path, **options: Any) -> tuple[MeasureResults, list[LikertSample]]:
    """One `measure` run on `sim:design` (cache off, no paraphrases): results and samples.
    The run directory is removed afterwards (its samples.jsonl is megabytes)."""
    collect = _Collect()
    options.setdefault("framework", "bigfive")
    run = valuescope.measure(
        f"sim:{design}", out=out, progress=collect, use_cache=False, paraphrases=0, **options
    )
    shutil.rmtree(out, ignore_errors=True)
    results = run.results
    assert isinstance(results, MeasureResults)
    return results, collect.samples


def write_personas(path: Path, tag: str, n: int) -> list[str]:
    """`n` distinct persona texts, one a line ("I am respondent a007-00012."): the sim draws
    a respondent's traits from the text, so any distinct texts make distinct respondents. No
    text contains another (fixed width), as the sim's longest-match lookup needs."""
    texts = persona_texts(tag, n)
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    return texts


def persona_texts(tag: str, n: int) -> list[str]:
    return [f"I am respondent {tag}-{i:05d}." for i in range(n)]


def write_design(path: Path, settings: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


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


# -- the direct route: expected scores from the true parameters ---------------------------------


def _grm_categories(location: Matrix, parameters: Sequence[ItemParameters]) -> Matrix:
    """P(category k), k = 0..K-1, for respondents x items locations (polarity * trait +
    acquiescence): Samejima's GRM written out from the sim's documented model."""
    a = np.array([p.discrimination for p in parameters])
    b = np.array([p.thresholds for p in parameters])
    at_least = 1.0 / (1.0 + np.exp(-a[None, :, None] * (location[:, :, None] - b[None])))
    ones = np.ones((*location.shape, 1))
    cumulative = np.concatenate([ones, at_least, np.zeros_like(ones)], axis=2)
    probs: Matrix = np.maximum(cumulative[..., :-1] - cumulative[..., 1:], 0.0)
    return probs


def item_traits(
    model: SimModel, personas: Sequence[str | None], bank: str
) -> tuple[list[ItemParameters], Matrix]:
    """The bank's items (its order) and the respondents x items traits they are answered
    with (`SimModel.item_trait`: the trait plus the respondent's residual on the item)."""
    parameters = [p for p in model.true_parameters().items if p.bank == bank]
    traits = np.array(
        [[model.item_trait(who, bank, p.item_id) for p in parameters] for who in personas]
    )
    return parameters, traits


def expected_scores(
    model: SimModel, personas: Sequence[str | None], bank: str
) -> tuple[list[ItemParameters], Matrix]:
    """The items and the respondents x items reverse-keyed expected scores the sim's
    answers give (valid without position bias, noise or pure noise: then both option orders
    give the same expectation, and the engine's cell, their mean, is this value)."""
    config = model.config
    assert not (config.position_bias or config.noise or config.pure_noise)
    parameters, traits = item_traits(model, personas, bank)
    polarity = np.array([p.polarity for p in parameters])
    probs = _grm_categories(polarity * traits + config.acquiescence, parameters)
    points = np.arange(1, probs.shape[2] + 1)  # scale points of a scale starting at 1
    raw = probs @ points
    scores: Matrix = np.where(polarity == 1, raw, probs.shape[2] + 1 - raw)
    return parameters, scores


def by_dimension(parameters: Sequence[ItemParameters]) -> dict[str, list[int]]:
    """Dimension -> its columns, in the order of the item ids (as the engine sorts them)."""
    columns: dict[str, list[int]] = {}
    for j in sorted(range(len(parameters)), key=lambda j: parameters[j].item_id):
        columns.setdefault(parameters[j].dimension, []).append(j)
    return columns


def point_statistics(matrix: Matrix) -> dict[str, float]:
    """alpha, lambda6 and omega of a respondents x items matrix (the engine's functions)."""
    values = {
        "alpha": cronbach_alpha(matrix).value,
        "lambda6": guttman_lambda6(matrix).value,
        "omega": mcdonald_omega(matrix).value,
    }
    return {k: float("nan") if v is None else v for k, v in values.items()}


def engine_vs_direct(
    samples: Sequence[LikertSample], model: SimModel, personas_file: Path, bank: str
) -> float:
    """Max |engine cell - direct expected score| over the respondents of one run."""
    text = {p.id: p.text for p in load_personas(personas_file)}
    worst = 0.0
    parameters = [p for p in model.true_parameters().items if p.bank == bank]
    for dimension, columns in by_dimension(parameters).items():
        item_ids = [parameters[j].item_id for j in columns]
        mine = [s for s in samples if s.dimension == dimension and s.respondent is not None]
        ids, engine = respondent_matrix(mine, item_ids)
        who = [text[r.split("/")[0]] for r in ids]
        _, direct = expected_scores(model, who, bank)
        worst = max(worst, float(np.nanmax(np.abs(engine - direct[:, columns]))))
    return worst


# -- (a) reliability ------------------------------------------------------------------------


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
        hits = sum(
            1
            for truth, est in cells
            if est.ci_low is not None
            and est.ci_high is not None
            and est.ci_low <= truth <= est.ci_high
        )
        return hits, len(cells)

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


def _value(stat: CIStat) -> float:
    return math.nan if stat.value is None else stat.value


def _width(stat: CIStat) -> float:
    if stat.ci_low is None or stat.ci_high is None:
        return math.nan
    return stat.ci_high - stat.ci_low


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
    for r in range(replications):
        personas = folder / f"personas_{r:03d}.txt"
        write_personas(personas, f"a{r:03d}", respondents)
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
        if progress is not None:
            progress(f"(a) replication {r + 1}/{replications}")
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


# -- (b) MTMM ---------------------------------------------------------------------------------


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


def _covers(stat: CIStat, truth: float) -> bool:
    return (
        stat.ci_low is not None
        and stat.ci_high is not None
        and (stat.ci_low <= truth <= stat.ci_high)
    )


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
    for r in range(replications):
        personas = folder / f"personas_{r:03d}.txt"
        write_personas(personas, f"b{r:03d}", respondents)
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
        if progress is not None:
            progress(f"(b) replication {r + 1}/{replications}")
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
            f"{f'{arm.gap_coverage()}/{n_rep} (boot.)':>18}"
        )
    null = math.sqrt(2.0 / (math.pi * (rec.respondents - 1)))
    print(
        "    the gap's mean |heterotrait r| is biased up where the true r is near 0: with "
        f"unrelated instruments the expected sample gap is about -{null:.3f} at "
        f"{rec.respondents} respondents (-E|r| of a zero correlation), not 0"
    )
    print(f"    engine vs direct route, replication 0: max |difference| {rec.engine_vs_direct:.1e}")
    print()


# -- (c) response styles --------------------------------------------------------------------


@dataclass
class StyleRow:
    style: str
    level: float
    position_bias: dict[str, float]
    acquiescence: dict[str, float]
    predicted_position_bias: dict[str, float]
    predicted_acquiescence: dict[str, float]
    acquiescence_shift: dict[str, float] = field(default_factory=dict)
    """Acquiescence minus its value with every style off (the traits' own agreement)."""
    predicted_acquiescence_shift: dict[str, float] = field(default_factory=dict)


def predicted_profile(model: SimModel, bank: str = "bigfive") -> dict[str, tuple[float, float]]:
    """Dimension -> (position bias, acquiescence) the design implies for the model's own
    answers: GRM categories at the self respondent's item traits, shown ascending or
    descending, weighted exp(position_bias * decay ** position) by position, mixed with
    noise, as the sim's docstring defines them; the figures as `summary.py` defines them."""
    config = model.config
    parameters, traits = item_traits(model, [None], bank)
    polarity = np.array([p.polarity for p in parameters])
    probs = _grm_categories(polarity * traits + config.acquiescence, parameters)[0]
    k = probs.shape[1]
    weights = np.exp(config.position_bias * config.position_decay ** np.arange(k))
    points = np.arange(1, k + 1)
    expected = {}
    for order, shown_points in (("asc", points), ("desc", points[::-1])):
        shown = probs[:, shown_points - 1] * weights
        shown /= shown.sum(axis=1, keepdims=True)
        shown = (1.0 - config.noise) * shown + config.noise / k
        expected[order] = shown @ shown_points
    out = {}
    for dimension, columns in by_dimension(parameters).items():
        asc, desc = expected["asc"][columns], expected["desc"][columns]
        out[dimension] = (float((asc - desc).mean()), float(((asc + desc) / 2).mean()))
    return out


def style_recovery(work: Path, levels: Sequence[float] = STYLE_LEVELS) -> list[StyleRow]:
    """Part (c): see the module docstring."""
    folder = work / "styles"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for style in ("position_bias", "acquiescence"):
        for level in levels:
            path = write_design(folder / f"{style}_{level}.yaml", {**STYLE_DESIGN, style: level})
            results, _ = run_sim(path, folder / "run")
            predicted = predicted_profile(SimModel.from_file(path))
            dims = results.dimensions
            rows.append(
                StyleRow(
                    style=style,
                    level=level,
                    position_bias={d: _num(v.position_bias) for d, v in dims.items()},
                    acquiescence={d: _num(v.acquiescence) for d, v in dims.items()},
                    predicted_position_bias={d: p[0] for d, p in predicted.items()},
                    predicted_acquiescence={d: p[1] for d, p in predicted.items()},
                )
            )
    off = next(r for r in rows if r.level == 0.0)
    for row in rows:
        row.acquiescence_shift = {d: v - off.acquiescence[d] for d, v in row.acquiescence.items()}
        row.predicted_acquiescence_shift = {
            d: v - off.predicted_acquiescence[d] for d, v in row.predicted_acquiescence.items()
        }
    return rows


def _num(value: float | None) -> float:
    return math.nan if value is None else value


def _mean(values: dict[str, float]) -> float:
    return float(np.mean(list(values.values())))


def print_styles(rows: Sequence[StyleRow], midpoint: float = 3.0) -> None:
    off = next(r for r in rows if r.level == 0.0)
    print(
        "(c) response styles: the model's own profile (45 bigfive items x 2 orders x 2 "
        "framings), one style switched on at a time; figures = mean over the 5 dimensions "
        "[min, max]; pred. = what the design implies"
    )
    print(
        "    acquiescence shift = the profile's acquiescence minus its value with both styles "
        f"off ({_mean(off.acquiescence) - midpoint:+.3f} from the midpoint {midpoint:g}, "
        "range over dimensions "
        f"{min(off.acquiescence.values()) - midpoint:+.3f}..."
        f"{max(off.acquiescence.values()) - midpoint:+.3f}: the self respondent's traits "
        "on items of unequal keying and location)"
    )
    print(
        f"    {'design setting':<22}{'position bias':>24}{'pred.':>8}"
        f"{'acquiescence shift':>26}{'pred.':>8}"
    )
    for row in rows:
        print(
            f"    {f'{row.style} {row.level}':<22}"
            f"{_spread(row.position_bias):>24}{_mean(row.predicted_position_bias):>+8.3f}"
            f"{_spread(row.acquiescence_shift):>26}"
            f"{_mean(row.predicted_acquiescence_shift):>+8.3f}"
        )
    worst = max(
        abs(figure[d] - predicted[d])
        for r in rows
        for figure, predicted in (
            (r.position_bias, r.predicted_position_bias),
            (r.acquiescence, r.predicted_acquiescence),
        )
        for d in figure
    )
    print(f"    max |profile figure - predicted|: {worst:.1e}")
    print()


def _spread(values: dict[str, float]) -> str:
    v = list(values.values())
    return f"{np.mean(v):+.3f} [{min(v):+.3f}, {max(v):+.3f}]"


# -- (d) false passes -------------------------------------------------------------------------


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
    for r in range(replications):
        personas = folder / f"personas_{r:03d}.txt"
        write_personas(personas, f"d{r:03d}", respondents)
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
        if progress is not None:
            progress(f"(d) replication {r + 1}/{replications}")
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


# -- (e) power ----------------------------------------------------------------------------------


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


# -- main ---------------------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=30, help="(a): replications")
    parser.add_argument("--personas", type=int, default=60, help="(a), (b): respondents each")
    parser.add_argument("--population", type=int, default=5000, help="population respondents")
    parser.add_argument("--mtmm-replications", type=int, default=6)
    parser.add_argument("--noise-replications", type=int, default=40)
    parser.add_argument("--noise-personas", type=int, default=30)
    parser.add_argument(
        "--parts", default="abcd", help="which parts to run (default abcd; e = --power)"
    )
    parser.add_argument("--power", action="store_true", help="also run part (e)")
    parser.add_argument("--power-personas", type=_int_list, default=[20, 60, 200])
    parser.add_argument("--power-items", type=_int_list, default=[3, 9])
    parser.add_argument("--power-replications", type=int, default=5)
    parser.add_argument("--difference", type=float, default=0.5)
    parser.add_argument(
        "--power-direct", action="store_true", help="(e) on the direct route (no engine, no CIs)"
    )
    args = parser.parse_args()
    parts = set(args.parts) | ({"e"} if args.power else set())
    if parts - set("abcde"):
        parser.error(f"--parts: unknown part(s) {''.join(sorted(parts - set('abcde')))}")
    if min(args.personas, args.noise_personas, *args.power_personas) < 20:
        parser.error("reliability over respondents needs >= 20 respondents")

    started = time.perf_counter()

    def note(text: str) -> None:
        print(f"  [{time.perf_counter() - started:6.0f} s] {text}", flush=True)

    print("parameter recovery on the simulated respondent (sim backend), engine end to end")
    print()
    with tempfile.TemporaryDirectory(prefix="valuescope-recovery-") as tmp:
        work = Path(tmp)
        rel = mt = noise = None
        styles: list[StyleRow] = []
        cells: list[PowerCell] = []
        if "a" in parts:
            rel = reliability_recovery(
                work, args.replications, args.personas, args.population, note
            )
        if "b" in parts:
            mt = mtmm_recovery(work, args.mtmm_replications, args.personas, args.population, note)
        if "c" in parts:
            styles = style_recovery(work)
            note("(c) done")
        if "d" in parts:
            noise = false_passes(work, args.noise_replications, args.noise_personas, note)
        if "e" in parts:
            cells = power(
                work,
                args.power_personas,
                args.power_items,
                args.power_replications,
                args.difference,
                note,
                direct=args.power_direct,
            )
    print()
    if rel is not None:
        print_reliability(rel)
    if mt is not None:
        print_mtmm(mt)
    if styles:
        print_styles(styles)
    if cells:
        print_power(cells, args.difference, args.power_direct)
    if noise is not None:
        print_false_passes(noise)
    print(f"total wall time: {time.perf_counter() - started:.0f} s")
    rate = f"{noise.rate:.3f}" if noise is not None else "not measured (part d not run)"
    print(f"false pass rate: {rate}")


if __name__ == "__main__":
    main()
