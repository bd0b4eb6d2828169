"""The evaluated portfolio every export is built from: per-row outcomes, totals, finance inputs and price source.

The Portfolio page builds it from its data editor's rows, the command line from a scenario file; both go
through `evaluate_rows`, so the same workflows give the same view and the same export bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from costmodel.finance import FinanceInputs, Portfolio, build_portfolio
from costmodel.recommend import WorkflowResult, evaluate_workflow
from costmodel.sla import SIMULATION_SAMPLES
from costmodel.uncertainty import DEFAULT_DRAWS, UncertainScenario, portfolio_ranges
from costmodel.workflow import Workflow, WorkflowError, resolve_pricing

if TYPE_CHECKING:
    from costmodel.capacity import CapacitySettings
    from costmodel.guard import GuardSettings
    from costmodel.prices import Catalog, PriceSource
    from costmodel.scenario import Scenario
    from costmodel.uncertainty import PortfolioRanges

__all__ = ["PortfolioView", "RowInput", "RowOutcome", "evaluate_rows", "scenario_view", "with_ranges"]


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
    ranges: PortfolioRanges | None = None
    """P10/P50/P90 over the uncertain inputs (`workflows` follow `results`), with each workflow's distributions;
    None when every input is a point (the exports are then exactly the point ones)."""

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


def with_ranges(view: PortfolioView, ranges: PortfolioRanges | None) -> PortfolioView:
    """The view with the Monte Carlo ranges its exports carry (`costmodel.uncertainty.portfolio_ranges` over
    `view.results`, in order); None keeps the point exports."""
    if ranges is not None and len(ranges.workflows) != len(view.results):
        raise ValueError(f"{len(ranges.workflows)} workflow ranges for {len(view.results)} evaluated rows")
    return replace(view, ranges=ranges)


def scenario_view(
    scenario: Scenario | UncertainScenario,
    catalog: Catalog,
    *,
    sla_samples: int = SIMULATION_SAMPLES,
    draws: int = DEFAULT_DRAWS,
) -> PortfolioView:
    """A scenario file's workflows as the Portfolio page shows them (one row each, in file order).

    A scenario read with `uncertain_scenario_from_json` whose inputs include distributions also gets the ranges
    (`draws` Monte Carlo draws per workflow, each row on its verdict), so every export carries them.
    """
    uncertain = scenario if isinstance(scenario, UncertainScenario) else None
    if isinstance(scenario, UncertainScenario):
        scenario = scenario.scenario
    rows = [
        RowInput(label=f"row {i + 1} ({w.name})", name=w.name, workflow=w, problems=())
        for i, w in enumerate(scenario.workflows)
    ]
    view = evaluate_rows(
        rows,
        catalog,
        scenario.finance,
        sla_samples=sla_samples,
        capacity=scenario.capacity,
        guard=scenario.deadline_guard,
    )
    if uncertain is None or not uncertain.is_uncertain:
        return view
    # rows that could not be priced drop out of the results; their distributions go with them
    kept = [u for u, o in zip(uncertain.workflows, view.outcomes, strict=True) if o.result is not None]
    ranges = portfolio_ranges(
        kept,
        view.results,
        [resolve_pricing(r.workflow, catalog) for r in view.results],
        scenario.finance,
        monthly_growth=uncertain.monthly_growth,
        draws=draws,
    )
    return with_ranges(view, ranges)
