"""The response cache's key holds the model's identity: two models asked the same thing do
not share an answer, while one model asked again is answered from the cache."""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers.scripted import ScriptedModel
from valuescope.models import CachedModel, Message, ResponseCache, user


class NamedModel(ScriptedModel):
    """A scripted model with its own identity and answer."""

    def __init__(self, identity: str, probs: list[float]) -> None:
        super().__init__(lambda messages, options: (probs, 1.0))
        self._identity = identity

    @property
    def identity(self) -> str:
        return self._identity


def test_models_with_different_identities_do_not_share_cache_entries(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    first, second = NamedModel("model|a", [0.9, 0.1]), NamedModel("model|b", [0.2, 0.8])
    question: list[Message] = [user("Yes or no?")]

    async def ask(model: NamedModel) -> list[float]:
        return (await CachedModel(model, cache).choose(question, ["Yes", "No"])).probs

    assert asyncio.run(ask(first)) == [0.9, 0.1]
    assert asyncio.run(ask(second)) == [0.2, 0.8]  # not model a's cached answer
    assert second.calls == 1
    assert asyncio.run(ask(first)) == [0.9, 0.1] and first.calls == 1  # a cache hit
    assert cache.stats().by_model == {"model|a": 1, "model|b": 1}
