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
apostrophe. Characters no profile may hold (control characters, lone surrogates; text stored
before they were refused) are written as U+FFFD in every format. Everything is written to a
temporary directory beside DIR and each finished file is renamed into DIR, the manifest last, so
an interrupted run leaves no half-written file in DIR.
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

from ..analysis.coverage import Cell, Coverage, compute_coverage
from ..catalogue.languages import country_name, format_number, region_name
from ..catalogue.profiles import scrub
from ..catalogue.taxonomy import Taxonomy
from ..config import COMPONENTS
from ..engine.ranking import Match, Matcher, MatchResult
from ..errors import InvalidInputError

FORMATS = ("html", "csv", "xlsx", "pdf")
COLUMNS = (
    "cluster_id", "cluster_name", "rank", "partner_id", "partner_name", "partner_country",
    "partner_world_region", "score", "label", *COMPONENTS, "existing_partner", "reasons",
    "partner_website", "partner_contact", "partner_source",
)
#: The suggestion columns plus the strongest field link: their field and the one of ours.
CROSS_FIELD_COLUMNS = (*COLUMNS, "their_field", "our_field")
COVERAGE_COLUMNS = ("field", "region", "german_clusters", "partnerships", "strong_matches",
                    "co_memberships", "gap")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def printable(value: str) -> str:
    """``value`` with every character a profile may not hold shown as U+FFFD: writable to UTF-8,
    to XML (XLSX) and to a PDF, whatever was stored."""
    return scrub(value, multiline=True, replacement="\ufffd")


def safe_cell(value: Any) -> Any:
    """``value`` printable, with an apostrophe in front if a spreadsheet would run it as a
    formula."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def escape(value: Any) -> str:
    """``value`` as printable, escaped HTML text."""
    return html.escape(printable(str(value)))


#: Words of the HTML and PDF reports per language (CSV and XLSX keep English column names, so
#: that analysts' scripts read both).
WORDS: dict[str, dict[str, str]] = {
    "en": {"report": "ClusterBridge report", "created": "Created", "catalogue": "catalogue",
           "model": "model", "top": "top", "coverage": "Coverage", "gaps": "Largest gaps",
           "field": "field", "region": "region", "strong": "strong matches",
           "partnerships": "partnerships", "gap": "gap",
           "unpartnered": "German clusters without an international partner",
           "untapped": "Strong international profiles no German cluster works with",
           "suggestions": "Suggestions per cluster", "partner": "partner", "country": "country",
           "score": "score", "why": "why", "source": "source", "website": "website",
           "contact": "contact",
           "heatmap": "Strong matches / known partnerships by field and world region",
           "beyond": "Beyond your field: partners from linked fields",
           "no_beyond": "No partner from a linked field."},
    "de": {"report": "ClusterBridge-Bericht", "created": "Erstellt", "catalogue": "Katalog",
           "model": "Modell", "top": "Top", "coverage": "Abdeckung", "gaps": "Größte Lücken",
           "field": "Themenfeld", "region": "Region", "strong": "starke Vorschläge",
           "partnerships": "Partnerschaften", "gap": "Lücke",
           "unpartnered": "Deutsche Cluster ohne internationalen Partner",
           "untapped": "Starke internationale Profile ohne deutschen Partner",
           "suggestions": "Vorschläge je Cluster", "partner": "Partner", "country": "Land",
           "score": "Wert", "why": "Begründung", "source": "Quelle", "website": "Webseite",
           "contact": "Kontakt",
           "heatmap": "Starke Vorschläge / bekannte Partnerschaften nach Themenfeld und Weltregion",
           "beyond": "Über das eigene Feld hinaus: Partner aus verbundenen Feldern",
           "no_beyond": "Kein Partner aus einem verbundenen Feld."},
}
LANGUAGES = tuple(WORDS)


@dataclass
class ReportData:
    """Everything a report shows, computed once for all formats."""

    results: list[MatchResult]
    coverage: Coverage
    manifest: dict[str, Any]
    sources: dict[str, str]
    #: Each profile's website and contact page ("" when not known).
    websites: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    #: Each cluster's "beyond your field" suggestions, in the order of ``results``.
    cross_field: list[MatchResult] = field(default_factory=list)
    lang: str = "en"
    taxonomy: Taxonomy | None = None

    def word(self, key: str) -> str:
        return WORDS[self.lang][key]

    def field_name(self, term: str) -> str:
        return self.taxonomy.name(term, self.lang) if self.taxonomy is not None else term

    def region(self, name: str) -> str:
        return region_name(name, self.lang)

    def country(self, code: str) -> str:
        return country_name(code, self.lang)

    def num(self, value: float, digits: int = 2) -> str:
        return format_number(value, self.lang, digits)

    def summary(self, match: Match) -> str:
        return match.explanation.summary_in(self.lang, self.field_name)

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
                    "yes" if e.existing_partner else "no", e.summary,
                    self.websites.get(m.id, ""), self.contacts.get(m.id, ""), self.sources.get(m.id, ""),
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
            progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
            lang: str = "en") -> ReportData:
    """Suggestions for every German cluster (or ``clusters``), coverage, and the run manifest;
    HTML and PDF are written in ``lang`` (en, de)."""
    if lang not in LANGUAGES:
        raise InvalidInputError(f"unknown language {lang!r}; languages: {', '.join(LANGUAGES)}",
                                field="lang")
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
        "lang": lang,
        "clusters": [q.id for q in queries],
    }
    sources = {p.id: p.sources[0] if p.sources else "" for p in catalogue.profiles}
    return ReportData(results, coverage, manifest, sources,
                      {p.id: p.website or "" for p in catalogue.profiles},
                      {p.id: p.contact or "" for p in catalogue.profiles},
                      cross_field, lang, catalogue.reference.taxonomy)


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


def region_bars_svg(result: MatchResult, data: ReportData, width: int = 260) -> str:
    counts = [(data.region(region), count) for region, count in result.by_world_region()]
    top = max((c for _, c in counts), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 200}" '
             f'height="{len(counts) * 18 + 4}" role="img" aria-label="suggestions by world region">']
    for i, (region, count) in enumerate(counts):
        y = i * 18
        bar = round(width * count / top)
        parts.append(f'<text x="0" y="{y + 13}" font-size="11">{escape(region)}</text>'
                     f'<rect x="150" y="{y + 3}" width="{bar}" height="12" fill="#0b5cad"/>'
                     f'<text x="{155 + bar}" y="{y + 13}" font-size="11">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap_png(data: ReportData) -> bytes:
    """The coverage matrix (strong matches per field and region) as a PNG."""
    coverage = data.coverage
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
    ax.set_xticks(range(len(regions)), [data.region(r) for r in regions], rotation=60, ha="right",
                  fontsize=8)
    ax.set_yticks(range(len(fields)), [data.field_name(f) for f in fields], fontsize=8)
    for i, f in enumerate(fields):
        for j, r in enumerate(regions):
            cell = index[(f, r)]
            if cell.strong_matches or cell.partnerships:
                ax.text(j, i, f"{cell.strong_matches}/{cell.partnerships}", ha="center",
                        va="center", fontsize=6,
                        color="white" if grid[i, j] > grid.max() / 2 else "black")
    ax.set_title(data.word("heatmap"), fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def write_html(path: Path, data: ReportData, heatmap: bytes) -> None:
    e, w = escape, data.word
    out = [
        f"<!doctype html><html lang='{data.lang}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(w('report'))}</title><style>",
        "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;"
        "color:#1b2430}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "td,th{border:1px solid #d8dde4;padding:.25rem .4rem;vertical-align:top;text-align:left}"
        "h2{margin-top:2.5rem;border-bottom:2px solid #0b5cad}.muted{color:#5b6675}</style>",
        f"</head><body><h1>{e(w('report'))}</h1>",
        f"<p class='muted'>{e(w('created'))} {e(data.manifest['created'])} · {e(w('catalogue'))} "
        f"{e(data.manifest['catalogue_hash'][:12])} · {e(w('model'))} "
        f"{e(data.manifest['embedder']['name'])} · {e(w('top'))} {data.manifest['top']}</p>",
        f"<h2>{e(w('coverage'))}</h2>",
        f"<img alt='{e(w('heatmap'))}' style='max-width:100%' src='data:image/png;base64,"
        f"{base64.b64encode(heatmap).decode()}'>",
        f"<h3>{e(w('gaps'))}</h3><table><tr><th>{e(w('field'))}</th><th>{e(w('region'))}</th>"
        f"<th>{e(w('strong'))}</th><th>{e(w('partnerships'))}</th><th>{e(w('gap'))}</th></tr>",
    ]
    for c in data.coverage.top_gaps(15):
        out.append(f"<tr><td>{e(data.field_name(c.field))}</td><td>{e(data.region(c.region))}</td>"
                   f"<td>{c.strong_matches}</td><td>{c.partnerships}</td><td>{data.num(c.gap)}</td></tr>")
    out.append(f"</table><h3>{e(w('unpartnered'))}</h3><ul>")
    for u in data.coverage.unpartnered:
        options = "; ".join(f"{e(o['name'])} ({e(data.country(o['country']))}, {data.num(o['score'])})"
                            for o in u["best_options"])
        out.append(f"<li>{e(u['name'])}: {options}</li>")
    out.append(f"</ul><h3>{e(w('untapped'))}</h3><ul>")
    for x in data.coverage.untapped[:25]:
        out.append(f"<li>{e(x['name'])} ({e(data.country(x['country']))}): {x['strong_matches']}</li>")
    out.append(f"</ul><h2>{e(w('suggestions'))}</h2>")
    cross = {r.query.id: r for r in data.cross_field}

    def table(result: MatchResult) -> None:
        out.append(f"<table><tr><th>#</th><th>{e(w('partner'))}</th><th>{e(w('country'))}</th>"
                   f"<th>{e(w('score'))}</th><th>{e(w('why'))}</th></tr>")
        for rank, m in enumerate(result.matches, start=1):
            links = [(data.websites.get(m.id, ""), w("website")),
                     (data.contacts.get(m.id, ""), w("contact")),
                     (data.sources.get(m.id, ""), w("source"))]
            link = "".join(f" <a href='{e(url)}'>{e(label)}</a>" for url, label in links if url)
            out.append(f"<tr><td>{rank}</td><td>{e(m.name)}{link}</td><td>{e(data.country(m.country))}</td>"
                       f"<td>{data.num(m.score, 3)}</td><td>{e(data.summary(m))}</td></tr>")
        out.append("</table>")

    for result in data.results:
        q = result.query
        out.append(f"<h3 id='{e(q.id)}'>{e(q.name)}</h3>{region_bars_svg(result, data)}")
        table(result)
        if q.id in cross:
            out.append(f"<h4>{e(w('beyond'))}</h4>")
            if cross[q.id].matches:
                table(cross[q.id])
            else:
                out.append(f"<p class='muted'>{e(w('no_beyond'))}</p>")
    out.append("</body></html>")
    path.write_text("\n".join(out), encoding="utf-8")


def printable_pdf() -> Any:
    """An A4 FPDF document that writes every text through :func:`printable`."""
    from fpdf import FPDF

    class PrintablePDF(FPDF):
        def normalize_text(self, text: str) -> str:  # every cell and multi_cell passes here
            return str(super().normalize_text(printable(text)))

    return PrintablePDF(format="A4", unit="mm")


def write_pdf(path: Path, data: ReportData, heatmap: bytes) -> None:
    import matplotlib

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    pdf = printable_pdf()
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", fname=str(font))
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    w = data.word
    pdf.cell(0, 10, w("report"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(0, 4, f"{w('created')} {data.manifest['created']} - {w('catalogue')} "
                         f"{data.manifest['catalogue_hash'][:12]} - {w('model')} "
                         f"{data.manifest['embedder']['name']} - {w('top')} {data.manifest['top']}",
                   new_x="LMARGIN", new_y="NEXT")
    room = pdf.h - pdf.b_margin - pdf.get_y() - 2
    pdf.image(io.BytesIO(heatmap), w=pdf.epw, h=room, keep_aspect_ratio=True)
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    pdf.cell(0, 8, w("gaps"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    for c in data.coverage.top_gaps(15):
        pdf.multi_cell(0, 4, f"{data.field_name(c.field)} -> {data.region(c.region)}: "
                             f"{c.strong_matches} {w('strong')}, {c.partnerships} "
                             f"{w('partnerships')}, {w('gap')} {data.num(c.gap)}",
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
            pdf.cell(45, 4, data.region(region))
            pdf.set_fill_color(11, 92, 173)
            pdf.rect(pdf.l_margin + 46, y + 0.5, 8 * count, 3, style="F")
            pdf.set_xy(pdf.l_margin + 48 + 8 * count, y)
            pdf.cell(10, 4, str(count), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for rank, m in enumerate(result.matches, start=1):
            pdf_match(pdf, rank, m, data)
        beyond = cross.get(result.query.id)
        if beyond is not None and beyond.matches:
            pdf.set_font("DejaVu", size=10)
            pdf.multi_cell(0, 6, w("beyond"), new_x="LMARGIN", new_y="NEXT")
            for rank, m in enumerate(beyond.matches, start=1):
                pdf_match(pdf, rank, m, data)
    pdf.output(str(path))


def pdf_match(pdf: Any, rank: int, m: Match, data: ReportData) -> None:
    """One suggestion on a PDF page: name, country and score, then the reasons."""
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(0, 5, f"{rank}. {m.name} ({data.country(m.country)}) - {data.word('score')} "
                         f"{data.num(m.score, 3)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=7)
    pdf.multi_cell(0, 3.5, data.summary(m), new_x="LMARGIN", new_y="NEXT")
    reach = [url for url in (data.websites.get(m.id, ""), data.contacts.get(m.id, "")) if url]
    if reach:
        pdf.multi_cell(0, 3.5, " · ".join(reach), new_x="LMARGIN", new_y="NEXT")
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
        heatmap = heatmap_png(data) if {"html", "pdf"} & set(formats) else b""
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
