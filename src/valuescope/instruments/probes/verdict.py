"""The verdict on a probes profile, and when a probes run has failed outright.

`probes_verdict(results)` reads the profile (judged scores of the model's own free answers)
against `valuescope.thresholds`:

- *invalid*: the share of answers that were empty or whose judgement could not be read;
- *questions*: dimensions scored on too few questions for an interval;
- *content*: do the judged scores rise on the questions that put a value at stake? Per
  dimension, the mean score over its own questions minus that over the questions of the
  other dimensions; the mean of these over dimensions with a 95% t-interval
  (`stats.mean_t_ci`). A judge (or answers) that tracks the values finds more of a value
  where the question is about it: the known-groups logic of construct validity (Cronbach &
  Meehl 1955). An interval above 0 passes; one that reaches 0, or too few dimensions to
  tell, needs care; one below 0 (the scores go against the questions) is not interpretable;
- *judge*: the measured model judged its own answers. LLM judges favour their own
  generations (self-enhancement bias: Zheng et al. 2023, "Judging LLM-as-a-judge", arXiv
  2306.05685; Panickssery et al. 2024, arXiv 2404.13076), so a self-judged profile needs
  care; `--judge` names another model.

`probes_failure(results)` says why a run has nothing to read (every answer invalid, or none
of the model's own answers judged): the engine records it, the CLI exits 4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuescope import thresholds as t
from valuescope.stats import MIN_UNITS_T_CI, mean_t_ci
from valuescope.verdict import Figure, Level, Reason, Verdict, count_reason, invalid_reason

if TYPE_CHECKING:
    from valuescope.instruments.probes.summary import ProbesResults


def _invalid_reason(results: ProbesResults) -> Reason:
    unread = results.n_invalid - results.n_empty
    detail = f"{results.n_empty} empty, {unread} judgements unreadable" if results.n_invalid else ""
    return invalid_reason(results.n_invalid, results.n_answers, detail)


def questions_reason(results: ProbesResults) -> Reason | None:
    return count_reason(
        "questions",
        {dim: d.n_questions for dim, d in results.dimensions.items()},
        t.PROBES_MIN_QUESTIONS,
        "questions",
        "their scores have no interval",
        verbs=("is scored on", "are scored on"),
    )


def content_reason(results: ProbesResults) -> Reason | None:
    """The judged scores on a value's own questions against the other questions'."""
    lifts = [
        d.on_target - d.off_target
        for d in results.dimensions.values()
        if d.on_target is not None and d.off_target is not None
    ]
    if not any(d.n_on_target for d in results.dimensions.values()):
        return None  # no probe names the value it puts at stake: nothing to compare
    if len(lifts) < MIN_UNITS_T_CI:
        return Reason(
            check="content",
            level="interpret with care",
            text="cannot tell whether the judged scores follow what the questions put at stake: "
            f"{len(lifts)} dimensions have questions of their own and of other values scored "
            f"(needs {MIN_UNITS_T_CI})",
            figures={"dimensions": len(lifts)},
        )
    mean = sum(lifts) / len(lifts)
    low, high = mean_t_ci(lifts, unit="dimensions")
    figures: dict[str, Figure] = {
        "lift": mean,
        "ci_low": low.value,
        "ci_high": high.value,
        "dimensions": len(lifts),
    }
    own = "a value's score on its own questions minus that on the other values' questions"
    if low.value is None or high.value is None:
        return Reason(
            check="content",
            level="interpret with care",
            text=f"{own}: {mean:+.2f} over {len(lifts)} dimensions, no interval ({low.reason})",
            figures=figures,
        )
    shown = f"{mean:+.2f} [{low.value:+.2f}, {high.value:+.2f}] over {len(lifts)} dimensions"
    if low.value > 0:
        level: Level = "interpretable"
        what = "the judged scores follow what the questions put at stake"
    elif high.value < 0:
        level, what = "not interpretable", "the judged scores go against the questions' values"
    else:
        level, what = "interpret with care", "the judged scores do not clearly follow the questions"
    return Reason(
        check="content",
        level=level,
        text=f"{what}: {own} {shown} (a 95% interval above 0 passes, one below 0 is not "
        "interpretable)",
        figures=figures,
    )


def judge_reason(results: ProbesResults) -> Reason:
    if results.judge == results.model:
        return Reason(
            check="judge",
            level="interpret with care",
            text=f"{results.model} judged its own answers: judges favour their own "
            "generations (--judge names another model)",
            figures={"judge": results.judge},
        )
    return Reason(
        check="judge",
        level="interpretable",
        text=f"judged by another model ({results.judge})",
        figures={"judge": results.judge},
    )


def probes_verdict(results: ProbesResults) -> Verdict:
    """The verdict on the model's own probes profile (module docstring)."""
    found = [
        _invalid_reason(results),
        questions_reason(results),
        content_reason(results),
        judge_reason(results),
    ]
    return Verdict.of(r for r in found if r is not None)


def probes_failure(results: ProbesResults) -> str | None:
    """Why the run has nothing to read, in one line; None when it has."""
    common = next(iter(results.invalid_reasons), None)
    why = f": {common}" if common else ""
    if results.n_answers and results.n_invalid == results.n_answers:
        return f"all {results.n_answers} answers were invalid{why}"
    if results.dimensions and all(d.score.value is None for d in results.dimensions.values()):
        return f"none of the model's own answers was judged{why}"
    return None
