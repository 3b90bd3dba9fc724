"""Answer-format checks in `measure`: uniformity against chance, and free answers against
the log-probability answers (`--check-text K`). End-to-end on the `sim` backend, whose
answers are known: a respondent with traits is better than chance, pure noise is not; at
temperature 0 its free answer is the distribution's most likely label."""

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


def test_respondents_with_traits_beat_chance_and_pure_noise_does_not(tmp_path: Path) -> None:
    def flags(design_yaml: str) -> list[bool | None]:
        design = tmp_path / f"{abs(hash(design_yaml))}.yaml"
        design.write_text(design_yaml)
        config = MeasureConfig(model=f"sim:{design}", framework="bigfive", paraphrases=0,
                               use_cache=False)  # fmt: skip
        finished = asyncio.run(run(LikertInstrument(config), tmp_path / design.stem))
        return [
            d.uniformity.flagged if d.uniformity else None
            for d in finished.results.dimensions.values()
        ]

    traits = flags("trait_means: {openness: 1.5, conscientiousness: -1.5, extraversion: 1.5,"
                   " agreeableness: -1.5, neuroticism: 1.5}\nitem_residual_sd: 0.3\n")  # fmt: skip
    assert traits == [False] * 5
    noise = flags("pure_noise: true\n")
    assert sum(flag is True for flag in noise) >= 4
