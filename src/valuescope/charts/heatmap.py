"""Heatmap of a multitrait-multimethod (MTMM) correlation matrix.

Rows and columns are instrument A's traits, then B's. The matrix falls into three blocks:
A-A and B-B (how each instrument's traits relate among themselves) and A-B (the same
respondents on the two instruments). In the A-B block the cells of a trait with its own
counterpart (the *convergent* diagonal, which should be high) are framed; every other A-B
cell should be low. Values are printed in every cell; an undefined correlation is grey
with a dash. Colours run from -1 (blue) to +1 (red) whatever the data, so plots of
different studies read alike.

Drawn on a bare `Figure` with the Agg canvas (no pyplot state, no display), like the radar
plot; the SVG carries no date and a fixed hash salt, so the same results give the same file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def mtmm_heatmap(
    labels: Sequence[str],
    matrix: Sequence[Sequence[float | None]],
    convergent: Sequence[tuple[int, int]],
    names: tuple[str, str],
    title: str,
    out: Path,
    stem: str = "mtmm",
) -> list[Path]:
    """Draw the matrix and save `<stem>.png` and `<stem>.svg` in `out`; returns the paths.

    `labels` are `A:trait` / `B:trait` (A's first, as `MTMMResult.labels`); `convergent`
    the (row, column) of each trait's convergent cell (framed, and its mirror image);
    `names` the two instruments' names for the block captions.
    """
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    n = len(labels)
    n_a = sum(1 for label in labels if label.startswith("A:"))
    values = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    ticks = [label.split(":", 1)[1].replace("_", " ") for label in labels]
    size = max(6.0, 0.55 * n + 2.5)
    with matplotlib.rc_context({"svg.hashsalt": "valuescope", "font.size": 8}):
        figure = Figure(figsize=(size + 1.2, size), layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
        cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="0.85")
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-1.0, vmax=1.0)
        for i in range(n):
            for j in range(n):
                v = values[i, j]
                text = "–" if np.isnan(v) else f"{v:.2f}"
                colour = "white" if not np.isnan(v) and abs(v) > 0.6 else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
        for i, j in convergent:
            for row, col in ((i, j), (j, i)):
                ax.add_patch(
                    Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, lw=2.2, ec="black")
                )
        ax.axhline(n_a - 0.5, color="black", lw=1.2)
        ax.axvline(n_a - 0.5, color="black", lw=1.2)
        ax.set_xticks(range(n), ticks, rotation=45, ha="right")
        ax.set_yticks(range(n), ticks)
        # Block captions: which instrument each half of the rows and columns belongs to.
        for start, stop, name in ((0, n_a, names[0]), (n_a, n, names[1])):
            middle = (start + stop - 1) / 2
            ax.text(middle, -0.7, name, ha="center", va="bottom", fontweight="bold")
            ax.text(n - 0.3, middle, name, ha="left", va="center", rotation=-90,
                    fontweight="bold")  # fmt: skip
        ax.set_title(title, pad=22)
        figure.colorbar(image, ax=ax, shrink=0.7, label="Pearson r over respondents")
        ax.set_xlabel("framed: convergent (same trait, other instrument)")
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{stem}.png", out / f"{stem}.svg"]
        figure.savefig(paths[0], format="png", dpi=150)
        figure.savefig(paths[1], format="svg", metadata={"Date": None})
    return paths
