"""The OpenAI-compatible backend against llama.cpp's C++ server (xllamacpp, own process).

The same checks as test_openai_backend.py runs against the Python `llama_cpp.server`, on the
server that people deploy: 4 slots, continuous batching, its own chat-template rendering.
"""

from __future__ import annotations

import asyncio

import pytest

from conftest import SERVER_MODEL
from valuescope.models import Choice, Completion, GenerateConfig, ModelSettings, load_backend, user

LABELS = ["1", "2", "3", "4", "5", "6"]
QUESTION = (
    'Statement: "It is important to me to help the people around me."\n'
    "How much is this person like you? Choose one option.\n"
    "1 = Not like me at all\n2 = Not like me\n3 = A little like me\n"
    "4 = Somewhat like me\n5 = Like me\n6 = Very much like me\n"
    "Your answer (one number from 1 to 6):"
)


def test_choose_through_cpp_server_logprobs(cpp_llama_server: str) -> None:
    model = load_backend(f"openai:{SERVER_MODEL}@{cpp_llama_server}", ModelSettings())

    async def ask() -> tuple[Choice, Choice]:
        try:
            served = await model.choose([user(QUESTION)], LABELS)
        finally:
            await model.aclose()
        embedded = await load_backend("llamacpp", ModelSettings()).choose([user(QUESTION)], LABELS)
        return served, embedded

    served, embedded = asyncio.run(ask())
    assert served.method == "logprobs"
    assert sum(served.probs) == pytest.approx(1.0)
    assert 0.05 < served.option_mass <= 1.0
    # Same weights and template: the server's top-20 log-probabilities agree with the
    # embedded model's full distribution on the most likely option.
    top = max(range(len(LABELS)), key=lambda i: served.probs[i])
    assert top == max(range(len(LABELS)), key=lambda i: embedded.probs[i])


def test_generate_through_cpp_server_counts_tokens(cpp_llama_server: str) -> None:
    model = load_backend(f"openai:{SERVER_MODEL}@{cpp_llama_server}", ModelSettings())

    async def ask() -> Completion:
        try:
            return await model.generate([user("Say hello.")], GenerateConfig(max_tokens=5))
        finally:
            await model.aclose()

    completion = asyncio.run(ask())
    assert completion.text
    assert completion.usage.prompt_tokens > 0
    assert 0 < completion.usage.completion_tokens <= 5
