"""The public Python API: one function per run command, sync and async, and `load_run`.

    import valuescope as vs
    run = vs.measure(model="llamacpp", framework="schwartz", limit=20, paraphrases=0)
    print(run.results.dimensions["benevolence"].score, run.directory)
    frames = vs.load_run(run.directory)      # manifest, results, samples as DataFrames

Each run function takes the command's options as keyword arguments (the fields of its
config class: `MeasureConfig`, `CSIConfig`, `ValidityConfig`, `DilemmasConfig`,
`ConstructValidityConfig`, `ClassifyConfig`, `SafetyConfig`; `steer` takes `SteerConfig`'s),
validated by pydantic, so a misspelt option is an error rather than silently ignored. `model` is a
model name (`"llamacpp"`, `"openai:M@URL"`) or your own object implementing `Model`. `out`
names the run directory; `progress` receives progress (see `engine.Progress`).

The sync functions work in a plain script and inside a running event loop (Jupyter): there
they run the async twin in a worker thread with its own loop and wait for it, since a
running loop cannot be re-entered. `resume(dir)` continues any run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from valuescope.engine import Progress, Run, RunConfig, run_sync
from valuescope.engine import resume as engine_resume
from valuescope.engine import run as engine_run
from valuescope.models import Model
from valuescope.runs import ResultsBase

if TYPE_CHECKING:
    from valuescope.steering import Target
    from valuescope.steering.report import SteerReport
    from valuescope.validity import ValidityRun

T = TypeVar("T")
C = TypeVar("C", bound=RunConfig)


def _config(config_type: type[C], model: str | Model, options: dict[str, Any]) -> C:
    name = model if isinstance(model, str) else model.name
    return config_type.model_validate({"model": name, **options})


def _own(model: str | Model | None) -> Model | None:
    return None if model is None or isinstance(model, str) else model


async def ameasure(
    model: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """Measure a profile on a questionnaire (`valuescope measure`); options: `MeasureConfig`.

    Returns a `Run` whose `results` is a `MeasureResults`.
    """
    from valuescope.instruments.likert import LikertInstrument, MeasureConfig

    instrument = LikertInstrument(_config(MeasureConfig, model, options))
    return await engine_run(instrument, _path(out), progress, _own(model))


def measure(
    model: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The sync twin of `ameasure`."""
    return run_sync(ameasure(model, out=out, progress=progress, **options))


async def acsi(
    model: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The implicit sentiment inventory (`valuescope csi`); options: `CSIConfig`."""
    from valuescope.instruments.csi import CSIConfig, CSIInstrument

    instrument = CSIInstrument(_config(CSIConfig, model, options))
    return await engine_run(instrument, _path(out), progress, _own(model))


def csi(
    model: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The sync twin of `acsi`."""
    return run_sync(acsi(model, out=out, progress=progress, **options))


async def acsi_validity(
    model: str | Model = "llamacpp",
    *,
    judge: str | Model | None = None,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """Does the CSI predict the stories a model writes? (`valuescope csi-validity`);
    options: `ValidityConfig` (e.g. `csi_run=DIR`, `stories_per_k=3`)."""
    from valuescope.instruments.csi import ValidityConfig, ValidityInstrument

    if judge is not None:
        options["judge"] = judge if isinstance(judge, str) else judge.name
    instrument = ValidityInstrument(_config(ValidityConfig, model, options))
    return await engine_run(instrument, _path(out), progress, _own(model), _own(judge))


def csi_validity(
    model: str | Model = "llamacpp",
    *,
    judge: str | Model | None = None,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The sync twin of `acsi_validity`."""
    return run_sync(acsi_validity(model, judge=judge, out=out, progress=progress, **options))


async def adilemmas(
    model: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """Moral dilemmas (`valuescope dilemmas`); options: `DilemmasConfig`."""
    from valuescope.instruments.dilemmas import DilemmasConfig, DilemmasInstrument

    instrument = DilemmasInstrument(_config(DilemmasConfig, model, options))
    return await engine_run(instrument, _path(out), progress, _own(model))


def dilemmas(
    model: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The sync twin of `adilemmas`."""
    return run_sync(adilemmas(model, out=out, progress=progress, **options))


async def aclassify(
    judge: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """Score texts with a value judge (`valuescope classify`); options: `ClassifyConfig`
    (`source="devset:schwartz10"` or a file, `framework=`, `mode="all@once"`).

    Returns a `Run` whose `results` is a `ClassifyResults` (profile, and AUC / F1 per
    dimension when the texts have gold labels).
    """
    from valuescope.instruments.classify import ClassifyConfig, ClassifyInstrument

    instrument = ClassifyInstrument(_config(ClassifyConfig, judge, options))
    return await engine_run(instrument, _path(out), progress, _own(judge))


def classify(
    judge: str | Model = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The sync twin of `aclassify`."""
    return run_sync(aclassify(judge, out=out, progress=progress, **options))


async def asafety(
    model: str | Model = "llamacpp",
    *,
    judge: str | Model | None = None,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The safety check of a value-steered model (`valuescope safety`); options:
    `SafetyConfig` (`steering_run=DIR` adds the steered conditions, `mitigations=[...]`,
    `prompts=FILE`, `limit=N`, `max_tokens=N`).

    Returns a `Run` whose `results` is a `SafetyResults` (harm rate per category and
    condition with Wilson CIs, before/after and mitigation tests, value-harm correlations).
    """
    from valuescope.steering.safety import SafetyConfig, SafetyInstrument

    if judge is not None:
        options["judge"] = judge if isinstance(judge, str) else judge.name
    instrument = SafetyInstrument(_config(SafetyConfig, model, options))
    return await engine_run(instrument, _path(out), progress, _own(model), _own(judge))


def safety(
    model: str | Model = "llamacpp",
    *,
    judge: str | Model | None = None,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Run[Any]:
    """The sync twin of `asafety`."""
    return run_sync(asafety(model, judge=judge, out=out, progress=progress, **options))


async def aconstruct_validity(
    model: str = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> ValidityRun:
    """Construct validity by MTMM (`valuescope validity`); options: `ConstructValidityConfig`
    (`instruments=["bigfive", "bigfive_short"]`, `criterion="schwartz10"`, `design="quick"`).

    Each instrument is a `measure` run inside `out` over the same simulated respondents, so
    `model` is a name (the runs are resumable by name): an own `Model` object is not taken
    here. Rerunning with the same `out` resumes or reuses those runs. Returns a
    `ValidityRun` (its `results` is a `ConstructValidityResults`; `files` the JSON and
    heatmaps written).
    """
    from valuescope.validity import ConstructValidityConfig, arun_validity

    config = ConstructValidityConfig.model_validate({"model": model, **options})
    return await arun_validity(config, _path(out), progress)


def construct_validity(
    model: str = "llamacpp",
    *,
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> ValidityRun:
    """The sync twin of `aconstruct_validity`."""
    return run_sync(aconstruct_validity(model, out=out, progress=progress, **options))


async def aresume(
    directory: Path | str,
    *,
    progress: Progress | None = None,
    model: Model | None = None,
    judge: Model | None = None,
) -> Run[ResultsBase]:
    """Continue any killed or interrupted run (its manifest says which command it is)."""
    return await engine_resume(Path(directory), None, progress, model, judge)


def resume(
    directory: Path | str,
    *,
    progress: Progress | None = None,
    model: Model | None = None,
    judge: Model | None = None,
) -> Run[ResultsBase]:
    """The sync twin of `aresume`."""
    return run_sync(aresume(directory, progress=progress, model=model, judge=judge))


@dataclass
class SteerRun:
    """A finished steer run: its folder and its report (also in `steer.json`)."""

    directory: Path
    report: SteerReport


async def asteer(
    model: str = "llamacpp",
    *,
    target: str | dict[str, float] | Target,
    framework: str = "schwartz10",
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> SteerRun:
    """Steer toward `target` in context and evaluate it (`valuescope steer`).

    `target`: `"self_direction=6,tradition=1"`, a YAML file's path, a dict of priorities
    (scale 1..6) or a `steering.Target`. Options: `SteerConfig`'s fields (`methods`,
    `search` (a `MethodSettings` or a dict), `max_calls`, `held_out_tasks`, ...). `model` is
    a model name: the search opens it (and the judge and optimiser) itself. Rerunning with
    the same `out` resumes.
    """
    from valuescope.frameworks import load_framework
    from valuescope.steering import Target, parse_target, read_target
    from valuescope.steering.config import SteerConfig
    from valuescope.steering.run import Steerer, default_out

    loaded = load_framework(framework)
    if isinstance(target, dict):
        target = parse_target(",".join(f"{k}={v}" for k, v in target.items()), loaded)
    elif not isinstance(target, Target):
        target = read_target(target, loaded)
    config = SteerConfig.model_validate(
        {"model": model, "framework": loaded.id, "target": target, **options}
    )
    directory = _path(out) or default_out(config)
    report = await Steerer(config, directory, progress=progress).run()
    return SteerRun(directory, report)


def steer(
    model: str = "llamacpp",
    *,
    target: str | dict[str, float] | Target,
    framework: str = "schwartz10",
    out: Path | str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> SteerRun:
    """The sync twin of `asteer`."""
    return run_sync(asteer(model, target=target, framework=framework, out=out,
                           progress=progress, **options))  # fmt: skip


def _path(out: Path | str | None) -> Path | None:
    return None if out is None else Path(out)
