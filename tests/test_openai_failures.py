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
