"""`validity`: construct validity of questionnaires over simulated respondents, by the
multitrait-multimethod (MTMM) design of Serapio-Garcia et al. (Nature MI 2025).

Two instruments for the same traits, A and B (`bigfive` and `bigfive_short`: other items,
another response scale), are given to the *same* simulated respondents: one design, one
persona sample, one seed, so that respondent `p017/i3/a2` answers both. Each instrument is a
normal `measure` run in `<out>/measure-<i>-<name>/`, resumable on its own; running the
command again with the same `--out` resumes (or just reuses) those runs, and refuses one
that was started with other settings. A respondent's score on a dimension is the mean of
its item scores (`respondent_scores`); `stats.mtmm` then gives

- the convergent r per trait (A's trait with B's same trait; rule: every r >= 0.60), and
- the discriminant gap: mean convergent r - mean |r| between *different* traits across the
  instruments (rule: >= 0.40), with a bootstrap CI over respondents.

B's dimensions are matched to A's by id; `mapping` renames B's where the ids differ (a
user's framework with `negative_emotionality` for `neuroticism`).

With a criterion instrument C (`schwartz10`), each trait of A is correlated with the
criterion dimensions that a signs file names, and each sign checked (`criterion_validity`).
valuescope ships one signs file, Big Five vs Schwartz's ten values (`instruments/data/
criteria/bigfive-schwartz10.yaml`, with its sources); others are passed as files.

Everything goes into `validity.json` (`ConstructValidityResults`) and a heatmap of the MTMM
matrix (`charts.heatmap`). The respondent design is what makes this possible: one model is
one respondent, and a correlation over one respondent means nothing.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from valuescope.datasets import DataFileError, load_yaml_located, located_error
from valuescope.engine import (
    ConfigError,
    Progress,
    RunConfig,
    resume,
    run,
    run_finished,
    run_sync,
)
from valuescope.frameworks import Framework, load_framework
from valuescope.instruments.likert.design import DesignName, persona_of
from valuescope.instruments.likert.instrument import COMMAND as MEASURE_COMMAND
from valuescope.instruments.likert.instrument import LikertInstrument, MeasureConfig
from valuescope.instruments.likert.named import InstrumentSpec, resolve_instrument
from valuescope.instruments.likert.respondent_summary import RespondentDesign, respondent_scores
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.instruments.likert.summary import MeasureResults
from valuescope.runs import MANIFEST, RESULTS, Record, RunStore, default_run_dir, package_versions
from valuescope.stats import CriterionCorrelation, MTMMResult, criterion_validity, mtmm
from valuescope.verdict import Reason, Verdict

COMMAND = "validity"
VALIDITY_FILE = "validity.json"
HEATMAP_STEM = "mtmm"
Role = Literal["A", "B", "criterion"]
ROLES: tuple[Role, ...] = ("A", "B", "criterion")
RUNTIME_FIELDS = {"settings", "use_cache", "cache_dir"}
"""Run options that do not change what is measured: a reused run may differ in them."""


class ValidityError(ConfigError):
    """Runs or options that cannot give a validity result (other respondents, another
    model, a run started with other settings): one line, exit 2 in the CLI."""


# -- configuration ---------------------------------------------------------------------------


class ConstructValidityConfig(RunConfig):
    """What a validity study measures; the run options (model, seed, cache) are shared by
    every instrument's `measure` run."""

    instruments: list[str] = Field(min_length=2, max_length=2)
    """A and B: shipped bank ids or files (`instruments.likert.named`)."""
    criterion: str | None = None
    """C: an instrument whose dimensions A's traits should track (e.g. schwartz10)."""
    criterion_signs: str | None = None
    """A YAML of expected signs (`CriterionSigns`); None = the shipped file for A and C."""
    mapping: dict[str, str] = Field(default_factory=dict)
    """B's dimension id -> A's, where they differ."""
    design: DesignName = "quick"
    personas: int | None = None
    personas_file: str | None = None
    limit: int | None = None
    paraphrases: int | None = None
    frameworks_dir: str | None = None
    intervals: bool = True
    """Intervals of the correlations and the gap (jackknife over personas or respondents)."""

    @model_validator(mode="before")
    @classmethod
    def _legacy_n_boot(cls, data: Any) -> Any:
        """Configs written before the jackknife said `n_boot` (0 = no intervals)."""
        if isinstance(data, dict) and "n_boot" in data:
            data = dict(data)
            data.setdefault("intervals", bool(data.pop("n_boot")))
        return data

    @field_validator("design")
    @classmethod
    def _has_respondents(cls, value: DesignName) -> DesignName:
        if value == "none":
            raise ValueError("validity needs simulated respondents: quick, standard or full")
        return value

    def measure_config(self, spec: InstrumentSpec) -> MeasureConfig:
        """The `measure` configuration of one instrument: the same respondents for all."""
        shared = self.model_dump(include=set(RunConfig.model_fields))
        return MeasureConfig(
            **shared,
            framework=spec.framework,
            items=spec.items,
            scale=spec.scale,
            columns=spec.columns,
            frameworks_dir=self.frameworks_dir,
            limit=self.limit,
            paraphrases=self.paraphrases,
            design=self.design,
            personas=self.personas,
            personas_file=self.personas_file,
        )


class CriterionSigns(BaseModel):
    """The expected sign of each (trait, criterion dimension) correlation."""

    model_config = ConfigDict(extra="forbid")

    traits: str
    """The framework of the traits (A's)."""
    criterion: str
    """The framework of the criterion instrument (C's)."""
    source: str = ""
    """Where the expectations come from."""
    expected: dict[str, dict[str, Literal[1, -1]]]
    """trait -> criterion dimension -> +1 or -1."""


def shipped_signs_path(traits: str, criterion: str) -> Path:
    """Where valuescope's signs file for these two frameworks would be."""
    data = files("valuescope.instruments").joinpath("data", "criteria")
    return Path(str(data.joinpath(f"{traits}-{criterion}.yaml")))


def load_mapping(path: Path) -> dict[str, str]:
    """A mapping file: a YAML mapping of B's dimension names to A's, e.g.
    `{negative_emotionality: neuroticism, open_mindedness: openness}`; a `-` before A's name
    reverses B's dimension first (`emotional_stability: -neuroticism`)."""
    data = load_yaml_located(path)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise DataFileError(
            path, getattr(data, "line", 1), "expected `B_dimension: A_dimension` lines"
        )
    return {str(k): str(v) for k, v in data.items()}


def load_criterion_signs(path: Path) -> CriterionSigns:
    data = load_yaml_located(path)
    try:
        return CriterionSigns.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc


# -- results ---------------------------------------------------------------------------------


class ValidityInstrument(BaseModel):
    role: Role
    name: str
    """The item bank's id."""
    framework: str
    run: str
    """Its `measure` run directory."""
    n_items: int
    """Items the respondents answered."""
    dimensions: list[str]


class CriterionResults(BaseModel):
    instrument: str
    signs_file: str
    source: str
    correlations: list[CriterionCorrelation]
    """A's trait with C's dimension, in the signs file's order."""
    n_matching: int
    """Correlations whose sign is the expected one."""
    n_defined: int
    n_supported: int
    """Of the matching ones, those whose 95% CI excludes 0."""
    skipped: list[str] = Field(default_factory=list)
    """`trait~criterion` pairs of the signs file that a run did not measure (--limit)."""


class ConstructValidityResults(Record):
    """What `validity.json` holds."""

    command: str = COMMAND
    model: str
    seed: int
    instruments: list[ValidityInstrument]
    """A, B, then the criterion instrument where there is one."""
    design: RespondentDesign
    n_respondents: int
    """Respondents who answered every instrument."""
    mapping: dict[str, str]
    """B's dimension -> A's, as used; `-` before A's id where B's dimension was reversed
    (its scores mirrored on its scale) before correlating."""
    mtmm: MTMMResult
    criterion: CriterionResults | None = None
    passed: bool | None
    """Both MTMM rules hold (None: one could not be decided)."""
    failure: str | None = None
    """Why nothing could be computed (no respondent answered every instrument, or an
    instrument's run failed), in one line: the CLI exits 4."""
    verdict: Verdict | None = None
    """The instruments' own verdicts and whether construct validity could be decided."""
    files: list[str] = Field(default_factory=list)
    """The heatmap's files (relative to the folder of validity.json)."""
    warnings: list[str] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)


# -- planning and measuring ------------------------------------------------------------------


@dataclass
class PlannedRun:
    """One instrument's `measure` run inside the validity folder."""

    role: Role
    spec: InstrumentSpec
    instrument: LikertInstrument
    directory: Path

    @property
    def reused(self) -> bool:
        return (self.directory / MANIFEST).exists()


def default_out(config: ConstructValidityConfig) -> Path:
    names = [*config.instruments, *([config.criterion] if config.criterion else [])]
    labels = [Path(n).stem for n in names]
    return default_run_dir(COMMAND, config.display_name, "-vs-".join(labels)[:80])


def plan_runs(config: ConstructValidityConfig, out: Path) -> list[PlannedRun]:
    """Every instrument's run, checked before the first answer: names resolve, options fit
    the banks, the mapping and the signs fit the frameworks, a run already in `out` was
    started with these settings."""
    extra = Path(config.frameworks_dir) if config.frameworks_dir else None
    names = [*config.instruments, *([config.criterion] if config.criterion else [])]
    planned = []
    for index, (role, name) in enumerate(zip(ROLES, names, strict=False), start=1):
        spec = resolve_instrument(name, extra)
        instrument = LikertInstrument(config.measure_config(spec))
        directory = out / f"measure-{index}-{spec.label}"
        planned.append(PlannedRun(role, spec, instrument, directory))
        if (directory / MANIFEST).exists():
            check_same_measurement(directory, instrument.config)
    if _picks(planned[0].spec) == _picks(planned[1].spec):
        raise ValidityError(f"A and B are the same instrument ({planned[0].spec.label})")
    a, b = planned[0].instrument.framework, planned[1].instrument.framework
    resolve_mapping(config.mapping, b, a)
    if len(planned) > 2:
        signs_for(config.criterion_signs, a, planned[2].instrument.framework, extra)
    return planned


def _picks(spec: InstrumentSpec) -> tuple[object, ...]:
    return spec.framework, spec.items, spec.scale, spec.columns


def check_same_measurement(directory: Path, config: MeasureConfig) -> None:
    """A run found in the validity folder must measure what this study asks for."""
    stored = MeasureConfig.model_validate(RunStore.open_existing(directory).manifest.config)
    old = stored.model_dump(mode="json", exclude=RUNTIME_FIELDS)
    new = config.model_dump(mode="json", exclude=RUNTIME_FIELDS)
    changed = [f"{key}: {old.get(key)!r} there, {new.get(key)!r} now" for key in new
               if old.get(key) != new[key]]  # fmt: skip
    if changed:
        raise ValidityError(
            f"{directory} holds a measure run with other settings ({'; '.join(changed)}): "
            "run with the same options, or choose another --out"
        )


async def measure_planned(
    planned: PlannedRun, progress: Progress | None = None, command_line: str | None = None
) -> None:
    """Run the instrument, or resume its run (a finished run's resume asks nothing)."""
    if planned.reused:
        await resume(planned.directory, MEASURE_COMMAND, progress)
    else:
        await run(planned.instrument, planned.directory, progress, command_line=command_line)


# -- from runs to correlations ---------------------------------------------------------------


@dataclass
class RespondentTable:
    """One finished run's respondent scores: dimension -> respondent -> scale score."""

    directory: Path
    config: MeasureConfig
    results: MeasureResults
    framework: Framework
    respondents: set[str]
    """Every respondent that answered (whether or not each score is valid)."""
    scores: dict[str, dict[str, float]]
    n_items: int
    invalid_reasons: list[tuple[str, int]] = field(default_factory=list)
    """Why respondents' answers were invalid: (reason, answers), the most frequent first."""


def respondent_table(directory: Path) -> RespondentTable:
    """Read a finished `measure` run with a respondent design and score its respondents."""
    store = RunStore.open_existing(directory, MEASURE_COMMAND)
    if not (directory / RESULTS).is_file():
        raise ValidityError(f"{directory} is unfinished: it has no {RESULTS}")
    config = MeasureConfig.model_validate(store.manifest.config)
    results = MeasureResults.model_validate_json((directory / RESULTS).read_text("utf-8"))
    samples = [s for s in store.read_samples(LikertSample) if s.respondent is not None]
    if results.respondents is None or not samples:
        raise ValidityError(f"{directory} has no simulated respondents (measure --design)")
    extra = Path(config.frameworks_dir) if config.frameworks_dir else None
    framework = load_framework(config.framework, extra)
    scores: dict[str, dict[str, float]] = {}
    for dim in framework.ids:
        answered = [s for s in samples if s.dimension == dim]
        item_ids = sorted({s.item_id for s in answered})
        if item_ids:
            scores[dim] = respondent_scores(answered, item_ids)
    return RespondentTable(
        directory=directory,
        config=config,
        results=results,
        framework=framework,
        respondents={s.respondent for s in samples if s.respondent is not None},
        scores=scores,
        n_items=len({s.item_id for s in samples}),
        invalid_reasons=Counter(
            s.invalid_reason or "unknown" for s in samples if not s.valid
        ).most_common(),
    )


def common_respondents(tables: Sequence[RespondentTable]) -> list[str]:
    """The respondents, who must be the same in every run (same design, personas, seed)."""
    first = tables[0]
    for other in tables[1:]:
        if other.config.model != first.config.model:
            raise ValidityError(
                f"{first.directory} measured {first.config.model}, {other.directory} "
                f"{other.config.model}: MTMM compares instruments on the same respondents"
            )
        if other.respondents != first.respondents:
            only_first = sorted(first.respondents - other.respondents)
            only_other = sorted(other.respondents - first.respondents)
            raise ValidityError(
                f"the runs were answered by different respondents: {len(only_first)} only in "
                f"{first.directory} (e.g. {only_first[:2]}), {len(only_other)} only in "
                f"{other.directory} (e.g. {only_other[:2]}); run them with the same --design, "
                "--personas and --seed"
            )
    return sorted(first.respondents)


def columns(table: RespondentTable, respondents: Sequence[str]) -> dict[str, list[float]]:
    """dimension -> scores in `respondents` order (NaN = no valid score)."""
    return {
        dim: [by_respondent.get(r, math.nan) for r in respondents]
        for dim, by_respondent in table.scores.items()
    }


def resolve_mapping(
    mapping: Mapping[str, str], b: Framework, a: Framework
) -> tuple[dict[str, str], set[str]]:
    """(B's dimension -> A's, B's dimensions to reverse first): names matched leniently, a
    leading `-` on A's name reverses (`emotional_stability: -neuroticism`); unknown names
    raise ValidityError."""
    resolved: dict[str, str] = {}
    reversed_: set[str] = set()
    for b_name, written in mapping.items():
        a_name = written.strip()
        flip = a_name.startswith("-")
        a_name = a_name.removeprefix("-").strip()
        b_id, a_id = b.resolve(b_name), a.resolve(a_name)
        if b_id is None or a_id is None:
            side, name, fw = ("B", b_name, b) if b_id is None else ("A", a_name, a)
            raise ValidityError(
                f"mapping: {name!r} is no dimension of {side}'s framework {fw.id} "
                f"({', '.join(fw.ids)})"
            )
        resolved[b_id] = a_id
        if flip:
            reversed_.add(b_id)
    return resolved, reversed_


def signs_for(
    signs_file: str | None, a: Framework, c: Framework, extra: Path | None = None
) -> tuple[CriterionSigns, Path]:
    """The expected signs for A's traits and C's dimensions, checked against both."""
    path = Path(signs_file) if signs_file else shipped_signs_path(a.id, c.id)
    if not path.is_file():
        raise ValidityError(
            f"valuescope ships no expected signs for {a.id} vs {c.id}: give a YAML with "
            "--criterion-signs (traits:, criterion:, source:, expected: {trait: {dim: 1}})"
        )
    signs = load_criterion_signs(path)
    for declared, fw in ((signs.traits, a), (signs.criterion, c)):
        if load_framework(declared, extra).id != fw.id:
            raise ValidityError(f"{path}: written for {declared}, the instrument is {fw.id}")
    for trait, row in signs.expected.items():
        unknown = ([trait] if a.resolve(trait) is None else []) + [
            name for name in row if c.resolve(name) is None
        ]
        if unknown:
            raise ValidityError(f"{path}: {unknown} are no dimensions of {a.id} / {c.id}")
    return signs, path


def criterion_results(
    a: RespondentTable,
    c: RespondentTable,
    respondents: Sequence[str],
    signs: CriterionSigns,
    path: Path,
) -> CriterionResults:
    expected: dict[tuple[str, str], int] = {}
    skipped = []
    for trait_name, row in signs.expected.items():
        trait = a.framework.resolve(trait_name) or trait_name
        for name, sign in row.items():
            dim = c.framework.resolve(name) or name
            if trait in a.scores and dim in c.scores:
                expected[(trait, dim)] = sign
            else:
                skipped.append(f"{trait}~{dim}")
    correlations = criterion_validity(
        {k: np.asarray(v) for k, v in columns(a, respondents).items()},
        {k: np.asarray(v) for k, v in columns(c, respondents).items()},
        expected,
        clusters=[persona_of(r) for r in respondents],
    )
    return CriterionResults(
        instrument=c.results.instrument,
        signs_file=str(path),
        source=signs.source,
        correlations=correlations,
        n_matching=sum(1 for x in correlations if x.sign_matches),
        n_defined=sum(1 for x in correlations if x.sign_matches is not None),
        n_supported=sum(1 for x in correlations if _supported(x)),
        skipped=skipped,
    )


def _supported(x: CriterionCorrelation) -> bool:
    low, high = x.r.ci_low, x.r.ci_high
    if not x.sign_matches or low is None or high is None:
        return False
    return low > 0 if x.expected_sign > 0 else high < 0


def validity_from_runs(
    a_dir: Path,
    b_dir: Path,
    criterion_dir: Path | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    criterion_signs: str | None = None,
    intervals: bool = True,
) -> ConstructValidityResults:
    """MTMM (and criterion) validity from finished `measure` runs with the same respondents.

    This is the whole computation; `arun_validity` measures first, then calls it."""
    tables = [respondent_table(a_dir), respondent_table(b_dir)]
    if criterion_dir is not None:
        tables.append(respondent_table(criterion_dir))
    respondents = common_respondents(tables)
    a, b = tables[0], tables[1]
    renamed, reverse = resolve_mapping(mapping or {}, b.framework, a.framework)
    seed = a.config.seed
    b_scale = b.results.scale
    b_columns = {
        k: (b_scale.minimum + b_scale.maximum) - np.asarray(v) if k in reverse else np.asarray(v)
        for k, v in columns(b, respondents).items()
    }
    result = mtmm(
        {k: np.asarray(v) for k, v in columns(a, respondents).items()},
        b_columns,
        renamed,
        intervals=intervals,
        clusters=[persona_of(r) for r in respondents],
    )
    criterion = None
    if criterion_dir is not None:
        extra = Path(a.config.frameworks_dir) if a.config.frameworks_dir else None
        signs, path = signs_for(criterion_signs, a.framework, tables[2].framework, extra)
        criterion = criterion_results(a, tables[2], respondents, signs, path)
    design = a.results.respondents
    assert design is not None  # respondent_table checked it
    passed = _passed(result)
    return ConstructValidityResults(
        failure=_failure(tables, respondents),
        verdict=_verdict(tables, passed, result),
        model=a.config.model,
        seed=seed,
        instruments=[_instrument(role, t) for role, t in zip(ROLES, tables, strict=False)],
        design=design.design,
        n_respondents=len(respondents),
        mapping={k: ("-" if k in reverse else "") + v for k, v in renamed.items()},
        mtmm=result,
        criterion=criterion,
        passed=passed,
        warnings=_warnings(tables, respondents),
        versions=package_versions(),
    )


def _instrument(role: Role, table: RespondentTable) -> ValidityInstrument:
    return ValidityInstrument(
        role=role,
        name=table.results.instrument,
        framework=table.framework.id,
        run=str(table.directory),
        n_items=table.n_items,
        dimensions=list(table.scores),
    )


def _failure(tables: Sequence[RespondentTable], respondents: Sequence[str]) -> str | None:
    for role, table in zip(ROLES, tables, strict=False):
        if table.results.failure is not None:
            return f"{role} ({table.results.instrument}) failed: {table.results.failure}"
    if not respondents:
        return "no simulated respondent has scores on every instrument: nothing to correlate"
    return None


def _verdict(tables: Sequence[RespondentTable], passed: bool | None, result: MTMMResult) -> Verdict:
    """Each instrument's own verdict (named by its role), and whether the MTMM rules could
    be decided: undecided needs care; a rule that fails is a finding, not a doubt."""
    reasons = []
    for role, table in zip(ROLES, tables, strict=False):
        own = table.results.verdict
        if own is None:
            continue
        text = f"{role} ({table.results.instrument}), the model's own profile: {own.explained()}"
        reasons.append(Reason(check=f"instrument {role}", level=own.level, text=text))
    if passed is None:
        grouped: dict[str, list[str]] = {}
        for key, reason in result.reasons.items():
            grouped.setdefault(reason, []).append(key)
        why = "; ".join(f"{', '.join(keys)}: {reason}" for reason, keys in grouped.items())
        text = "construct validity is undecided" + (f": {why}" if why else "")
        reasons.append(Reason(check="construct", level="interpret with care", text=text))
    else:
        text = (
            "both MTMM rules could be decided ("
            + ("they hold" if passed else "at least one fails: a finding about the instruments")
            + ")"
        )
        reasons.append(Reason(check="construct", level="interpretable", text=text))
    return Verdict.of(reasons)


def _passed(result: MTMMResult) -> bool | None:
    flags = (result.convergent_pass, result.discriminant_pass)
    if False in flags:
        return False
    return None if None in flags else True


def _warnings(tables: Sequence[RespondentTable], respondents: Sequence[str]) -> list[str]:
    notes: list[str] = []
    for role, table in zip(ROLES, tables, strict=False):
        missing = sum(len(respondents) - len(s) for s in table.scores.values())
        if missing:
            reasons = "; ".join(f"{n} x {why}" for why, n in table.invalid_reasons[:3])
            notes.append(
                f"{role} ({table.results.instrument}): {missing} respondent scores missing "
                "over its dimensions (a respondent's item without a valid answer"
                + (f": {reasons}" if reasons else "")
                + "); correlations use the respondents scored on both sides"
            )
        notes += [w for w in table.results.warnings if w not in notes]
    return notes


# -- writing and the whole flow --------------------------------------------------------------


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
    run_finished(out)
    return [path, *plots]


@dataclass
class ValidityRun:
    directory: Path
    results: ConstructValidityResults
    files: list[Path]
    """validity.json, then the heatmap's PNG and SVG."""


def results_for(config: ConstructValidityConfig, planned: Sequence[PlannedRun]) -> ValidityRun:
    """Compute and write the results of measured runs (the CLI measures them itself)."""
    out = planned[0].directory.parent
    results = validity_from_runs(
        planned[0].directory,
        planned[1].directory,
        planned[2].directory if len(planned) > 2 else None,
        mapping=config.mapping,
        criterion_signs=config.criterion_signs,
        intervals=config.intervals,
    )
    return ValidityRun(out, results, write_validity(results, out))


async def arun_validity(
    config: ConstructValidityConfig, out: Path | None = None, progress: Progress | None = None
) -> ValidityRun:
    """Measure every instrument (or resume their runs in `out`), then compute and write."""
    planned = plan_runs(config, out or default_out(config))
    for one in planned:
        await measure_planned(one, progress)
    return results_for(config, planned)


def run_validity(
    config: ConstructValidityConfig, out: Path | None = None, progress: Progress | None = None
) -> ValidityRun:
    """The sync twin of `arun_validity` (works inside a running event loop too)."""

    return run_sync(arun_validity(config, out, progress))
