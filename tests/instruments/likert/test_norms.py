"""Human norms (`measure --norms FILE`): the statistics against scipy and hand computation,
the norm file's errors at their file and line, and a run on `sim` that shows the comparison
in results.json, the CLI and the report, over administrations or over respondents."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from scipy import stats as scipy_stats
from typer.testing import CliRunner

import valuescope as vs
from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.frameworks import load_framework
from valuescope.instruments.likert import ResponseScale
from valuescope.instruments.likert.norm_file import load_norms
from valuescope.instruments.likert.norms import respondent_scale_scores
from valuescope.stats import (
    compare_with_norm,
    hedges_g,
    normal_percentile,
    sample_stats,
    welch_t,
    z_score,
)

RUNNER = CliRunner()
FIVE = ResponseScale(points=5, anchors=list("abcde"), stem="?")
BIGFIVE = load_framework("bigfive")
NORMS = """\
source: "Illustrative, not a sample"
framework: big5
scale: {points: 5, minimum: 1}
norms:
  openness: {mean: 3.6, sd: 0.6, n: 500}
  Conscientiousness: {mean: 3.5, sd: 0.65, n: 400, source: "another study"}
  extraversion: {mean: 3.2, sd: 0.75, n: 300}
"""


# --- the statistics ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("m1", "s1", "n1", "m2", "s2", "n2"),
    [
        (3.2, 0.4, 5, 2.9, 0.6, 8),
        (2.1, 0.9, 30, 3.6, 0.6, 500),
        (3.03, 0.0, 4, 3.6, 0.6, 500),  # a deterministic model: every administration alike
        (4.5, 1.2, 2, 1.5, 0.3, 2),
    ],
)
def test_welch_t_is_scipys(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> None:
    ours = welch_t(m1, s1, n1, m2, s2, n2)
    theirs = scipy_stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    assert ours.t.value == pytest.approx(theirs.statistic, rel=1e-12)
    assert ours.p.value == pytest.approx(theirs.pvalue, rel=1e-9)
    v1, v2 = s1**2 / n1, s2**2 / n2
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    assert ours.df.value == pytest.approx(df, rel=1e-12)
    assert scipy_stats.t.sf(abs(theirs.statistic), ours.df.value) * 2 == pytest.approx(
        theirs.pvalue, rel=1e-9
    )  # scipy used the same df


def test_hedges_g_and_its_interval_by_hand() -> None:
    # n1 = 5, n2 = 8: pooled variance (4 * 0.16 + 7 * 0.36) / 11, df 11.
    pooled = math.sqrt((4 * 0.4**2 + 7 * 0.6**2) / 11)
    d = (3.2 - 2.9) / pooled
    j = math.gamma(11 / 2) / (math.sqrt(11 / 2) * math.gamma(10 / 2))
    assert j == pytest.approx(1 - 3 / (4 * 11 - 1), abs=2e-3)  # the usual approximation
    g = j * d
    se = j * math.sqrt(13 / 40 + d**2 / (2 * 13))
    result = hedges_g(3.2, 0.4, 5, 2.9, 0.6, 8)
    assert result.value == pytest.approx(g, rel=1e-12)
    assert result.ci_low == pytest.approx(g - 1.959963984540054 * se, rel=1e-12)
    assert result.ci_high == pytest.approx(g + 1.959963984540054 * se, rel=1e-12)
    assert result.method == "large-sample normal (Hedges & Olkin 1985)"
    assert hedges_g(2.9, 0.6, 8, 3.2, 0.4, 5).value == pytest.approx(-g, rel=1e-12)


def test_z_and_percentile() -> None:
    z = z_score(4.0, 3.0, 0.5)
    assert z.value == 2.0
    assert normal_percentile(z).value == pytest.approx(100 * scipy_stats.norm.cdf(2.0))
    below = z_score(2.1, 3.6, 0.6)
    assert below.value == pytest.approx(-2.5)
    assert normal_percentile(below).value == pytest.approx(100 * scipy_stats.norm.cdf(-2.5))


def test_what_cannot_be_computed_is_none_with_its_reason() -> None:
    assert z_score(3.0, 3.0, 0.0).reason == "the human sd is 0: no z"
    assert normal_percentile(z_score(3.0, 3.0, 0.0)).value is None
    assert z_score(None, 3.0, 1.0).reason == "the model has no score on this dimension"
    one = compare_with_norm(3.0, sample_stats([3.0]), 3.5, 0.5, 100)
    assert one.z.value == -1.0  # the profile score still has a z
    assert one.welch.t.value is None and one.g.value is None
    assert one.welch.p.reason == "the model's sample has 1 score, this needs >= 2"
    one_human = welch_t(3.0, 0.5, 10, 3.5, 0.5, 1)
    assert one_human.t.reason == "the human sample has n = 1, this needs >= 2"
    flat = compare_with_norm(3.0, sample_stats([3.0, 3.0, 3.0]), 3.5, 0.0, 100)
    assert flat.welch.t.reason == "both samples have sd 0: no t"
    assert flat.g.reason == "both samples have sd 0: no standardised difference"
    assert sample_stats([0.1 + 0.2, 0.3, 0.3]).sd == 0.0  # rounding is no variance


# --- the norm file -----------------------------------------------------------------------


def norm_file(tmp_path: Path, text: str, name: str = "norms.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_norm_file_resolves_names_and_keeps_its_sources(tmp_path: Path) -> None:
    table = load_norms(norm_file(tmp_path, NORMS), BIGFIVE, FIVE)
    assert list(table.dimensions) == ["openness", "conscientiousness", "extraversion"]
    assert table.dimensions["openness"].source == "Illustrative, not a sample"
    assert table.dimensions["conscientiousness"].source == "another study"
    assert table.dimensions["extraversion"].rescaled is None


def test_sums_and_another_minimum_are_converted_exactly(tmp_path: Path) -> None:
    text = NORMS.replace("{points: 5, minimum: 1}", "{points: 5, minimum: 0, items: 10}")
    text = text.replace("mean: 3.6, sd: 0.6", "mean: 26.0, sd: 6.0")
    openness = load_norms(norm_file(tmp_path, text), BIGFIVE, FIVE).dimensions["openness"]
    assert (openness.mean, openness.sd) == pytest.approx((3.6, 0.6))  # 26/10 - 0 + 1; 6/10
    assert (openness.published_mean, openness.published_sd) == (26.0, 6.0)
    assert openness.rescaled == "sums of 10 items divided by 10; 0..4 shifted to 1..5"


BAD = [
    ("norms:\n  openness: {mean: 3.6, sd: 0.6, n: 500}\n", 1, "source: Field required"),
    (NORMS.replace("  extraversion", "  extroversion"), 7,
     "unknown dimension(s) for framework bigfive: 'extroversion' (line 7)"),
    (NORMS + "  Openness: {mean: 3.0, sd: 0.5, n: 10}\n", 8,
     "'Openness' is openness again (first at line 5)"),
    (NORMS.replace("sd: 0.75", "sd: -0.75"), 7, "norms.extraversion.sd: Input should be greater"),
    (NORMS.replace("n: 300", "n: 0"), 7, "norms.extraversion.n"),
    (NORMS.replace("mean: 3.2", "mean: .nan"), 7, "norms.extraversion.mean"),
    (NORMS.replace("{points: 5, minimum: 1}", "{points: 7}"), 5,
     "openness: the norm is on a 7-point scale, the instrument on a 5-point one"),
    (NORMS.replace("n: 300}", "n: 300, scale: {points: 4}}"), 7,
     "extraversion: the norm is on a 4-point scale"),
    (NORMS.replace("mean: 3.2", "mean: 32"), 7, "extraversion: mean 32 lies outside 1..5"),
    (NORMS.replace("sd: 0.75", "sd: 7.5"), 7, "extraversion: sd 7.5 is more than scores on"),
    (NORMS.replace("big5", "schwartz"), 2,
     "framework: the norms are for schwartz, this run measures bigfive"),
    (NORMS + "colour: blue\n", 8, "colour: Extra inputs are not permitted"),
    (NORMS.replace("sd: 0.6, n: 500}", "sd: 0.6, n: 500"), 6, "not valid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_malformed_norm_file_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = norm_file(tmp_path, text)
    with pytest.raises(DataFileError) as caught:
        load_norms(path, BIGFIVE, FIVE)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in str(caught.value)


CSV = """\
dimension,mean,sd,n,source,points
openness,3.6,0.6,500,Study A,5
Extraversion,3.2,0.75,300,Study A,5
"""


def test_a_csv_norm_table(tmp_path: Path) -> None:
    table = load_norms(norm_file(tmp_path, CSV, "norms.csv"), BIGFIVE, FIVE)
    assert table.source == "Study A"
    assert table.dimensions["extraversion"].model_dump(include={"mean", "sd", "n"}) == {
        "mean": 3.2, "sd": 0.75, "n": 300,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (CSV.replace("Study A,5\nExtra", ",5\nExtra"), 2, "openness: no source"),
        (CSV.replace("0.75", "-1"), 3, "Extraversion: sd: Input should be greater"),
        (CSV.replace("300,", "many,"), 3, "Extraversion: n: Input should be a valid integer"),
        (CSV.replace("Extraversion", "Extrovert"), 3, "unknown dimension(s)"),
        (CSV.replace(",points", ",points,colour") + "", 2, "unknown column(s) colour"),
    ],
)
def test_a_malformed_csv_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    if "colour" in text:
        text = text.replace(",5\n", ",5,blue\n")
    path = norm_file(tmp_path, text, "norms.csv")
    with pytest.raises(DataFileError) as caught:
        load_norms(path, BIGFIVE, FIVE)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in str(caught.value)


# --- runs ----------------------------------------------------------------------------------


def measure(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "run"
    result = RUNNER.invoke(
        app, ["measure", "--model", "sim", "--framework", "bigfive", "--limit", "15",
              "--paraphrases", "0", "--out", str(out), *args],
    )  # fmt: skip
    return result.exit_code, " ".join(result.output.split()), out


def test_a_run_with_norms_compares_its_administrations(tmp_path: Path) -> None:
    """Without a design the sample is the model's 4 administrations (2 orders x 2 framings),
    each one scale score; results.json, the CLI table and the report show the comparison and
    say that it is about prompts, not people."""
    code, output, out = measure(tmp_path, "--norms", str(norm_file(tmp_path, NORMS)))
    assert code == 0, output
    results = json.loads((out / "results.json").read_text())
    norms = results["norms"]
    assert norms["sample"] == "administrations"
    assert norms["without_norm"] == ["agreeableness", "neuroticism"]
    assert "measure prompt variation, not people" in norms["meaning"]
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    for dim, d in norms["dimensions"].items():
        score = results["dimensions"][dim]["score"]
        human = d["human"]
        assert d["model"] == score
        assert d["z"]["value"] == pytest.approx((score - human["mean"]) / human["sd"])
        assert d["percentile"]["value"] == pytest.approx(
            100 * scipy_stats.norm.cdf(d["z"]["value"])
        )
        per_administration: dict[str, list[float]] = {}
        for s in samples:
            if s["dimension"] == dim:
                per_administration.setdefault(s["condition"], []).append(s["score"])
        scale_scores = [sum(v) / len(v) for v in per_administration.values()]
        assert d["sample"]["n"] == len(scale_scores) == 4
        assert d["sample"]["mean"] == pytest.approx(sum(scale_scores) / 4)
        welch = scipy_stats.ttest_ind_from_stats(
            d["sample"]["mean"], d["sample"]["sd"], 4, human["mean"], human["sd"], human["n"],
            equal_var=False,
        )  # fmt: skip
        assert d["t"]["value"] == pytest.approx(welch.statistic)
        assert d["g"]["ci_low"] < d["g"]["value"] < d["g"]["ci_high"]
    openness = norms["dimensions"]["openness"]
    row = (
        f"│ openness │ {openness['model']:.2f} │ 3.60 (0.60, 500) │ {openness['z']['value']:.2f} │ "
        f"{openness['percentile']['value']:.1f} │ {openness['g']['value']:.2f} ["
    )
    assert "against human norms" in output and row in output, output
    assert "these measure prompt variation, not people" in output
    assert "norms: Illustrative, not a sample" in output
    from valuescope.report import render_report

    html = render_report(out)
    section = html[html.index('<section id="norms"') : html.index('<section id="reliability"')]
    assert "administrations of the model itself" in section
    assert f'<td>openness</td><td class="num">{openness["model"]:.2f}</td>' in section
    assert "measure prompt variation, not people" in section
    text = re.sub(r"<[^>]+>", " ", section)
    assert not re.search(r"\bNone\b|\{'|\bnan\b", text)


def test_a_design_compares_the_respondents(tmp_path: Path) -> None:
    """With simulated respondents the sample is their scale scores, one per respondent:
    their mean and sd are the reliability table's."""
    norms = norm_file(tmp_path, NORMS)
    code, output, out = measure(tmp_path, "--personas", "6", "--norms", str(norms))
    assert code == 0, output
    results = json.loads((out / "results.json").read_text())
    assert results["norms"]["sample"] == "respondents"
    for dim, d in results["norms"]["dimensions"].items():
        respondents = results["respondents"]["dimensions"][dim]
        assert d["sample"]["n"] == 6 and d["sample"]["kind"] == "respondents"
        assert d["sample"]["mean"] == pytest.approx(respondents["mean"])
        assert d["sample"]["sd"] == pytest.approx(respondents["sd"])
        assert d["model"] == results["dimensions"][dim]["score"]  # z places the own profile
    assert "simulated respondents' scale scores" in output


def _sample(respondent: str, item: str, score: float) -> Any:
    from valuescope.instruments.likert import LikertSample

    return LikertSample(
        item_id=item, condition=f"r/{respondent}/asc", valid=True, dimension="d",
        polarity=1, order="asc", framing="none", respondent=respondent, prompt="",
        labels=["1", "2"], scale_points=[1, 2], probs=[0.5, 0.5], option_mass=1.0,
        missing=[], method="logprobs", expected_raw=score, score=score,
    )  # fmt: skip


def test_respondents_of_one_persona_count_once() -> None:
    """Under a crossed design a persona answers under several phrasings: its respondents
    are averaged, so n is the personas; a respondent without every item is left out."""
    samples = [
        _sample("p1/i1/a1", "a", 2.0), _sample("p1/i1/a1", "b", 4.0),  # 3.0
        _sample("p1/i2/a1", "a", 4.0), _sample("p1/i2/a1", "b", 4.0),  # 4.0
        _sample("p2/i1/a1", "a", 1.0), _sample("p2/i1/a1", "b", 2.0),  # 1.5
        _sample("p3/i1/a1", "a", 5.0),  # no answer to b: left out
    ]  # fmt: skip
    scores, left_out, clustered = respondent_scale_scores(samples, ["a", "b"])
    assert (scores, left_out, clustered) == ([3.5, 1.5], 1, True)
    alone = [s for s in samples if not s.respondent.startswith("p1/i2")]
    assert respondent_scale_scores(alone, ["a", "b"]) == ([3.0, 1.5], 1, False)


def test_an_administration_without_every_item_is_left_out() -> None:
    from valuescope.instruments.likert import all_conditions
    from valuescope.instruments.likert.norms import administration_scores

    conditions = all_conditions()  # 2 orders x 2 framings
    samples = []
    for k, c in enumerate(conditions):
        for item, score in (("a", 2.0 + k), ("b", 4.0)):
            sample = _sample("x", item, score).model_copy(
                update={"respondent": None, "condition": c.id, "valid": (k, item) != (3, "b")}
            )
            samples.append(sample)
    scores, left_out = administration_scores(samples, conditions, ["a", "b"])
    assert (scores, left_out) == ([3.0, 3.5, 4.0], 1)


def test_the_api_takes_a_path_and_a_bad_file_stops_the_cli_first(tmp_path: Path) -> None:
    head, rows = NORMS.split("norms:\n")
    reordered = "".join(reversed(rows.splitlines(keepends=True)))
    path = norm_file(tmp_path, f"{head}instrument: ipip_neo300\nnorms:\n{reordered}")
    run = vs.measure("sim", framework="bigfive", limit=15, paraphrases=0, norms=path,
                     out=tmp_path / "api")  # fmt: skip
    assert run.results.norms is not None and run.results.norms.file == str(path)
    in_profile_order = ["openness", "conscientiousness", "extraversion"]
    assert list(run.results.norms.dimensions) == in_profile_order
    assert (
        "the norms were collected with ipip_neo300, this run asked bigfive: the comparison with "
        "the human sample is between different questionnaires"
    ) in run.results.warnings
    bad = norm_file(tmp_path, NORMS.replace("sd: 0.75", "sd: -1"), "bad.yaml")
    code, output, out = measure(tmp_path, "--norms", str(bad))
    assert code == 2 and f"{bad}:7: norms.extraversion.sd" in output
    assert not out.exists()  # refused before the first answer
    code, output, _ = measure(tmp_path, "--instrument", "probes", "--norms", str(path))
    plain = " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())
    assert code == 2 and "--norms apply to questionnaires, not to --instrument probes" in plain


@pytest.mark.slow
def test_results_without_norms_render_as_before(gallery: dict[str, Path], tmp_path: Path) -> None:
    """A run without --norms (`norms: null`), and results written before norms existed (no
    key), read and render with no norms section."""
    from valuescope.instruments.likert import MeasureResults
    from valuescope.report import render_report

    old = tmp_path / "old"
    shutil.copytree(gallery["measure"], old, ignore=shutil.ignore_patterns("report.html"))
    data = json.loads((old / "results.json").read_text())
    assert data.get("norms") is None
    data.pop("norms", None)
    (old / "results.json").write_text(json.dumps(data))
    assert MeasureResults.model_validate(data).norms is None
    for folder in (gallery["measure"], old):
        html = render_report(folder)
        assert 'id="norms"' not in html and "human norms" not in html
        assert '<section id="profile"' in html and '<section id="reliability"' in html
