"""Radar (polar) plot of several runs' profiles on one framework.

One polygon per run, dimensions around the circle. Where the framework is a circumplex
(Schwartz) the dimensions follow its circle, so neighbours on the plot are neighbouring
values in the theory and a profile's shape reads as the theory intends; otherwise they
follow the framework file. The caller passes plain data (labels, scores, the dimension
order, the scale's points), so any report can draw one. The radius spans the instrument's
whole response scale (not the data's range), so small differences look small and plots of
different comparisons can be set side by side. A dimension a run did not score leaves a
gap in its polygon.

Drawn on a bare `Figure` with the Agg canvas: no pyplot global state, no display needed,
safe in servers and threads. The SVG carries no date and a fixed hash salt, so the same
results give the same file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

RADAR_STEM = "radar"
# Runs with equal scores draw on top of each other: markers and dashes keep each visible.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_DASHES = ("-", "--", "-.", ":")


@dataclass
class RadarSeries:
    """One polygon: a run's label and its score per dimension (None = not scored)."""

    label: str
    scores: Mapping[str, float | None]


def radar_plot(
    series: Sequence[RadarSeries],
    order: Sequence[str],
    scale_points: Sequence[int],
    title: str,
    out: Path,
    stem: str = RADAR_STEM,
) -> list[Path]:
    """Draw the profiles and save `<stem>.png` and `<stem>.svg` in `out`; returns the paths.

    `order` is the dimensions as they go around the plot (a circumplex's circle where the
    framework has one); `scale_points` the response scale's points (the radius axis).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

    angles = [2 * math.pi * i / len(order) for i in range(len(order))]
    closed = [*angles, angles[0]]

    with matplotlib.rc_context({"svg.hashsalt": "valuescope", "font.size": 9}):
        figure = Figure(figsize=(7.5, 7.5), layout="constrained")
        FigureCanvasAgg(figure)
        ax = cast(PolarAxes, figure.add_subplot(projection="polar"))
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        for index, run in enumerate(series):
            values = [_score(run.scores.get(dim)) for dim in order]
            (line,) = ax.plot(
                closed,
                [*values, values[0]],
                marker=_MARKERS[index % len(_MARKERS)],
                linestyle=_DASHES[index % len(_DASHES)],
                lw=1.6,
                label=run.label,
            )
            ax.fill(closed, [*values, values[0]], color=line.get_color(), alpha=0.08)
        ax.set_xticks(angles)
        ax.set_xticklabels([dim.replace("_", " ") for dim in order])
        ax.set_ylim(min(scale_points), max(scale_points))
        ax.set_yticks(list(scale_points))
        ax.set_rlabel_position(0)
        ax.set_title(title, pad=28)
        # Below the plot: run labels can be long (directory names) and must not cover it.
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08),
            ncols=min(3, len(series)),
            fontsize=8,
            frameon=False,
        )
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{stem}.png", out / f"{stem}.svg"]
        figure.savefig(paths[0], format="png", dpi=150)
        figure.savefig(paths[1], format="svg", metadata={"Date": None})
    return paths


def _score(score: float | None) -> float:
    return float("nan") if score is None else float(score)
