"""Import real Anthropic usage: Admin API reports (fetched or saved), Console CSV exports, request logs.

The shell around `costmodel.usage` (the planner's vectorised pricing): files and HTTP in, `UsageColumns`
out, and the reports on them (`summary`: totals and plan vs actual, pure). Nothing here keeps an admin
key: it is passed per call and never stored, logged or shown.
"""

from usageimport.analysis import Analysis, analyze, load_files
from usageimport.tables import ImportResult, SkippedRow, UsageImportError

__all__ = ["Analysis", "ImportResult", "SkippedRow", "UsageImportError", "analyze", "load_files"]
