"""A CSI validity run: does the share of negative words in a story predict how tragic the
judge finds it?

One plot carries both correlations the run reports, since they answer different questions
and should be read side by side: every story as a point (negative-word share k/5 against
its 1..5 rating: the per-story r keeps single stories' noise) and the k-group means as a
line (the r on group means averages it away). The axes are the design's (0..1, 1..5), not
the data's. results.json has r, p and n; the 95% CI is Fisher's, computed here from r and n.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import charts, el, figure, fmt, key_values, table
from valuescope.report._parts import Links, Section, no_results
from valuescope.report._svg import Series, lines

_Z95 = 1.959963984540054
WORDS_PER_STORY = 5


def fisher_ci(r: float | None, n: int | None) -> tuple[float, float] | None:
    """95% Fisher-z interval of a Pearson r from n pairs (None for n <= 3 or no r)."""
    if r is None or n is None or n <= 3:
        return None
    if abs(r) >= 1.0:
        return r, r
    half = _Z95 / math.sqrt(n - 3)
    z = math.atanh(r)
    return math.tanh(z - half), math.tanh(z + half)


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    if not results:
        return no_results("validity", "Validity")
    return [_validity(run, results), _pools(run, links)]


def _points(run: RunFolder) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for record in run.jsonl("samples.jsonl"):
        x, y = record.get("negative_share"), record.get("rating")
        if record.get("valid") and isinstance(x, int | float) and isinstance(y, int | float):
            xs.append(float(x))
            ys.append(float(y))
    return xs, ys


def _k_of(key: str) -> int | None:
    try:
        return int(key.split("=")[-1])
    except ValueError:
        return None


def _correlation_row(name: str, corr: object) -> list[object]:
    c = corr if isinstance(corr, dict) else {}
    r, n = c.get("r"), c.get("n")
    ci = fisher_ci(r if isinstance(r, int | float) else None, n if isinstance(n, int) else None)
    shown: object = fmt(r)
    if r is None and c.get("reason"):
        shown = el("span", "–", title=c["reason"], class_="muted")
    ci_shown = f"[{fmt(ci[0])}, {fmt(ci[1])}]" if ci else "–"
    return [name, shown, ci_shown, fmt(c.get("p"), 3), n, c.get("reason") or ""]


def _validity(run: RunFolder, results: dict[str, Any]) -> Section:
    xs, ys = _points(run)
    means: dict[str, Any] = results.get("mean_rating_by_k") or {}
    group = [
        (k / WORDS_PER_STORY, float(v))
        for key, v in means.items()
        if (k := _k_of(key)) is not None and isinstance(v, int | float)
    ]
    chart = lines(
        [
            Series("mean per k", [x for x, _ in group], [y for _, y in group]),
            Series("stories", xs, ys, points_only=True),
        ],
        (0.0, 1.0),
        (1.0, 5.0),
        title="negative-word share against tragedy rating",
        x_label="negative-word share (k/5)",
        y_label="rating (1 comedy .. 5 tragedy)",
    )
    rows = [
        _correlation_row("per story", results.get("per_story")),
        _correlation_row("on k-group means", results.get("group_means")),
    ]
    by_k = [[key, value] for key, value in means.items()]
    body = el(
        "div",
        el(
            "p",
            f"{fmt(results.get('n_valid'))} of {fmt(results.get('n_stories'))} stories rated "
            f"({fmt(results.get('stories_per_k'))} per k, judge {fmt(results.get('judge'))}). "
            "A valid CSI should see ratings rise with the share of negative words. The "
            "per-story r keeps single stories' noise (0.32-0.58 in the original's data); the r "
            "on the six group means averages it away (0.97-0.999 there).",
            class_="sub",
        ),
        charts(
            figure(chart, "Points: stories; line: mean rating per k."),
            el(
                "div",
                table(["Pearson r", "r", "95% CI (Fisher)", "p", "n", "why missing"], rows),
                table(["k", "mean rating"], by_k, caption="mean rating by k"),
            ),
        ),
    )
    return Section("validity", "Validity", body)


def _pools(run: RunFolder, links: Links) -> Section:
    config: dict[str, Any] = (run.manifest or {}).get("config") or {}
    results = run.results or {}
    source = config.get("csi_run")
    href = links.run(Path(source)) if isinstance(source, str) and source else None
    csi: Markup | str = el("a", source, href=href) if href else fmt(source)
    pairs: dict[str, object] = {
        "positive words from": results.get("positive_source") or config.get("positive_source"),
        "negative words from": results.get("negative_source") or config.get("negative_source"),
        "words file": config.get("words"),
        "min option mass": results.get("min_option_mass"),
    }
    pools = [
        el(
            "details",
            el("summary", f"{name} words ({len(words)})"),
            el("p", ", ".join(str(w) for w in words)),
        )
        for name, words in (
            ("positive", config.get("positive_words") or []),
            ("negative", config.get("negative_words") or []),
        )
        if isinstance(words, list) and words
    ]
    body = el(
        "div",
        el("p", "CSI run: ", csi, class_="sub"),
        key_values(pairs),
        pools,
    )
    return Section("pools", "Word pools", body)
