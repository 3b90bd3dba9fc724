"""A `validity` run: a study (`engine.Study`) whose children are one `measure` run per
instrument (`<out>/measure-<i>-<name>/`), then `validity.json` and the MTMM heatmap.

Rerunning with the same `out` resumes (or just reuses) the measure runs; settings that
change what is measured are refused, naming them (the mapping, the signs file and the
intervals only change the computation, and may change).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from valuescope.engine import RUNTIME_FIELDS, Progress, Study, resume, run, run_sync
from valuescope.instruments.likert.instrument import COMMAND as MEASURE_COMMAND
from valuescope.instruments.likert.instrument import LikertInstrument
from valuescope.instruments.likert.named import InstrumentSpec, resolve_instrument
from valuescope.runs import MANIFEST, default_run_dir
from valuescope.validity.config import (
    COMMAND,
    HEATMAP_STEM,
    ROLES,
    VALIDITY_FILE,
    ConstructValidityConfig,
    ConstructValidityResults,
    Role,
    ValidityError,
)
from valuescope.validity.tables import resolve_mapping, signs_for, validity_from_runs

MAY_CHANGE = RUNTIME_FIELDS | {"mapping", "criterion_signs", "intervals"}
"""Settings a rerun in the same folder may change: they do not change what is measured."""


@dataclass
class PlannedRun:
    """One instrument's `measure` run inside the validity folder."""

    role: Role
    spec: InstrumentSpec
    instrument: LikertInstrument
    directory: Path
    study: Study

    @property
    def reused(self) -> bool:
        return (self.directory / MANIFEST).exists()


def _labels(config: ConstructValidityConfig) -> list[str]:
    names = [*config.instruments, *([config.criterion] if config.criterion else [])]
    return [Path(n).stem for n in names]


def default_out(config: ConstructValidityConfig) -> Path:
    return default_run_dir(COMMAND, config.display_name, "-vs-".join(_labels(config))[:80])


def plan_runs(
    config: ConstructValidityConfig, out: Path, command_line: str | None = None
) -> list[PlannedRun]:
    """Every instrument's run, checked before the first answer (names resolve, options fit
    the banks, the mapping and the signs fit the frameworks); then the study is opened in
    `out` (or reopened, with the same settings)."""
    extra = Path(config.frameworks_dir) if config.frameworks_dir else None
    names = [*config.instruments, *([config.criterion] if config.criterion else [])]
    specs = [resolve_instrument(name, extra) for name in names]
    instruments = [LikertInstrument(config.measure_config(spec)) for spec in specs]
    if _picks(specs[0]) == _picks(specs[1]):
        raise ValidityError(f"A and B are the same instrument ({specs[0].label})")
    a, b = instruments[0].framework, instruments[1].framework
    resolve_mapping(config.mapping, b, a)
    if len(instruments) > 2:
        signs_for(config.criterion_signs, a, instruments[2].framework, extra)
    study = Study.open(COMMAND, config, out, model=config.model, seed=config.seed,
                       instrument="-vs-".join(_labels(config))[:80], may_change=MAY_CHANGE,
                       command_line=command_line)  # fmt: skip
    return [
        PlannedRun(role, spec, instrument, study.child(f"measure-{index}-{spec.label}"), study)
        for index, (role, spec, instrument) in enumerate(
            zip(ROLES, specs, instruments, strict=False), start=1
        )
    ]


def _picks(spec: InstrumentSpec) -> tuple[object, ...]:
    return spec.framework, spec.items, spec.scale, spec.columns


async def measure_planned(
    planned: PlannedRun, progress: Progress | None = None, command_line: str | None = None
) -> None:
    """Run the instrument, or resume its run (a finished run's resume asks nothing)."""
    if planned.reused:
        await resume(planned.directory, MEASURE_COMMAND, progress)
    else:
        await run(planned.instrument, planned.directory, progress, command_line=command_line)


def write_validity(results: ConstructValidityResults, out: Path) -> list[Path]:
    """Write the heatmap (PNG, SVG) and `validity.json` into `out`; returns their paths."""
    from valuescope.charts.heatmap import mtmm_heatmap

    m = results.mtmm
    names = {i.role: i.name for i in results.instruments}
    highlight = [
        (m.labels.index(f"A:{c.trait}"), m.labels.index(f"B:{c.b_trait}")) for c in m.convergent
    ]
    plots = mtmm_heatmap(
        m.labels,
        m.correlations,
        highlight,
        (names["A"], names["B"]),
        f"MTMM over {results.n_respondents} respondents: {names['A']} vs {names['B']} "
        f"({results.model})",
        out,
        HEATMAP_STEM,
    )
    results.files = [p.name for p in plots]
    path = out / VALIDITY_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results.model_dump(mode="json"), indent=2) + "\n", "utf-8")
    os.replace(tmp, path)
    return [path, *plots]


@dataclass
class ValidityRun:
    directory: Path
    results: ConstructValidityResults
    files: list[Path]
    """validity.json, then the heatmap's PNG and SVG."""


def results_for(config: ConstructValidityConfig, planned: Sequence[PlannedRun]) -> ValidityRun:
    """Compute and write the results of measured runs (the CLI measures them itself), and
    finish the study."""
    study = planned[0].study
    results = validity_from_runs(
        planned[0].directory,
        planned[1].directory,
        planned[2].directory if len(planned) > 2 else None,
        mapping=config.mapping,
        criterion_signs=config.criterion_signs,
        intervals=config.intervals,
    )
    files = write_validity(results, study.directory)
    study.finish(results.failure, results.verdict.level if results.verdict else None)
    return ValidityRun(study.directory, results, files)


async def arun_validity(
    config: ConstructValidityConfig,
    out: Path | None = None,
    progress: Progress | None = None,
    command_line: str | None = None,
) -> ValidityRun:
    """Measure every instrument (or resume their runs in `out`), then compute and write."""
    planned = plan_runs(config, out or default_out(config), command_line)
    for one in planned:
        await measure_planned(one, progress, command_line)
    return results_for(config, planned)


def run_validity(
    config: ConstructValidityConfig, out: Path | None = None, progress: Progress | None = None
) -> ValidityRun:
    """The sync twin of `arun_validity` (works inside a running event loop too)."""

    return run_sync(arun_validity(config, out, progress))
