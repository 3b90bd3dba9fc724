"""`CachedModel`: the cache and the token accounting in front of any backend.

Every request an instrument makes goes through here: look the request up in the cache,
otherwise ask the backend and store the answer. It also counts what a run cost
(`RunUsage`), which ends up in `results.json`.
"""

from __future__ import annotations

import threading

from pydantic import BaseModel

from valuescope.models._cache import ResponseCache, cache_key
from valuescope.models._fill import Filled, Template
from valuescope.models._fill import fill as fill_template
from valuescope.models._protocol import Model, supports_images
from valuescope.models._types import Choice, Completion, GenerateConfig, Message, TokenUsage


class RunUsage(BaseModel):
    """What a run cost: calls that reached the backend, cache hits, tokens, wall time."""

    model_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


class CachedModel:
    """Wraps a backend `Model` with the response cache (optional) and usage counters."""

    def __init__(self, backend: Model, cache: ResponseCache | None) -> None:
        self.backend = backend
        self.cache = cache
        self.usage = RunUsage()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def identity(self) -> str:
        """What the manifest records and `resume` compares. Cache keys use the backend's
        identity instead, so that a wrapper that changes what is asked (`SteeredModel`
        prepends its instruction) shares the cache entries of the requests it sends."""
        return self.backend.identity

    @property
    def supports_images(self) -> bool:
        """Whether the backend accepts messages with images (see `supports_images`)."""
        return supports_images(self.backend)

    def _count(self, usage: TokenUsage | None) -> None:
        with self._lock:
            if usage is None:
                self.usage.cache_hits += 1
                return
            self.usage.model_calls += 1
            self.usage.prompt_tokens += usage.prompt_tokens
            self.usage.completion_tokens += usage.completion_tokens

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        payload = {"messages": [m.cache_dump() for m in messages], "config": config.cache_fields()}
        key = cache_key(self.backend.identity, "generate", payload)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self._count(None)
            return Completion.model_validate_json(hit).model_copy(update={"cached": True})
        completion = await self.backend.generate(messages, config)
        self._count(completion.usage)
        if self.cache is not None:
            self.cache.put(key, self.backend.identity, "generate", completion.model_dump_json())
        return completion

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        payload = {"messages": [m.cache_dump() for m in messages], "options": options}
        key = cache_key(self.backend.identity, "choose", payload)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self._count(None)
            return Choice.model_validate_json(hit).model_copy(update={"cached": True})
        choice = await self.backend.choose(messages, options)
        self._count(choice.usage)
        if self.cache is not None:
            self.cache.put(key, self.backend.identity, "choose", choice.model_dump_json())
        return choice

    async def fill(self, messages: list[Message], template: Template) -> Filled:
        """`models.fill` through the cache: one entry per (messages, template), whichever
        route the backend takes (the generic route's `generate` is not cached twice)."""
        messages_dump = [m.cache_dump() for m in messages]
        payload = {"messages": messages_dump, "template": template.model_dump()}
        key = cache_key(self.backend.identity, "fill", payload)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self._count(None)
            return Filled.model_validate_json(hit).model_copy(update={"cached": True})
        filled = await fill_template(self.backend, messages, template)
        self._count(filled.usage)
        if self.cache is not None:
            self.cache.put(key, self.backend.identity, "fill", filled.model_dump_json())
        return filled

    async def aclose(self) -> None:
        await self.backend.aclose()
