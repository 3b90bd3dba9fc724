"""The verdicts of `probes` and `bench`: each reason on scripted results, whole runs on a
scripted model (results.json, outcome.json, the report's first section, failures), and the
CLI on copies of the gallery's embedded-model runs (the verdict printed first, `--strict`).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.paths import DATA
from helpers.scripted import ScriptedModel
from valuescope.cli import app
from valuescope.engine import run
from valuescope.instruments.bench import BenchConfig, BenchInstrument, BenchResults
from valuescope.instruments.bench.items import BenchItem, load_bench_file
from valuescope.instruments.bench.position import OrderPairs, order_pairs
from valuescope.instruments.bench.requests import BenchSample
from valuescope.instruments.bench.summary import BenchSummary, summarise
from valuescope.instruments.bench.verdict import (
    bench_failure,
    bench_verdict,
    chance_reason,
    items_reason,
    position_reason,
)
from valuescope.instruments.probes import ProbesConfig, ProbesInstrument
from valuescope.instruments.probes.summary import ProbeDimension, ProbesResults
from valuescope.instruments.probes.verdict import (
    content_reason,
    judge_reason,
    probes_failure,
    probes_verdict,
    questions_reason,
)
from valuescope.models import Completion, GenerateConfig, Message, RunUsage
from valuescope.report import render_report
from valuescope.runs import list_runs
from valuescope.stats import CIStat
from valuescope.verdict import Reason

RUNNER = CliRunner()
TINY = DATA / "bench_motive_tiny.yaml"


def _checks(reasons: list[Reason]) -> dict[str, Reason]:
    return {r.check: r for r in reasons}


def _opens_with_verdict(page: str, level: str) -> None:
    sections = re.findall(r'<section id="([^"]+)"', page)
    assert sections[0] == "verdict" and f"Verdict: {level}" in page, sections


# -- bench: the reasons ----------------------------------------------------------------------


def _sample(item: str, shift: int, chosen: int | None, n: int = 4, condition: str = "",
            mass: float = 0.9) -> BenchSample:  # fmt: skip
    """An answer to item `item` (right option 0) under cyclic shift `shift` of n options;
    `chosen` is the option (file order), None for an invalid answer."""
    order = [(i + shift) % n for i in range(n)]
    why = None if chosen is not None else "too little mass: 0.1"
    return BenchSample(item_id=item, condition=f"{condition}shift{shift}", valid=why is None,
                       benchmark="motive", mode="choose", order=order, right=0,
                       right_position=order.index(0), chosen=chosen, invalid_reason=why,
                       correct=None if chosen is None else chosen == 0,
                       option_mass=mass)  # fmt: skip


def _items(k: int, n: int = 4) -> list[BenchItem]:
    return [
        BenchItem(id=f"i{j}", question="?", options=[f"o{j}-{o}" for o in range(n)], answer=0)
        for j in range(k)
    ]


def _summary(samples: list[BenchSample], k: int) -> BenchSummary:
    return summarise(_items(k), samples, seed=0)


def _results(summary: BenchSummary) -> BenchResults:
    return BenchResults(command="bench", model="m", benchmark="motive", answer_mode="choose",
                        orders="cyclic", ci_method="bootstrap", min_option_mass=0.25,
                        summary=summary, usage=RunUsage())  # fmt: skip


def test_order_pairs_tell_the_letter_from_the_option() -> None:
    # always the letter A: under shift s the option shown at A is s
    letter = order_pairs([_sample("i0", s, chosen=s) for s in range(4)])
    assert (letter.kept_position, letter.kept_option, letter.changed_both) == (6, 0, 0)
    assert letter.share == 1.0 and letter.items == 1
    # always option 0, wherever it is shown
    option = order_pairs([_sample("i0", s, chosen=0) for s in range(4)])
    assert (option.kept_position, option.kept_option, option.share) == (0, 6, 0.0)
    # option 0 under shifts 0 and 1 (letters A, D), then letter A under shifts 2 and 3
    # (options 2, 3): shifts 0-1 kept the option; 0-2, 0-3, 2-3 the letter; 1-2, 1-3 neither
    mixed = order_pairs([_sample("i0", 0, 0), _sample("i0", 1, 0), _sample("i0", 2, 2),
                         _sample("i0", 3, 3)])  # fmt: skip
    assert (mixed.kept_option, mixed.kept_position, mixed.changed_both) == (1, 3, 2)
    assert mixed.share == 0.75
    # pairs form within an item and its condition only; invalid answers are left out
    apart = order_pairs([_sample("i0", 0, 0, condition="k0/"), _sample("i0", 1, 1, condition="k2/"),
                         _sample("i1", 0, 0), _sample("i1", 1, None)])  # fmt: skip
    assert apart.informative == 0 and apart.items == 0
    assert apart.reason == "no item was answered validly under two option orders"
    # two orders that put the chosen option at the same letter say nothing
    same = OrderPairs.model_validate(order_pairs([_sample("i0", 0, 0), _sample("i0", 0, 0)]))
    assert same.uninformative == 1 and same.share is None


@pytest.mark.parametrize(
    ("share", "level"),
    [(0.1, "interpretable"), (0.2, "interpret with care"), (0.49, "interpret with care"),
     (0.5, "not interpretable"), (None, "interpret with care")],
)  # fmt: skip
def test_bench_position_reason_reads_the_share(share: float | None, level: str) -> None:
    summary = _summary([_sample("i0", s, 0) for s in range(4)], 1)
    pairs = OrderPairs(kept_option=5, kept_position=5, changed_both=0, uninformative=0, items=3,
                       share=share, reason="none" if share is None else None)  # fmt: skip
    reason = position_reason(summary.model_copy(update={"order_pairs": pairs}))
    assert reason is not None and reason.level == level
    if share is not None:
        assert f"{100 * share:.0f}% of the answer pairs" in reason.text
    assert position_reason(summary.model_copy(update={"order_pairs": None})) is None


@pytest.mark.parametrize(
    ("invalid", "level"),
    [(0, "interpretable"), (2, "interpret with care"), (10, "not interpretable")],
)
def test_bench_invalid_reason_counts_invalid_answers(invalid: int, level: str) -> None:
    """20 answers to 5 items, `invalid` of them unreadable (10% needs care, 50% is not)."""
    samples = [_sample(f"i{k // 4}", k % 4, None if k < invalid else 0) for k in range(20)]
    reason = _checks(bench_verdict(_results(_summary(samples, 5))).reasons)["invalid"]
    assert reason.level == level and reason.figures["n_invalid"] == invalid
    assert "each counted as wrong" in reason.text


def test_bench_option_mass_reason() -> None:
    for mass, level in ((0.3, "interpret with care"), (0.8, "interpretable")):
        samples = [_sample(f"i{j}", s, 0, mass=mass) for j in range(3) for s in range(4)]
        reason = _checks(bench_verdict(_results(_summary(samples, 3))).reasons)["option_mass"]
        assert reason.level == level and reason.figures["option_mass"] == pytest.approx(mass)


def test_bench_items_reason_wants_ten_items_and_an_interval() -> None:
    def reason(k: int) -> Reason:
        return items_reason(
            _summary([_sample(f"i{j}", s, 0) for j in range(k) for s in range(4)], k)
        )

    assert reason(12).level == "interpretable"
    few = reason(9)
    assert few.level == "interpret with care" and few.figures["n_items"] == 9
    one = reason(1)
    assert one.level == "interpret with care" and "no interval (needs >= 2 scored items" in one.text


def test_bench_chance_reason_asks_whether_the_interval_holds_guessing() -> None:
    # 12 items of 4 options: all right -> above chance (0.25)
    right = [_sample(f"i{j}", s, 0) for j in range(12) for s in range(4)]
    above = chance_reason(_summary(right, 12))
    assert above is not None and above.level == "interpretable" and "above" in above.text
    assert above.figures["chance"] == 0.25
    # a third right: 4 of 12 items -> 0.33 with an interval that reaches 0.25
    guess = [_sample(f"i{j}", s, 0 if j < 4 else 1) for j in range(12) for s in range(4)]
    near = chance_reason(_summary(guess, 12))
    assert near is not None and near.level == "interpret with care"
    assert "not told from chance" in near.text
    assert near.figures["ci_low"] <= 0.25 <= near.figures["ci_high"]  # type: ignore[operator]
    wrong = [_sample(f"i{j}", s, 1) for j in range(12) for s in range(4)]
    below = chance_reason(_summary(wrong, 12))
    assert below is not None and below.level == "interpretable" and "below" in below.text


def test_bench_failure_when_nothing_can_be_read() -> None:
    invalid = [_sample("i0", s, None) for s in range(4)]
    assert bench_failure(_results(_summary(invalid, 1))) == (
        "all 4 answers were invalid: too little mass"
    )
    none = _summary([], 0).model_copy(update={"skipped_items": 3})
    assert bench_failure(_results(none)) == (
        "no item was asked: all 3 items have images and the backend reads text only"
    )
    assert bench_failure(_results(_summary([_sample("i0", 0, 0)], 1))) is None


# -- bench: whole runs on a scripted model -------------------------------------------------


def _right_position(messages: list[Message]) -> int:
    """Where the tiny file's right option is shown in this prompt."""
    shown = re.findall(r"^[A-F]\. (.+)$", messages[-1].content, re.MULTILINE)
    for item in load_bench_file(TINY).items:
        if sorted(item.options) == sorted(shown):
            return shown.index(item.options[item.answer])
    raise AssertionError("unknown question")


def _bench_run(tmp_path: Path, model: ScriptedModel) -> BenchResults:
    config = BenchConfig(model="scripted", benchmark="motive", data=str(TINY), use_cache=False)
    finished = asyncio.run(run(BenchInstrument(config), tmp_path / "run", model=model))
    assert isinstance(finished.results, BenchResults)
    return finished.results


def test_a_bench_run_that_answers_by_letter_is_not_interpretable(tmp_path: Path) -> None:
    letter_a = ScriptedModel(lambda m, o: ([0.7] + [0.3 / (len(o) - 1)] * (len(o) - 1), 0.9))
    results = _bench_run(tmp_path, letter_a)
    assert results.verdict is not None and results.verdict.level == "not interpretable"
    [deciding] = results.verdict.deciding
    assert deciding.check == "position" and deciding.figures["share"] == 1.0
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["verdict"]["level"] == "not interpretable" and saved["failure"] is None
    outcome = json.loads((tmp_path / "run" / "outcome.json").read_text())
    assert outcome == {"status": "finished", "failure": None, "verdict": "not interpretable"}
    page = render_report(tmp_path / "run")
    _opens_with_verdict(page, "not interpretable")
    assert "kept the letter" in page


def test_a_bench_run_that_reads_the_options_passes_position(tmp_path: Path) -> None:
    def right(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        probs = [0.02] * len(options)
        probs[_right_position(messages)] = 0.9
        return probs, 0.95

    results = _bench_run(tmp_path, ScriptedModel(right))
    assert results.verdict is not None
    checks = _checks(results.verdict.reasons)
    assert checks["position"].level == "interpretable" and checks["position"].figures["share"] == 0
    assert checks["chance"].level == "interpretable"
    # 6 items: the interval over items is too few to trust, which decides
    assert results.verdict.level == "interpret with care"
    assert [r.check for r in results.verdict.deciding] == ["items"]


def test_an_all_invalid_bench_run_fails(tmp_path: Path) -> None:
    mute = ScriptedModel(lambda m, o: ([1 / len(o)] * len(o), 0.1))
    runs = tmp_path / "runs"
    results = _bench_run(runs, mute)
    assert (
        results.failure == "all 36 answers were invalid: option_mass 0.100 below the minimum 0.25"
    )
    assert results.verdict is None
    [listed] = list_runs(runs).runs
    assert listed.status == "failed" and listed.failure == results.failure
    assert "Verdict: failed" in render_report(runs / "run")


# -- probes: the reasons -----------------------------------------------------------------------


def _dimension(n: int = 5, on: float | None = None, off: float | None = None) -> ProbeDimension:
    return ProbeDimension(score=CIStat(value=0.5), on_target=on, off_target=off, n_questions=n,
                          n_on_target=0 if on is None else 1)  # fmt: skip


def _probes(dimensions: dict[str, ProbeDimension], n_answers: int = 20, n_invalid: int = 0,
            n_empty: int = 0, judge: str = "other") -> ProbesResults:  # fmt: skip
    return ProbesResults(command="probes", model="m", judge=judge, judge_mode="all@once",
                         framework="mft6", instrument="bank", dimensions=dimensions,
                         n_answers=n_answers, n_invalid=n_invalid, n_empty=n_empty,
                         invalid_reasons={"empty answer": n_empty} if n_empty else {},
                         usage=RunUsage())  # fmt: skip


def test_probes_invalid_reason_splits_empty_answers_from_unread_judgements() -> None:
    dims = {"care": _dimension()}
    for invalid, level in (
        (1, "interpretable"),
        (3, "interpret with care"),
        (10, "not interpretable"),
    ):
        reason = _checks(probes_verdict(_probes(dims, n_invalid=invalid, n_empty=1)).reasons)
        assert reason["invalid"].level == level
        assert f"{invalid} of 20 answers invalid" in reason["invalid"].text
        assert f"1 empty, {invalid - 1} judgements unreadable" in reason["invalid"].text


def test_probes_questions_reason() -> None:
    enough = questions_reason(_probes({"care": _dimension(3), "liberty": _dimension(4)}))
    assert enough is not None and enough.level == "interpretable"
    short = questions_reason(_probes({"care": _dimension(2), "liberty": _dimension(4)}))
    assert short is not None and short.level == "interpret with care"
    assert short.text.startswith("1 of 2 dimensions are scored on fewer than 3 questions")


@pytest.mark.parametrize(
    ("lifts", "level"),
    [([0.3, 0.4, 0.2, 0.35], "interpretable"), ([0.3, -0.2, 0.1, -0.1], "interpret with care"),
     ([-0.3, -0.4, -0.2, -0.35], "not interpretable"), ([0.3, 0.4], "interpret with care"),
     ([0.2, 0.2, 0.2], "interpret with care")],
)  # fmt: skip
def test_probes_content_reason_reads_the_lift_and_its_interval(
    lifts: list[float], level: str
) -> None:
    dims = {f"d{k}": _dimension(on=0.5 + lift, off=0.5) for k, lift in enumerate(lifts)}
    reason = content_reason(_probes(dims))
    assert reason is not None and reason.level == level, reason
    if len(lifts) >= 3:
        assert reason.figures["lift"] == pytest.approx(sum(lifts) / len(lifts))
    else:
        assert reason.text.startswith("cannot tell whether the judged scores follow")
    # a bank whose probes name no value has nothing to compare
    assert content_reason(_probes({"care": _dimension()})) is None


def test_probes_judge_reason() -> None:
    assert judge_reason(_probes({}, judge="m")).level == "interpret with care"
    assert judge_reason(_probes({}, judge="other")).level == "interpretable"


def test_probes_failure() -> None:
    dims = {"care": _dimension()}
    assert probes_failure(_probes(dims, n_invalid=20, n_empty=20)) == (
        "all 20 answers were invalid: empty answer"
    )
    unscored = {"care": ProbeDimension(score=CIStat.missing("no valid judged answer"),
                                       on_target=None, n_questions=0, n_on_target=0)}  # fmt: skip
    assert probes_failure(_probes(unscored, n_invalid=2, n_empty=2)) == (
        "none of the model's own answers was judged: empty answer"
    )
    assert probes_failure(_probes(dims)) is None


# -- probes: whole runs on a scripted model ----------------------------------------------------


class Judging:
    """Answers every probe with its own question; as the judge (the template's JSON) finds
    the value a question puts at stake in its answer (`value: 1`) and none other (care also
    in question 2's), or writes nothing at all (`mute`)."""

    name = identity = "scripted"

    def __init__(self, values: dict[str, str], mute: bool = False) -> None:
        self.values, self.mute = values, mute

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        if self.mute:
            return Completion(text="")
        if config.grammar is None:
            return Completion(text=messages[-1].content.split("\n")[0])
        asked = messages[-1].content
        found = {v for q, v in self.values.items() if q in asked}
        if "Question 2 " in asked:
            found.add("care")  # so that the lifts differ: care shows once off its questions
        keys = ("care", "fairness", "loyalty", "authority", "sanctity", "liberty")
        body = ", ".join(f'"{d}":{int(d in found)}' for d in keys)
        return Completion(text="{" + body + "}", constrained=True)

    async def choose(self, messages: list[Message], options: list[str]) -> object:
        raise AssertionError("all@once fills; it does not choose")

    async def aclose(self) -> None:
        pass


def _probes_run(tmp_path: Path, model: Judging) -> ProbesResults:
    values = ["care", "fairness", "loyalty"] * 4
    questions = {f"Question {k} about {v}?": v for k, v in enumerate(values)}
    bank = tmp_path / "bank.yaml"
    lines = [f"  - {{id: q{k}, dimension: {v}, question: '{q}'}}"
             for k, (q, v) in enumerate(questions.items())]  # fmt: skip
    bank.write_text("framework: mft6\nprobes:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    config = ProbesConfig(model="scripted", framework="mft6", items=str(bank), use_cache=False)
    model.values = questions
    finished = asyncio.run(run(ProbesInstrument(config), tmp_path / "run", model=model))  # type: ignore[arg-type]
    assert isinstance(finished.results, ProbesResults)
    return finished.results


def test_a_probes_run_opens_with_its_verdict(tmp_path: Path) -> None:
    results = _probes_run(tmp_path, Judging({}))
    assert results.verdict is not None and results.failure is None
    checks = _checks(results.verdict.reasons)
    # each value is found where it is at stake (on-target 1) and, but for care in one of
    # the 8 other questions, nowhere else
    assert checks["content"].level == "interpretable"
    assert checks["content"].figures["lift"] == pytest.approx((1 - 1 / 8 + 1 + 1) / 3)
    assert checks["questions"].level == "interpretable"  # every answer is judged on all six
    assert checks["invalid"].level == "interpretable"
    # the model judged itself: that alone decides
    assert results.verdict.level == "interpret with care"
    assert [r.check for r in results.verdict.deciding] == ["judge"]
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["verdict"]["level"] == "interpret with care"
    outcome = json.loads((tmp_path / "run" / "outcome.json").read_text())
    assert outcome == {"status": "finished", "failure": None, "verdict": "interpret with care"}
    _opens_with_verdict(render_report(tmp_path / "run"), "interpret with care")


def test_an_all_empty_probes_run_fails(tmp_path: Path) -> None:
    results = _probes_run(tmp_path, Judging({}, mute=True))
    assert results.failure == "all 12 answers were invalid: empty answer"
    assert results.n_empty == 12
    assert results.verdict is None
    outcome = json.loads((tmp_path / "run" / "outcome.json").read_text())
    assert outcome["status"] == "failed"


# -- the CLI, on copies of the gallery's embedded-model runs ---------------------------------


def test_bench_and_probes_print_their_verdict_first(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    """`--resume` of a finished run summarises it again (no model call): the verdict opens
    the output, results.json, outcome.json and the report. SmolLM2-135M answers the
    gallery's MotiveBench items with "A" whatever "A" holds: *not interpretable*, and
    `--strict` exits 4. Its probes profile judged itself from 2 questions: care."""
    bench, probes = tmp_path / "bench", tmp_path / "probes"
    shutil.copytree(gallery["bench"], bench)
    shutil.copytree(gallery["probes"], probes)
    result = RUNNER.invoke(app, ["bench", "motive", "--resume", str(bench)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "verdict: not interpretable", lines[:4]
    assert lines[2].startswith("  - position: 100% of the answer pairs"), lines[2]
    saved = json.loads((bench / "results.json").read_text())
    assert saved["verdict"]["level"] == "not interpretable"
    assert json.loads((bench / "outcome.json").read_text())["verdict"] == "not interpretable"
    _opens_with_verdict(render_report(bench), "not interpretable")
    strict = RUNNER.invoke(app, ["bench", "motive", "--resume", str(bench), "--strict"])
    assert strict.exit_code == 4 and "--strict: the verdict is 'not interpretable'" in strict.output

    result = RUNNER.invoke(app, ["measure", "--resume", str(probes), "--strict"])
    assert result.exit_code == 0, result.output  # care is not what --strict refuses
    lines = result.output.splitlines()
    assert lines[1] == "verdict: interpret with care", lines[:4]
    deciding = {line.split(":")[0].strip(" -") for line in lines[2:5]}
    assert deciding == {"questions", "content", "judge"}, lines[:6]
    saved = json.loads((probes / "results.json").read_text())
    assert saved["verdict"]["level"] == "interpret with care"
    assert json.loads((probes / "outcome.json").read_text())["verdict"] == "interpret with care"
    _opens_with_verdict(render_report(probes), "interpret with care")
