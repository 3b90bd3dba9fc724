"""The `compare` command's run: a study (`engine.Study`) in one folder. It measures the
models it is given (`models`, each a `measure` run in `<out>/measure-<i>-<model>/`),
compares them with the finished runs it is given (`analysis.compare.compare_runs`) and
writes compare.json and the radar plot (PNG, SVG).

Rerunning with the same `out` resumes (or just reuses) the measure runs and compares again;
other settings in the same `out` are refused, naming them.

    plan = plan_compare(["runs/a", "runs/b"], Path("runs/ab"), models=["llamacpp"])
    for measured in plan.measured:               # the CLI draws a progress bar for each
        run_sync(measure_model(measured))
    finished = finish_compare(plan)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from valuescope.analysis._compare_models import (
    COMMAND,
    COMPARE_FILE,
    CompareConfig,
    CompareError,
    CompareResults,
)
from valuescope.analysis.compare import compare_runs
from valuescope.engine import RUNTIME_FIELDS, Progress, Study, resume, run, run_sync
from valuescope.instruments.likert.instrument import COMMAND as MEASURE_COMMAND
from valuescope.instruments.likert.instrument import LikertInstrument, MeasureConfig
from valuescope.models import ModelNameError, parse_model_name
from valuescope.runs import MANIFEST

__all__ = [
    "ComparePlan",
    "CompareRun",
    "CompareSettings",
    "MeasuredModel",
    "compare",
    "finish_compare",
    "measure_model",
    "plan_compare",
    "write_compare",
]


class CompareSettings(BaseModel):
    """What a compare run compares: its manifest's config and fingerprint."""

    runs: list[str] = Field(default_factory=list)
    """The finished runs given, as given."""
    models: list[str] = Field(default_factory=list)
    """The models measured inside the compare folder."""
    framework: str | None = None
    measure: dict[str, Any] | None = None
    """The options of the models' measure runs (without the model and the run options that
    do not change what is measured)."""
    compare: CompareConfig = Field(default_factory=CompareConfig)


@dataclass
class MeasuredModel:
    """One model's measure run inside the compare folder."""

    model: str
    directory: Path
    instrument: LikertInstrument
    command_line: str | None = None

    @property
    def reused(self) -> bool:
        return (self.directory / MANIFEST).is_file()


@dataclass
class ComparePlan:
    study: Study
    runs: list[Path]
    config: CompareConfig
    framework: str | None
    measured: list[MeasuredModel] = field(default_factory=list)

    @property
    def directories(self) -> list[Path]:
        """Every run compared: the given ones, then the measured ones."""
        return [*self.runs, *(m.directory for m in self.measured)]


@dataclass
class CompareRun:
    directory: Path
    results: CompareResults
    files: list[Path]
    """compare.json, then the radar plot's PNG and SVG."""


def _folder_name(index: int, model: str) -> str:
    try:
        display = parse_model_name(model).display
    except ModelNameError:
        display = model
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", display).strip("_") or "model"
    return f"measure-{index}-{safe}"


def plan_compare(
    directories: Sequence[Path],
    out: Path,
    config: CompareConfig | None = None,
    framework: str | None = None,
    models: Sequence[str] = (),
    measure: MeasureConfig | None = None,
    command_line: str | None = None,
) -> ComparePlan:
    """Open the compare run in `out` (or reopen it, with the same settings) and plan each
    model's measure run; checked before the first answer."""
    config = config or CompareConfig()
    if len(directories) + len(models) < 2:
        raise CompareError("compare needs at least 2 runs: give run directories and/or models")
    if models and measure is None:
        raise CompareError("measuring models needs their measure options")
    settings = CompareSettings(
        runs=[str(d) for d in directories], models=list(models), framework=framework,
        measure=None if measure is None else measure.model_dump(
            mode="json", exclude={"model", *RUNTIME_FIELDS}),
        compare=config,
    )  # fmt: skip
    shown = [*(Path(d).name for d in directories), *models]
    study = Study.open(COMMAND, settings, out, model=" vs ".join(shown), seed=config.seed,
                       command_line=command_line)  # fmt: skip
    plan = ComparePlan(study, [Path(d) for d in directories], config, framework)
    for index, name in enumerate(models, start=1):
        assert measure is not None
        instrument = LikertInstrument(measure.model_copy(update={"model": name}))
        directory = study.child(_folder_name(index, name))
        plan.measured.append(MeasuredModel(name, directory, instrument, command_line))
    return plan


async def measure_model(measured: MeasuredModel, progress: Progress | None = None) -> None:
    """Measure one model, or resume its run (a finished run's resume asks nothing)."""
    if measured.reused:
        await resume(measured.directory, MEASURE_COMMAND, progress)
    else:
        await run(measured.instrument, measured.directory, progress,
                  command_line=measured.command_line)  # fmt: skip


def write_compare(results: CompareResults, out: Path) -> Path:
    """Write `compare.json` into `out` (atomically: a reader never sees half a file)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / COMPARE_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results.model_dump(mode="json"), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def finish_compare(plan: ComparePlan) -> CompareRun:
    """Compare the runs (the models measured), write compare.json and the radar plot, and
    finish the study."""
    from valuescope.charts.radar import RadarSeries, radar_plot

    out = plan.study.directory
    results = compare_runs(plan.directories, plan.config, plan.framework)
    json_path = write_compare(results, out)
    series = [
        RadarSeries(
            label=run.label,
            scores={d: cell.score for d, cell in results.profiles.get(run.label, {}).items()},
        )
        for run in results.runs
    ]
    plot = radar_plot(
        series,
        results.radar_order(),
        results.scale.values,
        f"{results.framework}: item-mean scores on the "
        f"{results.scale.minimum}..{results.scale.maximum} scale",
        out,
    )
    plan.study.finish(verdict=results.verdict.level if results.verdict else None)
    return CompareRun(out, results, [json_path, *plot])


def compare(
    directories: Sequence[Path],
    out: Path,
    config: CompareConfig | None = None,
    framework: str | None = None,
    *,
    models: Sequence[str] = (),
    measure: MeasureConfig | None = None,
    progress: Progress | None = None,
) -> CompareRun:
    """Compare runs (measuring `models` first, with the `measure` options) and write
    compare.json and the radar plot (PNG, SVG) into `out`: a compare run (module docstring)."""
    plan = plan_compare(directories, out, config, framework, models, measure)
    for measured in plan.measured:
        run_sync(measure_model(measured, progress))
    return finish_compare(plan)
