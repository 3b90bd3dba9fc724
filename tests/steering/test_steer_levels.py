"""The `levels` steering method: level phrases, target -> level, the adjectives file, the
method's single scored candidate, and its calibration on the Likert questionnaire (maths on
a scripted respondent, then end to end on the embedded model and through a real server)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from scipy.stats import spearmanr

from helpers.scripted import ScriptedModel
from valuescope.datasets import DataFileError
from valuescope.frameworks import available_frameworks, load_framework
from valuescope.instruments.likert import MeasureConfig, load_instrument
from valuescope.judges import Judge
from valuescope.models import CachedModel, Message, get_model
from valuescope.steering.levels_calibration import (
    calibrate_levels,
    pick_items,
    profile_levels,
    write_calibration,
)
from valuescope.steering.methods import method_class
from valuescope.steering.methods.levels import (
    LEVELS,
    LevelsMethod,
    Poles,
    adjectives_for,
    level_for,
    level_phrase,
    levels_instruction,
    target_levels,
)
from valuescope.steering.search import CallBudget, MethodContext, MethodSettings, SearchLog
from valuescope.steering.targets import Target, parse_target
from valuescope.steering.tasks import load_tasks

BIGFIVE = load_framework("bigfive")
POLES = Poles(high=["curious", "imaginative"], low=["incurious", "conventional"])


# --- phrases and levels ----------------------------------------------------------------------


def test_the_nine_level_phrases() -> None:
    assert [level_phrase(POLES, level) for level in LEVELS] == [
        "extremely incurious, extremely conventional",
        "very incurious, very conventional",
        "incurious, conventional",
        "a bit incurious, a bit conventional",
        "neither incurious nor curious, neither conventional nor imaginative",
        "a bit curious, a bit imaginative",
        "curious, imaginative",
        "very curious, very imaginative",
        "extremely curious, extremely imaginative",
    ]
    with pytest.raises(ValueError, match=r"1\.\.9"):
        level_phrase(POLES, 10)


def test_the_instruction_names_only_the_given_dimensions_in_order() -> None:
    text = levels_instruction(BIGFIVE, {"neuroticism": 2, "openness": 8})
    poles = adjectives_for(BIGFIVE)
    description = (level_phrase(poles["neuroticism"], 2) + ", "
                   + level_phrase(poles["openness"], 8))  # fmt: skip
    assert text.endswith(f'"I am {description}."')
    assert text.startswith("Whatever you are asked next, answer in a way that fits")
    assert "very calm" in text and "very imaginative" in text and "anxious" not in text
    assert not any(w in text for w in poles["extraversion"].high + poles["extraversion"].low)


def test_target_priority_to_level_by_hand() -> None:
    target = Target(framework="bigfive", priorities={"openness": 1, "conscientiousness": 2,
                    "extraversion": 3, "agreeableness": 4, "neuroticism": 6})  # fmt: skip
    # 1 + 8 * (p - 1) / 5: 1, 2.6, 4.2, 5.8, 9
    assert target_levels(target) == {"neuroticism": 9, "agreeableness": 6, "extraversion": 4,
                                     "conscientiousness": 3, "openness": 1}  # fmt: skip
    assert level_for(parse_target("openness=3.5", BIGFIVE), "openness") == 5
    # on 1..17 the level is 1 + (p - 1) / 2: halves round up (Python's round would give 2)
    halves = Target(framework="bigfive", priorities={"openness": 4, "extraversion": 2},
                    scale=(1, 17))  # fmt: skip
    assert level_for(halves, "openness") == 3 and level_for(halves, "extraversion") == 2


# --- the adjectives file ---------------------------------------------------------------------


def test_the_adjectives_cover_every_dimension_of_every_shipped_framework() -> None:
    for framework_id in available_frameworks():
        framework = load_framework(framework_id)
        table = adjectives_for(framework)
        assert list(table) == framework.ids
        for d, poles in table.items():
            assert len(poles.high) >= 5 and len(poles.low) >= 5, (framework_id, d)
            assert not set(poles.high) & set(poles.low)
        for level in LEVELS:  # every level of every dimension can be written
            assert levels_instruction(framework, {d: level for d in framework.ids})


def test_a_missing_framework_or_dimension_names_the_file(tmp_path: Path) -> None:
    partial = tmp_path / "adjectives.yaml"
    partial.write_text("bigfive:\n  openness:\n    high: [curious]\n    low: [incurious]\n")
    with pytest.raises(DataFileError, match="conscientiousness") as missing:
        adjectives_for(BIGFIVE, partial)
    assert str(partial) in str(missing.value)
    with pytest.raises(DataFileError, match="no adjectives for framework mft6") as framework:
        adjectives_for(load_framework("mft6"), partial)
    assert str(partial) in str(framework.value)
    empty = tmp_path / "empty_pole.yaml"
    empty.write_text("bigfive:\n  openness:\n    high: [curious]\n    low: []\n")
    with pytest.raises(DataFileError, match=r"empty_pole.yaml:4: bigfive -> openness -> low"):
        adjectives_for(BIGFIVE, empty)


# --- calibration maths on a scripted respondent ----------------------------------------------

BANK = load_instrument(MeasureConfig(model="scripted", framework="bigfive"))[1]
BY_TEXT = {f'"{item.text}"': item for item in BANK.items}
ADJECTIVES = adjectives_for(BIGFIVE)


def level_in(text: str, dimension: str) -> int | None:
    """The level the instruction sets `dimension` to (its longest phrase found in it)."""
    found = [(len(level_phrase(ADJECTIVES[dimension], v)), v) for v in LEVELS
             if level_phrase(ADJECTIVES[dimension], v) in text]  # fmt: skip
    return max(found)[1] if found else None


def respondent(follow: bool, seen: list[list[Message]]) -> ScriptedModel:
    """Answers each item at the point its dimension's level asks for (1 -> 1 ... 9 -> 5,
    half points as two equal halves), reversed for reverse-keyed items; or, when not
    `follow`, the same middling answer whatever the instruction."""

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        seen.append(messages)
        item = next(i for quoted, i in BY_TEXT.items() if quoted in messages[-1].content)
        level = level_in(messages[0].content, item.dimension)
        assert level is not None, messages[0].content
        trait = 1 + (level - 1) / 2 if follow else 2.5
        point = trait if item.polarity == 1 else 6 - trait
        probs = [0.0] * len(options)
        low = int(point)
        probs[low - 1] += 1 - (point - low)
        if point > low:
            probs[low] += point - low
        return probs, 0.9

    return ScriptedModel(script)


def test_a_respondent_that_follows_the_level_has_rho_one(tmp_path: Path) -> None:
    seen: list[list[Message]] = []
    model = CachedModel(respondent(True, seen), None)
    result = asyncio.run(calibrate_levels(model, "bigfive", ["Openness", "neuroticism"],
                                          items_per_dimension=2))  # fmt: skip
    assert result.calls == 2 * 9 * 2 == len(seen) and result.invalid_answers == 0
    assert result.items == {"openness": ["op1", "op5"], "neuroticism": ["ne1", "ne5"]}
    for d, calibration in result.dimensions.items():
        assert calibration.rho == pytest.approx(1.0) and calibration.n == 9, d
        assert [p.level for p in calibration.points] == list(LEVELS)
        assert [p.score for p in calibration.points] == [1 + (v - 1) / 2 for v in LEVELS]
        assert calibration.p == pytest.approx(spearmanr(list(LEVELS), list(LEVELS)).pvalue)
    # the Likert instrument's own prompt, with the level instruction in front
    first = seen[0]
    assert first[0].role == "system"
    assert first[0].content == levels_instruction(BIGFIVE, {"openness": 1})
    assert first[1].content.startswith(BANK.scale.stem)
    assert f'"{BANK.items[0].text}"' in first[1].content
    written = write_calibration(tmp_path / "run", result)
    assert written == tmp_path / "run" / "levels.json"
    assert json.loads(written.read_text())["dimensions"]["openness"]["rho"] == pytest.approx(1)
    assert "0.94-0.98" in result.note


def test_the_multi_design_sets_every_dimension_at_once() -> None:
    seen: list[list[Message]] = []
    model = CachedModel(respondent(True, seen), None)
    dims = ["openness", "extraversion", "neuroticism"]
    result = asyncio.run(calibrate_levels(model, "bigfive", dims, design="multi",
                                          items_per_dimension=1, profiles=12, seed=3))  # fmt: skip
    assert result.calls == 12 * 3 == len(seen) and result.profiles == 12
    profiles = profile_levels(dims, 12, 3)
    for d, calibration in result.dimensions.items():
        assert [p.level for p in calibration.points] == [levels[d] for levels in profiles]
        assert calibration.rho == pytest.approx(1.0) and calibration.n == 12
    assert all(all(level_in(m[0].content, d) is not None for d in dims) for m in seen)


def test_profile_levels_cover_the_nine_levels_independently() -> None:
    profiles = profile_levels(["a", "b"], 12, 0)
    for d in ("a", "b"):
        column = [p[d] for p in profiles]
        assert set(column) == set(LEVELS) and len(column) == 12
        assert max(column.count(level) for level in LEVELS) == 2  # the extras do not repeat
    assert [p["a"] for p in profiles] != [p["b"] for p in profiles]
    assert profiles == profile_levels(["a", "b"], 12, 0)


def test_a_respondent_that_ignores_the_level_gets_no_rho_and_a_reason() -> None:
    model = CachedModel(respondent(False, []), None)
    result = asyncio.run(calibrate_levels(model, "bigfive", ["openness"], items_per_dimension=2))
    calibration = result.dimensions["openness"]
    assert calibration.rho is None and calibration.p is None and calibration.n == 9
    assert "same at every level" in (calibration.reason or "")
    assert "rho undefined" in result.summary()[0]


def test_invalid_answers_are_left_out_and_counted() -> None:
    def low_mass(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        return [1.0, 0, 0, 0, 0], 0.1

    result = asyncio.run(calibrate_levels(CachedModel(ScriptedModel(low_mass), None), "bigfive",
                                          ["openness"], items_per_dimension=1))  # fmt: skip
    calibration = result.dimensions["openness"]
    assert result.invalid_answers == 9 and calibration.n == 0 and calibration.rho is None
    assert all(p.score is None and p.invalid == 1 for p in calibration.points)


def test_items_alternate_keying() -> None:
    assert [i.polarity for i in pick_items(BANK, "openness", 4)] == [1, -1, 1, -1]
    assert len(pick_items(BANK, "openness", None)) == len(BANK.for_dimension("openness"))


# --- real models -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_method_scores_its_instruction_once_on_the_embedded_model(tmp_path: Path) -> None:
    assert method_class("levels") is LevelsMethod
    model = get_model("llamacpp")
    target = parse_target("openness=6,neuroticism=1", BIGFIVE)
    context = MethodContext(
        method="levels", model=model, optimiser=model, judge=Judge(model, BIGFIVE),
        framework=BIGFIVE, target=target, tasks=load_tasks()[:2],
        settings=MethodSettings(max_tokens=32), budget=CallBudget(20),
        log=SearchLog(tmp_path / "candidates.jsonl"),
    )  # fmt: skip
    outcome = asyncio.run(LevelsMethod().search(context))
    assert outcome.stopped == "no search" and outcome.rounds_run == 1
    assert outcome.instruction == levels_instruction(BIGFIVE, {"openness": 9, "neuroticism": 1})
    assert outcome.notes == ["openness: level 9 (extremely high)",
                             "neuroticism: level 1 (extremely low)"]  # fmt: skip
    (candidate,) = context.log.candidates
    assert candidate.kind == "levels" and candidate.text == outcome.instruction
    assert len(candidate.responses) == 2 and candidate.score == outcome.score
    assert context.budget.spent == 8  # 2 bare + 2 steered responses, each judged once
    assert len((tmp_path / "candidates.jsonl").read_text().splitlines()) == 1


@pytest.mark.slow
def test_calibration_on_the_embedded_model() -> None:
    model = get_model("llamacpp")
    run = calibrate_levels(model, "bigfive", ["openness"], items_per_dimension=2)
    result = asyncio.run(run)
    calibration = result.dimensions["openness"]
    assert result.calls == 18 and result.backend_calls + result.cache_hits == 18
    assert len(calibration.points) == 9 and calibration.n == 9, calibration
    assert calibration.rho is not None and -1.0 <= calibration.rho <= 1.0
    assert calibration.p is not None and 0.0 <= calibration.p <= 1.0
    scores = [p.score for p in calibration.points]
    assert all(s is not None and 1.0 <= s <= 5.0 for s in scores)
    # a rerun is answered from the cache, with the same result
    again = asyncio.run(calibrate_levels(model, "bigfive", ["openness"], items_per_dimension=2))
    assert again.cache_hits == 18 and again.backend_calls == 0
    assert again.dimensions == result.dimensions


@pytest.mark.slow
def test_calibration_through_a_llama_cpp_server(cpp_llama_server: str) -> None:
    async def calibrated():  # type: ignore[no-untyped-def]
        model = get_model(f"openai:smollm2@{cpp_llama_server}", use_cache=False)
        try:
            return await calibrate_levels(model, "bigfive", ["extraversion"],
                                          items_per_dimension=1, concurrency=4)  # fmt: skip
        finally:
            await model.aclose()

    result = asyncio.run(calibrated())
    calibration = result.dimensions["extraversion"]
    assert result.calls == result.backend_calls == 9
    assert result.items == {"extraversion": ["ex1"]}
    assert [p.level for p in calibration.points] == list(LEVELS)
    assert calibration.n + result.invalid_answers == 9
    assert calibration.rho is not None or calibration.reason
