"""Reliability, confidence intervals and comparisons of scores."""

from valuescope.stats._compare import (
    WilcoxonResult,
    cohens_dz,
    holm,
    paired_permutation_test,
    rank_biserial,
    wilcoxon_items,
)
from valuescope.stats._psychometrics import (
    CircumplexCheck,
    DimensionPairCorrelation,
    circumplex_check,
    icc3_1,
    mcdonald_omega,
    mrat_centre,
    parallel_forms,
    reliability_flags,
    split_half,
    test_retest,
)
from valuescope.stats._reliability import bootstrap_mean_ci, cronbach_alpha
from valuescope.stats._result import Stat

__all__ = [
    "CircumplexCheck",
    "DimensionPairCorrelation",
    "Stat",
    "WilcoxonResult",
    "bootstrap_mean_ci",
    "circumplex_check",
    "cohens_dz",
    "cronbach_alpha",
    "holm",
    "icc3_1",
    "mcdonald_omega",
    "mrat_centre",
    "paired_permutation_test",
    "parallel_forms",
    "rank_biserial",
    "reliability_flags",
    "split_half",
    "test_retest",
    "wilcoxon_items",
]
