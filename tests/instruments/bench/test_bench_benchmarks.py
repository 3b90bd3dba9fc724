"""culture, honesty and learning (`valuescope bench NAME`): their figures on a scripted model
against hand-computed values, image items sent or skipped, the learning design (examples
never the test item, feedback turns, the context cap), the report and the CLI; then real
runs on the embedded model and one through the OpenAI-compatible server.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import SERVER_MODEL
from helpers.paths import DATA as DATA_DIR
from helpers.scripted import ScriptedModel
from valuescope.cli import app
from valuescope.engine import run as run_instrument
from valuescope.instruments.bench import BenchConfig, BenchInstrument
from valuescope.instruments.bench.honesty import load as load_honesty
from valuescope.models import Message
from valuescope.report import write_report

DATA = DATA_DIR
CULTURE = DATA / "bench_culture_tiny.yaml"
HONESTY = DATA / "bench_honesty_tiny.yaml"
LEARNING = DATA / "bench_learning_tiny.yaml"


def shown(message: Message) -> list[str]:
    return re.findall(r"^[A-H]\. (.+)$", message.content, re.MULTILINE)


def pick(messages: list[Message], text: str) -> list[float]:
    """All probability on the shown option `text`."""
    return [1.0 if o == text else 0.0 for o in shown(messages[-1])]


class ImageModel(ScriptedModel):
    """A scripted model that accepts images and keeps every request's messages."""

    supports_images = True

    def __init__(self, script: Any) -> None:
        super().__init__(script)
        self.seen: list[list[Message]] = []

    async def choose(self, messages: list[Message], options: list[str]) -> Any:
        self.seen.append(messages)
        return await super().choose(messages, options)


def run(tmp_path: Path, benchmark: str, data: Path, model: ScriptedModel, **config: Any) -> Any:
    cfg = BenchConfig.model_validate(
        {"model": "scripted", "benchmark": benchmark, "data": str(data), "use_cache": False,
         **config}
    )  # fmt: skip
    done = asyncio.run(run_instrument(BenchInstrument(cfg), tmp_path / "run", model=model))
    return done.results.model_dump(mode="json")


# -- culture ---------------------------------------------------------------------------------

RIGHT = {"Korea": "Kimchi", "Corea": "Kimchi", "Japan?": "Osaka", "Japón": "Osaka",
         "flag": "Japan", "bandera": "Japan"}  # fmt: skip


def english_right_spanish_a(
    messages: list[Message], options: list[str]
) -> tuple[list[float], float]:
    """English: the right option; Spanish: whatever is shown at A."""
    text = messages[-1].content
    if "¿" in text:
        return [1.0] + [0.0] * (len(options) - 1), 1.0
    right = next(v for k, v in RIGHT.items() if k in text)
    return pick(messages, right), 1.0


def test_culture_accuracy_per_language_and_consistency_per_order(tmp_path: Path) -> None:
    model = ScriptedModel(english_right_spanish_a)
    results = run(tmp_path, "culture", CULTURE, model)
    s, fig = results["summary"], results["figures"]
    # The scripted model reads text only: the image group (2 items x 4 orders) is skipped.
    assert s["skipped_items"] == 2 and model.calls == 16
    assert any("2 image items" in w for w in results["warnings"])
    lang = fig["language_accuracy"]
    # Spanish picks A: right in the one cyclic order of 4 that shows the answer at A.
    assert lang["en"]["accuracy"] == 1.0 and lang["es"]["accuracy"] == pytest.approx(0.25)
    assert lang["en"]["n_items"] == 2 and lang["es"]["ci"] == [0.25, 0.25]
    c = fig["consistency"]
    # Per order, es chose option k (shown at A in shift k), en the answer: same in 1 of 4.
    assert c["pairs"]["en-es"] == {"agreement": 0.25, "both_right": 0.25,
                                   "right_consistency": 0.25, "n": 8}  # fmt: skip
    assert c["overall"]["agreement"] == 0.25 and c["all_languages"] == 0.25
    assert c["all_languages_cells"] == 8 and "per order" in c["rule"]


def test_culture_image_items_are_sent_with_their_image(tmp_path: Path) -> None:
    model = ImageModel(english_right_spanish_a)
    results = run(tmp_path, "culture", CULTURE, model, orders=1)
    assert results["summary"]["skipped_items"] == 0 and model.calls == 6
    with_image = [m[-1] for m in model.seen if m[-1].images]
    assert len(with_image) == 2 and all("flag" in m.content or "bandera" in m.content
                                        for m in with_image)  # fmt: skip
    flag = (DATA / "../../src/valuescope/instruments/bench/data/images/flag_disc.png").resolve()
    assert with_image[0].images[0].data == flag.read_bytes()
    assert with_image[0].images[0].mime == "image/png"
    assert results["figures"]["language_accuracy"]["en"]["n_items"] == 3


# -- honesty ---------------------------------------------------------------------------------

REFUSAL = "Cannot be determined."


def refuse_always(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
    return pick(messages, REFUSAL), 1.0


def answer_right(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
    text = messages[-1].content
    right = {"for 2 euros": "2 euros", "Ana bought apples.": REFUSAL,
             "arrived at 3 pm": "3 pm", "left at noon.": REFUSAL}  # fmt: skip
    return pick(messages, next(v for k, v in right.items() if k in text)), 1.0


@pytest.mark.parametrize(
    ("script", "honesty", "over", "control", "balanced", "paired"),
    [(refuse_always, 1.0, 1.0, 0.0, 0.5, 0.0), (answer_right, 1.0, 0.0, 1.0, 1.0, 1.0)],
)
def test_honesty_rates_table_and_balanced_score(
    tmp_path: Path, script: Any, honesty: float, over: float, control: float,
    balanced: float, paired: float,
) -> None:  # fmt: skip
    fig = run(tmp_path, "honesty", HONESTY, ScriptedModel(script))["figures"]
    assert fig["honesty_rate"]["rate"] == honesty and fig["over_refusal_rate"]["rate"] == over
    assert fig["control_accuracy"]["rate"] == control and fig["balanced"] == balanced
    assert fig["paired_both_right"] == paired and fig["paired_cells"] == 6  # 2 pairs x 3 orders
    refused = 6 if script is refuse_always else 0
    assert fig["table"] == {"answerable": {"refused": refused, "answered": 6 - refused},
                            "unanswerable": {"refused": 6, "answered": 0}}  # fmt: skip
    assert fig["refusal_option"] == REFUSAL


def test_honesty_never_refusing_scores_half(tmp_path: Path) -> None:
    def first_content(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        texts = shown(messages[-1])
        return pick(messages, next(t for t in texts if t != REFUSAL)), 1.0

    fig = run(tmp_path, "honesty", HONESTY, ScriptedModel(first_content))["figures"]
    assert fig["honesty_rate"]["rate"] == 0.0 and fig["over_refusal_rate"]["rate"] == 0.0
    assert fig["balanced"] == 0.5


def test_honesty_refusal_is_inferred_and_checked(tmp_path: Path) -> None:
    text = HONESTY.read_text()
    inferred = tmp_path / "h.yaml"
    inferred.write_text(text.replace("refusal_option: Cannot be determined.\n", ""))
    assert len(load_honesty(inferred)) == 4
    wrong = tmp_path / "w.yaml"
    wrong.write_text(text.replace("answer: 0}", "answer: 1}", 1))
    with pytest.raises(ValueError, match="refusal must be right iff unanswerable"):
        load_honesty(wrong)


# -- learning --------------------------------------------------------------------------------

ITEMS = {'"ka"': "kka", '"mo"': "mmo", '"ti"': "tti", '"lu"': "llu"}


def learns_from_two(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
    """Right with the rule or after two earlier answers in the conversation; else wrong."""
    text = messages[-1].content
    right = next(v for k, v in ITEMS.items() if k in text)
    turns = sum(m.role == "assistant" for m in messages)
    if "Rule:" in text or turns >= 2:
        return pick(messages, right), 1.0
    return [0.0 if o == right else 1.0 for o in shown(messages[-1])], 1.0


def test_learning_curve_conditions_and_design(tmp_path: Path) -> None:
    model = ImageModel(learns_from_two)
    results = run(tmp_path, "learning", LEARNING, model, orders=1, max_k=2)
    fig = results["figures"]
    # 4 items x (k = 0, 1, 2, instruction, concept, experience) + 2 feedback calls each.
    assert model.calls == 4 * 6 + 4 * 2
    curve = {k: a["accuracy"] for k, a in fig["curve"].items()}
    assert curve == {"0": 0.0, "1": 0.0, "2": 1.0} and fig["peak_k"] == 2
    acc = {k: a["accuracy"] for k, a in fig["conditions"].items()}
    assert acc == {"baseline (k=0)": 0.0, "instruction (rule)": 1.0, "concept": 0.0,
                   "examples (k=2)": 1.0, "experience (k=2, feedback)": 1.0}  # fmt: skip
    assert fig["design"]["ks"] == [0, 1, 2] and fig["max_prompt_tokens"] == 10
    samples = [json.loads(x) for x in (tmp_path / "run/samples.jsonl").read_text().splitlines()]
    assert {(x["learn"], x["k"]) for x in samples} == {
        ("examples", 0), ("examples", 1), ("examples", 2), ("instruction", 0), ("concept", 0),
        ("experience", 2)}  # fmt: skip
    for messages in model.seen:
        test = next(k for k in ITEMS if k in messages[-1].content)
        assert not any(test in m.content for m in messages[:-1]), "an example is the test item"
    # Experience: the model answered its two feedback items wrong and was told so.
    final = [m for m in model.seen if len(m) == 5 and "right answer is" in m[-1].content]
    assert len(final) == 4
    assert all(m[-1].content.startswith("Wrong: the right answer is") for m in final)
    assert all(m[1].role == "assistant" and m[3].role == "assistant" for m in final)


def test_learning_k_is_capped_by_items_and_context(tmp_path: Path) -> None:
    fig = run(tmp_path, "learning", LEARNING, ScriptedModel(learns_from_two), orders=1,
              max_k=16, settings={"n_ctx": 160})["figures"]  # fmt: skip
    design = fig["design"]
    assert "capped at 3" in design["limit"] and "dropped" in design["limit"]
    assert design["ks"] == sorted(design["ks"]) and max(design["ks"]) < 2


# -- report and CLI --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("benchmark", "data", "script", "headings"),
    [
        ("culture", CULTURE, english_right_spanish_a, ["accuracy per language",
                                                      "Cross-lingual consistency"]),
        ("honesty", HONESTY, answer_right, ["honesty rate", "Answers by item kind",
                                             "balanced score"]),
        ("learning", LEARNING, learns_from_two, ["learning curve", "peak at k",
                                                 "Learning from examples"]),
    ],
)  # fmt: skip
def test_report_renders_each_benchmark_escaped(
    tmp_path: Path, benchmark: str, data: Path, script: Any, headings: list[str]
) -> None:
    evil = tmp_path / data.name
    evil.write_text(data.read_text().replace("language: es", "language: <i>es</i>").replace(
        "images: [../../", f"images: [{DATA.resolve()}/../../"))  # fmt: skip
    run(tmp_path, benchmark, evil, ScriptedModel(script), orders=1, max_k=2)
    html = write_report(tmp_path / "run").read_text()
    for heading in headings:
        assert heading in html, heading
    assert "<i>es</i>" not in html
    if benchmark == "culture":
        assert "&lt;i&gt;es&lt;/i&gt;" in html and "image items skipped" in html


def test_cli_max_k_is_for_learning_only() -> None:
    runner = CliRunner()
    assert "--max-k" in runner.invoke(app, ["bench", "learning", "--help"]).output
    bad = runner.invoke(app, ["bench", "culture", "--max-k", "2", "--data", str(CULTURE)])
    said = " ".join(bad.output.replace("│", " ").split())
    assert bad.exit_code == 2 and "for `bench learning` only" in said
    listed = runner.invoke(app, ["bench", "nope"]).output
    assert all(n in listed for n in ("culture", "honesty", "learning"))


# -- real models -----------------------------------------------------------------------------


@pytest.mark.slow
def test_culture_on_the_embedded_model_skips_image_items(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["bench", "culture", "--data", str(CULTURE), "--orders", "1", "--model",
            "llamacpp", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (
        "skipped: 2 image items" in result.output and "cross-lingual consistency" in result.output
    )
    results = json.loads((out / "results.json").read_text())
    assert results["summary"]["skipped_items"] == 2 and results["usage"]["model_calls"] == 4
    assert results["figures"]["consistency"]["pairs"]["en-es"]["n"] >= 0
    assert "image items skipped" in (out / "report.html").read_text()


@pytest.mark.slow
def test_honesty_and_learning_on_the_embedded_model(tmp_path: Path) -> None:
    runner = CliRunner()
    h = runner.invoke(app, ["bench", "honesty", "--data", str(HONESTY), "--orders", "1",
                            "--out", str(tmp_path / "h")])  # fmt: skip
    assert h.exit_code == 0, h.output
    assert "honesty rate" in h.output and "over-refusal rate" in h.output
    fig = json.loads((tmp_path / "h/results.json").read_text())["figures"]
    assert sum(sum(v.values()) for v in fig["table"].values()) <= 4
    args = ["bench", "learning", "--limit", "2", "--orders", "1", "--max-k", "2",
            "--out", str(tmp_path / "l")]  # fmt: skip
    learn = runner.invoke(app, args)
    assert learn.exit_code == 0, learn.output
    assert "learning curve" in learn.output and "peak at k=" in learn.output
    results = json.loads((tmp_path / "l/results.json").read_text())
    # 2 items x (k 0, 1, 2, instruction, concept, experience) + 2 feedback calls each.
    assert results["usage"]["model_calls"] + results["usage"]["cache_hits"] == 16
    assert set(results["figures"]["curve"]) == {"0", "1", "2"}
    assert results["figures"]["max_prompt_tokens"] > 0


@pytest.mark.slow
def test_honesty_through_the_openai_compatible_server(tmp_path: Path, llama_server: str) -> None:
    out = tmp_path / "run"
    args = ["bench", "honesty", "--data", str(HONESTY), "--orders", "1",
            "--model", f"openai:{SERVER_MODEL}@{llama_server}", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["summary"]["overall"]["n_answers"] == 4
    assert results["figures"]["balanced"] is None or 0 <= results["figures"]["balanced"] <= 1


def test_culture_consistency_compares_the_options_chosen_not_rightness(tmp_path: Path) -> None:
    def english_b_spanish_a(
        messages: list[Message], options: list[str]
    ) -> tuple[list[float], float]:
        at = 0 if "¿" in messages[-1].content else 1
        return [1.0 if i == at else 0.0 for i in range(len(options))], 1.0

    c = run(tmp_path, "culture", CULTURE, ScriptedModel(english_b_spanish_a))["figures"]
    # Every order: en picks the option shown at B, es the one at A; never the same option,
    # though both are wrong in half the (question, order) pairs.
    pair = c["consistency"]["pairs"]["en-es"]
    assert pair == {"agreement": 0.0, "both_right": 0.0, "right_consistency": 0.0, "n": 8}


@pytest.mark.slow
def test_culture_and_learning_through_the_openai_compatible_server(
    tmp_path: Path, llama_server: str
) -> None:
    """The two other benchmarks through a real server: culture with `--no-images` (the
    server's model reads text only) skips and counts the image items; learning asks its
    k-shot, instruction, concept and experience conditions."""
    model = f"openai:{SERVER_MODEL}@{llama_server}"
    culture = tmp_path / "culture"
    args = ["bench", "culture", "--data", str(CULTURE), "--orders", "1", "--no-images",
            "--model", model, "--out", str(culture)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output
    summary = json.loads((culture / "results.json").read_text())["summary"]
    assert summary["skipped_items"] == 2 and summary["overall"]["n_answers"] > 0
    learning = tmp_path / "learning"
    args = ["bench", "learning", "--data", str(LEARNING), "--orders", "1", "--max-k", "1",
            "--limit", "2", "--model", model, "--out", str(learning)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads((learning / "results.json").read_text())["figures"]
    assert figures["peak_k"] in (0, 1)
