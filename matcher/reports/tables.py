"""The report as tables: CSV files with stable columns and one XLSX workbook.

Text cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with an apostrophe. The workbook opens on a summary sheet
(the headline numbers and actions of :mod:`~matcher.reports.summary`); every table sheet has an
autofilter, frozen header, column widths fitted to its contents and links on websites and
contacts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config import COMPONENTS
from .collect import ReportData, printable
from .summary import Summary

COLUMNS = (
    "cluster_id", "cluster_name", "rank", "partner_id", "partner_name", "partner_country",
    "partner_world_region", "score", "label", *COMPONENTS, "existing_partner", "reasons",
    "partner_website", "partner_contact", "introduction_via", "partner_source", "partner_active_in",
)
#: The suggestion columns plus the strongest field link: their field and the one of ours.
CROSS_FIELD_COLUMNS = (*COLUMNS, "their_field", "our_field")
COVERAGE_COLUMNS = ("field", "region", "german_clusters", "partnerships", "strong_matches",
                    "co_memberships", "gap")
KNOWN_COLUMNS = ("cluster_id", "cluster_name", "partner_id", "partner_name", "partner_country",
                 "tie", "since", "confirmed", "networks", "partner_website", "partner_contact",
                 "partner_ended")
#: One row per partner of the lists: how many lists hold it, its best place, how to reach it.
PARTNER_COLUMNS = ("partner_id", "partner_name", "partner_country", "partner_world_region",
                   "suggested", "best_rank", "partner_website", "partner_contact",
                   "introduction_via", "partner_source", "partner_active_in")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Columns whose cells link to their URL in the workbook.
LINK_COLUMNS = ("partner_website", "partner_contact", "introduction_via", "partner_source")
MAX_WIDTH = 60


def safe_cell(value: Any) -> Any:
    """``value`` printable, with an apostrophe in front if a spreadsheet would run it as a
    formula."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])


def _web_link(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _fill(ws: Any, header: Sequence[str], rows: list[list[Any]]) -> None:
    """Header, rows, autofilter, frozen header, widths and links of one table sheet."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    links = [i for i, name in enumerate(header) if name in LINK_COLUMNS]
    for r, row in enumerate(rows, start=2):
        ws.append([safe_cell(v) for v in row])
        for i in links:
            url = _web_link(safe_cell(row[i]))
            if url:
                cell = ws.cell(row=r, column=i + 1)
                cell.hyperlink = url
                cell.style = "Hyperlink"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for i, name in enumerate(header):
        longest = max([len(name), *(len(str(row[i])) for row in rows[:2000] if i < len(row))])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, longest + 2)


def _summary_sheet(ws: Any, data: ReportData, summary: Summary) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = "summary"
    lines: list[tuple[Any, ...]] = [
        (data.word("report"),), (summary.covers,), (),
        (data.word("n_clusters"), summary.clusters),
        (data.word("n_suggestions"), summary.suggestions),
        (data.word("n_unpartnered"), len(summary.unpartnered)),
        (data.word("n_gaps"), summary.open_gaps), (summary.reach,), (),
        (data.word("actions"),),
        *((a.headline, a.detail) for a in summary.actions), (),
        (data.word("created"), data.manifest["created"]),
        (data.word("catalogue"), data.manifest["catalogue_hash"][:12]),
        (data.word("model"), data.manifest["embedder"]["name"]),
    ]
    for line in lines:
        ws.append([safe_cell(v) for v in line])
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:B2")
    ws.row_dimensions[2].height = 75
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 100
    actions = lines.index((data.word("actions"),)) + 1
    for row in ws.iter_rows(min_row=actions - 2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
        if len(row) > 1:
            row[1].alignment = Alignment(wrap_text=True, vertical="top")
    ws.cell(row=actions, column=1).font = Font(bold=True)


def write_xlsx(path: Path, data: ReportData, summary: Summary) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    _summary_sheet(first, data, summary)
    sheets: list[tuple[str, Sequence[str], list[list[Any]]]] = [
        ("suggestions", COLUMNS, data.rows()),
        ("partners", PARTNER_COLUMNS, data.partner_rows()),
        ("beyond_your_field", CROSS_FIELD_COLUMNS, data.cross_field_rows()),
        ("known_partners", KNOWN_COLUMNS, data.known_rows()),
        ("coverage", COVERAGE_COLUMNS, data.coverage_rows()),
        ("gaps", COVERAGE_COLUMNS, data.coverage_rows(data.coverage.top_gaps(50))),
        ("unpartnered", ("cluster_id", "cluster_name", "option_1", "option_2", "option_3"),
         [[u["id"], u["name"], *(f"{o['name']} ({o['country']}, {o['score']:.2f})"
                                 for o in u["best_options"])] for u in data.coverage.unpartnered]),
        ("untapped", ("id", "name", "country", "region", "strong_matches"),
         [[x["id"], x["name"], x["country"], x["region"], x["strong_matches"]]
          for x in data.coverage.untapped]),
    ]
    for title, header, rows in sheets:
        _fill(wb.create_sheet(title), header, rows)
    wb.save(path)
