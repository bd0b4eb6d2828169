"""The evaluated portfolio every export is built from: per-row outcomes, totals, finance inputs and price source.

The Portfolio page builds it from its data editor's rows, the command line from a scenario file; both go
through `evaluate_rows`, so the same workflows give the same view and the same export bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from costmodel.finance import FinanceInputs, Portfolio, build_portfolio
from costmodel.recommend import WorkflowResult, evaluate_workflow
from costmodel.sla import SIMULATION_SAMPLES
from costmodel.workflow import Workflow, WorkflowError

if TYPE_CHECKING:
    from costmodel.capacity import CapacitySettings
    from costmodel.guard import GuardSettings
    from costmodel.prices import Catalog, PriceSource
    from costmodel.scenario import Scenario

__all__ = ["PortfolioView", "RowInput", "RowOutcome", "evaluate_rows", "scenario_view"]


@dataclass(frozen=True)
class RowInput:
    """One editor row after validation: a workflow, or the problems that stop it."""

    label: str
    """`row 3 (Contract review)`: how errors name the row (1-based, as people count)."""
    name: str
    """The workflow's name as typed (may be empty)."""
    workflow: Workflow | None
    """The validated workflow; None when the row has problems."""
    problems: tuple[str, ...]
    """One line per problem, naming the field and how to fix it."""


@dataclass(frozen=True)
class RowOutcome:
    """One row of the portfolio: its evaluation, or why it was left out."""

    label: str
    """How the row is named in errors."""
    name: str
    """The workflow's name as typed."""
    result: WorkflowResult | None
    """Verdict, spend and plan; None when the row could not be evaluated."""
    problems: tuple[str, ...]
    """Why the row was left out of the totals."""


@dataclass(frozen=True)
class PortfolioView:
    """Everything the page and the exports show: per-row outcomes, totals and their sources."""

    outcomes: tuple[RowOutcome, ...]
    """One per editor row, in table order."""
    portfolio: Portfolio
    """Totals, projection and margin over the valid rows."""
    finance: FinanceInputs
    """The finance assumptions used."""
    price_source: PriceSource
    """Where the prices come from."""

    @property
    def results(self) -> list[WorkflowResult]:
        """The evaluated rows."""
        return [o.result for o in self.outcomes if o.result is not None]

    @property
    def problems(self) -> list[str]:
        """Every problem, prefixed with its row: `row 3 (x): output_tokens …`."""
        return [f"{o.label}: {p}" for o in self.outcomes for p in o.problems]


def evaluate_rows(
    rows: Sequence[RowInput],
    catalog: Catalog,
    finance: FinanceInputs,
    *,
    sla_samples: int = SIMULATION_SAMPLES,
    capacity: CapacitySettings | None = None,
    guard: GuardSettings | None = None,
) -> PortfolioView:
    """Evaluate each valid row (pricing errors stay on their row) and total the portfolio.

    `capacity` (the organisation's tier) adds the shared processing queue and the spend-cap day to the totals;
    `guard` rescues to sync before each SLA deadline; both as in `costmodel.scenario.evaluate_scenario`.
    """
    outcomes = []
    for row in rows:
        if row.workflow is None:
            outcomes.append(RowOutcome(label=row.label, name=row.name, result=None, problems=row.problems))
            continue
        try:
            result = evaluate_workflow(row.workflow, catalog, sla_samples=sla_samples, capacity=capacity, guard=guard)
        except WorkflowError as exc:
            outcomes.append(RowOutcome(label=row.label, name=row.name, result=None, problems=(str(exc),)))
            continue
        outcomes.append(RowOutcome(label=row.label, name=row.name, result=result, problems=()))
    results = [o.result for o in outcomes if o.result is not None]
    return PortfolioView(
        outcomes=tuple(outcomes),
        portfolio=build_portfolio(results, finance, capacity=capacity),
        finance=finance,
        price_source=catalog.source,
    )


def scenario_view(scenario: Scenario, catalog: Catalog, *, sla_samples: int = SIMULATION_SAMPLES) -> PortfolioView:
    """A scenario file's workflows as the Portfolio page shows them (one row each, in file order)."""
    rows = [
        RowInput(label=f"row {i + 1} ({w.name})", name=w.name, workflow=w, problems=())
        for i, w in enumerate(scenario.workflows)
    ]
    return evaluate_rows(
        rows,
        catalog,
        scenario.finance,
        sla_samples=sla_samples,
        capacity=scenario.capacity,
        guard=scenario.deadline_guard,
    )
