"""A statistic that may not be computable, and says why."""

from __future__ import annotations

import math

from pydantic import BaseModel


class Stat(BaseModel):
    """A value, or None with the reason it could not be computed (never a silent NaN)."""

    value: float | None
    reason: str | None = None

    @classmethod
    def of(cls, value: float) -> Stat:
        if math.isnan(value) or math.isinf(value):
            return cls(value=None, reason="not a finite number (zero variance?)")
        return cls(value=float(value))

    @classmethod
    def missing(cls, reason: str) -> Stat:
        return cls(value=None, reason=reason)
