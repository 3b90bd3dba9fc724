"""A run's verdict comes first, and a run with nothing to read fails.

The position check on known numbers; `Verdict.of`; the verdict first in the CLI, in
results.json, in the report and the viewer's list; an all-invalid run that exits 4 and is
`failed` in `runs`; `--strict`. End to end on `sim` (answers known) and on the embedded
model's gallery run, which reads *not interpretable*.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers.gallery import output_of
from helpers.scripted import ScriptedModel
from valuescope.cli import app
from valuescope.engine import run
from valuescope.instruments.likert import LikertInstrument, MeasureConfig
from valuescope.instruments.likert.respondent_summary import weak_items
from valuescope.instruments.likert.verdict import order_level
from valuescope.models import Message
from valuescope.report import render_report
from valuescope.runs import list_runs
from valuescope.stats import cronbach_alpha, item_analysis, position_check
from valuescope.verdict import Reason, Verdict
from valuescope.view._index import RunIndex

RUNNER = CliRunner()
ITEMS = "id,text,dimension,polarity\nx1,I like turtles a lot.,openness,1\n" \
        "x2,I dislike turtles.,openness,-1\nx3,Turtles are my passion.,openness,1\n"  # fmt: skip
SCALE = 'points: 5\nstem: "Agree?"\nanchors: [never, rarely, sometimes, often, always]\n'


def test_position_check_tells_content_from_position() -> None:
    content = [1.0, 2.0, 3.0, 4.0, 5.0, 2.5]
    same = position_check(content, content)
    assert same.share.value == pytest.approx(0.0) and same.order_r.value == pytest.approx(1.0)
    # pulled to the first-listed option: low under one order, high under the other, and the
    # items' small differences reverse
    first = [2.0 + 0.1 * i for i in range(6)]
    second = [5.0 - 0.1 * i for i in range(6)]
    pulled = position_check(first, second)
    assert pulled.share.value is not None and pulled.share.value > 0.9
    assert pulled.order_r.value == pytest.approx(-1.0)
    # the share is the order's part of the variance: half gaps of 1 against items 1 apart
    mixed = position_check([2.0, 3.0, 4.0, 5.0], [0.0, 1.0, 2.0, 3.0])
    assert mixed.position_sd == pytest.approx(1.0)
    assert mixed.share.value == pytest.approx(1.0 / (1.0 + 5.0 / 3.0))
    assert mixed.order_r_ci is not None and mixed.order_r_ci[0] <= 1.0 <= mixed.order_r_ci[1]
    few = position_check([1.0, 2.0], [1.0, 2.0])
    assert few.share.value is None and "needs >= 3 items" in (few.share.reason or "")
    flat = position_check([3.0] * 4, [3.0] * 4)
    assert flat.share.value is None and "same answer" in (flat.share.reason or "")
    with pytest.raises(ValueError, match="one value per item"):
        position_check([1.0, 2.0, 3.0], [1.0, 2.0])


def test_the_worst_reason_decides_and_comes_first() -> None:
    ok = Reason(check="items", level="interpretable", text="fine")
    care = Reason(check="invalid", level="interpret with care", text="12%")
    verdict = Verdict.of([ok, care])
    assert verdict.level == "interpret with care"
    assert [r.check for r in verdict.reasons] == ["invalid", "items"]
    assert verdict.deciding == [care]
    assert Verdict.of([]).level == "interpretable"


def test_the_order_check_reads_its_interval() -> None:
    assert order_level(0.9, (0.8, 0.95))[0] == "interpretable"
    assert order_level(0.5, (0.2, 0.7))[0] == "interpret with care"
    # unrelated orders: a positive r whose interval reaches 0 is no evidence of content
    level, what = order_level(0.2, (-0.3, 0.6))
    assert level == "not interpretable" and "does not predict" in what
    level, what = order_level(-0.9, (-0.97, -0.7))
    assert level == "not interpretable" and "reverses" in what
    assert order_level(-0.5, None)[0] == "not interpretable"


def _measure(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, ["measure", "--model", "sim", "--paraphrases", "0", *args])
    return result.exit_code, result.output


def test_a_sim_profile_with_traits_opens_interpretable(tmp_path: Path) -> None:
    code, output = _measure("--framework", "bigfive", "--out", str(tmp_path / "run"))
    assert code == 0, output
    assert output.splitlines()[1] == "verdict: interpretable", output
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["verdict"]["level"] == "interpretable" and results["failure"] is None
    checks = {r["check"]: r for r in results["verdict"]["reasons"]}
    assert checks["position"]["figures"]["share"] < 0.01
    assert checks["order"]["figures"]["r"] > 0.9
    outcome = json.loads((tmp_path / "run" / "outcome.json").read_text())
    assert outcome == {"status": "finished", "failure": None, "verdict": "interpretable"}


def test_an_all_invalid_run_exits_4_and_is_listed_as_failed(tmp_path: Path) -> None:
    design = tmp_path / "mute.yaml"
    design.write_text("option_mass: 0.1\n")  # below --min-option-mass 0.25: all invalid
    runs = tmp_path / "runs"
    code, output = _measure("--model", f"sim:{design}", "--framework", "bigfive", "--limit",
                            "5", "--out", str(runs / "mute"))  # fmt: skip
    assert code == 4, output
    assert output.splitlines()[1].startswith("failed: all 20 answers were invalid: ")
    assert "error: the run failed: all 20 answers were invalid" in output
    results = json.loads((runs / "mute" / "results.json").read_text())
    assert results["failure"].startswith("all 20 answers were invalid") and not results["verdict"]
    [listed] = list_runs(runs).runs
    assert listed.status == "failed" and listed.failure == results["failure"]
    printed = RUNNER.invoke(app, ["runs", str(runs), "--json"]).output
    assert json.loads(printed)["status"] == "failed"
    [entry] = RunIndex(runs).entries()
    assert entry.status == "failed" and entry.failure == results["failure"]
    page = render_report(runs / "mute")
    assert "Verdict: failed" in page and "all 20 answers were invalid" in page


def test_plain_sim_reads_the_users_item_file(tmp_path: Path) -> None:
    """`--model sim --items FILE`: the simulated respondent answers the user's items (it
    used to record every answer invalid: it knew only the shipped banks)."""
    (tmp_path / "turtles.csv").write_text(ITEMS)
    (tmp_path / "turtles.scale.yaml").write_text(SCALE)
    code, output = _measure("--framework", "bigfive", "--items", str(tmp_path / "turtles.csv"),
                            "--out", str(tmp_path / "run"))  # fmt: skip
    assert code == 0, output
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["overall"]["n_invalid"] == 0 and results["overall"]["n_samples"] == 12


def test_sim_keys_a_shared_statement_by_its_banks_scale(tmp_path: Path) -> None:
    """A user's bank that words an item like the shipped Big Five bank, on another scale:
    both banks' items are answered, each from its own bank (before, the shipped item was
    taken for the user's and its answer was invalid)."""
    shared = "I have a vivid imagination."
    (tmp_path / "mine.csv").write_text(
        f"id,text,dimension,polarity\nm1,{shared},openness,1\nm2,I like art.,openness,1\n"
        "m3,I avoid poetry.,openness,-1\n"
    )
    (tmp_path / "mine.scale.yaml").write_text(SCALE)
    design = tmp_path / "both.yaml"
    design.write_text(
        "frameworks: [bigfive]\nitem_files:\n  - {path: mine.csv, framework: bigfive, "
        "scale: mine.scale.yaml}\n"
    )
    code, output = _measure("--model", f"sim:{design}", "--framework", "bigfive", "--out",
                            str(tmp_path / "shipped"))  # fmt: skip
    assert code == 0, output
    results = json.loads((tmp_path / "shipped" / "results.json").read_text())
    assert results["overall"]["n_invalid"] == 0
    mine = tmp_path / "mine"
    code, output = _measure("--model", f"sim:{design}", "--framework", "bigfive", "--items",
                            str(tmp_path / "mine.csv"), "--out", str(mine))  # fmt: skip
    assert code == 0, output
    assert json.loads((mine / "results.json").read_text())["overall"]["n_invalid"] == 0


def test_strict_turns_not_interpretable_into_exit_4(tmp_path: Path) -> None:
    design = tmp_path / "noise.yaml"
    design.write_text("pure_noise: true\n")
    out = tmp_path / "noise"
    code, output = _measure("--model", f"sim:{design}", "--framework", "bigfive", "--out",
                            str(out))  # fmt: skip
    assert code == 0 and output.splitlines()[1] == "verdict: not interpretable", output
    # --strict is allowed beside --resume: it changes the exit code, not the run
    result = RUNNER.invoke(app, ["measure", "--resume", str(out), "--strict"])
    assert result.exit_code == 4, result.output
    assert "--strict: the verdict is 'not interpretable'" in result.output


@pytest.mark.slow
def test_the_embedded_model_reads_not_interpretable_for_position(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    """The gallery's `measure` on SmolLM2-135M: the verdict opens the output, the report
    and the viewer's list, and names option position and order."""
    run = gallery["measure"]
    lines = output_of(run).splitlines()
    assert "verdict: not interpretable" in lines[:3], lines[:5]
    results = json.loads((run / "results.json").read_text())
    verdict = results["verdict"]
    assert verdict["level"] == "not interpretable"
    deciding = {r["check"] for r in verdict["reasons"] if r["level"] == "not interpretable"}
    assert deciding & {"position", "order"}, verdict
    page = render_report(run)
    sections = re.findall(r'<section id="([^"]+)"', page)
    assert sections[0] == "verdict" and "Verdict: not interpretable" in page
    copy = tmp_path / "runs" / "measure"
    shutil.copytree(run, copy)
    [entry] = RunIndex(tmp_path / "runs").entries()
    assert entry.verdict == "not interpretable" and entry.status == "finished"


def test_respondents_a_model_cannot_tell_apart_are_said(tmp_path: Path) -> None:
    """A backend that ignores the persona (a scripted one here: the verdict's logic, not a
    backend) gives every respondent the same answers: the verdict says so."""

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        statement = re.findall(r'"([^"]+)"', messages[-1].content)[-1]
        probs = [0.1] * len(options)
        probs[len(statement) % len(options)] = 1.0
        return [p / sum(probs) for p in probs], 0.9

    config = MeasureConfig(model="scripted", framework="bigfive", design="quick", personas=5,
                           limit=10, paraphrases=0, use_cache=False)  # fmt: skip
    instrument = LikertInstrument(config)
    finished = asyncio.run(run(instrument, tmp_path / "run", model=ScriptedModel(script)))
    verdict = finished.results.verdict
    assert verdict is not None
    [alike] = [r for r in verdict.reasons if r.check == "respondents"]
    assert alike.level == "interpret with care" and "answered alike" in alike.text


def test_plain_sim_tells_a_users_personas_apart(tmp_path: Path) -> None:
    personas = tmp_path / "personas.txt"
    personas.write_text("A retired sailor.\nA young programmer.\nA cheerful nurse.\n"
                        "A strict judge.\nA teenage skateboarder.\n")  # fmt: skip
    code, output = _measure("--framework", "bigfive", "--personas", str(personas), "--limit",
                            "15", "--out", str(tmp_path / "run"))  # fmt: skip
    assert code == 0, output
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    sds = [d["sd"] for d in results["respondents"]["dimensions"].values()]
    assert min(sds) > 0.1, sds
    assert "answered alike" not in output


def test_item_analysis_finds_the_item_that_does_not_belong() -> None:
    rng = np.random.default_rng(0)
    trait = rng.normal(size=40)
    good = [trait + rng.normal(scale=0.5, size=40) for _ in range(4)]
    matrix = np.column_stack([*good, -trait + rng.normal(scale=0.5, size=40)])  # mis-keyed
    stats = item_analysis(matrix, ["a", "b", "c", "d", "flipped"])
    r = {s.item_id: s.item_rest_r.value for s in stats}
    assert all((r[i] or 0) > 0.6 for i in "abcd") and (r["flipped"] or 0) < -0.5
    alpha = cronbach_alpha(matrix).value
    assert alpha is not None and (stats[-1].alpha_if_deleted.value or 0) > alpha
    assert weak_items(stats, alpha) == ["flipped"]
    few = item_analysis(matrix[:2], ["a", "b", "c", "d", "flipped"])
    assert few[0].item_rest_r.value is None and "3 respondents" in (few[0].item_rest_r.reason or "")


def test_a_mis_keyed_item_is_named_weak(tmp_path: Path) -> None:
    """sim answers its own item file; the user's copy keys one item the wrong way round:
    over respondents that item goes against its scale and is named."""
    rows = ["id,text,dimension,polarity"] + [
        f"o{k},Statement number {k} about being open.,openness,{-1 if k == 4 else 1}"
        for k in range(1, 7)
    ]
    (tmp_path / "truth.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "truth.scale.yaml").write_text(SCALE)
    flipped = [r.replace("openness,-1", "openness,1") if r.startswith("o4,") else r for r in rows]
    (tmp_path / "scored.csv").write_text("\n".join(flipped) + "\n")
    (tmp_path / "scored.scale.yaml").write_text(SCALE)
    design = tmp_path / "design.yaml"
    design.write_text("frameworks: [bigfive]\nitem_files:\n  - {path: truth.csv, framework: "
                      "bigfive, scale: truth.scale.yaml}\nitem_residual_sd: 0.3\n")  # fmt: skip
    code, output = _measure("--model", f"sim:{design}", "--framework", "bigfive", "--items",
                            str(tmp_path / "scored.csv"), "--design", "quick", "--out",
                            str(tmp_path / "run"))  # fmt: skip
    assert code == 0, output
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    openness = results["respondents"]["dimensions"]["openness"]
    assert openness["weak_items"] == ["o4"], openness["items"]
    assert "weak items (corrected item-rest r < 0.3" in output and "openness: o4" in output
    page = render_report(tmp_path / "run")
    assert "alpha if deleted (1 weak)" in page and "<details open>" in page
