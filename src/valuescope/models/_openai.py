"""The OpenAI-compatible backend: OpenAI, vLLM, SGLang, Ollama, llama.cpp server.

Requests go through the official SDK (`AsyncOpenAI`). Design points:

- *Replicas and concurrency* (`_replicas.py`): `openai:MODEL@URL1,URL2` names several
  servers of one model. Each request goes to the least-loaded one; each replica's limit
  (`--concurrency`, default 32) adapts to 429s and slow answers (AIMD) and honours
  Retry-After; a replica that dies is taken down and its requests go to the others.
- *Retries* (`_failures.py`): up to `max_retries` more attempts on 429, 408, 5xx, timeouts
  and dropped connections: at once on another replica, else after a backoff (mean 1 s,
  doubling up to 30 s). The SDK's own retries are off so that there is one policy. A model
  none of whose replicas ever answered fails at once with `BackendUnreachable` when every
  one refused the connection, and after 3 resets of one request (a wrong URL or scheme
  does not wait through the backoff). A request the server refuses (400, 422, other 4xx)
  fails at once with `BackendRejected`; 401 and 404 with `BackendUnreachable`; failures
  that outlast the retries with `BackendFailed`. Messages name the URL and the failure.
- *choose*: one request with `max_tokens=1`, `logprobs=True`, `top_logprobs=20` (some
  servers return no log-probabilities unless top_logprobs is set). Options of one token are
  scored from it; options of several tokens ("comedy" = com + edy, "10" = 1 + 0) by their
  whole token sequence, with further requests that continue a prefix of the answer
  (`_sequence_choice` walks the token tree, `_continuation` builds the requests and probes
  once per model whether the server can continue a prefix). An option no token path
  reaches gets 0 and is listed in `missing`; an answer with no probability on any option
  says why in `unscored_reason`. A server that returns no log-probabilities, or cannot
  continue a prefix that an option needs, is answered by K samples at temperature 1,
  optionally constrained (`constrain="guided_choice"` for vLLM/SGLang, `"grammar"` for
  llama.cpp).
- *generate*: one chat request. `top_logprobs > 0` asks for each written token's
  log-probabilities (`Completion.tokens`; None where the server sends none); a `grammar`
  is sent only where the settings say how: `constrain="grammar"` as llama.cpp's `grammar`,
  `"guided_choice"` as vLLM's `guided_grammar` (`Completion.constrained` says whether).
- *images*: a message's images go as `image_url` parts with data URLs (the images first,
  then the text); `supports_images` follows `ModelSettings.images` (on by default).
- The API key is read from the environment variable named in the settings when the client
  is built; it is never part of the identity, the cache, the manifest or a log line.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI

from valuescope.models._continuation import TOP_LOGPROBS as TOP_LOGPROBS
from valuescope.models._continuation import (
    Continuer,
    add_usage,
    extra_body,
    gbnf_literal,
    positions,
    probe,
)
from valuescope.models._continuation import response_usage as _usage
from valuescope.models._errors import (
    MissingApiKey,
    refuse_images,
)
from valuescope.models._failures import backoff_s, exhausted, failure_kind, fatal, is_transient
from valuescope.models._merge import match_option, renormalise
from valuescope.models._replicas import Event, Replica, ReplicaPool
from valuescope.models._sequence_choice import Expander, unscored_reason, walk
from valuescope.models._settings import ModelSettings
from valuescope.models._spec import ModelSpec
from valuescope.models._types import (
    Choice,
    Completion,
    Continuation,
    GenerateConfig,
    Message,
    TokenLogprobs,
    TokenUsage,
)

DEFAULT_HTTP_CONCURRENCY = 32
NEVER_ANSWERED_DROPS = 3
"""Dropped connections one request takes, before any answer came, to call a server broken."""
T = TypeVar("T")


class OpenAIModel:
    """A model behind one or more OpenAI-compatible endpoints (see module docstring)."""

    def __init__(self, spec: ModelSpec, settings: ModelSettings, name: str) -> None:
        self._spec = spec
        self._name = name
        self._settings = settings
        urls: list[str | None] = list(spec.urls) or [os.environ.get("OPENAI_BASE_URL") or None]
        key = os.environ.get(settings.api_key_env)
        if key is None and urls == [None]:
            raise MissingApiKey(
                f"no API key: set {settings.api_key_env} (or name another variable with "
                "--api-key-env), or give a server URL: openai:MODEL@http://host:port/v1"
            )
        self._key = key
        self._urls = urls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._events: list[Event] = []
        self._refused: set[str] = set()
        self._pool = self._connect()
        self._retired: list[ReplicaPool[AsyncOpenAI]] = []
        self._continuation: Continuation | None = (
            settings.continuation if settings.continuation in ("prefill", "grammar") else None
        )
        self._probed = settings.continuation != "auto"
        self._probe_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def _connect(self) -> ReplicaPool[AsyncOpenAI]:
        """One client per replica, in a pool (for the running event loop) that spreads the
        requests and adapts each replica's concurrency (`_replicas`)."""
        clients = []
        for url in self._urls:
            client = AsyncOpenAI(
                api_key=self._key or "EMPTY",
                base_url=url,
                max_retries=0,
                timeout=self._settings.timeout_s,
            )
            clients.append((url or str(client.base_url), client))
        ceiling = self._settings.concurrency or DEFAULT_HTTP_CONCURRENCY
        return ReplicaPool(clients, ceiling, self._events, adapt_to_latency=self._adapts)

    _adapts = True
    """Whether slow answers lower a replica's concurrency (not for a server of our own)."""

    @property
    def _replicas(self) -> list[Replica[AsyncOpenAI]]:
        return self._pool.replicas

    @property
    def endpoint_events(self) -> list[str]:
        """When a replica went down or came back, as `<UTC time> <URL>: <what>` lines, then
        for each replica with failed requests how many of each kind, and when."""
        return [str(event) for event in self._events] + self._pool.failure_lines()

    def _on_this_loop(self) -> None:
        """Clients belong to one event loop: a model used again under another (each sync
        call runs its own loop) gets new ones."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            # The old clients cannot be closed from here; kept, not collected, since the
            # SDK's finaliser would try to close them on this loop and log an error.
            self._retired.append(self._pool)
            self._loop, self._pool = loop, self._connect()

    @property
    def name(self) -> str:
        return self._name

    @property
    def identity(self) -> str:
        endpoints = ",".join(sorted(r.label for r in self._replicas))
        return (
            f"openai|{self._spec.model}|{endpoints}|constrain={self._settings.constrain}"
            f"|continuation={self._settings.continuation}"
        )

    async def _call(self, request: Callable[[AsyncOpenAI], Awaitable[T]], kind: str = "") -> T:
        """Send one request through the replica pool, retrying transient failures (see
        `is_transient`): at once on another replica where one has room, else after
        `backoff_s` (or the server's Retry-After). Raises only `BackendError`s for failures
        of the server (see the module docstring)."""
        self._on_this_loop()
        attempt = 1
        while True:
            replica = await self._pool.acquire()
            started = time.monotonic()
            try:
                response = await self._attempt(replica, request)
            except (openai.APIConnectionError, openai.APIStatusError) as exc:
                failure = failure_kind(exc)
                self._pool.failed(replica, failure)
                if failure.kind == "refused":
                    self._refused.add(replica.label)
                unreachable = self._pool.never_answered() and self._refused >= {
                    r.label for r in self._pool.replicas
                }
                # a server that resets every connection before it ever answered is broken
                # (or speaks another scheme), not busy: a few tries, not the whole backoff
                unreachable |= (
                    failure.kind == "dropped"
                    and self._pool.never_answered()
                    and (attempt >= NEVER_ANSWERED_DROPS)
                )
                if not is_transient(exc, answered=not unreachable):
                    raise fatal(
                        replica.label, exc, self._settings.api_key_env, self._spec.model
                    ) from exc
                if attempt > self._settings.max_retries:
                    raise exhausted(replica.label, exc, attempt, self._settings.timeout_s) from exc
                attempt += 1
                if failure.kind in ("other", "overload") and failure.retry_after_s is None:
                    await asyncio.sleep(backoff_s(attempt - 1))
                continue
            except BaseException:
                self._pool.cancelled(replica)
                raise
            self._pool.succeeded(replica, time.monotonic() - started, kind)
            return response

    async def _attempt(
        self, replica: Replica[AsyncOpenAI], request: Callable[[AsyncOpenAI], Awaitable[T]]
    ) -> T:
        """One try on `replica` (a subclass may count what came back)."""
        return await request(replica.client)

    @property
    def supports_images(self) -> bool:
        """As the settings say (`ModelSettings.images`, on by default)."""
        return self._settings.images

    def _messages(self, messages: list[Message]) -> Any:
        """The chat messages as sent: images as `image_url` data URLs (`Message.chat_dump`),
        or `ImagesUnsupported` when the settings say this server reads text only."""
        if not self._settings.images:
            refuse_images(messages, f"{self._name} (run with --no-images)")
        return [m.chat_dump() for m in messages]

    async def _complete(self, messages: list[Message], **params: Any) -> Any:
        """One chat completion of `messages` with `params`, through `_call` (retried)."""

        async def request(client: AsyncOpenAI) -> Any:
            return await client.chat.completions.create(
                model=self._spec.model, messages=self._messages(messages), **params
            )

        # latency is compared between requests of one size (`_replicas`: slow = overload)
        return await self._call(request, f"max_tokens={params.get('max_tokens')}")

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        extra: dict[str, Any] = {}
        body: dict[str, Any] = {}
        if config.stop:
            extra["stop"] = config.stop
        if config.seed is not None:
            # as the embedded backend does: K seeded samples of one request are K draws
            extra["seed"] = config.seed + config.sample_index
        if config.top_logprobs > 0:
            extra["logprobs"] = True
            extra["top_logprobs"] = config.top_logprobs
        constrained = config.grammar is not None and self._settings.constrain is not None
        if constrained:
            field = "grammar" if self._settings.constrain == "grammar" else "guided_grammar"
            body[field] = config.grammar

        response = await self._complete(
            messages,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            top_p=config.top_p,
            extra_body=extra_body(body),
            **extra,
        )
        choice = response.choices[0]
        return Completion(
            text=choice.message.content or "",
            usage=_usage(response),
            finish_reason=choice.finish_reason,
            tokens=_written_tokens(choice) if config.top_logprobs > 0 else None,
            constrained=constrained,
        )

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        response = await self._complete(
            messages,
            max_tokens=1,
            temperature=0.0,
            logprobs=True,
            top_logprobs=TOP_LOGPROBS,
            extra_body=extra_body(),
        )
        logprobs = response.choices[0].logprobs
        content = logprobs.content if logprobs is not None else None
        if not content or not content[0].top_logprobs:
            return await self._choose_by_sampling(messages, options)
        continuer = Continuer(self._call, self._spec.model, self._messages(messages), "prefill")
        return await self._walk(messages, options, response, continuer)

    async def _walk(
        self, messages: list[Message], options: list[str], response: Any, continuer: Continuer
    ) -> Choice:
        """Score `options` from `response`'s first position (its top-k), continuing options
        of several tokens through `continuer` (see `_sequence_choice.walk`)."""
        first = positions(response)[0][2]
        used: list[Continuation] = []

        async def expander() -> Expander | None:
            method = await self._continuation_method(continuer, first, response)
            if method is None:
                return None
            continuer.method = method
            used.append(method)
            return continuer

        result = await walk(options, first, expander)
        usage = add_usage(_usage(response), continuer.usage)
        if result.incomplete:  # an option needs a continuation that the server cannot give
            sampled = await self._choose_by_sampling(messages, options)
            update = {
                "usage": add_usage(usage, sampled.usage),
                "sequence_requests": continuer.requests,
            }
            return sampled.model_copy(update=update)
        probs, mass = renormalise(result.raw)
        return Choice(
            options=options,
            probs=probs,
            option_mass=mass,
            missing=[o for o, r in zip(options, result.reached, strict=True) if not r],
            method="logprobs",
            continuation=used[0] if used else None,
            sequence_requests=continuer.requests,
            usage=usage,
            unscored_reason=None if mass > 0 else unscored_reason(result, len(first)),
        )

    async def _continuation_method(
        self, continuer: Continuer, first: Any, response: Any
    ) -> Continuation | None:
        """The configured continuation, or the probed one (probed once per model, on the
        first call that needs it; concurrent calls wait for that probe)."""
        if self._probed:
            return self._continuation
        loop = asyncio.get_running_loop()
        if self._probe_lock is None or self._probe_lock[0] is not loop:
            self._probe_lock = (loop, asyncio.Lock())
        async with self._probe_lock[1]:
            if not self._probed:
                self._continuation = await probe(continuer, first, _usage(response).prompt_tokens)
                self._probed = True
        return self._continuation

    async def _choose_by_sampling(self, messages: list[Message], options: list[str]) -> Choice:
        """K samples at temperature 1, for servers without log-probabilities.

        The share of samples that name each option estimates its probability; samples that
        name none lower `option_mass`. With `constrain` set, the server restricts the answer
        to the options, so option_mass is 1 by construction.
        """
        k = self._settings.choose_samples
        body: dict[str, Any] = {}
        if self._settings.constrain == "guided_choice":
            body["guided_choice"] = options
        elif self._settings.constrain == "grammar":
            alternatives = " | ".join(gbnf_literal(o) for o in options)
            body["grammar"] = f"root ::= {alternatives}"

        responses = await asyncio.gather(
            *(
                self._complete(
                    messages, max_tokens=4, temperature=1.0, seed=i, extra_body=extra_body(body)
                )
                for i in range(k)
            )
        )
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
            unscored_reason=None if mass > 0 else f"none of {k} samples named an option",
        )

    async def aclose(self) -> None:
        if self._loop is not None and self._loop is not asyncio.get_running_loop():
            return  # its clients' loop is gone, and their connections with it
        for replica in self._replicas:
            await replica.client.close()


def _written_tokens(choice: Any) -> list[TokenLogprobs] | None:
    """The chat response's per-token log-probabilities, or None where the server sent none."""
    content = choice.logprobs.content if choice.logprobs is not None else None
    if not content:
        return None
    tokens = []
    for item in content:
        top = {alt.token: float(alt.logprob) for alt in item.top_logprobs or []}
        top[item.token] = float(item.logprob)
        tokens.append(TokenLogprobs(text=item.token, logprob=float(item.logprob), top=top))
    return tokens
