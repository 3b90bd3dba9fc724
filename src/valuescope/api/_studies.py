"""The composite commands: several runs or an analysis of finished runs, each returning a
`StudyRun` (`directory`, `results`, `files`, `to_dict()`), and `resume`. Their options are
named as on the command line; the run options (`seed`, `timeout`, `no_cache`, ...) apply
to the models they open. Rerunning one with the same `out` resumes it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuescope.api._core import (
    StudyRun,
    command_line,
    config_fields,
    log,
    new_instrument,
    path,
    persona_fields,
    plain,
    require,
    split,
)
from valuescope.engine import Progress, Run

if TYPE_CHECKING:
    from valuescope.analysis.agreement import AgreementResults
    from valuescope.analysis.compare import CompareResults
    from valuescope.construct import ConstructReport
    from valuescope.generate import GenerateReport
    from valuescope.models import Model
    from valuescope.runs import ResultsBase
    from valuescope.steering import Target
    from valuescope.steering.config import SteerConfig
    from valuescope.steering.report import SteerReport
    from valuescope.validity import ConstructValidityResults

Out = Path | str | None
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


async def avalidity(
    model: str = "llamacpp", *, instruments: str | list[str], out: Out = None,
    progress: Progress | None = None, **options: Any,
) -> StudyRun[ConstructValidityResults]:  # fmt: skip
    """Construct validity by multitrait-multimethod (`valuescope validity`): the same
    simulated respondents answer two instruments for the same traits.

    `instruments`: "A,B" or [A, B] (shipped banks, YAML banks or instrument files). Options:
    `criterion` (a third instrument), `criterion_signs`, `map` (YAML mapping B's dimensions
    to A's; or `mapping=` a dict), `design` (default quick), `personas` (N or a FILE),
    `limit`, `paraphrases`, `frameworks_dir`. Each instrument is a `measure` run inside
    `out`; `model` is a name, so those runs resume by name.

    Returns a `StudyRun`: `results` is a `ConstructValidityResults` (`results.to_dict()` is
    validity.json's content); `files` validity.json and the heatmap's PNG and SVG.
    """
    from valuescope.validity import (
        ConstructValidityConfig,
        default_out,
        load_mapping,
        measure_planned,
        plan_runs,
        results_for,
    )

    names = split(instruments)
    require(len(names) == 2, f"--instruments: give exactly two instruments (A,B), got "
            f"{len(names)}; a third goes in --criterion")  # fmt: skip
    persona_fields(options)
    if options.get("map") is not None:
        options["mapping"] = load_mapping(Path(options.pop("map")))
    options.pop("map", None)
    fields = config_fields({"model": model, "instruments": names, **options})
    config = ConstructValidityConfig.model_validate(fields)
    planned = plan_runs(config, path(out) or default_out(config), command_line())
    for index, one in enumerate(planned, start=1):
        log(f"{'resuming' if one.reused else 'measuring'} {one.role}: {one.spec.label} "
            f"({index}/{len(planned)}) in {one.directory}")  # fmt: skip
        await measure_planned(one, progress, command_line())
    finished = results_for(config, planned)
    return StudyRun(finished.directory, finished.results, finished.files)


async def asteer(
    model: str = "llamacpp", *, target: str | dict[str, float] | Target,
    framework: str = "schwartz10", target_scale: str = "1-6", method: str | list[str] = "prompt",
    rounds: int = 3, candidates: int = 3, max_tokens: int = 120, threshold: float = 0.25,
    out: Out = None, progress: Progress | None = None, **options: Any,
) -> StudyRun[SteerReport]:  # fmt: skip
    """Steer a model toward a value target in context and evaluate it (`valuescope steer`).

    `target`: "self_direction=6,tradition=1", a YAML file, a dict of priorities or a
    `steering.Target`. Options: `target_scale`, `method` ("prompt,opro" or "all"; or
    `methods=[...]`), `prompts`, `optimisation_tasks`, `held_out_tasks`, `judge`,
    `judge_mode`, `optimiser`, `rounds`, `candidates`, `max_tokens`, `threshold` (or
    `search=` a `MethodSettings`), `max_calls`, `transfer_items`, `calibration_items`,
    `evaluate`. `model` is a name: the search opens it, the judge and the optimiser itself.

    Returns a `StudyRun` whose `results` (also `.report`) is a `SteerReport`.
    """
    from valuescope.frameworks import load_framework
    from valuescope.steering import METHOD_NAMES, Target, parse_scale, parse_target, read_target
    from valuescope.steering.config import SteerConfig
    from valuescope.steering.run import default_out
    from valuescope.steering.search import MethodSettings

    loaded = load_framework(framework)
    if isinstance(target, dict):
        target = parse_target(",".join(f"{k}={v}" for k, v in target.items()), loaded)
    elif not isinstance(target, Target):
        target = read_target(str(target), loaded, parse_scale(target_scale))
    methods = options.pop("methods", None) or split(method)
    given = ",".join(methods)  # as the user named them, for the error below
    methods = list(METHOD_NAMES) if methods == ["all"] else methods
    unknown = [m for m in methods if m not in METHOD_NAMES]
    require(not unknown, f"--method {given}: no method {', '.join(unknown)} "
            f"(known: {', '.join(METHOD_NAMES)}, all)")  # fmt: skip
    search = options.pop("search", None) or MethodSettings(
        rounds=rounds, candidates=candidates, max_tokens=max_tokens, threshold=threshold
    )
    fields = {"model": model, "framework": loaded.id, "target": target, "methods": methods,
              "search": search, **options}  # fmt: skip
    config = SteerConfig.model_validate(config_fields(fields))
    return await _steer(config, path(out) or default_out(config), progress)


async def _steer(
    config: SteerConfig, out: Path, progress: Progress | None
) -> StudyRun[SteerReport]:
    from valuescope.steering.run import Steerer

    report = await Steerer(config, out, log=log, progress=progress,
                           command_line=command_line()).run()  # fmt: skip
    return StudyRun(out, report, [p for p in (out / "steer.json",) if p.is_file()])


async def agenerate(
    *, models: str | list[str], framework: str, out: Out = None,
    progress: Progress | None = None, **options: Any,
) -> StudyRun[GenerateReport]:  # fmt: skip
    """AdAEM: grow a bank of questions that separate the values of a pool of models
    (`valuescope generate`).

    `models`: "M1,M2" or a list (or one model with `personas=N`). Options: `personas`,
    `judge`, `generator`, `topics`, `arms`, `rounds`, `arms_per_round`, `questions`,
    `max_calls`, `max_tokens`, `dedupe` (embedding or lexical), `held_out`,
    `held_out_personas`. Default `out`: a new `runs/<UTC>-generate-...` folder.

    Returns a `StudyRun` whose `results` is a `GenerateReport`; `files`: bank.jsonl (for
    `probes(items=...)`) and generate.json.
    """
    from valuescope.generate import AdaemConfig
    from valuescope.generate import agenerate as run_generate
    from valuescope.runs import default_run_dir

    pool = split(models)
    require(options.get("dedupe", "embedding") in ("embedding", "lexical"),
            "--dedupe is embedding or lexical")  # fmt: skip
    if "held_out" in options:
        options["held_out"] = split(options["held_out"])
    fields = {"model": pool[0] if pool else "llamacpp", "models": pool, "framework": framework}
    config = AdaemConfig.model_validate(config_fields({**fields, **options}))
    out = path(out) or default_run_dir("generate", config.display_name, config.framework)
    report = await run_generate(config, out, progress, command_line=command_line())
    return StudyRun(out, report, [out / "bank.jsonl", out / "generate.json"])


async def aconstruct(
    model: str = "llamacpp", *, culture: str, related: str | list[str], out: Out = None,
    progress: Progress | None = None, **options: Any,
) -> StudyRun[ConstructReport]:  # fmt: skip
    """CAReDiO: write and refine question-answer pairs for a culture, keep the most
    representative and distinctive, export SFT and DPO data (`valuescope construct`).

    `related`: "C1,C2" or a list, the cultures it must be told apart from. Options:
    `generator`, `judge`, `personas`, `questions`, `rounds`, `keep`, `max_calls`,
    `max_tokens`, `dedupe` (lexical or embedding). Rerunning with the same `out` resumes.

    Returns a `StudyRun` whose `results` is a `ConstructReport`; `files`: construct.json.
    """
    from valuescope.construct import ConstructConfig
    from valuescope.construct import aconstruct as run_construct
    from valuescope.runs import default_run_dir

    require(options.get("dedupe", "lexical") in ("embedding", "lexical"),
            "--dedupe is embedding or lexical")  # fmt: skip
    fields = {"model": model, "culture": culture, "related": split(related), **options}
    config = ConstructConfig.model_validate(config_fields(fields))
    out = path(out) or default_run_dir("construct", config.display_name, config.culture)
    report = await run_construct(config, out, command_line=command_line())
    return StudyRun(out, report, [out / "construct.json"])


def split_model_names(values: str | list[str] | None) -> list[str]:
    """`"a,b"` (or a list) -> model names, keeping the replica URLs of `openai:M@URL1,URL2`
    together: a piece that is a URL continues the previous name."""
    names: list[str] = []
    for piece in split(values):
        if _URL.match(piece) and names and "@" in names[-1]:
            names[-1] += "," + piece
        else:
            names.append(piece)
    return names


async def acompare(
    *run_dirs: Path | str, models: str | list[str] | None = None, framework: str | None = None,
    method: str = "permutation", pooled: bool = False, seed: int = 0, out: Out = None,
    progress: Progress | None = None, **options: Any,
) -> StudyRun[CompareResults]:  # fmt: skip
    """Compare the profiles of `measure` runs of one framework (`valuescope compare`):
    paired tests per dimension over items (Holm), effect sizes, a radar plot.

    `run_dirs`: finished runs. `models`: measure these first (each in `out`) with
    `framework` (default schwartz10) and the measure options `items`, `limit`,
    `paraphrases`, `samples`, `temperature` and the run options. `method`: permutation or
    wilcoxon; `pooled`: compare persona-pooled item means.

    Returns a `StudyRun` whose `results` is a `CompareResults`; `files`: compare.json and
    the radar plot's PNG and SVG.
    """
    from valuescope.analysis.compare import CompareConfig, CompareError
    from valuescope.analysis.compare_run import finish_compare, measure_model, plan_compare
    from valuescope.instruments.likert import MeasureConfig
    from valuescope.runs import default_run_dir

    names, directories = split_model_names(models), [Path(d) for d in run_dirs]
    if not names and options:
        given = ", ".join("--" + k.replace("_", "-") for k in options)
        raise CompareError(f"{given} only apply with --models")
    if len(directories) + len(names) < 2:
        raise CompareError("compare needs at least 2 runs: give RUN_DIRs and/or --models")
    shown = [*(d.name for d in directories), *names]
    out = path(out) or default_run_dir("compare", "-vs-".join(shown)[:80])
    measure: MeasureConfig | None = None
    if names:
        fields = config_fields({"framework": framework or "schwartz10", "seed": seed, **options})
        config_ = new_instrument("measure", {**fields, "model": names[0]}).config
        assert isinstance(config_, MeasureConfig)
        measure = config_
    config = CompareConfig(method=plain(method), seed=seed, scores="pooled" if pooled else "own")
    plan = plan_compare(directories, out, config, framework, names, measure, command_line())
    for index, measured in enumerate(plan.measured, start=1):
        verb = "resuming" if measured.reused else "measuring"
        log(f"{verb} {measured.model} ({index}/{len(plan.measured)})")
        await measure_model(measured, progress)
    finished = finish_compare(plan)
    return StudyRun(finished.directory, finished.results, finished.files)


async def aagreement(
    questionnaire_run: Path | str, probes_run: Path | str, *, out: Out = None
) -> StudyRun[AgreementResults]:
    """Does what a model says about itself (a `measure` run) match what it does (a probes
    run)? (`valuescope agreement`) Spearman over dimensions; with the same personas in both
    runs, Pearson r across personas per dimension with Fisher CIs.

    `out`: the JSON file to write (default: agreement.json in the probes run, whose report
    then shows it). Returns a `StudyRun` whose `results` is an `AgreementResults`.
    """
    from valuescope.analysis.agreement import agreement
    from valuescope.engine import run_finished

    probes = Path(probes_run)
    results = agreement(Path(questionnaire_run), probes)
    file = path(out) or probes / "agreement.json"
    file.write_text(json.dumps(results.model_dump(mode="json"), indent=2) + "\n", "utf-8")
    if out is None:
        run_finished(probes)  # the probes run's report shows its agreement
    return StudyRun(file.parent, results, [file])


async def aresume(
    directory: Path | str, *, command: str | None = None, progress: Progress | None = None,
    model: Model | None = None, judge: Model | None = None,
) -> Run[ResultsBase] | StudyRun[SteerReport]:  # fmt: skip
    """Continue a killed or interrupted run, asking only what it lacks (`--resume DIR`):
    any single run (its manifest says which command made it) or a steer run.

    `command` refuses a run of another command; `model` / `judge`: your own `Model`
    objects, for a run started with them. Returns the run's `Run` (a steer run: `StudyRun`).
    """
    from valuescope.engine import resume
    from valuescope.runs import MANIFEST

    folder = Path(directory)
    if command in (None, "steer"):
        from valuescope.runs import Manifest, read_json_model
        from valuescope.steering.run import LEGACY_CONFIG, read_config

        manifest = folder / MANIFEST
        steer = (folder / LEGACY_CONFIG).is_file() and not manifest.exists()
        if manifest.is_file():
            steer = read_json_model(manifest, Manifest, "a run's manifest").command == "steer"
        if command == "steer" or steer:
            return await _steer(read_config(folder), folder, progress)
    return await resume(folder, command, progress, model, judge)
