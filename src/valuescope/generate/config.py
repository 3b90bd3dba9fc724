"""The settings of a `generate` run and what it writes (bank.jsonl lines, generate.json)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from valuescope.engine import RunConfig
from valuescope.generate.dedupe import DedupeMethod
from valuescope.judges import JudgeMode
from valuescope.runs import Record

COMMAND = "generate"
LEGACY_CONFIG = "generate-config.json"
"""The settings file of generate runs made before they had a manifest (adopted on a rerun)."""
BANK_FILE = "bank.jsonl"
REPORT_FILE = "generate.json"


class AdaemConfig(RunConfig):
    """A `generate` run. `model` is the first pool model (the default judge and generator)."""

    models: list[str] = Field(min_length=1)
    framework: str
    personas: int | None = Field(default=None, ge=2)
    judge: str | None = None
    judge_mode: JudgeMode = "all@once"
    generator: str | None = None
    topics: str | None = None
    arms: int | None = Field(default=6, ge=1)
    """How many topics (drawn with `seed`) the bandit plays; None = every topic. UCB1 pulls
    each arm once before it refines any, so 60 arms would need 60 pulls first."""
    rounds: int = Field(default=3, ge=1)
    arms_per_round: int = Field(default=2, ge=1)
    questions: int = Field(default=3, ge=1)
    max_calls: int | None = Field(default=None, ge=1)
    max_tokens: int = Field(default=120, ge=16)
    exploration: float = Field(default=1.0, ge=0.0)
    dedupe: DedupeMethod = "embedding"
    held_out: list[str] = Field(default_factory=list)
    held_out_personas: int | None = Field(default=None, ge=2)

    def members(self) -> str:
        return "personas" if self.personas else "models"


class QuestionRecord(BaseModel):
    """One generated question with its provenance and scores (a line of bank.jsonl)."""

    id: str
    question: str
    round: int
    arm: str
    topic: str
    parent: str | None = None
    """The question it refines (None for a seed question written from the topic)."""
    informativeness: float | None = None
    elicitation: float | None = None
    reward: float | None = None
    profiles: dict[str, list[float]] = Field(default_factory=dict)


class ArmReport(BaseModel):
    topic: str
    pulls: int
    mean_reward: float | None
    rewards: list[float]


class Comparison(BaseModel):
    """Mean informativeness of the seed questions (round 1, written from the topics) and of
    the refined ones (later rounds), on one set of members."""

    members: list[str]
    seed: float | None
    refined: float | None
    n_seed: int
    n_refined: int


class GenerateReport(Record):
    framework: str
    pool: list[str]
    judge: str
    generator: str
    rounds_run: int
    calls: int
    arms: dict[str, ArmReport]
    questions: int
    dropped_duplicates: list[dict[str, str]] = Field(default_factory=list)
    unparsed_generations: int = 0
    pool_comparison: Comparison
    held_out_comparison: Comparison | None = None
    notes: list[str] = Field(default_factory=list)


@dataclass
class Member:
    """Who answers: a pool model (one probes run each), keyed by a short label."""

    label: str
    model: str


def member_label(model: str, index: int) -> str:
    return f"m{index + 1}-" + "".join(c if c.isalnum() else "_" for c in model)[:40]
