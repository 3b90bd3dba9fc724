"""Simulated respondents in `measure`: the design, the prompts, the request order, and the
two outputs (the model's own profile; reliability over respondents).

End-to-end runs use the `sim` backend, whose respondents have known traits: a design that
works must find the instrument reliable there, and pure-noise respondents must not.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.engine import ConfigError, run
from valuescope.instruments.likert import LikertInstrument, MeasureConfig, build_messages
from valuescope.instruments.likert.design import MIN_RESPONDENTS, respondents_for
from valuescope.instruments.likert.prompts import request_order
from valuescope.respondents import load_instructions, load_personas, load_postambles
from valuescope.runs import SAMPLES

RUNNER = CliRunner()


def test_rotated_and_crossed_designs() -> None:
    rotated = respondents_for(30, "rotate", seed=0)
    assert len(rotated) == 30 and len({r.persona.id for r in rotated}) == 30
    uses = Counter(r.instruction.id for r in rotated)
    assert set(uses) == {i.id for i in load_instructions()}
    assert max(uses.values()) - min(uses.values()) <= 1
    assert len({r.postamble.id for r in rotated}) > 1
    crossed = respondents_for(3, "cross", seed=0)
    assert len(crossed) == 3 * len(load_instructions()) * len(load_postambles())
    assert len({r.id for r in crossed}) == len(crossed)
    assert respondents_for(30, "rotate", seed=0) == rotated  # seeded
    assert respondents_for(30, "rotate", seed=1) != rotated
    with pytest.raises(ConfigError, match="has 241 personas"):
        respondents_for(len(load_personas()) + 1, "rotate", seed=0)


def test_a_respondents_prompt_and_the_order_requests_are_asked_in() -> None:
    config = MeasureConfig(model="sim", framework="bigfive", limit=10, paraphrases=0,
                           design="quick")  # fmt: skip
    instrument = LikertInstrument(config)
    respondent = instrument.respondents[0]
    item = instrument.items[0]
    condition = instrument.respondent_conditions[1]  # the descending order
    assert condition.respondent == respondent and condition.order == "desc"
    assert condition.id == f"r/{respondent.id}/desc"
    (message,) = build_messages(item, instrument.bank.scale, condition)
    text = message.content
    assert isinstance(text, str)
    assert respondent.persona.text in text and respondent.instruction.text in text
    assert text.index(respondent.persona.text) < text.index(instrument.bank.scale.stem)
    assert text.index("1 = " + instrument.bank.scale.anchors[-1]) < text.index(item.text)
    assert text.rstrip().endswith(f'"{item.text}"\n{respondent.postamble.text}\nYour answer:')

    # Consecutive requests share everything before the statement: a respondent answers all
    # items in one order before the next order or respondent.
    pairs = request_order(instrument.items, instrument.respondent_conditions[:4])
    prefixes = [
        build_messages(i, instrument.bank.scale, c)[0].content.split(f'"{i.text}"')[0]  # type: ignore[union-attr]
        for i, c in pairs
    ]
    changes = sum(a != b for a, b in itertools.pairwise(prefixes))
    assert changes == 3  # 2 respondents x 2 orders = 4 runs of identical prefixes
    plan = instrument.plan(set())
    assert plan.total == 10 * (4 + 30 * 2)


def test_sim_respondents_are_found_reliable_and_the_profile_stays_apart(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = RUNNER.invoke(
        app, ["measure", "--model", "sim", "--framework", "bigfive", "--paraphrases", "0",
              "--design", "quick", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "design quick: 30 respondents (30 personas," in output
    assert "x 2 orders x 45 items = 2,700 answers, + 180 for the model's own profile" in output
    results = json.loads((out / "results.json").read_text())
    assert results["overall"]["n_samples"] == 45 * 4  # the profile: no persona in it
    respondents = results["respondents"]
    assert respondents["design"]["respondents"] == 30
    assert respondents["n_samples"] == 45 * 30 * 2
    for dim, d in respondents["dimensions"].items():
        reliability = d["reliability"]
        assert reliability["n_respondents"] == 30, dim
        assert reliability["reliable"] is True, (dim, reliability)
        for stat in ("alpha", "lambda6", "omega"):
            value = reliability[stat]
            assert value["ci_low"] <= value["value"] <= value["ci_high"]
    samples = [json.loads(line) for line in (out / SAMPLES).read_text().splitlines()]
    answered = [s for s in samples if s["respondent"] is not None]
    assert len(answered) == 2700
    first = answered[0]
    assert first["respondent"] == f"{first['persona']}/{first['instruction']}/{first['postamble']}"
    assert {s["order"] for s in answered} == {"asc", "desc"}


def test_pure_noise_respondents_are_not_reliable(tmp_path: Path) -> None:
    design = tmp_path / "noise.yaml"
    design.write_text("pure_noise: true\n")
    config = MeasureConfig(model=f"sim:{design}", framework="bigfive", paraphrases=0,
                           design="quick", use_cache=False)  # fmt: skip
    finished = asyncio.run(run(LikertInstrument(config), tmp_path / "run"))
    respondents = finished.results.respondents
    assert respondents is not None
    for dim, d in respondents.dimensions.items():
        assert d.reliability.reliable is False, dim
        assert d.reliability.alpha.value is not None and d.reliability.alpha.value < 0.7


def test_too_few_respondents_is_null_with_the_reason(tmp_path: Path) -> None:
    config = MeasureConfig(model="sim", framework="bigfive", limit=10, paraphrases=0,
                           personas=10, use_cache=False)  # fmt: skip
    finished = asyncio.run(run(LikertInstrument(config), tmp_path / "run"))
    respondents = finished.results.respondents
    assert respondents is not None and respondents.design.respondents == 10
    for d in respondents.dimensions.values():
        assert d.reliability.alpha.value is None and d.reliability.reliable is None
        assert f"needs >= {MIN_RESPONDENTS}" in (d.reliability.alpha.reason or "")


def test_the_users_own_personas(tmp_path: Path) -> None:
    personas = tmp_path / "people.txt"
    people = [f"I am person number {n}, and I {'love' if n % 2 else 'avoid'} parties."
              for n in range(22)]  # fmt: skip
    personas.write_text("\n".join(people) + "\n")
    out = tmp_path / "run"
    result = RUNNER.invoke(
        app, ["measure", "--model", "sim", "--framework", "bigfive", "--limit", "10",
              "--paraphrases", "0", "--personas", str(personas), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["respondents"]["design"]["respondents"] == 22
    assert results["respondents"]["design"]["personas_source"] == str(personas)
    prompts = [json.loads(line)["prompt"] for line in (out / SAMPLES).read_text().splitlines()]
    assert any(people[3] in p for p in prompts)


def _sample(respondent: str, item: str, order: str, score: float, valid: bool = True) -> Any:
    from valuescope.instruments.likert import LikertSample

    return LikertSample(
        item_id=item, condition=f"r/{respondent}/{order}", valid=valid, dimension="d",
        polarity=1, order=order, framing="none", respondent=respondent, prompt="",
        labels=["1", "2"], scale_points=[1, 2], probs=[0.5, 0.5], option_mass=1.0,
        missing=[], method="logprobs", expected_raw=score, score=score,
    )  # fmt: skip


def test_a_respondents_item_score_is_the_mean_over_orders_of_valid_answers() -> None:
    from valuescope.instruments.likert.respondent_summary import respondent_matrix

    samples = [
        _sample("r1", "a", "asc", 2.0), _sample("r1", "a", "desc", 4.0),
        _sample("r1", "b", "asc", 1.0), _sample("r1", "b", "desc", 5.0, valid=False),
        _sample("r2", "a", "asc", 3.0, valid=False), _sample("r2", "a", "desc", 3.0, False),
        _sample("r2", "b", "asc", 5.0), _sample("r2", "b", "desc", 3.0),
    ]  # fmt: skip
    ids, matrix = respondent_matrix(samples, ["a", "b"])
    assert ids == ["r1", "r2"]
    assert matrix[0].tolist() == [3.0, 1.0]  # the mean of both orders; the invalid one left out
    assert math.isnan(matrix[1, 0]) and matrix[1, 1] == 4.0


@pytest.mark.slow
def test_a_crossed_design_resamples_personas_end_to_end(tmp_path: Path) -> None:
    """`--design full --personas 12`: 12 personas x 36 phrasings = 432 respondents who share
    12 personas. The engine hands the personas to the statistics: every interval leaves a
    persona out at a time, and the CLI and the report say so; validity's correlations and
    gap do the same."""
    out = tmp_path / "run"
    result = RUNNER.invoke(
        app, ["measure", "--model", "sim", "--framework", "bigfive", "--design", "full",
              "--personas", "12", "--limit", "15", "--paraphrases", "0", "--no-cache",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "95% intervals resample the 12 personas" in " ".join(result.output.split())
    respondents = json.loads((out / "results.json").read_text())["respondents"]
    for dim, d in respondents["dimensions"].items():
        rel = d["reliability"]
        assert (rel["n_respondents"], rel["n_clusters"]) == (432, 12), dim
        for name in ("alpha", "lambda6", "omega"):
            stat = rel[name]
            assert stat["method"] == "jackknife over 12 personas, ln(1 - x) scale", (dim, name)
            assert stat["ci_low"] <= stat["value"] <= stat["ci_high"] <= 1.0
    from valuescope.report import render_report

    assert "resample the 12 personas" in render_report(out)
    validity = RUNNER.invoke(
        app, ["validity", "--model", "sim", "--instruments", "bigfive,bigfive_short",
              "--design", "full", "--personas", "12", "--limit", "15", "--paraphrases", "0",
              "--no-cache", "--out", str(tmp_path / "validity")],
    )  # fmt: skip
    assert validity.exit_code in (0, 4), validity.output
    mtmm = json.loads((tmp_path / "validity" / "validity.json").read_text())["mtmm"]
    assert mtmm["discriminant_gap"]["method"] == "jackknife over 12 personas"
    assert all(c["r"]["method"] == "jackknife over 12 personas" for c in mtmm["convergent"])
