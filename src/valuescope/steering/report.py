"""`steer.json`: what a steer run found, in one file (the CLI prints it, the viewer shows it)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from valuescope.models import RunUsage
from valuescope.runs import Record
from valuescope.steering.search import StopReason
from valuescope.steering.summary import EvaluationResults

REPORT_FILE = "steer.json"
METHOD_FILE = "method.json"


class MethodReport(BaseModel):
    """One method's search: how it ended and what it cost (`methods/<m>/method.json`)."""

    method: str
    stopped: StopReason
    rounds_run: int
    candidates: int
    score: float | None
    requests: int
    """Requests the search made (cached ones included; what `--max-calls` bounds)."""
    max_calls: int | None
    usage: RunUsage
    """Calls that reached a backend, cache hits and tokens (subject, judge and optimiser)."""
    notes: list[str] = Field(default_factory=list)


class TransferRow(BaseModel):
    """One target value: its questionnaire score and its judged expression per condition."""

    dimension: str
    priority: float
    questionnaire: dict[str, float | None]
    behaviour: dict[str, float | None]


class SteerReport(Record):
    framework: str
    target: dict[str, float]
    scale: tuple[float, float]
    model: str
    methods: dict[str, MethodReport]
    split: dict[str, list[str]]
    evaluation: EvaluationResults | None = None
    transfer: list[TransferRow] = Field(default_factory=list)
    export: dict[str, int] = Field(default_factory=dict)
    """Records written per export file."""
    warnings: list[str] = Field(default_factory=list)
