"""The OpenAI-compatible backend against a real llama.cpp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SERVER_MODEL
from helpers.local_servers import free_port
from valuescope.cli import app
from valuescope.models import (
    BackendUnreachable,
    GenerateConfig,
    ModelSettings,
    load_backend,
    user,
)

QUESTION = (
    'Statement: "I enjoy helping people."\nHow well does this describe you?\n'
    "1 = Not at all\n2 = A little\n3 = Mostly\n4 = Exactly\nYour answer (one number):"
)


def test_choose_through_server_logprobs(llama_server: str) -> None:
    model = load_backend(f"openai:{SERVER_MODEL}@{llama_server}", ModelSettings())

    async def ask() -> tuple[object, object]:
        try:
            choice = await model.choose([user(QUESTION)], ["1", "2", "3", "4"])
            embedded = await load_backend("llamacpp", ModelSettings()).choose(
                [user(QUESTION)], ["1", "2", "3", "4"]
            )
            return choice, embedded
        finally:
            await model.aclose()

    choice, embedded = asyncio.run(ask())
    assert choice.method == "logprobs"  # type: ignore[attr-defined]
    assert sum(choice.probs) == pytest.approx(1.0)  # type: ignore[attr-defined]
    assert 0.05 < choice.option_mass <= 1.0  # type: ignore[attr-defined]
    # Same weights, same template: the server's top-20 log-probabilities agree with the
    # embedded model's full distribution on the most likely option.
    top = max(range(4), key=lambda i: choice.probs[i])  # type: ignore[attr-defined]
    assert top == max(range(4), key=lambda i: embedded.probs[i])  # type: ignore[attr-defined]


def test_generate_through_server_counts_tokens(llama_server: str) -> None:
    model = load_backend(f"openai:{SERVER_MODEL}@{llama_server}", ModelSettings())

    async def ask() -> object:
        try:
            return await model.generate([user("Say hello.")], GenerateConfig(max_tokens=5))
        finally:
            await model.aclose()

    completion = asyncio.run(ask())
    assert completion.text  # type: ignore[attr-defined]
    assert completion.usage.prompt_tokens > 0  # type: ignore[attr-defined]


def test_measure_through_server_with_replicas_and_no_key_on_disk(
    llama_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_cache: Path
) -> None:
    secret = "sk-test-do-not-store-0123456789"
    monkeypatch.setenv("MY_SERVER_KEY", secret)
    out = tmp_path / "run"
    # The same server listed twice: two replicas of one model, balanced by outstanding requests.
    model = f"openai:{SERVER_MODEL}@{llama_server},{llama_server.replace('127.0.0.1', 'localhost')}"
    result = CliRunner().invoke(
        app, ["measure", "--model", model, "--limit", "2", "--paraphrases", "0", "--out", str(out),
              "--api-key-env", "MY_SERVER_KEY", "--concurrency", "4"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["overall"]["methods"] == {"logprobs": 8}
    assert results["usage"]["model_calls"] == 8 and results["usage"]["prompt_tokens"] > 0
    for path in [*out.iterdir(), *isolated_cache.iterdir()]:
        assert secret.encode() not in path.read_bytes(), path
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["settings"]["api_key_env"] == "MY_SERVER_KEY"


def test_unreachable_server_names_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = load_backend(f"openai:m@{url}", ModelSettings())
    with pytest.raises(BackendUnreachable, match=url.replace(".", r"\.")):
        asyncio.run(model.choose([user("hi")], ["1", "2"]))
    result = CliRunner().invoke(
        app, ["measure", "--model", f"openai:m@{url}", "--limit", "1", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 3
    assert url in result.output and "Traceback" not in result.output
