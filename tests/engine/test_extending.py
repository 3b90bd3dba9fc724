"""docs/extending.md's toy instrument, run from the page itself: its code blocks are written
out as a package under tmp_path, registered with the page's one line (in Python, or as the
entry point of its pyproject.toml, installed as importlib.metadata sees it), and run through
the engine (a scripted model here; the embedded model in the slow test), so the page cannot
fall behind the code.

A block whose first line is `# PATH` is the file PATH of the plugin.
"""

from __future__ import annotations

import asyncio
import json
import re
import runpy
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers.paths import REPO
from helpers.scripted import ScriptedModel
from valuescope.cli import app
from valuescope.engine import resume, run
from valuescope.models import Message
from valuescope.registry import Registry, UnknownName, _entry_points

PAGE = REPO / "docs" / "extending.md"
TARGET = "my_values.instrument:YesNoInstrument"
BLOCK = re.compile(r"```(?:python|toml)\n(.*?)```", flags=re.DOTALL)
Plugins = Registry[Any]
REGISTER = re.compile(r"^INSTRUMENTS\.register\(.*\)$", flags=re.MULTILINE)


def page_files() -> dict[str, str]:
    """PATH -> text of every code block that names its file on its first line."""
    files = {}
    for block in BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        first = block.partition("\n")[0]
        if first.startswith("# ") and "." in first:
            files[first[2:].strip()] = block
    return files


def registration_line() -> str:
    """The page's one registration line, as a block of its own."""
    lines = [b.strip() for b in BLOCK.findall(PAGE.read_text(encoding="utf-8"))]
    (line,) = [b for b in lines if REGISTER.fullmatch(b)]
    return line


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Plugins]]:
    """The page's files under tmp_path/plugin, importable, and a fresh INSTRUMENTS registry
    (valuescope's own entry points, nothing registered by hand) for the test to fill."""
    root = tmp_path / "plugin"
    for name, text in page_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))
    registry: Plugins = Registry("instruments", "instrument")
    monkeypatch.setattr("valuescope.engine.INSTRUMENTS", registry)
    monkeypatch.setattr("valuescope.engine._instrument.INSTRUMENTS", registry)
    yield root, registry
    for module in [m for m in sys.modules if m == "my_values" or m.startswith("my_values.")]:
        del sys.modules[module]


def first_option(probability: float, mass: float = 1.0) -> ScriptedModel:
    """A model that puts `probability` on whichever option is shown first."""

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        return [probability, 1 - probability], mass

    return ScriptedModel(script)


def test_the_page_is_a_package_plus_one_registration_line() -> None:
    files = page_files()
    assert {"my_values/__init__.py", "my_values/instrument.py", "pyproject.toml"} <= set(files)
    points = tomllib.loads(files["pyproject.toml"])["project"]["entry-points"]
    assert points == {"valuescope.instruments": {"yesno": TARGET}}
    line = registration_line()
    assert line == f'INSTRUMENTS.register("yesno", "{TARGET}")'
    assert line in files["run_yesno.py"].splitlines()


def test_toy_runs_through_the_engine_and_resumes_once_registered(
    plugin: tuple[Path, Plugins],
    tmp_path: Path,
) -> None:
    registry = plugin[1]
    exec(registration_line(), {"INSTRUMENTS": registry})
    cls = registry.get("yesno")
    config = cls.config_type.model_validate({"model": "scripted", "use_cache": False})
    model = first_option(0.8)
    out = tmp_path / "run"
    finished = asyncio.run(run(cls(config), out, model=model))

    # 3 questions x 2 orders; P(Yes) is 0.8 when Yes comes first and 0.2 when it comes second
    assert model.calls == 6
    results = json.loads((out / "results.json").read_text())
    assert results["p_yes"] == pytest.approx({"truth": 0.5, "rules": 0.5, "risk": 0.5})
    assert results["first_option"] == pytest.approx(0.8) and results["n_invalid"] == 0
    assert results["failure"] is None and finished.results.command == "yesno"
    assert json.loads((out / "manifest.json").read_text())["command"] == "yesno"
    assert (out / "report.html").is_file()

    # resume finds the instrument by the manifest's command, and asks only what is missing
    lines = (out / "samples.jsonl").read_text().splitlines()
    (out / "samples.jsonl").write_text("\n".join(lines[:4]) + "\n")
    again = first_option(0.8)
    resumed = asyncio.run(resume(out, model=again))
    assert again.calls == 2
    assert resumed.results.model_dump(exclude={"usage"}) == finished.results.model_dump()

    listed = CliRunner().invoke(app, ["runs", str(tmp_path)], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "yesno" in listed.output


def test_installed_the_entry_point_alone_registers_it(
    plugin: tuple[Path, Plugins],
    tmp_path: Path,
) -> None:
    """`pip install` of the page's pyproject.toml, as importlib.metadata sees it: a dist-info
    folder on sys.path with the entry points the toml declares."""
    root, _ = plugin
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    info = root / "my_values-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in points.items())
            for group, points in project["entry-points"].items()
        )
    )
    _entry_points.cache_clear()
    try:
        installed: Plugins = Registry("instruments", "instrument")
        assert installed.target("yesno") == TARGET and "measure" in installed
        cls = installed.get("yesno")
        config = cls.config_type.model_validate({"model": "scripted", "use_cache": False})
        finished = asyncio.run(run(cls(config), tmp_path / "run", model=first_option(0.8)))
        assert finished.results.command == "yesno" and finished.results.n_invalid == 0
    finally:
        _entry_points.cache_clear()


def test_without_the_registration_line_resume_cannot_find_it(
    plugin: tuple[Path, Plugins],
    tmp_path: Path,
) -> None:
    from my_values.instrument import YesNoConfig, YesNoInstrument  # the page's package, on sys.path

    config = YesNoConfig(model="scripted", use_cache=False, limit=1)
    asyncio.run(run(YesNoInstrument(config), tmp_path / "run", model=first_option(0.8)))
    with pytest.raises(UnknownName, match="no instrument 'yesno'"):
        plugin[1].get("yesno")
    with pytest.raises(Exception, match="no instrument runs 'yesno'"):
        asyncio.run(resume(tmp_path / "run", model=first_option(0.8)))


def test_answers_off_the_options_are_invalid_and_the_run_says_so(
    plugin: tuple[Path, Plugins],
    tmp_path: Path,
) -> None:
    from my_values.instrument import YesNoConfig, YesNoInstrument

    config = YesNoConfig(model="scripted", use_cache=False)
    out = tmp_path / "run"
    asyncio.run(run(YesNoInstrument(config), out, model=first_option(0.8, mass=0.1)))
    results = json.loads((out / "results.json").read_text())
    assert results["failure"] == "every answer was invalid" and results["n_invalid"] == 6
    assert results["p_yes"] == {} and results["first_option"] is None


@pytest.mark.slow
def test_run_script_on_the_embedded_model(
    plugin: tuple[Path, Plugins],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`python run_yesno.py` as the page says, on the embedded model."""
    root, registry = plugin
    monkeypatch.chdir(root)
    runpy.run_path(str(root / "run_yesno.py"), run_name="__main__")
    assert registry.target("yesno") == TARGET
    (folder,) = (root / "runs").iterdir()
    assert folder.name.endswith("-yesno-yesno-llamacpp-default")
    results = json.loads((folder / "results.json").read_text())
    assert set(results["p_yes"]) == {"truth", "rules"} and results["n_invalid"] == 0
    assert 0 < results["first_option"] < 1
    assert f"runs/{folder.name}" in capsys.readouterr().out
