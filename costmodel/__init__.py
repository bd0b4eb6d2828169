"""Batch Planner's pure core: cost, SLA, recommendation and finance models for the Message Batches API.

No Streamlit, no network, no disk writes, no clock, no `anthropic`: the shell passes dates in.
The public names below load on first use, so `import costmodel` itself stays near-instant.

    from datetime import date
    import costmodel as cm
    catalog = cm.load_catalog(as_of=date(2026, 11, 21))
    w = cm.Workflow(model="claude-sonnet-4-6", requests_per_day=500, input_tokens=15_000, output_tokens=800)
    cm.compare(w, cm.resolve_pricing(w, catalog)).net_savings_per_month_usd
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costmodel._lazy import lazy_getattr

__all__ = [
    "CalendarInputs",
    "Catalog",
    "Comparison",
    "CustomPrices",
    "FinanceInputs",
    "ModelPricing",
    "Portfolio",
    "Recommendation",
    "RoutingResult",
    "Scenario",
    "ScenarioError",
    "SlaInputs",
    "SlaPlan",
    "SlaSpec",
    "Workflow",
    "WorkflowError",
    "build_portfolio",
    "check_queue",
    "compare",
    "evaluate_scenario",
    "evaluate_workflow",
    "fit_turnaround",
    "load_catalog",
    "plan_calendar",
    "plan_guard",
    "plan_submissions",
    "recommend",
    "resolve_pricing",
    "route_models",
    "scenario_from_json",
    "scenario_to_json",
    "tier_limits",
]

_HOME = {
    "Catalog": "prices",
    "CustomPrices": "prices",
    "ModelPricing": "prices",
    "load_catalog": "prices",
    "Workflow": "workflow",
    "SlaSpec": "workflow",
    "WorkflowError": "workflow",
    "resolve_pricing": "workflow",
    "Comparison": "cost",
    "compare": "cost",
    "SlaInputs": "sla",
    "SlaPlan": "sla",
    "plan_submissions": "sla",
    "Recommendation": "recommend",
    "evaluate_workflow": "recommend",
    "recommend": "recommend",
    "FinanceInputs": "finance",
    "Portfolio": "finance",
    "build_portfolio": "finance",
    "RoutingResult": "routing",
    "route_models": "routing",
    "Scenario": "scenario",
    "ScenarioError": "scenario",
    "evaluate_scenario": "scenario",
    "scenario_from_json": "scenario",
    "scenario_to_json": "scenario",
    "check_queue": "capacity",
    "tier_limits": "capacity",
    "CalendarInputs": "deadlines",
    "plan_calendar": "deadlines",
    "plan_guard": "guard",
    "fit_turnaround": "turnaround",
}

if TYPE_CHECKING:
    from costmodel.capacity import check_queue, tier_limits
    from costmodel.cost import Comparison, compare
    from costmodel.deadlines import CalendarInputs, plan_calendar
    from costmodel.finance import FinanceInputs, Portfolio, build_portfolio
    from costmodel.guard import plan_guard
    from costmodel.prices import Catalog, CustomPrices, ModelPricing, load_catalog
    from costmodel.recommend import Recommendation, evaluate_workflow, recommend
    from costmodel.routing import RoutingResult, route_models
    from costmodel.scenario import (
        Scenario,
        ScenarioError,
        evaluate_scenario,
        scenario_from_json,
        scenario_to_json,
    )
    from costmodel.sla import SlaInputs, SlaPlan, plan_submissions
    from costmodel.turnaround import fit_turnaround
    from costmodel.workflow import SlaSpec, Workflow, WorkflowError, resolve_pricing


__getattr__ = lazy_getattr("costmodel", _HOME, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
