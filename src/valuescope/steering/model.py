"""`SteeredModel`: a model with a steering artifact in front of every request.

It is a `models.CachedModel` over the same backend and cache, so every instrument, judge and
benchmark takes it where it takes a model (`--steering RUN_DIR`, `RunConfig.steering`).
What it asks the backend is what the steering method would have asked, so requests made
during the search and during evaluation share cache entries. Its `identity` adds the
artifact's digest: the manifest records which steering a run had, and `resume` refuses a
run whose artifact changed.

    steered = SteeredModel(get_model("llamacpp"), load_steering("runs/...-steer-..."))
    completion = await steered.generate([user("Plan my weekend.")], models.GenerateConfig())
"""

from __future__ import annotations

from valuescope import models
from valuescope.steering.artifact import SteeringArtifact


class SteeredModel(models.CachedModel):
    """`inner` (its backend, cache and usage counters) steered by `artifact`."""

    def __init__(self, inner: models.CachedModel, artifact: SteeringArtifact) -> None:
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

    async def generate(
        self, messages: list[models.Message], config: models.GenerateConfig
    ) -> models.Completion:
        if self.artifact.rewrite is None:
            return await super().generate(self.artifact.apply(messages), config)
        from valuescope.steering.methods.couple import rewrite_completion

        draft = await super().generate(messages, config)
        return await rewrite_completion(self.bare, self.artifact, messages, draft, config)

    async def choose(self, messages: list[models.Message], options: list[str]) -> models.Choice:
        return await super().choose(self.artifact.apply(messages), options)

    async def fill(
        self, messages: list[models.Message], template: models.Template
    ) -> models.Filled:
        return await super().fill(self.artifact.apply(messages), template)


def steer_model(model: models.CachedModel, artifact: SteeringArtifact | None) -> models.CachedModel:
    """`model` steered by `artifact`, or `model` itself when there is none."""
    return model if artifact is None else SteeredModel(model, artifact)
