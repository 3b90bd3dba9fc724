"""`compare`: the profiles of several `measure` runs side by side, and where they differ.

The unit of every test is the *item*. A run's score for an item is the mean of its valid
administrations (`instruments.likert.summary.item_scores`, the rule the profile itself
uses); two runs are compared over the items both scored, as paired vectors, so an item
asked under 12 conditions still counts once. Counting administrations as independent
observations would shrink the p-values by the number of conditions for no new information:
the conditions are repeated measures of the same item, not new items.

For every pair of runs and every dimension: the mean paired difference (a - b), a sign-flip
permutation test and a Wilcoxon signed-rank test, Cohen's d_z and the rank-biserial
correlation. Each method's p-values are Holm-adjusted across *all* its (pair x dimension)
tests, since a comparison of N runs on D dimensions runs N(N-1)/2 x D tests and some would be
"significant" by chance alone. A test is only run on at least `min_items` (3) common items:
with 2 items the smallest two-sided p a paired test can reach is 0.5, so it could only ever
say "not significant" while looking like evidence. Anything not computable is null with its
reason (a `Stat`), never a silent NaN.

Which answers are compared (`CompareConfig.scores`):

- `own` (default): the model's own administrations, without a persona: the profile that
  `measure` prints. The profile table (score and 95% CI per dimension) is then read
  from each run's results.json, and the tests pair the same item scores those profiles
  average, so the table, the tests and compare.json describe the same numbers.
- `pooled`: every administration, the simulated respondents' (personas) included, pooled
  per item. The profile table is then recomputed from those pooled item scores (mean over
  items, the same t-interval over items as `measure`'s, `likert.summary.score_ci`: none
  below 3 items), and labelled as pooled.
  A run made with `--design` has both; one made without has only its own answers, so the
  two agree there.

Each run's verdict (`valuescope.verdict`) comes along, and the comparison's verdict is the
worst of them: a difference between two profiles that cannot be read cannot be read either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from valuescope.datasets import DataFileError
from valuescope.engine import run_finished
from valuescope.frameworks import Framework, load_framework
from valuescope.instruments.likert.instrument import COMMAND as MEASURE_COMMAND
from valuescope.instruments.likert.instrument import MeasureConfig
from valuescope.instruments.likert.items import ResponseScale
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.instruments.likert.summary import MeasureResults, item_scores, score_ci
from valuescope.runs import SCHEMA_VERSION, Record, RunStore, RunStoreError, read_json_model
from valuescope.stats import (
    Stat,
    cohens_dz,
    holm,
    paired_permutation_test,
    rank_biserial,
    wilcoxon_items,
)
from valuescope.verdict import Reason, Verdict

COMMAND = "compare"
COMPARE_FILE = "compare.json"
RESULTS_FILE = "results.json"
Method = Literal["permutation", "wilcoxon"]
Scores = Literal["own", "pooled"]
METHODS: tuple[Method, ...] = ("permutation", "wilcoxon")


class CompareError(RunStoreError):
    """Runs that cannot be compared (not `measure` runs, unfinished, other framework...).

    A `RunStoreError`, so the CLI prints it as one line naming the directory at fault."""


class CompareConfig(BaseModel):
    method: Method = "permutation"
    """The method whose Holm-adjusted p decides `significant` in the CLI's table (both are
    always computed and stored)."""
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    n_permutations: int = Field(default=10000, ge=1)
    seed: int = 0
    min_items: int = Field(default=3, ge=2)
    scores: Scores = "own"
    """own: the model's own answers (the profile `measure` prints); pooled: the simulated
    respondents' answers pooled with them per item (module docstring)."""


class RunInfo(BaseModel):
    label: str
    """The model name, or the directory name where two runs share a model."""
    directory: str
    model: str
    instrument: str
    n_samples: int
    n_invalid: int
    min_option_mass: float
    sampled: bool
    warnings: list[str] = Field(default_factory=list)
    verdict: Verdict | None = None
    """The run's own verdict (None for runs made before verdicts, or a failed run)."""
    failure: str | None = None


class ProfileCell(BaseModel):
    """One run's score on one dimension: as its results.json reports it (`own`), or the
    mean of its pooled item scores (`pooled`)."""

    score: float | None
    ci: list[float | None]
    score_mrat: float | None = None
    n_items: int


class PairTest(BaseModel):
    statistic: Stat | None = None
    """The test statistic where the method has one (Wilcoxon's W)."""
    p_value: Stat
    p_holm: Stat
    """Holm-adjusted over every computable test of this method in the comparison."""
    significant: bool | None
    """p_holm < alpha; null when the test was not computable."""


class DimensionComparison(BaseModel):
    run_a: str
    run_b: str
    dimension: str
    n_items: int
    """Items scored by both runs: the sample size of every test here."""
    mean_a: float | None
    mean_b: float | None
    """The runs' means over the common items: the profile's score when both runs scored the
    same items (else the profile averages over all of each run's items)."""
    mean_difference: Stat
    """mean(a - b) over the common items."""
    cohens_dz: Stat
    rank_biserial: Stat
    permutation: PairTest
    wilcoxon: PairTest

    def test(self, method: Method) -> PairTest:
        return self.permutation if method == "permutation" else self.wilcoxon


class CompareResults(Record):
    schema_version: int = SCHEMA_VERSION
    command: str = COMMAND
    framework: str
    dimensions: list[str]
    """Every dimension any run scored, in the framework file's order."""
    circle: list[str] | None = None
    """The circumplex order of `dimensions` where the framework has one (radar plots)."""
    scale: ResponseScale
    config: CompareConfig
    runs: list[RunInfo]
    profiles: dict[str, dict[str, ProfileCell]]
    """Run label -> dimension -> score and CI."""
    item_scores: dict[str, dict[str, dict[str, float]]]
    """Run label -> dimension -> item id -> item score: what the tests were run on."""
    comparisons: list[DimensionComparison]
    n_tests: dict[str, int]
    """Method -> computable tests in its Holm family."""
    nothing_tested: str | None = None
    """Why `config.method` could not run a single test, when it could not (else None): e.g.
    runs of `--limit 10` over ten values have one item per dimension. Print this instead of
    "no difference is significant", which would read as evidence of no difference."""
    warnings: list[str] = Field(default_factory=list)
    verdict: Verdict | None = None
    """The worst of the runs' verdicts, each run's deciding reasons named."""

    def radar_order(self) -> list[str]:
        """The dimensions in the order they go around a radar plot (the circle first)."""
        return self.circle if self.circle else self.dimensions

    def significant(self, method: Method | None = None) -> list[DimensionComparison]:
        """The comparisons whose Holm-adjusted p is below alpha under `method`."""
        chosen = method or self.config.method
        return [c for c in self.comparisons if c.test(chosen).significant]


@dataclass
class LoadedRun:
    directory: Path
    results: MeasureResults
    config: MeasureConfig
    samples: list[LikertSample]


def load_measure_run(directory: Path) -> LoadedRun:
    """A finished `measure` run: its results and samples, or a CompareError naming it."""
    store = RunStore.open_existing(directory)
    command = store.manifest.command
    if command != MEASURE_COMMAND:
        raise CompareError(
            f"{directory} is a {command!r} run; compare needs runs of `valuescope measure`"
        )
    path = directory / RESULTS_FILE
    if not path.is_file():
        raise CompareError(
            f"{directory} has no {RESULTS_FILE} (unfinished?); complete it with "
            f"`valuescope measure --resume {directory}`"
        )
    try:
        results = read_json_model(path, MeasureResults, "the results of a measure run")
        config = MeasureConfig.model_validate(store.manifest.config)
    except ValidationError as exc:
        raise CompareError(f"{directory}: not readable as a measure run: {exc}") from exc
    return LoadedRun(directory, results, config, store.read_samples(LikertSample))


def _framework_of(run: LoadedRun) -> Framework | None:
    """The run's framework definition (for its order and circle); None if it moved away."""
    extra = Path(run.config.frameworks_dir) if run.config.frameworks_dir else None
    try:
        framework = load_framework(run.config.framework, extra)
    except (KeyError, FileNotFoundError, DataFileError):
        return None
    return framework if framework.id == run.results.framework else None


def _check_comparable(runs: Sequence[LoadedRun], framework: str | None) -> None:
    if len(runs) < 2:
        raise CompareError(f"compare needs at least 2 runs, got {len(runs)}")
    first = runs[0]
    wanted = framework or first.results.framework
    for run in runs:
        if run.results.framework != wanted:
            other = "--framework" if framework else str(first.directory)
            raise CompareError(
                f"{run.directory} measures {run.results.framework!r} but {other} is "
                f"{wanted!r}: compare needs runs of the same framework"
            )
        a, b = first.results.scale, run.results.scale
        if (a.minimum, a.maximum) != (b.minimum, b.maximum):
            raise CompareError(
                f"{run.directory} uses a {b.minimum}..{b.maximum} scale but {first.directory} "
                f"uses {a.minimum}..{a.maximum}: their scores are not comparable"
            )


def _labels(runs: Sequence[LoadedRun]) -> list[str]:
    """Model names where they are unique, else the directory names (unique if possible)."""
    models = [r.results.model for r in runs]
    labels = [
        m if models.count(m) == 1 else r.directory.name for m, r in zip(models, runs, strict=True)
    ]
    return [
        label if labels.count(label) == 1 else f"{label}#{i + 1}" for i, label in enumerate(labels)
    ]


def _dimension_order(runs: Sequence[LoadedRun]) -> tuple[list[str], list[str] | None]:
    scored = {d for r in runs for d in r.results.dimensions}
    framework = next((f for f in map(_framework_of, runs) if f is not None), None)
    if framework is None:
        order = list(dict.fromkeys(d for r in runs for d in r.results.dimensions))
        return order, None
    order = [d for d in framework.ids if d in scored]
    circle = [d for d in framework.circle if d in scored] if framework.circle else None
    return order, circle


def run_item_scores(
    samples: Sequence[LikertSample], scores: Scores = "own"
) -> dict[str, dict[str, float]]:
    """Dimension -> item id -> the item's score (mean of its valid administrations): the
    model's own administrations, or (`pooled`) every one, the respondents' included."""
    by_dimension: dict[str, list[LikertSample]] = {}
    for s in samples:
        if scores == "pooled" or s.respondent is None:
            by_dimension.setdefault(s.dimension, []).append(s)
    return {dim: item_scores(group) for dim, group in by_dimension.items()}


def _missing_test(reason: str, with_statistic: bool = False) -> PairTest:
    missing = Stat.missing(reason)
    statistic = missing if with_statistic else None
    return PairTest(statistic=statistic, p_value=missing, p_holm=missing, significant=None)


def compare_items(
    a: dict[str, float],
    b: dict[str, float],
    config: CompareConfig,
    run_a: str = "a",
    run_b: str = "b",
    dimension: str = "",
) -> DimensionComparison:
    """Paired tests of a vs b over the items both scored (item id -> score), before Holm:
    `p_holm` holds the raw p until `_apply_holm` adjusts the whole family."""
    common = sorted(a.keys() & b.keys())
    left = np.array([a[i] for i in common], dtype=float)
    right = np.array([b[i] for i in common], dtype=float)
    if len(common) < config.min_items:
        reason = f"needs >= {config.min_items} items scored by both runs, has {len(common)}"
        mean = dz = rb = Stat.missing(reason)
        permutation, signed_rank = _missing_test(reason), _missing_test(reason, True)
    else:
        mean, p = paired_permutation_test(left, right, config.n_permutations, config.seed)
        dz, rb = cohens_dz(left, right), rank_biserial(left, right)
        wilcoxon = wilcoxon_items(left, right)
        permutation = PairTest(p_value=p, p_holm=p, significant=None)
        signed_rank = PairTest(
            statistic=wilcoxon.statistic,
            p_value=wilcoxon.p_value,
            p_holm=wilcoxon.p_value,
            significant=None,
        )
    return DimensionComparison(
        run_a=run_a,
        run_b=run_b,
        dimension=dimension,
        n_items=len(common),
        mean_a=_mean(left),
        mean_b=_mean(right),
        mean_difference=mean,
        cohens_dz=dz,
        rank_biserial=rb,
        permutation=permutation,
        wilcoxon=signed_rank,
    )


def _apply_holm(comparisons: list[DimensionComparison], method: Method, alpha: float) -> int:
    """Replace each test's p_holm by the Holm-adjusted p over the method's computable tests."""
    tests = [c.test(method) for c in comparisons]
    family = [t for t in tests if t.p_value.value is not None]
    adjusted = holm([t.p_value.value for t in family if t.p_value.value is not None])
    for test, p in zip(family, adjusted, strict=True):
        test.p_holm = Stat.of(p)
        test.significant = p < alpha
    for test in tests:
        if test.p_value.value is None:
            test.p_holm = Stat.missing(test.p_value.reason or "the test was not computable")
    return len(family)


def _mean(values: np.ndarray[Any, np.dtype[np.float64]]) -> float | None:
    return float(np.mean(values)) if values.size else None


def compare_runs(
    directories: Sequence[Path],
    config: CompareConfig | None = None,
    framework: str | None = None,
) -> CompareResults:
    """Compare finished `measure` runs of one framework (`framework` names the one expected:
    an id or alias such as `schwartz`)."""
    config = config or CompareConfig()
    runs = [load_measure_run(Path(d)) for d in directories]
    expected = load_framework(framework).id if framework else None
    _check_comparable(runs, expected)
    labels = _labels(runs)
    dimensions, circle = _dimension_order(runs)
    items = {
        label: run_item_scores(r.samples, config.scores)
        for label, r in zip(labels, runs, strict=True)
    }

    comparisons = [
        compare_items(items[la].get(dim, {}), items[lb].get(dim, {}), config, la, lb, dim)
        for la, lb in combinations(labels, 2)
        for dim in dimensions
    ]
    n_tests: dict[str, int] = {m: _apply_holm(comparisons, m, config.alpha) for m in METHODS}
    nothing_tested = (
        _why_nothing_tested(comparisons, config) if n_tests[config.method] == 0 else None
    )

    return CompareResults(
        framework=runs[0].results.framework,
        dimensions=dimensions,
        circle=circle,
        scale=runs[0].results.scale,
        config=config,
        runs=[_info(label, r) for label, r in zip(labels, runs, strict=True)],
        profiles={
            label: _profile(r, items[label], config) for label, r in zip(labels, runs, strict=True)
        },
        item_scores=items,
        comparisons=comparisons,
        n_tests=n_tests,
        nothing_tested=nothing_tested,
        warnings=_warnings(runs),
        verdict=_verdict(labels, runs),
    )


def _profile(
    run: LoadedRun, items: dict[str, dict[str, float]], config: CompareConfig
) -> dict[str, ProfileCell]:
    """The run's profile in the comparison: its results' own profile, or the pooled one."""
    if config.scores == "own":
        return {
            dim: ProfileCell(score=d.score, ci=d.ci, score_mrat=d.score_mrat, n_items=d.n_items)
            for dim, d in run.results.dimensions.items()
        }
    cells = {}
    for dim, scored in items.items():
        values = list(scored.values())
        low, high = score_ci(values, run.results.scale)
        score = float(np.mean(values)) if values else None
        cells[dim] = ProfileCell(score=score, ci=[low.value, high.value], n_items=len(values))
    return cells


def _verdict(labels: Sequence[str], runs: Sequence[LoadedRun]) -> Verdict | None:
    """The worst of the runs' verdicts; each run's deciding reasons, named by its label."""
    reasons = []
    for label, run in zip(labels, runs, strict=True):
        verdict, failure = run.results.verdict, run.results.failure
        if failure is not None:
            text = f"{label}: the run failed: {failure}"
            reasons.append(Reason(check="run", level="not interpretable", text=text))
        elif verdict is not None:
            text = f"{label}: {verdict.explained()}"
            reasons.append(Reason(check="run", level=verdict.level, text=text))
    return Verdict.of(reasons) if reasons else None


def _why_nothing_tested(comparisons: Sequence[DimensionComparison], config: CompareConfig) -> str:
    """Why no comparison could be tested with `config.method`, in one sentence with the fix.

    The usual cause is too few items: runs of `measure --limit 10` over ten values share one
    item per dimension, and a paired test needs `min_items`. Otherwise the tests' own
    reasons (e.g. every paired difference is zero) are listed.
    """
    if not comparisons:
        return "the runs share no scored dimension: nothing was tested"
    most = max(c.n_items for c in comparisons)
    if most < config.min_items:
        return (
            f"no dimension has the {config.min_items} items scored by both runs that a test "
            f"needs (at most {most} common item{'' if most == 1 else 's'} per dimension): "
            f"nothing was tested; measure at least {config.min_items} items per dimension "
            "(e.g. a larger --limit)"
        )
    reasons = dict.fromkeys(
        c.test(config.method).p_value.reason or "not computable" for c in comparisons
    )
    return f"no comparison could be tested with {config.method}: {'; '.join(reasons)}"


def _info(label: str, run: LoadedRun) -> RunInfo:
    r = run.results
    return RunInfo(
        verdict=r.verdict,
        failure=r.failure,
        label=label,
        directory=str(run.directory),
        model=r.model,
        instrument=r.instrument,
        n_samples=r.overall.n_samples,
        n_invalid=r.overall.n_invalid,
        min_option_mass=r.min_option_mass,
        sampled=r.sampled,
        warnings=r.warnings,
    )


def _warnings(runs: Sequence[LoadedRun]) -> list[str]:
    warnings = list(dict.fromkeys(w for r in runs for w in r.results.warnings))
    instruments = sorted({r.results.instrument for r in runs})
    if len(instruments) > 1:
        warnings.append(
            f"the runs used different item banks ({', '.join(instruments)}): items are "
            "matched by id, so make sure equal ids mean equal items"
        )
    return warnings


def write_compare(results: CompareResults, out: Path) -> Path:
    """Write `compare.json` into `out` (atomically: a reader never sees half a file)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / COMPARE_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results.model_dump(mode="json"), indent=2) + "\n")
    os.replace(tmp, path)
    run_finished(out)
    return path


@dataclass
class CompareRun:
    directory: Path
    results: CompareResults
    files: list[Path]
    """compare.json, then the radar plot's PNG and SVG."""


def compare(
    directories: Sequence[Path],
    out: Path,
    config: CompareConfig | None = None,
    framework: str | None = None,
) -> CompareRun:
    """Compare runs and write compare.json and the radar plot (PNG, SVG) into `out`."""
    from valuescope.charts.radar import RadarSeries, radar_plot

    results = compare_runs(directories, config, framework)
    json_path = write_compare(results, out)
    series = [
        RadarSeries(
            label=run.label,
            scores={d: cell.score for d, cell in results.profiles.get(run.label, {}).items()},
        )
        for run in results.runs
    ]
    plot = radar_plot(
        series,
        results.radar_order(),
        results.scale.values,
        f"{results.framework}: item-mean scores on the "
        f"{results.scale.minimum}..{results.scale.maximum} scale",
        out,
    )
    return CompareRun(out, results, [json_path, *plot])
