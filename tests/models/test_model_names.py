"""Model names and the merging of surface variants (pure functions)."""

from __future__ import annotations

import math

import pytest

from valuescope.models import ModelNameError, parse_model_name
from valuescope.models._merge import probs_from_surface_logprobs


def test_backend_is_what_precedes_the_first_colon() -> None:
    spec = parse_model_name("openai:qwen2.5:7b@http://127.0.0.1:11434/v1")
    assert (spec.backend, spec.model, spec.urls) == (
        "openai",
        "qwen2.5:7b",
        ("http://127.0.0.1:11434/v1",),
    )


def test_replicas_and_defaults() -> None:
    spec = parse_model_name("openai:m@http://a:1/v1/, http://b:2/v1")
    assert spec.urls == ("http://a:1/v1", "http://b:2/v1")
    assert parse_model_name("openai:gpt-4o-mini").urls == ()
    assert parse_model_name("llamacpp").model == ""
    assert parse_model_name("llamacpp:/x/y.gguf").model == "/x/y.gguf"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("vllm:x", "unknown backend"),
        ("openai:", "names no model"),
        ("openai:m@", "empty URL list"),
        ("openai:m@ftp://h", "must start with http"),
    ],
)
def test_bad_names_say_why(name: str, message: str) -> None:
    with pytest.raises(ModelNameError, match=message):
        parse_model_name(name)


def test_surface_variants_are_merged_and_absent_options_missing() -> None:
    pairs = [("1", math.log(0.2)), (" 1", math.log(0.1)), ("2", math.log(0.3)), ("The", -0.5)]
    probs, mass, missing = probs_from_surface_logprobs(["1", "2", "3"], pairs)
    assert mass == pytest.approx(0.6)
    assert probs == pytest.approx([0.5, 0.5, 0.0])
    assert missing == ["3"]


def test_no_option_at_all_gives_zero_mass() -> None:
    probs, mass, missing = probs_from_surface_logprobs(["1", "2"], [("Hello", -0.1)])
    assert (probs, mass, missing) == ([0.0, 0.0], 0.0, ["1", "2"])
