"""A bench run (`valuescope bench NAME`): accuracy with its CI overall and per category,
whether the answers follow position, the benchmark's own figures, and the information gain
of reasoning.

Accuracy is drawn on 0..1 with chance (1/n options) as the reference line, so a model that
answers at random sits on it. It counts an invalid answer as wrong, with the valid-only
accuracy beside it; results written before that (no `accuracy_valid`) had the valid-only
figure as their accuracy, and are shown as such. Position bias comes right after: with
every option shown at every position the order design cancels a letter preference in the
accuracy, but a strong one (most picks on "A") says the accuracy reflects content only
weakly.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import charts, ci_text, el, figure, fmt, key_values, table
from valuescope.report._kinds._cells import as_float, bounds
from valuescope.report._kinds.bench_figures import render
from valuescope.report._parts import Links, Section, no_results
from valuescope.report._svg import Bar, bars


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    summary: dict[str, Any] = results.get("summary") or {}
    if not summary:
        return no_results("accuracy", "Accuracy")
    out = [_accuracy(results, summary), _positions(summary)]
    figures = results.get("figures") or {}
    if isinstance(figures, dict) and figures:
        out.append(_figures(str(results.get("benchmark") or ""), figures))
    gain = summary.get("info_gain")
    if isinstance(gain, dict):
        out.append(_info_gain(gain))
    return out


OLD_RESULTS = (
    "These results were written before invalid answers counted as wrong: their accuracy is "
    "over valid answers only, and is shown in that column."
)


def _with_ci(value: object, ci: object, reason: object) -> Markup:
    """`0.61 [0.59, 0.63]`; the value with `(no CI)` and the reason as its tooltip."""
    low, high = bounds(ci)
    if as_float(value) is not None and (low is None or high is None) and reason:
        return el("span", fmt(value), " ", el("span", "(no CI)", class_="muted"), title=reason)
    return el("span", ci_text(value, ci))


def _columns(a: dict[str, Any]) -> tuple[Markup, Markup]:
    """The row's (invalid-as-wrong, valid-only) accuracy cells."""
    valid = _with_ci(a.get("accuracy_valid"), a.get("ci_valid"), a.get("ci_valid_reason"))
    if "accuracy_valid" not in a:  # older results: `accuracy` was over valid answers only
        return el("span", "–", class_="muted", title=OLD_RESULTS), _with_ci(
            a.get("accuracy"), a.get("ci"), None
        )
    return _with_ci(a.get("accuracy"), a.get("ci"), a.get("ci_reason")), valid


def _accuracy(results: dict[str, Any], summary: dict[str, Any]) -> Section:
    overall = summary.get("overall") or {}
    categories: dict[str, Any] = summary.get("categories") or {}
    rows = [("all", overall), *categories.items()]
    old = "accuracy_valid" not in overall
    chances = {1.0 / p["options"] for p in summary.get("position_bias") or [] if p.get("options")}
    chart = bars(
        [Bar(name, as_float(a.get("accuracy")), *bounds(a.get("ci"))) for name, a in rows],
        0.0,
        1.0,
        title="accuracy",
        reference=chances.pop() if len(chances) == 1 else None,
        label_width=130,
    )
    table_rows = [
        [
            name,
            *_columns(a),
            a.get("p_right"),
            a.get("n_items"),
            a.get("n_answers"),
            a.get("n_invalid"),
        ]
        for name, a in rows
    ]
    pairs = {
        "benchmark": results.get("benchmark"),
        "answer mode": results.get("answer_mode"),
        "option orders": results.get("orders"),
        "confidence interval": results.get("ci_method"),
        "calls per item": fmt(as_float(summary.get("calls_per_item")), 1),
        "agreement, written vs log-prob answer": f"{fmt(summary.get('agreement'))} "
        f"({fmt(summary.get('n_agreement'))} answers)",
        "image items skipped (text-only backend)": summary.get("skipped_items") or 0,
        "invalid answers": ", ".join(
            f"{k}: {v}" for k, v in (summary.get("invalid_reasons") or {}).items()
        )
        or "none",
        "scores read by": ", ".join(f"{k}: {v}" for k, v in (summary.get("methods") or {}).items())
        or None,
    }
    caption = (
        "Accuracy over valid answers (older results), 95% CI; dashed: chance."
        if old
        else "Accuracy (invalid = wrong), 95% CI; dashed: chance."
    )
    body = el(
        "div",
        el(
            "p",
            "Accuracy: the mean over items of the share of option orders answered right, an "
            "invalid answer counting as wrong; valid only: the same over the valid answers "
            "(an item without one left out); p(right): the mean probability on the right "
            "option. Dashed line: chance.",
            class_="sub",
        ),
        el("p", OLD_RESULTS, class_="sub") if old else None,
        charts(
            figure(chart, caption),
            key_values(pairs),
        ),
        table(
            [
                "",
                "accuracy [95% CI]",
                "valid only [95% CI]",
                "p(right)",
                "items",
                "answers",
                "invalid",
            ],
            table_rows,
        ),
    )
    return Section("accuracy", "Accuracy", body)


def _positions(summary: dict[str, Any]) -> Section:
    parts: list[object] = [
        el(
            "p",
            "Accuracy by the right option's shown position (a model that favours a letter is "
            "right more often when the right option has it), and the share of picks per "
            "position against the uniform 1/n.",
            class_="sub",
        )
    ]
    for bias in summary.get("position_bias") or []:
        n = bias.get("options")
        acc = bias.get("accuracy_by_right_position") or {}
        picks = bias.get("pick_share") or {}
        parts.append(
            charts(
                _share_per_letter(
                    acc,
                    f"accuracy by right position ({n} options)",
                    f"Accuracy when the right option is shown at each letter ({n} options).",
                ),
                _share_per_letter(
                    picks,
                    f"picks per position ({n} options)",
                    "Share of answers per shown letter; dashed: uniform.",
                    reference=as_float(bias.get("uniform")),
                ),
            )
        )
    return Section("positions", "Position bias", el("div", *parts))


def _figures(benchmark: str, figures: dict[str, Any]) -> Section:
    drawn, known_here = render(benchmark, figures)
    parts: list[object] = list(drawn)
    types = figures.get("type_accuracy")
    if isinstance(types, dict):
        counts = figures.get("type_items") or {}
        valid = figures.get("type_accuracy_valid")
        if isinstance(valid, dict):
            headings = ["question type", "accuracy over orders", "valid only", "questions"]
            rows = [
                [k, as_float(v), as_float(valid.get(k)), counts.get(k)] for k, v in types.items()
            ]
        else:  # older results: the accuracy was over valid answers only
            headings = ["question type", "accuracy over valid answers", "questions"]
            rows = [[k, as_float(v), counts.get(k)] for k, v in types.items()]
        parts.append(table(headings, rows))
    if "all_three" in figures:
        per_order = figures.get("all_three_per_order") or {}
        parts.append(
            key_values(
                {
                    "scenarios with all three right": figures.get("all_three"),
                    "rule": figures.get("all_three_rule"),
                    "scenarios": figures.get("all_three_scenarios"),
                    "per order": ", ".join(f"{k} {fmt(v)}" for k, v in per_order.items()),
                }
            )
        )
    known = {"type_accuracy", "type_accuracy_valid", "type_items", "all_three",
             "all_three_per_order", "all_three_scenarios",
             "all_three_rule"} | known_here  # fmt: skip
    rest = {k: v for k, v in figures.items() if k not in known}
    if rest:
        parts.append(key_values({k: _plain(v) for k, v in rest.items()}))
    return Section("figures", f"{str(benchmark).capitalize()}: its own figures", el("div", *parts))


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return ", ".join(f"{k} {fmt(v)}" for k, v in value.items())
    return value


def _info_gain(gain: dict[str, Any]) -> Section:
    items: dict[str, Any] = gain.get("items") or {}
    rows = [
        [
            item_id,
            r.get("logp_right_direct"),
            r.get("logp_right_reasoned"),
            r.get("gain_right"),
            r.get("logp_chosen_direct"),
            r.get("logp_chosen_reasoned"),
            r.get("gain_chosen"),
            r.get("n_orders"),
        ]
        for item_id, r in items.items()
    ]
    pairs = {
        "mean gain, right answer": gain.get("mean_gain_right"),
        "mean gain, answer after reasoning": gain.get("mean_gain_chosen"),
        "items where reasoning lowered the right answer": gain.get("lowered_right_share"),
        "accuracy direct -> after reasoning": f"{fmt(gain.get('accuracy_direct'))} -> "
        f"{fmt(gain.get('accuracy_reasoned'))}",
    }
    body = el(
        "div",
        el(
            "p",
            "Information gain of reasoning (LegalDelta): log p(answer) after the model's own "
            "reasoning minus log p(answer) asked directly, per item (mean over orders), for "
            "the right answer and for the answer the model gives after reasoning.",
            class_="sub",
        ),
        key_values(pairs),
        el(
            "div",
            table(
                [
                    "item",
                    "log p right, direct",
                    "after reasoning",
                    "gain",
                    "log p chosen, direct",
                    "after reasoning",
                    "gain",
                    "orders",
                ],
                rows,
            ),
            class_="scroll",
        ),
    )
    return Section("info-gain", "Information gain of reasoning", body)


def _share_per_letter(
    values: dict[str, Any], title: str, caption: str, reference: float | None = None
) -> Markup:
    """A bar per shown letter on 0..1, with its caption."""
    bar_list = [Bar(k, as_float(v)) for k, v in values.items()]
    chart = bars(bar_list, 0.0, 1.0, title=title, reference=reference, label_width=40)
    return figure(chart, caption)
