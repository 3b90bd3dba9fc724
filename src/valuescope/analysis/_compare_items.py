"""The runs a comparison reads (finished `measure` runs) and the paired tests over their
items (see `analysis.compare`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from valuescope.analysis._compare_models import (
    RESULTS_FILE,
    CompareConfig,
    CompareError,
    DimensionComparison,
    Method,
    PairTest,
    Scores,
)
from valuescope.datasets import DataFileError
from valuescope.frameworks import Framework, load_framework
from valuescope.instruments.likert.instrument import COMMAND as MEASURE_COMMAND
from valuescope.instruments.likert.instrument import MeasureConfig
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.instruments.likert.summary import MeasureResults, item_scores
from valuescope.runs import RunStore, read_json_model
from valuescope.stats import (
    Stat,
    cohens_dz,
    holm,
    paired_permutation_test,
    rank_biserial,
    wilcoxon_items,
)


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
