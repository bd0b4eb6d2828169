"""Shared builders for the reports tests: the field portfolio, a hostile workflow name, a view like the page's."""

from __future__ import annotations

from costmodel.finance import FinanceInputs
from costmodel.prices import Catalog
from costmodel.workflow import Workflow
from reports.view import PortfolioView, RowInput, evaluate_rows

HOSTILE = '=HYPERLINK("http://x","y")'
"""A workflow name a share link or a usage log could carry: a live formula if written as is."""
CONTRACT = Workflow(name="Contract review", requests_per_day=500, input_tokens=15_000, output_tokens=800)


def view_of(
    workflows: tuple[Workflow, ...], catalog: Catalog, finance: FinanceInputs | None = None, *, broken: bool = False
) -> PortfolioView:
    """The workflows as valid rows (plus one invalid row when `broken`), evaluated with few SLA samples."""
    rows = [RowInput(label=f"row {i + 1} ({w.name})", name=w.name, workflow=w, problems=()) for i, w in
            enumerate(workflows)]  # fmt: skip
    if broken:
        n = len(rows) + 1
        rows.append(RowInput(f"row {n} (Broken)", "Broken", None, ("model: unknown model 'claude-nope'",)))
    return evaluate_rows(rows, catalog, finance or FinanceInputs(), sla_samples=2_000)
