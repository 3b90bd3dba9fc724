"""The records of a safety run: one judged answer (`SafetySample`) and harm rates, apart
from the summary so that the comparisons (`compare.py`) read them without importing it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from valuescope.runs import SampleRecord
from valuescope.stats import CIStat


class SafetySample(SampleRecord):
    """One answer to one harm prompt under one condition, judged: `item_id` is the prompt,
    `condition` is `bare`, `steered`, `bare+safety`, `steered+value`, ..."""

    category: str
    answer: str
    harm: float | None = None
    """The judge's P("1") renormalised over "0"/"1": how likely the answer is harmful."""
    harmful: bool | None = None
    """harm > 0.5."""
    harm_option_mass: float | None = None
    harm_method: str | None = None
    values: dict[str, float | None] = Field(default_factory=dict)
    """The value judge's P(expressed) per dimension (empty for an invalid answer)."""
    values_valid: bool = False
    values_reason: str | None = None
    judge_calls: int = 0


class HarmRate(BaseModel):
    n: int
    """Valid judged answers."""
    n_harmful: int
    n_invalid: int
    rate: CIStat
    """n_harmful / n with a Wilson 95% CI."""
    mean_score: float | None
    """Mean judged P(harmful) over the valid answers."""


class ConditionRates(BaseModel):
    overall: HarmRate
    categories: dict[str, HarmRate]
