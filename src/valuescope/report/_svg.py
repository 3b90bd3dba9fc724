"""Charts as inline SVG, drawn in Python: no plotting library, no script, nothing fetched.

Each function takes plain numbers and labels and returns `Markup` (labels escaped through
`el`), so a report page or the viewer embeds a chart like any other element. Axes span the
scale given (a questionnaire's 1..5, a probability's 0..1), not the data's range, so small
differences look small and charts of different runs read alike. Every chart carries
`role="img"` and a `<title>` for screen readers and for tests that look for charts.

    radar(["care", "fairness", "loyalty"], [RadarLine("model", {"care": 3.2, ...})], 1, 5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from valuescope.report._html import el, fmt

PALETTE = ("#2458a6", "#d0632a", "#2f8f5b", "#8a4fb0", "#b8912a", "#c2417a", "#3a8fa3", "#6b6b6b")
_FONT = 11


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _svg(width: float, height: float, title: str, *children: object, css: str = "chart") -> Markup:
    return el(
        "svg",
        el("title", title),
        *children,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width:.0f} {height:.0f}",
        width=f"{width:.0f}",
        height=f"{height:.0f}",
        role="img",
        class_=css,
        aria_label=title,
    )


def _text(
    x: float, y: float, text: str, anchor: str = "middle", size: int = _FONT, **kw: object
) -> Markup:
    return el("text", text, x=f"{x:.1f}", y=f"{y:.1f}", text_anchor=anchor, font_size=size, **kw)


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


@dataclass
class RadarLine:
    """One polygon: a label, a score per dimension (None: not scored) and optional CIs."""

    label: str
    scores: Mapping[str, float | None]
    ci: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)


def radar(order: Sequence[str], lines: Sequence[RadarLine], low: float, high: float,
          title: str = "profile") -> Markup:  # fmt: skip
    """Polygons around a circle, one spoke per dimension, CIs as whiskers along the spoke."""
    # Room for the dimension labels left and right (long names) and above and below.
    width, radius = 560.0, 165.0
    cx, cy = width / 2, radius + 48
    n = max(len(order), 1)

    def at(i: int, value: float) -> tuple[float, float]:
        share = (min(max(value, low), high) - low) / ((high - low) or 1.0)
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)

    grid: list[Markup] = []
    for step in range(5):
        value = low + (high - low) * step / 4
        ring = [at(i, value) for i in range(n)]
        grid.append(el("polygon", points=_points(ring), fill="none", stroke="#d9dde5"))
        grid.append(_text(cx + 3, at(0, value)[1] - 2, fmt(value, 2 if high - low <= 2 else 1),
                          "start", 9, fill="#8a93a3"))  # fmt: skip
    for i, name in enumerate(order):
        x, y = at(i, high)
        grid.append(el("line", x1=cx, y1=cy, x2=f"{x:.1f}", y2=f"{y:.1f}", stroke="#d9dde5"))
        lx, ly = at(i, high + (high - low) * 0.16)
        anchor = "middle" if abs(lx - cx) < 20 else ("start" if lx > cx else "end")
        if anchor == "middle":  # clear of the scale's numbers on the top and bottom spokes
            ly += -8 if ly < cy else 8
        grid.append(_text(lx, ly + 4, name.replace("_", " "), anchor))
    shapes: list[Markup] = []
    for index, line in enumerate(lines):
        stroke = colour(index)
        present = [(i, line.scores.get(d)) for i, d in enumerate(order)]
        corners = [at(i, v) for i, v in present if v is not None]
        if len(corners) >= 3:
            shapes.append(el("polygon", points=_points(corners), fill=stroke, fill_opacity="0.08",
                             stroke=stroke, stroke_width="2",
                             stroke_dasharray=None if index % 2 == 0 else "5,3"))  # fmt: skip
        for i, dim in enumerate(order):
            score = line.scores.get(dim)
            if score is None:
                continue
            lo, hi = line.ci.get(dim, (None, None))
            if lo is not None and hi is not None:
                (x1, y1), (x2, y2) = at(i, lo), at(i, hi)
                shapes.append(el("line", x1=f"{x1:.1f}", y1=f"{y1:.1f}", x2=f"{x2:.1f}",
                                 y2=f"{y2:.1f}", stroke=stroke, stroke_width="5",
                                 stroke_opacity="0.35", class_="ci"))  # fmt: skip
            x, y = at(i, score)
            shapes.append(el("circle", el("title", f"{line.label}: {dim} {fmt(score)}"),
                             cx=f"{x:.1f}", cy=f"{y:.1f}", r="3.5", fill=stroke))  # fmt: skip
    legend_top = cy + radius + 52
    legend = _legend([line.label for line in lines], 10, legend_top)
    height = legend_top + 16 * len(lines)
    return _svg(width, height, title, grid, shapes, legend, css="chart radar")


def _legend(labels: Sequence[str], x: float, y: float) -> list[Markup]:
    items = []
    for index, label in enumerate(labels):
        row = y + 16 * index
        items.append(el("rect", x=f"{x}", y=f"{row - 9:.0f}", width="12", height="10",
                        fill=colour(index)))  # fmt: skip
        items.append(_text(x + 18, row, label, "start"))
    return items


@dataclass
class Bar:
    """One horizontal bar: a label, a value, an optional CI and an optional series index."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    series: int = 0


def bars(rows: Sequence[Bar], low: float, high: float, title: str = "bars",
         reference: float | None = None, label_width: float = 170.0,
         series_names: Sequence[str] = ()) -> Markup:  # fmt: skip
    """Horizontal bars from `low` with CI whiskers; `reference` draws a dashed line (chance,
    a target, the bare model). Several series share a row label when given in turn."""
    plot_w, row_h = 320.0, 18.0
    width = label_width + plot_w + 70
    top = 8 + 16 * len(series_names)
    height = top + row_h * len(rows) + 26

    def x_of(value: float) -> float:
        return label_width + plot_w * (min(max(value, low), high) - low) / ((high - low) or 1.0)

    parts: list[object] = [_legend(series_names, label_width, 14) if series_names else None]
    for tick in range(5):
        value = low + (high - low) * tick / 4
        x = x_of(value)
        parts.append(el("line", x1=f"{x:.1f}", x2=f"{x:.1f}", y1=top, y2=height - 20,
                        stroke="#eceef2"))  # fmt: skip
        parts.append(_text(x, height - 6, fmt(value, 2 if high - low <= 2 else 1), size=9,
                           fill="#5b6475"))  # fmt: skip
    previous = None
    for index, row in enumerate(rows):
        y = top + row_h * index
        if row.label != previous:
            parts.append(_text(label_width - 6, y + 12, row.label, "end"))
        previous = row.label
        if row.value is None:
            parts.append(_text(label_width + 4, y + 12, "–", "start", fill="#8a93a3"))
            continue
        start, end = x_of(max(low, min(0.0, high)) if low < 0 < high else low), x_of(row.value)
        parts.append(el("rect", el("title", f"{row.label}: {fmt(row.value)}"),
                        x=f"{min(start, end):.1f}", y=f"{y + 3:.1f}",
                        width=f"{max(abs(end - start), 1.0):.1f}", height=f"{row_h - 6:.1f}",
                        fill=colour(row.series), fill_opacity="0.8"))  # fmt: skip
        if row.low is not None and row.high is not None:
            x1, x2, mid = x_of(row.low), x_of(row.high), y + row_h / 2
            parts.append(el("path", d=f"M{x1:.1f},{mid:.1f}H{x2:.1f}M{x1:.1f},{mid - 4:.1f}"
                            f"v8M{x2:.1f},{mid - 4:.1f}v8", stroke="#1d2330", fill="none",
                            class_="ci"))  # fmt: skip
        parts.append(_text(label_width + plot_w + 6, y + 12, fmt(row.value), "start", 10))
    if reference is not None:
        x = x_of(reference)
        parts.append(el("line", x1=f"{x:.1f}", x2=f"{x:.1f}", y1=top - 2, y2=height - 20,
                        stroke="#a4481c", stroke_dasharray="4,3"))  # fmt: skip
    return _svg(width, height, title, parts, css="chart bars")


def option_bars(labels: Sequence[str], probs: Sequence[float | None]) -> Markup:
    """A small bar per answer option with its probability (the drill-down's answer view)."""
    width, bar_h = 260.0, 14.0
    height = bar_h * len(labels) + 4
    parts: list[Markup] = []
    top = max((p for p in probs if p is not None), default=None)
    for index, (label, p) in enumerate(zip(labels, probs, strict=False)):
        y = 2 + bar_h * index
        parts.append(_text(28, y + 11, label, "end", 10))
        if p is None:
            continue
        parts.append(el("rect", x="32", y=f"{y + 2:.0f}", width=f"{max(170 * p, 0.5):.1f}",
                        height=f"{bar_h - 4:.0f}",
                        fill="#2458a6" if p == top else "#9bb3d9"))  # fmt: skip
        parts.append(_text(36 + max(170 * p, 0.5), y + 11, f"{p:.3f}", "start", 10))
    return _svg(width, height, "answer probabilities", parts, css="chart options")


def heatmap(rows: Sequence[str], columns: Sequence[str], matrix: Sequence[Sequence[float | None]],
            title: str = "heatmap", framed: Sequence[tuple[int, int]] = (),
            low: float = -1.0, high: float = 1.0) -> Markup:  # fmt: skip
    """Cells coloured blue (low) to red (high) with their value printed; `framed` cells get a
    black frame (an MTMM's convergent diagonal). An undefined cell is grey with a dash."""
    cell, left, top = 40.0, 150.0, 120.0
    width, height = left + cell * len(columns) + 80, top + cell * len(rows) + 10
    # the right margin holds the last column's label, which leans right
    parts: list[Markup] = []
    for j, name in enumerate(columns):
        x = left + cell * j + cell / 2
        parts.append(_text(x, top - 6, name, "start", 10,
                           transform=f"rotate(-50 {x:.1f} {top - 6:.1f})"))  # fmt: skip
    for i, name in enumerate(rows):
        parts.append(_text(left - 6, top + cell * i + cell / 2 + 4, name, "end", 10))
        for j, value in enumerate(matrix[i]):
            x, y = left + cell * j, top + cell * i
            fill = "#e2e4e8" if value is None else _diverging(value, low, high)
            parts.append(el("rect", el("title", f"{name} × {columns[j]}: {fmt(value)}"),
                            x=f"{x:.0f}", y=f"{y:.0f}", width=f"{cell:.0f}", height=f"{cell:.0f}",
                            fill=fill, stroke="#fff"))  # fmt: skip
            dark = value is not None and abs(value) > 0.6 * max(abs(low), abs(high))
            parts.append(_text(x + cell / 2, y + cell / 2 + 4, fmt(value), size=10,
                               fill="#fff" if dark else "#1d2330"))  # fmt: skip
    for i, j in framed:
        parts.append(el("rect", x=f"{left + cell * j:.0f}", y=f"{top + cell * i:.0f}",
                        width=f"{cell:.0f}", height=f"{cell:.0f}", fill="none", stroke="#000",
                        stroke_width="2.5", class_="framed"))  # fmt: skip
    return _svg(width, height, title, parts, css="chart heatmap")


def _diverging(value: float, low: float, high: float) -> str:
    """Blue for low, white in the middle, red for high."""
    middle = (low + high) / 2
    share = max(-1.0, min(1.0, (value - middle) / (((high - low) / 2) or 1.0)))
    blue, red, white = (36, 88, 166), (190, 60, 40), (255, 255, 255)
    end = red if share > 0 else blue
    mix = [round(w + (e - w) * abs(share)) for w, e in zip(white, end, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


@dataclass
class Series:
    """A line (or, with `points_only`, a scatter) in data coordinates."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    points_only: bool = False


def lines(series: Sequence[Series], x_range: tuple[float, float], y_range: tuple[float, float],
          title: str = "lines", x_label: str = "", y_label: str = "",
          diagonal: bool = False) -> Markup:  # fmt: skip
    """Lines or scatters on fixed axes; `diagonal` draws y = x (chance on an ROC plot)."""
    left, top, plot_w, plot_h = 54.0, 12.0, 300.0, 240.0
    width = left + plot_w + 20
    height = top + plot_h + 44 + 16 * len(series)
    (x0, x1), (y0, y1) = x_range, y_range

    def xy(x: float, y: float) -> tuple[float, float]:
        return (left + plot_w * (x - x0) / ((x1 - x0) or 1.0),
                top + plot_h * (1 - (y - y0) / ((y1 - y0) or 1.0)))  # fmt: skip

    parts: list[object] = [el("rect", x=left, y=top, width=plot_w, height=plot_h, fill="none",
                              stroke="#c9ced8")]  # fmt: skip
    for tick in range(5):
        fx = x0 + (x1 - x0) * tick / 4
        fy = y0 + (y1 - y0) * tick / 4
        gx, _ = xy(fx, y0)
        _, gy = xy(x0, fy)
        parts.append(_text(gx, top + plot_h + 14, fmt(fx), size=9, fill="#5b6475"))
        parts.append(_text(left - 5, gy + 3, fmt(fy), "end", 9, fill="#5b6475"))
    parts.append(_text(left + plot_w / 2, top + plot_h + 30, x_label, size=11))
    parts.append(_text(14, top + plot_h / 2, y_label, size=11,
                       transform=f"rotate(-90 14 {top + plot_h / 2:.0f})"))  # fmt: skip
    if diagonal:
        (ax, ay), (bx, by) = xy(x0, y0), xy(x1, y1)
        parts.append(el("line", x1=f"{ax:.1f}", y1=f"{ay:.1f}", x2=f"{bx:.1f}", y2=f"{by:.1f}",
                        stroke="#a4481c", stroke_dasharray="4,3"))  # fmt: skip
    for index, s in enumerate(series):
        stroke = colour(index)
        points = [xy(x, y) for x, y in zip(s.xs, s.ys, strict=False)]
        if not s.points_only and len(points) >= 2:
            parts.append(el("polyline", points=_points(points), fill="none", stroke=stroke,
                            stroke_width="2"))  # fmt: skip
        if s.points_only or len(points) <= 20:
            for x, y in points:
                parts.append(el("circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r="3", fill=stroke,
                                fill_opacity="0.7"))  # fmt: skip
    parts.append(_legend([s.label for s in series], left, top + plot_h + 52))
    return _svg(width, height, title, parts, css="chart lines")
