"""`CachedModel`: the cache and the token accounting in front of any backend.

Every request an instrument makes goes through here: look the request up in the cache,
otherwise ask the backend and store the answer. It also counts what a run cost
(`RunUsage`), which ends up in `results.json`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from valuescope.models._cache import ResponseCache, cache_key
from valuescope.models._fill import Filled, Template
from valuescope.models._fill import fill as fill_template
from valuescope.models._protocol import Model, supports_images
from valuescope.models._types import Choice, Completion, GenerateConfig, Message, TokenUsage

A = TypeVar("A", Completion, Choice, Filled)


class RunUsage(BaseModel):
    """What a run cost: calls that reached the backend, cache hits, tokens, wall time."""

    model_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    endpoint_events: list[str] = []
    """When a server of the model went down or came back (`<UTC time> <URL>: <what>`),
    and per server how many requests failed and were retried (on it or on the others)."""


class CachedModel:
    """Wraps a backend `Model` with the response cache (optional) and usage counters."""

    def __init__(self, backend: Model, cache: ResponseCache | None) -> None:
        self.backend = backend
        self.cache = cache
        self.usage = RunUsage()
        self._lock = threading.Lock()
        self._in_flight: dict[str, asyncio.Future[Any]] = {}

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

    def _note_events(self) -> None:
        """The backend's endpoint events and failure counts (an HTTP backend has them) into
        the usage: when the run ends, which is when its results are written."""
        events = getattr(self.backend, "endpoint_events", None)
        if events:
            self.usage.endpoint_events = list(events)

    async def _answer(
        self, kind: str, payload: dict[str, Any], ask: Callable[[], Awaitable[A]], read: type[A]
    ) -> A:
        """The cached answer to a request, else `ask()`'s, stored. An identical request
        already in flight is waited for, not sent again: both get its answer (counted
        as a cache hit), as they would from the cache had the first one finished."""
        if self.cache is None:
            answer = await ask()
            self._count(answer.usage)
            return answer
        key = cache_key(self.backend.identity, kind, payload)
        if (hit := self.cache.get(key)) is not None:
            self._count(None)
            return read.model_validate_json(hit).model_copy(update={"cached": True})
        loop = asyncio.get_running_loop()
        leader = self._in_flight.get(key)
        if leader is not None and leader.get_loop() is loop:
            await asyncio.wait([leader])  # being cancelled here leaves the leader be
            if not leader.cancelled():
                self._count(None)
                first: A = leader.result()
                return first.model_copy(update={"cached": True})
            # the first one failed: this one asks for itself (and meets its error, if any)
        future: asyncio.Future[Any] = loop.create_future()
        self._in_flight[key] = future
        try:
            answer = await ask()
        except BaseException:
            future.cancel()
            raise
        finally:
            if self._in_flight.get(key) is future:
                del self._in_flight[key]
        future.set_result(answer)
        self._count(answer.usage)
        self.cache.put(key, self.backend.identity, kind, answer.model_dump_json())
        return answer

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        payload = {"messages": [m.cache_dump() for m in messages], "config": config.cache_fields()}
        return await self._answer(
            "generate", payload, lambda: self.backend.generate(messages, config), Completion
        )

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        payload = {"messages": [m.cache_dump() for m in messages], "options": options}
        return await self._answer(
            "choose", payload, lambda: self.backend.choose(messages, options), Choice
        )

    async def fill(self, messages: list[Message], template: Template) -> Filled:
        """`models.fill` through the cache: one entry per (messages, template), whichever
        route the backend takes (the generic route's `generate` is not cached twice)."""
        payload = {
            "messages": [m.cache_dump() for m in messages],
            "template": template.model_dump(),
        }
        return await self._answer(
            "fill", payload, lambda: fill_template(self.backend, messages, template), Filled
        )

    async def aclose(self) -> None:
        self._note_events()
        await self.backend.aclose()
