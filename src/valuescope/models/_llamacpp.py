"""The embedded backend: any GGUF through llama.cpp's own server, in this process.

`llamacpp` (SmolLM2-135M), `llamacpp:gemma3-270m` and `llamacpp:PATH.gguf` start an
in-process llama.cpp server from the prebuilt `xllamacpp` wheel (`_llama_server.py`) and are
then driven by exactly the code that drives any OpenAI-compatible server (`OpenAIModel`):
one backend path to keep right. What the embedded backend adds:

- Settings fixed to what llama.cpp's server does: multi-token options are continued by
  assistant *prefill* (no probe needed), grammars are sent as llama.cpp's `grammar`, and
  `--concurrency` defaults to the server's slots (4), which it decodes in one batch.
- `choose` and `generate` return the *rendered prompt* (the exact text the model saw, from
  the server's own `/apply-template`, asked alongside the request), which every sample
  stores. SmolLM2's template inserts a default system message when there is none.
- `fill` (a judge's JSON template) is exact: the fixed text is written by prefill and each
  slot's options are scored by `choose`'s token-tree walk at its place, the chosen option
  written before the next slot (see `models._fill`). One short request per slot and
  continuation, each reusing the slot's cached prefix.
- Each answer's requests go to one slot of the server (`_slots.SlotPool`), so that they
  extend that slot's cached prompt instead of taking another answer's slot.
- `prompt_tokens_evaluated` counts the prompt tokens the server evaluated (the prompt
  minus what its prefix cache held): what the prompt layout saves.
- Text only: `supports_images` is False and an image message is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
from openai import AsyncOpenAI

from valuescope.models._continuation import Continuer, add_usage
from valuescope.models._errors import BackendRejected, refuse_images
from valuescope.models._fill import Filled, SlotAnswer, Template
from valuescope.models._llama_server import DEFAULT_SLOTS, start_server
from valuescope.models._openai import OpenAIModel
from valuescope.models._replicas import ReplicaPool
from valuescope.models._settings import ModelSettings
from valuescope.models._slots import SlotPool
from valuescope.models._spec import ModelSpec
from valuescope.models._types import Choice, Completion, GenerateConfig, Message, TokenUsage


def file_fingerprint(path: Path) -> str:
    """Size plus a hash of the first MiB: identifies weights without reading 100 MB."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    return f"{path.stat().st_size}-{hashlib.sha256(head).hexdigest()[:16]}"


def _llama_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xllamacpp")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        return "unknown"


class LlamaCppModel(OpenAIModel):
    """A GGUF model served by llama.cpp in this process (see module docstring)."""

    _adapts = False  # its slots are ours alone: latency says how long answers are, not load

    def __init__(self, path: Path, settings: ModelSettings, name: str, chat: bool = True) -> None:
        slots = settings.concurrency or DEFAULT_SLOTS
        self._server = start_server(
            path, slots=slots, n_ctx=settings.n_ctx, threads=settings.n_threads, chat=chat
        )
        self._chat = chat
        self._slots = SlotPool(slots)
        alias = Path(path).stem
        driven = settings.model_copy(
            update={
                "concurrency": slots,
                "constrain": "grammar",
                "continuation": "prefill",
                "images": False,
                "api_key_env": "VALUESCOPE_EMBEDDED_NO_KEY",
                "max_retries": 2,
            }
        )
        super().__init__(ModelSpec("openai", alias, (self._server.v1,)), driven, name=name)
        self._identity = (
            f"llamacpp|{path.name}|{file_fingerprint(path)}|chat={chat}"
            f"|xllamacpp={_llama_version()}"
        )
        self.prompt_tokens_evaluated = 0
        """Prompt tokens the server evaluated after reusing its prefix cache (compare with
        the prompts' lengths to see what the prompt layout and the request order save)."""
        self.requests_sent = 0
        """Chat requests the server answered (each of a multi-request answer counts)."""

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def has_chat_template(self) -> bool:
        return self._chat

    @property
    def supports_images(self) -> bool:
        """False: the embedded models read text only."""
        return False

    async def _attempt(self, replica: Any, request: Any) -> Any:
        response = await super()._attempt(replica, request)
        self.requests_sent += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            details = getattr(usage, "prompt_tokens_details", None)
            cached = (getattr(details, "cached_tokens", None) or 0) if details else 0
            self.prompt_tokens_evaluated += max(0, (usage.prompt_tokens or 0) - cached)
        return response

    def _connect(self) -> ReplicaPool[AsyncOpenAI]:
        """The server's own endpoints get an HTTP client beside the SDK's, made (and made
        again for another event loop) with them."""
        self._http = httpx.AsyncClient(base_url=self._server.url, timeout=self._settings.timeout_s)
        return super()._connect()

    def _client(self) -> httpx.AsyncClient:
        self._on_this_loop()
        return self._http

    async def render(self, messages: list[Message]) -> str:
        """The exact text the model sees for `messages` (its chat template applied)."""
        refuse_images(messages, f"the embedded model {self.name}")
        body = {"messages": [m.chat_dump() for m in messages]}
        response = await self._client().post("/apply-template", json=body)
        response.raise_for_status()
        return str(response.json()["prompt"])

    async def tokenize(self, text: str) -> list[int]:
        """`text`'s token ids (special tokens parsed, no BOS), from the server."""
        body = {"content": text, "add_special": False, "parse_special": True}
        response = await self._client().post("/tokenize", json=body)
        response.raise_for_status()
        return [int(t) for t in response.json()["tokens"]]

    def _hold(self, messages: list[Message]) -> AbstractAsyncContextManager[int]:
        """One slot of the server for the requests of one answer (`_slots`)."""
        return self._slots.hold(json.dumps([m.chat_dump() for m in messages]))

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        refuse_images(messages, f"the embedded model {self.name}")
        async with self._hold(messages):
            prompt, choice = await asyncio.gather(
                self.render(messages), super().choose(messages, options)
            )
        return choice.model_copy(update={"rendered_prompt": prompt})

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        refuse_images(messages, f"the embedded model {self.name}")
        try:
            async with self._hold(messages):
                prompt, completion = await asyncio.gather(
                    self.render(messages), super().generate(messages, config)
                )
        except BackendRejected as exc:
            if config.grammar is not None and "grammar" in str(exc):
                text = f"the GBNF grammar does not parse: {config.grammar[:200]!r}"
                raise ValueError(text) from exc
            raise
        return completion.model_copy(update={"rendered_prompt": prompt})

    async def choose_after(
        self, messages: list[Message], written: str, options: list[str]
    ) -> Choice:
        """`choose` where the answer already begins with `written` (a prefill)."""
        async with self._hold(messages):
            if not written:
                return await super().choose(messages, options)
            dumped = self._messages(messages)
            continuer = Continuer(self._call, self._spec.model, dumped, "prefill", written=written)
            response = await continuer.prefill(written)
            # `_walk` counts the first response itself: the continuer counts only what follows
            continuer.usage, continuer.requests = TokenUsage(), 0
            return await self._walk(messages, options, response, continuer)

    async def fill(self, messages: list[Message], template: Template) -> Filled:
        """Write the template, choosing each slot greedily at its place (module docstring)."""
        refuse_images(messages, f"the embedded model {self.name}")
        async with self._hold(messages):
            return await self._fill(messages, template)

    async def _fill(self, messages: list[Message], template: Template) -> Filled:
        written = ""
        answers: list[SlotAnswer] = []
        usage = TokenUsage()
        for part in template.parts:
            if isinstance(part, str):
                written += part
                continue
            choice = await self.choose_after(messages, written, part.options)
            usage = add_usage(usage, choice.usage)
            best = max(range(len(part.options)), key=lambda i: choice.probs[i])
            scored = choice.option_mass > 0.0
            answers.append(
                SlotAnswer(
                    chosen=part.options[best],
                    probs=choice.probs if scored else None,
                    option_mass=choice.option_mass,
                )
            )
            written += part.options[best]
        unread = sum(a.probs is None for a in answers)
        return Filled(
            text=written,
            slots=answers,
            method="logprobs",
            reason=None if unread == 0 else f"{unread} slots had no probability on any option",
            usage=usage,
            constrained=True,
        )

    async def aclose(self) -> None:
        """Closes the HTTP clients; the server stays for the life of the process (shared)."""
        if self._loop is None or self._loop is asyncio.get_running_loop():
            await self._http.aclose()
        await super().aclose()
