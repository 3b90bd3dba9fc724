"""The instrument's reliability *in this model*, over simulated respondents (`design.py`).

Each respondent's item score is the mean of its valid answers over both option orders (and
draws), so a pull toward the first option cancels within the respondent. Per dimension, the
respondents x items matrix gives Cronbach's alpha, Guttman's lambda6 and McDonald's omega
with intervals over respondents (over personas when a persona answers under several
phrasings: those respondents are not independent), and the rule of Serapio-Garcia et al.:
a subscale is reliable only if all three are >= 0.70. A respondent missing an item (every
answer to it invalid) is left out of that dimension and counted.

This is a separate output from the model's own profile (`summary.py`): the profile says
what the model answers as itself; this says whether the questionnaire measures anything
consistent when the model answers as many different people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from valuescope.instruments.likert.design import MIN_RESPONDENTS, persona_of
from valuescope.instruments.likert.items import Item
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.stats import (
    ItemStatistics,
    RespondentReliability,
    item_analysis,
    respondent_reliability,
)
from valuescope.thresholds import ITEM_REST_FLOOR

RELIABLE_AT = 0.70


class RespondentDesign(BaseModel):
    """Who answered: the design's name and its size."""

    name: str
    respondents: int
    personas: int
    instructions: int
    postambles: int
    orders: int
    personas_source: str


class RespondentDimension(BaseModel):
    reliability: RespondentReliability
    mean: float | None
    """The mean scale score over respondents."""
    sd: float | None
    """How much the respondents differ: near 0 when personas change nothing, and then no
    reliability can be high."""
    items: list[ItemStatistics] = Field(default_factory=list)
    """Corrected item-rest r and alpha if deleted of each item (`stats.item_analysis`)."""
    weak_items: list[str] = Field(default_factory=list)
    """Items whose item-rest r is below `thresholds.ITEM_REST_FLOOR`, or whose deletion
    would raise alpha."""


class RespondentResults(BaseModel):
    design: RespondentDesign
    min_respondents: int = MIN_RESPONDENTS
    reliable_at: float = RELIABLE_AT
    n_samples: int
    n_invalid: int
    dimensions: dict[str, RespondentDimension]


def respondent_matrix(
    samples: Sequence[LikertSample], item_ids: Sequence[str]
) -> tuple[list[str], np.ndarray[Any, np.dtype[np.float64]]]:
    """(respondent ids, respondents x items matrix) of one dimension's samples: each cell the
    mean of the respondent's valid scores for the item over orders and draws, NaN if none."""
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    respondents: dict[str, None] = {}
    for s in samples:
        if s.respondent is None:
            continue
        respondents.setdefault(s.respondent)
        if s.valid and s.score is not None:
            cells[(s.respondent, s.item_id)].append(s.score)
    ids = list(respondents)
    matrix = np.full((len(ids), len(item_ids)), np.nan)
    for i, respondent in enumerate(ids):
        for j, item in enumerate(item_ids):
            scores = cells.get((respondent, item))
            if scores:
                matrix[i, j] = float(np.mean(scores))
    return ids, matrix


def respondent_scores(samples: Sequence[LikertSample], item_ids: Sequence[str]) -> dict[str, float]:
    """Respondent id -> its scale score on one dimension (mean over items; respondents
    missing an item are left out), for comparisons across instruments (MTMM)."""
    ids, matrix = respondent_matrix(samples, item_ids)
    complete = ~np.isnan(matrix).any(axis=1)
    return {r: float(matrix[i].mean()) for i, r in enumerate(ids) if complete[i]}


def weak_items(items: Sequence[ItemStatistics], alpha: float | None) -> list[str]:
    """The items below the item-rest floor, or whose deletion would raise `alpha`."""
    weak = []
    for item in items:
        r, without = item.item_rest_r.value, item.alpha_if_deleted.value
        low = r is not None and r < ITEM_REST_FLOOR
        lowers = alpha is not None and without is not None and without > alpha
        if low or lowers:
            weak.append(item.item_id)
    return weak


def summarise_respondents(
    samples: Sequence[LikertSample],
    items: Sequence[Item],
    dimension_ids: Sequence[str],
    design: RespondentDesign,
    seed: int,
) -> RespondentResults:
    """Reliability over respondents per dimension (see the module docstring)."""
    dimensions: dict[str, RespondentDimension] = {}
    for dim in dimension_ids:
        item_ids = sorted(i.id for i in items if i.dimension == dim)
        if not item_ids:
            continue
        ids, matrix = respondent_matrix([s for s in samples if s.dimension == dim], item_ids)
        reliability = respondent_reliability(
            matrix,
            min_respondents=MIN_RESPONDENTS,
            threshold=RELIABLE_AT,
            clusters=[persona_of(r) for r in ids],
        )
        complete = matrix[~np.isnan(matrix).any(axis=1)]
        totals = complete.mean(axis=1) if len(complete) else np.array([])
        item_stats = item_analysis(matrix, item_ids)
        dimensions[dim] = RespondentDimension(
            reliability=reliability,
            mean=float(totals.mean()) if len(totals) else None,
            sd=float(totals.std(ddof=1)) if len(totals) > 1 else None,
            items=item_stats,
            weak_items=weak_items(item_stats, reliability.alpha.value),
        )
    return RespondentResults(
        design=design,
        n_samples=len(samples),
        n_invalid=sum(not s.valid for s in samples),
        dimensions=dimensions,
    )
