"""How a server is made to continue an answer from a given prefix (for `_sequence_choice`).

Both kinds of request go through the chat API, so the server applies its own chat template
and the context is exactly that of the first `choose` request plus the prefix:

- *prefill*: the messages end with an assistant message holding the prefix, with
  `continue_final_message: true, add_generation_prompt: false` (vLLM's fields). The server
  renders the chat up to the assistant header, appends the prefix without closing the turn
  and returns the next token's top-20: one request per tree node (`max_tokens=1`). llama.cpp's
  C++ llama-server does this by default for a trailing assistant message (and reads the same
  fields). The Python `llama_cpp.server` does not: it closes the assistant turn and opens a
  new one, a different context. OpenAI's API rejects the fields (400).
- *grammar*: a GBNF grammar that admits exactly one option's text (llama.cpp's servers, C++
  and Python). At temperature 0 the server writes the option's tokens and reports for each
  generated position the top-20 of the *unconstrained* logits, so one request yields the
  top-20 after every prefix of the option's token path. It is exact only because both
  llama.cpp servers report log-probabilities before the grammar masks the logits (the C++
  server unless `post_sampling_probs` is set).

`probe` finds out once per model which one works, from answers it can check:

- prefill works when continuing the first request's most likely token adds exactly one
  prompt token: a server that closes the turn adds its end-of-turn and header tokens, one
  that drops the trailing message adds none, one that rejects the fields answers 400/422.
- grammar works when the server writes a forced unlikely token and reports for it the
  log-probability the unconstrained first request gave it (a server that ignores `grammar`
  writes something else; one that reports constrained probabilities reports about 0).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from valuescope.models._errors import BackendRejected
from valuescope.models._sequence_choice import Path, TopK
from valuescope.models._types import Continuation, TokenUsage

if TYPE_CHECKING:  # the SDK loads with the backend (`_openai`), not with `valuescope.models`
    from openai import AsyncOpenAI

TOP_LOGPROBS = 20
PREFILL_FIELDS = {"continue_final_message": True, "add_generation_prompt": False}
SAME_LOGPROB = 0.5
"""Two reports of one token's log-probability on the same prompt count as the same within
this many nats. They are not identical: a server that reuses part of its KV cache evaluates
the prompt in other batches (llama_cpp.server with SmolLM2 Q4_1 moved one by 0.15 between
two identical requests). A server that reports the grammar-constrained distribution gives
the forced token far more (the forced token is the least likely of the top 20, at most
log(1/20) = -3.0 unconstrained)."""
REQUEST_FIELDS: ContextVar[Mapping[str, Any] | None] = ContextVar("request_fields", default=None)
"""Fields a backend adds to the body of every request sent in this context: the embedded
backend's `id_slot`, which keeps all requests of one answer on one llama.cpp slot."""
UNSUPPORTED = BackendRejected
"""What the backend's call raises for a request the server refuses (400, 422, ...)."""

Call = Callable[[Callable[["AsyncOpenAI"], Awaitable[Any]]], Awaitable[Any]]
"""Sends one request with the backend's replicas, concurrency limit and retries."""


def response_usage(response: Any) -> TokenUsage:
    """The token counts of a chat response (0 where the server reports none)."""
    usage = getattr(response, "usage", None)
    if usage is None:
        return TokenUsage()
    return TokenUsage(
        prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0
    )


def add_usage(total: TokenUsage, more: TokenUsage) -> TokenUsage:
    return TokenUsage(
        prompt_tokens=total.prompt_tokens + more.prompt_tokens,
        completion_tokens=total.completion_tokens + more.completion_tokens,
    )


def positions(response: Any) -> list[tuple[str, float, TopK]]:
    """Per generated token: (token, log-probability, top-k at that position, which holds the
    token itself). Empty when the server returned no log-probabilities."""
    logprobs = response.choices[0].logprobs if response.choices else None
    result = []
    for item in (logprobs.content if logprobs is not None else None) or []:
        pairs = {(t.token, t.logprob) for t in item.top_logprobs or []}
        pairs.add((item.token, item.logprob))
        result.append((item.token, item.logprob, tuple(sorted(pairs))))
    return result


def extra_body(fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A request's `extra_body`: `fields` and this context's `REQUEST_FIELDS`."""
    return {**(fields or {}), **(REQUEST_FIELDS.get() or {})}


def gbnf_literal(text: str) -> str:
    """`text` as a GBNF string literal."""
    escaped = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for char in text:
        if char in escaped:
            out.append(escaped[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@dataclass
class Continuer:
    """The continuation requests of one `choose` call (an `Expander`); counts them."""

    call: Call
    model: str
    messages: list[dict[str, Any]]
    method: Continuation
    written: str = ""
    """Answer text already fixed before the options (a template's text in `fill`): every
    continuation is asked after it, as a prefill."""
    requests: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage)
    _forced: dict[str, asyncio.Task[dict[Path, TopK]]] = field(default_factory=dict)

    async def __call__(self, path: Path, target: str) -> Mapping[Path, TopK]:
        if self.method == "prefill":
            found = positions(await self.prefill(self.written + "".join(path)))
            return {path: found[0][2]} if found else {}
        if target not in self._forced:  # one forced request per option text
            self._forced[target] = asyncio.ensure_future(self._force_paths(target))
        return await self._forced[target]

    async def send(
        self, messages: list[dict[str, Any]], body: Mapping[str, Any], **kwargs: Any
    ) -> Any:
        async def request(client: AsyncOpenAI) -> Any:
            return await client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),
                temperature=0.0,
                logprobs=True,
                top_logprobs=TOP_LOGPROBS,
                extra_body=extra_body(body),
                **kwargs,
            )

        response = await self.call(request)
        self.requests += 1
        self.usage = add_usage(self.usage, response_usage(response))
        return response

    async def prefill(self, prefix: str) -> Any:
        """The answer's next token after `prefix`, as a continued assistant message."""
        messages = [*self.messages, {"role": "assistant", "content": prefix}]
        return await self.send(messages, PREFILL_FIELDS, max_tokens=1)

    async def force(self, text: str) -> Any:
        """The answer `text`, forced by a grammar; one log-probability per token."""
        grammar = {"grammar": f"root ::= {gbnf_literal(text)}"}
        return await self.send(self.messages, grammar, max_tokens=len(text.encode()) + 1)

    async def _force_paths(self, target: str) -> dict[Path, TopK]:
        found = positions(await self.force(target))
        tokens = tuple(token for token, _, _ in found)
        return {tokens[:i]: top for i, (_, _, top) in enumerate(found)}


async def probe(continuer: Continuer, first: TopK, first_prompt_tokens: int) -> Continuation | None:
    """Which continuation the server supports (see the module docstring), None if neither.
    `first` and `first_prompt_tokens` come from the unconstrained first request on the same
    messages; the probe's requests are counted on `continuer`."""
    by_logprob = sorted(first, key=lambda pair: -pair[1])
    words = [(t, lp) for t, lp in by_logprob if t.strip() and t.isprintable()]
    if words and first_prompt_tokens > 0:
        try:
            response = await continuer.prefill(words[0][0])
        except UNSUPPORTED:
            response = None
        # One more prompt token: the prefix, in the open assistant turn, and nothing else.
        continued = response is not None and positions(response) != []
        if continued and response_usage(response).prompt_tokens == first_prompt_tokens + 1:
            return "prefill"
    unlikely = [(t, lp) for t, lp in words if t != by_logprob[0][0]]
    if not unlikely:
        return None
    forced, _ = unlikely[-1]
    try:
        response = await continuer.force(forced)
    except UNSUPPORTED:
        return None
    found = positions(response)
    if not found or (response.choices[0].message.content or "") != forced:
        return None
    token, logprob, _ = found[0]
    reported = dict(first)
    expected = reported.get(token, min(reported.values()))
    if token in reported:
        return "grammar" if abs(logprob - expected) <= SAME_LOGPROB else None
    return "grammar" if logprob <= expected + SAME_LOGPROB else None
