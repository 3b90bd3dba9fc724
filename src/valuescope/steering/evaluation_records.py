"""The records of a steer run's evaluation (`evaluation.py`): its config and its samples,
apart from the instrument so that the summary reads them without importing it."""

from __future__ import annotations

from pydantic import Field

from valuescope.engine import RunConfig
from valuescope.judges import JudgeMode
from valuescope.runs import SampleRecord
from valuescope.steering.targets import Target
from valuescope.steering.tasks import Task

COMMAND = "steer-eval"
BARE = "bare"


class EvaluationConfig(RunConfig):
    """A steer run's evaluation (stored in its manifest)."""

    framework: str
    target: Target
    steer_dir: str
    """The steer run whose `methods/<method>/artifact.json` give the conditions."""
    methods: list[str]
    tasks: list[Task] = Field(min_length=1)
    """The held-out tasks."""
    judge: str | None = None
    judge_mode: JudgeMode = "all@once"
    max_tokens: int = Field(default=120, ge=16)

    def judge_model_name(self) -> str | None:
        return self.judge


class EvaluationSample(SampleRecord):
    """One held-out task answered under one condition, judged."""

    response: str = ""
    expression: dict[str, float | None] = Field(default_factory=dict)
    conformity: float | None = None
    """Mean over the target dimensions of 1 - |p - t|."""
    parroting: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    rewritten: bool | None = None
    """COUPLE: whether the draft was rewritten (None for other conditions)."""
