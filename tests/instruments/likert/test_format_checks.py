"""Answer-format checks in `measure`: option position against item content, and free
answers against the log-probability answers (`--check-text K`). End-to-end on the `sim`
backend, whose answers are known: a respondent with traits passes, pure noise and a strong
pull to one option position do not; at temperature 0 its free answer is the distribution's
most likely label."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.engine import run
from valuescope.instruments.likert import LikertInstrument, MeasureConfig, all_conditions
from valuescope.instruments.likert.format_checks import parse_label, text_check_requests

RUNNER = CliRunner()
LABELS = ["1", "2", "3", "4", "5"]


def test_parse_label_takes_the_first_number_that_is_a_label() -> None:
    assert parse_label("Answer: 4.", LABELS) == "4"
    assert parse_label("4 = Agree", LABELS) == "4"
    assert parse_label("I'd say 12, no, 2", LABELS) == "2"
    assert parse_label("I mostly agree.", LABELS) is None
    assert parse_label("10", [str(i) for i in range(1, 12)]) == "10"


def test_k_administrations_per_dimension_of_the_models_own() -> None:
    config = MeasureConfig(model="sim", framework="bigfive", limit=10, paraphrases=0)
    instrument = LikertInstrument(config)
    chosen = text_check_requests(instrument.items, all_conditions(0), 3)
    by_dimension = {i.id: i.dimension for i in instrument.items}
    counts: dict[str, int] = {}
    for item_id, _ in chosen:
        counts[by_dimension[item_id]] = counts.get(by_dimension[item_id], 0) + 1
    assert counts == dict.fromkeys(config_dimensions(instrument), 3)
    assert len(text_check_requests(instrument.items, all_conditions(0), 100)) == 10 * 4


def config_dimensions(instrument: LikertInstrument) -> list[str]:
    return sorted({i.dimension for i in instrument.items})


def test_free_answers_are_compared_with_the_distribution(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = RUNNER.invoke(
        app, ["measure", "--model", "sim", "--framework", "bigfive", "--limit", "10",
              "--paraphrases", "0", "--check-text", "2", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "answer-format checks" in result.output
    results = json.loads((out / "results.json").read_text())
    for dim, d in results["dimensions"].items():
        text = d["text_check"]
        assert text["n_administrations"] == 2, dim
        assert text["n_agree"] == text["n_compared"] == 2, dim  # greedy = most likely label
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert sum(s["text_answer"] is not None for s in samples) == 2 * 5


def test_sim_respondents_with_traits_pass_position_and_order_and_noise_does_not(
    tmp_path: Path,
) -> None:
    def verdict(design_yaml: str) -> tuple[str, dict[str, str]]:
        design = tmp_path / f"{abs(hash(design_yaml))}.yaml"
        design.write_text(design_yaml)
        config = MeasureConfig(model=f"sim:{design}", framework="bigfive", paraphrases=0,
                               use_cache=False)  # fmt: skip
        finished = asyncio.run(run(LikertInstrument(config), tmp_path / design.stem))
        v = finished.results.verdict
        assert v is not None
        return v.level, {r.check: r.level for r in v.reasons}

    traits = verdict("trait_means: {openness: 1.5, conscientiousness: -1.5, extraversion: 1.5, "
                     "agreeableness: -1.5, neuroticism: 1.5}\nitem_residual_sd: 0.3\n")  # fmt: skip
    assert traits[0] == "interpretable", traits
    # answers at random: the items' rank order under one option order says nothing of the
    # other's (the order check's CI reaches 0)
    noise = verdict("pure_noise: true\n")
    assert noise[0] == "not interpretable" and noise[1]["order"] == "not interpretable", noise
    # a strong pull to the first-listed option on weak traits: position decides
    pulled = verdict("item_residual_sd: 0.2\nposition_bias: 4.0\n")
    assert pulled[0] == "not interpretable" and pulled[1]["position"] == "not interpretable"
