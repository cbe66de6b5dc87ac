"""Batch reports for analysts: every German cluster's suggestions, the coverage and its gaps.

``clusterbridge report --out DIR`` writes, for every German cluster (or those named):

- ``suggestions.csv`` / ``suggestions.xlsx``: one row per suggestion, stable columns
  (:data:`COLUMNS`); the workbook adds sheets for coverage, gaps and the lists;
- ``beyond_your_field.csv``: each cluster's "beyond your field" suggestions (partners from other,
  linked fields; :data:`CROSS_FIELD_COLUMNS`), also a sheet of the workbook and a list per cluster
  in the HTML and PDF;
- ``coverage.csv``: one row per (field, region) cell;
- ``report.html``: one self-contained file (inline CSS, charts as inline SVG and a base64 PNG);
- ``report.pdf``: A4 pages;
- ``manifest.json``: date, catalogue hash, embedder, weights, software version, options.

The same inputs give byte-identical CSV files. Text cells that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed with an
apostrophe. Everything is written to a temporary directory beside DIR and each finished file is
renamed into DIR, the manifest last, so an interrupted run leaves no half-written file in DIR.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import importlib.metadata
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import COMPONENTS
from .coverage import Cell, Coverage, compute_coverage
from .errors import InvalidInputError
from .ranking import Match, Matcher, MatchResult

FORMATS = ("html", "csv", "xlsx", "pdf")
COLUMNS = (
    "cluster_id", "cluster_name", "rank", "partner_id", "partner_name", "partner_country",
    "partner_world_region", "score", "label", *COMPONENTS, "existing_partner", "reasons",
    "partner_source",
)
#: The suggestion columns plus the strongest field link: their field and the one of ours.
CROSS_FIELD_COLUMNS = (*COLUMNS, "their_field", "our_field")
COVERAGE_COLUMNS = ("field", "region", "german_clusters", "partnerships", "strong_matches",
                    "co_memberships", "gap")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with an apostrophe in front if a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class ReportData:
    """Everything a report shows, computed once for all formats."""

    results: list[MatchResult]
    coverage: Coverage
    manifest: dict[str, Any]
    sources: dict[str, str]
    #: Each cluster's "beyond your field" suggestions, in the order of ``results``.
    cross_field: list[MatchResult] = field(default_factory=list)

    def rows(self) -> list[list[Any]]:
        return self._rows(self.results)

    def cross_field_rows(self) -> list[list[Any]]:
        """Rows of :data:`CROSS_FIELD_COLUMNS`."""
        return self._rows(self.cross_field, linked=True)

    def _rows(self, results: Sequence[MatchResult], linked: bool = False) -> list[list[Any]]:
        out: list[list[Any]] = []
        for result in results:
            q = result.query
            for rank, m in enumerate(result.matches, start=1):
                e = m.explanation
                row = [
                    q.id, q.name, rank, m.id, m.name, m.country, m.world_region,
                    round(m.score, 4), e.label, *(round(e.components[c], 4) for c in COMPONENTS),
                    "yes" if e.existing_partner else "no", e.summary, self.sources.get(m.id, ""),
                ]
                if linked:
                    link = e.value_chain.links[0] if e.value_chain and e.value_chain.links else None
                    row += [link.theirs, link.ours] if link else ["", ""]
                out.append(row)
        return out

    def coverage_rows(self, cells: Sequence[Cell] | None = None) -> list[list[Any]]:
        """One row per cell (default: every cell); numbers stay numbers."""
        return [[c.field, c.region, c.german_clusters, c.partnerships, c.strong_matches,
                 c.co_memberships, round(c.gap, 4)]
                for c in (self.coverage.cells if cells is None else cells)]


def collect(matcher: Matcher, *, top: int = 10, clusters: Sequence[str] = (),
            progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None) -> ReportData:
    """Suggestions for every German cluster (or ``clusters``), coverage, and the run manifest."""
    catalogue = matcher.catalogue
    queries = [catalogue.get(c) for c in clusters] if clusters else catalogue.german()
    iterate = progress or (lambda xs: xs)
    results, cross_field = [], []
    for q in iterate(queries):
        results.append(matcher.match(q, top=top))
        cross_field.append(matcher.match(q, top=top, scope="cross_field"))
    coverage = compute_coverage(matcher)
    manifest = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "catalogue_hash": catalogue.data_hash(),
        "embedder": matcher.bundle.manifest["embedder"],
        "weights": matcher.config.weights.as_dict(),
        "strong_match_threshold": coverage.threshold,
        "software": {"clusterbridge": importlib.metadata.version("clusterbridge")},
        "top": top,
        "clusters": [q.id for q in queries],
    }
    sources = {p.id: p.sources[0] if p.sources else "" for p in catalogue.profiles}
    return ReportData(results, coverage, manifest, sources, cross_field)


# --- writers -------------------------------------------------------------------------------
def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])


def write_xlsx(path: Path, data: ReportData) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    sheets: list[tuple[str, Sequence[str], list[list[Any]]]] = [
        ("suggestions", COLUMNS, data.rows()),
        ("beyond_your_field", CROSS_FIELD_COLUMNS, data.cross_field_rows()),
        ("coverage", COVERAGE_COLUMNS, data.coverage_rows()),
        ("gaps", COVERAGE_COLUMNS, data.coverage_rows(data.coverage.top_gaps(50))),
        ("unpartnered", ("cluster_id", "cluster_name", "option_1", "option_2", "option_3"),
         [[u["id"], u["name"], *(f"{o['name']} ({o['country']}, {o['score']:.2f})"
                                 for o in u["best_options"])] for u in data.coverage.unpartnered]),
        ("untapped", ("id", "name", "country", "region", "strong_matches"),
         [[x["id"], x["name"], x["country"], x["region"], x["strong_matches"]]
          for x in data.coverage.untapped]),
    ]
    first = True
    for title, header, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        ws.title = title
        ws.append(list(header))
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        ws.freeze_panes = "A2"
    wb.save(path)


def region_bars_svg(result: MatchResult, width: int = 260) -> str:
    counts = result.by_world_region()
    top = max((c for _, c in counts), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 200}" '
             f'height="{len(counts) * 18 + 4}" role="img" aria-label="suggestions by world region">']
    for i, (region, count) in enumerate(counts):
        y = i * 18
        bar = round(width * count / top)
        parts.append(f'<text x="0" y="{y + 13}" font-size="11">{html.escape(region)}</text>'
                     f'<rect x="150" y="{y + 3}" width="{bar}" height="12" fill="#0b5cad"/>'
                     f'<text x="{155 + bar}" y="{y + 13}" font-size="11">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap_png(coverage: Coverage) -> bytes:
    """The coverage matrix (strong matches per field and region) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fields, regions = coverage.fields, coverage.regions
    grid = np.zeros((len(fields), len(regions)))
    index = {(c.field, c.region): c for c in coverage.cells}
    for i, f in enumerate(fields):
        for j, r in enumerate(regions):
            grid[i, j] = index[(f, r)].strong_matches
    fig, ax = plt.subplots(figsize=(11, max(4.0, 0.28 * len(fields) + 2)), dpi=90)
    ax.imshow(grid, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(regions)), regions, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(fields)), fields, fontsize=8)
    for i, f in enumerate(fields):
        for j, r in enumerate(regions):
            cell = index[(f, r)]
            if cell.strong_matches or cell.partnerships:
                ax.text(j, i, f"{cell.strong_matches}/{cell.partnerships}", ha="center",
                        va="center", fontsize=6,
                        color="white" if grid[i, j] > grid.max() / 2 else "black")
    ax.set_title("Strong matches / known partnerships by field and world region", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def write_html(path: Path, data: ReportData, heatmap: bytes) -> None:
    e = html.escape
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>ClusterBridge report</title><style>",
        "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;"
        "color:#1b2430}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "td,th{border:1px solid #d8dde4;padding:.25rem .4rem;vertical-align:top;text-align:left}"
        "h2{margin-top:2.5rem;border-bottom:2px solid #0b5cad}.muted{color:#5b6675}</style>",
        "</head><body><h1>ClusterBridge report</h1>",
        f"<p class='muted'>Created {e(data.manifest['created'])} · catalogue "
        f"{e(data.manifest['catalogue_hash'][:12])} · model {e(data.manifest['embedder']['name'])} · "
        f"top {data.manifest['top']}</p>",
        "<h2>Coverage</h2>",
        f"<img alt='coverage heatmap' style='max-width:100%' src='data:image/png;base64,"
        f"{base64.b64encode(heatmap).decode()}'>",
        "<h3>Largest gaps</h3><table><tr><th>field</th><th>region</th><th>strong matches</th>"
        "<th>partnerships</th><th>gap</th></tr>",
    ]
    for c in data.coverage.top_gaps(15):
        out.append(f"<tr><td>{e(c.field)}</td><td>{e(c.region)}</td><td>{c.strong_matches}</td>"
                   f"<td>{c.partnerships}</td><td>{c.gap:.2f}</td></tr>")
    out.append("</table><h3>German clusters without an international partner</h3><ul>")
    for u in data.coverage.unpartnered:
        options = "; ".join(f"{e(o['name'])} ({e(o['country'])}, {o['score']:.2f})"
                            for o in u["best_options"])
        out.append(f"<li>{e(u['name'])}: {options}</li>")
    out.append("</ul><h3>Strong international profiles no German cluster works with</h3><ul>")
    for x in data.coverage.untapped[:25]:
        out.append(f"<li>{e(x['name'])} ({e(x['country'])}): {x['strong_matches']}</li>")
    out.append("</ul><h2>Suggestions per cluster</h2>")
    cross = {r.query.id: r for r in data.cross_field}

    def table(result: MatchResult) -> None:
        out.append("<table><tr><th>#</th><th>partner</th><th>country</th><th>score</th>"
                   "<th>why</th></tr>")
        for rank, m in enumerate(result.matches, start=1):
            src = data.sources.get(m.id, "")
            link = f" <a href='{e(src)}'>source</a>" if src else ""
            out.append(f"<tr><td>{rank}</td><td>{e(m.name)}{link}</td><td>{e(m.country)}</td>"
                       f"<td>{m.score:.3f}</td><td>{e(m.explanation.summary)}</td></tr>")
        out.append("</table>")

    for result in data.results:
        q = result.query
        out.append(f"<h3 id='{e(q.id)}'>{e(q.name)}</h3>{region_bars_svg(result)}")
        table(result)
        if q.id in cross:
            out.append("<h4>Beyond your field: partners from linked fields</h4>")
            if cross[q.id].matches:
                table(cross[q.id])
            else:
                out.append("<p class='muted'>No partner from a linked field.</p>")
    out.append("</body></html>")
    path.write_text("\n".join(out), encoding="utf-8")


def write_pdf(path: Path, data: ReportData, heatmap: bytes) -> None:
    import matplotlib
    from fpdf import FPDF

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", fname=str(font))
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    pdf.cell(0, 10, "ClusterBridge report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(0, 4, f"Created {data.manifest['created']} - catalogue "
                         f"{data.manifest['catalogue_hash'][:12]} - model "
                         f"{data.manifest['embedder']['name']} - top {data.manifest['top']}",
                   new_x="LMARGIN", new_y="NEXT")
    room = pdf.h - pdf.b_margin - pdf.get_y() - 2
    pdf.image(io.BytesIO(heatmap), w=pdf.epw, h=room, keep_aspect_ratio=True)
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    pdf.cell(0, 8, "Largest gaps", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    for c in data.coverage.top_gaps(15):
        pdf.multi_cell(0, 4, f"{c.field} -> {c.region}: {c.strong_matches} strong matches, "
                             f"{c.partnerships} partnerships, gap {c.gap:.2f}",
                       new_x="LMARGIN", new_y="NEXT")
    cross = {r.query.id: r for r in data.cross_field}
    for result in data.results:
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 6, result.query.name, new_x="LMARGIN", new_y="NEXT")
        counts = result.by_world_region()
        pdf.set_font("DejaVu", size=7)
        for region, count in counts:
            y = pdf.get_y()
            pdf.cell(45, 4, region)
            pdf.set_fill_color(11, 92, 173)
            pdf.rect(pdf.l_margin + 46, y + 0.5, 8 * count, 3, style="F")
            pdf.set_xy(pdf.l_margin + 48 + 8 * count, y)
            pdf.cell(10, 4, str(count), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for rank, m in enumerate(result.matches, start=1):
            pdf_match(pdf, rank, m)
        beyond = cross.get(result.query.id)
        if beyond is not None and beyond.matches:
            pdf.set_font("DejaVu", size=10)
            pdf.multi_cell(0, 6, "Beyond your field: partners from linked fields",
                           new_x="LMARGIN", new_y="NEXT")
            for rank, m in enumerate(beyond.matches, start=1):
                pdf_match(pdf, rank, m)
    pdf.output(str(path))


def pdf_match(pdf: Any, rank: int, m: Match) -> None:
    """One suggestion on a PDF page: name, country and score, then the reasons."""
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(0, 5, f"{rank}. {m.name} ({m.country}) - score {m.score:.3f}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(0, 3.5, m.explanation.summary, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InvalidInputError(f"unknown format(s) {unknown}; formats: {', '.join(FORMATS)}",
                                field="format")
    return formats


def write_report(data: ReportData, out: Path, formats: Sequence[str] = FORMATS) -> list[str]:
    """Write ``data`` into ``out`` atomically file by file; returns the file names written."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        names: list[str] = []
        heatmap = heatmap_png(data.coverage) if {"html", "pdf"} & set(formats) else b""
        if "csv" in formats:
            write_csv(tmp / "suggestions.csv", COLUMNS, data.rows())
            write_csv(tmp / "coverage.csv", COVERAGE_COLUMNS, data.coverage_rows())
            write_csv(tmp / "beyond_your_field.csv", CROSS_FIELD_COLUMNS, data.cross_field_rows())
            names += ["suggestions.csv", "coverage.csv", "beyond_your_field.csv"]
        if "xlsx" in formats:
            write_xlsx(tmp / "suggestions.xlsx", data)
            names.append("suggestions.xlsx")
        if "html" in formats:
            write_html(tmp / "report.html", data, heatmap)
            names.append("report.html")
        if "pdf" in formats:
            write_pdf(tmp / "report.pdf", data, heatmap)
            names.append("report.pdf")
        manifest = {**data.manifest, "formats": list(formats), "files": names}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        for name in [*names, "manifest.json"]:
            os.replace(tmp / name, out / name)
        return [*names, "manifest.json"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
