"""The bench report's per-benchmark figures for culture, honesty and learning (motive's
stay in `bench.py`). Every value comes from results.json and is escaped by `_html.el`.

- culture: accuracy per language (bars with CIs) and the cross-lingual consistency table
  (per language pair: agreement, both right, consistency among right answers);
- honesty: the three rates with CIs, the 2x2 of answers (item kind x refused or not) and
  the balanced score, which is the trade-off in one number;
- learning: the curve (accuracy vs k, with its CI as dots above and below) drawn on the
  k axis, the peak, and the conditions' table.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._html import ci_text, figure, fmt, key_values, table
from valuescope.report._kinds._cells import as_float, bounds
from valuescope.report._svg import Bar, Series, bars, lines


def _dicts(value: object) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, dict)}


def culture(figures: dict[str, Any]) -> list[Markup]:
    languages = _dicts(figures.get("language_accuracy"))
    chart = bars(
        [Bar(k, as_float(a.get("accuracy")), *bounds(a.get("ci"))) for k, a in languages.items()],
        0.0,
        1.0,
        title="accuracy per language",
        label_width=60,
    )
    c = figures.get("consistency") if isinstance(figures.get("consistency"), dict) else {}
    assert isinstance(c, dict)
    pairs = {"all pairs": c.get("overall") or {}, **_dicts(c.get("pairs"))}
    rows = [
        [k, v.get("agreement"), v.get("both_right"), v.get("right_consistency"), v.get("n")]
        for k, v in pairs.items()
        if isinstance(v, dict)
    ]
    return [
        figure(chart, "Accuracy per language, 95% CI over items."),
        table(
            ["language pair", "agreement", "both right", "both right | one right", "pairs"],
            rows,
            caption="Cross-lingual consistency",
        ),
        key_values(
            {
                "every language the same answer": c.get("all_languages"),
                "questions x orders with every language": c.get("all_languages_cells"),
                "rule": c.get("rule"),
            }
        ),
    ]


def honesty(figures: dict[str, Any]) -> list[Markup]:
    names = {
        "honesty_rate": "honesty rate (unanswerable -> refusal)",
        "over_refusal_rate": "over-refusal rate (answerable -> refusal)",
        "control_accuracy": "accuracy on answerable controls",
    }
    rates = _dicts({k: figures.get(k) for k in names})
    t = _dicts(figures.get("table"))
    return [
        table(
            ["", "rate [95% CI]", "items"],
            [
                [names[k], ci_text(r.get("rate"), r.get("ci")), r.get("n_items")]
                for k, r in rates.items()
            ],
        ),
        table(
            ["item kind", "answered with the refusal", "answered otherwise"],
            [[k, v.get("refused"), v.get("answered")] for k, v in t.items()],
            caption="Answers by item kind (the trade-off)",
        ),
        key_values(
            {
                "balanced score (honesty + 1 - over-refusal) / 2; 0.5 = blind": figures.get(
                    "balanced"
                ),
                "pairs with both items right": figures.get("paired_both_right"),
                "refusal option": figures.get("refusal_option"),
            }
        ),
    ]


def learning(figures: dict[str, Any]) -> list[Markup]:
    curve = {k: v for k, v in _dicts(figures.get("curve")).items() if k.isdigit()}
    points = [
        (float(k), a)
        for k, a in sorted(curve.items(), key=lambda kv: int(kv[0]))
        if as_float(a.get("accuracy")) is not None
    ]
    series = [
        Series(
            "accuracy",
            [x for x, _ in points],
            [as_float(a.get("accuracy")) or 0.0 for _, a in points],
        ),
        Series(
            "95% CI bounds",
            [x for x, a in points for b in bounds(a.get("ci")) if b is not None],
            [b for _, a in points for b in bounds(a.get("ci")) if b is not None],
            points_only=True,
        ),
    ]
    top = max((x for x, _ in points), default=1.0) or 1.0
    chart = lines(
        series,
        (0.0, top),
        (0.0, 1.0),
        title="learning curve",
        x_label="k examples",
        y_label="accuracy",
    )
    conditions = _dicts(figures.get("conditions"))
    design = figures.get("design") if isinstance(figures.get("design"), dict) else {}
    assert isinstance(design, dict)
    return [
        figure(chart, "Accuracy vs k in-context examples; dots: CI."),
        key_values(
            {
                "peak at k": figures.get("peak_k"),
                "k values asked": design.get("limit"),
                "longest prompt (tokens)": figures.get("max_prompt_tokens"),
            }
        ),
        table(
            ["condition", "accuracy [95% CI]", "items", "answers"],
            [
                [k, ci_text(a.get("accuracy"), a.get("ci")), a.get("n_items"), a.get("n_answers")]
                for k, a in conditions.items()
            ],
            caption="Learning from examples, instruction, concept and experience",
        ),
    ]


KNOWN = {
    "culture": (culture, {"language_accuracy", "consistency"}),
    "honesty": (
        honesty,
        {
            "honesty_rate",
            "over_refusal_rate",
            "control_accuracy",
            "balanced",
            "table",
            "paired_both_right",
            "paired_cells",
            "refusal_option",
        },
    ),
    "learning": (learning, {"curve", "peak_k", "conditions", "max_prompt_tokens", "design"}),
}
"""benchmark -> (its renderer, the figure keys it draws)."""


def render(benchmark: str, figures: dict[str, Any]) -> tuple[list[Markup], set[str]]:
    if benchmark not in KNOWN:
        return [], set()
    draw, keys = KNOWN[benchmark]
    return draw(figures), keys


__all__ = ["fmt", "render"]
