"""From finished measure runs to validity's correlations: each run's respondent scores, the
respondents every instrument scored, the MTMM matrix and the criterion signs, the verdict
(see `valuescope.validity`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from valuescope.frameworks import Framework, load_framework
from valuescope.instruments.likert.design import persona_of
from valuescope.instruments.likert.instrument import COMMAND as MEASURE_COMMAND
from valuescope.instruments.likert.instrument import MeasureConfig
from valuescope.instruments.likert.respondent_summary import respondent_scores
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.instruments.likert.summary import MeasureResults
from valuescope.runs import RESULTS, RunStore, package_versions, read_json_model
from valuescope.stats import CriterionCorrelation, MTMMResult, criterion_validity, mtmm
from valuescope.validity.config import (
    ROLES,
    ConstructValidityResults,
    CriterionResults,
    CriterionSigns,
    Role,
    ValidityError,
    ValidityInstrument,
    load_criterion_signs,
    shipped_signs_path,
)
from valuescope.verdict import Reason, Verdict

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
    results = read_json_model(directory / RESULTS, MeasureResults, "the results of a measure run")
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
