"""Item-level psychometrics over respondents: does each item belong to its scale?

For a respondents x items matrix of one dimension (reverse-keyed scores), on the respondents
with every item answered:

- *corrected item-rest correlation*: Pearson r of the item with the mean of the *other*
  items (the item itself left out of the total, so it does not correlate with itself);
  low or negative values mark an item that does not measure what the rest measure (a
  reverse key the model did not follow, an ambiguous wording);
- *alpha if item deleted*: Cronbach's alpha of the other items; above the scale's own
  alpha, the item lowers the scale's internal consistency.

The floor applied to the first is `thresholds.ITEM_REST_FLOOR`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from valuescope.stats._reliability import cronbach_alpha
from valuescope.stats._result import Stat


class ItemStatistics(BaseModel):
    item_id: str
    n_respondents: int
    item_rest_r: Stat
    alpha_if_deleted: Stat


def item_analysis(matrix: npt.ArrayLike, item_ids: Sequence[str]) -> list[ItemStatistics]:
    """Corrected item-rest r and alpha if deleted of each column (module docstring).

    Rows with a missing cell are left out (listwise). Null with a reason where a statistic
    cannot be computed: fewer than 3 items or 3 complete respondents, or an item or a rest
    score that does not vary. Raises ValueError when `item_ids` does not name every column.
    """
    data = np.asarray(matrix, dtype=float)
    if data.ndim != 2 or data.shape[1] != len(item_ids):
        raise ValueError(f"{len(item_ids)} item ids for a matrix of shape {data.shape}")
    complete = data[~np.isnan(data).any(axis=1)]
    n, k = complete.shape
    results = []
    for j, item in enumerate(item_ids):
        if k < 3 or n < 3:
            why = f"needs >= 3 items and >= 3 respondents with every item, has {k} and {n}"
            results.append(ItemStatistics(item_id=item, n_respondents=n,
                                          item_rest_r=Stat.missing(why),
                                          alpha_if_deleted=Stat.missing(why)))  # fmt: skip
            continue
        rest = np.delete(complete, j, axis=1)
        column, rest_mean = complete[:, j], rest.mean(axis=1)
        if np.std(column) < 1e-12 or np.std(rest_mean) < 1e-12:
            r = Stat.missing("the item or the rest of the scale does not vary over respondents")
        else:
            r = Stat.of(float(np.corrcoef(column, rest_mean)[0, 1]))
        results.append(ItemStatistics(item_id=item, n_respondents=n, item_rest_r=r,
                                      alpha_if_deleted=cronbach_alpha(rest)))  # fmt: skip
    return results
