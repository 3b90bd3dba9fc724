"""The moral-dilemmas instrument: the shipped bank, file errors, the scoring maths, a real run.

The scoring tests use the scripted stand-in (tests/helpers/scripted.py) on a two-dilemma,
three-outcome bank so that every number can be computed by hand; the last test runs the
real embedded model through the CLI.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from helpers.gallery import output_of
from helpers.scripted import ScriptedModel
from valuescope.cli.dilemmas import register
from valuescope.datasets import DataFileError
from valuescope.engine import resume
from valuescope.engine import run as run_instrument
from valuescope.frameworks import load_framework
from valuescope.instruments.dilemmas import DilemmasConfig, DilemmasInstrument
from valuescope.instruments.dilemmas.bank import builtin_dilemmas_path, load_dilemmas
from valuescope.instruments.dilemmas.requests import ChoiceOrder, choice_orders
from valuescope.models import Message

ETHICS5 = load_framework("ethics5")


# -- the shipped bank ----------------------------------------------------------------------


def test_shipped_bank_has_18_dilemmas_with_one_outcome_per_framework() -> None:
    bank = load_dilemmas(builtin_dilemmas_path(), ETHICS5)
    assert len(bank.dilemmas) == 18
    assert len({d.id for d in bank.dilemmas}) == 18
    for dilemma in bank.dilemmas:
        assert sorted(dilemma.dimensions) == sorted(ETHICS5.ids), dilemma.id
    # The outcome texts never name a framework: no id and no word of a dimension's name.
    words = {w.lower() for d in ETHICS5.dimensions for w in [d.id, *d.name.split()]}
    assert words == {"care", "ethics", "justice", "liberty", "utilitarian", "utilitarianism",
                     "virtue"}  # fmt: skip
    pattern = re.compile(r"\b(" + "|".join(sorted(words)) + r")\b", re.IGNORECASE)
    for dilemma in bank.dilemmas:
        for outcome in dilemma.outcomes:
            assert not pattern.search(outcome.text), (dilemma.id, outcome.id)
    # The file's own order already spreads each framework over the positions.
    positions = Counter((dim, i) for d in bank.dilemmas for i, dim in enumerate(d.dimensions))
    assert all(3 <= positions[(dim, i)] <= 4 for dim in ETHICS5.ids for i in range(5))


# -- file errors ---------------------------------------------------------------------------

HEADER = """\
id: mine
framework: ethics5
dilemmas:
  - id: d1
    title: A title
    scenario: Something happened.
    question: What now?
    outcomes:
"""  # outcomes start on line 9

GOOD = (
    "      - {id: a, text: Do A., dimension: care}\n"
    "      - {id: b, text: Do B., dimension: justice}\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dilemmas.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            HEADER + GOOD + "      - id: c\n        dimension: liberty\n",
            11,
            "dilemmas.0.outcomes.2.text: Field required",
        ),
        (
            HEADER + GOOD + "      - id: c\n        text: Do C.\n        dimension: fairness\n",
            13,
            "unknown dimension 'fairness'",
        ),
        (
            HEADER + GOOD + "      - id: a\n        text: Do A again.\n        dimension: virtue\n",
            11,
            "duplicate outcome id 'a'",
        ),
        (HEADER + GOOD, 8, "dilemmas.0.outcomes: List should have at least 3 items"),
        (
            HEADER + GOOD + "      - {id: c, text: C., dimension: virtue}\n"
            "  - id: d1\n    title: T\n    scenario: S.\n    question: Q?\n    outcomes:\n"
            + GOOD
            + "      - {id: c, text: C., dimension: virtue}\n",
            12,
            "duplicate dilemma id 'd1'",
        ),
        (
            HEADER.replace("ethics5", "mft6")
            + GOOD
            + "      - {id: c, text: C., dimension: virtue}\n",
            2,
            "for framework 'mft6', not 'ethics5'",
        ),
    ],
)
def test_malformed_file_names_file_and_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(DataFileError) as caught:
        load_dilemmas(path, ETHICS5)
    assert caught.value.path == str(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_dimension_names_resolve_to_ids(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD + "      - {id: c, text: C., dimension: Virtue ethics}\n")
    assert load_dilemmas(path, ETHICS5).dilemmas[0].dimensions == ["care", "justice", "virtue"]


# -- option orders -------------------------------------------------------------------------


def test_choice_orders_are_rotations_of_the_order_and_its_reverse() -> None:
    got = {o.id: o.positions(3) for o in choice_orders(3)}
    assert got == {
        "fwd0": [0, 1, 2], "fwd1": [1, 2, 0], "fwd2": [2, 0, 1],
        "rev0": [2, 1, 0], "rev1": [1, 0, 2], "rev2": [0, 2, 1],
    }  # fmt: skip
    for n in (3, 4, 5):
        seats = Counter((o.positions(n)[k], k) for o in choice_orders(n) for k in range(n))
        assert set(seats.values()) == {2}, n  # every outcome at every position twice
    assert ChoiceOrder(True, 0).positions(5) == [4, 3, 2, 1, 0]


# -- scoring maths on a scripted model -----------------------------------------------------

SMALL_BANK = """\
id: small
framework: ethics5
dilemmas:
  - id: A
    title: First
    scenario: Scenario A.
    question: What should be done?
    outcomes:
      - {id: a1, text: Do Alpha., dimension: care}
      - {id: a2, text: Do Beta., dimension: justice}
      - {id: a3, text: Do Gamma., dimension: liberty}
  - id: B
    title: Second
    scenario: Scenario B.
    question: What should be done?
    outcomes:
      - {id: b1, text: Do Delta., dimension: utilitarian}
      - {id: b2, text: Do Epsilon., dimension: virtue}
      - {id: b3, text: Do Zeta., dimension: care}
"""
# The scripted "model" cares about content half the time and answers "1" the other half.
CONTENT = {"Alpha": 0.6, "Beta": 0.3, "Gamma": 0.1, "Delta": 0.2, "Epsilon": 0.5, "Zeta": 0.3}
WANTED_POINT = {"Alpha": 5, "Beta": 3, "Gamma": 1, "Delta": 2, "Epsilon": 4, "Zeta": 4}
ANCHOR_POINT = {
    "Completely unacceptable": 1,
    "Mostly unacceptable": 2,
    "Neither acceptable nor unacceptable": 3,
    "Mostly acceptable": 4,
    "Completely acceptable": 5,
}


def half_content_half_first(
    messages: list[Message], options: list[str], low_mass: set[str] | None = None
) -> tuple[list[float], float]:
    """Choice: p(label k) = 0.5 * content(outcome at k) + 0.5 * [k == 1].
    Rating: half on the label of the outcome's wanted point, half on label 1."""
    text = messages[-1].content
    first = [0.5] + [0.0] * (len(options) - 1)
    if "Which option would you choose?" in text:
        shown = re.findall(r"^(\d)\. Do (\w+)\.$", text, re.MULTILINE)
        probs = [0.5 * CONTENT[word] + f for (_, word), f in zip(shown, first, strict=True)]
        return probs, 1.0
    outcome = re.search(r'course of action: "Do (\w+)\."', text)
    assert outcome is not None
    anchors = re.findall(r"^(\d) = (.+)$", text, re.MULTILINE)
    label = next(k for k, a in anchors if ANCHOR_POINT[a] == WANTED_POINT[outcome.group(1)])
    probs = [p + (0.5 if opt == label else 0.0) for p, opt in zip(first, options, strict=True)]
    key = f"{outcome.group(1)}/{'asc' if anchors[0][1].startswith('Completely un') else 'desc'}"
    return probs, 0.1 if low_mass and key in low_mass else 0.9


def run_scripted(tmp_path: Path, model: ScriptedModel, **config: object) -> dict:  # type: ignore[type-arg]
    bank = write(tmp_path, SMALL_BANK)
    cfg = DilemmasConfig.model_validate({"model": "scripted", "file": str(bank), **config})
    run = asyncio.run(run_instrument(DilemmasInstrument(cfg), tmp_path / "run", model=model))
    return run.results.model_dump(mode="json")


def test_scoring_maps_orders_back_and_matches_hand_computed_values(tmp_path: Path) -> None:
    results = run_scripted(tmp_path, ScriptedModel(half_content_half_first))
    dims, per, overall = results["dimensions"], results["dilemmas"], results["overall"]
    # Each outcome sits first in 2 of the 6 orders: P(o) = 0.5 c_o + 0.5 * 2/6.
    assert per["A"]["choice"] == pytest.approx({"a1": 0.3 + 1 / 6, "a2": 0.15 + 1 / 6,
                                                "a3": 0.05 + 1 / 6})  # fmt: skip
    assert per["B"]["choice"] == pytest.approx({"b1": 0.1 + 1 / 6, "b2": 0.25 + 1 / 6,
                                                "b3": 0.15 + 1 / 6})  # fmt: skip
    assert per["A"]["ranking"] == ["a1", "a2", "a3"]
    assert per["B"]["ranking"] == ["b2", "b3", "b1"]
    # Whatever is listed first wins each order, so the top outcome wins 2 of 6.
    assert per["A"]["top_agreement"] == pytest.approx(1 / 3)
    # Rating: E = 0.5 * wanted + 0.5 * (1 ascending, 5 descending) -> mean 0.5 w + 1.5.
    assert per["A"]["rating"] == pytest.approx({"a1": 4.0, "a2": 3.0, "a3": 2.0})
    assert per["B"]["rating"] == pytest.approx({"b1": 2.5, "b2": 3.5, "b3": 3.5})
    # Kendall tau-b: A agrees perfectly; B has 2 concordant pairs and 1 tie in ratings:
    # 2 / sqrt(3 * 2).
    assert per["A"]["kendall_tau"] == pytest.approx(1.0)
    assert per["B"]["kendall_tau"] == pytest.approx(2 / 6**0.5)
    assert overall["kendall_tau"] == pytest.approx((1 + 2 / 6**0.5) / 2)
    # Per framework: care is offered twice (a1, b3), the others once.
    expected_pref = {"care": (0.3 + 0.15) / 2 + 1 / 6, "justice": 0.15 + 1 / 6,
                     "liberty": 0.05 + 1 / 6, "utilitarian": 0.1 + 1 / 6,
                     "virtue": 0.25 + 1 / 6}  # fmt: skip
    expected_rating = {"care": 3.75, "justice": 3.0, "liberty": 2.0, "utilitarian": 2.5,
                       "virtue": 3.5}  # fmt: skip
    for dim, r in dims.items():
        assert r["preference"] == pytest.approx(expected_pref[dim]), dim
        assert r["rating"] == pytest.approx(expected_rating[dim]), dim
        assert r["chance"] == pytest.approx(1 / 3)
        # Listed first: 0.5 c + 0.5; listed last: 0.5 c.
        assert r["position_bias"] == pytest.approx(0.5)
        # Ascending: 0.5 w + 0.5; descending: 0.5 w + 2.5.
        assert r["rating_order_bias"] == pytest.approx(-2.0)
        assert r["n_invalid_choice"] == r["n_invalid_rating"] == 0
    assert dims["care"]["top_share"] == 0.5 and dims["virtue"]["top_share"] == 1.0
    assert dims["care"]["n_choice"] == 12 and dims["care"]["n_rating"] == 4
    # A CI is a t-interval over dilemmas, and needs 3: care is offered by 2, justice by 1.
    assert dims["care"]["preference_ci"] == dims["care"]["rating_ci"] == [None, None]
    assert dims["care"]["reasons"]["preference_ci"] == "needs >= 3 scored dilemmas, has 2"
    assert dims["care"]["reasons"]["rating_ci"] == "needs >= 3 scored dilemmas, has 2"
    assert dims["justice"]["preference_ci"] == [None, None]
    assert dims["justice"]["reasons"]["preference_ci"] == "needs >= 3 scored dilemmas, has 1"
    # Label 1 gets 0.5 + 0.5 * (mean content of what is first = 1/3).
    assert overall["label_share"] == pytest.approx({"1": 2 / 3, "2": 1 / 6, "3": 1 / 6})
    assert overall["primacy"] == pytest.approx(2 / 3 - 1 / 3)


def test_a_dimension_ci_is_a_t_interval_over_its_dilemmas() -> None:
    """Shares 0.2, 0.3, 0.4 of 3 dilemmas: mean 0.3 +- t(0.975, 2) * 0.1 / sqrt(3), where a
    percentile bootstrap over 3 dilemmas would give at most [0.2, 0.4]; ratings are clipped
    to the 1..5 scale."""
    from valuescope.instruments.dilemmas.summary import _ci

    reasons: dict[str, str] = {}
    half = 4.302652729911275 * 0.1 / 3**0.5
    low, high = _ci([0.2, 0.3, 0.4], (0.0, 1.0), "preference_ci", reasons)
    assert (low, high) == (pytest.approx(0.3 - half), pytest.approx(0.3 + half))
    assert _ci([1.0, 5.0, 5.0], (1.0, 5.0), "rating_ci", reasons) == [1.0, 5.0]
    assert reasons == {}
    assert _ci([0.5, 0.5, 0.5], (0.0, 1.0), "preference_ci", reasons) == [None, None]
    assert "all 3 scored dilemmas have the same score" in reasons["preference_ci"]


def test_low_mass_answers_are_counted_and_excluded(tmp_path: Path) -> None:
    model = ScriptedModel(lambda m, o: half_content_half_first(m, o, {"Gamma/asc"}))
    results = run_scripted(tmp_path, model, tasks=["rating"])
    liberty = results["dimensions"]["liberty"]
    assert liberty["n_invalid_rating"] == 1 and liberty["n_rating"] == 2
    assert liberty["option_mass_rating"] == pytest.approx(0.5)
    assert liberty["rating"] == pytest.approx(0.5 * 1 + 2.5)  # the descending answer only
    assert liberty["rating_order_bias"] is None and "rating_order_bias" in liberty["reasons"]
    assert liberty["preference"] is None and results["tasks"] == ["rating"]
    assert results["overall"]["n_invalid"] == 1


def test_run_store_and_resume_ask_only_what_is_missing(tmp_path: Path) -> None:
    full = run_scripted(tmp_path, ScriptedModel(half_content_half_first), use_cache=False)
    run_dir = tmp_path / "run"
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    keys = [(json.loads(line)["item_id"], json.loads(line)["condition"]) for line in lines]
    assert len(keys) == len(set(keys)) == 2 * (6 + 3 * 2)
    assert json.loads((run_dir / "manifest.json").read_text())["command"] == "dilemmas"
    assert json.loads((run_dir / "results.json").read_text())["schema_version"] == 1
    # A kill after 9 samples, mid-line.
    (run_dir / "samples.jsonl").write_text("\n".join(lines[:9]) + "\n" + lines[9][:20])
    (run_dir / "results.json").unlink()
    model = ScriptedModel(half_content_half_first)
    resumed = asyncio.run(resume(run_dir, model=model)).results.model_dump(mode="json")
    assert model.calls == len(lines) - 9
    assert len((run_dir / "samples.jsonl").read_text().splitlines()) == len(lines)
    assert resumed["dimensions"] == full["dimensions"]
    assert resumed["dilemmas"] == full["dilemmas"]


# -- the real embedded model, through the CLI ----------------------------------------------


def cli_app() -> typer.Typer:
    """An app with just `dilemmas` (the callback keeps it a subcommand, as in cli.py)."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """valuescope (test app)."""

    register(app)
    return app


@pytest.mark.slow
def test_cli_runs_two_dilemmas_on_the_embedded_model(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    """The gallery's `dilemmas --limit 2` on the embedded model (tests/helpers/gallery.py)."""
    runner = CliRunner()
    printed = output_of(gallery["dilemmas"])
    for dim in ETHICS5.ids:
        assert dim in printed
    assert "run directory" in printed
    out = tmp_path / "run"
    shutil.copytree(gallery["dilemmas"], out)
    results = json.loads((out / "results.json").read_text())
    assert list(results["dilemmas"]) == ["last_icu_bed", "hereditary_risk"]
    assert results["overall"]["n_samples"] == 2 * (10 + 5 * 2)
    usage = results["usage"]
    assert usage["model_calls"] + usage["cache_hits"] == 40
    for dilemma in results["dilemmas"].values():
        if dilemma["choice"]:
            assert sum(dilemma["choice"].values()) == pytest.approx(1.0)
            assert sorted(dilemma["ranking"]) == sorted(dilemma["dimensions"])
    for dim in results["dimensions"].values():
        assert dim["rating"] is None or 1.0 <= dim["rating"] <= 5.0
    # Resuming a finished run asks nothing and reproduces the results.
    again = runner.invoke(cli_app(), ["dilemmas", "--resume", str(out)])
    assert again.exit_code == 0, again.output
    resumed = json.loads((out / "results.json").read_text())
    assert resumed["usage"]["model_calls"] == 0
    assert resumed["dimensions"] == results["dimensions"]
    bad = runner.invoke(cli_app(), ["dilemmas", "--resume", str(out), "--limit", "3"])
    assert bad.exit_code == 2 and "--resume takes no other option" in bad.output
