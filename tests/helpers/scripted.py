"""A scripted stand-in for a model, for unit tests of scoring logic only.

It is not a backend and users never see it: it answers `choose` with a distribution that a
test computes from the prompt, so the scoring maths can be checked against hand-computed
values without a language model's noise.
"""

from __future__ import annotations

from collections.abc import Callable

from valuescope.models import Choice, Completion, GenerateConfig, Message, TokenUsage

Script = Callable[[list[Message], list[str]], tuple[list[float], float]]


class ScriptedModel:
    """Answers `choose` from `script(messages, options) -> (probs, option_mass)`."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.calls = 0

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def identity(self) -> str:
        return "scripted|test"

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        raise NotImplementedError("the scripted model only answers choose")

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        self.calls += 1
        probs, mass = self.script(messages, options)
        return Choice(
            options=options,
            probs=probs,
            option_mass=mass,
            method="logprobs",
            usage=TokenUsage(prompt_tokens=10),
        )

    async def aclose(self) -> None:
        return None
