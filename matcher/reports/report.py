"""A report directory, written atomically: which formats exist and which files each writes.

``clusterbridge report --out DIR`` writes, for every German cluster (or those named):

- ``suggestions.csv`` / ``suggestions.xlsx``: one row per suggestion, stable columns
  (:data:`~matcher.reports.tables.COLUMNS`); the workbook opens on a summary sheet and adds
  sheets for the partners, the known partners, coverage, gaps and the lists;
- ``beyond_your_field.csv``: each cluster's "beyond your field" suggestions (partners from other,
  linked fields; :data:`~matcher.reports.tables.CROSS_FIELD_COLUMNS`);
- ``known_partners.csv``: each cluster's known partners and network co-members, which its lists
  leave out as its page does;
- ``partners.csv``: one row per partner of the lists, the most suggested first, with how to reach
  it (:data:`~matcher.reports.tables.PARTNER_COLUMNS`);
- ``coverage.csv``: one row per (field, region) cell;
- ``report.html``: one self-contained file (:mod:`~matcher.reports.html`);
- ``report.pdf``: A4 pages with a summary first, contents and bookmarks (:mod:`~matcher.reports.pdf`);
- ``manifest.json``: date, catalogue hash, embedder, weights, software version, options, how the
  lists were chosen.

The same inputs give byte-identical CSV files. Characters no profile may hold (control
characters, lone surrogates; text stored before they were refused) are written as U+FFFD in every
format. Everything is written to a temporary directory beside DIR and each finished file is
renamed into DIR, the manifest last, so an interrupted run leaves no half-written file in DIR.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import InvalidInputError
from .charts import gap_chart_png, matrix_png
from .collect import ReportData
from .html import write_html
from .pdf import cjk_font, write_pdf
from .summary import reach, summarise
from .tables import (
    COLUMNS,
    COVERAGE_COLUMNS,
    CROSS_FIELD_COLUMNS,
    KNOWN_COLUMNS,
    PARTNER_COLUMNS,
    write_csv,
    write_xlsx,
)

FORMATS = ("html", "csv", "xlsx", "pdf")


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
        summary = summarise(data)
        drawn = {"html", "pdf"} & set(formats)
        gap_chart = gap_chart_png(data) if drawn else b""
        matrix = matrix_png(data) if drawn else b""
        if "csv" in formats:
            write_csv(tmp / "suggestions.csv", COLUMNS, data.rows())
            write_csv(tmp / "coverage.csv", COVERAGE_COLUMNS, data.coverage_rows())
            write_csv(tmp / "beyond_your_field.csv", CROSS_FIELD_COLUMNS, data.cross_field_rows())
            write_csv(tmp / "known_partners.csv", KNOWN_COLUMNS, data.known_rows())
            write_csv(tmp / "partners.csv", PARTNER_COLUMNS, data.partner_rows())
            names += ["suggestions.csv", "coverage.csv", "beyond_your_field.csv", "known_partners.csv",
                      "partners.csv"]
        if "xlsx" in formats:
            write_xlsx(tmp / "suggestions.xlsx", data, summary)
            names.append("suggestions.xlsx")
        if "html" in formats:
            write_html(tmp / "report.html", data, summary, gap_chart, matrix)
            names.append("report.html")
        manifest = {**data.manifest, "formats": list(formats),
                    "reach": reach(data)}
        if "pdf" in formats:
            write_pdf(tmp / "report.pdf", data, summary, gap_chart, matrix)
            names.append("report.pdf")
            font = cjk_font()
            manifest["pdf_cjk_font"] = font[0] if font else None
        manifest["files"] = names
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        for name in [*names, "manifest.json"]:
            os.replace(tmp / name, out / name)
        return [*names, "manifest.json"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
