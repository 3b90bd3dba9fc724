"""The embedded backend (SmolLM2 through the in-process llama.cpp server) and `measure` end
to end."""

from __future__ import annotations

import asyncio
import json
import math
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.models import GenerateConfig, ModelSettings, load_backend, system, user
from valuescope.models._llamacpp import LlamaCppModel
from valuescope.models._sequence_choice import walk

QUESTION = (
    'Statement: "I enjoy helping people."\nHow well does this describe you?\n'
    "1 = Not at all\n2 = A little\n3 = Mostly\n4 = Exactly\nYour answer (one number):"
)


@pytest.fixture(scope="module")
def embedded() -> LlamaCppModel:
    model = load_backend("llamacpp", ModelSettings())
    assert isinstance(model, LlamaCppModel)
    return model


def test_choose_reads_a_distribution_over_options(embedded: LlamaCppModel) -> None:
    choice = asyncio.run(embedded.choose([user(QUESTION)], ["1", "2", "3", "4"]))
    assert choice.method == "logprobs"
    assert sum(choice.probs) == pytest.approx(1.0)
    assert 0.05 < choice.option_mass <= 1.0
    assert choice.missing == []
    # No system message: SmolLM2's template inserts its own, and the stored prompt shows it.
    assert choice.rendered_prompt is not None and "SmolLM" in choice.rendered_prompt
    with_system = asyncio.run(embedded.choose([system("Be brief."), user(QUESTION)], ["1", "2"]))
    assert with_system.rendered_prompt is not None
    assert "SmolLM" not in with_system.rendered_prompt


def test_choose_is_reproducible_with_prefix_reuse(embedded: LlamaCppModel) -> None:
    """The same prompt gives the same answer whatever the server's slots held before, up to
    how llama.cpp split the prompt into batches: a prompt evaluated whole and one whose
    last token alone is evaluated after a cached prefix differ by about 0.05 in a
    log-probability (its CPU kernels for one token and for many accumulate differently),
    which moves these probabilities by up to 0.006. The same split gives the same numbers."""
    options = ["1", "2", "3", "4"]
    first = asyncio.run(embedded.choose([user(QUESTION)], options))
    asyncio.run(embedded.choose([user("Something else entirely.")], ["1", "2"]))
    again = asyncio.run(embedded.choose([user(QUESTION)], options))
    assert again.probs == pytest.approx(first.probs, abs=0.01)
    assert again.option_mass == pytest.approx(first.option_mass, abs=0.02)
    asyncio.run(embedded.choose([user("Something else entirely.")], ["1", "2"]))
    third = asyncio.run(embedded.choose([user(QUESTION)], options))
    assert third.probs == pytest.approx(again.probs, abs=1e-6)


def test_multi_token_options_use_their_full_sequence(embedded: LlamaCppModel) -> None:
    """'10' is two tokens for SmolLM2 ('1', '0'): its probability is P('1') * P('0' | '1'),
    and option '1' only keeps the mass that does not continue into '10'."""
    assert len(asyncio.run(embedded.tokenize("10"))) == 2
    messages = [user("Rate from 1 to 10 how much you like tea. Answer with a number:")]
    both = asyncio.run(embedded.choose(messages, ["1", "10"]))
    alone = asyncio.run(embedded.choose(messages, ["1"]))
    # P('1' then anything) = P('1' terminal) + P('10') when '1' is scored alone
    # (the " 1" variants are included on both sides).
    assert both.option_mass == pytest.approx(alone.option_mass, rel=1e-3)
    assert 0.0 < both.probs[1] < 1.0


def test_generate_and_sampled_generations_differ(embedded: LlamaCppModel) -> None:
    greedy = asyncio.run(embedded.generate([user("Say hello.")], GenerateConfig(max_tokens=6)))
    assert greedy.text.strip() and greedy.usage.completion_tokens > 0
    texts = {
        asyncio.run(
            embedded.generate(
                [user("Name an animal.")],
                GenerateConfig(max_tokens=8, temperature=1.0, sample_index=i),
            )
        ).text
        for i in range(4)
    }
    assert len(texts) > 1


@pytest.mark.slow
def test_measure_cli_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["measure", "--model", "llamacpp", "--framework", "schwartz", "--limit", "3",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "run directory" in result.output and "tiny" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "measure" and manifest["config"]["limit"] == 3
    assert manifest["model_identity"].startswith("llamacpp|SmolLM2")
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 3 * 4 * 3  # items x (orders x framings) x (text + 2 paraphrases)
    assert {s["condition"] for s in samples if s["item_id"] == "sd1"} == {
        f"{order}/{framing}{wording}"
        for order in ("asc", "desc")
        for framing in ("none", "neutral")
        for wording in ("", "/p1", "/p2")
    }
    results = json.loads((out / "results.json").read_text())
    assert set(results["dimensions"]) == {"self_direction", "stimulation", "hedonism"}
    for dim in results["dimensions"].values():
        assert dim["n_items"] == 1 and dim["n_samples"] == 12
        assert dim["score"] is None or 1.0 <= dim["score"] <= 6.0
        assert dim["ci"] == [None, None] and "ci" in dim["reasons"]  # one item: no CI
        assert "alpha" not in dim  # no reliability over the model's own administrations
        assert 0.0 < dim["option_mass"] <= 1.0
    assert results["usage"]["model_calls"] == 36
    assert math.isclose(sum(results["overall"]["label_share"].values()), 1.0, abs_tol=1e-3)


@pytest.mark.slow
def test_measure_a_users_csv_instrument(tmp_path: Path) -> None:
    """An official-style table with its own column names and scale, run as published."""
    items = tmp_path / "inventory.csv"
    items.write_text(
        "code,statement,value,reversed\n"
        "a1,I like to be in charge of others.,Power,false\n"
        "a2,Helping friends comes first for me.,Benevolence,false\n"
        "a3,Rules are there to be broken.,Conformity,true\n"
    )
    (tmp_path / "inventory.scale.yaml").write_text(
        "points: 5\nstem: How much do you agree?\n"
        "anchors: [Disagree strongly, Disagree, Neutral, Agree, Agree strongly]\n"
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["measure", "--items", str(items), "--out", str(out),
              "--columns", "id=code,text=statement,dimension=value,polarity=reversed"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["instrument"] == "inventory" and results["scale"]["points"] == 5
    assert set(results["dimensions"]) == {"power", "benevolence", "conformity"}
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert {s["polarity"] for s in samples if s["item_id"] == "a3"} == {-1}
    assert all(s["labels"] == ["1", "2", "3", "4", "5"] for s in samples)
    assert "Agree strongly" in samples[0]["prompt"]


def test_pruning_unlikely_token_prefixes_changes_little(
    embedded: LlamaCppModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not extending option sequences below PRUNE_BELOW (e.g. the space before " 1") moves
    no option by more than that bound, relative to the mass on the options."""
    options = ["1", "2", "3", "4"]
    # Both after the same cached prompt: llama.cpp's logits depend slightly on how the
    # prompt was split into batches, which would blur the comparison.
    asyncio.run(embedded.choose([user(QUESTION)], options))
    pruned = asyncio.run(embedded.choose([user(QUESTION)], options))
    monkeypatch.setattr("valuescope.models._openai.walk", partial(walk, prune_below=0.0))
    exact = asyncio.run(embedded.choose([user(QUESTION)], options))
    bound = 1e-4 * 2 * len(options) / exact.option_mass
    assert pruned.probs == pytest.approx(exact.probs, abs=bound + 1e-4)
    assert exact.option_mass - 1e-4 * 2 * len(options) - 1e-4 <= pruned.option_mass
