"""Cells that cannot run code: OWASP's CSV-injection rule, applied to every CSV and Excel export.

A spreadsheet treats text that begins with `=`, `+`, `-`, `@`, tab or carriage return as a formula
(`=HYPERLINK(...)`, `@SUM(...)`, DDE payloads). Such text gets a leading single quote, which makes it
plain text in Excel, LibreOffice and Google Sheets; numbers are left alone, so a negative amount
stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["FORMULA_TRIGGERS", "csv_text", "safe_cell", "safe_text"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet evaluate a text cell (OWASP CSV injection)."""


def safe_text(text: str) -> str:
    """`text`, with a leading `'` when it starts like a formula."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def safe_cell(value: Any) -> Any:
    """A cell value for CSV or Excel: text neutralised, numbers (and None) unchanged."""
    return safe_text(value) if isinstance(value, str) else value


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (RFC 4180): one header line, then the rows; None is an empty cell, every text cell is safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a CR inside a cell is then quoted
    writer.writerow([safe_text(c) for c in columns])
    writer.writerows([["" if v is None else safe_cell(v) for v in row] for row in rows])
    return out.getvalue()
