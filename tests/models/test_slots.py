"""Each answer's requests stay on one llama.cpp slot (`models/_slots.py`); the prompt cache.

Unit tests of the pool, and on the embedded model: two texts judged at once, each judge
request extends its own slot's cached prompt instead of re-evaluating from the shared
system prompt (what happened when the server picked the slots: ~50 tokens per request).
"""

from __future__ import annotations

import asyncio

import pytest

from valuescope.frameworks import load_framework
from valuescope.judges import Judge
from valuescope.judges._prompts import all_at_once_messages
from valuescope.models import ModelSettings, load_backend
from valuescope.models._continuation import REQUEST_FIELDS
from valuescope.models._llama_server import prompt_cache_mib
from valuescope.models._llamacpp import LlamaCppModel
from valuescope.models._slots import SlotPool, common_prefix


def test_common_prefix() -> None:
    assert common_prefix("", "abc") == 0
    assert common_prefix("abc", "abd") == 2
    assert common_prefix("abc", "abc") == 3
    assert common_prefix("abcdef", "abc") == 3
    assert common_prefix("x" * 1000 + "a", "x" * 1000 + "b") == 1000


def test_answers_in_flight_hold_different_slots_and_wait_for_one() -> None:
    pool = SlotPool(2)
    held: list[int] = []
    most = 0

    async def answer(prompt: str) -> None:
        nonlocal most
        async with pool.hold(prompt) as slot:
            assert slot not in held
            held.append(slot)
            most = max(most, len(held))
            assert REQUEST_FIELDS.get() == {"id_slot": slot}
            async with pool.hold(prompt) as inner:  # a nested hold keeps the slot
                assert inner == slot
            await asyncio.sleep(0.01)
            held.remove(slot)
        assert REQUEST_FIELDS.get() is None

    async def main() -> None:
        await asyncio.gather(*(answer(f"prompt {i}") for i in range(6)))

    asyncio.run(main())
    assert most == 2
    asyncio.run(main())  # again under another event loop


def test_a_free_slot_sharing_the_longest_prefix_is_taken() -> None:
    pool = SlotPool(3)

    async def take(prompt: str) -> int:
        async with pool.hold(prompt) as slot:
            return slot

    async def main() -> list[int]:
        first = await take("A | text 1")  # slot 0, idle longest
        second = await take("B | text 1")  # slot 1: shares nothing, idle longest
        return [first, second, await take("A | text 2"), await take("B | x")]

    assert asyncio.run(main()) == [0, 1, 0, 1]


def test_two_texts_judged_at_once_extend_their_own_slots(gguf: object) -> None:
    backend = load_backend("llamacpp", ModelSettings())
    assert isinstance(backend, LlamaCppModel)
    framework = load_framework("schwartz10")
    judge = Judge(backend, framework, "all@once", 0.5)
    question = "What matters to you?"
    texts = [
        "I help my neighbours and keep the customs of my village.",
        "Power is all that matters: I want to control everyone and get rich.",
    ]

    async def main() -> tuple[int, int, list[int]]:
        await judge.judge("A warm-up text about nothing much.", question)
        before, requests = backend.prompt_tokens_evaluated, backend.requests_sent
        judged = await asyncio.gather(*(judge.judge(t, question) for t in texts))
        assert all(j.valid for j in judged)
        evaluated = backend.prompt_tokens_evaluated - before
        prompts = []
        for text in texts:
            rendered = await backend.render(all_at_once_messages(framework, text, question))
            prompts.append(len(await backend.tokenize(rendered)))
        return evaluated, backend.requests_sent - requests, prompts

    evaluated, requests, prompts = asyncio.run(main())
    assert requests >= 20  # ten 0/1 slots per text, one request or more each
    # Each text's first request may evaluate its whole prompt (a slot that never held the
    # system prompt); every later one only the JSON written since: a few tokens.
    assert evaluated <= sum(prompts) + 8 * requests, (evaluated, requests, prompts)


def test_the_prompt_cache_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VALUESCOPE_PROMPT_CACHE_MIB", raising=False)
    assert prompt_cache_mib() == 0
    monkeypatch.setenv("VALUESCOPE_PROMPT_CACHE_MIB", "128")
    assert prompt_cache_mib() == 128
    monkeypatch.setenv("VALUESCOPE_PROMPT_CACHE_MIB", "1.5G")
    with pytest.raises(ValueError, match="VALUESCOPE_PROMPT_CACHE_MIB must be a whole number"):
        prompt_cache_mib()
