"""The OpenAI-compatible backend: OpenAI, vLLM, SGLang, Ollama, llama.cpp server.

Requests go through the official SDK (`AsyncOpenAI`). Design points:

- *Replicas*: `openai:MODEL@URL1,URL2` names several servers of one model; each request goes
  to the replica with the fewest requests outstanding, so a slow replica gets less work.
- *Concurrency*: a semaphore per replica bounds requests in flight (`--concurrency`, default
  32), enough to keep a vLLM server's batch full without flooding it.
- *Retries*: tenacity, exponential backoff with jitter, on 429, 5xx and timeouts only. The
  SDK's own retries are off so that there is one policy. A refused connection is not retried
  for long: it fails with an error that names the URL.
- *choose*: one request with `max_tokens=1`, `logprobs=True`, `top_logprobs=20` (some
  servers return no log-probabilities unless top_logprobs is set). Options are single-token
  labels here; an option absent from the top 20 gets 0 and is listed in `missing`. A server
  that returns no log-probabilities is answered by K samples at temperature 1, optionally
  constrained (`constrain="guided_choice"` for vLLM/SGLang, `"grammar"` for llama.cpp).
- The API key is read from the environment variable named in the settings when the client
  is built; it is never part of the identity, the cache, the manifest or a log line.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from valuescope.models._errors import BackendUnreachable
from valuescope.models._merge import match_option, probs_from_surface_logprobs, renormalise
from valuescope.models._settings import ModelSettings
from valuescope.models._spec import ModelSpec
from valuescope.models._types import Choice, Completion, GenerateConfig, Message, TokenUsage

DEFAULT_HTTP_CONCURRENCY = 32
TOP_LOGPROBS = 20
FIRST_RETRY_WAIT_S = 1.0
"""Mean wait before the first retry; later ones double (with jitter) up to 30 s."""
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying: rate limits, server errors and timeouts, nothing else."""
    if isinstance(exc, openai.APITimeoutError | openai.RateLimitError):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


@dataclass
class _Replica:
    url: str | None
    client: AsyncOpenAI
    semaphore: asyncio.Semaphore
    outstanding: int = 0

    @property
    def label(self) -> str:
        return self.url or str(self.client.base_url)


class OpenAIModel:
    """A model behind one or more OpenAI-compatible endpoints (see module docstring)."""

    def __init__(self, spec: ModelSpec, settings: ModelSettings, name: str) -> None:
        self._spec = spec
        self._name = name
        self._settings = settings
        urls: list[str | None] = list(spec.urls) or [os.environ.get("OPENAI_BASE_URL") or None]
        key = os.environ.get(settings.api_key_env)
        if key is None and urls == [None]:
            raise BackendUnreachable(
                f"no API key: set {settings.api_key_env} (or name another variable with "
                "--api-key-env), or give a server URL: openai:MODEL@http://host:port/v1"
            )
        concurrency = settings.concurrency or DEFAULT_HTTP_CONCURRENCY
        self._replicas = [
            _Replica(
                url=url,
                client=AsyncOpenAI(
                    api_key=key or "EMPTY",
                    base_url=url,
                    max_retries=0,
                    timeout=settings.timeout_s,
                ),
                semaphore=asyncio.Semaphore(concurrency),
            )
            for url in urls
        ]

    @property
    def name(self) -> str:
        return self._name

    @property
    def identity(self) -> str:
        endpoints = ",".join(sorted(r.label for r in self._replicas))
        return f"openai|{self._spec.model}|{endpoints}|constrain={self._settings.constrain}"

    def _pick(self) -> _Replica:
        fewest = min(r.outstanding for r in self._replicas)
        return random.choice([r for r in self._replicas if r.outstanding == fewest])

    async def _call(self, request: Callable[[AsyncOpenAI], Awaitable[T]]) -> T:
        """Send one request to the least-loaded replica, retrying transient failures.

        The first attempt runs without the retry machinery (it costs ~40 us of CPU per
        request, which shows on a fast server); only a transient failure enters tenacity's
        loop, which waits with exponential backoff and jitter before each further attempt.
        """
        try:
            return await self._attempt(request)
        except Exception as exc:
            if not is_transient(exc) or self._settings.max_retries == 0:
                raise
        await asyncio.sleep(FIRST_RETRY_WAIT_S * (0.5 + random.random()))
        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient),
            wait=wait_exponential_jitter(multiplier=2 * FIRST_RETRY_WAIT_S, max=30.0),
            stop=stop_after_attempt(self._settings.max_retries),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(request)
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def _attempt(self, request: Callable[[AsyncOpenAI], Awaitable[T]]) -> T:
        """One try on the least-loaded replica; maps fatal errors to messages with the URL."""
        replica = self._pick()
        replica.outstanding += 1
        try:
            async with replica.semaphore:
                return await request(replica.client)
        except openai.APITimeoutError:
            raise
        except openai.APIConnectionError as exc:
            raise BackendUnreachable(
                f"cannot reach the model server at {replica.label}: {exc.__cause__ or exc}"
            ) from exc
        except openai.AuthenticationError as exc:
            raise BackendUnreachable(
                f"{replica.label} rejected the API key from ${self._settings.api_key_env}"
            ) from exc
        except openai.NotFoundError as exc:
            raise BackendUnreachable(
                f"{replica.label} does not serve model {self._spec.model!r}: {exc}"
            ) from exc
        finally:
            replica.outstanding -= 1

    def _messages(self, messages: list[Message]) -> Any:
        return [m.model_dump() for m in messages]

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        extra: dict[str, Any] = {}
        if config.stop:
            extra["stop"] = config.stop
        if config.seed is not None:
            extra["seed"] = config.seed

        async def request(client: AsyncOpenAI) -> Any:
            return await client.chat.completions.create(
                model=self._spec.model,
                messages=self._messages(messages),
                max_tokens=config.max_tokens,
                temperature=config.temperature,
                top_p=config.top_p,
                **extra,
            )

        response = await self._call(request)
        choice = response.choices[0]
        return Completion(
            text=choice.message.content or "",
            usage=_usage(response),
            finish_reason=choice.finish_reason,
        )

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        async def request(client: AsyncOpenAI) -> Any:
            return await client.chat.completions.create(
                model=self._spec.model,
                messages=self._messages(messages),
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=TOP_LOGPROBS,
            )

        response = await self._call(request)
        logprobs = response.choices[0].logprobs
        content = logprobs.content if logprobs is not None else None
        if not content or not content[0].top_logprobs:
            return await self._choose_by_sampling(messages, options)
        first = content[0]
        pairs = {(t.token, t.logprob) for t in first.top_logprobs}
        pairs.add((first.token, first.logprob))
        probs, mass, missing = probs_from_surface_logprobs(options, sorted(pairs))
        return Choice(
            options=options,
            probs=probs,
            option_mass=mass,
            missing=missing,
            method="logprobs",
            usage=_usage(response),
        )

    async def _choose_by_sampling(self, messages: list[Message], options: list[str]) -> Choice:
        """K samples at temperature 1, for servers without log-probabilities.

        The share of samples that name each option estimates its probability; samples that
        name none lower `option_mass`. With `constrain` set, the server restricts the answer
        to the options, so option_mass is 1 by construction.
        """
        k = self._settings.choose_samples
        extra: dict[str, Any] = {}
        if self._settings.constrain == "guided_choice":
            extra["extra_body"] = {"guided_choice": options}
        elif self._settings.constrain == "grammar":
            alternatives = " | ".join('"' + o.replace('"', '\\"') + '"' for o in options)
            extra["extra_body"] = {"grammar": f"root ::= {alternatives}"}

        async def one(index: int) -> Any:
            async def request(client: AsyncOpenAI) -> Any:
                return await client.chat.completions.create(
                    model=self._spec.model,
                    messages=self._messages(messages),
                    max_tokens=4,
                    temperature=1.0,
                    seed=index,
                    **extra,
                )

            return await self._call(request)

        responses = await asyncio.gather(*(one(i) for i in range(k)))
        counts = dict.fromkeys(options, 0.0)
        usage = TokenUsage()
        for response in responses:
            usage.prompt_tokens += _usage(response).prompt_tokens
            usage.completion_tokens += _usage(response).completion_tokens
            option = match_option(response.choices[0].message.content or "", options)
            if option is not None:
                counts[option] += 1.0
        probs, _ = renormalise([counts[o] for o in options])
        mass = sum(counts.values()) / k
        return Choice(
            options=options,
            probs=probs,
            option_mass=mass,
            missing=[o for o in options if counts[o] == 0],
            method="samples",
            n_samples=k,
            usage=usage,
        )

    async def aclose(self) -> None:
        for replica in self._replicas:
            await replica.client.close()


def _usage(response: Any) -> TokenUsage:
    usage = getattr(response, "usage", None)
    if usage is None:
        return TokenUsage()
    return TokenUsage(
        prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0
    )
