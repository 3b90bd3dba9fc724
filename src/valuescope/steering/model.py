"""`SteeredModel`: a model with a steering artifact in front of every request.

It is a `CachedModel` over the same backend and cache, so every instrument, judge and
benchmark takes it where it takes a model (`--steering RUN_DIR`, `RunConfig.steering`).
What it asks the backend is what the steering method would have asked, so requests made
during the search and during evaluation share cache entries. Its `identity` adds the
artifact's digest: the manifest records which steering a run had, and `resume` refuses a
run whose artifact changed.

    steered = SteeredModel(get_model("llamacpp"), load_steering("runs/...-steer-..."))
    completion = await steered.generate([user("Plan my weekend.")], GenerateConfig())
"""

from __future__ import annotations

from valuescope.models import (
    CachedModel,
    Choice,
    Completion,
    Filled,
    GenerateConfig,
    Message,
    Template,
)
from valuescope.steering.artifact import SteeringArtifact


class SteeredModel(CachedModel):
    """`inner` (its backend, cache and usage counters) steered by `artifact`."""

    def __init__(self, inner: CachedModel, artifact: SteeringArtifact) -> None:
        super().__init__(inner.backend, inner.cache)
        self.usage = inner.usage
        self.bare = inner
        self.artifact = artifact

    @property
    def name(self) -> str:
        return f"{self.backend.name}+{self.artifact.method}"

    @property
    def identity(self) -> str:
        return f"{self.backend.identity}+steering:{self.artifact.method}:{self.artifact.digest()}"

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        if self.artifact.rewrite is None:
            return await super().generate(self.artifact.apply(messages), config)
        from valuescope.steering.methods.couple import rewrite_completion

        draft = await super().generate(messages, config)
        return await rewrite_completion(self.bare, self.artifact, messages, draft, config)

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        return await super().choose(self.artifact.apply(messages), options)

    async def fill(self, messages: list[Message], template: Template) -> Filled:
        return await super().fill(self.artifact.apply(messages), template)


def steer_model(model: CachedModel, artifact: SteeringArtifact | None) -> CachedModel:
    """`model` steered by `artifact`, or `model` itself when there is none."""
    return model if artifact is None else SteeredModel(model, artifact)
