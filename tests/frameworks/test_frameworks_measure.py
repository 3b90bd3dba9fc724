"""`measure` runs on every shipped framework, embedded and through a server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SERVER_MODEL
from valuescope.cli import app
from valuescope.frameworks import available_frameworks

BANKED = ["schwartz10", "schwartz19", "mft6", "bigfive", "mac7", "gert10"]


def test_every_framework_but_the_dilemma_one_ships_a_bank() -> None:
    assert set(available_frameworks()) == {*BANKED, "ethics5"}


@pytest.mark.slow
@pytest.mark.parametrize("framework", BANKED)
@pytest.mark.parametrize("backend", ["embedded", "server"])
def test_measure_every_framework(
    framework: str, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    model = "llamacpp"
    if backend == "server":
        model = f"openai:{SERVER_MODEL}@{request.getfixturevalue('llama_server')}"
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["measure", "--model", model, "--framework", framework, "--limit", "2",
              "--paraphrases", "0", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["framework"] == framework and len(results["dimensions"]) == 2
    assert results["overall"]["n_samples"] == 8
    assert results["overall"]["methods"] == {"logprobs": 8}


def test_dilemma_framework_has_no_questionnaire(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["measure", "--framework", "ethics5", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2 and "ships no item bank" in result.output
