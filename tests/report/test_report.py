"""The report's building blocks (escaping, CSP, charts, paging) and the reports of real runs
of every kind (`gallery`): what each page must show, and that model output stays text."""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.paths import SRC
from valuescope.cli import app
from valuescope.report import REPORT, ReportError, render_report, save_report, write_report
from valuescope.report._folder import RunFolder, sample_page
from valuescope.report._html import el, page, table
from valuescope.report._svg import Bar, RadarLine, bars, heatmap, radar

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RUNNER = CliRunner()


# --- escaping and the page ---------------------------------------------------------------------


def test_el_escapes_text_and_attributes_and_passes_markup() -> None:
    built = el("p", SCRIPT, el("b", "bold"), title=IMG)
    assert "<script>" not in built and "&lt;script&gt;alert(1)&lt;/script&gt;" in built
    assert 'title="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in built
    assert "<b>bold</b>" in built
    assert "<img" not in table(["h"], [[IMG]])


def test_the_page_allows_no_script_and_only_its_own_stylesheet() -> None:
    html = page("t", el("p", "x"))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    directives = html_lib.unescape(policy.group(1))
    assert "script-src 'none'" in directives and "default-src 'none'" in directives
    css = re.search(r"<style>(.*)</style>", html, re.S)
    assert css is not None
    digest = base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in directives  # the inline stylesheet is the one allowed


def test_charts_are_svg_with_escaped_labels() -> None:
    chart = radar(["a", "b", "c"], [RadarLine(SCRIPT, {"a": 1.0, "b": 3.0, "c": 5.0},
                                              {"a": (0.5, 1.5)})], 1, 5)  # fmt: skip
    assert chart.startswith("<svg") and 'role="img"' in chart and "<script>" not in chart
    assert chart.count("<polygon") == 5 + 1  # 5 grid rings and the profile
    assert 'class="ci"' in chart
    hbars = bars([Bar("x", 0.5, 0.4, 0.6), Bar("y", None)], 0, 1, reference=0.5)
    assert hbars.count("<rect") == 1 and 'stroke-dasharray="4,3"' in hbars
    grid = heatmap(["r1", "r2"], ["c1", "c2"], [[1.0, None], [0.2, -1.0]], framed=[(0, 0)])
    assert grid.count('class="framed"') == 1 and "–" in grid


# --- run folders and paging --------------------------------------------------------------------


def _samples(path: Path, n: int) -> None:
    with path.open("w") as handle:
        for i in range(n):
            record = {"item_id": f"i{i}", "condition": "c", "valid": i % 3 != 0,
                      "dimension": "even" if i % 2 == 0 else "odd"}  # fmt: skip
            handle.write(json.dumps(record) + "\n")


def test_sample_pages_filter_and_seek(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    _samples(path, 1000)
    first = sample_page(path, 1, 25)
    assert first.total == first.all_samples == 1000 and first.numbers[0] == 1
    last = sample_page(path, 40, 25)
    assert [r["item_id"] for r in last.records][-1] == "i999" and last.numbers[-1] == 1000
    odd_invalid = sample_page(path, 1, 1000, group="odd", valid=False)
    assert odd_invalid.total == len([i for i in range(1000) if i % 2 and i % 3 == 0])
    assert sample_page(path, 1, 25, item="i99").total == 11  # i99, i990..i999
    assert set(first.groups) == {"even", "odd"}
    with path.open("a") as handle:  # a run in flight: a torn last line is not a sample
        handle.write('{"item_id": "torn"')
    assert sample_page(path, 1, 25).all_samples == 1000


def test_a_folder_without_a_run_and_a_broken_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="holds no valuescope run"):
        RunFolder.open(tmp_path)
    (tmp_path / "manifest.json").write_text('{"command": "measure",\n "x": }')
    (tmp_path / "results.json").write_text("{}")
    with pytest.raises(ReportError, match=r"manifest.json:2: not JSON"):
        RunFolder.open(tmp_path)
    assert save_report(tmp_path) is None  # a finished command is never failed by its report
    result = RUNNER.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "manifest.json:2" in result.output


# --- real runs of every kind -------------------------------------------------------------------

EXPECTED = {
    # kind: (section ids the page must have, least number of charts)
    "measure": ({"profile", "reliability", "format", "usage", "samples"}, 2),
    "personas": ({"profile", "respondents", "format", "samples"}, 2),
    "probes": ({"samples", "usage"}, 1),
    "csi": ({"samples", "usage"}, 1),
    "csi-validity": ({"samples"}, 1),
    "dilemmas": ({"samples", "usage"}, 1),
    "classify": ({"samples", "usage"}, 2),
    "generate": ({"runs"}, 0),
    "compare": ({"runs"}, 1),
    "validity": ({"runs"}, 1),
    "steer": ({"runs"}, 1),
    "safety": ({"samples", "usage"}, 1),
    "bench": ({"accuracy", "positions", "figures", "samples"}, 1),
    "construct": ({"construction", "rounds", "kept"}, 0),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_every_kind_has_a_report_when_it_finishes(kind: str, gallery: dict[str, Path]) -> None:
    """The command wrote report.html itself; it has the kind's sections and charts and no
    error section, and it is self-contained (no external reference of any kind)."""
    html = (gallery[kind] / REPORT).read_text()
    sections, charts = EXPECTED[kind]
    ids = set(re.findall(r'<section id="([^"]+)"', html))
    assert sections <= ids, f"{kind}: missing {sections - ids}"
    assert "error" not in ids, html[html.find('id="error"') :][:400]
    assert html.count('role="img"') >= charts
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched
    assert "<script" not in html
    # no Python repr reaches the page (a missing figure is a dash): what the package wrote,
    # the model's own answers in the drill-down aside
    ours = re.sub(
        r'<section id="samples".*?</section>', "", render_report(gallery[kind]), flags=re.S
    )
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", ours))
    assert not re.search(r"\bNone\b|\{'|\bnan\b", text), re.findall(r".{60}\bNone\b.{20}", text)


def _profile_row(html: str, dimension: str) -> str:
    """The profile table's row of one dimension."""
    profile = html[html.index('<section id="profile"') : html.index('<section id="reliability"')]
    row = re.search(rf"<tr><td>{dimension}</td>.*?</tr>", profile, re.S)
    assert row is not None, dimension
    return row.group(0)


@pytest.mark.slow
def test_the_questionnaire_report_shows_its_numbers(
    gallery: dict[str, Path], tmp_path: Path
) -> None:
    """The gallery's `measure` asks 2 items per dimension (`--limit 10` over 5): each score
    is shown without a CI, said so, the reason as its title, with its item count. A results
    file with a CI and without `n_items_scored` (written before it was recorded) shows the
    interval and the items asked."""
    results = json.loads((gallery["measure"] / "results.json").read_text())
    html = render_report(gallery["measure"])
    for dimension, figures in results["dimensions"].items():
        assert figures["ci"] == [None, None] and figures["n_items_scored"] == 2, dimension
        row = _profile_row(html, dimension)
        reason = html_lib.escape(figures["reasons"]["ci"], quote=True)
        assert f'{figures["score"]:.2f}</span> <span title="{reason}" class="muted">(no CI)' in row
        assert '<td class="num">2</td>' in row
    old = tmp_path / "old"
    shutil.copytree(gallery["measure"], old, ignore=shutil.ignore_patterns("report.html"))
    data = json.loads((old / "results.json").read_text())
    for i, figures in enumerate(data["dimensions"].values()):
        figures["ci"] = [2.5 + 0.01 * i, 3.5 + 0.01 * i]
        del figures["n_items_scored"]
        figures["reasons"].pop("ci")
    data["dimensions"]["openness"]["n_items"] = 4
    (old / "results.json").write_text(json.dumps(data))
    html = render_report(old)
    for i, (dimension, figures) in enumerate(data["dimensions"].items()):
        row = _profile_row(html, dimension)
        assert f"{figures['score']:.2f} [{2.5 + 0.01 * i:.2f}, {3.5 + 0.01 * i:.2f}]" in row
        assert "no CI" not in row and f'<td class="num">{figures["n_items"]}</td>' in row
    scored = data["dimensions"]["openness"]
    scored["n_items_scored"] = 3
    (old / "results.json").write_text(json.dumps(data))
    assert '<td class="num">3 of 4</td>' in _profile_row(render_report(old), "openness")
    n_samples = sum(1 for _ in (gallery["measure"] / "samples.jsonl").open())
    assert html.count('class="sample"') == min(n_samples, 300)
    first = json.loads((gallery["measure"] / "samples.jsonl").open().readline())
    assert f"{max(first['probs']):.3f}" in html  # the options' probabilities, as bars


def _poison(folder: Path) -> None:
    """Put the payloads in the manifest, the results' warnings and every sample's text."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model"] = SCRIPT
    (folder / "manifest.json").write_text(json.dumps(manifest))
    results_path = folder / "results.json"
    results = json.loads(results_path.read_text())
    results["warnings"] = [SCRIPT, IMG]
    results_path.write_text(json.dumps(results))
    lines = []
    for line in (folder / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        record["item_id"] = IMG
        for name in ("prompt", "answer", "response", "story"):
            if name in record:
                record[name] = f"{SCRIPT} {IMG}"
        lines.append(json.dumps(record))
    (folder / "samples.jsonl").write_text("\n".join(lines) + "\n")
    later = (folder / "samples.jsonl").stat().st_mtime + 1  # still a finished run
    os.utime(folder / "results.json", (later, later))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["measure", "probes", "safety"])
def test_payloads_in_items_and_answers_stay_text(kind: str, gallery: dict[str, Path],
                                                 tmp_path: Path) -> None:  # fmt: skip
    folder = tmp_path / kind
    shutil.copytree(gallery[kind], folder)
    _poison(folder)
    html = write_report(folder).read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_markup_is_only_what_the_package_builds() -> None:
    """A renderer that wrapped data in Markup would defeat escaping: only `_html.py` (the
    builder itself and the page's own stylesheet) makes Markup from a string."""
    root = SRC / "valuescope"
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in [*root.glob("report/**/*.py"), *root.glob("view/**/*.py")]
        if path.name != "_html.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "Markup(" in line
    ]
    assert offenders == []


@pytest.mark.slow
def test_reports_redrawn_by_the_api_and_the_cli(gallery: dict[str, Path], tmp_path: Path) -> None:
    import valuescope as vs

    folder = tmp_path / "csi"
    shutil.copytree(gallery["csi"], folder)
    (folder / REPORT).unlink()
    assert vs.write_report(folder) == folder / REPORT and (folder / REPORT).is_file()
    root = tmp_path / "runs"
    shutil.copytree(gallery["compare"], root / "cmp")
    for report in root.rglob(REPORT):
        report.unlink()
    result = RUNNER.invoke(app, ["report", "--all", str(root)])
    assert result.exit_code == 0, result.output
    assert len(list(root.rglob(REPORT))) == 3  # the comparison and its two measure runs
    linked = (root / "cmp" / REPORT).read_text()
    assert 'href="measure-1-llamacpp-default/report.html"' in linked


@pytest.mark.slow
def test_the_fast_sample_index_reads_what_json_reads(gallery: dict[str, Path]) -> None:
    """The index reads item id, group and validity with regular expressions; on every
    sample of every kind it must agree with parsing the line, escapes included."""
    from valuescope.report._folder import _fields, _group

    lines = [line for path in sorted(Path(gallery["measure"]).parent.rglob("samples.jsonl"))
             for line in path.read_bytes().splitlines(keepends=True)]  # fmt: skip
    lines.append(b'{"item_id":"a\\"b\\\\","condition":"x","valid":false,"task":"t"}\n')
    lines.append(b'{"item_id": "spaced", "condition": "c", "valid": true}\n')
    assert len(lines) > 500
    for line in lines:
        record = json.loads(line)
        expected = (record["item_id"], _group(record), record["valid"])
        assert _fields(line) == expected, line[:200]
