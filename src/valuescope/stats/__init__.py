"""Reliability, confidence intervals and comparisons of scores."""

from valuescope.stats._circumplex import (
    CircumplexCheck,
    DimensionPairCorrelation,
    circumplex_check,
)
from valuescope.stats._classification import (
    MIN_PER_CLASS,
    DimensionMetrics,
    MacroMetrics,
    classification_metrics,
    f1,
    roc_auc,
)
from valuescope.stats._compare import (
    WilcoxonResult,
    cohens_dz,
    holm,
    paired_permutation_test,
    rank_biserial,
    wilcoxon_items,
)
from valuescope.stats._correlations import fisher_ci
from valuescope.stats._criterion import CriterionCorrelation, criterion_validity
from valuescope.stats._factor import mcdonald_omega
from valuescope.stats._format_checks import (
    TextAgreement,
    UniformityCheck,
    distance_from_uniform,
    text_agreement,
    uniformity_check,
)
from valuescope.stats._items import ItemStatistics, item_analysis
from valuescope.stats._mtmm import MTMMResult, TraitCorrelation, mtmm
from valuescope.stats._norms import (
    NormComparison,
    SampleStats,
    WelchTest,
    compare_with_norm,
    hedges_g,
    normal_percentile,
    sample_stats,
    welch_t,
    z_score,
)
from valuescope.stats._position import PositionCheck, position_check
from valuescope.stats._psychometrics import (
    icc3_1,
    mrat_centre,
    parallel_forms,
    reliability_flags,
    split_half,
    test_retest,
)
from valuescope.stats._reliability import (
    MIN_UNITS_T_CI,
    bootstrap_mean_ci,
    cronbach_alpha,
    mean_t_ci,
    missing_cells,
)
from valuescope.stats._resampling import CIStat, Clusters, bootstrap_ci
from valuescope.stats._respondents import (
    RespondentReliability,
    guttman_lambda6,
    respondent_reliability,
)
from valuescope.stats._result import Stat

__all__ = [
    "MIN_PER_CLASS",
    "MIN_UNITS_T_CI",
    "CIStat",
    "CircumplexCheck",
    "Clusters",
    "CriterionCorrelation",
    "DimensionMetrics",
    "DimensionPairCorrelation",
    "ItemStatistics",
    "MTMMResult",
    "MacroMetrics",
    "NormComparison",
    "PositionCheck",
    "RespondentReliability",
    "SampleStats",
    "Stat",
    "TextAgreement",
    "TraitCorrelation",
    "UniformityCheck",
    "WelchTest",
    "WilcoxonResult",
    "bootstrap_ci",
    "bootstrap_mean_ci",
    "circumplex_check",
    "classification_metrics",
    "cohens_dz",
    "compare_with_norm",
    "criterion_validity",
    "cronbach_alpha",
    "distance_from_uniform",
    "f1",
    "fisher_ci",
    "guttman_lambda6",
    "hedges_g",
    "holm",
    "icc3_1",
    "item_analysis",
    "mcdonald_omega",
    "mean_t_ci",
    "missing_cells",
    "mrat_centre",
    "mtmm",
    "normal_percentile",
    "paired_permutation_test",
    "parallel_forms",
    "position_check",
    "rank_biserial",
    "reliability_flags",
    "respondent_reliability",
    "roc_auc",
    "sample_stats",
    "split_half",
    "test_retest",
    "text_agreement",
    "uniformity_check",
    "welch_t",
    "wilcoxon_items",
    "z_score",
]
