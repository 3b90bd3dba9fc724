"""How the OpenAI backend handles what a healthy server never does: transient errors,
client errors, and servers that give no log-probabilities."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from conftest import SERVER_MODEL
from stub_server import Reply, completion, stub_server
from valuescope.models import ModelSettings, load_backend, user
from valuescope.models._openai import OpenAIModel

FAST_RETRIES = ModelSettings(max_retries=3, timeout_s=10)


def test_transient_errors_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("valuescope.models._openai.wait_exponential_jitter", _no_wait)
    monkeypatch.setattr("valuescope.models._openai.FIRST_RETRY_WAIT_S", 0.0)

    def answer(body: dict[str, Any], number: int) -> Reply:
        if number <= 2:
            return (503 if number == 1 else 429), {"error": {"message": "busy"}}
        return 200, completion("1", [("1", math.log(0.6)), ("2", math.log(0.2))])

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        choice = asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert len(received) == 3
    assert choice.probs == pytest.approx([0.75, 0.25]) and choice.option_mass == pytest.approx(0.8)
    assert received[-1]["top_logprobs"] == 20 and received[-1]["max_tokens"] == 1


def test_retries_stop_after_max_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("valuescope.models._openai.wait_exponential_jitter", _no_wait)
    monkeypatch.setattr("valuescope.models._openai.FIRST_RETRY_WAIT_S", 0.0)

    def answer(body: dict[str, Any], number: int) -> Reply:
        return 502, {"error": {"message": "bad gateway"}}

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        with pytest.raises(Exception, match="bad gateway"):
            asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert len(received) == 1 + FAST_RETRIES.max_retries


def test_client_errors_are_not_retried() -> None:
    def answer(body: dict[str, Any], number: int) -> Reply:
        return 400, {"error": {"message": "bad request"}}

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        with pytest.raises(Exception, match="bad request"):
            asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert len(received) == 1


def test_no_logprobs_falls_back_to_k_samples() -> None:
    replies = ["1", "2", "1", "Hello", "1"]  # 3 x "1", 1 x "2", 1 unparseable

    def answer(body: dict[str, Any], number: int) -> Reply:
        if body.get("logprobs"):
            return 200, completion("1")  # a server that ignores logprobs
        return 200, completion(replies[body["seed"] % len(replies)])

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings(choose_samples=5))
        choice = asyncio.run(model.choose([user("q")], ["1", "2"]))
    sampled = [r for r in received if not r.get("logprobs")]
    assert len(sampled) == 5 and all(r["temperature"] == 1.0 for r in sampled)
    assert choice.method == "samples" and choice.n_samples == 5
    assert choice.probs == pytest.approx([0.75, 0.25])
    assert choice.option_mass == pytest.approx(0.8)


def test_server_that_cannot_continue_a_prefix_samples_instead() -> None:
    """ "comedy" is com + edy: with neither prefill nor grammar, its first token's probability
    is not its own, so the answer is sampled; the probe runs once per model."""
    top = [("com", math.log(0.6)), ("tr", math.log(0.3)), ("The", math.log(0.1))]

    def answer(body: dict[str, Any], number: int) -> Reply:
        if "continue_final_message" in body or "grammar" in body:
            return 400, {"error": {"message": "Unrecognized request argument supplied"}}
        if body.get("logprobs"):
            return 200, completion("com", top)
        return 200, completion(["comedy", "tragedy", "comedy", "Hello"][body["seed"] % 4])

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings(choose_samples=4))
        assert isinstance(model, OpenAIModel)

        async def twice() -> list[Any]:
            return [await model.choose([user(f"q{i}")], ["comedy", "tragedy"]) for i in (1, 2)]

        choices = asyncio.run(twice())
    assert all(c.method == "samples" and c.n_samples == 4 for c in choices)
    assert choices[0].probs == pytest.approx([2 / 3, 1 / 3])
    assert choices[0].option_mass == pytest.approx(0.75) and choices[0].unscored_reason is None
    probes = [r for r in received if "continue_final_message" in r or "grammar" in r]
    assert len(probes) == 2  # one prefill and one grammar probe, for both calls together
    assert model._continuation is None


def test_unscored_answers_say_why() -> None:
    def answer(body: dict[str, Any], number: int) -> Reply:
        if body.get("logprobs"):
            return 200, completion("Hello", [("Hello", math.log(0.7)), ("Hi", math.log(0.2))])
        return 200, completion("Hello")

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings(choose_samples=3))
        assert isinstance(model, OpenAIModel)

        async def both() -> tuple[Any, Any]:
            choice = await model.choose([user("q")], ["1", "2"])
            return choice, await model._choose_by_sampling([user("q")], ["1", "2"])

        choice, sampled = asyncio.run(both())
    assert choice.method == "logprobs" and len(received) == 1 + 3  # no continuation asked
    assert choice.option_mass == 0 and choice.missing == ["1", "2"]
    assert choice.unscored_reason and "top 2" in choice.unscored_reason
    assert (
        sampled.option_mass == 0 and sampled.unscored_reason == "none of 3 samples named an option"
    )


def test_grammar_constrained_samples_on_llama_server(llama_server: str) -> None:
    """The fallback's constrained mode against a real llama.cpp server: every sample is one
    of the options, so the option mass is 1."""
    model = load_backend(
        f"openai:{SERVER_MODEL}@{llama_server}",
        ModelSettings(choose_samples=6, constrain="grammar"),
    )
    assert isinstance(model, OpenAIModel)
    choice = asyncio.run(model._choose_by_sampling([user("Pick a colour.")], ["red", "blue"]))
    assert choice.method == "samples" and choice.option_mass == pytest.approx(1.0)
    assert sum(choice.probs) == pytest.approx(1.0)


def _no_wait(**kwargs: Any) -> Any:
    from tenacity import wait_none

    return wait_none()
