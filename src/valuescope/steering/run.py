"""`valuescope steer`: search each method's steering, evaluate them all on held-out tasks,
check trait transfer on the questionnaire, export training data.

A steer run is a folder:

    manifest.json                  the study's manifest (`engine.Study`): settings, its
                                   runs, status (a rerun with other settings is refused)
    split.json                     the optimisation and held-out task ids
    methods/<m>/candidates.jsonl   every candidate the method tried, with its score
    methods/<m>/artifact.json      the winner: reusable with --steering (measure, probes,
                                   safety, the Python API)
    methods/<m>/method.json        how the search ended, requests and tokens spent
    methods/levels/levels.json     the 9-level calibration (with --calibration-items)
    evaluation/                    an engine run: every condition on the held-out tasks
    transfer/<condition>/          questionnaire runs, bare and steered (--transfer-items)
    export/sft.jsonl, dpo.jsonl    the steered answers as TRL training records
    steer.json                     everything above in one report

Resuming is rerunning with the same `--out` (or `--resume DIR`; a folder made before steer
runs had a manifest is adopted through its steer-config.json): a finished method is read
back; an unfinished one is searched again, its requests answered from the response
cache (greedy answers, seeded proposals) so it retraces its path at no model cost; the
evaluation and transfer runs resume like any run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from valuescope.engine import ConfigError, Progress, Study, resume, run
from valuescope.frameworks import Framework, load_framework
from valuescope.judges import Judge
from valuescope.models import CachedModel, RunUsage
from valuescope.runs import MANIFEST, RunStore, default_run_dir
from valuescope.steering.artifact import (
    ARTIFACT_FILE,
    METHODS_DIR,
    MethodName,
    RewriteConfig,
    SteeringArtifact,
)
from valuescope.steering.config import SteerConfig
from valuescope.steering.evaluation import EvaluationConfig, EvaluationInstrument
from valuescope.steering.export import EXPORT_DIR, write_export
from valuescope.steering.methods import method_class
from valuescope.steering.methods.baselines import value_instruction
from valuescope.steering.report import METHOD_FILE, REPORT_FILE, MethodReport, SteerReport
from valuescope.steering.search import (
    CANDIDATES_FILE,
    BudgetExhausted,
    CallBudget,
    MethodContext,
    MethodOutcome,
    SearchLog,
)
from valuescope.steering.summary import EvaluationResults
from valuescope.steering.tasks import TaskSplit, load_tasks, split_tasks
from valuescope.steering.transfer import transfer_table

COMMAND = "steer"
LEGACY_CONFIG = "steer-config.json"
"""The settings file of steer runs made before they had a manifest (adopted on a rerun)."""
SPLIT_FILE = "split.json"
EVALUATION_DIR = "evaluation"
Log = Callable[[str], None]


def default_out(config: SteerConfig) -> Path:
    return default_run_dir(COMMAND, config.display_name, config.framework)


def read_config(directory: Path) -> SteerConfig:
    """The settings of the steer run in `directory` (for `--resume`): its manifest's, or
    for a run made before steer runs had one, its steer-config.json's."""
    if (directory / MANIFEST).is_file():
        manifest = RunStore.open_existing(directory, COMMAND).manifest
        return SteerConfig.model_validate(manifest.config)
    path = directory / LEGACY_CONFIG
    if not path.is_file():
        raise ConfigError(f"{directory} is not a steer run (no {MANIFEST})")
    return SteerConfig.model_validate_json(path.read_text("utf-8"))


class Steerer:
    """One steer run over one folder (see the module docstring)."""

    def __init__(self, config: SteerConfig, out: Path, log: Log | None = None,
                 progress: Progress | None = None, command_line: str | None = None,
                 ) -> None:  # fmt: skip
        if config.steering is not None:
            raise ConfigError("steer searches from the bare model: --steering is not taken here")
        self.config = config
        self.out = out
        self.log = log or (lambda _: None)
        self.progress = progress
        self.framework: Framework = load_framework(config.framework)
        unknown = [d for d in config.target.dimensions if d not in self.framework.ids]
        if unknown or config.target.framework != self.framework.id:
            raise ConfigError(f"the target is not on {self.framework.id}: {unknown}")
        self.study = Study.open(COMMAND, config, out, model=config.model, seed=config.seed,
                                instrument=self.framework.id, command_line=command_line,
                                legacy=LEGACY_CONFIG)  # fmt: skip
        self.split = self._split()

    # -- the folder ----------------------------------------------------------------------

    def _split(self) -> TaskSplit:
        path = self.out / SPLIT_FILE
        if path.is_file():
            return TaskSplit.model_validate_json(path.read_text("utf-8"))
        source = self.config.prompts
        tasks = load_tasks(Path(source) if source else None)
        split = split_tasks(tasks, self.config.seed, source or "shipped",
                            self.config.optimisation_tasks, self.config.held_out_tasks)  # fmt: skip
        path.write_text(split.model_dump_json(indent=2) + "\n", "utf-8")
        return split

    # -- the run -------------------------------------------------------------------------

    def _open(self, name: str | None, subject: CachedModel) -> CachedModel:
        if name is None or name == self.config.model:
            return subject
        return self.config.model_copy(update={"model": name}).open_model()

    async def run(self) -> SteerReport:
        subject = self.config.open_model()
        judge = self._open(self.config.judge, subject)
        optimiser = self._open(self.config.optimiser, subject)
        models = {id(m): m for m in (subject, judge, optimiser)}
        try:
            reports: dict[str, MethodReport] = {}
            for method in self.config.methods:
                reports[method] = await self._method(method, subject, judge, optimiser)
        finally:
            for model in models.values():
                await model.aclose()
        report = SteerReport(
            framework=self.framework.id, target=self.config.target.priorities,
            scale=self.config.target.scale, model=self.config.model, methods=reports,
            split={"optimisation": [t.id for t in self.split.optimisation],
                   "held_out": [t.id for t in self.split.held_out]},
            warnings=self.config.notes([]),
        )  # fmt: skip
        if self.config.evaluate:
            report.evaluation = await self._evaluate()
            report.export = write_export(self.out / EVALUATION_DIR, self.split.held_out,
                                         self.out / EXPORT_DIR)  # fmt: skip
        if self.config.transfer_items:
            rows, notes = await transfer_table(self.config, self.framework, self.out,
                                               report.evaluation, self.progress)  # fmt: skip
            report.transfer, report.warnings = rows, report.warnings + notes
        (self.out / REPORT_FILE).write_text(report.model_dump_json(indent=2) + "\n", "utf-8")
        self.study.finish()
        return report

    async def _method(self, name: MethodName, subject: CachedModel, judge: CachedModel,
                      optimiser: CachedModel) -> MethodReport:  # fmt: skip
        folder = self.out / METHODS_DIR / name
        if (folder / METHOD_FILE).is_file() and (folder / ARTIFACT_FILE).is_file():
            self.log(f"{name}: finished earlier, read back")
            return MethodReport.model_validate_json((folder / METHOD_FILE).read_text("utf-8"))
        self.log(f"{name}: searching on {len(self.split.optimisation)} tasks")
        context = MethodContext(
            method=name, model=subject, optimiser=optimiser,
            judge=Judge(judge, self.framework, self.config.judge_mode,
                        self.config.min_option_mass),
            framework=self.framework, target=self.config.target,
            tasks=self.split.optimisation, settings=self.config.search,
            budget=CallBudget(self.config.max_calls), log=SearchLog(folder / CANDIDATES_FILE),
            seed=self.config.seed,
        )  # fmt: skip
        before = _usage([subject, judge, optimiser])
        try:
            outcome = await method_class(name)().search(context)
        except BudgetExhausted as exhausted:
            outcome = self._best_so_far(context, str(exhausted))
        chosen = context.log.best()
        if chosen is not None:
            context.log.mark_chosen(chosen)
        artifact = SteeringArtifact(
            method=name, framework=self.framework.id, target=self.config.target,
            instruction=outcome.instruction, reflections=outcome.reflections,
            rewrite=self._rewrite(outcome) if name == "couple" else None,
            score=outcome.score, source=str(self.out),
        )  # fmt: skip
        artifact.save(folder / ARTIFACT_FILE)
        notes = list(outcome.notes)
        if name == "levels" and self.config.calibration_items:
            notes += await self._calibrate(subject, folder)
        report = MethodReport(
            method=name, stopped=outcome.stopped, rounds_run=outcome.rounds_run,
            candidates=len(context.log.candidates), score=outcome.score,
            requests=context.budget.spent, max_calls=self.config.max_calls,
            usage=_usage([subject, judge, optimiser], minus=before), notes=notes,
        )  # fmt: skip
        (folder / METHOD_FILE).write_text(report.model_dump_json(indent=2) + "\n", "utf-8")
        score = "no candidate scored" if report.score is None else f"score {report.score:.3f}"
        self.log(f"{name}: {report.stopped}, {report.requests} requests, {score}")
        return report

    def _best_so_far(self, context: MethodContext, why: str) -> MethodOutcome:
        """The outcome when the budget stopped a search: its best candidate, else the
        plain value instruction (said in the notes, with the budget's figures)."""
        best = context.log.best()
        rounds = max((c.round for c in context.log.candidates), default=0)
        if best is None:
            text = value_instruction(self.framework, self.config.target)
            note = (
                f"fell back to the plain value instruction: {why} (--max-calls), so no "
                "candidate was scored"
            )
            return MethodOutcome(
                instruction=text, stopped="budget", rounds_run=rounds, notes=[note],
                rewrite_threshold=self.config.search.threshold,
            )  # fmt: skip
        return MethodOutcome(
            instruction=None if best.reflections else best.text, reflections=best.reflections,
            score=best.score, rounds_run=rounds, stopped="budget",
            notes=[f"stopped early, its best candidate so far kept: {why} (--max-calls)"],
            rewrite_threshold=self.config.search.threshold,
        )  # fmt: skip

    def _rewrite(self, outcome: MethodOutcome) -> RewriteConfig:
        threshold = outcome.rewrite_threshold
        return RewriteConfig(
            threshold=self.config.search.threshold if threshold is None else threshold,
            max_tokens=self.config.search.max_tokens, judge_mode=self.config.judge_mode,
        )  # fmt: skip

    async def _calibrate(self, subject: CachedModel, folder: Path) -> list[str]:
        """`levels`: the 9-level calibration on the questionnaire, one target value at a
        time (single) and all at once (multi, with more than one target value)."""
        from valuescope.steering.levels_calibration import calibrate_levels, write_calibration

        dimensions = self.config.target.dimensions
        designs = ["single", "multi"] if len(dimensions) > 1 else ["single"]
        notes = []
        for design in designs:
            result = await calibrate_levels(
                subject, self.framework.id, dimensions, design=design,  # type: ignore[arg-type]
                items_per_dimension=self.config.calibration_items, profiles=9,
                seed=self.config.seed, min_option_mass=self.config.min_option_mass,
            )  # fmt: skip
            path = write_calibration(folder / f"levels-{design}.json", result)
            notes.append(
                f"9-level calibration ({design}, {path.name}): " + "; ".join(result.summary())
            )
        return notes

    async def _evaluate(self) -> EvaluationResults:
        directory = self.study.child(EVALUATION_DIR)
        self.log(f"evaluation: {len(self.config.methods) + 1} conditions x "
                 f"{len(self.split.held_out)} held-out tasks")  # fmt: skip
        if (directory / MANIFEST).is_file():
            finished = await resume(directory, "steer-eval", self.progress)
        else:
            config = EvaluationConfig(
                **self.config.model_dump(include={"model", "seed", "min_option_mass",
                                                  "settings", "use_cache", "cache_dir"}),
                framework=self.framework.id, target=self.config.target,
                steer_dir=str(self.out), methods=list(self.config.methods),
                tasks=self.split.held_out, judge=self.config.judge,
                judge_mode=self.config.judge_mode, max_tokens=self.config.search.max_tokens,
            )  # fmt: skip
            finished = await run(EvaluationInstrument(config), directory, self.progress)
        assert isinstance(finished.results, EvaluationResults)
        return finished.results


def _usage(models: list[CachedModel], minus: RunUsage | None = None) -> RunUsage:
    """The summed usage of the distinct `models` (less `minus`)."""
    total = RunUsage()
    for model in {id(m): m for m in models}.values():
        for field in ("model_calls", "cache_hits", "prompt_tokens", "completion_tokens"):
            setattr(total, field, getattr(total, field) + getattr(model.usage, field))
    if minus is not None:
        for field in ("model_calls", "cache_hits", "prompt_tokens", "completion_tokens"):
            setattr(total, field, getattr(total, field) - getattr(minus, field))
    return total
