"""The report's charts as PNG: the largest gaps, and the full coverage matrix for the appendix.

In both, colour means gap (the standardised residual of :mod:`matcher.analysis.coverage`): red
where strong matches exist without partnerships, blue where partnerships exceed what the matches
suggest, white where they agree; each cell is labelled "strong matches / partnerships" and a
colour bar explains the scale. The gap chart keeps the fields and regions of the largest gaps,
in the order of their largest gap.
"""

from __future__ import annotations

import io

from ..analysis.coverage import Cell
from .collect import ReportData

GAP_CELLS = 15


def _matrix_png(data: ReportData, fields: list[str], regions: list[str], title: str,
                width: float) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm

    index = {(c.field, c.region): c for c in data.coverage.cells}
    grid = np.array([[index[(f, r)].gap for r in regions] for f in fields], dtype=float)
    bound = max(float(np.abs(grid).max()) if grid.size else 0.0, 0.5)
    height = max(3.0, 0.26 * len(fields) + 2.4)
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    image = ax.imshow(grid, cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -bound, bound), aspect="auto")
    ax.set_xticks(range(len(regions)), [data.region(r) for r in regions], rotation=40, ha="right",
                  fontsize=7)
    ax.set_yticks(range(len(fields)), [data.field_name(f) for f in fields], fontsize=7)
    for i, f in enumerate(fields):
        for j, r in enumerate(regions):
            cell = index[(f, r)]
            if cell.strong_matches or cell.partnerships:
                ax.text(j, i, f"{cell.strong_matches}/{cell.partnerships}", ha="center",
                        va="center", fontsize=6,
                        color="white" if abs(grid[i, j]) > 0.6 * bound else "black")
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label(f"{data.word('gap_low')}  ←  {data.word('gap')}  →  {data.word('gap_high')}",
                  fontsize=6.5)
    bar.ax.tick_params(labelsize=6)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def gap_cells(data: ReportData) -> list[Cell]:
    return data.coverage.top_gaps(GAP_CELLS)


def gap_chart_png(data: ReportData) -> bytes:
    """The fields and regions of the largest gaps, rows and columns in the order of the gaps."""
    cells = gap_cells(data) or data.coverage.cells[:1]
    fields = list(dict.fromkeys(c.field for c in cells))
    regions = list(dict.fromkeys(c.region for c in cells))
    return _matrix_png(data, fields, regions, data.word("gap_chart"), 8.0)


def matrix_png(data: ReportData) -> bytes:
    """Every field against every region."""
    return _matrix_png(data, data.coverage.fields, data.coverage.regions, data.word("heatmap"), 8.5)
