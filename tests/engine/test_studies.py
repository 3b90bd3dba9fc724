"""Studies (`engine.Study`): the composite runs (steer, validity, compare, generate,
construct) have a manifest, resume in the same folder, refuse other settings by name, and
are listed by `valuescope runs` and the viewer with their runs. The cheap per-command tests
sit beside each command's own (test_validity, test_compare_runs, test_construct,
test_generate, test_steering); the end-to-end ones on the gallery's real runs are here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from helpers.gallery import cache_of
from valuescope.cli import app
from valuescope.engine import ConfigError, Study
from valuescope.runs import RunLock, RunStoreError, list_runs
from valuescope.view._index import RunIndex

RUNNER = CliRunner()


class Search(BaseModel):
    rounds: int = 1
    threshold: float = 0.5


class Settings(BaseModel):
    """A command's settings, as a study stores them."""

    model: str = "sim"
    seed: int = 0
    rounds: int = 2
    cache_dir: str | None = None
    search: Search = Search()
    mapping: dict[str, str] = {}


def _open(out: Path, settings: Settings | None = None, **options: object) -> Study:
    return Study.open("demo", settings or Settings(), out, model="sim", **options)  # type: ignore[arg-type]


def _child(study: Study, name: str, answers: int = 3, finished: bool = True) -> Path:
    """A single run inside the study: a manifest, `answers` samples, results."""
    folder = study.child(name)
    folder.mkdir(parents=True)
    manifest = {"command": "measure", "instrument": "bigfive", "model": "sim",
                "created_utc": "2026-12-01T10:00:00+00:00", "model_identity": "sim",
                "seed": 0, "config": {}, "versions": {}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "samples.jsonl").write_text('{"x": 1}\n' * answers)
    if finished:
        (folder / "results.json").write_text("{}")
    return folder


def test_a_study_writes_its_manifest_and_finishes_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished: list[Path] = []
    monkeypatch.setattr("valuescope.engine._study.run_finished", finished.append)
    out = tmp_path / "study"
    study = _open(out, command_line="valuescope demo --rounds 2")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "demo" and manifest["status"] == "running"
    assert manifest["children"] == [] and manifest["config"]["rounds"] == 2
    assert manifest["command_line"] == "valuescope demo --rounds 2"
    assert set(manifest["fingerprint"]) == {"model", "seed", "rounds", "search.rounds",
                                            "search.threshold", "mapping"}  # fmt: skip
    assert manifest["versions"]["valuescope"] and manifest["created_utc"]
    assert not study.resumed
    _child(study, "round-1/m1")
    # a run inside it that no `child` call named (a helper made it) is found at the end
    (out / "transfer" / "bare").mkdir(parents=True)
    (out / "transfer" / "bare" / "manifest.json").write_text("{}")
    assert finished == []
    study.finish(verdict="interpretable")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["finished_utc"]
    assert manifest["children"] == ["round-1/m1", "transfer/bare"]
    assert json.loads((out / "outcome.json").read_text())["verdict"] == "interpretable"
    assert finished == [out]


def test_a_rerun_resumes_and_other_settings_are_refused_by_name(tmp_path: Path) -> None:
    out = tmp_path / "study"
    first = _open(out)
    _child(first, "measure-1")
    first.finish()
    again = _open(out, Settings(cache_dir=str(tmp_path / "c")))  # the cache may move
    assert again.resumed and again.manifest.children == ["measure-1"]
    assert again.manifest.status == "running" and not (out / "outcome.json").exists()
    with pytest.raises(ConfigError, match=r"holds a demo run with other settings \(rounds, "
                       r"search.threshold changed since it started\): rerun with the same "
                       r"options, or choose another --out"):  # fmt: skip
        _open(out, Settings(rounds=3, search=Search(threshold=0.7)))
    with pytest.raises(ConfigError, match=r"\(mapping.a changed"):  # a key added to a mapping
        _open(out, Settings(mapping={"a": "b"}))
    with pytest.raises(RunStoreError, match="holds a 'demo' run, not a 'steer' run"):
        Study.open("steer", Settings(), out, model="sim")


def test_folders_from_before_studies_are_adopted_or_refused(tmp_path: Path) -> None:
    legacy = tmp_path / "old"
    legacy.mkdir()
    settings = Settings().model_dump(mode="json", exclude={"cache_dir"})
    (legacy / "demo-config.json").write_text(json.dumps(settings))
    with pytest.raises(ConfigError, match=r"other settings \(rounds changed"):
        _open(legacy, Settings(rounds=5), legacy="demo-config.json")
    assert not (legacy / "manifest.json").exists()
    (legacy / "evaluation").mkdir()
    (legacy / "evaluation" / "manifest.json").write_text("{}")  # a run the old folder holds
    study = _open(legacy, legacy="demo-config.json")
    assert study.resumed and (legacy / "manifest.json").is_file()
    assert json.loads((legacy / "manifest.json").read_text())["children"] == ["evaluation"]
    assert not (legacy / "demo-config.json").exists()  # the manifest holds the settings now
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(RunStoreError, match=r"holds files but no manifest.json.*another --out"):
        _open(other, legacy="demo-config.json")
    assert not (other / "manifest.json").exists()


def test_runs_lists_a_study_with_its_runs(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    study = _open(root / "s")
    _child(study, "measure-1-a", answers=3)
    _child(study, "measure-2-b", answers=4, finished=False)
    assert list_runs(root).runs[0].status == "running"  # this process holds its lock
    study.release()  # as when its process ends unfinished
    listing = list_runs(root)
    top, *children = listing.runs
    assert top.directory == study.directory and top.status == "incomplete"
    assert top.answers == 7 and [c.parent for c in children] == [top.directory] * 2
    assert [c.status for c in children] == ["finished", "incomplete"]
    study = _open(root / "s")
    study.finish()
    assert list_runs(root).runs[0].status == "finished"
    assert [r.directory.name for r in list_runs(root, "measure").runs] == [
        "measure-1-a",
        "measure-2-b",
    ]
    shown = " ".join(RUNNER.invoke(app, ["runs", str(root)]).output.split())
    assert "s (2 runs) demo" in shown and "measure-1-a" not in shown
    assert "2 runs inside composite runs not shown (--children shows them)" in shown
    shown = " ".join(RUNNER.invoke(app, ["runs", str(root), "--children"]).output.split())
    assert "└ measure-1-a measure" in shown and "└ measure-2-b" in shown
    shown = " ".join(RUNNER.invoke(app, ["runs", str(root), "--command", "measure"]).output
                     .split())  # fmt: skip
    assert "measure-2-b" in shown and "(2 runs)" not in shown
    rows = [json.loads(line) for line in
            RUNNER.invoke(app, ["runs", str(root), "--json"]).output.splitlines()]  # fmt: skip
    assert [r["parent"] for r in rows] == [None, str(study.directory), str(study.directory)]
    assert rows[0]["children"] == [str(study.directory / "measure-1-a"),
                                   str(study.directory / "measure-2-b")]  # fmt: skip


def test_the_viewer_lists_a_study_with_its_status_and_answers(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    study = _open(root / "s")
    _child(study, "measure-1", answers=3)
    running = _child(study, "measure-2", answers=2, finished=False)
    study.release()  # the study itself is not being written; one of its runs is
    child_lock = RunLock.acquire(running)
    index = RunIndex(root)
    entries = {e.relative: e for e in index.entries()}
    assert entries["s"].kind == "demo" and entries["s"].answers == 5
    assert entries["s"].children == ["s/measure-1", "s/measure-2"]
    assert entries["s/measure-2"].status == "running" and entries["s"].status == "running"
    child_lock.release()  # its process ended: the run stopped, nothing else changed
    statuses = {e.relative: e.status for e in index.entries()}
    assert statuses["s/measure-2"] == "incomplete" and statuses["s"] == "incomplete"
    (running / "results.json").write_text("{}")
    assert {e.relative: e for e in index.entries()}["s"].status == "incomplete"
    study = _open(root / "s")
    study.finish()
    assert {e.relative: e for e in index.entries()}["s"].status == "finished"


# -- the five commands end to end, on the gallery's real runs --------------------------------

RERUNS = {
    # kind: (the command line the gallery ran, a changed option, the setting it names)
    "steer": (["steer", "--target", "self_direction=6,tradition=1,benevolence=5",
               "--method", "prompt,opro", "--rounds", "1", "--candidates", "2",
               "--optimisation-tasks", "2", "--held-out-tasks", "3", "--max-tokens", "32",
               "--transfer-items", "1"], ["--candidates", "3"], "search.candidates"),
    "validity": (["validity", "--instruments", "bigfive,bigfive_short", "--model", "llamacpp",
                  "--design", "quick", "--personas", "6", "--limit", "10", "--paraphrases",
                  "0"], ["--seed", "1"], "seed"),
    "generate": (["generate", "--models", "llamacpp", "--personas", "3", "--framework", "mft6",
                  "--arms", "1", "--arms-per-round", "1", "--questions", "2", "--rounds", "2",
                  "--max-tokens", "24", "--dedupe", "lexical"], ["--rounds", "3"], "rounds"),
    "compare": (["compare", "--models", "llamacpp,llamacpp", "--framework", "bigfive",
                 "--limit", "10", "--paraphrases", "0"], ["--limit", "9"], "measure.limit"),
    "construct": (["construct", "--culture", "Japan", "--related", "Korea,China", "--personas",
                   "2", "--questions", "2", "--rounds", "1", "--max-tokens", "32"],
                  ["--questions", "3"], "questions"),
}  # fmt: skip
CHILDREN = {
    "steer": ["evaluation", "transfer/bare", "transfer/opro", "transfer/prompt"],
    "validity": ["measure-1-bigfive", "measure-2-bigfive_short"],
    "generate": ["round-1/m1-llamacpp"],  # the probes runs the gallery's generate made
    "compare": ["measure-1-llamacpp-default", "measure-2-llamacpp-default"],
    "construct": [],
}


@pytest.mark.parametrize("kind", list(RERUNS))
def test_each_composite_command_is_a_study(
    kind: str, gallery: dict[str, Path], tmp_path: Path
) -> None:
    """The gallery's run of `kind` has a manifest naming its runs and is listed by `runs`;
    rerunning the same command in a copy resumes it from the cache; another setting is
    refused by name, before any model is asked."""
    root = tmp_path / "runs"
    out = root / kind
    shutil.copytree(gallery[kind], out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == kind and manifest["status"] == "finished"
    assert sorted(manifest["children"]) == CHILDREN[kind]
    assert manifest["command_line"].startswith("valuescope")
    rows = [json.loads(line) for line in
            RUNNER.invoke(app, ["runs", str(root), "--json"]).output.splitlines()]  # fmt: skip
    assert (rows[0]["directory"], rows[0]["command"], rows[0]["status"]) == (
        str(out), kind, "finished")  # fmt: skip
    assert sorted(r["directory"] for r in rows[1:]) == [str(out / c) for c in CHILDREN[kind]]
    args, changed, setting = RERUNS[kind]
    cache = ["--cache-dir", str(cache_of(gallery[kind]))]
    again = RUNNER.invoke(app, [*args, *cache, "--out", str(out)])
    assert again.exit_code == 0, again.output
    rerun = json.loads((out / "manifest.json").read_text())
    assert rerun["created_utc"] == manifest["created_utc"] and rerun["status"] == "finished"
    other = RUNNER.invoke(app, [*args, *changed, *cache, "--out", str(out)])
    printed = " ".join(other.output.split())
    assert other.exit_code == 2 and f"other settings ({setting} changed" in printed, printed
