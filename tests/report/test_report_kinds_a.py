"""The report pages of probes (with agreement), csi, csi-validity, dilemmas and classify
runs, rendered from the gallery's real runs (copied, so each test can edit its copy)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from valuescope.report import render_report
from valuescope.report._kinds.classify import roc_curve
from valuescope.report._kinds.csi_validity import fisher_ci
from valuescope.report._svg import PALETTE

pytestmark = pytest.mark.slow

XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
BROKEN = "This part could not be drawn"


def copy(gallery: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    target = tmp_path / kind
    shutil.copytree(gallery[kind], target, ignore=shutil.ignore_patterns("report.html"))
    return target


def results(folder: Path, name: str = "results.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / name).read_text("utf-8"))
    return data


def save(folder: Path, data: dict[str, Any], name: str = "results.json") -> None:
    (folder / name).write_text(json.dumps(data), "utf-8")


def section(html: str, anchor: str) -> str:
    """The text of the page's section with that id (up to the next section)."""
    start = html.index(f'<section id="{anchor}"')
    end = html.find("<section ", start + 1)
    return html[start : end if end > 0 else len(html)]


def assert_escaped(html: str) -> None:
    for payload in XSS:
        assert payload not in html
        assert str(escape(payload)) in html


# --- probes --------------------------------------------------------------------------------


def test_probes_profile_personas_and_judge(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "probes", tmp_path)
    data = results(folder)
    html = render_report(folder)
    assert BROKEN not in html
    profile = section(html, "profile")
    assert 'aria-label="probes profile on mft6"' in profile
    care = data["dimensions"]["care"]
    score = care["score"]
    # the gallery asks 2 questions: a score, no CI (a t-interval needs 3), the reason its title
    why = "needs >= 3 scored questions, has 2"
    assert score["ci_low"] is None and score["reason"] == why
    assert (f'<span title="{escape(why)}">{score["value"]:.2f} <span class="muted">(no CI)'
            in profile)  # fmt: skip
    assert f"{care['on_target']:.2f}" in profile
    score.update(ci_low=0.31, ci_high=0.77)  # a run of more questions has one
    save(folder, data)
    html = render_report(folder)
    profile = section(html, "profile")
    assert f"{score['value']:.2f} [0.31, 0.77]" in profile
    # care is the top spoke: its CI whisker runs from cy - radius * low to cy - radius * high
    cx, cy, radius = 280.0, 213.0, 165.0  # _svg.radar's layout
    low, high = cy - radius * score["ci_low"], cy - radius * score["ci_high"]
    whisker = f'y1="{low:.1f}" x2="{cx:.1f}" y2="{high:.1f}"'
    assert whisker in profile
    personas = section(html, "personas")
    assert 'aria-label="P(expressed) per persona"' in personas
    for persona in data["respondents"]:
        assert persona in personas
    judge = section(html, "judge")
    assert "all@once" in judge and f"logprobs: {data['n_answers']}" in judge


def test_probes_says_vs_does(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "probes", tmp_path)
    agreement = results(folder, "agreement.json")
    says = section(render_report(folder), "agreement")
    assert f"{agreement['spearman']['value']:.2f}" in says
    # the gallery's runs share 6 personas: r over personas per dimension, charted
    assert all(d["r_over_personas"] for d in agreement["dimensions"].values())
    assert 'aria-label="r over personas per dimension"' in says
    agreement["dimensions"]["care"]["r_over_personas"] = {
        "value": 0.61, "ci_low": 0.12, "ci_high": 0.86}  # fmt: skip
    agreement["dimensions"]["care"]["n_personas"] = 9
    save(folder, agreement, "agreement.json")
    assert "0.61 [0.12, 0.86]" in section(render_report(folder), "agreement")
    # too few personas in common: a note, and no r at all, so no empty chart
    note = "3 personas in both runs (needs >= 5): run both with the same <--personas>"
    agreement["notes"] = [note]
    for dimension in agreement["dimensions"].values():
        dimension["r_over_personas"], dimension["n_personas"] = None, 0
    save(folder, agreement, "agreement.json")
    says = section(render_report(folder), "agreement")
    assert escape(note) in says and "<--personas>" not in says
    assert "r over personas per dimension" not in says
    (folder / "agreement.json").unlink()
    assert 'id="agreement"' not in render_report(folder)


def test_probes_escapes_and_survives_missing_fields(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(gallery, "probes", tmp_path)
    data = results(folder)
    data["invalid_reasons"] = {XSS[0]: 1, XSS[1]: 2}
    data["respondents"] = {XSS[0]: {"care": 0.5}}
    save(folder, data)
    agreement = results(folder, "agreement.json")
    agreement["notes"] = list(XSS)
    save(folder, agreement, "agreement.json")
    assert_escaped(render_report(folder))
    save(folder, {"dimensions": {"care": {}, "loyalty": {"score": None}}, "respondents": []})
    save(folder, {"dimensions": {"care": None}}, "agreement.json")
    html = render_report(folder)
    assert BROKEN not in html and 'id="agreement"' in html


# --- csi -----------------------------------------------------------------------------------


def test_csi_shares_passes_and_words(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "csi", tmp_path)
    data = results(folder)
    html = render_report(folder)
    assert BROKEN not in html
    inventory = section(html, "inventory")
    assert 'aria-label="CSI shares"' in inventory
    assert f"{data['optimism']:.2f}" in inventory
    assert f"{data['n_optimistic_words']} optimistic" in inventory
    passes = section(html, "passes")
    assert 'aria-label="label shares by pass"' in passes and "pass0" in passes
    words = section(html, "words")
    listed = [w for w in (folder / "words.txt").read_text("utf-8").splitlines() if w.strip()]
    assert f"<th>words in words.txt</th><td>{len(listed)}</td>" in words
    (folder / "words.txt").write_text("\n".join(listed[:5]) + "\n\n", "utf-8")
    assert "<th>words in words.txt</th><td>5</td>" in render_report(folder)
    assert data["words_source"] in words
    assert f"positive in every pass ({data['n_optimistic_words']})" in words
    (folder / "words.txt").unlink()
    assert "no words file" in section(render_report(folder), "words")


def test_csi_escapes_and_survives_missing_fields(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "csi", tmp_path)
    data = results(folder)
    data["words_source"] = XSS[0]
    data["label_shares_by_pass"] = {XSS[1]: {"positive": 1.0}}
    save(folder, data)
    assert_escaped(render_report(folder))
    save(folder, {"optimism": None, "reasons": {"optimism": "no word"}, "passes": "x"})
    html = render_report(folder)
    assert BROKEN not in html and 'title="no word"' in html


# --- csi-validity --------------------------------------------------------------------------


def test_csi_validity_plot_and_correlations(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "csi-validity", tmp_path)
    data = results(folder)
    html = render_report(folder)
    assert BROKEN not in html
    validity = section(html, "validity")
    assert 'aria-label="negative-word share against tragedy rating"' in validity
    per_story = data["per_story"]
    assert f"{per_story['r']:.2f}" in validity and f"{per_story['p']:.3f}" in validity
    ci = fisher_ci(per_story["r"], per_story["n"])
    assert ci is not None and f"[{ci[0]:.2f}, {ci[1]:.2f}]" in validity
    # stories are dots of the second series, one per valid rated story
    stories = [json.loads(line) for line in (folder / "samples.jsonl").open()]
    rated = sum(1 for s in stories if s["valid"] and s["rating"] is not None)
    assert validity.count(f'fill="{PALETTE[1]}" fill-opacity="0.7"') == rated
    assert "<polyline" in validity  # the k-group means line
    for key, value in data["mean_rating_by_k"].items():
        assert key in validity and (value is None or f"{value:.2f}" in validity)
    pools = section(html, "pools")
    assert data["negative_source"] in pools


def test_fisher_ci_is_the_stats_one() -> None:
    from valuescope.stats import fisher_ci as stats_fisher_ci

    for r, n in ((0.5, 28), (-0.3, 6), (0.97, 6), (1.0, 10)):
        assert fisher_ci(r, n) == pytest.approx(stats_fisher_ci(r, n))
    assert fisher_ci(0.5, 3) is None and fisher_ci(None, 10) is None


def test_csi_validity_escapes_and_survives_missing_fields(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(gallery, "csi-validity", tmp_path)
    data = results(folder)
    data["judge"] = XSS[0]
    data["per_story"]["reason"] = XSS[1]
    save(folder, data)
    assert_escaped(render_report(folder))
    save(folder, {"per_story": {"r": None, "reason": "2 points"}, "mean_rating_by_k": {"k=x": 1}})
    html = render_report(folder)
    assert BROKEN not in html and 'title="2 points"' in html


# --- dilemmas ------------------------------------------------------------------------------


def test_dilemmas_profile_biases_and_table(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "dilemmas", tmp_path)
    data = results(folder)
    html = render_report(folder)
    assert BROKEN not in html
    profile = section(html, "profile")
    assert 'aria-label="choice share per framework"' in profile
    assert 'aria-label="acceptability rating per framework"' in profile
    care = data["dimensions"]["care"]
    # the gallery asks 2 dilemmas: no CI (a t-interval needs 3), and the reasons say so
    assert care["preference_ci"] == care["rating_ci"] == [None, None]
    assert care["reasons"]["preference_ci"] == "needs >= 3 scored dilemmas, has 2"
    care.update(preference_ci=[0.12, 0.31], rating_ci=[2.25, 3.75])  # as with more dilemmas
    save(folder, data)
    profile = section(render_report(folder), "profile")
    assert f"{care['preference']:.3f} [0.120, 0.310]" in profile
    assert f"{care['rating']:.2f} [2.25, 3.75]" in profile
    biases = section(html, "biases")
    assert f"{data['overall']['primacy']:.2f}" in biases
    assert f"{care['position_bias']:.2f}" in biases
    assert 'aria-label="choice probability per label"' in biases
    table = section(html, "dilemmas")
    for dilemma in data["dilemmas"].values():
        assert escape(dilemma["title"]) in table
        top = dilemma["dimensions"][dilemma["ranking"][0]]
        assert f"<td>{top}</td>" in table


def test_dilemmas_escapes_and_survives_missing_fields(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(gallery, "dilemmas", tmp_path)
    data = results(folder)
    first = next(iter(data["dilemmas"].values()))
    first["title"] = XSS[0]
    data["choice_orders"] = XSS[1]
    save(folder, data)
    assert_escaped(render_report(folder))
    save(folder, {"dimensions": {"care": {"preference_ci": None}}, "dilemmas": {"d": {}}})
    assert BROKEN not in render_report(folder)


# --- classify ------------------------------------------------------------------------------


def test_classify_profile_metrics_and_roc(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "classify", tmp_path)
    data = results(folder)
    html = render_report(folder)
    assert BROKEN not in html
    profile = section(html, "profile")
    assert 'aria-label="text profile"' in profile
    care = data["profile"]["care"]["mean_score"]
    assert f"{care['value']:.2f} [{care['ci_low']:.2f}, {care['ci_high']:.2f}]" in profile
    agreement = section(html, "agreement")

    def shown(stat: dict) -> str:  # type: ignore[type-arg]
        """The cell's text: value [CI], or the reason there is no CI (its tooltip)."""
        if stat["ci_low"] is None:
            return escape(stat["reason"])
        return f"{stat['value']:.2f} [{stat['ci_low']:.2f}, {stat['ci_high']:.2f}]"

    for d, m in data["metrics"].items():
        auc, f1 = m["auc"], m["f1"]
        assert shown(auc) in agreement and shown(f1) in agreement
        # each curve is drawn and its area (in the legend) is the AUC of results.json
        assert f"{d} (AUC {auc['value']:.2f})" in agreement
    assert 'aria-label="ROC curves"' in agreement
    assert agreement.count("<polyline") == len(data["metrics"])
    macro = data["macro"]
    assert shown(macro["auc"]) in agreement and shown(macro["f1"]) in agreement


def test_roc_curve_area_is_the_rank_auc() -> None:
    gold = [1, 0, 1, 0, 0, 1, 0]
    scores = [0.9, 0.9, 0.4, 0.3, 0.8, 0.4, 0.1]  # ties across classes count half
    fpr, tpr = roc_curve(gold, scores)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    area = sum((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2 for i in range(1, len(fpr)))
    pairs = [(p, n) for p, g in zip(scores, gold, strict=True) if g
             for n, h in zip(scores, gold, strict=True) if not h]  # fmt: skip
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert area == pytest.approx(expected)
    assert roc_curve([1, 1], [0.2, 0.3]) == ([], [])


def test_classify_without_gold_source(gallery: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(gallery, "classify", tmp_path)
    manifest = results(folder, "manifest.json")
    manifest["config"]["source"] = "hf:someone/texts"
    save(folder, manifest, "manifest.json")
    agreement = section(render_report(folder), "agreement")
    assert "which a report does not download" in agreement
    assert "<polyline" not in agreement and "ROC-AUC per dimension" in agreement
    manifest["config"]["source"] = str(tmp_path / "gone.csv")
    save(folder, manifest, "manifest.json")
    assert "could not be read" in section(render_report(folder), "agreement")


def test_classify_escapes_and_survives_missing_fields(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    folder = copy(gallery, "classify", tmp_path)
    data = results(folder)
    data["invalid_reasons"] = {XSS[0]: 1}
    data["source"] = XSS[1]
    save(folder, data)
    assert_escaped(render_report(folder))
    save(folder, {"profile": {"care": None}, "metrics": {"care": {"auc": None}}, "macro": None})
    html = render_report(folder)
    assert BROKEN not in html and 'id="agreement"' in html
