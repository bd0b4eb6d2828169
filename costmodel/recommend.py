"""Per-workflow verdict: sync, batch or hybrid, with the reasons and the numbers behind them.

The field's rules of thumb, made quantitative (DESIGN.md): streaming and blocking work stay
sync; an N-turn client tool loop needs N batch rounds; low volume rarely pays for the
overhead; a hard SLA shorter than W + D + M cannot be guaranteed; negative net savings mean
sync; an urgent share makes the plan hybrid. Fast-mode work stays sync (no fast batches). The verdict
weighs the net benefit (cash savings − cost of waiting); planned spend and savings are cash.

Capacity: a batch or hybrid plan must fit the organisation's processing queue under the worst case
(`capacity.check_queue`, at the plan's interval; without an SLA at the most frequent clock-friendly
interval, the least any schedule can hold); an overflow blocks the batch verdict, with the fixes.
Deadline guard (optional): with rescue-to-sync, a share `p` of batched items runs synchronously at the
cutoff, so the verdict weighs the expected cost including rescues, `batch + p·N·(C_s − C_b)`.
"""

from __future__ import annotations

from typing import Literal

from costmodel import formatting as fmt
from costmodel._base import StrictModel
from costmodel.capacity import CapacitySettings, QueueCheck, check_queue, plan_with_queue
from costmodel.cost import Comparison, compare
from costmodel.guard import GUARD_SAMPLES, DeadlineGuard, GuardSettings, plan_guard, relative_cutoff_hours
from costmodel.prices import Catalog
from costmodel.sla import CLOCK_FRIENDLY_INTERVALS_HOURS, SIMULATION_SAMPLES, SlaInputs, SlaPlan, plan_submissions
from costmodel.workflow import LOW_VOLUME_REQUESTS_PER_DAY, Workflow, resolve_pricing

__all__ = [
    "Recommendation",
    "WorkflowResult",
    "evaluate_workflow",
    "guard_for",
    "hybrid_cost",
    "queue_check_for",
    "recommend",
    "sla_inputs_for",
]

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


def hybrid_cost(workflow: Workflow, comparison: Comparison) -> tuple[float, float]:
    """(cash, waiting) of a hybrid plan: urgent share at sync cost, the rest on batch, fixed overheads in full, no
    rescues [USD/month]. The comparison's figures may be numpy arrays (one per Monte Carlo draw)."""
    u = workflow.urgent_share
    c = comparison
    cash = u * c.sync_cost_per_month_usd + (1 - u) * c.batch_tokens_per_month_usd + c.overhead_per_month_usd
    return cash, (1 - u) * c.waiting_cost_per_month_usd


def recommend(
    workflow: Workflow,
    comparison: Comparison,
    sla_plan: SlaPlan | None,
    *,
    queue: QueueCheck | None = None,
    guard: DeadlineGuard | None = None,
) -> Recommendation:
    """Sync, batch or hybrid for a workflow, from its comparison, SLA plan (on time alone), queue check and guard."""
    c = comparison
    # the guard's rescues, all items batched: p·N·(C_s − C_b) [USD/month]; a hybrid rescues only its batch part
    rescue_extra = 0.0 if guard is None else guard.rescue_probability * c.requests_per_month * (
        c.sync_item_usd - c.batch_item_usd
    )  # fmt: skip
    net_benefit = c.net_benefit_per_month_usd - rescue_extra
    batch_cash = c.batch_cost_per_month_usd + rescue_extra
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
    rescues = (
        ""
        if guard is None
        else f"the deadline guard's rescues (+{fmt.usd(rescue_extra)}: "
        f"{fmt.probability(guard.rescue_probability)} of items run synchronously)"
    )
    if net_benefit <= 0:
        blockers.append(
            f"batch would cost {fmt.per_month(-net_benefit)} more than sync{' with ' + rescues if rescues else ''} "
            + (
                f"(cash {fmt.usd(batch_cash)} + waiting {fmt.usd(waiting)} vs {fmt.usd(sync_total)})"
                if waiting
                else f"({fmt.usd(batch_cash)} vs {fmt.usd(sync_total)})"
            )
        )
    else:
        savings = c.net_savings_per_month_usd - rescue_extra
        notes.append(
            f"batch saves {fmt.per_month(savings)} cash ({fmt.share(savings / sync_total if sync_total else 0)}) after "
            + (f"resubmissions, overheads and {rescues}" if rescues else "resubmissions and overheads")
            + (f"; net of {fmt.usd(waiting)} cost of waiting, {fmt.usd(net_benefit)}" if waiting else "")
        )
    if guard is not None:
        notes.append(f"deadline guard: {guard.reason}; the verdict weighs the expected cost including rescues")
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
    if queue is not None and not queue.queue_feasible:
        blockers.append(f"processing queue: {queue.reason}; to fit: " + "; or ".join(queue.fixes))
    if workflow.daily_requests < LOW_VOLUME_REQUESTS_PER_DAY:
        blockers.append(
            f"low volume: {workflow.daily_requests:,.0f} requests/day is under {LOW_VOLUME_REQUESTS_PER_DAY:,.0f}, "
            "where batching rarely pays for its overhead"
        )
    if c.break_even.status == "crosses" and c.break_even.success_rate is not None:
        notes.append(f"break-even first-pass success rate {fmt.share(c.break_even.success_rate)}")
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
        hybrid, hybrid_waiting = hybrid_cost(workflow, c)
        hybrid += (1 - workflow.urgent_share) * rescue_extra
        return Recommendation(
            verdict="hybrid",
            reasons=(
                f"{fmt.share(workflow.urgent_share)} of items are urgent and stay sync; the rest go batch, "
                f"saving {fmt.per_month(sync_total - hybrid)} cash",
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
        planned_cost_per_month_usd=batch_cash,
        planned_savings_per_month_usd=sync_total - batch_cash,
        planned_waiting_cost_per_month_usd=waiting,
        planned_net_benefit_per_month_usd=net_benefit,
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
    queue: QueueCheck | None = None
    """The processing-queue check of the batched part (None when the SLA cannot be met on time)."""
    guard: DeadlineGuard | None = None
    """The deadline guard, when asked for and the plan has a schedule to guard."""

    @property
    def rescue_probability(self) -> float:
        """The deadline guard's P(an item is rescued to sync), 0 without a guard [share]."""
        return 0.0 if self.guard is None else self.guard.rescue_probability


def queue_check_for(
    workflow: Workflow, sla_plan: SlaPlan | None, capacity: CapacitySettings | None = None
) -> QueueCheck | None:
    """The batched part against the tier's processing queue, at the plan's interval.

    Without an SLA, at the most frequent clock-friendly interval: the least any schedule holds, so an
    overflow there overflows every schedule. None when an SLA cannot be met on time (no schedule to check).
    """
    capacity = capacity or CapacitySettings()
    if workflow.sla is not None:
        if sla_plan is None or sla_plan.interval_hours is None:
            return None
        inputs, interval = sla_inputs_for(workflow), sla_plan.interval_hours
    else:
        # sla_hours plays no part in the queue check; the turnaround defaults are the SLA model's
        inputs = SlaInputs(
            sla_hours=max(CLOCK_FRIENDLY_INTERVALS_HOURS),
            batch_rounds=workflow.batch_rounds,
            requests_per_day=workflow.daily_requests * (1 - workflow.urgent_share),
        )
        interval = min(CLOCK_FRIENDLY_INTERVALS_HOURS)
    assert inputs is not None  # workflow.sla is set
    check = check_queue(inputs, interval, capacity.limits())
    if capacity.note:
        check = check.model_copy(update={"reason": f"{check.reason} ({capacity.note})"})
    return check


def guard_for(
    workflow: Workflow,
    comparison: Comparison,
    sla_plan: SlaPlan | None,
    settings: GuardSettings | None,
    *,
    samples: int = GUARD_SAMPLES,
) -> DeadlineGuard | None:
    """The deadline guard on the batched part, priced against the plan's cash cost (hybrid or batch).

    None without the option, an SLA, or a schedule to guard.
    """
    inputs = sla_inputs_for(workflow)
    if settings is None or inputs is None or sla_plan is None or sla_plan.interval_hours is None:
        return None
    c, u = comparison, workflow.urgent_share
    interval = sla_plan.interval_hours
    cutoff = relative_cutoff_hours(
        inputs, interval, sync_drain_hours=settings.sync_drain_hours, buffer_hours=settings.buffer_hours
    )
    return plan_guard(
        inputs,
        cutoff_hours=cutoff,
        interval_hours=interval,
        sync_drain_hours=settings.sync_drain_hours,
        buffer_hours=settings.buffer_hours,
        requests_per_month=(1 - u) * c.requests_per_month,
        sync_item_usd=c.sync_item_usd,
        batch_item_usd=c.batch_item_usd,
        batch_cost_per_month_usd=hybrid_cost(workflow, c)[0] if u > 0 else c.batch_cost_per_month_usd,
        samples=samples,
    )


def evaluate_workflow(
    workflow: Workflow,
    catalog: Catalog,
    *,
    sla_samples: int = SIMULATION_SAMPLES,
    capacity: CapacitySettings | None = None,
    guard: GuardSettings | None = None,
    guard_samples: int = GUARD_SAMPLES,
) -> WorkflowResult:
    """Price, plan and judge one workflow. Raises WorkflowError when it cannot be priced.

    `capacity`: the organisation's tier (default: not given, checked against Scale with a note);
    `guard`: rescue-to-sync settings (default: no guard).
    """
    pricing = resolve_pricing(workflow, catalog)
    comparison = compare(workflow, pricing)
    sla_in = sla_inputs_for(workflow)
    plan = plan_submissions(sla_in, samples=sla_samples) if sla_in is not None else None
    queue = queue_check_for(workflow, plan, capacity)
    rescue = guard_for(workflow, comparison, plan, guard, samples=guard_samples)
    return WorkflowResult(
        workflow=workflow,
        comparison=comparison,
        sla=None if plan is None else plan_with_queue(plan, queue),
        recommendation=recommend(workflow, comparison, plan, queue=queue, guard=rescue),
        queue=queue,
        guard=rescue,
    )
