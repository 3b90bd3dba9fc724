"""When a variance is zero up to rounding, so that nothing may be divided by it.

Scores that cancel exactly on paper do not cancel exactly in floating point. A uniform
position shift over two keyed and two reverse-keyed items leaves every administration's total
unchanged, yet the totals' variance comes out near 1e-31 instead of 0, and Cronbach's alpha
divided by it was -8.3e29. A test `variance == 0` misses that, and an absolute threshold
depends on the scale the scores are on. So a variance counts as zero when it is below
`RELATIVE_VARIANCE` times the squared magnitude of the numbers it was computed from. Rounding
leaves each number off by about 1e-16 of its size, so a variance of pure rounding is about
1e-32 of the magnitude squared, 1e20 times below the threshold; and the threshold is a
standard deviation of a millionth of the magnitude, far below any real variation of answers
on a Likert scale.
"""

from __future__ import annotations

RELATIVE_VARIANCE = 1e-12


def negligible_variance(variance: float, magnitude: float) -> bool:
    """Whether `variance` is zero up to rounding for numbers of size `magnitude` (max |x|).

    `magnitude` must bound the numbers the variance was computed from (for a sum of items,
    the sum of the items' largest absolute values), not the result: totals that cancel to
    about 0 would otherwise make any rounding error look large.
    """
    return variance <= RELATIVE_VARIANCE * magnitude**2
