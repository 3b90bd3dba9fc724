"""`valuescope construct` (CAReDiO): the scoring maths and the loop's logic with a scripted
model, then end to end on the embedded model and through an OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.construct import ConstructConfig, aconstruct, consensus, rating
from valuescope.construct.prompts import MASK, judge_messages, parse_answer, parse_question
from valuescope.construct.scoring import culture_distribution, rotations
from valuescope.engine import ConfigError
from valuescope.models import Choice, Completion, GenerateConfig, Message

RUNNER = CliRunner()


def _choice(probs: list[float]) -> Choice:
    return Choice(
        options=[str(i + 1) for i in range(len(probs))],
        probs=probs,
        option_mass=sum(probs),
        method="logprobs",
    )


# --- the scoring maths ------------------------------------------------------------------------


def test_a_rating_is_the_expected_scale_point_in_zero_one() -> None:
    assert rating(_choice([0, 0, 0, 0, 1.0])) == 1.0
    assert rating(_choice([1.0, 0, 0, 0, 0])) == 0.0
    assert rating(_choice([0.25, 0, 0, 0, 0.25])) == pytest.approx(0.5)  # renormalised
    mean, spread = consensus([0.5, 0.75])
    assert mean == pytest.approx(0.625) and spread == pytest.approx(0.125)
    assert consensus([]) == (None, None)


def test_the_culture_distribution_undoes_each_rotation_and_skips_invalid_ones() -> None:
    orders = rotations(3)
    assert orders == [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    # the judge always says the first listed: P(each culture) = 1/3 after averaging
    choices = [_choice([0.9, 0.05, 0.05])] * 3
    probs, invalid = culture_distribution(orders, choices, 0.25)
    assert probs == pytest.approx([1 / 3, 1 / 3, 1 / 3]) and invalid == 0
    # it finds culture 0 wherever it is listed; the third rotation has too little mass
    found = [_choice([0.6, 0.2, 0.2]), _choice([0.2, 0.2, 0.6]), _choice([0.01, 0.01, 0.01])]
    probs, invalid = culture_distribution(orders, found, 0.25)
    assert probs == pytest.approx([0.6, 0.2, 0.2]) and invalid == 1


def test_the_judge_sees_the_pair_with_the_culture_names_masked() -> None:
    (message,) = judge_messages(
        ["Korea", "Japan"],
        "Is tipping rude in japan?",
        "In Japan, yes; in South Korea too.",
        ["Japan", "Korea"],
    )
    pair = message.content.split("\n1.")[0]
    assert "japan" not in pair.lower() and "korea" not in pair.lower() and MASK in pair
    assert "1. Korea\n2. Japan" in message.content


def test_questions_and_answers_are_read_out_of_free_text() -> None:
    assert parse_question('1. "How do you greet elders at New Year?" Also') == (
        "How do you greet elders at New Year?"
    )
    assert parse_question("I do not know.") is None and parse_question("Why?") is None
    assert parse_answer('Answer: "We bow to them."') == "We bow to them."
    assert parse_answer("  ok ") is None


# --- the loop with a scripted model -----------------------------------------------------------


class ScriptedCulture:
    """Writes, rates and judges by rules, so the loop's bookkeeping can be checked by hand.

    Questions: one per topic, except the third topic (unreadable). Answers: a baseline answer;
    an answer refinement of q1 is "Refined" (raters 5/5, the judge finds Japan at 0.8), of
    q2 unreadable; a question refinement changes nothing in the scores (not kept). Raters:
    the teacher 3/5 and the student 4/5 on a baseline answer, 1/5 on a related culture's."""

    name = "scripted"
    identity = "scripted|construct"

    def __init__(self) -> None:
        self.calls = 0

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        self.calls += 1
        prompt = messages[-1].content
        if "Write one question" in prompt:
            topic = re.search(r"might ask about (.+?), whose", prompt)
            assert topic is not None
            if topic.group(1).startswith("family"):
                return Completion(text="I cannot think of one.")
            return Completion(text=f"1. What do people do about {topic.group(1)}?")
        if "New question:" in prompt:
            question = prompt.split("Question: ")[1].split("\n")[0]
            return Completion(text=question.replace("What do", "What really do"))
        if "Draft answer:" in prompt:
            text = "Refined: we bow deeply." if "meals" in prompt else "ok"
            return Completion(text=text)
        culture = messages[0].content.removeprefix("You are a typical person from ").split(".")[0]
        return Completion(text=f"In {culture} we do as our parents did.")

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        self.calls += 1
        prompt = messages[-1].content
        if len(options) == 5:  # a rater
            role = messages[0].content
            if "Refined" in prompt:
                return _choice([0, 0, 0, 0, 1.0])
            if "In Korea" in prompt or "In China" in prompt:
                return _choice([1.0, 0, 0, 0, 0])
            return _choice([0, 0, 0, 1.0, 0] if "student" in role else [0, 0, 1.0, 0, 0])
        assert "Japan" not in prompt.split("\n1.")[0]  # masked
        listed = re.findall(r"^\d\. (\w+)$", prompt, flags=re.MULTILINE)
        if "bow deeply" in prompt:
            return _choice([0.8 if c == "Japan" else 0.1 for c in listed])
        return _choice([1 / 3] * 3)

    async def aclose(self) -> None:
        pass


def _config(tmp_path: Path, **changes: object) -> ConstructConfig:
    fields: dict[str, object] = {
        "model": "scripted",
        "culture": "Japan",
        "related": ["Korea", "China"],
        "personas": 2,
        "questions": 3,
        "rounds": 1,
        "cache_dir": str(tmp_path / "cache"),
    }
    return ConstructConfig.model_validate({**fields, **changes})


def _construct(config: ConstructConfig, out: Path, model: ScriptedCulture):  # type: ignore[no-untyped-def]
    return asyncio.run(aconstruct(config, out, generator=model, raters=model, judge=model))


CALLS = 42
"""Initial 7 + 7 + 1 (unreadable q3), question round 2 x 7, answer round 6 + 1, the related
answer for q2's DPO record 1 + 5. The model sees 3 fewer: the judge reads q2's China answer
masked, the same text as its initial Japan answer, so the cache answers those 3."""


def test_the_loop_keeps_only_improvements_and_exports_sft_and_dpo(tmp_path: Path) -> None:
    model = ScriptedCulture()
    out = tmp_path / "run"
    report = _construct(_config(tmp_path), out, model)
    assert model.calls == report.new_calls == CALLS - 3 and report.calls == CALLS
    assert report.stopped == "finished" and report.scored_pairs == 2
    initial, questions, answers = report.rounds
    assert (initial.attempted, initial.accepted, initial.unreadable) == (3, 2, 1)
    assert (questions.attempted, questions.accepted) == (2, 0)  # same scores: not kept
    assert (answers.accepted, answers.unreadable) == (1, 1)
    assert initial.mean_combined_after == pytest.approx(0.625 / 3)
    assert answers.mean_combined_after == pytest.approx((0.8 + 0.625 / 3) / 2)
    first, second = report.kept
    assert first.id == "q1" and first.answer == "Refined: we bow deeply."
    assert first.question == first.original_question  # the question refinement was refused
    s = first.scores
    assert (s.representativeness, s.spread, s.distinctiveness) == (1.0, 0.0, pytest.approx(0.8))
    assert s.not_related == pytest.approx(0.9) and s.combined == pytest.approx(0.8)
    assert second.scores.spread == pytest.approx(0.125)
    assert [h.kind for h in first.history] == ["initial", "question", "answer"]
    assert [h.accepted for h in first.history] == [True, False, True]
    assert (first.rejected_source, second.rejected_source) == ("replaced", "related:China")
    sft = [json.loads(x) for x in (out / "export" / "sft.jsonl").read_text().splitlines()]
    dpo = [json.loads(x) for x in (out / "export" / "dpo.jsonl").read_text().splitlines()]
    assert len(sft) == 2 and len(dpo) == 2
    for record in sft:
        assert [m["role"] for m in record["messages"]] == ["user", "assistant"]
        assert record["culture"] == "Japan"
    for record in dpo:
        assert [m["role"] for m in record["prompt"]] == ["user"]
        assert record["chosen"][0]["role"] == record["rejected"][0]["role"] == "assistant"
        assert record["chosen_combined"] > record["rejected_combined"]
    assert dpo[0]["rejected"][0]["content"] == "In Japan we do as our parents did."
    assert dpo[1]["rejected"][0]["content"] == "In China we do as our parents did."
    pairs = [json.loads(x) for x in (out / "pairs.jsonl").read_text().splitlines()]
    assert [p["id"] for p in pairs] == ["q1", "q2"] and all(p["kept"] for p in pairs)
    saved = json.loads((out / "construct.json").read_text())
    assert saved["dropped"][0]["why"] == "no question in" and saved["calls_per_pair"] == 5
    page = (out / "report.html").read_text()
    assert "Kept pairs (2)" in page and "Refined: we bow deeply." in page


def test_keep_takes_the_top_pair_and_a_rerun_asks_no_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _construct(_config(tmp_path), out, ScriptedCulture())
    again = ScriptedCulture()
    report = _construct(_config(tmp_path, keep=1), out, again)  # keep may change
    assert again.calls == 0 and report.new_calls == 0 and report.calls == CALLS - 6
    assert [k.id for k in report.kept] == ["q1"]  # no related answer needed for q1
    with pytest.raises(
        ConfigError, match=r"other settings \(personas, rounds changed since it started\)"
    ):
        _construct(_config(tmp_path, rounds=2, personas=3), out, ScriptedCulture())


def test_a_construct_run_is_a_study_listed_by_runs(tmp_path: Path) -> None:
    """Its manifest holds the settings (no construct-config.json any more); `valuescope
    runs` lists it; a folder made before (construct-config.json, no manifest) is adopted
    when its settings are the same, and refused by name when they are not."""
    from valuescope.cli import app
    from valuescope.runs import list_runs

    out = tmp_path / "runs" / "jp"
    _construct(_config(tmp_path), out, ScriptedCulture())
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["command"], manifest["status"], manifest["instrument"]) == (
        "construct", "finished", "Japan")  # fmt: skip
    assert manifest["children"] == [] and "keep" not in manifest["fingerprint"]
    assert not (out / "construct-config.json").exists()
    (run,) = list_runs(tmp_path / "runs").runs
    assert (run.directory, run.manifest.command, run.status) == (out, "construct", "finished")
    printed = " ".join(CliRunner().invoke(app, ["runs", str(tmp_path / "runs")]).output.split())
    assert "jp (0 runs) construct Japan" in printed
    old = tmp_path / "old"
    old.mkdir()
    settings = _config(tmp_path).model_dump(
        mode="json", exclude={"settings", "use_cache", "cache_dir", "keep", "max_calls"}
    )
    (old / "construct-config.json").write_text(json.dumps({**settings, "rounds": 0}))
    with pytest.raises(ConfigError, match=r"other settings \(rounds changed"):
        _construct(_config(tmp_path), old, ScriptedCulture())
    (old / "construct-config.json").write_text(json.dumps(settings))
    again = ScriptedCulture()
    _construct(_config(tmp_path), old, again)  # adopted: walks the same path from the cache
    assert again.calls == 0 and (old / "manifest.json").is_file()


def test_the_budget_stops_cleanly_and_a_larger_one_goes_on(tmp_path: Path) -> None:
    """21 calls: the initial pairs (15) and q1's question refinement up to its second judge
    call; the third is not sent, the scored pairs are kept and exported."""
    out = tmp_path / "run"
    first = ScriptedCulture()
    report = _construct(_config(tmp_path, max_calls=21), out, first)
    assert report.stopped == "budget" and report.calls == first.calls == 21
    assert report.scored_pairs == 2 and len(report.kept) == 2
    assert report.kept[0].history[-1].note == "left unfinished by --max-calls"
    assert report.exported == {"sft.jsonl": 2, "dpo.jsonl": 0}
    assert "stopped by --max-calls" in report.notes[0]
    rest = ScriptedCulture()
    report = _construct(_config(tmp_path), out, rest)
    assert report.stopped == "finished" and first.calls + rest.calls == CALLS - 3
    assert report.new_calls == rest.calls


def test_cultures_must_differ() -> None:
    with pytest.raises(ValueError, match="all different from --culture"):
        ConstructConfig(model="m", culture="Japan", related=["japan"])


# --- real models ------------------------------------------------------------------------------


@pytest.mark.slow
def test_construct_on_the_embedded_model(tmp_path: Path) -> None:
    """2 questions, 2 raters, 1 round on SmolLM2-135M through the CLI; a rerun asks nothing
    new; other settings are refused; the report page shows the kept pairs."""
    out = tmp_path / "construct"
    args = [
        "construct",
        "--culture",
        "Japan",
        "--related",
        "Korea,China",
        "--personas",
        "2",
        "--questions",
        "2",
        "--rounds",
        "1",
        "--max-tokens",
        "32",
        "--out",
        str(out),
    ]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "construct.json").read_text())
    assert report["stopped"] == "finished" and [r["kind"] for r in report["rounds"]] == [
        "initial",
        "question",
        "answer",
    ]
    assert report["scored_pairs"] >= 1 and report["calls"] > 0
    for item in report["kept"]:
        scores = item["scores"]
        if scores["distinctiveness"] is not None:
            assert math.isclose(sum(scores["culture_probs"].values()), 1.0, abs_tol=1e-6)
        assert item["history"][0]["kind"] == "initial"
    sft = (out / "export" / "sft.jsonl").read_text().splitlines()
    assert len(sft) == len(report["kept"])
    again = RUNNER.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert json.loads((out / "construct.json").read_text())["new_calls"] == 0
    other = RUNNER.invoke(
        app, [*args[:-2], "--culture", "Korea", "--related", "Japan", "--out", str(out)]
    )
    assert other.exit_code == 2 and "other settings (culture, related changed" in other.output
    assert "Kept pairs" in (out / "report.html").read_text()


@pytest.mark.slow
def test_construct_through_an_openai_compatible_server(llama_server: str, tmp_path: Path) -> None:
    name = f"openai:smollm2@{llama_server}"
    config = ConstructConfig(
        model=name,
        culture="Japan",
        related=["Korea"],
        personas=2,
        questions=1,
        rounds=1,
        max_tokens=24,
    )
    report = asyncio.run(aconstruct(config, tmp_path / "construct"))
    assert report.stopped == "finished" and report.calls >= 1
    assert report.calls_per_pair == 4  # 2 raters + 2 rotations
    assert all(k.scores.combined is not None for k in report.kept)


def test_the_report_page_escapes_the_generated_text(tmp_path: Path) -> None:
    from valuescope.report import save_report

    out = tmp_path / "run"
    _construct(_config(tmp_path, questions=1, rounds=0), out, ScriptedCulture())
    saved = json.loads((out / "construct.json").read_text())
    saved["kept"][0]["question"] = "<script>alert(1)</script>?"
    saved["rounds"][0]["kind"] = "<b>initial</b>"
    (out / "construct.json").write_text(json.dumps(saved))
    save_report(out)
    page = (out / "report.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>initial" not in page and "Rounds" in page


def test_a_dpo_record_needs_the_chosen_answer_to_score_higher() -> None:
    from valuescope.construct.export import Rejected, training_records
    from valuescope.construct.loop import Item
    from valuescope.construct.scoring import Scores

    def scored(value: float) -> Scores:
        return Scores(representativeness=value, distinctiveness=1.0, combined=value)

    items = [
        Item(
            id=f"q{i}",
            topic="t",
            question=f"Question {i}?",
            answer="A b c.",
            scores=scored(0.5),
            original_question="?",
            original_answer="A b c.",
        )
        for i in (1, 2)
    ]
    rejected = {
        "q1": Rejected(answer="Worse one.", source="replaced", scores=scored(0.2)),
        "q2": Rejected(answer="Better one.", source="related:Korea", scores=scored(0.7)),
    }
    sft, dpo = training_records("Japan", items, rejected)
    assert len(sft) == 2 and [d["item_id"] for d in dpo] == ["q1"]
    assert dpo[0]["rejected"] == [{"role": "assistant", "content": "Worse one."}]
