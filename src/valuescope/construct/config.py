"""The settings of a `construct` run, and the built-in topics and rater roles.

Topics span everyday life, values and customs (CAReDiO's question domains, written for
valuescope). Raters are role-played members of the culture: a role from `ROLES` living in
the culture. The respondents pool (`valuescope.respondents`) is not used for this: its
personas name their own home towns across every continent, which would contradict "a
person from C".
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from valuescope.engine import RunConfig
from valuescope.generate.dedupe import DedupeMethod

TOPICS = (
    "meals and food at home",
    "greeting people and everyday politeness",
    "family duties and respect for elders",
    "festivals and holidays",
    "work, bosses and colleagues",
    "weddings and funerals",
    "hospitality and visiting someone's home",
    "gifts and money between friends and relatives",
    "education and what parents expect of children",
    "religion, beliefs and superstitions",
    "neighbours and community life",
    "what people consider rude or shameful",
)
"""The k-th question is about `TOPICS[k % len(TOPICS)]`."""

ROLES = (
    "a retired schoolteacher",
    "a university student",
    "a shop owner in a small town",
    "a nurse with two children",
    "a farmer from the countryside",
    "an office worker in the capital",
    "a grandmother who has lived in the same village all her life",
    "a young software engineer",
)
"""The i-th rater persona is `ROLES[i]` from the culture (at most len(ROLES) raters)."""


class ConstructConfig(RunConfig):
    """A `construct` run. `model` role-plays the raters (representativeness); `generator`
    (default `model`) writes and refines; `judge` (default `model`) guesses the culture
    (distinctiveness)."""

    culture: str = Field(min_length=1)
    related: list[str] = Field(min_length=1)
    generator: str | None = None
    judge: str | None = None
    personas: int = Field(default=3, ge=2, le=len(ROLES))
    questions: int = Field(default=4, ge=1)
    rounds: int = Field(default=1, ge=0)
    keep: int | None = Field(default=None, ge=1)
    """How many pairs to keep (top by combined score); None keeps every scored pair."""
    max_calls: int | None = Field(default=None, ge=1)
    max_tokens: int = Field(default=96, ge=16)
    dedupe: DedupeMethod = "lexical"

    @field_validator("culture")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _distinct_cultures(self) -> ConstructConfig:
        self.related = [c.strip() for c in self.related if c.strip()]
        names = [self.culture.lower(), *(c.lower() for c in self.related)]
        if not self.related or len(set(names)) != len(names):
            raise ValueError("--related needs >= 1 culture, all different from --culture")
        return self

    @property
    def cultures(self) -> list[str]:
        """The judge's options: the target culture first, then the related ones."""
        return [self.culture, *self.related]

    @property
    def generator_name(self) -> str:
        return self.generator or self.model

    @property
    def judge_name(self) -> str:
        return self.judge or self.model
