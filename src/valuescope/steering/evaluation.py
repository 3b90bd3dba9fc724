"""The before/after evaluation: every condition (the bare model and each steering method)
answers the held-out tasks, and the value judge scores each answer.

It is an ordinary engine instrument (`steer-eval`), run inside a steer run's folder
(`<steer run>/evaluation/`), so it is resumable and its samples are on disk like any run's.
Conditions are asked one after the other (the steering text is the shared prefix), each
answer greedy. A condition's model is the bare subject with the method's artifact in front
(`SteeredModel`); COUPLE's answers are its rewrites. The judge is never steered.

`summary.py` turns the samples into the method table and the paired tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from valuescope.engine import KeyedInstrument, Models, SampleKey, digest
from valuescope.frameworks import load_framework
from valuescope.judges import Judge
from valuescope.models import CachedModel, GenerateConfig, user
from valuescope.steering.artifact import SteeringArtifact, artifact_path, load_steering
from valuescope.steering.evaluation_records import (
    BARE,
    COMMAND,
    EvaluationConfig,
    EvaluationSample,
)
from valuescope.steering.model import SteeredModel
from valuescope.steering.objective import conformity, description_vocabulary, parroting
from valuescope.steering.summary import EvaluationResults, summarise_evaluation
from valuescope.steering.tasks import ANSWER_INSTRUCTION, Task

__all__ = [
    "BARE",
    "COMMAND",
    "EvaluationConfig",
    "EvaluationInstrument",
    "EvaluationRequest",
    "EvaluationSample",
]


@dataclass(frozen=True)
class EvaluationRequest:
    condition: str
    task: Task

    @property
    def key(self) -> SampleKey:
        return (self.task.id, self.condition)


class EvaluationInstrument(
    KeyedInstrument[EvaluationConfig, EvaluationRequest],
    command=COMMAND,
    config_type=EvaluationConfig,
):
    """Held-out answers per condition, judged (see the module docstring)."""

    sample_type = EvaluationSample

    def __init__(self, config: EvaluationConfig, resume_from: Path | None = None) -> None:
        super().__init__(config)
        self.framework = load_framework(config.framework)
        steer_dir = Path(config.steer_dir)
        self.artifacts: dict[str, SteeringArtifact] = {
            m: load_steering(artifact_path(steer_dir, m)) for m in config.methods
        }
        self.vocabulary = description_vocabulary(self.framework, config.target)

    @property
    def conditions(self) -> list[str]:
        return [BARE, *self.config.methods]

    @property
    def instrument_name(self) -> str:
        return f"{self.framework.id}-steering"

    def fingerprint(self) -> dict[str, str]:
        return {
            "framework": digest(self.framework),
            "target": digest(self.config.target),
            "items": digest(self.config.tasks),
            "artifacts": digest({m: a.digest() for m, a in self.artifacts.items()}),
            "prompts": digest([ANSWER_INSTRUCTION]),
        }

    def requests(self) -> list[EvaluationRequest]:
        return [EvaluationRequest(c, t) for c in self.conditions for t in self.config.tasks]

    def model_for(self, condition: str, subject: CachedModel) -> CachedModel:
        if condition == BARE:
            return subject
        return SteeredModel(subject, self.artifacts[condition])

    async def answer(
        self, request: EvaluationRequest, models: Models
    ) -> Sequence[EvaluationSample]:
        model = self.model_for(request.condition, models.subject)
        config = GenerateConfig(max_tokens=self.config.max_tokens, seed=self.config.seed)
        completion = await model.generate([user(request.task.question())], config)
        text = completion.text.strip()
        item_id, condition = request.key
        sample = EvaluationSample(
            item_id=item_id, condition=condition, valid=False, response=text,
            prompt_tokens=completion.usage.prompt_tokens,
            completion_tokens=completion.usage.completion_tokens,
            rewritten=_rewritten(completion.finish_reason) if condition == "couple" else None,
        )  # fmt: skip
        if not text:
            return [sample.model_copy(update={"invalid_reason": "empty answer"})]
        judge = Judge(models.judge, self.framework, self.config.judge_mode,
                      self.config.min_option_mass)  # fmt: skip
        judgement = await judge.judge(text, request.task.prompt)
        if not judgement.valid:
            update = {"invalid_reason": judgement.reason, "expression": judgement.scores}
            return [sample.model_copy(update=update)]
        expression = {d: float(s) for d, s in judgement.scores.items() if s is not None}
        per_value = conformity(expression, self.config.target)
        return [sample.model_copy(update={
            "valid": True, "expression": judgement.scores,
            "conformity": sum(per_value.values()) / len(per_value),
            "parroting": parroting(text, self.vocabulary),
        })]  # fmt: skip

    def summarise(self, samples: list[EvaluationSample], models: Models) -> EvaluationResults:
        wanted = {r.key for r in self.requests()}
        samples = [s for s in samples if s.key in wanted]
        return summarise_evaluation(self.config, self.framework, samples, models,
                                    self.conditions)  # fmt: skip


def _rewritten(finish_reason: str | None) -> bool | None:
    """COUPLE's completions say `couple: rewritten (...)`, `couple: kept (...)` or
    `couple: fallback (...)` in `finish_reason`."""
    if finish_reason is None or not finish_reason.startswith("couple: "):
        return None
    return finish_reason.startswith("couple: rewritten")
