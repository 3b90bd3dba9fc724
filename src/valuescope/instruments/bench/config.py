"""`BenchConfig`: everything that defines a bench run (stored in the manifest; no secrets).

Its own module so that the benchmark modules' hooks (`registry.Benchmark.design`) can read
it without importing the instrument that imports them."""

from __future__ import annotations

from pydantic import Field

from valuescope.engine import RunConfig
from valuescope.instruments.bench.requests import AnswerMode

DEFAULT_MAX_K = 8


class BenchConfig(RunConfig):
    benchmark: str
    data: str | None = None
    """The user's data file; None = the shipped one."""
    orders: int | None = Field(default=None, ge=1)
    """K random orders (seeded); None = all cyclic shifts."""
    answer_mode: AnswerMode = "choose"
    limit: int | None = Field(default=None, ge=1)
    info_gain: bool = False
    max_k: int | None = Field(default=None, ge=0)
    """learning: the most in-context examples (or feedback turns) asked; None = 8."""
