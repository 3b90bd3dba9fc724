"""Messages carry images: an OpenAI-compatible server receives them as `image_url` data URLs
(checked on the request body a stub server captures), the cache key holds the image bytes'
hash, and text-only backends (the embedded model, a server run with --no-images) refuse
an image message with a clear error instead of answering without the picture."""

from __future__ import annotations

import asyncio
import base64
import math
from pathlib import Path
from typing import Any

import pytest

from helpers.paths import SRC
from helpers.scripted import ScriptedModel
from helpers.stub_server import Reply, completion, stub_server
from valuescope.models import (
    CachedModel,
    GenerateConfig,
    ImagesUnsupported,
    Message,
    ModelSettings,
    ResponseCache,
    image,
    load_backend,
    supports_images,
    user,
)
from valuescope.models._cache import cache_key

DATA = SRC / "valuescope/instruments/bench/data"
FLAG = DATA / "images/flag_disc.png"
SHAPES = DATA / "images/shapes.png"
GOOD = completion("1", [("1", math.log(0.6)), ("2", math.log(0.2))])


def _good(body: dict[str, Any], number: int) -> Reply:
    return 200, GOOD


def test_a_server_receives_images_as_data_urls_before_the_text() -> None:
    question = user("Which flag is this? Answer 1 or 2.", images=[image(FLAG)])
    with stub_server(_good) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings(max_retries=0))
        assert supports_images(model)

        async def ask() -> None:  # one event loop for the one client
            await model.choose([question], ["1", "2"])
            await model.generate([question], GenerateConfig(max_tokens=4))
            await model.choose([user("No picture. Answer 1 or 2.")], ["1", "2"])

        asyncio.run(ask())
    for body in received[:2]:
        picture, text = body["messages"][0]["content"]
        assert text == {"type": "text", "text": "Which flag is this? Answer 1 or 2."}
        assert picture["type"] == "image_url"
        prefix, encoded = picture["image_url"]["url"].split(",", 1)
        assert prefix == "data:image/png;base64"
        assert base64.b64decode(encoded) == FLAG.read_bytes()
    assert received[2]["messages"] == [{"role": "user", "content": "No picture. Answer 1 or 2."}]


def test_a_server_marked_text_only_refuses_before_sending() -> None:
    with stub_server(_good) as (url, received):
        model = load_backend(f"openai:stub@{url}", ModelSettings(images=False))
        assert not supports_images(model)

        async def ask() -> None:
            with pytest.raises(ImagesUnsupported, match=r"reads text only.*1 image"):
                await model.choose([user("Which flag?", images=[image(FLAG)])], ["1", "2"])
            await model.choose([user("Answer 1 or 2.")], ["1", "2"])  # text still goes

        asyncio.run(ask())
    assert len(received) == 1


def test_the_cache_key_holds_the_image_bytes_hash(tmp_path: Path) -> None:
    seen: list[int] = []

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        seen.append(len(messages[0].images))
        return [0.5, 0.5], 1.0

    backend = ScriptedModel(script)
    model = CachedModel(backend, ResponseCache(tmp_path / "cache"))
    copy = tmp_path / "same_flag.png"
    copy.write_bytes(FLAG.read_bytes())

    def ask(*images: Path) -> bool:
        message = user("Which flag?", images=[image(p) for p in images])
        return asyncio.run(model.choose([message], ["1", "2"])).cached

    assert not ask(FLAG)
    assert not ask(SHAPES)  # another picture, same text: a new request
    assert not ask()  # no picture: a new request
    assert ask(copy)  # the same bytes from another path: the cached answer
    assert ask(FLAG)
    assert backend.calls == 3 and seen == [1, 1, 0]


def test_text_messages_keep_their_cache_keys_and_serialisation(tmp_path: Path) -> None:
    """Cache entries written before images existed are still found."""
    message = user("Yes or no?")
    assert message.model_dump() == {"role": "user", "content": "Yes or no?"}
    cache = ResponseCache(tmp_path / "cache")
    asyncio.run(
        CachedModel(ScriptedModel(lambda m, o: ([1.0, 0.0], 1.0)), cache).choose(
            [message], ["Yes", "No"]
        )
    )
    old_key = cache_key(
        "scripted|test",
        "choose",
        {"messages": [{"role": "user", "content": "Yes or no?"}], "options": ["Yes", "No"]},
    )
    assert cache.get(old_key) is not None


def test_an_image_message_round_trips_through_json() -> None:
    message = user("Which flag?", images=[image(FLAG)])
    again = Message.model_validate_json(message.model_dump_json())
    assert again.images[0].data == FLAG.read_bytes()
    assert again.images[0].mime == "image/png" and again.images[0].source == str(FLAG)
    with pytest.raises(ValueError, match="MIME"):
        image(FLAG.read_bytes())


@pytest.mark.slow
def test_the_embedded_model_refuses_images_clearly() -> None:
    model = load_backend("llamacpp", ModelSettings())
    assert not supports_images(model)
    assert not supports_images(CachedModel(model, None))
    question = [user("Which flag is this? Answer 1 or 2.", images=[image(FLAG)])]
    with pytest.raises(ImagesUnsupported, match=r"embedded model .* reads text only"):
        asyncio.run(model.choose(question, ["1", "2"]))
    with pytest.raises(ImagesUnsupported):
        asyncio.run(model.generate(question, GenerateConfig(max_tokens=4)))


def test_the_simulated_respondent_refuses_images() -> None:
    model = load_backend("sim", ModelSettings())
    assert not supports_images(model)
    with pytest.raises(ImagesUnsupported, match="simulated respondent reads text only"):
        asyncio.run(model.choose([user("Which flag?", images=[image(FLAG)])], ["1", "2"]))
