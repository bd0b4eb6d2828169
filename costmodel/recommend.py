"""Per-workflow verdict: sync, batch or hybrid, with the reasons and the numbers behind them.

The field's rules of thumb, made quantitative (DESIGN.md): streaming and blocking work stay
sync; an N-turn client tool loop needs N batch rounds; low volume rarely pays for the
overhead; a hard SLA shorter than W + D + M cannot be guaranteed; negative net savings mean
sync; an urgent share makes the plan hybrid. Fast-mode work stays sync (no fast batches). The verdict
weighs the net benefit (cash savings − cost of waiting); planned spend and savings are cash.
"""

from __future__ import annotations

from typing import Literal

from costmodel._base import StrictModel
from costmodel.cost import Comparison, compare
from costmodel.prices import Catalog
from costmodel.sla import SIMULATION_SAMPLES, SlaInputs, SlaPlan, plan_submissions
from costmodel.workflow import LOW_VOLUME_REQUESTS_PER_DAY, Workflow, resolve_pricing

__all__ = ["Recommendation", "WorkflowResult", "evaluate_workflow", "recommend", "sla_inputs_for"]

Verdict = Literal["sync", "batch", "hybrid"]


class Recommendation(StrictModel):
    """The verdict for one workflow."""

    verdict: Verdict
    """`sync`, `batch`, or `hybrid` (urgent share sync, the rest batch)."""
    reasons: tuple[str, ...]
    """Why, decisive reason first, with numbers."""
    planned_cost_per_month_usd: float
    """Cash spend under the verdict (tokens, fees, resubmissions, overheads; no waiting) [USD/month]."""
    planned_savings_per_month_usd: float
    """Cash savings: sync total − planned spend [USD/month]."""
    planned_waiting_cost_per_month_usd: float = 0.0
    """Economic cost of waiting under the verdict, not cash [USD/month]."""
    planned_net_benefit_per_month_usd: float = 0.0
    """What the verdict weighs: cash savings − cost of waiting [USD/month]."""


def sla_inputs_for(workflow: Workflow) -> SlaInputs | None:
    """The SLA model's inputs for a workflow with an SLA (rounds = retry rounds × tool turns)."""
    if workflow.sla is None:
        return None
    # every SlaSpec field is an SlaInputs field; the workflow adds rounds and the batched volume
    return SlaInputs(
        **workflow.sla.model_dump(),
        batch_rounds=workflow.batch_rounds,
        # an expired request goes the way of other retries: sync inside the margin, or one more batch round
        expiry_route=workflow.retry_route,
        requests_per_day=workflow.daily_requests * (1 - workflow.urgent_share),
    )


def _hybrid_cost(workflow: Workflow, comparison: Comparison) -> tuple[float, float]:
    """(cash, waiting): urgent share at sync cost, the rest on batch, fixed overheads in full [USD/month]."""
    u = workflow.urgent_share
    c = comparison
    cash = u * c.sync_cost_per_month_usd + (1 - u) * c.batch_tokens_per_month_usd + c.overhead_per_month_usd
    return cash, (1 - u) * c.waiting_cost_per_month_usd


def recommend(workflow: Workflow, comparison: Comparison, sla_plan: SlaPlan | None) -> Recommendation:
    """Sync, batch or hybrid for a workflow, from its comparison and SLA plan."""
    c = comparison
    sync_total = c.sync_cost_per_month_usd
    blockers: list[str] = []
    notes: list[str] = []
    if workflow.streaming:
        blockers.append("responses must stream, and the Batches API cannot stream")
    if workflow.speed == "fast":
        blockers.append("fast mode (speed: fast) is not available in batches: fast-mode work stays synchronous")
    if workflow.blocking:
        blockers.append(
            "a person or pipeline waits on each result (blocking), and a batch promises results only within 24 h"
        )
    if workflow.tool_turns > 1:
        (blockers if sla_plan is not None and not sla_plan.feasible else notes).append(
            f"a {workflow.tool_turns}-turn client-side tool loop needs {workflow.tool_turns} sequential batch "
            f"round trips, each up to 24 h"
        )
    waiting = c.waiting_cost_per_month_usd
    if c.net_benefit_per_month_usd <= 0:
        blockers.append(
            f"batch would cost ${-c.net_benefit_per_month_usd:,.2f}/month more than sync "
            + (
                f"(cash ${c.batch_cost_per_month_usd:,.2f} + waiting ${waiting:,.2f} vs ${sync_total:,.2f})"
                if waiting
                else f"(${c.batch_cost_per_month_usd:,.2f} vs ${sync_total:,.2f})"
            )
        )
    else:
        notes.append(
            f"batch saves ${c.net_savings_per_month_usd:,.2f}/month cash ({c.savings_share:.0%}) after resubmissions "
            "and overheads"
            + (f"; net of ${waiting:,.2f} cost of waiting, ${c.net_benefit_per_month_usd:,.2f}" if waiting else "")
        )
    notes += list(c.warnings)
    if sla_plan is not None:
        (notes if sla_plan.feasible else blockers).append(
            f"SLA {workflow.sla.sla_hours:g} h ({workflow.sla.kind}): {sla_plan.reason}" if workflow.sla else ""
        )
        if sla_plan.feasible and sla_plan.recommended_interval_hours is not None:
            notes.append(
                f"submit every {sla_plan.recommended_interval_hours:g} h "
                f"({sla_plan.submissions_per_day:g} submissions a day)"
            )
    if workflow.daily_requests < LOW_VOLUME_REQUESTS_PER_DAY:
        blockers.append(
            f"low volume: {workflow.daily_requests:,.0f} requests/day is under {LOW_VOLUME_REQUESTS_PER_DAY:,.0f}, "
            "where batching rarely pays for its overhead"
        )
    if c.break_even.status == "crosses" and c.break_even.success_rate is not None:
        notes.append(f"break-even first-pass success rate {c.break_even.success_rate:.1%}")
    notes = [n for n in notes if n]

    if blockers:
        schedule = [n for n in notes if n.startswith("submit every ")]  # advice for batch, not for a sync verdict
        return Recommendation(
            verdict="sync",
            reasons=tuple(blockers + [n for n in notes if n not in schedule]),
            planned_cost_per_month_usd=sync_total,
            planned_savings_per_month_usd=0.0,
        )
    if workflow.urgent_share > 0:
        hybrid, hybrid_waiting = _hybrid_cost(workflow, c)
        return Recommendation(
            verdict="hybrid",
            reasons=(
                f"{workflow.urgent_share:.0%} of items are urgent and stay sync; the rest go batch, "
                f"saving ${sync_total - hybrid:,.2f}/month cash",
                *notes,
            ),
            planned_cost_per_month_usd=hybrid,
            planned_savings_per_month_usd=sync_total - hybrid,
            planned_waiting_cost_per_month_usd=hybrid_waiting,
            planned_net_benefit_per_month_usd=sync_total - hybrid - hybrid_waiting,
        )
    return Recommendation(
        verdict="batch",
        reasons=tuple(notes),
        planned_cost_per_month_usd=c.batch_cost_per_month_usd,
        planned_savings_per_month_usd=c.net_savings_per_month_usd,
        planned_waiting_cost_per_month_usd=waiting,
        planned_net_benefit_per_month_usd=c.net_benefit_per_month_usd,
    )


class WorkflowResult(StrictModel):
    """Everything the planner says about one workflow."""

    workflow: Workflow
    """The inputs."""
    comparison: Comparison
    """Sync vs batch spend."""
    sla: SlaPlan | None
    """The submission plan, when the workflow has an SLA."""
    recommendation: Recommendation
    """The verdict."""


def evaluate_workflow(
    workflow: Workflow, catalog: Catalog, *, sla_samples: int = SIMULATION_SAMPLES
) -> WorkflowResult:
    """Price, plan and judge one workflow. Raises WorkflowError when it cannot be priced."""
    pricing = resolve_pricing(workflow, catalog)
    comparison = compare(workflow, pricing)
    sla_in = sla_inputs_for(workflow)
    plan = plan_submissions(sla_in, samples=sla_samples) if sla_in is not None else None
    return WorkflowResult(
        workflow=workflow,
        comparison=comparison,
        sla=plan,
        recommendation=recommend(workflow, comparison, plan),
    )
