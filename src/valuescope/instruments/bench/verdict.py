"""The verdict on a benchmark's accuracy, and when a bench run has failed outright.

`bench_verdict(results)` reads the summary against `valuescope.thresholds`:

- *position*: do the answers follow the options or their letters, from pairs of answers to
  one item under two option orders (`bench.position.order_pairs`; `POSITION_SHARE_*`);
- *invalid*: the share of answers that could not be scored (each counts as wrong);
- *option mass*: the mean probability `choose` put on the options;
- *items*: items asked, below which the accuracy's interval covers less than it says;
- *chance*: an accuracy whose 95% interval holds the accuracy of guessing cannot be told
  from guessing (*interpret with care*).

`bench_failure(results)` says why a run has nothing to read (every answer invalid, or no
item asked at all): the engine records it, the CLI exits 4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuescope import thresholds as t
from valuescope.verdict import (
    Figure,
    Level,
    Reason,
    Verdict,
    invalid_reason,
    option_mass_reason,
    percent,
    position_share_reason,
)

if TYPE_CHECKING:
    from valuescope.instruments.bench.results import BenchResults
    from valuescope.instruments.bench.summary import BenchSummary


def position_reason(summary: BenchSummary) -> Reason | None:
    """Letters against options, over the pairs of answers to one item under two orders."""
    pairs = summary.order_pairs
    if pairs is None:
        return None  # results written before the check
    share = pairs.share
    if share is None:
        return position_share_reason(None, "option content", pairs.reason, "", {})
    found = (
        f"{percent(share)} of the answer pairs that kept the option or its letter "
        f"across two option orders kept the letter ({pairs.kept_position} the letter, "
        f"{pairs.kept_option} the option; {pairs.changed_both} changed both"
    )
    figures: dict[str, Figure] = {
        "share": share,
        "kept_position": pairs.kept_position,
        "kept_option": pairs.kept_option,
        "changed_both": pairs.changed_both,
        "items": pairs.items,
    }
    return position_share_reason(share, "option content", None, found, figures)


def _invalid_reason(summary: BenchSummary) -> Reason:
    o = summary.overall
    return invalid_reason(o.n_invalid, o.n_answers, "each counted as wrong")


def items_reason(summary: BenchSummary) -> Reason:
    o = summary.overall
    if o.ci[0] is None or o.ci[1] is None:
        why = o.ci_reason or "no interval"
        return Reason(
            check="items",
            level="interpret with care",
            text=f"{o.n_items} items: the accuracy has no interval ({why})",
            figures={"n_items": o.n_items},
        )
    level: Level = "interpret with care" if o.n_items < t.BENCH_MIN_ITEMS else "interpretable"
    return Reason(
        check="items",
        level=level,
        text=f"{o.n_items} items (< {t.BENCH_MIN_ITEMS} needs care: the bootstrap interval over "
        "fewer items covers less than 90% where it says 95%)",
        figures={"n_items": o.n_items},
    )


def chance_reason(summary: BenchSummary) -> Reason | None:
    """Is the accuracy told from guessing? Its 95% interval against the chance accuracy."""
    o, chance = summary.overall, summary.chance
    low, high = o.ci
    if chance is None or o.accuracy is None or low is None or high is None:
        return None
    figures: dict[str, Figure] = {
        "accuracy": o.accuracy,
        "ci_low": low,
        "ci_high": high,
        "chance": chance,
    }
    shown = f"accuracy {o.accuracy:.2f} [{low:.2f}, {high:.2f}]"
    if low <= chance <= high:
        return Reason(
            check="chance",
            level="interpret with care",
            text=f"{shown} holds the accuracy of guessing ({chance:.2f}): not told from chance",
            figures=figures,
        )
    side = "above" if low > chance else "below"
    return Reason(
        check="chance",
        level="interpretable",
        text=f"{shown} lies {side} the accuracy of guessing ({chance:.2f})",
        figures=figures,
    )


def bench_verdict(results: BenchResults) -> Verdict:
    """The verdict on the benchmark's accuracy (module docstring)."""
    s = results.summary
    found = [
        position_reason(s),
        _invalid_reason(s),
        option_mass_reason(s.option_mass),
        items_reason(s),
        chance_reason(s),
    ]
    return Verdict.of(r for r in found if r is not None)


def bench_failure(results: BenchResults) -> str | None:
    """Why the run has nothing to read, in one line; None when it has."""
    s = results.summary
    o = s.overall
    if o.n_answers == 0:
        if s.skipped_items:
            return (
                f"no item was asked: all {s.skipped_items} items have images and the backend "
                "reads text only"
            )
        return "no item was asked"
    if o.n_invalid == o.n_answers:
        common = max(s.invalid_reasons.items(), key=lambda kv: kv[1], default=None)
        why = f": {common[0]}" if common else ""
        return f"all {o.n_answers} answers were invalid{why}"
    return None
