"""Part (c), response styles: does the profile report the position bias and acquiescence the
design switched on, and only those?

`position_bias` and `acquiescence` of the design at 0, 0.5 and 1.0 (one switched on at a
time), read back from the model's own profile (`summary.py`, per dimension: position bias
= E(asc) - E(desc) on the raw scale point, acquiescence = mean raw agreement before
reverse-keying). Beside each figure, the value the design implies (the GRM, the position
weights and the self respondent's item traits, computed here: `predicted_profile`, the
direct route of `common.py` with the response styles applied).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from valuescope.sim import SimModel

from .common import _grm_categories, _mean, _num, by_dimension, item_traits, run_sim, write_design

STYLE_DESIGN: dict[str, Any] = {"seed": 4, "frameworks": ["bigfive"]}
STYLE_LEVELS = (0.0, 0.5, 1.0)


@dataclass
class StyleRow:
    style: str
    level: float
    position_bias: dict[str, float]
    acquiescence: dict[str, float]
    predicted_position_bias: dict[str, float]
    predicted_acquiescence: dict[str, float]
    acquiescence_shift: dict[str, float] = field(default_factory=dict)
    """Acquiescence minus its value with every style off (the traits' own agreement)."""
    predicted_acquiescence_shift: dict[str, float] = field(default_factory=dict)


def predicted_profile(model: SimModel, bank: str = "bigfive") -> dict[str, tuple[float, float]]:
    """Dimension -> (position bias, acquiescence) the design implies for the model's own
    answers: GRM categories at the self respondent's item traits, shown ascending or
    descending, weighted exp(position_bias * decay ** position) by position, mixed with
    noise, as the sim's docstring defines them; the figures as `summary.py` defines them."""
    config = model.config
    parameters, traits = item_traits(model, [None], bank)
    polarity = np.array([p.polarity for p in parameters])
    probs = _grm_categories(polarity * traits + config.acquiescence, parameters)[0]
    k = probs.shape[1]
    weights = np.exp(config.position_bias * config.position_decay ** np.arange(k))
    points = np.arange(1, k + 1)
    expected = {}
    for order, shown_points in (("asc", points), ("desc", points[::-1])):
        shown = probs[:, shown_points - 1] * weights
        shown /= shown.sum(axis=1, keepdims=True)
        shown = (1.0 - config.noise) * shown + config.noise / k
        expected[order] = shown @ shown_points
    out = {}
    for dimension, columns in by_dimension(parameters).items():
        asc, desc = expected["asc"][columns], expected["desc"][columns]
        out[dimension] = (float((asc - desc).mean()), float(((asc + desc) / 2).mean()))
    return out


def style_recovery(work: Path, levels: Sequence[float] = STYLE_LEVELS) -> list[StyleRow]:
    """Part (c): see the module docstring."""
    folder = work / "styles"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for style in ("position_bias", "acquiescence"):
        for level in levels:
            path = write_design(folder / f"{style}_{level}.yaml", {**STYLE_DESIGN, style: level})
            results, _ = run_sim(path, folder / "run")
            predicted = predicted_profile(SimModel.from_file(path))
            dims = results.dimensions
            rows.append(
                StyleRow(
                    style=style,
                    level=level,
                    position_bias={d: _num(v.position_bias) for d, v in dims.items()},
                    acquiescence={d: _num(v.acquiescence) for d, v in dims.items()},
                    predicted_position_bias={d: p[0] for d, p in predicted.items()},
                    predicted_acquiescence={d: p[1] for d, p in predicted.items()},
                )
            )
    off = next(r for r in rows if r.level == 0.0)
    for row in rows:
        row.acquiescence_shift = {d: v - off.acquiescence[d] for d, v in row.acquiescence.items()}
        row.predicted_acquiescence_shift = {
            d: v - off.predicted_acquiescence[d] for d, v in row.predicted_acquiescence.items()
        }
    return rows


def print_styles(rows: Sequence[StyleRow], midpoint: float = 3.0) -> None:
    off = next(r for r in rows if r.level == 0.0)
    print(
        "(c) response styles: the model's own profile (45 bigfive items x 2 orders x 2 "
        "framings), one style switched on at a time; figures = mean over the 5 dimensions "
        "[min, max]; pred. = what the design implies"
    )
    print(
        "    acquiescence shift = the profile's acquiescence minus its value with both styles "
        f"off ({_mean(off.acquiescence) - midpoint:+.3f} from the midpoint {midpoint:g}, "
        "range over dimensions "
        f"{min(off.acquiescence.values()) - midpoint:+.3f}..."
        f"{max(off.acquiescence.values()) - midpoint:+.3f}: the self respondent's traits "
        "on items of unequal keying and location)"
    )
    print(
        f"    {'design setting':<22}{'position bias':>24}{'pred.':>8}"
        f"{'acquiescence shift':>26}{'pred.':>8}"
    )
    for row in rows:
        print(
            f"    {f'{row.style} {row.level}':<22}"
            f"{_spread(row.position_bias):>24}{_mean(row.predicted_position_bias):>+8.3f}"
            f"{_spread(row.acquiescence_shift):>26}"
            f"{_mean(row.predicted_acquiescence_shift):>+8.3f}"
        )
    worst = max(
        abs(figure[d] - predicted[d])
        for r in rows
        for figure, predicted in (
            (r.position_bias, r.predicted_position_bias),
            (r.acquiescence, r.predicted_acquiescence),
        )
        for d in figure
    )
    print(f"    max |profile figure - predicted|: {worst:.1e}")
    print()


def _spread(values: dict[str, float]) -> str:
    v = list(values.values())
    return f"{np.mean(v):+.3f} [{min(v):+.3f}, {max(v):+.3f}]"
