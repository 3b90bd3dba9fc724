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

from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import numpy as np

from valuescope.analysis._compare_items import (
    LoadedRun,
    _apply_holm,
    _check_comparable,
    _dimension_order,
    _labels,
    compare_items,
    load_measure_run,
    run_item_scores,
)
from valuescope.analysis._compare_models import (
    COMMAND,
    COMPARE_FILE,
    METHODS,
    CompareConfig,
    CompareError,
    CompareResults,
    DimensionComparison,
    Method,
    PairTest,
    ProfileCell,
    RunInfo,
    Scores,
)
from valuescope.frameworks import load_framework
from valuescope.instruments.likert.summary import score_ci
from valuescope.verdict import Reason, Verdict

__all__ = [
    "COMMAND",
    "COMPARE_FILE",
    "METHODS",
    "CompareConfig",
    "CompareError",
    "CompareResults",
    "DimensionComparison",
    "LoadedRun",
    "Method",
    "PairTest",
    "ProfileCell",
    "RunInfo",
    "Scores",
    "compare_items",
    "compare_runs",
    "load_measure_run",
    "run_item_scores",
]


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
