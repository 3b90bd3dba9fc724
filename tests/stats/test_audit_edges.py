"""The audit's reproducers for exported functions at their edges (issue 21, item 10): each
must give None with a reason, or its documented undefined form, and never a number outside
its statistic's range."""

from __future__ import annotations

import math

import pytest

from valuescope.generate import informativeness, jensen_shannon
from valuescope.stats import f1, fisher_ci, roc_auc
from valuescope.steering.summary import balance_cv

NAN = math.nan


def test_roc_auc_leaves_out_a_pair_with_a_nan_label() -> None:
    # was 1.5: the NaN label's score was ranked with the others
    assert roc_auc([1, 0, 1, NAN, 0], [0.9, 0.1, 0.8, 0, 0.2]) == 1.0
    assert roc_auc([1, 0, 1, NAN, 0], [0.9, 0.1, 0.8, 0.95, 0.2]) == 1.0


def test_roc_auc_leaves_out_a_pair_with_a_nan_score() -> None:
    # was NaN: a NaN rank poisoned the sum
    assert roc_auc([1, 0, 1, 0, 0], [0.9, NAN, 0.8, 0.2, 0.1]) == 1.0
    assert roc_auc([1, 0, 1, 0], [0.9, 0.95, NAN, 0.2]) == 0.5
    assert roc_auc([1, NAN, 0], [NAN, 0.3, 0.2]) is None  # no positive left


def test_roc_auc_and_f1_refuse_a_label_that_is_no_class() -> None:
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        roc_auc([1, 2, 0], [0.9, 0.5, 0.1])
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        f1([1, 2, 0], [1, 1, 0])


def test_f1_leaves_out_a_pair_with_a_nan_label() -> None:
    # a NaN label used to count as a negative, so predicting 1 there was a false positive
    assert f1([1, NAN, 0], [1, 1, 0]) == 1.0


def test_fisher_ci_of_nan_is_none() -> None:
    # was (1.0, 1.0): copysign(inf, nan) took the NaN as a perfect correlation
    assert fisher_ci(NAN, 50) is None
    assert fisher_ci(1.2, 50) is None  # not a correlation
    assert fisher_ci(1.0, 50) == (1.0, 1.0)  # a perfect one stays a point


def test_jensen_shannon_of_all_zeros_raises() -> None:
    # was NaN (0/0 in the normalisation)
    with pytest.raises(ValueError, match="not a distribution"):
        jensen_shannon([0, 0], [1, 1])
    with pytest.raises(ValueError, match="not a distribution"):
        jensen_shannon([1, NAN], [1, 1])
    assert jensen_shannon([1, 0], [0, 1]) == 1.0
    # its caller leaves such profiles out instead of failing
    assert informativeness({"a": [0, 0], "b": [1, 1], "c": [1, 0]}) == pytest.approx(
        jensen_shannon([1, 1], [1, 0])
    )
    assert informativeness({"a": [0, 0], "b": [1, 1]}) is None


def test_balance_cv_with_one_target_value_is_missing() -> None:
    # was 0.0 ("perfect balance"): the sd of one value was taken as 0
    one = balance_cv({"power": 0.8})
    assert one.value is None and one.reason == "the target has 1 value; balance compares >= 2"
    unread = balance_cv({"power": 0.8, "benevolence": None})
    assert unread.value is None
    assert unread.reason == "1 of 2 target values have valid answers; balance compares >= 2"
    assert balance_cv({"power": 0.6, "benevolence": 0.8}).value == pytest.approx(
        math.sqrt(0.02) / 0.7
    )
