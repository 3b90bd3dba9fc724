"""The multiple-choice runner (`valuescope bench`): the answer parser, item files, option
orders, the scoring maths on a scripted model, motive's figures, resume, the CLI group and
the report; then real runs on the embedded model and through the OpenAI-compatible server.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import SERVER_MODEL
from helpers.paths import DATA as DATA_DIR
from helpers.scripted import ScriptedModel
from valuescope.cli import app
from valuescope.cli.bench import no_ci_lines, results_table
from valuescope.datasets import DataFileError
from valuescope.engine import resume
from valuescope.engine import run as run_instrument
from valuescope.instruments.bench import BenchConfig, BenchInstrument, load_bench_file
from valuescope.instruments.bench.instrument import BenchResults
from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.motive import load_released
from valuescope.instruments.bench.parse import parse_answer
from valuescope.instruments.bench.requests import BenchSample, cyclic_orders, random_orders
from valuescope.instruments.bench.summary import accuracy
from valuescope.models import Completion, GenerateConfig, Message
from valuescope.report import write_report

DATA = DATA_DIR
TINY = DATA / "bench_motive_tiny.yaml"
RELEASED = DATA / "bench_motive_released.json"
OPTIONS = ["red apple", "green pear", "blue fish", "a cat"]

# -- the parser ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B", 1), ("B)", 1), ("(b)", 1), ("b", 1), ("**C**", 2), ("[D]", 3), ("A.", 0),
        ("Answer: B", 1), ("answer: d", 3), ("The answer is (B).", 1),
        ("The correct option is C.", 2), ("Option C", 2), ("B) green pear", 1),
        ("(c) blue fish", 2), ("green pear", 1), ("I think it is the green pear.", 1),
        ("Answer: B. Option C is wrong because fish are blue.", 1),
        ("The answer is a difficult one.", None), ("I cannot tell.", None), ("", None),
        ("E", None), ("It is a pear or a fish, maybe an apple", None), ("a", 0),
        ("Answer: G", None), ("A. red apple\nB. green pear\nC. blue fish", None),
        ("A. red apple\nB. green pear\nSo the answer is B", 1),
    ],
)  # fmt: skip
def test_parser_reads_the_usual_spellings_and_refuses_the_rest(
    text: str, expected: int | None
) -> None:
    assert parse_answer(text, OPTIONS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A looks tempting, but B fits better... so the answer is C", 2),
        ("Option A is wrong. Option B is wrong.\nSo the answer is D.", 3),
        ("Let me think.\nThe pear is green.\nB", 1),
        ("Fish swim, cats purr, apples fall.", None),
    ],
)
def test_reason_mode_reads_the_answer_at_the_end(text: str, expected: int | None) -> None:
    assert parse_answer(text, OPTIONS, reason=True) == expected


# -- item files ----------------------------------------------------------------------------

HEAD = "benchmark: motive\nitems:\n"  # items start on line 3
ITEM = "  - id: q1\n    question: Why?\n    options: [a, b, c]\n    answer: 1\n"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (HEAD + ITEM.replace("    answer: 1\n", ""), 3, "items.0.answer: Field required"),
        (HEAD + ITEM.replace("answer: 1", "answer: 3"), 6, "answer 3 is not an option index"),
        (HEAD + ITEM + ITEM, 7, "duplicate item id 'q1'"),
        (HEAD + ITEM.replace("[a, b, c]", "[a, b, A]"), 5, "options must be distinct"),
        (HEAD + ITEM.replace("[a, b, c]", "[a]"), 5, "at least 2 items"),
        (HEAD.replace("motive", "culture") + ITEM, 1, "not 'motive'"),
        (HEAD + ITEM + "    colour: red\n", 7, "Extra inputs are not permitted"),
        (HEAD + "  - id: q1\n    question: [unclosed\n", 5, "not valid YAML"),
    ],
)
def test_malformed_item_file_names_file_and_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = tmp_path / "motive.yaml"
    path.write_text(body)
    with pytest.raises(DataFileError) as caught:
        load_bench_file(path, "motive")
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in str(caught.value)


def test_released_motivebench_json_becomes_three_items_per_scenario() -> None:
    items = load_released(RELEASED)
    assert [i.type for i in items] == ["infer_motivation", "infer_behaviour", "next_behaviour"]
    assert [i.answer for i in items] == [1, 2, 1]
    assert items[0].options[1] == "She wants to help people who are hungry."  # "B. " stripped
    assert {i.group for i in items} == {"0"}


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (lambda t: t.replace('"Correct Answer 2": "C"', '"Correct Answer 2": "Z"'), 2,
         "'Correct Answer 2' is 'Z'"),
        (lambda t: t.replace('"Options 3"', '"Choices 3"'), 2, "missing 'Options 3'"),
        (lambda t: t.replace('"idx": 0,', '"idx": 0'), 4, "not valid JSON"),
    ],
)  # fmt: skip
def test_malformed_released_json_names_file_and_line(
    tmp_path: Path, edit: object, line: int, message: str
) -> None:
    path = tmp_path / "Persona_questions.json"
    path.write_text(edit(RELEASED.read_text()))  # type: ignore[operator]
    with pytest.raises(DataFileError) as caught:
        load_released(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in str(caught.value)


# -- orders --------------------------------------------------------------------------------


def test_cyclic_orders_seat_every_option_at_every_position_once() -> None:
    for n in (2, 4, 6):
        seats = Counter((o.positions[k], k) for o in cyclic_orders(n) for k in range(n))
        assert set(seats.values()) == {1} and len(seats) == n * n
    assert cyclic_orders(3)[1].positions == (1, 2, 0)


def test_random_orders_are_seeded_distinct_and_shared_by_items() -> None:
    a, b = random_orders(6, 4, seed=1), random_orders(6, 4, seed=1)
    assert a == b and len({o.positions for o in a}) == 4
    assert random_orders(6, 4, seed=2) != a
    assert all(sorted(o.positions) == list(range(6)) for o in a)
    assert len({o.positions for o in random_orders(2, 5, seed=0)}) == 2  # only 2! exist


# -- scoring on a scripted model -----------------------------------------------------------


class WritingModel(ScriptedModel):
    """A scripted model that also writes: `writer(messages) -> text`."""

    def __init__(self, script: object, writer: object) -> None:
        super().__init__(script)  # type: ignore[arg-type]
        self.writer = writer

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        self.calls += 1
        return Completion(text=self.writer(messages))  # type: ignore[operator]


def shown(messages: list[Message]) -> list[str]:
    first = messages[0].content
    return [m for _, m in re.findall(r"^([A-F])\. (.+)$", first, re.MULTILINE)]


def right_letter(messages: list[Message]) -> str:
    """The letter of the right option of the tiny file (its answers are known by text)."""
    items = load_bench_file(TINY).items
    options = shown(messages)
    for item in items:
        if sorted(item.options) == sorted(options):
            return "ABCDEF"[options.index(item.options[item.answer])]
    raise AssertionError("unknown question")


def first_biased(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
    """Direct: 0.6 on "A", 0.4 on the right letter. After reasoning: 0.9 on the right."""
    right = "ABCDEF".index(right_letter(messages))
    if messages[-1].role == "user" and len(messages) > 1:
        return [0.9 if i == right else 0.02 for i in range(6)], 1.0
    probs = [0.0] * 6
    probs[0] += 0.6
    probs[right] += 0.4
    return probs, 1.0


def run_scripted(tmp_path: Path, model: ScriptedModel, **config: object) -> dict:  # type: ignore[type-arg]
    cfg = BenchConfig.model_validate(
        {"model": "scripted", "benchmark": "motive", "data": str(TINY), "use_cache": False,
         **config}
    )  # fmt: skip
    done = asyncio.run(run_instrument(BenchInstrument(cfg), tmp_path / "run", model=model))
    return done.results.model_dump(mode="json")


def test_choose_mode_scores_accuracy_position_bias_and_motive_figures(tmp_path: Path) -> None:
    model = ScriptedModel(first_biased)
    results = run_scripted(tmp_path, model)
    s = results["summary"]
    # 6 items x 6 cyclic orders; "A" wins unless the right option is A (1 order in 6).
    assert model.calls == 36 and s["calls_per_item"] == 6
    assert s["overall"]["accuracy"] == pytest.approx(1 / 6)
    assert s["overall"]["p_right"] == pytest.approx((1.0 + 5 * 0.4) / 6)
    assert s["overall"]["ci"] == [pytest.approx(1 / 6), pytest.approx(1 / 6)]
    assert set(s["categories"]) == {"infer_motivation", "infer_behaviour", "next_behaviour"}
    [bias] = s["position_bias"]
    assert bias["accuracy_by_right_position"] == {"A": 1.0, "B": 0.0, "C": 0.0, "D": 0.0,
                                                  "E": 0.0, "F": 0.0}  # fmt: skip
    assert bias["pick_share"]["A"] == 1.0 and bias["uniform"] == pytest.approx(1 / 6)
    assert s["agreement"] is None and "agreement" in s["reasons"]
    assert s["info_gain"] is None
    fig = results["figures"]
    assert fig["type_accuracy"] == {k: pytest.approx(1 / 6) for k in fig["type_accuracy"]}
    # A scenario has all three right in an order only when all three right options sit at
    # A in it: s1 has right options 1, 2, 2 and s2 0, 2, 1, so never.
    assert fig["all_three"] == 0.0 and fig["all_three_scenarios"] == 2
    assert set(fig["all_three_per_order"]) == {f"shift{k}" for k in range(6)}


def test_reason_mode_parses_counts_invalid_agreement_and_info_gain(tmp_path: Path) -> None:
    def writer(messages: list[Message]) -> str:
        if "Lena" in messages[0].content and "loneliness" in messages[0].content:
            return "Hard to say."  # unparseable: invalid, counted
        return f"Option A is tempting. So the answer is {right_letter(messages)}."

    model = WritingModel(first_biased, writer)
    results = run_scripted(tmp_path, model, answer_mode="reason", info_gain=True, limit=3)
    s = results["summary"]
    # choose + reasoning + choose after it: 3 calls per answer, 3 items x 6 orders.
    assert model.calls == 54 and s["calls_per_item"] == 18
    assert s["overall"]["n_invalid"] == 6 and s["invalid_reasons"] == {"no option in the answer": 6}
    # the unparseable item counts as wrong in the headline, and is left out of valid-only
    overall = s["overall"]
    assert overall["accuracy"] == pytest.approx(2 / 3) and overall["accuracy_valid"] == 1.0
    assert overall["n_items_valid"] == 2
    assert s["per_item"] == {"s1-motivation": 0.0, "s1-behaviour": 1.0, "s1-next": 1.0}
    types = results["figures"]
    assert types["type_accuracy"]["infer_motivation"] == 0.0
    assert types["type_accuracy_valid"]["infer_motivation"] is None
    assert types["type_accuracy_valid"]["infer_behaviour"] == 1.0
    # Parsed = right; choose says A: they agree only when the right option is A.
    assert s["agreement"] == pytest.approx(1 / 6) and s["n_agreement"] == 12
    gain = s["info_gain"]
    expected = (math.log(0.9) - math.log(1.0) + 5 * (math.log(0.9) - math.log(0.4))) / 6
    for item in gain["items"].values():
        assert item["gain_right"] == pytest.approx(expected)
    assert gain["mean_gain_right"] == pytest.approx(expected)
    assert gain["lowered_right_share"] == 0.0
    assert gain["accuracy_direct"] == pytest.approx(1 / 6) and gain["accuracy_reasoned"] == 1.0


def test_low_option_mass_is_invalid_and_excluded(tmp_path: Path) -> None:
    model = ScriptedModel(lambda m, o: (first_biased(m, o)[0], 0.1))
    s = run_scripted(tmp_path, model, orders=2, limit=2)["summary"]
    # every answer invalid: every one wrong, and nothing to average over valid answers
    assert s["overall"]["n_invalid"] == 4 and s["overall"]["accuracy"] == 0.0
    assert s["overall"]["accuracy_valid"] is None and s["overall"]["n_items_valid"] == 0
    assert s["overall"]["ci_valid_reason"] == "needs >= 2 scored items, has 0"
    assert s["position_bias"] == []


def _answer(item: str, order: int, correct: bool | None) -> BenchSample:
    """One answer to a 4-option item; `correct` None: invalid (no option read)."""
    return BenchSample(item_id=item, condition=f"shift{order}", valid=correct is not None,
                       benchmark="motive", mode="choose", order=[0, 1, 2, 3], right=0,
                       right_position=0, correct=correct)  # fmt: skip


def test_an_invalid_answer_counts_as_wrong_with_valid_only_beside() -> None:
    """a: right, right, wrong, invalid; b: right, invalid; c: invalid twice."""
    items = [BenchItem(id=i, question="?", options=["w", "x", "y", "z"], answer=0) for i in "abc"]
    samples = [_answer("a", 0, True), _answer("a", 1, True), _answer("a", 2, False),
               _answer("a", 3, None), _answer("b", 0, True), _answer("b", 1, None),
               _answer("c", 0, None), _answer("c", 1, None)]  # fmt: skip
    a = accuracy(items, samples, seed=0)
    assert a.accuracy == pytest.approx((2 / 4 + 1 / 2 + 0) / 3)
    assert a.accuracy_valid == pytest.approx((2 / 3 + 1) / 2) and a.n_items_valid == 2
    assert a.n_invalid == 4 and a.n_items == 3
    for value, (low, high) in ((a.accuracy, a.ci), (a.accuracy_valid, a.ci_valid)):
        assert low is not None and high is not None and low <= (value or 0.0) <= high
    assert a.ci_reason is None and a.ci_valid_reason is None
    only_c = accuracy(items[2:], samples, seed=0)
    assert only_c.accuracy == 0.0 and only_c.accuracy_valid is None
    assert only_c.ci_reason == "needs >= 2 scored items, has 1"


def test_cli_table_and_report_show_both_accuracies_and_old_results_still_render(
    tmp_path: Path,
) -> None:
    def writer(messages: list[Message]) -> str:
        if "Lena" in messages[0].content and "loneliness" in messages[0].content:
            return "Hard to say."  # unparseable: invalid
        return f"So the answer is {right_letter(messages)}."

    dumped = run_scripted(tmp_path, WritingModel(first_biased, writer), answer_mode="reason",
                          limit=3, orders=2)  # fmt: skip
    results = BenchResults.model_validate(dumped)
    console = Console(record=True, width=200)
    console.print(results_table(results))
    table = console.export_text()
    assert "valid only" in table
    assert re.search(r"all\W+0\.67\W+0\.00-1\.00\W+1\.00\W+1\.00-1\.00\W", table), table
    assert re.search(r"infer_motivation\W+0\.00\W+-\W+-\W+-\W", table), table
    # each category holds one item: no CI, and why
    assert no_ci_lines(results) == [
        "no CI for infer_behaviour, infer_motivation, next_behaviour: needs >= 2 scored items, "
        "has 1",
        "no CI for infer_motivation (valid only): needs >= 2 scored items, has 0",
    ]
    html = write_report(tmp_path / "run").read_text()
    cell = '<td class="num"><span>{}</span></td>'
    row = f"<tr><td>all</td>{cell.format('0.67 [0.00, 1.00]')}{cell.format('1.00 [1.00, 1.00]')}"
    assert "valid only [95% CI]" in html and row in html
    assert "needs &gt;= 2 scored items, has 1" in html  # a missing CI's tooltip
    # results.json written before invalid answers counted as wrong
    path = tmp_path / "run" / "results.json"
    old = json.loads(path.read_text())
    for a in [old["summary"]["overall"], *old["summary"]["categories"].values()]:
        a["accuracy"], a["ci"] = a.pop("accuracy_valid"), a.pop("ci_valid")
        for key in ("ci_reason", "ci_valid_reason", "n_items_valid"):
            del a[key]
    del old["figures"]["type_accuracy_valid"]
    old["verdict"] = None  # results that old had none (its chance reason quotes 0.67)
    path.write_text(json.dumps(old))
    html = write_report(tmp_path / "run").read_text()
    assert "were written before invalid answers counted as wrong" in html
    # the old accuracy sits in the valid-only column; the headline's is a dash
    assert re.search(r'<tr><td>all</td><td class="num"><span class="muted" title="These '
                     r'results were written[^"]*">–</span></td><td class="num"><span>1\.00 '
                     r"\[1\.00, 1\.00\]</span></td>", html)  # fmt: skip
    assert "accuracy over valid answers" in html and "0.67" not in html


def test_resume_asks_only_what_is_missing(tmp_path: Path) -> None:
    full = run_scripted(tmp_path, ScriptedModel(first_biased), orders=3)
    run_dir = tmp_path / "run"
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 18
    assert json.loads((run_dir / "manifest.json").read_text())["command"] == "bench"
    (run_dir / "samples.jsonl").write_text("\n".join(lines[:7]) + "\n" + lines[7][:15])
    model = ScriptedModel(first_biased)
    resumed = asyncio.run(resume(run_dir, model=model)).results.model_dump(mode="json")
    assert model.calls == 11
    assert resumed["summary"] == full["summary"] and resumed["figures"] == full["figures"]


def test_report_renders_the_bench_sections(tmp_path: Path) -> None:
    def writer(messages: list[Message]) -> str:
        return f"So the answer is {right_letter(messages)}."

    run_scripted(tmp_path, WritingModel(first_biased, writer), answer_mode="reason",
                 info_gain=True, limit=3, orders=2)  # fmt: skip
    html = write_report(tmp_path / "run").read_text()
    for heading in ("Accuracy", "Position bias", "Motive: its own figures",
                    "Information gain of reasoning", "scenarios with all three right"):  # fmt: skip
        assert heading in html, heading
    assert html.count("<svg") >= 3


# -- the CLI group -------------------------------------------------------------------------


def test_bench_group_lists_benchmarks_and_keeps_dilemmas_alias() -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["bench", "nope"])
    assert unknown.exit_code == 2 and "available: motive" in unknown.output
    assert "dilemmas" in unknown.output
    for args in (["bench", "dilemmas", "--help"], ["dilemmas", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "--tasks" in result.output, args
    motive = runner.invoke(app, ["bench", "motive", "--help"])
    assert motive.exit_code == 0 and "--info-gain" in motive.output
    bad = runner.invoke(app, ["bench", "motive", "--answer-mode", "guess", "--data", str(TINY)])
    assert bad.exit_code == 2


def test_cli_bad_data_file_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "motive.yaml"
    path.write_text(HEAD + ITEM.replace("answer: 1", "answer: 7"))
    result = CliRunner().invoke(app, ["bench", "motive", "--data", str(path), "--model",
                                      "llamacpp", "--out", str(tmp_path / "r")])  # fmt: skip
    assert result.exit_code == 2 and f"{path}:6" in result.output
    assert not (tmp_path / "r").exists()


# -- real models ---------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_runs_motive_on_the_embedded_model_and_resumes(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "run"
    args = ["bench", "motive", "--data", str(TINY), "--limit", "3", "--orders", "2",
            "--model", "llamacpp", "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "position bias (6 options)" in result.output and "all_three" in result.output
    results = json.loads((out / "results.json").read_text())
    s = results["summary"]
    assert s["overall"]["n_answers"] == 6 and results["usage"]["model_calls"] == 6
    assert s["calls_per_item"] == 2.0
    acc = s["overall"]["accuracy"]
    assert acc is None or 0.0 <= acc <= 1.0
    assert sum(s["position_bias"][0]["pick_share"].values()) == pytest.approx(1.0)
    again = runner.invoke(app, ["bench", "motive", "--resume", str(out)])
    assert again.exit_code == 0, again.output
    assert json.loads((out / "results.json").read_text())["usage"]["model_calls"] == 0
    assert (out / "report.html").is_file()


@pytest.mark.slow
def test_embedded_model_reason_mode_with_info_gain(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["bench", "motive", "--data", str(RELEASED), "--limit", "1", "--orders", "2",
            "--answer-mode", "reason", "--info-gain", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    s = json.loads((out / "results.json").read_text())["summary"]
    assert s["calls_per_item"] == 6.0  # choose + reasoning + choose after it, 2 orders
    assert s["overall"]["n_answers"] == 2
    assert s["info_gain"] is not None and len(s["info_gain"]["items"]) == 1
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert all(x["reasoning"] and x["text"] == x["reasoning"] for x in samples)
    assert all(x["valid"] == (x["parsed"] is not None) for x in samples)


@pytest.mark.slow
def test_motive_through_the_openai_compatible_server(tmp_path: Path, llama_server: str) -> None:
    out = tmp_path / "run"
    args = ["bench", "motive", "--data", str(TINY), "--limit", "2", "--orders", "2",
            "--answer-mode", "parse", "--model", f"openai:{SERVER_MODEL}@{llama_server}",
            "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    s = json.loads((out / "results.json").read_text())["summary"]
    assert s["overall"]["n_answers"] == 4 and s["calls_per_item"] == 4.0
    assert s["n_agreement"] + s["overall"]["n_invalid"] >= 0
    assert "agreement with the log-prob answer" in result.output


def test_info_gain_counts_items_where_reasoning_lowered_the_right_answer() -> None:
    from valuescope.instruments.bench.requests import BenchSample
    from valuescope.instruments.bench.summary import info_gain

    def sample(item: str, direct: list[float], reasoned: list[float]) -> BenchSample:
        return BenchSample(item_id=item, condition="shift0", valid=True, benchmark="motive",
                           mode="choose", order=[0, 1], right=0, right_position=0,
                           probs=direct, reasoned_probs=reasoned, choose_valid=True)  # fmt: skip

    gain = info_gain(
        [
            sample("up", [0.5, 0.5], [0.8, 0.2]),
            sample("down", [0.6, 0.4], [0.3, 0.7]),
            sample("same", [0.5, 0.5], [0.5, 0.5]),
        ]
    )
    assert gain is not None
    assert gain.items["up"].gain_right == pytest.approx(math.log(0.8 / 0.5))
    assert gain.items["down"].gain_right == pytest.approx(math.log(0.3 / 0.6))
    # "down": the answer after reasoning is option 1, whose log-prob rose 0.4 -> 0.7.
    assert gain.items["down"].gain_chosen == pytest.approx(math.log(0.7 / 0.4))
    assert gain.lowered_right_share == pytest.approx(1 / 3)  # an unchanged item is not lowered
    assert gain.accuracy_reasoned == pytest.approx(2 / 3)
