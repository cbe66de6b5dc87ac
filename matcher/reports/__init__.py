"""Batch reports of suggested partners for many clusters: collected once, written as CSV, XLSX,
HTML and PDF."""

from .report import CROSS_FIELD_COLUMNS, FORMATS, collect, parse_formats, safe_cell, write_report

__all__ = ["CROSS_FIELD_COLUMNS", "FORMATS", "collect", "parse_formats", "safe_cell", "write_report"]
