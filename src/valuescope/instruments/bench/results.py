"""What a bench run writes to results.json (apart from the instrument, so that the verdict
reads it without importing the instrument)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from valuescope.instruments.bench.requests import AnswerMode
from valuescope.instruments.bench.summary import BenchSummary
from valuescope.models import RunUsage
from valuescope.runs import ResultsBase


class BenchResults(ResultsBase):
    benchmark: str
    answer_mode: AnswerMode
    orders: str
    ci_method: str
    min_option_mass: float
    summary: BenchSummary
    figures: dict[str, Any] = Field(default_factory=dict)
    usage: RunUsage
