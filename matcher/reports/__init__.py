"""Batch reports of suggested partners for many clusters: collected once (:mod:`.collect`),
summarised (:mod:`.summary`), charted (:mod:`.charts`) and written as CSV and XLSX
(:mod:`.tables`), HTML (:mod:`.html`) and PDF (:mod:`.pdf`) into one directory (:mod:`.report`)."""

from .collect import ReportData, collect
from .report import FORMATS, parse_formats, write_report
from .tables import CROSS_FIELD_COLUMNS, safe_cell

__all__ = ["CROSS_FIELD_COLUMNS", "FORMATS", "ReportData", "collect", "parse_formats", "safe_cell",
           "write_report"]
