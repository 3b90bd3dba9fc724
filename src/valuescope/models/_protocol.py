"""The one interface every backend implements.

Instruments never talk to llama.cpp or HTTP directly: they build messages and call
`generate` (free text) or `choose` (a distribution over a closed set of answers). Both are
coroutines so that one event loop can keep many server requests in flight; the embedded
backend runs its (blocking) forward passes in a worker thread, one at a time.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from valuescope.models._types import Choice, Completion, GenerateConfig, Message


@runtime_checkable
class Model(Protocol):
    """A language model that can write text and weigh a closed set of answers.

    Example:
        ```python
        model = get_model("llamacpp")
        choice = await model.choose([user("Pick 1 or 2. Answer:")], ["1", "2"])
        print(choice.probs, choice.option_mass)
        ```
    """

    @property
    def name(self) -> str:
        """The model name as the user gave it (e.g. `openai:qwen2.5-7b@http://h:8000/v1`)."""
        ...

    @property
    def identity(self) -> str:
        """What makes two answers comparable: backend, weights, endpoint. Part of the cache
        key. Never contains a secret."""
        ...

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        """Write a free-text answer to `messages`."""
        ...

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        """Return the model's distribution over `options` as the next thing it says.

        Reads next-token log-probabilities where the backend gives them (one forward pass);
        otherwise draws constrained samples. Never parses free text into an argmax.
        """
        ...

    async def aclose(self) -> None:
        """Release connections or worker threads."""
        ...


def supports_images(model: object) -> bool:
    """Whether `model` accepts messages with images (`Message.images`).

    An optional property of a backend, not part of the protocol, so that models written
    before images (test doubles, wrappers elsewhere) still satisfy `Model`: one that does
    not say is taken to read text only. A text-only model refuses image messages with
    `ImagesUnsupported`; callers skip those items before asking and report how many.
    """
    return bool(getattr(model, "supports_images", False))
