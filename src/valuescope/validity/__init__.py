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

A run is a study (`engine.Study`: manifest.json names its measure runs; `valuescope runs`
lists it); the modules: `config` (settings, signs and mapping files, validity.json's
shape), `tables` (from runs to correlations), `run` (planning, measuring, writing).
"""

from valuescope.validity.config import (
    COMMAND,
    HEATMAP_STEM,
    VALIDITY_FILE,
    ConstructValidityConfig,
    ConstructValidityResults,
    CriterionResults,
    CriterionSigns,
    ValidityError,
    ValidityInstrument,
    load_criterion_signs,
    load_mapping,
    shipped_signs_path,
)
from valuescope.validity.run import (
    PlannedRun,
    ValidityRun,
    arun_validity,
    default_out,
    measure_planned,
    plan_runs,
    results_for,
    run_validity,
    write_validity,
)
from valuescope.validity.tables import (
    RespondentTable,
    common_respondents,
    criterion_results,
    resolve_mapping,
    respondent_table,
    signs_for,
    validity_from_runs,
)

__all__ = [
    "COMMAND",
    "HEATMAP_STEM",
    "VALIDITY_FILE",
    "ConstructValidityConfig",
    "ConstructValidityResults",
    "CriterionResults",
    "CriterionSigns",
    "PlannedRun",
    "RespondentTable",
    "ValidityError",
    "ValidityInstrument",
    "ValidityRun",
    "arun_validity",
    "common_respondents",
    "criterion_results",
    "default_out",
    "load_criterion_signs",
    "load_mapping",
    "measure_planned",
    "plan_runs",
    "resolve_mapping",
    "respondent_table",
    "results_for",
    "run_validity",
    "shipped_signs_path",
    "signs_for",
    "validity_from_runs",
    "write_validity",
]
