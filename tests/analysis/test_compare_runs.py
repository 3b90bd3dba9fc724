"""`valuescope compare`: profiles side by side, paired tests over items, Holm, radar plots.

The run directories are produced by the real `measure` pipeline answered by a scripted
respondent (tests/helpers/scripted.py: a stand-in for scoring-logic tests, not a backend) whose
agreement with each item is set by the test, so the differences between runs are known.
One test at the end runs the embedded model.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner

from helpers.scripted import ScriptedModel
from valuescope.analysis import (
    CompareConfig,
    CompareError,
    CompareResults,
    compare,
    compare_runs,
    load_measure_run,
)
from valuescope.api._studies import split_model_names
from valuescope.cli import app as valuescope_app
from valuescope.cli.compare import register
from valuescope.engine import run as run_instrument
from valuescope.instruments.likert import LikertInstrument, MeasureConfig
from valuescope.instruments.likert.items import builtin_item_bank_path
from valuescope.instruments.likert.summary import item_scores
from valuescope.models import Message
from valuescope.runs import RunStoreError
from valuescope.stats import Stat, holm

# benevolence: 8 items, power: 8 items, achievement: 2 (too few to test).
# Every third item is reverse-keyed; each item has one paraphrase, so 2 orders x 2 framings x
# 2 wordings = 8 administrations per item.
ITEMS = [("b", "benevolence", 8), ("p", "power", 8), ("a", "achievement", 2)]
N_CONDITIONS = 8


def bank_yaml(items: list[tuple[str, str, int]] = ITEMS, framework: str = "schwartz10") -> str:
    lines = [
        "id: tiny",
        f"framework: {framework}",
        'scale: {points: 6, stem: "How well?", anchors: [a, b, c, d, e, f]}',
        "items:",
    ]
    for prefix, dimension, n in items:
        for i in range(1, n + 1):
            polarity = -1 if i % 3 == 0 else 1
            lines.append(
                f"  - {{id: {prefix}{i}, dimension: {dimension}, polarity: {polarity}, "
                f'text: "I value thing {prefix}{i}.", paraphrases: ["Thing {prefix}{i} '
                'matters to me."]}'
            )
    return "\n".join(lines) + "\n"


Agreement = Callable[[str], float]
"""Item id -> the respondent's expected *score* (after reverse-keying) on the 1..6 scale."""


def base(item: str) -> float:
    """A varied but fixed profile: 2.0 .. 4.4 depending on the item."""
    return 2.0 + 0.6 * (int(item[1:]) % 5)


def respondent(score: Agreement, low_mass: frozenset[str] = frozenset()) -> ScriptedModel:
    """Answers every condition of an item with the same expected score (no position bias):
    probability split between the two scale points around it, labels mapped through the
    option order. Items in `low_mass` put almost nothing on the options (invalid answers)."""

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        text = messages[-1].content
        match = re.search(r"[Tt]hing (\w+)", text)
        assert match is not None
        item = match.group(1)
        polarity = -1 if int(item[1:]) % 3 == 0 else 1
        target = score(item)
        raw = target if polarity == 1 else 7.0 - target
        low = min(math.floor(raw), 5)
        weight = raw - low
        by_point = {low: 1.0 - weight, low + 1: weight}
        descending = "1 = f" in text
        probs = [by_point.get(7 - label if descending else label, 0.0) for label in range(1, 7)]
        return probs, 0.05 if item in low_mass else 0.9

    return ScriptedModel(script)


def make_run(
    directory: Path,
    score: Agreement,
    *,
    name: str = "scripted",
    limit: int | None = None,
    low_mass: frozenset[str] = frozenset(),
    bank: str | None = None,
    framework: str = "schwartz10",
) -> Path:
    directory.parent.mkdir(parents=True, exist_ok=True)
    bank_path = directory.parent / f"{directory.name}-bank.yaml"
    bank_path.write_text(bank or bank_yaml())
    config = MeasureConfig(
        model=name, framework=framework, items=str(bank_path), limit=limit, use_cache=False
    )
    asyncio.run(
        run_instrument(LikertInstrument(config), directory, model=respondent(score, low_mass))
    )
    return directory


def shifted(dimension_prefix: str, shifts: Callable[[int], float]) -> Agreement:
    """`base`, with `shifts(i)` added to the i-th item of one dimension."""

    def score(item: str) -> float:
        extra = shifts(int(item[1:])) if item[0] == dimension_prefix else 0.0
        return base(item) + extra

    return score


def jitter(i: int) -> float:
    """Small differences of both signs that cancel: no systematic difference."""
    return [0.2, -0.2, 0.1, -0.1, 0.15, -0.15, 0.05, -0.05][(i - 1) % 8]


def more_benevolent(item: str) -> float:
    """+1.0..+1.2 on every benevolence item, noise that cancels on power."""
    if item[0] == "b":
        return base(item) + 1.0 + 0.1 * (int(item[1:]) % 3)
    if item[0] == "p":
        return base(item) + jitter(int(item[1:]))
    return base(item)


def known(stat: Stat) -> float:
    assert stat.value is not None, stat.reason
    return stat.value


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "base": make_run(root / "base", base, name="model-a"),
        "benevolent": make_run(root / "benevolent", more_benevolent, name="model-b"),
        "same": make_run(root / "same", base, name="model-a"),
        "powerful": make_run(
            root / "powerful", shifted("p", lambda i: 0.8 + 0.1 * (i % 2)), name="model-c"
        ),
    }


# ----------------------------------------------------------------------------------------------
# Statistics over items
# ----------------------------------------------------------------------------------------------


def test_known_difference_is_significant_only_where_it_is(runs: dict[str, Path]) -> None:
    results = compare_runs([runs["base"], runs["benevolent"]])
    assert [r.label for r in results.runs] == ["model-a", "model-b"]
    rows = {c.dimension: c for c in results.comparisons}
    assert list(rows) == ["achievement", "power", "benevolence"]  # framework order

    bene = rows["benevolence"]
    expected = [base(f"b{i}") - more_benevolent(f"b{i}") for i in range(1, 9)]  # a - b
    assert bene.n_items == 8
    assert bene.mean_difference.value == pytest.approx(sum(expected) / 8)
    assert bene.rank_biserial.value == pytest.approx(-1.0)  # every item higher in b
    assert bene.cohens_dz.value is not None and bene.cohens_dz.value < -5
    # 8 items all one way: exact sign-flip p = 2/2^8; Holm over the 2 computable tests
    assert bene.permutation.p_value.value == pytest.approx(2 / 256)
    assert bene.permutation.p_holm.value == pytest.approx(2 * 2 / 256)
    assert bene.permutation.significant and bene.wilcoxon.significant
    assert bene.wilcoxon.statistic is not None and bene.wilcoxon.statistic.value == 0.0

    power = rows["power"]
    assert power.n_items == 8
    assert power.mean_difference.value == pytest.approx(0.0, abs=1e-9)
    assert power.permutation.p_value.value is not None and power.permutation.p_value.value > 0.5
    assert not power.permutation.significant and not power.wilcoxon.significant

    achievement = rows["achievement"]  # 2 items: not tested, and says why
    assert achievement.n_items == 2
    for stat in (
        achievement.mean_difference,
        achievement.cohens_dz,
        achievement.permutation.p_value,
        achievement.permutation.p_holm,
        achievement.wilcoxon.p_value,
    ):
        assert stat.value is None and "needs >= 3 items scored by both runs, has 2" in (
            stat.reason or ""
        )
    assert achievement.permutation.significant is None
    assert results.n_tests == {"permutation": 2, "wilcoxon": 2}
    assert [c.dimension for c in results.significant()] == ["benevolence"]
    # profiles come from results.json
    profile = json.loads((runs["base"] / "results.json").read_text())["dimensions"]
    assert results.profiles["model-a"]["power"].score == profile["power"]["score"]
    assert results.profiles["model-a"]["power"].ci == profile["power"]["ci"]


def test_identical_runs_give_p_one_and_no_effect(runs: dict[str, Path]) -> None:
    results = compare_runs([runs["base"], runs["same"]])
    # both runs are of `model-a`: labels fall back to the directory names
    assert [r.label for r in results.runs] == ["base", "same"]
    for c in results.comparisons:
        if c.dimension == "achievement":
            continue
        assert c.mean_difference.value == 0.0
        assert c.permutation.p_value.value == 1.0 and c.permutation.p_holm.value == 1.0
        assert c.permutation.significant is False
        assert c.cohens_dz.value is None and "do not vary" in (c.cohens_dz.reason or "")
        assert c.wilcoxon.p_value.value is None
        assert "all paired differences are zero" in (c.wilcoxon.p_value.reason or "")
        assert c.wilcoxon.significant is None
    assert results.n_tests == {"permutation": 2, "wilcoxon": 0}
    assert results.significant() == [] and results.significant("wilcoxon") == []


def test_a_comparison_that_tests_nothing_says_why(runs: dict[str, Path], tmp_path: Path) -> None:
    """`--limit 3` over this bank asks one item per dimension: no paired test is possible,
    and the results say so instead of leaving "no difference is significant over 0 tests"."""
    one_each = [
        make_run(tmp_path / "a", base, name="model-a", limit=3),
        make_run(tmp_path / "b", more_benevolent, name="model-b", limit=3),
    ]
    results = compare_runs(one_each)
    assert {c.n_items for c in results.comparisons} == {1}
    assert results.n_tests == {"permutation": 0, "wilcoxon": 0}
    assert results.nothing_tested == (
        "no dimension has the 3 items scored by both runs that a test needs (at most 1 common "
        "item per dimension): nothing was tested; measure at least 3 items per dimension "
        "(e.g. a larger --limit)"
    )
    saved = CompareResults.model_validate_json(results.model_dump_json())
    assert saved.nothing_tested == results.nothing_tested

    assert compare_runs([runs["base"], runs["benevolent"]]).nothing_tested is None
    # Enough items, but the chosen method has nothing to rank: its own reasons are given.
    same = compare_runs([runs["base"], runs["same"]], CompareConfig(method="wilcoxon"))
    assert same.n_tests["wilcoxon"] == 0
    assert same.nothing_tested is not None
    assert same.nothing_tested.startswith("no comparison could be tested with wilcoxon: ")
    assert "all paired differences are zero" in same.nothing_tested
    assert compare_runs([runs["base"], runs["same"]]).nothing_tested is None  # permutation


def test_holm_runs_across_every_pair_and_dimension(runs: dict[str, Path]) -> None:
    results = compare_runs([runs["base"], runs["benevolent"], runs["powerful"]])
    pairs = {(c.run_a, c.run_b) for c in results.comparisons}
    assert pairs == {("model-a", "model-b"), ("model-a", "model-c"), ("model-b", "model-c")}
    tested = [c for c in results.comparisons if c.permutation.p_value.value is not None]
    assert len(tested) == results.n_tests["permutation"] == 3 * 2  # 3 pairs x 2 dimensions
    raw = [known(c.permutation.p_value) for c in tested]
    adjusted = [known(c.permutation.p_holm) for c in tested]
    assert adjusted == pytest.approx(holm(raw))
    assert min(adjusted) == pytest.approx(min(1.0, 6 * min(raw)))  # m = 6, not 2
    for c in tested:
        holm_p = c.permutation.p_holm.value
        assert holm_p is not None and c.permutation.significant == (holm_p < 0.05)
    wil = [c for c in results.comparisons if c.wilcoxon.p_value.value is not None]
    assert [known(c.wilcoxon.p_holm) for c in wil] == pytest.approx(
        holm([known(c.wilcoxon.p_value) for c in wil])
    )
    significant = {(c.run_a, c.run_b, c.dimension) for c in results.significant()}
    assert significant == {
        ("model-a", "model-b", "benevolence"),
        ("model-a", "model-c", "power"),
        ("model-b", "model-c", "benevolence"),
        ("model-b", "model-c", "power"),
    }


def test_the_item_is_the_unit(tmp_path: Path) -> None:
    """n is the number of items both runs scored: not items x administrations, and an item
    whose every answer was invalid in one run drops out of the pair."""
    full = make_run(tmp_path / "full", base, name="full")
    # round-robin over schwartz10's order: achievement, power, benevolence, ... -> 9 items:
    # a1 p1 b1 a2 p2 b2 p3 b3 p4; p1 answers put no mass on the options (all invalid)
    partial = make_run(
        tmp_path / "partial",
        shifted("p", lambda i: 0.5),
        name="partial",
        limit=9,
        low_mass=frozenset({"p1"}),
    )
    samples = load_measure_run(partial).samples
    assert sum(s.item_id == "p2" for s in samples) == N_CONDITIONS
    results = compare_runs([full, partial])
    rows = {c.dimension: c for c in results.comparisons}
    assert rows["power"].n_items == 3  # p2, p3, p4 (p1 invalid everywhere in `partial`)
    assert rows["benevolence"].n_items == 3
    assert rows["achievement"].n_items == 2
    assert sorted(results.item_scores["partial"]["power"]) == ["p2", "p3", "p4"]
    assert rows["power"].mean_difference.value == pytest.approx(-0.5)
    assert rows["power"].mean_a == pytest.approx(sum(base(f"p{i}") for i in (2, 3, 4)) / 3)
    # the item scores are likert_summary's (mean over an item's valid administrations)
    power_samples = [s for s in load_measure_run(full).samples if s.dimension == "power"]
    assert results.item_scores["full"]["power"] == item_scores(power_samples)
    # 3 items all shifted the same way: the smallest exact p there is, 2/2^3, far from 0.05
    assert rows["power"].permutation.p_value.value == pytest.approx(0.25)
    # measure counts the items its CI is over: 4 power items asked, p1 never answered validly.
    # The pooled profile is recomputed with measure's t-interval over items, none below 3.
    partial_power = load_measure_run(partial).results.dimensions["power"]
    assert (partial_power.n_items, partial_power.n_items_scored) == (4, 3)
    pooled = compare_runs([full, partial], CompareConfig(scores="pooled")).profiles["partial"]
    values = list(results.item_scores["partial"]["power"].values())
    half = 4.302652729911275 * float(np.std(values, ddof=1)) / math.sqrt(3)
    mean = sum(values) / 3
    assert pooled["power"].n_items == 3
    assert pooled["power"].ci == [pytest.approx(mean - half), pytest.approx(mean + half)]
    assert pooled["achievement"].n_items == 2 and pooled["achievement"].ci == [None, None]


def test_runs_that_cannot_be_compared_are_named(runs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(CompareError, match="at least 2 runs"):
        compare_runs([runs["base"]])
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    for name in ("manifest.json", "samples.jsonl"):
        (unfinished / name).write_text((runs["base"] / name).read_text())
    with pytest.raises(
        CompareError, match=rf"{re.escape(str(unfinished))} has no results.json.*--resume"
    ):
        compare_runs([runs["base"], unfinished])
    other = tmp_path / "other-command"
    other.mkdir()
    manifest = json.loads((runs["base"] / "manifest.json").read_text())
    (other / "manifest.json").write_text(json.dumps({**manifest, "command": "csi"}))
    with pytest.raises(CompareError, match=rf"{re.escape(str(other))} is a 'csi' run"):
        compare_runs([runs["base"], other])
    with pytest.raises(RunStoreError, match="not a run directory"):
        compare_runs([runs["base"], tmp_path / "nowhere"])
    bigfive = make_run(
        tmp_path / "bigfive",
        base,
        bank=bank_yaml([("o", "openness", 3), ("c", "conscientiousness", 3)], "bigfive"),
        framework="bigfive",
    )
    with pytest.raises(
        CompareError, match=rf"{re.escape(str(bigfive))} measures 'bigfive'.*same framework"
    ):
        compare_runs([runs["base"], bigfive])
    with pytest.raises(
        CompareError, match=rf"{re.escape(str(runs['base']))} measures 'schwartz10' but "
    ):
        compare_runs([runs["base"], runs["same"]], framework="bigfive")
    assert compare_runs([runs["base"], runs["same"]], framework="schwartz").framework == (
        "schwartz10"
    )


# ----------------------------------------------------------------------------------------------
# Output files: compare.json and the radar plot
# ----------------------------------------------------------------------------------------------

TOY_FRAMEWORK = """\
id: toy
name: Toy
description: three dimensions whose circle differs from the file order
circle: [gamma, alpha, beta]
dimensions:
  - {id: alpha, name: Alpha, definition: a, keywords: [a]}
  - {id: beta, name: Beta, definition: b, keywords: [b]}
  - {id: gamma, name: Gamma, definition: c, keywords: [c]}
"""


def test_compare_writes_json_and_valid_radar_files(runs: dict[str, Path], tmp_path: Path) -> None:
    run = compare([runs["base"], runs["benevolent"], runs["powerful"]], tmp_path / "out")
    json_path, png, svg = run.files
    assert json_path == tmp_path / "out" / "compare.json"
    stored = CompareResults.model_validate_json(json_path.read_text())
    assert stored == run.results
    assert json.loads(json_path.read_text())["schema_version"] == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # the schwartz10 circle, restricted to the dimensions scored
    assert run.results.radar_order() == ["achievement", "power", "benevolence"]
    assert run.results.model_copy(update={"circle": None}).radar_order() == run.results.dimensions
    again = compare([runs["base"], runs["benevolent"], runs["powerful"]], tmp_path / "again")
    assert again.files[2].read_bytes() == svg.read_bytes()  # reproducible SVG


def test_a_compare_run_is_a_study_that_resumes_its_measure_runs(tmp_path: Path) -> None:
    """`compare --models` on the sim backend: the folder's manifest names the two measure
    runs, `valuescope runs` lists it; a rerun resumes them (asks nothing) and compares again;
    another measure option is refused by name before anything is measured."""
    out = tmp_path / "runs" / "cmp"
    args = ["compare", "--models", "sim,sim", "--framework", "schwartz10",
            "--limit", "20", "--paraphrases", "0", "--cache-dir", str(tmp_path / "c"),
            "--out", str(out)]  # fmt: skip
    first = CliRunner().invoke(cli_app(), args)
    assert first.exit_code == 0, first.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "compare" and manifest["status"] == "finished"
    assert manifest["children"] == ["measure-1-sim-default", "measure-2-sim-default"]
    assert manifest["config"]["models"] == ["sim", "sim"]
    listed = CliRunner().invoke(valuescope_app, ["runs", str(tmp_path / "runs"), "--json"])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["command"], r["status"]) for r in rows] == [("compare", "finished"),
                                                          ("measure", "finished"),
                                                          ("measure", "finished")]  # fmt: skip
    samples = (out / "measure-1-sim-default" / "samples.jsonl").read_text()
    again = CliRunner().invoke(cli_app(), args)
    printed = " ".join(again.output.split())
    assert again.exit_code == 0 and "resuming sim (1/2)" in printed, printed
    assert (out / "measure-1-sim-default" / "samples.jsonl").read_text() == samples
    other = CliRunner().invoke(cli_app(), [*args[:-2], "--limit", "21", "--out", str(out)])
    printed = " ".join(other.output.split())
    assert other.exit_code == 2 and "other settings (measure.limit changed" in printed, printed


def test_radar_follows_the_circle_not_the_file_order(tmp_path: Path) -> None:
    framework = tmp_path / "toy.yaml"
    framework.write_text(TOY_FRAMEWORK)
    bank = bank_yaml([("a", "alpha", 3), ("b", "beta", 3), ("g", "gamma", 3)], "toy")
    first = make_run(tmp_path / "one", base, name="one", bank=bank, framework=str(framework))
    second = make_run(tmp_path / "two", base, name="two", bank=bank, framework=str(framework))
    run = compare([first, second], tmp_path / "out")
    assert run.results.dimensions == ["alpha", "beta", "gamma"]
    assert run.results.radar_order() == ["gamma", "alpha", "beta"]
    assert all(path.stat().st_size > 1000 for path in run.files)


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------


def cli_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A stand-in for the valuescope app (cli.py registers `compare` on the real one)."""

    register(app)
    return app


def test_split_model_names_keeps_replica_urls_together() -> None:
    assert split_model_names(["llamacpp,openai:m@http://a:1/v1,http://b:2/v1", "openai:x"]) == [
        "llamacpp",
        "openai:m@http://a:1/v1,http://b:2/v1",
        "openai:x",
    ]
    assert split_model_names(["a, b,"]) == ["a", "b"]


def test_cli_prints_profiles_differences_and_paths(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        cli_app(),
        ["compare", str(runs["base"]), str(runs["benevolent"]), "--out", str(out),
         "--method", "wilcoxon"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.output
    assert "schwartz10 profiles" in text and "model-a" in text and "model-b" in text
    assert "significant differences: wilcoxon" in text
    row = next(line for line in text.splitlines() if "benevolence" in line and "-1.11" in line)
    assert " 8 " in row and "-1.00" in row  # 8 items, every one higher in model-b
    for name in ("compare.json", "radar.png", "radar.svg"):
        assert str(out / name) in text.replace("\n", "")
        assert (out / name).is_file()
    assert json.loads((out / "compare.json").read_text())["config"]["method"] == "wilcoxon"

    failed = CliRunner().invoke(cli_app(), ["compare", str(runs["base"]), str(tmp_path)])
    assert failed.exit_code == 2
    assert "is not a run directory" in " ".join(failed.output.split())
    alone = CliRunner().invoke(cli_app(), ["compare", str(runs["base"]), "--limit", "3"])
    assert alone.exit_code == 2 and "only apply with --models" in " ".join(alone.output.split())
    taken = tmp_path / "taken"
    (taken / "measure-2-llamacpp-default").mkdir(parents=True)
    (taken / "measure-2-llamacpp-default" / "manifest.json").write_text("{}")
    clash = CliRunner().invoke(
        cli_app(), ["compare", "--models", "llamacpp,llamacpp", "--out", str(taken)]
    )  # a folder of runs without a compare manifest: refused before anything is measured
    printed = " ".join(clash.output.split())
    assert clash.exit_code == 2 and "holds files but no manifest.json" in printed
    assert "choose another --out" in printed


# ----------------------------------------------------------------------------------------------
# End to end on the embedded model
# ----------------------------------------------------------------------------------------------


SUBSET = ("achievement", "power", "benevolence", "universalism")


def schwartz_subset(path: Path, per_value: int = 3) -> Path:
    """The shipped Schwartz bank cut to its first `per_value` items of four values."""
    data = yaml.safe_load(builtin_item_bank_path("schwartz10").read_text())
    kept = {d: [i for i in data["items"] if i["dimension"] == d][:per_value] for d in SUBSET}
    data["items"] = [item for d in SUBSET for item in kept[d]]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.slow
def test_compare_real_runs_of_the_embedded_model(tmp_path: Path) -> None:
    """SmolLM2 measured twice on the same 12 Schwartz items (3 for each of 4 values, one
    wording, 4 administrations each): once with a strict validity threshold
    (`--min-option-mass 0.5`, run A), once through `compare --models llamacpp` with the
    default 0.25 (run B).

    What it shows: (1) how much the validity threshold moves the profile. The two runs send
    the same requests, so B is answered from the cache (no model call) and any difference
    comes only from the administrations A excluded: a value where A excluded nothing is
    identical (p = 1, d_z undefined), one where it did differs. (2) The item is the unit:
    each test's n is the number of items both runs scored (an item with every answer below
    0.5 is missing from A), never items x administrations (which would be 12 per value).
    (3) With 3 items per value no test can be significant (the smallest exact two-sided p is
    2/2^3 = 0.25), and compare says so instead of counting administrations as observations.
    """
    from valuescope.cli import app as valuescope_app

    bank = schwartz_subset(tmp_path / "bank.yaml")
    common = ["--items", str(bank), "--paraphrases", "0"]
    strict = tmp_path / "strict"
    measured = CliRunner().invoke(
        valuescope_app,
        ["measure", *common, "--min-option-mass", "0.5", "--out", str(strict)],
    )
    assert measured.exit_code == 0, measured.output
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        cli_app(), ["compare", str(strict), "--models", "llamacpp", *common, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "no difference is significant" in result.output
    assert "no difference could be significant here" in " ".join(result.output.split())

    default = next(out.glob("measure-1-*"))
    usage = json.loads((default / "results.json").read_text())["usage"]
    assert usage["model_calls"] == 0 and usage["cache_hits"] == 12 * 4

    results = CompareResults.model_validate_json((out / "compare.json").read_text())
    assert results.dimensions == list(SUBSET) and results.significant() == []
    a, b = (load_measure_run(d).samples for d in (strict, default))
    for c in results.comparisons:
        valid_a = {s.item_id for s in a if s.dimension == c.dimension and s.valid}
        valid_b = {s.item_id for s in b if s.dimension == c.dimension and s.valid}
        assert c.n_items == len(valid_a & valid_b) <= 3
        if c.n_items < 3:
            assert c.permutation.p_value.value is None
            continue
        same = all(
            results.item_scores[c.run_a][c.dimension][i]
            == results.item_scores[c.run_b][c.dimension][i]
            for i in valid_a & valid_b
        )
        p = c.permutation.p_value.value
        assert p is not None and p >= 0.25
        if same:
            assert p == 1.0 and c.cohens_dz.value is None
        else:
            assert c.mean_difference.value != 0.0
    assert (out / "radar.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ET.parse(out / "radar.svg").getroot().tag.endswith("svg")


def test_compare_tests_the_means_it_shows_on_design_runs(tmp_path: Path) -> None:
    """Two `--design quick` runs on `sim` (models with other traits): by default the table
    shows the models' own profiles and the tests pair the same item scores; `--pooled`
    shows and tests the persona-pooled means. Either way a test's means are the displayed
    scores (both runs scored the same items)."""
    runs = []
    for name, openness in (("a", 1.5), ("b", -1.0)):
        design = tmp_path / f"{name}.yaml"
        design.write_text(f"trait_means: {{openness: {openness}, neuroticism: 0.5}}\n")
        out = tmp_path / name
        result = CliRunner().invoke(valuescope_app, [
            "measure", "--model", f"sim:{design}", "--framework", "bigfive", "--design",
            "quick", "--limit", "15", "--paraphrases", "0", "--out", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
        runs.append(out)
    own = compare_runs(runs)
    pooled = compare_runs(runs, CompareConfig(scores="pooled"))
    for results in (own, pooled):
        label_a, label_b = (r.label for r in results.runs)
        for c in results.comparisons:
            shown_a = results.profiles[label_a][c.dimension].score
            shown_b = results.profiles[label_b][c.dimension].score
            assert c.mean_a == pytest.approx(shown_a) and c.mean_b == pytest.approx(shown_b)
    # own: the profile measure printed; pooled: other numbers, said so
    measured = json.loads((runs[0] / "results.json").read_text())["dimensions"]
    label = own.runs[0].label
    assert own.profiles[label]["openness"].score == pytest.approx(measured["openness"]["score"])
    assert pooled.profiles[label]["openness"].score != pytest.approx(measured["openness"]["score"])
    assert own.verdict is not None and own.verdict.level == "interpretable"
    args = ["compare", str(runs[0]), str(runs[1]), "--pooled", "--out", str(tmp_path / "cmp")]
    result = CliRunner().invoke(valuescope_app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("verdict: interpretable")
    assert "persona-pooled item means" in result.output
