"""Plain data types that cross the model layer's boundary.

A *request* is a list of chat messages plus either a `GenerateConfig` (free text) or a closed
set of options (`Model.choose`). Answers are `Completion` and `Choice`. They are pydantic
models so that the cache and the run store can write and read them without custom code.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


class ImagePart(BaseModel):
    """An image shown with a message: its bytes and MIME type (`image(path)` builds one).

    The bytes are held, not the path, so that a request means the same thing wherever it is
    answered; `source` only says where they came from (for reports), and the cache key holds
    the bytes' SHA-256 (`Message.cache_dump`), never the path."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    mime: str
    data: bytes
    source: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def data_url(self) -> str:
        """`data:MIME;base64,...`: how OpenAI-compatible servers take an image inline."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def image(source: Path | str | bytes, mime: str | None = None) -> ImagePart:
    """An image part from a file (MIME guessed from its name unless given) or from bytes
    (then `mime` is required)."""
    if isinstance(source, bytes):
        if mime is None:
            raise ValueError("an image given as bytes needs its MIME type, e.g. image/png")
        return ImagePart(mime=mime, data=source)
    path = Path(source)
    guessed = mime or mimetypes.guess_type(path.name)[0]
    if guessed is None or not guessed.startswith("image/"):
        raise ValueError(f"{path}: not an image file name (give its MIME type)")
    return ImagePart(mime=guessed, data=path.read_bytes(), source=str(path))


class Message(BaseModel):
    """One chat message, as the OpenAI chat API spells it, with optional images.

    `content` stays plain text, so that everything which reads text keeps working; `images`
    are shown with it (a user message about a picture). Only backends whose
    `supports_images` is true accept them (`supports_images(model)`); the others raise
    `ImagesUnsupported`, so callers skip image items before asking and count them. A message
    without images serialises exactly as before images existed (no `images` key), so cache
    keys and stored runs are unchanged."""

    role: Literal["system", "user", "assistant"]
    content: str
    images: list[ImagePart] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _drop_empty_images(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not self.images:
            data.pop("images", None)
        return data

    def cache_dump(self) -> dict[str, Any]:
        """What keys the cache: role, text and, for each image, its MIME type and SHA-256
        (a different picture is a different request; the same bytes from another path are
        the same request)."""
        data: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.images:
            data["images"] = [{"mime": i.mime, "sha256": i.sha256} for i in self.images]
        return data

    def chat_dump(self) -> dict[str, Any]:
        """The message in OpenAI's chat format: plain `content` text, or with images a list
        of parts, the images first (as `image_url` data URLs) and then the text, the order
        vision models' own examples use."""
        if not self.images:
            return {"role": self.role, "content": self.content}
        parts: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": i.data_url()}} for i in self.images
        ]
        parts.append({"type": "text", "text": self.content})
        return {"role": self.role, "content": parts}


def user(content: str, images: list[ImagePart] | None = None) -> Message:
    """A user message (the most common kind, so it gets a short constructor)."""
    return Message(role="user", content=content, images=images or [])


def system(content: str) -> Message:
    """A system message."""
    return Message(role="system", content=content)


class GenerateConfig(BaseModel):
    """Sampling parameters of a free-text request.

    `sample_index` tells the cache apart K samples of the same request at temperature > 0,
    so that K samples stay K distinct answers; with a `seed`, every backend draws sample k
    with seed + k (a server given the same seed K times would return one answer K times).

    `top_logprobs` and `grammar` serve answers whose tokens are read, not just their text (a
    judge's JSON of 0/1 labels): with `top_logprobs > 0` the completion lists each written
    token with its log-probability and its `top_logprobs` likeliest alternatives
    (`Completion.tokens`, None where the backend gives none). `grammar` (GBNF) restricts what
    may be written: the embedded model always applies it; servers get it only when told how
    (`constrain="grammar"` sends llama.cpp's `grammar`, `"guided_choice"` vLLM's
    `guided_grammar`), and `Completion.constrained` says whether it was sent.
    """

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    stop: list[str] = Field(default_factory=list)
    sample_index: int = 0
    top_logprobs: int = Field(default=0, ge=0, le=20)
    grammar: str | None = None

    def cache_fields(self) -> dict[str, object]:
        """The fields that key the cache. `top_logprobs` and `grammar` came later and enter
        only when set, so that answers cached before them keep their keys."""
        data = self.model_dump()
        for name in ("top_logprobs", "grammar"):
            if data[name] == type(self).model_fields[name].default:
                del data[name]
        return data


class TokenLogprobs(BaseModel):
    """One written token: its text, log-probability, and the likeliest alternatives at its
    position (text -> log-probability, the written token included)."""

    text: str
    logprob: float
    top: dict[str, float] = Field(default_factory=dict)


class TokenUsage(BaseModel):
    """Tokens one request used (0 where a backend does not report them)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Completion(BaseModel):
    """The answer to `Model.generate`."""

    text: str
    usage: TokenUsage = Field(default_factory=TokenUsage)
    finish_reason: str | None = None
    rendered_prompt: str | None = None
    """The exact prompt text the model saw, where the backend applies the chat template
    itself (llama.cpp); None for servers, which apply their own template."""
    tokens: list[TokenLogprobs] | None = None
    """The written tokens with their log-probabilities, when `top_logprobs > 0` was asked
    and the backend gives them; None otherwise."""
    constrained: bool = False
    """Whether `GenerateConfig.grammar` was applied (or sent to the server)."""
    cached: bool = False


ChooseMethod = Literal["logprobs", "samples"]
Continuation = Literal["prefill", "grammar"]


class Choice(BaseModel):
    """The model's distribution over a closed set of options (`Model.choose`).

    `probs` sums to 1 over the options (or is all zeros when the model put no measurable mass
    on any option); `option_mass` is the probability the model gave to *any* option before
    renormalising, so a low value means the model wanted to say something else (a refusal, a
    word, a different number). `missing` lists options the backend could not score, e.g.
    because they were absent from a server's top-k log-probabilities: they get probability 0.
    When `option_mass` is 0, `unscored_reason` says why (no option could be scored, or none
    had any probability): a zero is never silent.
    """

    options: list[str]
    probs: list[float]
    option_mass: float
    missing: list[str] = Field(default_factory=list)
    method: ChooseMethod
    n_samples: int | None = None
    """How many constrained samples were drawn when `method == "samples"`."""
    continuation: Continuation | None = None
    """How a server was made to continue an option's first tokens, where some option spans
    several tokens ("comedy" = com + edy): `prefill` (a trailing assistant message) or
    `grammar` (a forced answer); None when every option was one token."""
    sequence_requests: int = 0
    """Requests beyond the first that scoring options of several tokens took."""
    unscored_reason: str | None = None
    """Why `option_mass` is 0, when it is; None otherwise."""
    usage: TokenUsage = Field(default_factory=TokenUsage)
    rendered_prompt: str | None = None
    cached: bool = False

    def expected(self, values: list[float]) -> float:
        """Expected value of `values[i]` under `probs` (e.g. the expected Likert point)."""
        if len(values) != len(self.probs):
            raise ValueError("one value per option is needed")
        return float(sum(p * v for p, v in zip(self.probs, values, strict=True)))

    def invalid_reason(self, min_option_mass: float) -> str | None:
        """Why this answer cannot be scored, or None if it can: no option could be scored
        (with the backend's reason), or less than `min_option_mass` on the options. Every
        instrument marks such a sample invalid with this reason, keeps and counts it."""
        if self.option_mass <= 0.0:
            return self.unscored_reason or "no probability on any option"
        if self.option_mass < min_option_mass:
            return f"option_mass {self.option_mass:.3f} below the minimum {min_option_mass}"
        return None
