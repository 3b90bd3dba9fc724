"""The Python API: `valuescope.measure` and friends, sync and async, inside a running event
loop (as in Jupyter), `resume`, `load_run`, and the README's Python section run as written.

All on the real embedded model with a handful of items; the run engine under them is the
one the CLI uses.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

import valuescope as vs
from helpers.paths import REPO
from valuescope.models import ModelSettings, load_backend

README = REPO / "README.md"
pytestmark = pytest.mark.slow


def test_measure_is_a_function_and_returns_a_run(tmp_path: Path) -> None:
    from valuescope import measure

    run = measure(model="llamacpp", framework="bigfive", limit=5, paraphrases=0, out=tmp_path / "r")
    assert run.directory == tmp_path / "r"
    assert set(run.results.dimensions) == {
        "openness",
        "conscientiousness",
        "extraversion",
        "agreeableness",
        "neuroticism",
    }
    assert run.results.overall.n_samples == 5 * 4
    assert (tmp_path / "r" / "results.json").is_file()


def test_sync_measure_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    async def notebook_cell() -> vs.RunData:
        # Jupyter runs cells inside a loop: asyncio.run() would fail there.
        run = vs.measure(model="llamacpp", framework="bigfive", limit=2, paraphrases=0,
                         out=tmp_path / "in-loop")  # fmt: skip
        return vs.load_run(run.directory)

    data = asyncio.run(notebook_cell())
    assert len(data.samples) == 2 * 4


def test_async_twin_and_own_model_object(tmp_path: Path) -> None:
    backend = load_backend("llamacpp", ModelSettings())

    async def main() -> object:
        return await vs.ameasure(backend, framework="mft6", limit=3, paraphrases=0,
                                 out=tmp_path / "a", use_cache=False)  # fmt: skip

    run = asyncio.run(main())
    assert run.results.model == backend.name  # type: ignore[attr-defined]
    assert run.results.usage.model_calls == 3 * 4  # type: ignore[attr-defined]


def test_misspelt_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="limt"):
        vs.measure(model="llamacpp", limt=3, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_resume_of_a_finished_run_asks_nothing(tmp_path: Path) -> None:
    first = vs.dilemmas(model="llamacpp", limit=1, tasks=["choice"], out=tmp_path / "d")
    again = vs.resume(first.directory)
    assert again.results.usage.model_calls == 0  # type: ignore[attr-defined]
    assert again.results.model_dump(exclude={"usage"}) == first.results.model_dump(
        exclude={"usage"}
    )


def test_load_run_gives_frames(tmp_path: Path) -> None:
    run = vs.measure(model="llamacpp", framework="schwartz", limit=10, paraphrases=0,
                     out=tmp_path / "s")  # fmt: skip
    data = vs.load_run(run.directory)
    assert data.manifest.command == "measure"
    assert data.config["limit"] == 10
    assert isinstance(data.samples, pd.DataFrame) and len(data.samples) == 40
    assert {"item_id", "condition", "dimension", "probs", "score", "valid"} <= set(
        data.samples.columns
    )
    assert isinstance(data.dimensions, pd.DataFrame)
    assert list(data.dimensions.index) == list(run.results.dimensions)
    benevolence = run.results.dimensions["benevolence"]
    assert data.dimensions.loc["benevolence", "score"] == pytest.approx(benevolence.score)
    assert data.dimensions.loc["benevolence", "ci_low"] == pytest.approx(benevolence.ci[0])
    assert data.results is not None and data.results["framework"] == "schwartz10"


def test_load_run_reads_an_unfinished_run(tmp_path: Path) -> None:
    run = vs.csi(model="llamacpp", mode="per-word", n=6, passes=1, out=tmp_path / "c")
    (run.directory / "results.json").unlink()
    with (run.directory / "samples.jsonl").open("a") as handle:
        handle.write('{"item_id": "half-writ')  # a kill in the middle of a line
    data = vs.load_run(run.directory)
    assert data.results is None and data.dimensions is None
    assert len(data.samples) == 6


def python_blocks(markdown: str) -> list[str]:
    section = markdown.split("## Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_readme_python_section_runs_as_written(tmp_path: Path) -> None:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "README.md has a ## Python section with python code blocks"
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        namespace: dict[str, object] = {}
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    finally:
        os.chdir(cwd)
    runs = list((tmp_path / "runs").iterdir())
    assert runs, "the README's example writes a run under ./runs"
