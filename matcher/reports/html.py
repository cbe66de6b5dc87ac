"""The report as one self-contained HTML file, rendered from ``templates/report.html``.

Inline CSS, the charts as base64 PNG and the bars as inline SVG: the file opens offline. Every
value passes through :func:`~matcher.reports.collect.printable` and Jinja's autoescaping.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..engine.ranking import MatchResult
from .collect import ReportData, printable
from .summary import Summary, contact_text

BAR_WIDTH = 260


@cache
def environment() -> jinja2.Environment:
    def finalize(value: Any) -> Any:
        # Markup (a macro's output) is made of values already finalized here.
        return printable(value) if isinstance(value, str) and not isinstance(value, Markup) else value

    env = jinja2.Environment(loader=jinja2.PackageLoader("matcher.reports", "templates"),
                             autoescape=True, finalize=finalize, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env


def region_bars(result: MatchResult, data: ReportData) -> list[dict[str, Any]]:
    """(region name, count, bar width in px) of a cluster's suggestions, most first."""
    counts = result.by_world_region()
    top = max((c for _, c in counts), default=1)
    return [{"region": data.region(region), "count": count, "width": round(BAR_WIDTH * count / top)}
            for region, count in counts]


def write_html(path: Path, data: ReportData, summary: Summary, gap_chart: bytes,
               matrix: bytes) -> None:
    cross = {r.query.id: r for r in data.cross_field}
    page = environment().get_template("report.html").render(
        data=data, w=data.word, summary=summary, m=data.manifest,
        gap_chart=base64.b64encode(gap_chart).decode(), matrix=base64.b64encode(matrix).decode(),
        cross=cross, region_bars=region_bars, contact_text=contact_text, bar_width=BAR_WIDTH,
        untapped=data.coverage.untapped[:25])
    path.write_text(page, encoding="utf-8")
