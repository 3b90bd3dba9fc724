"""Plain data types that cross the model layer's boundary.

A *request* is a list of chat messages plus either a `GenerateConfig` (free text) or a closed
set of options (`Model.choose`). Answers are `Completion` and `Choice`. They are pydantic
models so that the cache and the run store can write and read them without custom code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Message(BaseModel):
    """One chat message, as the OpenAI chat API spells it."""

    role: Literal["system", "user", "assistant"]
    content: str


def user(content: str) -> Message:
    """A user message (the most common kind, so it gets a short constructor)."""
    return Message(role="user", content=content)


def system(content: str) -> Message:
    """A system message."""
    return Message(role="system", content=content)


class GenerateConfig(BaseModel):
    """Sampling parameters of a free-text request.

    `sample_index` is not sent to the model: it tells the cache apart K samples of the same
    request at temperature > 0, so that K samples stay K distinct answers.
    """

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: list[str] = Field(default_factory=list)
    sample_index: int = 0


class TokenUsage(BaseModel):
    """Tokens one request used (0 where a backend does not report them)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Completion(BaseModel):
    """The answer to `Model.generate`."""

    text: str
    usage: TokenUsage = Field(default_factory=TokenUsage)
    finish_reason: str | None = None
    rendered_prompt: str | None = None
    """The exact prompt text the model saw, where the backend applies the chat template
    itself (llama.cpp); None for servers, which apply their own template."""
    cached: bool = False


ChooseMethod = Literal["logprobs", "samples"]


class Choice(BaseModel):
    """The model's distribution over a closed set of options (`Model.choose`).

    `probs` sums to 1 over the options (or is all zeros when the model put no measurable mass
    on any option); `option_mass` is the probability the model gave to *any* option before
    renormalising, so a low value means the model wanted to say something else (a refusal, a
    word, a different number). `missing` lists options the backend could not score, e.g.
    because they were absent from a server's top-k log-probabilities: they get probability 0.
    """

    options: list[str]
    probs: list[float]
    option_mass: float
    missing: list[str] = Field(default_factory=list)
    method: ChooseMethod
    n_samples: int | None = None
    """How many constrained samples were drawn when `method == "samples"`."""
    usage: TokenUsage = Field(default_factory=TokenUsage)
    rendered_prompt: str | None = None
    cached: bool = False

    def expected(self, values: list[float]) -> float:
        """Expected value of `values[i]` under `probs` (e.g. the expected Likert point)."""
        if len(values) != len(self.probs):
            raise ValueError("one value per option is needed")
        return float(sum(p * v for p, v in zip(self.probs, values, strict=True)))
