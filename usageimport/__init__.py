"""Import real Anthropic usage: Admin API reports (fetched or saved), Console CSV exports, request logs.

The shell around `costmodel.usage` (the planner's vectorised pricing): files and HTTP in, `UsageColumns`
out, and the reports on them (`summary`: totals and plan vs actual, pure). Nothing here keeps an admin
key: it is passed per call and never stored, logged or shown.

The public names below load on first use, so importing a pure module of this package (`summary`,
`columns`) loads neither pandas nor the file readers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costmodel._lazy import lazy_getattr

__all__ = ["Analysis", "ImportResult", "SkippedRow", "UsageImportError", "analyze", "load_files"]

_HOME = {
    "Analysis": "analysis",
    "analyze": "analysis",
    "load_files": "analysis",
    "ImportResult": "tables",
    "SkippedRow": "tables",
    "UsageImportError": "tables",
}

if TYPE_CHECKING:
    from usageimport.analysis import Analysis, analyze, load_files
    from usageimport.tables import ImportResult, SkippedRow, UsageImportError


__getattr__ = lazy_getattr("usageimport", _HOME, globals())
