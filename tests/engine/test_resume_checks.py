"""Resume refuses to mix answers that are not comparable: another model, another valuescope
version, an edited instrument. Each refusal is one line naming what changed, exit 2, and
adds nothing to the run.

The runs are real (the embedded model); a "killed" run is a finished one with its last
samples cut off, which is what resume sees after a kill.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.runs import MANIFEST, SAMPLES

RUNNER = CliRunner()
pytestmark = pytest.mark.slow


def _items(path: Path, first_item: str) -> Path:
    path.write_text(
        "id,text,dimension,polarity\n"
        f"a1,{first_item},power,1\n"
        "a2,Helping friends comes first for me.,benevolence,1\n"
    )
    return path


def _killed_run(tmp_path: Path) -> tuple[Path, Path, int]:
    """A 2-item run on a CSV instrument, with its last 3 samples cut off."""
    items = _items(tmp_path / "items.csv", "I like to be in charge of others.")
    scale = tmp_path / "scale.yaml"
    scale.write_text(
        "points: 5\nstem: How much do you agree with the statement?\n"
        "anchors: [Disagree strongly, Disagree, Neutral, Agree, Agree strongly]\n"
    )
    out = tmp_path / "run"
    args = ["measure", "--items", str(items), "--scale", str(scale), "--out", str(out)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = (out / SAMPLES).read_text().splitlines(keepends=True)
    (out / SAMPLES).write_text("".join(lines[:-3]))
    return out, items, len(lines) - 3


def _resume(out: Path) -> tuple[int, str]:
    result = RUNNER.invoke(app, ["measure", "--resume", str(out)])
    return result.exit_code, " ".join(result.output.split())


def _edit_manifest(out: Path, **changes: object) -> None:
    manifest = json.loads((out / MANIFEST).read_text())
    for key, value in changes.items():
        if key == "valuescope_version":
            manifest["versions"]["valuescope"] = value
        else:
            manifest[key] = value
    (out / MANIFEST).write_text(json.dumps(manifest))


def _sample_count(out: Path) -> int:
    return len((out / SAMPLES).read_text().splitlines())


def test_an_untouched_run_resumes(tmp_path: Path) -> None:
    out, _, kept = _killed_run(tmp_path)
    code, output = _resume(out)
    assert code == 0, output
    assert _sample_count(out) == kept + 3


def test_an_edited_item_is_refused(tmp_path: Path) -> None:
    out, items, kept = _killed_run(tmp_path)
    _items(items, "I like to lead others.")
    code, output = _resume(out)
    assert code == 2, output
    assert "the instrument changed since this run started (items edited)" in output
    assert "Traceback" not in output
    assert _sample_count(out) == kept


def test_another_model_is_refused(tmp_path: Path) -> None:
    out, _, kept = _killed_run(tmp_path)
    _edit_manifest(out, model_identity="llamacpp|another-model.gguf|sha256:0")
    code, output = _resume(out)
    assert code == 2, output
    assert "the model changed since this run started" in output
    assert "another-model.gguf" in output
    assert _sample_count(out) == kept


def test_another_valuescope_version_is_refused(tmp_path: Path) -> None:
    out, _, kept = _killed_run(tmp_path)
    _edit_manifest(out, valuescope_version="0.0.1")
    code, output = _resume(out)
    assert code == 2, output
    assert "started by valuescope 0.0.1" in output
    assert _sample_count(out) == kept


def test_the_manifest_records_instrument_command_line_and_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["valuescope", "measure", "--limit", "1"])
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["measure", "--limit", "1", "--paraphrases", "0"])
    assert result.exit_code == 0, result.output
    (directory,) = (tmp_path / "runs").iterdir()
    assert "-measure-schwartz10-llamacpp" in directory.name
    manifest = json.loads((directory / MANIFEST).read_text())
    assert manifest["instrument"] == "schwartz10"
    assert manifest["command_line"] == "valuescope measure --limit 1"
    assert set(manifest["instrument_hash"]) == {"framework", "items", "scale", "prompts"}
