"""Options of several tokens through real llama.cpp servers (`python -m llama_cpp.server`,
which takes the grammar route, and the C++ llama-server, which takes the prefill route),
checked against the embedded backend's full-sequence probabilities on the same GGUF."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SERVER_MODEL
from helpers.local_servers import cpp_server_command, free_port, serve
from helpers.stub_server import Reply, completion, stub_server
from valuescope.models import Choice, ModelSettings, load_backend, user
from valuescope.models._openai import OpenAIModel

CSI = (
    "Give your first, quick association with a word: does it feel like a comedy or a "
    "tragedy? Reply with one word: comedy or tragedy.\n\nWord: holiday"
)
CSI_OPTIONS = ["comedy", "Comedy", "tragedy", "Tragedy"]
SCALE = (
    "Rate from 0 to 10 how much you enjoy helping people.\n0 = not at all\n10 = completely\n"
    "Your answer (one number):"
)
SCALE_OPTIONS = [str(i) for i in range(11)]
TOLERANCE = 0.02
"""Server and embedded model run the same weights and template; what differs is batch sizes
(last digits), top-20 truncation and the pruning of prefixes below 1e-4."""


def ask_both(
    url: str, prompt: str, options: list[str], settings: ModelSettings | None = None
) -> tuple[Choice, Choice, OpenAIModel]:
    """The same question to the server and to the embedded model."""
    server = load_backend(f"openai:{SERVER_MODEL}@{url}", settings or ModelSettings())
    assert isinstance(server, OpenAIModel)

    async def ask() -> tuple[Choice, Choice]:
        try:
            remote = await server.choose([user(prompt)], options)
        finally:
            await server.aclose()
        local = await load_backend("llamacpp", ModelSettings()).choose([user(prompt)], options)
        return remote, local

    remote, local = asyncio.run(ask())
    return remote, local, server


def test_multitoken_words_match_embedded(llama_server: str) -> None:
    """CSI per-word: "comedy" is com + edy, so the first token's top-20 alone scored 0."""
    remote, local, server = ask_both(llama_server, CSI, CSI_OPTIONS)
    assert remote.method == "logprobs" and remote.continuation == "grammar"
    assert remote.sequence_requests > 0 and remote.unscored_reason is None
    assert remote.option_mass > 0.1
    assert remote.option_mass == pytest.approx(local.option_mass, abs=TOLERANCE)
    assert remote.probs == pytest.approx(local.probs, abs=TOLERANCE)
    # The Python server closes a trailing assistant message, so prefill was probed and refused.
    assert server._continuation == "grammar"


def test_ten_on_an_eleven_point_scale_matches_embedded(llama_server: str) -> None:
    """ "10" is 1 + 0: it must be scored, and "1" must keep only what does not go on to "0".
    Compared as absolute probabilities: SmolLM2 puts about 0.25 on the digits, and some of
    them (each below 0.006) fall outside the server's top 20, which moves the renormalised
    probabilities of the others."""
    remote, local, _ = ask_both(llama_server, SCALE, SCALE_OPTIONS)
    assert "10" not in remote.missing and remote.continuation == "grammar"
    assert remote.option_mass == pytest.approx(local.option_mass, abs=TOLERANCE)
    absolute = [p * remote.option_mass for p in remote.probs]
    assert absolute == pytest.approx([p * local.option_mass for p in local.probs], abs=0.01)
    assert absolute[10] > 0.02 and absolute[1] > 0.01


def test_unscorable_options_give_zero_mass_with_a_reason(llama_server: str) -> None:
    model = load_backend(f"openai:{SERVER_MODEL}@{llama_server}", ModelSettings())
    options = ["xylophone quartet", "zeppelin harbour"]
    choice = asyncio.run(model.choose([user("Say hello to me.")], options))
    assert choice.option_mass == 0 and choice.probs == [0.0, 0.0]
    assert choice.missing == options
    assert choice.unscored_reason


@pytest.fixture(scope="module")
def exact_cpp_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's C++ server (xllamacpp) with one slot and flash attention off, the
    embedded backend's arithmetic. With its default flash attention, SmolLM2's
    log-probabilities move by up to 0.15 against the embedded model and between identical
    requests, depending on what the KV cache holds; with it off they agree to 1e-4."""
    port = free_port()
    log = tmp_path_factory.mktemp("exact-cpp-server") / "server.log"
    options = ["--parallel", "1", "--ctx-size", "2048", "--flash-attn", "off"]
    with serve(cpp_server_command(gguf, SERVER_MODEL, port, *options), port, log) as url:
        yield url


def test_cpp_server_continues_a_prefix_and_matches_embedded(exact_cpp_server: str) -> None:
    """llama-server continues a trailing assistant message, so the probe picks prefill."""
    remote, local, server = ask_both(exact_cpp_server, CSI, CSI_OPTIONS)
    assert server._continuation == "prefill" and remote.continuation == "prefill"
    assert remote.option_mass == pytest.approx(local.option_mass, abs=TOLERANCE)
    assert remote.probs == pytest.approx(local.probs, abs=TOLERANCE)
    remote, local, _ = ask_both(exact_cpp_server, SCALE, SCALE_OPTIONS)
    assert "10" not in remote.missing
    absolute = [p * remote.option_mass for p in remote.probs]
    assert absolute == pytest.approx([p * local.option_mass for p in local.probs], abs=0.01)


# What the client sends and computes on a prefill server, against one scripted with known
# conditional probabilities (the real prefill server above checks the numbers).

PREFILL_TREE = {
    "": {"1": 0.5, "2": 0.2, "com": 0.2, " ": 0.05},
    "1": {"0": 0.4, "<|im_end|>": 0.5},
    "com": {"edy": 0.9, "ic": 0.05},
    " ": {"1": 0.5, "com": 0.5},
    " 1": {"0": 0.5},
    " com": {"edy": 1.0},
}


def prefill_server(body: dict[str, Any], number: int) -> Reply:
    """A server that continues a trailing assistant message: each prefix adds one prompt
    token, and the next token's probabilities come from `PREFILL_TREE`."""
    messages = body["messages"]
    prefix = messages[-1]["content"] if messages[-1]["role"] == "assistant" else ""
    if prefix:
        assert body["continue_final_message"] is True and body["add_generation_prompt"] is False
    top = PREFILL_TREE.get(prefix, {"x": 1.0})
    reply = completion("x", [(t, math.log(p)) for t, p in top.items()])
    reply["usage"]["prompt_tokens"] = 7 + (1 if prefix else 0)
    return 200, reply


def test_prefill_walk_against_a_scripted_server() -> None:
    options = ["1", "10", "comedy"]
    with stub_server(prefill_server) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings())
        choice = asyncio.run(model.choose([user("q")], options))
    assert choice.continuation == "prefill" and choice.missing == []
    raw = {
        "1": 0.5 * (1 - 0.4) + 0.05 * 0.5 * (1 - 0.5),
        "10": 0.5 * 0.4 + 0.05 * 0.5 * 0.5,
        "comedy": 0.2 * 0.9 + 0.05 * 0.5 * 1.0,
    }
    assert choice.option_mass == pytest.approx(sum(raw.values()))
    assert choice.probs == pytest.approx([raw[o] / sum(raw.values()) for o in options])
    prefixes = [r["messages"][-1]["content"] for r in received if len(r["messages"]) > 1]
    # The probe continues the most likely first token; then each prefix is asked once.
    assert prefixes[0] == "1" and sorted(prefixes[1:]) == sorted(["1", "com", " ", " 1", " com"])
    assert choice.sequence_requests == len(received) - 1
