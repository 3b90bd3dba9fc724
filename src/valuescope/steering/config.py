"""`SteerConfig`: everything that defines a steer run (stored in its manifest.json)."""

from __future__ import annotations

from pydantic import Field

from valuescope.engine import RunConfig
from valuescope.judges import JudgeMode
from valuescope.steering.artifact import MethodName
from valuescope.steering.search import MethodSettings
from valuescope.steering.targets import Target


def _prompt_only() -> list[MethodName]:
    return ["prompt"]


class SteerConfig(RunConfig):
    """A `valuescope steer` run (see `steering/run.py`)."""

    framework: str
    target: Target
    methods: list[MethodName] = Field(default_factory=_prompt_only, min_length=1)
    prompts: str | None = None
    """A task file (YAML, JSONL or one prompt per line); None = the shipped 65 tasks."""
    optimisation_tasks: int | None = Field(default=None, ge=1)
    """Use only the first N tasks of the optimisation half (None = all of it)."""
    held_out_tasks: int | None = Field(default=None, ge=2)
    judge: str | None = None
    judge_mode: JudgeMode = "all@once"
    optimiser: str | None = None
    """The model that proposes instructions and reflections (None = the steered model)."""
    search: MethodSettings = MethodSettings()
    max_calls: int | None = Field(default=None, ge=1)
    """Per method: requests (responses, judgements, proposals; cached ones too) its search
    may make. The evaluation is not counted against it."""
    evaluate: bool = True
    transfer_items: int = Field(default=0, ge=0)
    """Questionnaire items per dimension for the trait-transfer check (0 = skip it)."""
    calibration_items: int = Field(default=0, ge=0)
    """`levels`: questionnaire items per dimension for the 9-level calibration (0 = skip)."""

    def judge_model_name(self) -> str | None:
        return self.judge
