"""`agreement`: does what a model says about itself match what it does?

Compares a questionnaire run (`measure`) with a probes run (`measure --instrument probes`)
of the same model on the same framework:

- **over dimensions**: Spearman's rho between the questionnaire profile and the probes
  profile (does the value the model rates highest also show most in its free answers?),
  with scipy's p-value; with 5-10 dimensions this is a coarse check.
- **over respondents**, when both runs used the same personas (same `--personas`/`--design`
  and `--seed`): per dimension, Pearson r across personas between a persona's questionnaire
  score (the mean of its respondents' scale scores) and its mean judged score on the probes,
  with a Fisher CI. Serapio-Garcia et al. (Nature MI 2025) report survey-vs-text r = 0.67 on
  average for their best model; that is the anchor.

Nothing is asked of a model here: both runs must be finished. Results go to
`<out>/agreement.json`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from scipy import stats as scipy_stats

from valuescope.engine import ConfigError
from valuescope.instruments.likert.summary import MeasureResults
from valuescope.instruments.probes import ProbesResults
from valuescope.runs import RESULTS, Record, RunStore, read_json_model
from valuescope.stats import CIStat, fisher_ci

MIN_PERSONAS = 5
"""Fewer common personas than this: no correlation over respondents (its CI would span
nearly -1..1)."""


class DimensionAgreement(BaseModel):
    questionnaire: float | None
    probes: float | None
    r_over_personas: CIStat | None = None
    n_personas: int = 0


class AgreementResults(Record):
    model: str
    framework: str
    questionnaire_run: str
    probes_run: str
    dimensions: dict[str, DimensionAgreement]
    spearman: CIStat
    """rho over the dimensions both profiles score (ci_low/ci_high unused; p in `p_value`)."""
    p_value: float | None
    mean_r_over_personas: float | None = None
    n_common_personas: int = 0
    notes: list[str] = Field(default_factory=list)


def _results(directory: Path, command: str, model: type[BaseModel]) -> BaseModel:
    RunStore.open_existing(directory, command)
    path = directory / RESULTS
    if not path.is_file():
        raise ConfigError(f"{directory} is unfinished (no {RESULTS}): resume it first")
    return read_json_model(path, model, f"the results of a {command} run")


def _questionnaire_personas(directory: Path) -> dict[str, dict[str, float]]:
    """persona id -> dimension -> mean scale score over that persona's respondents."""
    from valuescope.validity import respondent_table

    table = respondent_table(directory)
    out: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for dimension, by_respondent in table.scores.items():
        for respondent, score in by_respondent.items():
            if not math.isnan(score):
                out[respondent.split("/")[0]][dimension].append(score)
    return {p: {d: float(np.mean(v)) for d, v in dims.items()} for p, dims in out.items()}


def agreement(questionnaire_dir: Path, probes_dir: Path) -> AgreementResults:
    """Compare a finished questionnaire run with a finished probes run (module docstring)."""
    likert = _results(questionnaire_dir, "measure", MeasureResults)
    probes = _results(probes_dir, "probes", ProbesResults)
    assert isinstance(likert, MeasureResults) and isinstance(probes, ProbesResults)
    if likert.framework != probes.framework:
        raise ConfigError(
            f"the questionnaire run measured {likert.framework}, the probes run "
            f"{probes.framework}: agreement needs the same framework"
        )
    notes = []
    if likert.model != probes.model:
        notes.append(f"different models: {likert.model} (questionnaire), {probes.model} (probes)")
    dims = [d for d in likert.dimensions if d in probes.dimensions]
    pairs = {d: (likert.dimensions[d].score, probes.dimensions[d].score.value) for d in dims}
    both = [(q, p) for q, p in pairs.values() if q is not None and p is not None]
    rho, p_value = CIStat.missing("needs >= 3 dimensions scored by both runs"), None
    if len(both) >= 3:
        result = scipy_stats.spearmanr([q for q, _ in both], [p for _, p in both])
        if np.isfinite(result.statistic):
            rho, p_value = CIStat(value=float(result.statistic)), float(result.pvalue)
        else:
            rho = CIStat.missing("a profile is constant over the dimensions")
    dimensions = {d: DimensionAgreement(questionnaire=q, probes=p) for d, (q, p) in pairs.items()}
    common: list[str] = []
    if probes.respondents and likert.respondents is not None:
        own = _questionnaire_personas(questionnaire_dir)
        common = sorted(set(own) & set(probes.respondents))
        if len(common) < MIN_PERSONAS:
            notes.append(
                f"{len(common)} personas in both runs (needs >= {MIN_PERSONAS}): run both with "
                "the same --personas/--design and --seed"
            )
        else:
            for d in dims:
                xs, ys = [], []
                for persona in common:
                    q, p = own[persona].get(d), probes.respondents[persona].get(d)
                    if q is not None and p is not None:
                        xs.append(q)
                        ys.append(p)
                dimensions[d].n_personas = len(xs)
                dimensions[d].r_over_personas = _pearson(xs, ys)
    else:
        notes.append("no personas in one of the runs: agreement over dimensions only")
    rs = [a.r_over_personas.value for a in dimensions.values()
          if a.r_over_personas is not None and a.r_over_personas.value is not None]  # fmt: skip
    return AgreementResults(
        model=probes.model,
        framework=probes.framework,
        questionnaire_run=str(questionnaire_dir),
        probes_run=str(probes_dir),
        dimensions=dimensions,
        spearman=rho,
        p_value=p_value,
        mean_r_over_personas=float(np.mean(rs)) if rs else None,
        n_common_personas=len(common),
        notes=notes,
    )


def _pearson(xs: list[float], ys: list[float]) -> CIStat:
    if len(xs) < MIN_PERSONAS:
        return CIStat.missing(f"{len(xs)} personas scored on both sides")
    if np.std(xs) == 0 or np.std(ys) == 0:
        return CIStat.missing("a score does not vary across personas")
    r = float(np.corrcoef(xs, ys)[0, 1])
    ci = fisher_ci(r, len(xs))
    return CIStat(value=r, ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None)
