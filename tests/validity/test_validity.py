"""`valuescope validity`: construct validity by multitrait-multimethod (MTMM) over simulated
respondents, checked on the `sim` backend, whose respondents have known traits.

Two instruments whose dimensions share ids measure the same latent traits in `sim`, which
draws the traits uncorrelated: `bigfive` and `bigfive_short` must pass both rules there, and
they must fail where the respondents answer at random or where B's dimensions are mapped to
traits A does not measure. A criterion instrument whose dimension shares a latent trait with
a Big Five trait must show the expected sign.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.engine import ConfigError
from valuescope.frameworks import load_framework
from valuescope.instruments.likert.items import builtin_item_bank_path
from valuescope.instruments.likert.named import resolve_instrument
from valuescope.runs import SAMPLES
from valuescope.validity import (
    VALIDITY_FILE,
    ConstructValidityConfig,
    ConstructValidityResults,
    ValidityError,
    plan_runs,
    shipped_signs_path,
    signs_for,
    validity_from_runs,
)

RUNNER = CliRunner()
BIG_FIVE = ["openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"]


def validity(out: Path, *options: str, model: str = "sim") -> tuple[int, str]:
    """Run `valuescope validity` into `out`; (exit code, output on one line)."""
    result = RUNNER.invoke(app, ["validity", "--model", model, "--design", "quick",
                                 "--paraphrases", "0", "--out", str(out), *options])  # fmt: skip
    return result.exit_code, " ".join(result.output.split())


def read_results(out: Path) -> ConstructValidityResults:
    return ConstructValidityResults.model_validate_json((out / VALIDITY_FILE).read_text())


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The two shipped Big Five instruments on default sim respondents (one run, shared)."""
    root = tmp_path_factory.mktemp("validity")
    code, output = validity(
        root / "out", "--instruments", "bigfive,bigfive_short", "--cache-dir", str(root / "c")
    )
    assert code == 0, output
    return root / "out", output


def test_two_big_five_instruments_pass_on_sim(passing: tuple[Path, str]) -> None:
    out, output = passing
    results = read_results(out)
    m = results.mtmm
    assert [i.name for i in results.instruments] == ["bigfive", "bigfive_short"]
    assert results.n_respondents == 30 and m.n_respondents == 30
    assert results.design.name == "quick" and results.design.respondents == 30
    assert m.traits == BIG_FIVE and not m.only_in_a and not m.only_in_b
    assert len(m.labels) == 10 and len(m.correlations) == 10
    for c in m.convergent:
        assert c.n == 30 and c.r.value is not None and c.r.value >= 0.60, c
        assert c.r.ci_low is not None and c.r.ci_low < c.r.value < (c.r.ci_high or 2)
    assert m.mean_discriminant.value is not None and m.mean_discriminant.value < 0.25
    assert m.discriminant_gap.value is not None and m.discriminant_gap.value >= 0.40
    assert m.discriminant_gap.ci_low is not None
    assert m.convergent_pass is True and m.discriminant_pass is True and results.passed is True
    assert "convergent rule: pass; discriminant rule: pass; construct validity: pass" in output
    assert f"discriminant gap: {m.discriminant_gap.value:.2f}" in output
    # Every respondent answered both instruments: the same ids in both runs.
    respondents = []
    for instrument in results.instruments:
        lines = (Path(instrument.run) / SAMPLES).read_text().splitlines()
        respondents.append({json.loads(line)["respondent"] for line in lines} - {None})
    assert respondents[0] == respondents[1] and len(respondents[0]) == 30


def test_the_results_round_trip_and_the_heatmap_is_written(passing: tuple[Path, str]) -> None:
    out, output = passing
    text = (out / VALIDITY_FILE).read_text()
    results = read_results(out)
    assert json.loads(results.model_dump_json()) == json.loads(text)
    assert results.files == ["mtmm.png", "mtmm.svg"]
    png, svg = (out / name for name in results.files)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    assert f"wrote {out / VALIDITY_FILE}" in output and f"wrote {png}" in output


def test_a_rerun_reuses_the_runs_and_refuses_other_settings(passing: tuple[Path, str]) -> None:
    out, _ = passing
    before = {p: p.read_text() for p in out.glob(f"measure-*/{SAMPLES}")}
    first = read_results(out)
    code, output = validity(out, "--instruments", "bigfive,bigfive_short")
    assert code == 0, output
    assert "resuming A: bigfive (1/2)" in output and "resuming B: bigfive_short" in output
    assert {p: p.read_text() for p in out.glob(f"measure-*/{SAMPLES}")} == before
    assert read_results(out).mtmm == first.mtmm
    code, output = validity(out, "--instruments", "bigfive,bigfive_short", "--seed", "1")
    assert code == 2 and "holds a validity run with other settings (seed changed" in output


def test_a_validity_run_is_a_study_listed_by_runs(passing: tuple[Path, str]) -> None:
    """Its manifest names its measure runs; `valuescope runs` lists it, finished, with their
    answers summed and its verdict."""
    out, _ = passing
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "validity" and manifest["status"] == "finished"
    assert manifest["children"] == ["measure-1-bigfive", "measure-2-bigfive_short"]
    assert "intervals" not in manifest["fingerprint"]  # it only changes the computation
    listed = RUNNER.invoke(app, ["runs", str(out.parent), "--json"])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    study, *children = rows
    assert (study["command"], study["status"], study["model"]) == ("validity", "finished", "sim")
    assert study["verdict"] == read_results(out).verdict.level  # type: ignore[union-attr]
    assert study["answers"] == sum(c["answers"] for c in children) > 0
    assert [c["parent"] for c in children] == [str(out), str(out)]


def test_pure_noise_respondents_fail_both_rules(tmp_path: Path) -> None:
    design = tmp_path / "noise.yaml"
    design.write_text("pure_noise: true\n")
    code, output = validity(tmp_path / "out", "--instruments", "bigfive,bigfive_short",
                            "--limit", "10", model=f"sim:{design}")  # fmt: skip
    assert code == 0, output
    m = read_results(tmp_path / "out").mtmm
    assert m.convergent_pass is False and m.discriminant_pass is False
    assert m.mean_convergent.value is not None and abs(m.mean_convergent.value) < 0.3
    assert m.discriminant_gap.value is not None and m.discriminant_gap.value < 0.2
    assert "construct validity: fail" in output
    # the noise's own profiles cannot be read: the verdict says so first
    assert output.startswith("measuring A") and "verdict: not interpretable" in output
    assert output.index("verdict:") < output.index("convergent validity over")
    assert read_results(tmp_path / "out").verdict.level == "not interpretable"  # type: ignore[union-attr]


def test_passing_instruments_read_interpretable_and_undecided_fails_under_strict(
    passing: tuple[Path, str], tmp_path: Path
) -> None:
    _, output = passing
    assert "verdict: interpretable" in output
    assert "construct: both MTMM rules could be decided (they hold)" in output
    code, output = validity(tmp_path / "few", "--instruments", "bigfive,bigfive_short",
                            "--personas", "3")  # fmt: skip
    assert code == 0 and "verdict: interpret with care" in output, output
    assert "construct validity is undecided" in output
    # each instrument's own verdict, quoted with the reason that decided it
    assert (
        "A (bigfive), the model's own profile: interpret with care (respondents: 3 of 3" in output
    )
    code, output = validity(tmp_path / "few", "--instruments", "bigfive,bigfive_short",
                            "--personas", "3", "--strict")  # fmt: skip
    assert code == 4 and "--strict: construct validity is undecided" in output, output


# --- a user's instrument: a CSV in a framework of its own, with a mapping -------------------

OWN_DIMENSIONS = {  # the user's dimension -> the Big Five trait it stands for
    "extraversion": "extraversion",
    "agreeableness": "agreeableness",
    "orderliness": "conscientiousness",
    "negative_emotionality": "neuroticism",
    "open_mindedness": "openness",
}


def users_instrument(folder: Path, latents: dict[str, str]) -> tuple[Path, Path, Path]:
    """A framework file, a CSV of 4 items per dimension (one reverse-keyed) with a sidecar
    scale, an instrument file naming them, a sim design that knows the CSV and ties each of
    its dimensions to the latent trait `latents` names, and a mapping file to the Big Five.
    Returns (instrument file, sim design, mapping file)."""
    folder.mkdir(parents=True, exist_ok=True)
    dims = "\n".join(
        f"  - {{id: {d}, name: {d}, definition: the {d} of a person., keywords: [{d}]}}"
        for d in OWN_DIMENSIONS
    )
    (folder / "mine_fw.yaml").write_text(
        f"id: mine_fw\nname: Mine\ndescription: five traits of my own.\ndimensions:\n{dims}\n"
    )
    rows = ["id,text,dimension,polarity"]
    for d in OWN_DIMENSIONS:
        rows += [f"{d}{k},My own statement number {k} about {d}.,{d},{-1 if k == 4 else 1}"
                 for k in range(1, 5)]  # fmt: skip
    (folder / "mine.csv").write_text("\n".join(rows) + "\n")
    (folder / "mine.scale.yaml").write_text(
        "points: 5\nstem: How true is this of you?\nanchors: [Not true, Rarely true, "
        "Sometimes true, Often true, Always true]\n"
    )
    instrument = folder / "mine.yaml"
    instrument.write_text("items: mine.csv\nframework: mine_fw.yaml\n")
    aliases = "\n".join(f"  mine_fw.{d}: {latents[d]}" for d in OWN_DIMENSIONS)
    design = folder / "design.yaml"
    design.write_text(
        "frameworks: [bigfive]\nitem_files:\n  - {path: mine.csv, framework: mine_fw.yaml}\n"
        f"dimension_aliases:\n{aliases}\n"
    )
    mapping = folder / "map.yaml"
    mapping.write_text("".join(f"{d}: {t}\n" for d, t in OWN_DIMENSIONS.items() if d != t))
    return instrument, design, mapping


def test_a_users_csv_instrument_with_a_mapping(tmp_path: Path) -> None:
    instrument, design, mapping = users_instrument(tmp_path / "files", OWN_DIMENSIONS)
    out = tmp_path / "out"
    options = ["--instruments", f"bigfive,{instrument}", "--limit", "20"]
    code, output = validity(out, *options, "--map", str(mapping), model=f"sim:{design}")
    assert code == 0, output
    results = read_results(out)
    m = results.mtmm
    assert results.instruments[1].name == "mine" and results.instruments[1].framework == "mine_fw"
    assert results.mapping == {d: t for d, t in OWN_DIMENSIONS.items() if d != t}
    assert [(c.trait, c.b_trait) for c in m.convergent] == [
        (t, d) for t in BIG_FIVE for d, x in OWN_DIMENSIONS.items() if x == t
    ]
    assert m.convergent_pass is True and m.discriminant_pass is True, m
    # Without the mapping only the two dimensions with the same ids meet; the runs are reused.
    code, output = validity(out, *options, model=f"sim:{design}")
    assert code == 0, output
    unmapped = read_results(out).mtmm
    assert unmapped.traits == ["extraversion", "agreeableness"]
    assert unmapped.only_in_b == ["orderliness", "negative_emotionality", "open_mindedness"]
    assert "resuming B: mine" in output
    # A '-' reverses B's dimension first: its convergent r changes sign, nothing else moves.
    flipped = tmp_path / "files" / "flipped.yaml"
    flipped.write_text(mapping.read_text().replace("neuroticism", "-neuroticism"))
    code, output = validity(out, *options, "--map", str(flipped), model=f"sim:{design}")
    assert code == 0, output
    reversed_ = read_results(out)
    assert reversed_.mapping["negative_emotionality"] == "-neuroticism"
    by_trait = {c.trait: c.r.value for c in reversed_.mtmm.convergent}
    before = {c.trait: c.r.value for c in m.convergent}
    assert by_trait["neuroticism"] == pytest.approx(-(before["neuroticism"] or 0.0))
    assert by_trait["openness"] == pytest.approx(before["openness"])
    # Its heterotrait-heteromethod r change sign too, and count by their size: the mean |r|
    # stays, so the gap moves only by the convergent r that turned negative.
    flipped_m = reversed_.mtmm
    assert flipped_m.mean_discriminant.value == pytest.approx(m.mean_discriminant.value)
    assert flipped_m.discriminant_gap.uncorrected == pytest.approx(
        (m.discriminant_gap.uncorrected or 0.0) - 2 * (before["neuroticism"] or 0.0) / len(BIG_FIVE)
    )


def test_b_measuring_other_traits_fails(tmp_path: Path) -> None:
    """The same user's instrument, but its dimensions tied to latent traits of their own: A
    and B share no trait, so the convergent r are about 0 and so is the gap."""
    unrelated = {d: f"unrelated_{d}" for d in OWN_DIMENSIONS}
    instrument, design, mapping = users_instrument(tmp_path / "files", unrelated)
    options = ["--instruments", f"bigfive,{instrument}", "--limit", "20", "--map", str(mapping)]
    code, output = validity(tmp_path / "out", *options, model=f"sim:{design}")
    assert code == 0, output
    m = read_results(tmp_path / "out").mtmm
    assert m.convergent_pass is False and m.discriminant_pass is False
    assert m.mean_convergent.value is not None and abs(m.mean_convergent.value) < 0.3
    assert m.discriminant_gap.value is not None and abs(m.discriminant_gap.value) < 0.3


# --- respondents, criterion, names -----------------------------------------------------------


def test_the_python_api_and_runs_with_other_respondents(tmp_path: Path) -> None:
    import pydantic

    import valuescope as vs

    options = {"instruments": ["bigfive", "bigfive_short"], "limit": 5, "paraphrases": 0,
               "personas": 20, "intervals": False}  # fmt: skip
    with pytest.raises(pydantic.ValidationError, match="personaz"):
        vs.construct_validity("sim", out=tmp_path / "bad", **{**options, "personaz": 3})
    finished = vs.construct_validity("sim", out=tmp_path / "val", **options)
    assert finished.directory == tmp_path / "val"
    assert finished.results.n_respondents == 20
    assert [p.name for p in finished.files] == [VALIDITY_FILE, "mtmm.png", "mtmm.svg"]
    a, b = (Path(i.run) for i in finished.results.instruments)
    assert validity_from_runs(a, b, intervals=False).mtmm == finished.results.mtmm
    # Another seed draws other personas: other respondents, which MTMM cannot pair.
    other = tmp_path / "other"
    result = RUNNER.invoke(app, [
        "measure", "--model", "sim", "--framework", "bigfive", "--items",
        str(builtin_item_bank_path("bigfive_short")), "--limit", "5", "--paraphrases", "0",
        "--personas", "20", "--seed", "1", "--out", str(other),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    with pytest.raises(ValidityError, match="answered by different respondents: 20 only in"):
        validity_from_runs(a, other, intervals=False)


def test_criterion_correlations_have_the_expected_signs(tmp_path: Path) -> None:
    """schwartz10's self-direction and benevolence share latent traits with openness and
    agreeableness here: those correlations are high and positive, as the signs file says."""
    design = tmp_path / "design.yaml"
    design.write_text("dimension_aliases:\n  schwartz10.self_direction: openness\n"
                      "  schwartz10.benevolence: agreeableness\n")  # fmt: skip
    options = ["--instruments", "bigfive,bigfive_short", "--criterion", "schwartz10"]
    code, output = validity(tmp_path / "out", *options, "--limit", "20", model=f"sim:{design}")
    assert code == 0, output
    criterion = read_results(tmp_path / "out").criterion
    assert criterion is not None and criterion.instrument == "schwartz10"
    assert criterion.signs_file == str(shipped_signs_path("bigfive", "schwartz10"))
    assert len(criterion.correlations) == criterion.n_defined == 12 and not criterion.skipped
    by_pair = {(c.trait, c.criterion): c for c in criterion.correlations}
    for pair in (("openness", "self_direction"), ("agreeableness", "benevolence")):
        c = by_pair[pair]
        assert c.expected_sign == 1 and c.sign_matches is True
        assert c.r.value is not None and c.r.value > 0.6 and (c.r.ci_low or 0) > 0
    assert criterion.n_supported >= 2
    assert criterion.n_matching == sum(bool(c.sign_matches) for c in criterion.correlations)
    shown = f"{by_pair[('openness', 'self_direction')].r.value:.2f} ["
    assert re.search(r"openness\W+self_direction\W+\+\W+" + re.escape(shown), output), output
    assert "Roccas et al. (2002)" in output


def test_the_shipped_signs_fit_the_frameworks_and_others_are_asked_for() -> None:
    bigfive, schwartz = load_framework("bigfive"), load_framework("schwartz10")
    signs, _ = signs_for(None, bigfive, schwartz)
    assert "Roccas" in signs.source and "neuroticism" not in signs.expected
    assert signs.expected["openness"]["self_direction"] == 1
    config = ConstructValidityConfig(
        model="sim", instruments=["bigfive", "bigfive_short"], criterion="mft6"
    )
    with pytest.raises(ValidityError, match="ships no expected signs for bigfive vs mft6"):
        plan_runs(config, Path("unused"))


def test_naming_instruments(tmp_path: Path) -> None:
    short = resolve_instrument("bigfive_short")
    assert short.framework == "bigfive" and short.shipped
    assert short.items == str(builtin_item_bank_path("bigfive_short"))
    own = resolve_instrument("big5")  # a framework alias: its own bank
    assert (own.framework, own.items, own.label) == ("bigfive", None, "bigfive")
    with pytest.raises(ConfigError, match=r"unknown instrument 'bigfive_long'.*bigfive_short"):
        resolve_instrument("bigfive_long")
    table = tmp_path / "items.csv"
    table.write_text("id,text,dimension\n")
    with pytest.raises(DataFileError, match="name an instrument file instead"):
        resolve_instrument(str(table))
    code, output = validity(tmp_path / "out", "--instruments", "bigfive,bigfive_short,mft6")
    assert code == 2 and "give exactly two instruments (A,B), got 3" in output
    code, output = validity(tmp_path / "out", "--instruments", "bigfive,big5")
    assert code == 2 and "A and B are the same instrument (bigfive)" in output
    assert not (tmp_path / "out").exists()


def test_missing_respondent_scores_name_their_reason(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from valuescope.validity.tables import RespondentTable, _warnings

    results = SimpleNamespace(instrument="ipip50", warnings=[])
    reason = "option '1' stands for 'Agree', which is no anchor of the scale"
    table = RespondentTable(
        directory=tmp_path, config=None, results=results, framework=None,  # type: ignore[arg-type]
        respondents={"r1", "r2"}, scores={"openness": {"r1": 3.0}}, n_items=2,
        invalid_reasons=[(reason, 4)],
    )  # fmt: skip
    [note] = _warnings([table], ["r1", "r2"])
    assert note.startswith("A (ipip50): 1 respondent scores missing")
    assert "4 x option '1' stands for 'Agree'" in note


def test_the_shipped_ipip_neo_300_decides_every_trait_beside_bigfive(tmp_path: Path) -> None:
    """IPIP-NEO-300 (public domain, the inventory PsyBORGS administered) ships as a Big Five
    bank: 60 items per domain with its reverse keys, and on sim every trait is decided."""
    from valuescope.frameworks import load_framework
    from valuescope.instruments.likert.items import load_item_bank, shipped_item_banks

    framework_id, path = shipped_item_banks()["ipip_neo300"]
    bank = load_item_bank(path, load_framework(framework_id))
    counts = {d: len(bank.for_dimension(d)) for d in BIG_FIVE}
    assert counts == dict.fromkeys(BIG_FIVE, 60)
    reverse = {d: sum(i.polarity == -1 for i in bank.for_dimension(d)) for d in BIG_FIVE}
    assert reverse == {"openness": 32, "conscientiousness": 29, "extraversion": 24,
                       "agreeableness": 36, "neuroticism": 27}  # fmt: skip
    code, output = validity(tmp_path / "out", "--instruments", "bigfive,ipip_neo300",
                            "--limit", "50")  # 10 items per domain of IPIP's 60  # fmt: skip
    assert code == 0, output
    results = read_results(tmp_path / "out")
    assert all(c.r.value is not None and c.r.value >= 0.6 for c in results.mtmm.convergent)
    assert results.passed is True and results.verdict is not None
    assert results.verdict.level == "interpretable"


def test_the_shipped_ipip_50_decides_every_trait_beside_bigfive(tmp_path: Path) -> None:
    """IPIP-50 (Goldberg's 1992 Big-Five markers, public domain) ships as a Big Five bank:
    10 items per factor with IPIP's keys, factor IV (Emotional Stability) scored as
    neuroticism with its keys flipped. On sim every trait is decided, and the statement it
    shares with `bigfive` ("I have a vivid imagination.") is answered in both runs."""
    from valuescope.frameworks import load_framework
    from valuescope.instruments.likert.items import load_item_bank, shipped_item_banks

    framework_id, path = shipped_item_banks()["ipip50"]
    bank = load_item_bank(path, load_framework(framework_id))
    assert framework_id == "bigfive" and bank.scale.anchors[-1] == "Very accurate"
    counts = {d: len(bank.for_dimension(d)) for d in BIG_FIVE}
    assert counts == dict.fromkeys(BIG_FIVE, 10)
    reverse = {d: sum(i.polarity == -1 for i in bank.for_dimension(d)) for d in BIG_FIVE}
    assert reverse == {"openness": 3, "conscientiousness": 4, "extraversion": 5,
                       "agreeableness": 4, "neuroticism": 2}  # fmt: skip
    keyed = {i.id: (i.dimension, i.polarity, i.text) for i in bank.items}
    assert keyed["EXT1"] == ("extraversion", 1, "I am the life of the party.")
    assert keyed["AGR1"] == ("agreeableness", -1, "I feel little concern for others.")
    assert keyed["CSN8"] == ("conscientiousness", -1, "I shirk my duties.")
    assert keyed["EST1"] == ("neuroticism", 1, "I get stressed out easily.")  # IPIP: - keyed
    assert keyed["EST2"] == ("neuroticism", -1, "I am relaxed most of the time.")  # IPIP: +
    assert keyed["EST4"] == ("neuroticism", -1, "I seldom feel blue.")  # IPIP: + keyed
    assert keyed["OPN3"] == ("openness", 1, "I have a vivid imagination.")
    assert keyed["OPN6"] == ("openness", -1, "I do not have a good imagination.")
    # --limit 25: 5 items per trait of each bank, the shared statement among them
    code, output = validity(tmp_path / "out", "--instruments", "ipip50,bigfive", "--limit", "25")
    assert code == 0, output
    results = read_results(tmp_path / "out")
    assert all(c.r.value is not None and c.r.value >= 0.6 for c in results.mtmm.convergent)
    assert {c.trait for c in results.mtmm.convergent} == set(BIG_FIVE)
    assert results.passed is True and results.verdict is not None
    assert results.verdict.level == "interpretable"
    for run in ("measure-1-ipip50", "measure-2-bigfive"):
        overall = json.loads((tmp_path / "out" / run / "results.json").read_text())["overall"]
        assert overall["n_invalid"] == 0, run


def test_the_audits_gap_interval_contains_its_estimate(tmp_path: Path) -> None:
    """The audit's reproducer: this command wrote `discriminant_gap` 0.731 with CI [0.736,
    0.762], a BC bootstrap interval shifted past its own estimate by the upward bias of the
    mean |r| of near-zero correlations. The gap is now bias-corrected by the jackknife (the
    textbook 0.731 kept as `uncorrected`), and its t-interval contains it."""
    out = tmp_path / "validity"
    result = RUNNER.invoke(app, [
        "validity", "--model", "sim", "--instruments", "bigfive,bigfive_short", "--design",
        "quick", "--paraphrases", "0", "--out", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    gap = json.loads((out / VALIDITY_FILE).read_text())["mtmm"]["discriminant_gap"]
    assert gap["uncorrected"] == pytest.approx(0.731, abs=0.0005)
    assert gap["ci_low"] <= gap["value"] <= gap["ci_high"]
    assert gap["value"] > gap["uncorrected"]  # the mean |r| was biased up, the gap down
    assert gap["method"] == "jackknife over 30 respondents"
    assert "bias-corrected, uncorrected 0.73" in " ".join(result.output.split())
