"""Analyses that read finished runs: `compare` (several measure runs' profiles side by side,
paired tests over items; `compare_run` is the `compare` command's run, which may measure
models first) and `agreement` (questionnaire vs free answers, across personas)."""

from valuescope.analysis.agreement import AgreementResults, DimensionAgreement, agreement
from valuescope.analysis.compare import (
    CompareConfig,
    CompareError,
    CompareResults,
    DimensionComparison,
    compare_items,
    compare_runs,
    load_measure_run,
    run_item_scores,
)
from valuescope.analysis.compare_run import (
    ComparePlan,
    CompareRun,
    compare,
    finish_compare,
    measure_model,
    plan_compare,
)

__all__ = [
    "AgreementResults",
    "CompareConfig",
    "CompareError",
    "ComparePlan",
    "CompareResults",
    "CompareRun",
    "DimensionAgreement",
    "DimensionComparison",
    "agreement",
    "compare",
    "compare_items",
    "compare_runs",
    "finish_compare",
    "load_measure_run",
    "measure_model",
    "plan_compare",
    "run_item_scores",
]
