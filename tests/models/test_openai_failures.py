"""How the OpenAI backend handles what a healthy server never does: transient errors,
dropped connections, timeouts, client errors, and servers that give no log-probabilities.
Every failure is served over real HTTP by `stub_server`."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any

import pytest

from conftest import SERVER_MODEL
from helpers.local_servers import free_port
from helpers.stub_server import RESET, Reply, completion, stub_server
from valuescope.models import (
    BackendError,
    BackendFailed,
    BackendRejected,
    BackendUnreachable,
    GenerateConfig,
    MissingApiKey,
    ModelNameError,
    ModelSettings,
    load_backend,
    user,
)
from valuescope.models._openai import OpenAIModel

FAST_RETRIES = ModelSettings(max_retries=3, timeout_s=10)
GOOD = completion("1", [("1", math.log(0.6)), ("2", math.log(0.2))])
"""A choose answer: P(1) = 0.6, P(2) = 0.2."""


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without waiting (every backoff scales with FIRST_RETRY_WAIT_S)."""
    monkeypatch.setattr("valuescope.models._failures.FIRST_RETRY_WAIT_S", 0.0)


def count_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the replica of every attempt OpenAIModel makes (also those that never reach
    a server)."""
    attempts: list[str] = []
    attempt = OpenAIModel._attempt

    async def counted(self: OpenAIModel, replica: Any, request: Any) -> Any:
        attempts.append(replica.label)
        return await attempt(self, replica, request)

    monkeypatch.setattr(OpenAIModel, "_attempt", counted)
    return attempts


@pytest.mark.usefixtures("no_backoff")
def test_transient_errors_are_retried() -> None:
    def answer(body: dict[str, Any], number: int) -> Reply:
        if number <= 2:
            return (503 if number == 1 else 429), {"error": {"message": "busy"}}
        return 200, GOOD

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        choice = asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert len(received) == 3
    assert choice.probs == pytest.approx([0.75, 0.25]) and choice.option_mass == pytest.approx(0.8)
    assert received[-1]["top_logprobs"] == 20 and received[-1]["max_tokens"] == 1


@pytest.mark.usefixtures("no_backoff")
def test_server_errors_after_the_retries_fail_naming_status_and_attempts() -> None:
    def answer(body: dict[str, Any], number: int) -> Reply:
        return 502, {"error": {"message": "bad gateway"}}

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        with pytest.raises(BackendFailed) as failed:
            asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert len(received) == 1 + FAST_RETRIES.max_retries
    message = str(failed.value)
    assert url in message and "HTTP 502: bad gateway" in message and "4 attempts" in message


@pytest.mark.parametrize("status", [400, 422])
def test_a_refused_request_fails_at_once_with_the_servers_message(status: int) -> None:
    def answer(body: dict[str, Any], number: int) -> Reply:
        return status, {"error": {"message": "top_logprobs is not supported\n  here"}}

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        with pytest.raises(BackendRejected) as rejected:
            asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert len(received) == 1
    assert str(rejected.value) == (
        f"{url} rejected the request: HTTP {status}: top_logprobs is not supported here"
    )


@pytest.mark.usefixtures("no_backoff")
def test_a_connection_reset_mid_run_is_retried() -> None:
    """A server that has answered, then drops a connection (an overloaded server's full
    listen queue, a proxy's restart): the request is sent again and answered."""

    def answer(body: dict[str, Any], number: int) -> Reply:
        return RESET if number in (2, 3) else (200, GOOD)

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)

        async def two() -> list[Any]:
            return [await model.choose([user(q)], ["1", "2"]) for q in ("q1", "q2")]

        choices = asyncio.run(two())
    assert len(received) == 4 and [r["messages"][0]["content"] for r in received] == [
        "q1",
        *["q2"] * 3,
    ]
    assert all(c.probs == pytest.approx([0.75, 0.25]) for c in choices)


@pytest.mark.usefixtures("no_backoff")
def test_resets_past_the_retries_fail_naming_the_exception() -> None:
    """The measured bug: "cannot reach the model server at URL: " with no reason, after
    hundreds of answers. Now the reset is retried, and when it persists the error says
    what it was and how often it was tried."""

    def answer(body: dict[str, Any], number: int) -> Reply:
        return (200, GOOD) if number == 1 else RESET

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)

        async def two() -> None:
            await model.choose([user("q1")], ["1", "2"])
            await model.choose([user("q2")], ["1", "2"])

        with pytest.raises(BackendFailed) as failed:
            asyncio.run(two())
    assert len(received) == 2 + FAST_RETRIES.max_retries
    message = str(failed.value)
    assert url in message and "4 attempts" in message and "ConnectionResetError" in message


@pytest.mark.usefixtures("no_backoff")
def test_a_server_unreachable_at_the_start_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listening on the port: one attempt, no backoff, an error that names the URL
    and the reason."""
    attempts = count_attempts(monkeypatch)
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
    with pytest.raises(BackendUnreachable) as unreachable:
        asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert attempts == [url]
    assert str(unreachable.value).startswith(f"cannot reach the model server at {url}: ")
    assert "ConnectionRefusedError" in str(unreachable.value)


@pytest.mark.usefixtures("no_backoff")
def test_a_server_that_resets_before_any_answer_is_unreachable() -> None:
    """A server that never answered is not taken to be busy for long: one reset may be
    noise (a proxy, a fault), three in a row on one request are fatal."""

    def answer(body: dict[str, Any], number: int) -> Reply:
        return RESET

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        with pytest.raises(BackendUnreachable, match="ConnectionResetError") as unreachable:
            asyncio.run(model.choose([user("q")], ["1", "2"]))
    assert len(received) == 3 and url in str(unreachable.value)


@pytest.mark.usefixtures("no_backoff")
def test_timeouts_are_retried() -> None:
    """The first request gets no answer within `timeout_s`; the second is answered. Also on
    a server that has never answered: a timeout means busy, not unreachable."""
    gave_up = threading.Event()

    def answer(body: dict[str, Any], number: int) -> Reply:
        if number == 1:
            gave_up.wait(5.0)  # until the client has sent the request again
        else:
            gave_up.set()
        return 200, GOOD

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings(max_retries=3, timeout_s=0.5))
        started = time.monotonic()
        choice = asyncio.run(model.choose([user("q")], ["1", "2"]))
        elapsed = time.monotonic() - started
    assert len(received) == 2 and choice.probs == pytest.approx([0.75, 0.25])
    assert 0.5 <= elapsed < 5.0


@pytest.mark.usefixtures("no_backoff")
def test_timeouts_past_the_retries_fail_naming_the_timeout() -> None:
    done = threading.Event()

    def answer(body: dict[str, Any], number: int) -> Reply:
        done.wait(5.0)
        return 200, GOOD

    with stub_server(answer) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings(max_retries=1, timeout_s=0.2))
        with pytest.raises(BackendFailed) as failed:
            asyncio.run(model.choose([user("q")], ["1", "2"]))
        done.set()
    assert len(received) == 2
    message = str(failed.value)
    assert url in message and "2 attempts" in message and "no answer within 0.2 s" in message


@pytest.mark.usefixtures("no_backoff")
def test_concurrent_requests_survive_resets_on_a_tiny_listen_queue() -> None:
    """32 concurrent calls against a server with a listen backlog of 1 that resets every
    fourth connection after its first answer: every call is answered. (Resets at most
    max_retries in all, so no call can run out of retries whatever the order.)"""
    resets: list[int] = []
    settings = ModelSettings(max_retries=10, timeout_s=30)

    def answer(body: dict[str, Any], number: int) -> Reply:
        if number % 4 == 0 and len(resets) < settings.max_retries:
            resets.append(number)
            return RESET
        return 200, GOOD

    with stub_server(answer, backlog=1) as (url, received):
        model = load_backend(f"openai:stub@{url}", settings)

        async def run() -> list[Any]:
            await model.choose([user("warm-up")], ["1", "2"])
            calls = (model.choose([user(f"q{i}")], ["1", "2"]) for i in range(32))
            return list(await asyncio.gather(*calls))

        choices = asyncio.run(run())
    assert len(resets) == 10 and len(received) == 1 + 32 + 10
    assert all(c.probs == pytest.approx([0.75, 0.25]) for c in choices)


def test_no_api_key_and_no_url_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A configuration mistake, not a backend failure: a ModelNameError (the CLI's exit 2)."""
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("MY_UNSET_KEY", raising=False)
    with pytest.raises(MissingApiKey, match=r"no API key: set MY_UNSET_KEY") as missing:
        load_backend("openai:gpt-4o-mini", ModelSettings(api_key_env="MY_UNSET_KEY"))
    assert isinstance(missing.value, ModelNameError)
    assert not isinstance(missing.value, BackendError)


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


def test_k_seeded_samples_are_sent_k_seeds() -> None:
    """A server given one seed K times answers K times the same: sample k goes with seed + k,
    as on the embedded model."""

    def answer(body: dict[str, Any], number: int) -> Reply:
        return 200, completion(f"draw {body['seed']}")

    async def draws(url: str) -> list[str]:
        model = load_backend(f"openai:stub@{url}", FAST_RETRIES)
        configs = [GenerateConfig(temperature=0.8, seed=7, sample_index=k) for k in range(3)]
        return [(await model.generate([user("q")], c)).text for c in configs]

    with stub_server(answer) as (url, received):
        texts = asyncio.run(draws(url))
    assert [r["seed"] for r in received] == [7, 8, 9] and texts == ["draw 7", "draw 8", "draw 9"]
