"""A CSI run (comedy or tragedy?): the inventory's shares, label shares per pass, the words.

The six shares are all on 0..1 and read together (optimism + pessimism + neutrality = 1
over the valid words), so one bar chart on a fixed 0..1 axis shows them. Label shares per
pass come next because in per-word mode passes alternate the label order: a gap between
passes is position bias, not a view of the words. The words themselves (which ones came out
positive, negative or inconsistent) are read back from samples.jsonl, since results.json
keeps only counts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from valuescope.report._folder import RunFolder
from valuescope.report._html import charts, el, figure, fmt, key_values, table
from valuescope.report._kinds._cells import as_float
from valuescope.report._parts import Links, Section, no_results
from valuescope.report._svg import Bar, bars

WORDS_FILE = "words.txt"
SHARES = (
    ("optimism", "optimism", "n_optimistic_words", "words positive in every pass"),
    ("pessimism", "pessimism", "n_pessimistic_words", "words negative in every pass"),
    ("neutrality", "neutrality", None, "the rest: neutral in every pass, or inconsistent"),
    ("consistency", "consistency", "n_inconsistent_words", "1 - share of words passes disagree on"),
    ("reluctance", "reluctance", None, "share of neutral answers over all valid answers"),
    ("invalid", "invalid_share", None, "words without a valid answer in every pass"),
)
"""(label, results field, count field, what it means)."""
LABELS = ("positive", "negative", "neutral")


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    if not results:
        return no_results("inventory", "Inventory")
    passes = results.get("passes")
    return [
        _inventory(results),
        _passes(results),
        _words(run, results, passes if isinstance(passes, int) else 1),
    ]


def _inventory(results: dict[str, Any]) -> Section:
    reasons: dict[str, str] = results.get("reasons") or {}
    chart = bars(
        [Bar(label, as_float(results.get(name))) for label, name, _, _ in SHARES],
        0.0,
        1.0,
        title="CSI shares",
        label_width=110,
    )
    rows = []
    for label, name, count, meaning in SHARES:
        value = results.get(name)
        shown: object = (
            el("span", "–", title=reasons[name], class_="muted")
            if value is None and name in reasons
            else fmt(value)
        )
        words = f"{fmt(results.get(count))} {count.split('_')[1]}" if count else ""
        rows.append([label, meaning, shown, words])
    body = el(
        "div",
        el(
            "p",
            f"{fmt(results.get('n_valid_words'))} of {fmt(results.get('n_words'))} words have "
            f"a valid answer in every pass ({fmt(results.get('n_valid_answers'))} valid "
            "answers); the shares are over those words, reluctance over the answers.",
            class_="sub",
        ),
        charts(
            figure(chart, "The CSI's shares, each on 0..1."),
        ),
        table(["share", "what it is", "value", "words"], rows, numeric_from=2),
    )
    return Section("inventory", "Inventory", body)


def _passes(results: dict[str, Any]) -> Section:
    by_pass: dict[str, Any] = results.get("label_shares_by_pass") or {}
    chart_rows = [
        Bar(name, as_float((shares or {}).get(label)), series=i)
        for name, shares in by_pass.items()
        for i, label in enumerate(LABELS)
    ]
    rows = [
        [name, *((shares or {}).get(label) for label in LABELS)] for name, shares in by_pass.items()
    ]
    settings = {
        "mode": results.get("mode"),
        "language": results.get("lang"),
        "passes": results.get("passes"),
        "words per chunk": results.get("chunk_size"),
        "option mass (mean P on the labels)": results.get("option_mass"),
        "min option mass": results.get("min_option_mass"),
    }
    body = el(
        "div",
        el(
            "p",
            "Share of each label among a pass's valid answers. In per-word mode the passes "
            "alternate the order the labels are named in, so a gap between passes is position "
            "bias. Option mass: how much probability the model puts on the two labels at all.",
            class_="sub",
        ),
        key_values(settings),
        el(
            "figure",
            bars(
                chart_rows,
                0.0,
                1.0,
                title="label shares by pass",
                label_width=80,
                series_names=LABELS,
            ),
        )
        if chart_rows
        else None,
        table(["pass", *LABELS], rows) if rows else el("p", "No valid answer.", class_="sub"),
    )
    return Section("passes", "Labels by pass", body)


def _words(run: RunFolder, results: dict[str, Any], passes: int) -> Section:
    listed = None
    path = run.path / WORDS_FILE
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace")
        listed = sum(1 for line in text.splitlines() if line.strip())
    pairs = {
        "source": results.get("words_source"),
        "sha256": results.get("words_sha256"),
        f"words in {WORDS_FILE}": listed if listed is not None else "no words file",
        "words asked": results.get("n_words"),
    }
    groups = _word_groups(run, passes)
    lists = [
        el(
            "details",
            el("summary", f"{name} ({len(words)})"),
            el("p", ", ".join(words)),
        )
        for name, words in groups.items()
        if words
    ]
    body = el(
        "div",
        key_values(pairs),
        el("p", "Words by their labels over the passes (from the samples):", class_="sub")
        if lists
        else None,
        lists,
    )
    return Section("words", "Words", body)


def _word_groups(run: RunFolder, passes: int) -> dict[str, list[str]]:
    """Words positive in every pass, negative in every pass, neutral, inconsistent, invalid."""
    labels: dict[str, list[object]] = defaultdict(list)
    for record in run.jsonl("samples.jsonl"):
        word = str(record.get("item_id", ""))
        labels[word].append(record.get("label") if record.get("valid") else None)
    groups: dict[str, list[str]] = {
        "positive in every pass": [],
        "negative in every pass": [],
        "neutral in every pass": [],
        "inconsistent": [],
        "invalid in some pass": [],
    }
    for word, seen in labels.items():
        if None in seen or len(seen) < passes:
            groups["invalid in some pass"].append(word)
        elif len(set(seen)) > 1:
            groups["inconsistent"].append(word)
        else:
            groups.setdefault(f"{seen[0]} in every pass", []).append(word)
    return groups
