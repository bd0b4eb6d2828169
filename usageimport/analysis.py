"""Glue between imported files and the core: load files, price them, summarize, compare with a plan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from costmodel.errors import unreadable_file
from costmodel.prices import Catalog, load_catalog
from costmodel.usage import PricedUsage, WhatIfAssumptions, price_usage
from usageimport.csvfiles import read_csv
from usageimport.jsonfiles import read_json
from usageimport.summary import PlanVsActualRow, UsageSummary, plan_vs_actual, summarize
from usageimport.tables import ImportResult, UsageImportError

__all__ = ["Analysis", "analyze", "default_as_of", "load_files"]

_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


def load_files(paths: Iterable[str | Path], *, names: Sequence[str] | None = None) -> ImportResult:
    """Import every file (format detected from extension and content); collects all problems before raising."""
    result = ImportResult()
    problems: list[str] = []
    for i, raw in enumerate(paths):
        path = Path(raw)
        name = names[i] if names is not None else path.name
        if not path.is_file():
            given = name if names is not None else raw  # the path as typed: what to check
            problems.append(unreadable_file(given, IsADirectoryError() if path.is_dir() else None))
            continue
        try:
            if path.suffix.lower() in _JSON_SUFFIXES:
                read_json(path, result, source=name)
            else:
                read_csv(path, result, source=name)
        except UsageImportError as exc:
            problems.extend(exc.problems)
    span = result.span_problem()
    if span is not None:
        problems.append(span)
    if problems:
        raise UsageImportError(problems)
    return result


@dataclass(frozen=True)
class Analysis:
    """An import priced and summarized, with the catalog used."""

    result: ImportResult
    """What was imported (skipped rows, notes)."""
    priced: PricedUsage
    """Per-row costs."""
    summary: UsageSummary
    """Totals, assumptions, price source."""
    catalog: Catalog
    """The price catalog used."""

    def assumptions(self) -> tuple[str, ...]:
        """Import notes and pricing assumptions together."""
        return (*self.summary.assumptions, *self.result.notes)

    def warnings(self) -> tuple[str, ...]:
        """What the figures cannot know (tier unknown, a legacy report without speed or geo), one sentence each."""
        return (*self.summary.warnings, *self.result.warnings)

    def plan_vs_actual(self, workflows: Sequence[object]) -> tuple[PlanVsActualRow, ...]:
        """The plan's workflows against this import (see `usageimport.summary.plan_vs_actual`)."""
        return plan_vs_actual(workflows, self.summary, self.catalog)  # type: ignore[arg-type]


def analyze(
    result: ImportResult, *, as_of: date, assumptions: WhatIfAssumptions, catalog: Catalog | None = None
) -> Analysis:
    """Price an import at the catalog in force on `as_of` (retired models included) and summarize it.

    `catalog`: that catalog when the caller keeps one (a page's cached catalog, a command's), else built here.
    """
    catalog = catalog if catalog is not None else load_catalog(as_of=as_of, include_retired=True)
    columns = result.usage_columns()
    priced = price_usage(columns, catalog, assumptions)
    summary = summarize(
        priced,
        assumptions,
        price_source=catalog.source.label(),
        billed=result.billed_columns(),
        catalog=catalog,
    )
    return Analysis(result=result, priced=priced, summary=summary, catalog=catalog)


def require_usage(result: ImportResult) -> None:
    """Raise when an import has no usage rows at all (e.g. only a cost report)."""
    if result.usage_rows == 0 and result.billed_rows == 0:
        raise UsageImportError(["no usable rows in the files given"])


def default_as_of(result: ImportResult, today: date) -> date:
    """Prices in force on the last day of the imported usage (or `today` when there is none)."""
    days = result.usage_columns().days
    if days.size == 0:
        billed = result.billed_columns()
        if billed is None or billed.days.size == 0:
            return today
        days = billed.days
    return date.fromordinal(date(1970, 1, 1).toordinal() + int(days.max()))
