"""Charts a command writes into its run folder as PNG and SVG (matplotlib, Agg canvas): the
radar of `compare` and the MTMM heatmap of `validity`. Imported only by the command that
draws one; the HTML report draws its own inline SVG (`report._svg`)."""

__all__: list[str] = []  # charts.radar, charts.heatmap: imported by the command that draws
