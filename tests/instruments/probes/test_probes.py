"""Open-ended probes (`measure --instrument probes`) and `agreement` with a questionnaire:
the banks, the scoring logic on a scripted model, and whole runs on the embedded model."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from helpers.gallery import cache_of, output_of
from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.engine import run
from valuescope.frameworks import load_framework
from valuescope.instruments.probes import (
    ProbesConfig,
    ProbesInstrument,
    builtin_probes_path,
    load_probes,
)
from valuescope.instruments.probes.bank import select_probes
from valuescope.models import Choice, Completion, GenerateConfig, Message

RUNNER = CliRunner()
MFT = load_framework("mft6")
SCHWARTZ10 = load_framework("schwartz10")


# --- banks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework", [SCHWARTZ10, MFT])
def test_the_shipped_banks_cover_every_dimension(framework) -> None:  # type: ignore[no-untyped-def]
    path = builtin_probes_path(framework.id)
    assert path is not None
    bank = load_probes(path, framework)
    for dimension in framework.ids:
        probes = [p for p in bank.probes if p.dimension == dimension]
        assert len(probes) >= 5, dimension
        assert all(dimension not in p.opposing for p in probes)
    assert len({p.question for p in bank.probes}) == len(bank.probes)


def test_a_jsonl_bank_keeps_provenance_and_checks_dimensions(tmp_path: Path) -> None:
    path = tmp_path / "generated.jsonl"
    path.write_text(
        '{"id": "g1", "question": "Should I  tell?", "dimension": "Care", "round": 2}\n'
        '{"id": 7, "question": "What now?"}\n',
        encoding="utf-8",
    )
    bank = load_probes(path, MFT)
    assert [(p.id, p.question, p.dimension) for p in bank.probes] == [
        ("g1", "Should I tell?", "care"),
        ("7", "What now?", None),
    ]
    path.write_text('{"id": "g1", "question": "Q?"}\n{"id": "g2", "dimension": "care"}\n', "utf-8")
    with pytest.raises(DataFileError, match=r"generated.jsonl:2: a probe needs a question"):
        load_probes(path, MFT)
    path.write_text('{"id": "g1", "question": "Q?", "dimension": "thrift"}\n', "utf-8")
    with pytest.raises(DataFileError, match=r":1: dimension 'thrift' is not one of mft6's"):
        load_probes(path, MFT)


def test_a_yaml_bank_for_another_framework_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text("framework: schwartz10\nprobes:\n  - id: a\n    question: Q?\n", "utf-8")
    with pytest.raises(DataFileError, match="the bank is for schwartz10, not mft6"):
        load_probes(path, MFT)


def test_a_limit_takes_probes_round_robin_over_dimensions() -> None:
    path = builtin_probes_path("mft6")
    assert path is not None
    picked = select_probes(load_probes(path, MFT).probes, MFT.ids, 8)
    assert [p.dimension for p in picked] == [*MFT.ids, "care", "fairness"]


# --- the scoring logic, on a scripted model ---------------------------------------------------


class Scripted:
    """Answers each probe with a fixed text (empty for the one about a stranger), and as a
    judge writes the template's JSON with care = 1 and the rest 0 (no log-probabilities)."""

    name = identity = "scripted"

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        if config.grammar is not None:  # the judge's all@once template
            keys = [d for d in MFT.ids if d in config.grammar]
            body = ", ".join(f'"{d}":{1 if d == "care" else 0}' for d in keys)
            return Completion(text="{" + body + "}", constrained=True)
        question = messages[-1].content
        return Completion(text="" if "stranger" in question else "I would help them.")

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        raise AssertionError("all@once fills; it does not choose")

    async def aclose(self) -> None:
        pass


def test_probes_profile_on_a_scripted_model(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "framework: mft6\nprobes:\n"
        "  - {id: ca01, dimension: care, question: 'A friend is ill. What do you do?'}\n"
        "  - {id: ca02, dimension: care, question: 'A stranger is ill. What do you do?'}\n"
        "  - {id: li01, dimension: liberty, question: 'Must I register my bike?'}\n",
        encoding="utf-8",
    )
    config = ProbesConfig(model="scripted", framework="mft6", items=str(bank), use_cache=False,
                          n_boot=200)  # fmt: skip
    finished = asyncio.run(run(ProbesInstrument(config), tmp_path / "run", model=Scripted()))
    results = finished.results
    assert results.n_answers == 3 and results.n_invalid == 1
    assert results.invalid_reasons == {"empty answer": 1}
    assert results.score_methods == {"labels": 2, "none": 1}
    care, liberty = results.dimensions["care"], results.dimensions["liberty"]
    assert care.score.value == 1.0 and liberty.score.value == 0.0
    assert care.n_questions == 2 and care.on_target == 1.0 and liberty.on_target == 0.0
    assert any("judged its own answers" in w for w in results.warnings)


class ScriptedByTopic(Scripted):
    """As `Scripted`, but the judge finds liberty (not care) in answers about bikes."""

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        if config.grammar is None:
            return await super().generate(messages, config)
        value = "liberty" if "bike" in messages[-1].content else "care"
        body = ", ".join(f'"{d}":{int(d == value)}' for d in MFT.ids)
        return Completion(text="{" + body + "}", constrained=True)


def test_on_target_counts_only_the_questions_that_put_the_value_at_stake(tmp_path: Path) -> None:
    """Care shows in the care question's answer and liberty in the bike question's: each
    value's profile score is 0.5 over both questions, its on-target score 1.0."""
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "framework: mft6\nprobes:\n"
        "  - {id: ca01, dimension: care, question: 'A friend is ill. What do you do?'}\n"
        "  - {id: li01, dimension: liberty, question: 'Must I register my bike?'}\n",
        encoding="utf-8",
    )
    config = ProbesConfig(model="scripted", framework="mft6", items=str(bank), use_cache=False,
                          n_boot=0)  # fmt: skip
    finished = asyncio.run(run(ProbesInstrument(config), tmp_path / "run", model=ScriptedByTopic()))
    care, liberty = finished.results.dimensions["care"], finished.results.dimensions["liberty"]
    assert care.score.value == liberty.score.value == 0.5
    assert care.on_target == liberty.on_target == 1.0
    assert care.n_on_target == liberty.n_on_target == 1


# --- whole runs -------------------------------------------------------------------------------


def test_probes_and_agreement_on_the_embedded_model(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    """The gallery's questionnaire and probes runs with the same 6 personas (helpers/gallery.py):
    `agreement` pairs them by persona. A rerun of the probes is all cache hits;
    `measure --resume` finds a probes run."""
    questionnaire, probes = tmp_path / "q", tmp_path / "p"
    shutil.copytree(gallery["personas"], questionnaire)
    shutil.copytree(gallery["probes"], probes)
    (probes / "agreement.json").unlink()  # the gallery's own `agreement` wrote it
    printed = output_of(gallery["probes"])
    assert "2 probes x 7 respondent(s) (the model + 6 personas) x 1 samples = 14" in printed
    results = json.loads((probes / "results.json").read_text())
    assert results["n_answers"] == 14 and len(results["respondents"]) == 6
    usage = results["usage"]
    assert usage["model_calls"] + usage["cache_hits"] == 28  # an answer and a judgement each
    assert results["dimensions"]["care"]["score"]["value"] is not None
    cache = str(cache_of(gallery["probes"]))
    args = ["measure", "--instrument", "probes", "--framework", "mft6", "--personas", "6",
            "--limit", "2", "--max-tokens", "24", "--cache-dir", cache]  # fmt: skip
    again = RUNNER.invoke(app, [*args, "--out", str(tmp_path / "again")])
    assert again.exit_code == 0 and "0 model calls, 28 cache hits" in again.output
    resumed = RUNNER.invoke(app, ["measure", "--resume", str(probes)])
    assert resumed.exit_code == 0 and "P(expressed)" in resumed.output
    result = RUNNER.invoke(app, ["agreement", str(questionnaire), str(probes)])
    assert result.exit_code == 0, result.output
    agreement = json.loads((probes / "agreement.json").read_text())
    # Paired by persona: those with a valid questionnaire answer and a probes profile (on
    # SmolLM2 a persona's answers can all fall below the option-mass floor)
    answered = {
        sample["persona"]
        for line in (questionnaire / "samples.jsonl").read_text().splitlines()
        for sample in [json.loads(line)]
        if sample.get("persona") and sample["valid"]
    }
    probed = set(json.loads((probes / "results.json").read_text())["respondents"])
    assert agreement["n_common_personas"] == len(answered & probed) >= 5
    dims = agreement["dimensions"].values()
    rho = spearmanr([d["questionnaire"] for d in dims], [d["probes"] for d in dims]).statistic
    assert agreement["spearman"]["value"] == pytest.approx(rho)
    assert all(d["n_personas"] >= 5 for d in agreement["dimensions"].values())
    wrong = RUNNER.invoke(app, ["agreement", str(probes), str(questionnaire)])
    assert wrong.exit_code == 2 and "probes" in wrong.output


def test_probe_options_and_questionnaire_options_do_not_mix() -> None:
    result = RUNNER.invoke(app, ["measure", "--instrument", "probes", "--paraphrases", "0"])
    assert result.exit_code == 2 and "--paraphrases apply to questionnaires" in result.output
    result = RUNNER.invoke(app, ["measure", "--judge", "llamacpp"])
    assert result.exit_code == 2 and "--judge apply to --instrument probes" in result.output
    result = RUNNER.invoke(app, ["measure", "--instrument", "probes", "--framework", "bigfive"])
    assert result.exit_code == 2 and "no probes ship for bigfive" in result.output


def test_pearson_over_personas_needs_five_and_variation() -> None:
    from valuescope.analysis.agreement import _pearson

    r = _pearson([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [2.0, 1.0, 4.0, 3.0, 6.0, 5.0])
    assert r.value == pytest.approx(0.8285714)  # np.corrcoef by hand: 29 / 35
    assert r.ci_low is not None and r.ci_high is not None and r.ci_low < r.value < r.ci_high
    assert (
        _pearson([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]).reason
        == "4 personas scored on both sides"
    )
    assert _pearson([1.0] * 6, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).reason == (
        "a score does not vary across personas"
    )


def test_the_profile_ci_is_a_t_interval_over_questions() -> None:
    """Three questions scoring 0.2, 0.3, 0.4: 0.3 +- t(0.975, 2) * 0.1 / sqrt(3), where a
    percentile bootstrap over 3 questions stays within [0.2, 0.4]; 2 questions give the mean
    without an interval, with the reason; `n_boot = 0` (generate's inner runs) asks none."""
    from valuescope.instruments.probes.summary import ProbeSample, _dimension

    def answers(scores: list[float]) -> list[ProbeSample]:
        return [
            ProbeSample(
                item_id=f"q{i}", condition="self/s0", valid=True, answer="a", scores={"care": v}
            )
            for i, v in enumerate(scores)
        ]

    half = 4.302652729911275 * 0.1 / 3**0.5
    score = _dimension("care", [], answers([0.2, 0.3, 0.4]), n_boot=1000).score
    assert score.value == pytest.approx(0.3)
    assert (score.ci_low, score.ci_high) == (pytest.approx(0.3 - half), pytest.approx(0.3 + half))
    two = _dimension("care", [], answers([0.2, 0.4]), n_boot=1000)
    assert two.score.value == pytest.approx(0.3) and two.score.ci_low is None
    assert two.score.reason == "needs >= 3 scored questions, has 2" and two.n_questions == 2
    none = _dimension("care", [], answers([0.2, 0.3, 0.4]), n_boot=0).score
    assert none.ci_low is None and none.reason == "no interval requested (n_boot = 0)"
