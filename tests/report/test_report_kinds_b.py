"""The report pages of steer, steer-eval, safety, generate, compare and validity runs,
rendered from real run folders (the gallery) and checked for the figures that matter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from markupsafe import escape

from valuescope.report import render_report
from valuescope.report._folder import RunFolder
from valuescope.report._kinds.compare import compare_sections_from_runs
from valuescope.report._page import static_links

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def _copy(gallery: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    target = tmp_path / kind
    shutil.copytree(gallery[kind], target, ignore=shutil.ignore_patterns("report.html"))
    return target


def _edit(path: Path, change: object) -> None:
    data = json.loads(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))


def _assert_escaped(html: str) -> None:
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_steer_page(gallery: dict[str, Path]) -> None:
    folder = gallery["steer"]
    steer = json.loads((folder / "steer.json").read_text())
    html = render_report(folder)
    bare = steer["evaluation"]["conditions"][0]
    mc = bare["mean_conformity"]
    assert f"{mc['value']:.2f} [{mc['ci_low']:.2f}, {mc['ci_high']:.2f}]" in html
    assert 'aria-label="expression per target value"' in html
    assert "Finding: " in html and "No method moved" in html
    lines = (folder / "methods" / "opro" / "candidates.jsonl").read_text().splitlines()
    assert f"opro ({len(lines)} candidates)" in html  # every candidate has its row
    for line in lines:
        candidate = json.loads(line)  # a candidate none of whose answers scored has no score
        assert candidate["score"] is None or f"{candidate['score']:.3f}" in html
    assert html.count(">chosen<") == 2  # one winner per method (prompt, opro)
    winner = json.loads((folder / "methods" / "opro" / "artifact.json").read_text())
    assert str(escape(winner["instruction"])) in html  # the winning artifact, in full
    assert (
        "Trait transfer" in html and f"{steer['transfer'][0]['questionnaire']['bare']:.2f}" in html
    )
    assert 'href="export/sft.jsonl"' in html
    assert 'href="evaluation/report.html"' in html


def test_steer_levels_and_escaping(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = _copy(gallery, "steer", tmp_path)
    levels = {"design": "single", "dimensions": {"tradition": {"rho": 0.875, "p": 0.002, "n": 9},
              "benevolence": {"rho": None, "reason": "no valid answer", "n": 0}}}  # fmt: skip
    (folder / "methods" / "levels").mkdir()
    (folder / "methods" / "levels" / "levels-single.json").write_text(json.dumps(levels))
    lines = (folder / "methods" / "opro" / "candidates.jsonl").read_text().splitlines()
    first = json.loads(lines[1])
    first["text"] = SCRIPT + IMG
    lines[1] = json.dumps(first)
    (folder / "methods" / "opro" / "candidates.jsonl").write_text("\n".join(lines) + "\n")
    _edit(folder / "steer.json", lambda d: d["evaluation"].update(finding=SCRIPT + IMG))
    _edit(folder / "methods" / "opro" / "artifact.json", lambda d: d.update(instruction=IMG))
    html = render_report(folder)
    assert "Levels calibration" in html and "0.88" in html and 'title="no valid answer"' in html
    _assert_escaped(html)


def test_steer_eval_page(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = gallery["steer"] / "evaluation"
    results = json.loads((folder / "results.json").read_text())
    html = render_report(folder)
    comparison = results["comparisons"][0]
    # one sign convention: a pair with the bare model is method minus bare
    assert comparison["b"] == "bare" and comparison["a"] != "bare"
    assert f"{comparison['a']} − {comparison['b']}" in html
    assert f"{comparison['p_holm']:.3f}" in html
    copy = tmp_path / "evaluation"
    shutil.copytree(folder, copy)
    _edit(copy / "results.json", lambda d: d["conditions"][0].update(condition=SCRIPT + IMG))
    _assert_escaped(render_report(copy))


def test_safety_page(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = gallery["safety"]
    results = json.loads((folder / "results.json").read_text())
    html = render_report(folder)
    overall = results["rates"]["bare"]["overall"]
    rate = overall["rate"]
    assert (f"{rate['value']:.2f} [{rate['ci_low']:.2f}, {rate['ci_high']:.2f}] "
            f"({overall['n_harmful']}/{overall['n']})") in html  # fmt: skip
    assert 'aria-label="harm rate per category"' in html
    assert "Exact McNemar" in html and "Mitigation" in html
    assert results["conclusions"][0] in html
    copy = _copy(gallery, "safety", tmp_path)

    def poison(d: dict) -> None:  # type: ignore[type-arg]
        d["conclusions"] = [SCRIPT, IMG]
        d["target"] = {"self_direction": 6.0}

    _edit(copy / "results.json", poison)
    html = render_report(copy)
    _assert_escaped(html)
    assert "(target 6.00)" in html


def test_generate_page(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = gallery["generate"]
    bank = [json.loads(x) for x in (folder / "bank.jsonl").read_text().splitlines()]
    html = render_report(folder)
    for q in bank:
        assert q["question"] in html and q["id"] in html
        scores = f'<td class="num">{q["informativeness"]:.4f}</td><td class="num">'
        assert scores + f"{q['elicitation']:.3f}</td>" in html
    assert "Bandit arms" in html and "eating animals kept as pets elsewhere" in html
    # which questions the model repeats varies between machines: the drop table is shown
    # from a results file that has one
    copy = _copy(gallery, "generate", tmp_path)
    why = "word bigrams 1.00 >= 0.5"
    drop = {"question": "Is it right?", "repeats": "Is it right ?", "why": why}

    def dropped(d: dict) -> None:  # type: ignore[type-arg]
        d["dropped_duplicates"] = [drop]

    _edit(copy / "generate.json", dropped)
    html = render_report(copy)
    assert "Dropped near-duplicates (1)" in html and "word bigrams 1.00 &gt;= 0.5" in html
    bank[0]["question"] = SCRIPT + IMG
    (copy / "bank.jsonl").write_text("".join(json.dumps(q) + "\n" for q in bank))
    _assert_escaped(render_report(copy))


def test_compare_page(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = gallery["compare"]
    results = json.loads((folder / "compare.json").read_text())
    html = render_report(folder)
    assert html.count('class="chart radar"') == 1
    for label in results["profiles"]:
        assert label in html
    assert results["nothing_tested"] in html
    cell = results["profiles"][next(iter(results["profiles"]))]["openness"]
    # its runs ask 2 items per dimension: scores without a CI (a t-interval needs 3 items)
    shown = f'<td>openness</td><td class="num">{cell["score"]:.2f}</td>'
    assert cell["ci"] == [None, None] and shown in html
    copy = _copy(gallery, "compare", tmp_path)

    def with_ci(d: dict) -> None:  # type: ignore[type-arg]
        next(iter(d["profiles"].values()))["openness"].update(ci=[2.5, 3.75])

    _edit(copy / "compare.json", with_ci)
    assert f"{cell['score']:.2f} [2.50, 3.75]" in render_report(copy)
    _edit(copy / "compare.json", lambda d: d.update(nothing_tested=SCRIPT + IMG))
    _assert_escaped(render_report(copy))


def test_compare_sections_from_runs(gallery: dict[str, Path], tmp_path: Path) -> None:
    runs = [RunFolder.open(p) for p in sorted(gallery["compare"].glob("measure-*"))]
    links = static_links(gallery["compare"])
    body = "".join(str(s.body) for s in compare_sections_from_runs(runs, links))
    assert "chart radar" in body and "nothing was tested" in body
    other = _copy(gallery, "measure", tmp_path)
    _edit(other / "results.json", lambda d: d.update(framework="schwartz10"))
    sections = compare_sections_from_runs([*runs, RunFolder.open(other)], links)
    assert sections[0].id == "frameworks"
    assert "tests need runs of one framework" in str(sections[0].body)
    assert sum("chart radar" in str(s.body) for s in sections) == 2
    assert len({s.id for s in sections}) == len(sections)


def test_validity_page(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = gallery["validity"]
    results = json.loads((folder / "validity.json").read_text())
    html = render_report(folder)
    assert 'aria-label="MTMM correlations"' in html
    assert html.count('class="framed"') == 2 * len(results["mtmm"]["convergent"])
    assert "A:openness" in html and "B:neuroticism" in html
    assert "r &gt;= 0.60" in html and "&gt;= 0.40" in html
    copy = _copy(gallery, "validity", tmp_path)

    def poison(d: dict) -> None:  # type: ignore[type-arg]
        d["mtmm"]["convergent"][0]["r"] = {"value": 0.7, "ci_low": 0.5, "ci_high": 0.85}
        d["mtmm"]["reasons"] = {SCRIPT: IMG}

    _edit(copy / "validity.json", poison)
    html = render_report(copy)
    assert "0.70 [0.50, 0.85]" in html and ">pass<" in html
    _assert_escaped(html)
