"""`models.fill` (a template's slots in one request) and `generate` with log-probabilities
and a grammar: the embedded model's own route, the generic route through `generate`, and
both OpenAI-compatible servers (llama_cpp.server, llama-server) with and without a grammar."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from valuescope.models import (
    Completion,
    Filled,
    GenerateConfig,
    ModelSettings,
    Slot,
    Template,
    TokenLogprobs,
    fill,
    get_model,
    read_slots,
    user,
)

MESSAGES = [
    user(
        "Text: 'I gave my coat to a stranger who was cold.' Write JSON with care and "
        "fairness, 1 if the text shows the value, else 0."
    )
]
TEMPLATE = Template(
    parts=['{"care":', Slot(options=["0", "1"]), ', "fairness":', Slot(options=["0", "1"]), "}"]
)


def test_the_grammar_and_the_pattern_admit_the_template() -> None:
    assert TEMPLATE.grammar() == (
        'root ::= "{\\"care\\":" ("0" | "1") ", \\"fairness\\":" ("0" | "1") "}"'
    )
    pattern = TEMPLATE.pattern()
    assert pattern.fullmatch('{"care":1, "fairness":0}')
    assert pattern.fullmatch('{ "care": 1,\n  "fairness": 0 }')  # whitespace is free
    assert not pattern.fullmatch('{"care": 2, "fairness": 0}')
    assert not pattern.fullmatch('{"fairness": 0, "care": 1}')
    assert 20 < TEMPLATE.max_tokens() < 60


def _tokens(*pieces: tuple[str, dict[str, float]]) -> list[TokenLogprobs]:
    return [TokenLogprobs(text=t, logprob=top.get(t, -9.0), top=top) for t, top in pieces]


def test_read_slots_sums_each_options_spellings_at_its_position() -> None:
    """ " 1" and "1" are the same answer; a token that carries more ("0}") is compared with
    alternatives that carry the same; the other tokens' alternatives are not read."""
    tokens = _tokens(
        ('{"care":', {'{"care":': -0.1}),
        (" 1", {" 1": math.log(0.6), "1": math.log(0.2), " 0": math.log(0.1), "x": -1.0}),
        (', "fairness":', {', "fairness":': -0.1}),
        (" 0}", {" 0}": math.log(0.3), " 1}": math.log(0.1), " 1": math.log(0.5)}),
    )
    text = "".join(t.text for t in tokens)
    filled = read_slots(Completion(text=text, tokens=tokens, constrained=True), TEMPLATE)
    assert filled.method == "logprobs" and filled.reason is None
    care, fairness = filled.slots
    assert care.chosen == "1" and care.probs == pytest.approx([0.1 / 0.9, 0.8 / 0.9])
    assert care.option_mass == pytest.approx(0.9)
    assert fairness.chosen == "0" and fairness.probs == pytest.approx([1 / 3, 2 / 3])


def test_read_slots_says_what_it_could_not_read() -> None:
    no_logprobs = read_slots(Completion(text='{"care":1, "fairness":0}'), TEMPLATE)
    assert [s.chosen for s in no_logprobs.slots] == ["1", "0"]
    assert no_logprobs.method is None and "no log-probabilities" in (no_logprobs.reason or "")
    prose = read_slots(Completion(text="JSON: care yes"), TEMPLATE)
    assert [s.chosen for s in prose.slots] == [None, None]
    assert prose.reason == "the answer does not follow the template (no grammar was applied)"


@pytest.fixture(scope="module")
def embedded(gguf: Path):  # type: ignore[no-untyped-def]
    return get_model(f"llamacpp:{gguf}", use_cache=False)


def test_generate_with_logprobs_lists_the_written_tokens(embedded) -> None:  # type: ignore[no-untyped-def]
    config = GenerateConfig(max_tokens=12, top_logprobs=5)
    completion = asyncio.run(embedded.generate(MESSAGES, config))
    assert completion.tokens is not None and len(completion.tokens) == 12
    assert "".join(t.text for t in completion.tokens) == completion.text
    for token in completion.tokens:  # greedy: the written token is the likeliest
        assert token.top[token.text] == token.logprob
        assert token.logprob == pytest.approx(max(token.top.values()))
        assert len(token.top) >= 5
    plain = asyncio.run(embedded.generate(MESSAGES, GenerateConfig(max_tokens=12)))
    assert plain.tokens is None and plain.text == completion.text


def test_a_grammar_holds_the_embedded_model_to_the_template(embedded) -> None:  # type: ignore[no-untyped-def]
    config = GenerateConfig(max_tokens=TEMPLATE.max_tokens(), grammar=TEMPLATE.grammar())
    completion = asyncio.run(embedded.generate(MESSAGES, config))
    assert completion.constrained and TEMPLATE.pattern().fullmatch(completion.text)
    with pytest.raises(ValueError, match="GBNF grammar does not parse"):
        asyncio.run(embedded.generate(MESSAGES, GenerateConfig(grammar="root ::= (")))


def test_the_embedded_fill_agrees_with_the_generic_route(embedded) -> None:  # type: ignore[no-untyped-def]
    """The embedded model's own route (teacher-forced text, `choose` per slot) and the
    generic one (one grammar-constrained `generate` with log-probabilities) choose the same
    labels with close probabilities (they differ only in how the fixed text is split into
    tokens)."""
    own = asyncio.run(embedded.fill(MESSAGES, TEMPLATE))
    config = GenerateConfig(
        max_tokens=TEMPLATE.max_tokens(), top_logprobs=20, grammar=TEMPLATE.grammar()
    )
    generic = read_slots(asyncio.run(embedded.generate(MESSAGES, config)), TEMPLATE)
    assert own.method == generic.method == "logprobs"
    assert TEMPLATE.pattern().fullmatch(own.text)
    for a, b in zip(own.slots, generic.slots, strict=True):
        assert a.chosen == b.chosen
        assert a.probs is not None and b.probs is not None
        assert a.probs[1] == pytest.approx(b.probs[1], abs=0.15)
        assert a.probs[a.chosen == "1"] >= 0.5  # the chosen label is the likelier one


def test_fill_goes_through_the_cache(gguf: Path, tmp_path: Path) -> None:
    model = get_model(f"llamacpp:{gguf}", cache_dir=tmp_path / "cache")
    first = asyncio.run(model.fill(MESSAGES, TEMPLATE))
    again = asyncio.run(model.fill(MESSAGES, TEMPLATE))
    assert not first.cached and again.cached
    assert again.slots == first.slots
    assert model.usage.model_calls == 1 and model.usage.cache_hits == 1


@pytest.mark.slow
@pytest.mark.parametrize("server", ["llama_server", "cpp_llama_server"])
def test_servers_fill_with_a_grammar_and_read_logprobs(
    server: str, request: pytest.FixtureRequest
) -> None:
    """With `constrain="grammar"` the server gets the template's grammar and returns
    log-probabilities: one request, every slot read. Without it the grammar is not sent,
    and an answer off the template says so (the tiny model writes prose)."""
    url = request.getfixturevalue(server)

    async def both() -> tuple[Filled, Filled]:
        constrained = get_model(
            f"openai:smollm2@{url}", ModelSettings(constrain="grammar"), use_cache=False
        )
        free = get_model(f"openai:smollm2@{url}", use_cache=False)
        try:
            return await fill(constrained, MESSAGES, TEMPLATE), await fill(free, MESSAGES, TEMPLATE)
        finally:
            await constrained.aclose()
            await free.aclose()

    filled, unconstrained = asyncio.run(both())
    assert filled.constrained and filled.method == "logprobs", filled
    assert filled.usage.completion_tokens <= TEMPLATE.max_tokens()
    assert all(s.probs is not None and s.chosen in ("0", "1") for s in filled.slots)
    assert not unconstrained.constrained
    assert unconstrained.method == "logprobs" or unconstrained.reason is not None
