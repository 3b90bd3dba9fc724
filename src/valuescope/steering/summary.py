"""The method table of a steer run's evaluation, and the paired tests between methods.

Per condition (bare and each method), over the held-out tasks it answered validly:

- expression per dimension: the judge's mean P(expressed), with a 95% t-interval over tasks
  (`stats.mean_t_ci`, clipped to 0..1; none below 3 tasks or when every task scores the same);
- conformity per target value, 1 - |mean p - t| (`objective.conformity`), and the *mean
  conformity* over the target values with the same t-interval over tasks (each task's mean);
- *balance*: the coefficient of variation of the per-value conformities (sd / mean; lower
  means no value is served at the others' expense; undefined below two target values);
- *MAE*: mean |expression on the target's scale - priority| over the target values;
- *Spearman*: rho between the priorities and the mean expressions (>= 3 target values);
- tokens spent answering.

Paired tests over tasks answered validly under both conditions, on each task's mean
conformity: every pair of conditions, the sign-flip permutation test and Wilcoxon, Holm
over all pairs (on the permutation p), with the mean difference, Cohen's d_z and the
rank-biserial r. The finding names a best method only when it beats the bare model
significantly; otherwise it says that nothing moved (the embedded 135M model barely steers).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field
from scipy import stats as scipy_stats

from valuescope.engine import Models
from valuescope.frameworks import Framework
from valuescope.runs import ResultsBase, invalid_note
from valuescope.stats import (
    CIStat,
    Stat,
    cohens_dz,
    holm,
    mean_t_ci,
    paired_permutation_test,
    wilcoxon_items,
)

if TYPE_CHECKING:
    from valuescope.steering.evaluation_records import EvaluationConfig, EvaluationSample

ALPHA = 0.05


class ConditionMetrics(BaseModel):
    condition: str
    n_valid: int
    n_invalid: int
    expression: dict[str, CIStat]
    conformity: dict[str, float | None]
    mean_conformity: CIStat
    balance_cv: Stat
    mae: Stat
    spearman: Stat
    parroting: float | None
    prompt_tokens: int
    completion_tokens: int
    rewritten: int | None = None


class PairedComparison(BaseModel):
    """`a` vs `b` on each task's mean conformity (a - b)."""

    a: str
    b: str
    n_tasks: int
    mean_difference: Stat
    p_permutation: Stat
    p_wilcoxon: Stat
    p_holm: float | None = None
    cohens_dz: Stat
    rank_biserial: Stat
    significant: bool | None = None


class EvaluationResults(ResultsBase):
    framework: str
    target: dict[str, float]
    scale: tuple[float, float]
    judge: str
    judge_mode: str
    tasks: int
    conditions: list[ConditionMetrics]
    comparisons: list[PairedComparison] = Field(default_factory=list)
    best: str | None = None
    """The method with the highest mean conformity, when it beats bare significantly."""
    finding: str
    """One sentence: which method, if any, beats the bare model (or why none can be named)."""
    usage: object | None = None


def _ci(values: list[float]) -> CIStat:
    if not values:
        return CIStat.missing("no valid answers")
    low, high = mean_t_ci(values, bounds=(0.0, 1.0), unit="tasks")
    return CIStat(value=float(np.mean(values)), ci_low=low.value, ci_high=high.value,
                  reason=low.reason)  # fmt: skip


def balance_cv(conformity: Mapping[str, float | None]) -> Stat:
    """The coefficient of variation (sd with ddof=1 / mean) of the per-value conformities.

    It compares target values with each other, so it needs two of them with valid answers:
    with one there is no spread to measure (not 0.0, which would read as perfect balance),
    and with a mean of 0 it is undefined; both are missing with the reason.
    """
    present = [v for v in conformity.values() if v is not None]
    if len(present) < 2:
        if len(conformity) < 2:
            count = f"{len(conformity)} value" + ("" if len(conformity) == 1 else "s")
            why = f"the target has {count}; balance compares >= 2"
        else:
            why = f"{len(present)} of {len(conformity)} target values have valid answers; "
            why += "balance compares >= 2"
        return Stat.missing(why)
    mean = float(np.mean(present))
    if mean <= 0:
        return Stat.missing("every target value has conformity 0")
    return Stat.of(float(np.std(present, ddof=1)) / mean)


def condition_metrics(
    condition: str, samples: list[EvaluationSample], config: EvaluationConfig,
    framework: Framework,
) -> ConditionMetrics:  # fmt: skip
    valid = [s for s in samples if s.valid]
    target = config.target
    expression = {
        d: _ci([p for s in valid if (p := s.expression.get(d)) is not None]) for d in framework.ids
    }
    per_value: dict[str, float | None] = {}
    for d in target.dimensions:
        mean = expression[d].value
        per_value[d] = None if mean is None else 1.0 - abs(mean - target.normalised(d))
    balance = balance_cv(per_value)
    means = {d: expression[d].value for d in target.dimensions}
    mae = Stat.missing("no valid answers")
    if all(m is not None for m in means.values()) and valid:
        errors = [abs(target.on_scale(m) - target.priorities[d])  # type: ignore[arg-type]
                  for d, m in means.items()]  # fmt: skip
        mae = Stat.of(float(np.mean(errors)))
    spearman = _spearman(target.priorities, means)
    parrot = [s.parroting for s in valid if s.parroting is not None]
    rewritten = [s.rewritten for s in samples if s.rewritten is not None]
    return ConditionMetrics(
        condition=condition, n_valid=len(valid), n_invalid=len(samples) - len(valid),
        expression=expression, conformity=per_value,
        mean_conformity=_ci([s.conformity for s in valid if s.conformity is not None]),
        balance_cv=balance, mae=mae, spearman=spearman,
        parroting=float(np.mean(parrot)) if parrot else None,
        prompt_tokens=sum(s.prompt_tokens for s in samples),
        completion_tokens=sum(s.completion_tokens for s in samples),
        rewritten=sum(rewritten) if rewritten else None,
    )  # fmt: skip


def _spearman(priorities: dict[str, float], means: dict[str, float | None]) -> Stat:
    if len(priorities) < 3:
        return Stat.missing(f"needs >= 3 target values, the target has {len(priorities)}")
    if any(m is None for m in means.values()):
        return Stat.missing("a target value has no valid answers")
    xs = [priorities[d] for d in priorities]
    ys = [means[d] for d in priorities]
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return Stat.missing("priorities or expressions do not vary")
    return Stat.of(float(scipy_stats.spearmanr(xs, ys).statistic))


def paired_comparisons(
    by_condition: dict[str, dict[str, float]], conditions: list[str], seed: int
) -> list[PairedComparison]:
    """Every pair of conditions over the tasks both answered validly, Holm over all. One
    sign convention: a pair with the bare model is always method minus bare (a = the
    method), so a positive difference means the method conforms more."""
    results: list[PairedComparison] = []
    for a, b in itertools.combinations(conditions, 2):
        if a == "bare":
            a, b = b, a
        tasks = sorted(set(by_condition[a]) & set(by_condition[b]))
        x = [by_condition[a][t] for t in tasks]
        y = [by_condition[b][t] for t in tasks]
        mean, p = paired_permutation_test(x, y, seed=seed)
        wilcoxon = wilcoxon_items(x, y)
        results.append(PairedComparison(
            a=a, b=b, n_tasks=len(tasks), mean_difference=mean, p_permutation=p,
            p_wilcoxon=wilcoxon.p_value, cohens_dz=cohens_dz(x, y),
            rank_biserial=wilcoxon.rank_biserial,
        ))  # fmt: skip
    tested = [(c, c.p_permutation.value) for c in results if c.p_permutation.value is not None]
    adjusted_ps = holm([p for _, p in tested])
    for (comparison, _), adjusted in zip(tested, adjusted_ps, strict=True):
        comparison.p_holm = adjusted
        comparison.significant = adjusted < ALPHA
    return results


def finding(metrics: list[ConditionMetrics], comparisons: list[PairedComparison],
            ) -> tuple[str | None, str]:  # fmt: skip
    """(best method or None, the sentence that says what the table shows)."""
    methods = [m for m in metrics if m.condition != "bare" and m.mean_conformity.value is not None]
    if not methods:
        return None, "No method has valid held-out answers to compare."
    top = max(methods, key=lambda m: m.mean_conformity.value or 0.0)
    against = next((c for c in comparisons if {c.a, c.b} == {"bare", top.condition}), None)
    if against is None or against.p_holm is None or against.mean_difference.value is None:
        return None, f"{top.condition} conformed most, but it could not be tested against bare."
    gain = against.mean_difference.value * (1 if against.a == top.condition else -1)
    detail = (
        f"{top.condition}: mean conformity {top.mean_conformity.value:.3f}, "
        f"{gain:+.3f} vs bare, Holm p = {against.p_holm:.3g}, n = {against.n_tasks}"
    )
    if against.significant and gain > 0:
        return top.condition, f"{top.condition} steered best ({detail})."
    return None, (
        f"No method moved held-out conformity significantly from the bare model (best: "
        f"{detail}); no winner is named. Small models barely steer in context."
    )


def summarise_evaluation(
    config: EvaluationConfig, framework: Framework, samples: list[EvaluationSample],
    models: Models, conditions: list[str],
) -> EvaluationResults:  # fmt: skip
    by_condition = {c: [s for s in samples if s.condition == c] for c in conditions}
    metrics = [condition_metrics(c, by_condition[c], config, framework) for c in conditions]
    per_task = {
        c: {s.item_id: s.conformity for s in group if s.valid and s.conformity is not None}
        for c, group in by_condition.items()
    }
    comparisons = paired_comparisons(per_task, conditions, config.seed)
    best, sentence = finding(metrics, comparisons)
    warnings = config.notes(samples)
    warnings += invalid_note(
        samples,
        "held-out answers were empty or could not be judged in full "
        "(reasons in samples.jsonl); they are left out",
    )
    if config.judge is None:
        warnings.append("the measured model judged its own answers (--judge names another model)")
    return EvaluationResults(
        command="steer-eval", model=config.model, warnings=warnings,
        framework=framework.id, target=config.target.priorities, scale=config.target.scale,
        judge=config.judge or config.model, judge_mode=config.judge_mode,
        tasks=len(config.tasks), conditions=metrics, comparisons=comparisons, best=best,
        finding=sentence, usage=models.subject.usage.model_dump(),
    )  # fmt: skip
