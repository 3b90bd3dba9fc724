"""The Likert scoring maths against hand-computed values (scripted model, no LLM)."""

from __future__ import annotations

import asyncio
import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from helpers.scripted import ScriptedModel
from valuescope.engine import run as run_instrument
from valuescope.instruments.likert import (
    Condition,
    LikertInstrument,
    MeasureConfig,
    MeasureResults,
    build_messages,
    scale_points_shown,
    score_choice,
    select_items,
)
from valuescope.instruments.likert.items import Item, ResponseScale
from valuescope.models import Choice, Message
from valuescope.stats import bootstrap_mean_ci, cronbach_alpha, mean_t_ci

SCALE = ResponseScale(points=6, anchors=list("abcdef"), stem="How well?")

BANK = """\
id: tiny
framework: schwartz10
scale: {points: 6, stem: "How well?", anchors: [a, b, c, d, e, f]}
items:
  - {id: p1, dimension: power, polarity: 1, text: "I like giving orders."}
  - {id: p2, dimension: power, polarity: -1, text: "Being in charge bores me."}
  - {id: p3, dimension: power, polarity: 1, text: "Expensive things please me."}
"""


def one_hot(label: int, n: int = 6) -> list[float]:
    return [1.0 if i == label else 0.0 for i in range(1, n + 1)]


def choice_of(probs: list[float], mass: float = 1.0) -> Choice:
    return Choice(
        options=[str(i) for i in range(1, 7)], probs=probs, option_mass=mass, method="logprobs"
    )


def test_descending_order_maps_labels_back_to_scale_points() -> None:
    assert scale_points_shown(SCALE, "asc") == [1, 2, 3, 4, 5, 6]
    assert scale_points_shown(SCALE, "desc") == [6, 5, 4, 3, 2, 1]
    item = Item(id="x", dimension="power", text="t", polarity=1)
    desc = Condition("desc", "none")
    text = build_messages(item, SCALE, desc)[-1].content
    assert "1 = f" in text and "6 = a" in text  # first option shown is labelled 1
    sample = score_choice(item, SCALE, desc, [], choice_of(one_hot(1)), 0.25)
    assert sample.expected_raw == 6.0 and sample.score == 6.0


def test_expected_value_and_reverse_keying() -> None:
    probs = [0.1, 0.2, 0.3, 0.4, 0.0, 0.0]  # E = 0.1 + 0.4 + 0.9 + 1.6 = 3.0
    forward = Item(id="f", dimension="power", text="t", polarity=1)
    reverse = Item(id="r", dimension="power", text="t", polarity=-1)
    asc = Condition("asc", "neutral")
    assert score_choice(forward, SCALE, asc, [], choice_of(probs), 0.25).score == pytest.approx(3.0)
    sample = score_choice(reverse, SCALE, asc, [], choice_of(probs), 0.25)
    assert sample.expected_raw == pytest.approx(3.0)
    assert sample.score == pytest.approx(4.0)  # 6 + 1 - 3


def test_low_option_mass_is_invalid_but_kept() -> None:
    item = Item(id="f", dimension="power", text="t")
    sample = score_choice(
        item, SCALE, Condition("asc", "none"), [], choice_of(one_hot(2), 0.1), 0.25
    )
    assert not sample.valid and "0.100" in (sample.invalid_reason or "")
    assert sample.expected_raw == 2.0  # recorded for diagnosis, excluded from scores


def test_unscored_answer_is_invalid_with_the_backends_reason() -> None:
    """A server that could score no option (e.g. multi-token labels it cannot continue)
    gives mass 0 with a reason: the sample carries that reason, never a silent zero."""
    item = Item(id="f", dimension="power", text="t")
    choice = choice_of([0.0] * 6, 0.0).model_copy(
        update={"unscored_reason": "no option in the top-20 log-probabilities"}
    )
    sample = score_choice(item, SCALE, Condition("asc", "none"), [], choice, 0.25)
    assert not sample.valid
    assert sample.invalid_reason == "no option in the top-20 log-probabilities"
    assert sample.score is None
    bare = score_choice(item, SCALE, Condition("asc", "none"), [], choice_of([0.0] * 6, 0.0), 0.25)
    assert bare.invalid_reason == "no probability on any option"


def test_round_robin_limit() -> None:
    items = [Item(id=f"{d}{i}", dimension=d, text="t") for d in "ab" for i in range(3)]
    from valuescope.instruments.likert.items import ItemBank

    bank = ItemBank(id="b", framework="f", scale=SCALE, items=items)
    assert [i.id for i in select_items(bank, ["a", "b"], 3)] == ["a0", "b0", "a1"]


def test_cronbach_alpha_hand_computed() -> None:
    # rows = administrations, columns = items
    m = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 3.0]])
    # item variances (ddof=1): 1.0 and 1/3; totals 3, 5, 6 -> variance 7/3
    # alpha = 2/1 * (1 - (4/3) / (7/3)) = 2 * 3/7 = 6/7
    assert cronbach_alpha(m).value == pytest.approx(6 / 7)
    assert cronbach_alpha(m[:2]).value is None
    assert "3 administrations" in (cronbach_alpha(m[:2]).reason or "")
    # a missing cell costs its administration (row), not its item: 2 rows are too few
    with_gap = np.array([[1.0, np.nan, 2.0], [2.0, 1.0, 3.0], [3.0, 2.0, 3.0]])
    assert "has 2" in (cronbach_alpha(with_gap).reason or "")
    more = np.vstack([with_gap, [[3.0, 3.0, 4.0]]])
    assert cronbach_alpha(more).value == pytest.approx(cronbach_alpha(more[1:]).value)


def test_bootstrap_ci_is_deterministic_and_brackets_the_mean() -> None:
    values = [2.0, 3.0, 4.0, 5.0]
    low, high = bootstrap_mean_ci(values, seed=7)
    again = bootstrap_mean_ci(values, seed=7)
    assert (low.value, high.value) == (again[0].value, again[1].value)
    assert low.value is not None and high.value is not None
    assert low.value < 3.5 < high.value
    assert bootstrap_mean_ci([1.0])[0].value is None


def test_mean_t_ci_is_the_student_t_interval() -> None:
    # 3 values: mean 3, sd 1; t(0.975, 2) = 4.303 (z would give 1.96), half = 4.303 / sqrt(3).
    half = 4.302652729911275 / np.sqrt(3.0)
    low, high = mean_t_ci([2.0, 3.0, 4.0])
    assert (low.value, high.value) == (pytest.approx(3.0 - half), pytest.approx(3.0 + half))
    # 6 values 1..6: mean 3.5, sd 1.8708; t(0.975, 5) = 2.5706.
    low, high = mean_t_ci([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    half = 2.570581835636314 * float(np.std(np.arange(1, 7), ddof=1)) / np.sqrt(6.0)
    assert (low.value, high.value) == (pytest.approx(3.5 - half), pytest.approx(3.5 + half))
    # level: t(0.95, 2) = 2.92.
    low, _ = mean_t_ci([2.0, 3.0, 4.0], level=0.90)
    assert low.value == pytest.approx(3.0 - 2.919985580355516 / np.sqrt(3.0))
    # NaN (an item without a valid answer) is dropped, not counted.
    assert mean_t_ci([2.0, np.nan, 3.0, 4.0])[0].value == pytest.approx(
        3.0 - 4.302652729911275 / np.sqrt(3.0)
    )


def test_mean_t_ci_says_why_it_has_no_interval() -> None:
    low, high = mean_t_ci([2.0, 4.0])
    assert low.value is None and high.value is None
    assert low.reason == high.reason == "needs >= 3 scored items, has 2"
    assert mean_t_ci([2.0, np.nan, 4.0], unit="tasks")[0].reason == "needs >= 3 scored tasks, has 2"
    # min_n=2 is allowed (t has 1 degree of freedom), below that there is no t-interval.
    assert mean_t_ci([2.0, 4.0], min_n=2)[0].value == pytest.approx(3.0 - 12.706204736174696)
    with pytest.raises(ValueError, match="min_n"):
        mean_t_ci([2.0, 4.0], min_n=1)
    with pytest.raises(ValueError, match="level"):
        mean_t_ci([2.0, 3.0, 4.0], level=95)
    # Equal scores (up to rounding): no zero-width interval, a reason instead.
    for same in ([3.25, 3.25, 3.25], [0.1 + 0.2, 0.3, 0.3, 0.30000000000000004]):
        low, high = mean_t_ci(same)
        assert low.value is None and high.value is None
        assert (
            low.reason is not None
            and f"all {len(same)} scored items have the same score" in low.reason
        )


def test_mean_t_ci_is_clipped_to_the_bounds_and_holds_its_mean() -> None:
    values = [1.0, 5.0, 5.0]  # mean 3.67, sd 2.31: mean +- 5.74 runs past a 1..5 scale
    low, high = mean_t_ci(values)
    assert low.value is not None and high.value is not None
    assert low.value < 1.0 and high.value > 5.0
    low, high = mean_t_ci(values, bounds=(1.0, 5.0))
    assert (low.value, high.value) == (1.0, 5.0)
    rng = np.random.default_rng(5)
    for _ in range(200):
        k = int(rng.integers(3, 9))
        x = rng.uniform(1.0, 5.0, k)
        low, high = mean_t_ci(x, bounds=(1.0, 5.0))
        assert low.value is not None and high.value is not None
        assert 1.0 <= low.value < float(x.mean()) < high.value <= 5.0


def test_measure_pipeline_statistics(tmp_path: Path) -> None:
    """A scripted respondent: in ascending order it answers the label of its true point, in
    descending order it drifts one point toward the first-listed option."""
    truth = {"p1": 5, "p2": 2, "p3": 4}  # raw agreement per item (before reverse-keying)

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        text = messages[-1].content
        item = next(
            k for k, t in [("p1", "giving"), ("p2", "bores"), ("p3", "Expensive")] if t in text
        )
        desc = "1 = f" in text
        point = truth[item] + (1 if desc else 0)  # desc: label 1 = point 6, drift up
        label = 7 - point if desc else point
        mass = 0.1 if (item == "p3" and desc and messages[0].role == "system") else 0.8
        return one_hot(label), mass

    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK)
    model = ScriptedModel(script)
    config = MeasureConfig(model="scripted", items=str(bank), use_cache=False)
    run = asyncio.run(run_instrument(LikertInstrument(config), tmp_path / "run", model=model))
    power = run.results.dimensions["power"]
    assert model.calls == 12
    assert power.n_samples == 12 and power.n_invalid == 1
    # item scores: p1 mean(5,5,6,6)=5.5; p2 raw mean(2,2,3,3)=2.5 -> reversed 4.5;
    # p3 valid: asc 4,4 and desc/none 5 -> mean 13/3
    assert power.score == pytest.approx((5.5 + 4.5 + 13 / 3) / 3)
    # position bias on raw values: E_asc - E_desc = -1 for every item
    assert power.position_bias == pytest.approx(-1.0)
    assert power.order_consistency == pytest.approx(1 - 1 / 5)
    assert power.acquiescence == pytest.approx(np.mean([5, 5, 6, 6, 2, 2, 3, 3, 4, 4, 5]))
    assert power.option_mass == pytest.approx((11 * 0.8 + 0.1) / 12)
    # no reliability over the model's own administrations (one model, one respondent)
    assert "alpha" not in power.model_dump()
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["dimensions"]["power"]["n_invalid"] == 1
    assert results["schema_version"] == 1
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 12


PARAPHRASED_BANK = """\
id: tiny
framework: schwartz10
scale: {points: 6, stem: "How well?", anchors: [a, b, c, d, e, f]}
items:
  - {id: p1, dimension: power, text: "I like giving orders.",
     paraphrases: ["Ordering people about suits me."]}
  - {id: p2, dimension: power, text: "Being rich matters.",
     paraphrases: ["Wealth is important to me."]}
  - {id: p3, dimension: power, text: "Status counts.", paraphrases: ["Prestige means a lot."]}
"""


def test_condition_ids_keep_defaults_short_and_are_unique() -> None:
    from valuescope.instruments.likert import all_conditions

    default_ids = [c.id for c in all_conditions()]
    assert default_ids == ["asc/none", "desc/none", "asc/neutral", "desc/neutral"]
    many = all_conditions(paraphrases=2, samples=3)
    assert len(many) == 36 and len({c.id for c in many}) == 36
    assert "desc/neutral/p2/s1" in {c.id for c in many}
    assert {c.request.id for c in many if c.paraphrase == 1} == {
        "asc/none/p1", "asc/neutral/p1", "desc/none/p1", "desc/neutral/p1"
    }  # fmt: skip


def test_draws_are_reproducible_and_follow_temperature() -> None:
    from valuescope.instruments.likert.scoring import draw_point

    probs, points = [0.1, 0.6, 0.3], [1, 2, 3]
    draws = [draw_point(probs, points, 1.0, 0, f"k{i}") for i in range(2000)]
    assert draws == [draw_point(probs, points, 1.0, 0, f"k{i}") for i in range(2000)]
    assert abs(draws.count(2) / 2000 - 0.6) < 0.05
    cold = [draw_point(probs, points, 0.05, 0, f"k{i}") for i in range(200)]
    assert set(cold) == {2}  # p ** 20 leaves the mode


def _wording_script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
    """Original wordings answer 4, paraphrases answer 2 (asc order; desc mirrors)."""
    text = messages[-1].content
    paraphrased = any(w in text for w in ("Ordering", "Wealth", "Prestige"))
    point = 2 if paraphrased else 4
    label = 7 - point if "1 = f" in text else point
    return [0.5 if i == label else 0.1 for i in range(1, 7)], 0.9


def test_paraphrases_are_asked_and_their_consistency_scored(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(PARAPHRASED_BANK)
    model = ScriptedModel(_wording_script)
    config = MeasureConfig(model="scripted", items=str(bank), use_cache=False)
    run = asyncio.run(run_instrument(LikertInstrument(config), tmp_path / "run", model=model))
    power = run.results.dimensions["power"]
    assert model.calls == 3 * 4 * 2 and power.n_samples == 24
    # Expected point under [.1,.1,.1,.5,.1,.1] (label 4 asc) = 0.1*(1+2+3+5+6) + 0.5*4 = 3.7;
    # under the paraphrase's [.1,.5,.1,.1,.1,.1] = 0.1*(1+3+4+5+6) + 0.5*2 = 2.9.
    # In desc order the same points are chosen, so E is the same. Gap 0.8 on a span of 5.
    assert power.paraphrase_consistency == pytest.approx(1 - 0.8 / 5)
    assert power.order_consistency == pytest.approx(1.0)
    assert power.score == pytest.approx((3.7 + 2.9) / 2)
    # All three items move together with the wording: forms correlate perfectly? The item
    # profiles are constant within a wording, so the correlation is undefined: null + reason.
    assert power.parallel_forms_paraphrase is None
    assert "parallel_forms_paraphrase" in power.reasons
    assert power.test_retest is None and "deterministic" in power.reasons["test_retest"]


def test_sampled_scoring_draws_per_condition_and_reports_test_retest(tmp_path: Path) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK)

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        return [0.05, 0.1, 0.2, 0.3, 0.25, 0.1], 0.9

    model = ScriptedModel(script)
    config = MeasureConfig(model="scripted", items=str(bank), use_cache=False, samples=5)
    run = asyncio.run(run_instrument(LikertInstrument(config), tmp_path / "run", model=model))
    power = run.results.dimensions["power"]
    assert model.calls == 3 * 4  # one choose per request, five draws from it
    assert power.n_samples == 3 * 4 * 5 and run.results.sampled
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    drawn = [json.loads(line)["drawn_point"] for line in lines]
    assert all(isinstance(d, int) for d in drawn) and len(set(drawn)) > 1
    # The draws do not depend on the item, so draws agree with each other only by chance.
    assert power.test_retest is not None and abs(power.test_retest) < 0.5
    assert "test_retest" not in power.reasons


MRAT_BANK = """\
id: tiny
framework: schwartz10
scale: {points: 6, stem: "How well?", anchors: [a, b, c, d, e, f]}
items:
  - {id: p1, dimension: power, text: "Power item one."}
  - {id: p2, dimension: power, text: "Power item two."}
  - {id: b1, dimension: benevolence, text: "Benevolence item one."}
  - {id: b2, dimension: benevolence, text: "Benevolence item two."}
  - {id: b3, dimension: benevolence, text: "Benevolence item three."}
  - {id: b4, dimension: benevolence, text: "Benevolence item four."}
"""


def test_circumplex_frameworks_report_mrat_scores(tmp_path: Path) -> None:
    """Power items are answered 2, benevolence items 5, in every administration. Schwartz's
    MRAT subtracts the mean over all six items, (2 * 2 + 4 * 5) / 6 = 4."""

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        text = messages[-1].content
        point = 2 if "Power item" in text else 5
        return one_hot(7 - point if "1 = f" in text else point), 0.9

    bank = tmp_path / "bank.yaml"
    bank.write_text(MRAT_BANK)
    config = MeasureConfig(model="scripted", items=str(bank), use_cache=False)
    model = ScriptedModel(script)
    run = asyncio.run(run_instrument(LikertInstrument(config), tmp_path / "run", model=model))
    power, benevolence = (run.results.dimensions[d] for d in ("power", "benevolence"))
    assert (power.score, benevolence.score) == (pytest.approx(2.0), pytest.approx(5.0))
    assert power.score_mrat == pytest.approx(-2.0)
    assert benevolence.score_mrat == pytest.approx(1.0)
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["dimensions"]["power"]["score_mrat"] == pytest.approx(-2.0)


def _noisy_script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
    """A distribution over the options that differs with every prompt (reproducibly), so
    items and administrations vary and no statistic is degenerate."""
    key = "".join(m.content for m in messages)
    weights = np.random.default_rng(zlib.crc32(key.encode())).uniform(0.05, 1.0, len(options))
    return list(weights / weights.sum()), 0.9


@pytest.mark.parametrize(
    ("limit", "per_value"), [(10, 1), (20, 2), (30, 3)], ids=["limit10", "limit20", "limit30"]
)
def test_limit_on_schwartz10_and_what_it_leaves(tmp_path: Path, limit: int, per_value: int) -> None:
    """The shipped Schwartz bank asked `--limit` items round-robin over its ten values, one
    wording (4 administrations): 1 or 2 items per value give no CI and no consistency (the
    CI's reason names the count and `--limit`), 3 (`--limit 30`, the smallest that does)
    give everything."""
    config = MeasureConfig(model="scripted", limit=limit, paraphrases=0, use_cache=False)
    model = ScriptedModel(_noisy_script)
    run = asyncio.run(run_instrument(LikertInstrument(config), tmp_path / "run", model=model))
    dimensions = run.results.dimensions
    assert len(dimensions) == 10
    for name, result in dimensions.items():
        assert result.n_items == result.n_items_scored == per_value
        assert (None not in result.ci) == (per_value >= 3), name
        if per_value < 3:
            assert result.ci == [None, None]
            assert f"has {per_value} item" in result.reasons["ci"]
            assert "needs >= 3" in result.reasons["ci"] and "--limit" in result.reasons["ci"]
        for stat in ("parallel_forms_order",):
            computed = getattr(result, stat) is not None
            assert computed == (per_value >= 3), (name, stat, result.reasons.get(stat))
            if not computed:
                assert f"has {per_value} item" in result.reasons[stat]
    # The CLI's profile table: the CI, or '-' without one, and the items it is over.
    rows = profile_rows(run.results)
    for name, result in dimensions.items():
        low, high = result.ci
        shown = "-" if low is None or high is None else f"[{low:.2f}, {high:.2f}]"
        assert rows[name][1:3] == [shown, str(per_value)], rows[name]


def profile_rows(results: MeasureResults) -> dict[str, list[str]]:
    """The CLI's profile table as text, cells per row after the value's name."""
    from rich.console import Console

    from valuescope.cli.measure import profile_table

    console = Console(width=250, record=True)
    console.print(profile_table(results))
    lines = [line for line in console.export_text().splitlines() if line.startswith("│")]
    cells = [[c.strip() for c in line.strip("│").split("│")] for line in lines]
    return {row[0]: row[1:] for row in cells}


def test_the_profile_table_shows_the_items_a_ci_is_over(tmp_path: Path) -> None:
    """`2/3` where one of 3 items had no valid answer (the CI's reason says 2 of 3); a
    results file written before `n_items_scored` shows the items asked."""
    config = MeasureConfig(model="scripted", limit=30, paraphrases=0, use_cache=False)
    model = ScriptedModel(_noisy_script)
    run = asyncio.run(run_instrument(LikertInstrument(config), tmp_path / "run", model=model))
    results = run.results
    power = results.dimensions["power"]
    assert power.n_items == power.n_items_scored == 3 and None not in power.ci
    short = power.model_copy(update={"n_items_scored": 2, "ci": [None, None]})
    old = results.dimensions["tradition"].model_copy(update={"n_items_scored": None})
    dimensions = {**results.dimensions, "power": short, "tradition": old}
    rows = profile_rows(results.model_copy(update={"dimensions": dimensions}))
    assert rows["power"][1:3] == ["-", "2/3"]
    low, high = old.ci
    assert low is not None and high is not None
    assert rows["tradition"][1:3] == [f"[{low:.2f}, {high:.2f}]", "3"]


def test_too_few_items_per_value_is_a_warning_of_the_results(tmp_path: Path) -> None:
    config = MeasureConfig(model="scripted", limit=10, paraphrases=0, use_cache=False)
    model = ScriptedModel(_noisy_script)
    run = asyncio.run(run_instrument(LikertInstrument(config), tmp_path / "run", model=model))
    note = (
        "each dimension has only 1 item (--limit 10 over 10 dimensions): no CI and no "
        "consistency statistics; use --limit 30 or more (ask at least 3 items per dimension)"
    )
    assert run.results.warnings.count(note) == 1
    assert run.results.verdict is not None
    [items] = [r for r in run.results.verdict.reasons if r.check == "items"]
    assert items.text == (
        "10 of 10 dimensions have fewer than 3 items (fewest 1): they have no CI and no "
        "consistency statistics"
    )
