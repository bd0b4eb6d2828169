"""Capacity: Anthropic's batch processing-queue limit and monthly spend cap bound what a schedule can sustain.

Glossary:
- `N` arrivals [requests/day]; `I` submission interval [h]; `W` worst-case processing per round [h]
- `R` sequential batch rounds per item [rounds]; `Q` processing-queue limit of the tier [requests]
- `T` one round's turnaround [h]: lognormal (median, p90) capped at `W`; an expired share waits the full `W`

    worst-case in flight  = N·(I + R·W)/24          (one round: N·(W + I)/24; every batch takes W)
    typical in flight     = N·I/24 · R · Σ_{k≥0} P(T > k·I)   (just after a submission, steady state)
    max requests per day  = Q·24/(I + R·W)

The queue is counted per organisation across models until each request is processed, so the
worst case must fit: Anthropic documents slower processing and more expiry under heavy demand,
exactly when every batch is slowest. Pure: no clock, no I/O.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

from pydantic import model_validator

from costmodel import formatting as fmt
from costmodel._base import NonNegFloat, PosFloat, StrictModel
from costmodel.limits import BATCH_TIER_LIMITS, BATCH_TIER_LIMITS_AS_OF, BATCH_TIER_LIMITS_SOURCE
from costmodel.sla import CLOCK_FRIENDLY_INTERVALS_HOURS, SlaInputs, SlaPlan, batches_for, lognormal_sigma

__all__ = [
    "TIERS",
    "BatchTierLimits",
    "CapacitySettings",
    "PortfolioQueue",
    "QueueCheck",
    "SpendCapWarning",
    "check_queue",
    "plan_with_queue",
    "portfolio_queue",
    "spend_cap_warning",
    "tier_limits",
    "typical_in_flight_requests",
    "worst_case_in_flight_requests",
]

Tier = Literal["start", "build", "scale", "custom"]
TIERS: tuple[str, ...] = tuple(BATCH_TIER_LIMITS)
"""Published tiers, smallest first."""
DEFAULT_TIER: Tier = "scale"
"""Checked when no tier is given: the largest published, so an overflow there overflows every tier."""


class BatchTierLimits(StrictModel):
    """The batch limits of one organisation's tier, with their source and date."""

    tier: Tier
    """`start`, `build`, `scale`, or `custom` (limits typed in)."""
    queue_limit_requests: PosFloat
    """`Q`: requests that may wait in the batch processing queue [requests]."""
    batch_requests_per_minute: PosFloat | None = None
    """Batch-endpoint calls per minute (create, retrieve, list, results) [1/min]."""
    monthly_spend_cap_usd: PosFloat | None = None
    """Spend at which the whole API pauses until the 1st of next month [USD/month]."""
    source: str
    """Where the figures come from."""
    as_of: date | None
    """When they were checked (None when any figure was typed in)."""


def tier_limits(
    tier: Tier = DEFAULT_TIER,
    *,
    queue_limit_requests: float | None = None,
    monthly_spend_cap_usd: float | None = None,
) -> BatchTierLimits:
    """The published limits of `tier`; a given queue limit or spend cap overrides them (then labelled custom)."""
    if tier == "custom" and queue_limit_requests is None:
        raise ValueError("a custom tier needs a queue limit (--queue-limit): requests allowed in the queue")
    queue, rpm, cap = BATCH_TIER_LIMITS.get(tier, (0, None, None))
    custom = tier == "custom" or queue_limit_requests is not None or monthly_spend_cap_usd is not None
    return BatchTierLimits(
        tier=tier,
        queue_limit_requests=queue_limit_requests if queue_limit_requests is not None else queue,
        batch_requests_per_minute=rpm,
        monthly_spend_cap_usd=monthly_spend_cap_usd if monthly_spend_cap_usd is not None else cap,
        source="custom limits as given" if custom else BATCH_TIER_LIMITS_SOURCE,
        as_of=None if custom else BATCH_TIER_LIMITS_AS_OF,
    )


class CapacitySettings(StrictModel):
    """The organisation's tier, as a scenario file carries it (`capacity`); every field optional."""

    tier: Tier | None = None
    """`start`, `build`, `scale` or `custom`; None = not given, checked against Scale (the largest) with a note."""
    queue_limit_requests: PosFloat | None = None
    """A processing-queue limit instead of the tier's [requests]."""
    monthly_spend_cap_usd: PosFloat | None = None
    """A monthly spend cap instead of the tier's [USD/month]."""

    @model_validator(mode="after")
    def _custom_needs_a_queue_limit(self) -> CapacitySettings:
        if self.tier == "custom" and self.queue_limit_requests is None:
            raise ValueError("a custom tier needs a queue limit: set queue_limit_requests (requests in the queue)")
        return self

    def limits(self) -> BatchTierLimits:
        """The limits checked against: the tier's, overridden by any figure given.

        A figure given without a tier makes the limits `custom`, the rest taken from the default tier.
        """
        if self.tier is None and (self.queue_limit_requests is not None or self.monthly_spend_cap_usd is not None):
            return tier_limits(
                "custom",
                queue_limit_requests=self.queue_limit_requests or BATCH_TIER_LIMITS[DEFAULT_TIER][0],
                monthly_spend_cap_usd=self.monthly_spend_cap_usd,
            )
        return tier_limits(
            self.tier or DEFAULT_TIER,
            queue_limit_requests=self.queue_limit_requests,
            monthly_spend_cap_usd=self.monthly_spend_cap_usd,
        )

    @property
    def note(self) -> str:
        """'' when the tier or a queue limit is given; else says which tier was assumed."""
        if self.tier is not None or self.queue_limit_requests is not None:
            return ""
        return (
            f"tier not given: checked against the {DEFAULT_TIER} tier, the largest published, so an overflow there "
            "overflows every tier; set --tier or the scenario's capacity.tier"
        )


def worst_case_in_flight_requests(
    requests_per_day: float, interval_hours: float, *, worst_case_hours: float = 24.0, batch_rounds: int = 1
) -> float:
    """Requests in the processing queue when every batch takes `W`: `N·(I + R·W)/24` [requests].

    Batches submitted in the last `W` hours are all still queued, plus the one just submitted;
    each further round holds the same items for another `W`.
    """
    return requests_per_day * (interval_hours + batch_rounds * worst_case_hours) / 24.0


def _survival(t: float, inputs: SlaInputs) -> float:
    """P(one round's turnaround > t): lognormal capped at `W`, expired requests last the full `W`."""
    if t >= inputs.worst_case_hours:
        return 0.0
    if t <= 0:
        return 1.0
    sigma = lognormal_sigma(inputs.median_processing_hours, inputs.p90_processing_hours)
    mu = math.log(inputs.median_processing_hours)
    if sigma == 0:
        lognormal = 1.0 if t < inputs.median_processing_hours else 0.0
    else:
        lognormal = 0.5 * math.erfc((math.log(t) - mu) / (sigma * math.sqrt(2)))
    return inputs.expired_share + (1 - inputs.expired_share) * lognormal


def typical_in_flight_requests(inputs: SlaInputs, interval_hours: float) -> float:
    """Requests queued just after a submission in the typical case: `N·I/24 · R · Σ_k P(T > k·I)` [requests].

    The batch just submitted counts in full; one submitted `k` intervals ago still counts with the
    probability that its turnaround exceeds `k·I` (a request counts until it is processed).
    """
    per_submission = inputs.requests_per_day * interval_hours / 24.0
    steps = math.ceil(inputs.worst_case_hours / interval_hours) + 1
    still_queued = sum(_survival(k * interval_hours, inputs) for k in range(steps))
    return per_submission * inputs.batch_rounds * still_queued


class QueueCheck(StrictModel):
    """Whether a schedule fits the tier's processing queue, and what would make it fit."""

    limits: BatchTierLimits
    """The tier limits checked against."""
    queue_limit_requests: float
    """`Q` [requests]."""
    interval_hours: float
    """Submission interval the figures are for [h]."""
    worst_case_in_flight_requests: float
    """`N·(I + R·W)/24` [requests]."""
    typical_in_flight_requests: float
    """Just after a submission, typical turnaround [requests]."""
    max_requests_per_day: float
    """`Q·24/(I + R·W)`: the most the tier sustains under the worst case at this interval [requests/day]."""
    queue_feasible: bool
    """Whether the worst case fits the queue."""
    peak_batch_calls_per_minute: float
    """Worst case: every batch in flight polled once a minute, plus one submission's creates [1/min]."""
    batch_calls_fit: bool
    """Whether that stays within the tier's batch-endpoint requests per minute (True when unknown)."""
    reason: str
    """Why, in words."""
    fixes: tuple[str, ...]
    """What would make it fit (empty when it fits)."""


def check_queue(inputs: SlaInputs, interval_hours: float, limits: BatchTierLimits) -> QueueCheck:
    """Worst-case and typical requests in flight at `interval_hours`, against the tier's queue limit."""
    n, i, w, r, q = (
        inputs.requests_per_day,
        interval_hours,
        inputs.worst_case_hours,
        inputs.batch_rounds,
        limits.queue_limit_requests,
    )
    worst = worst_case_in_flight_requests(n, i, worst_case_hours=w, batch_rounds=r)
    typical = typical_in_flight_requests(inputs, i)
    max_per_day = q * 24.0 / (i + r * w)
    feasible = worst <= q
    per_submission_batches = batches_for(n * i / 24.0, inputs.avg_request_bytes)
    calls = per_submission_batches * (r * math.ceil(w / i) + 1)
    calls_fit = limits.batch_requests_per_minute is None or calls <= limits.batch_requests_per_minute
    label = f"the {limits.tier} tier's" if limits.tier != "custom" else "the given"
    if feasible:
        reason = (
            f"queue fits: at most {worst:,.0f} requests in flight ({n:,.0f}/day × ({i:g} h + {r} × {w:g} h) / 24) "
            f"within {label} limit of {q:,.0f}; up to {max_per_day:,.0f} requests/day at this interval"
        )
        fixes: tuple[str, ...] = ()
    else:
        reason = (
            f"queue overflow: up to {worst:,.0f} requests in flight ({n:,.0f}/day × ({i:g} h + {r} × {w:g} h) / 24) "
            f"exceed {label} processing-queue limit of {q:,.0f}; at this interval the queue sustains at most "
            f"{max_per_day:,.0f} requests/day (typical case: {typical:,.0f} in flight)"
        )
        fixes = _queue_fixes(inputs, i, limits, worst)
    if not calls_fit:
        reason += (
            f"; polling {calls:,.0f} batches once a minute exceeds the tier's {limits.batch_requests_per_minute:,.0f} "
            "batch-endpoint requests per minute: poll less often, or list batches instead of retrieving each"
        )
    return QueueCheck(
        limits=limits,
        queue_limit_requests=q,
        interval_hours=i,
        worst_case_in_flight_requests=worst,
        typical_in_flight_requests=typical,
        max_requests_per_day=max_per_day,
        queue_feasible=feasible,
        peak_batch_calls_per_minute=calls,
        batch_calls_fit=calls_fit,
        reason=reason,
        fixes=fixes,
    )


def _queue_fixes(inputs: SlaInputs, interval: float, limits: BatchTierLimits, worst: float) -> tuple[str, ...]:
    n, w, r, q = inputs.requests_per_day, inputs.worst_case_hours, inputs.batch_rounds, limits.queue_limit_requests
    fixes = []
    bigger = [t for t, (limit, _, _) in BATCH_TIER_LIMITS.items() if limit >= worst and limit > q]
    if bigger:
        fixes.append(f"move to the {bigger[0]} tier ({BATCH_TIER_LIMITS[bigger[0]][0]:,} requests in the queue)")
    organisations = math.ceil(worst / q)
    fixes.append(
        f"split the traffic over {organisations:,} organisations ({n / organisations:,.0f} requests/day each): "
        "the queue limit is per organisation, so workspaces of one organisation share it"
    )
    if r > 1 and worst_case_in_flight_requests(n, interval, worst_case_hours=w, batch_rounds=1) <= q:
        fixes.append(f"cut sequential batch rounds from {r} to 1 (retry failures synchronously)")
    longest = q * 24.0 / n - r * w
    shorter = [c for c in CLOCK_FRIENDLY_INTERVALS_HOURS if c <= longest and c < interval]
    if shorter:
        fixes.append(f"submit every {shorter[0]:g} h instead of every {interval:g} h")
    sync_share = 1 - q * 24.0 / (interval + r * w) / n
    fixes.append(f"send at least {math.ceil(sync_share * 1000) / 10:g} % of the traffic synchronously")
    return tuple(fixes)


def plan_with_queue(plan: SlaPlan, check: QueueCheck | None) -> SlaPlan:
    """The plan with the queue check folded in: infeasible, with the reason and fixes, when the queue overflows."""
    if check is None or check.queue_feasible:
        return plan
    return plan.model_copy(
        update={
            "feasible": False,
            "reason": f"not feasible: {check.reason}; on time alone, {plan.reason}",
            "fixes": check.fixes + tuple(f for f in plan.fixes if f not in check.fixes),
        }
    )


class SpendCapWarning(StrictModel):
    """A monthly spend that reaches the tier's cap, and when."""

    monthly_spend_usd: NonNegFloat
    """Planned spend per month [USD/month]."""
    monthly_spend_cap_usd: PosFloat
    """The tier's cap [USD/month]."""
    cap_reached_on_day: int
    """Day of the month (1-based) on which cumulative spend reaches the cap, spending evenly [day]."""
    message: str
    """The warning in words, with what happens and the fix."""


def spend_cap_warning(
    monthly_spend_usd: float, limits: BatchTierLimits, *, days_in_month: int = 30
) -> SpendCapWarning | None:
    """None when the planned spend stays within the cap; else the day it is reached, spending evenly per day."""
    cap = limits.monthly_spend_cap_usd
    if cap is None or monthly_spend_usd <= cap:
        return None
    daily = monthly_spend_usd / days_in_month
    # a relative tolerance so that a cap reached exactly at the end of a day is that day, not the next
    day = max(1, math.ceil(cap / daily * (1 - 1e-12)))
    return SpendCapWarning(
        monthly_spend_usd=monthly_spend_usd,
        monthly_spend_cap_usd=cap,
        cap_reached_on_day=day,
        message=(
            f"planned spend {fmt.per_month(monthly_spend_usd)} exceeds the {limits.tier} tier's {fmt.usd(cap)} monthly "
            f"spend cap: it is reached on day {day} of a {days_in_month}-day month, and then the whole API, "
            "batches included, pauses until 00:00 UTC on the 1st (429 enforced_spend_limit_reached); "
            "move to a higher tier or ask Anthropic for a higher limit"
        ),
    )


class PortfolioQueue(StrictModel):
    """The portfolio's batch workflows in one organisation's processing queue."""

    queue_limit_requests: float
    """`Q` [requests]."""
    tier: str
    """Tier of the limit (`custom` when typed in)."""
    workflows: tuple[str, ...]
    """The workflows counted: those whose verdict puts work in the queue (batch or hybrid)."""
    worst_case_in_flight_requests: float
    """Sum of their worst cases [requests]."""
    typical_in_flight_requests: float
    """Sum of their typical cases [requests]."""
    queue_feasible: bool
    """Whether the sum of worst cases fits the queue."""
    reason: str
    """Why, in words."""
    fixes: tuple[str, ...]
    """What would make it fit (empty when it fits)."""


def portfolio_queue(checks: list[tuple[str, QueueCheck]], limits: BatchTierLimits, *, note: str = "") -> PortfolioQueue:
    """Workflows share the organisation's queue (across models): the sum of their in-flight requests vs `Q`."""
    q = limits.queue_limit_requests
    worst = sum(c.worst_case_in_flight_requests for _, c in checks)
    typical = sum(c.typical_in_flight_requests for _, c in checks)
    feasible = worst <= q
    label = f"the {limits.tier} tier's" if limits.tier != "custom" else "the given"
    counted = f"{len(checks)} batch workflow{'s' if len(checks) != 1 else ''}"
    fixes: tuple[str, ...] = ()
    if feasible:
        reason = f"queue fits: {counted} together hold at most {worst:,.0f} requests within {label} limit of {q:,.0f}"
    else:
        reason = (
            f"queue overflow: {counted} share one organisation's queue and together hold up to {worst:,.0f} "
            f"requests in the worst case, over {label} limit of {q:,.0f} (typical case: {typical:,.0f})"
        )
        bigger = [t for t, (limit, _, _) in BATCH_TIER_LIMITS.items() if limit >= worst and limit > q]
        fixes = (
            *[f"move to the {t} tier ({BATCH_TIER_LIMITS[t][0]:,} requests in the queue)" for t in bigger[:1]],
            f"split the workflows over {math.ceil(worst / q)} organisations (workspaces of one organisation share "
            "the queue)",
            f"send at least {math.ceil((1 - q / worst) * 1000) / 10:g} % of the batch traffic synchronously, "
            "or submit more often",
        )
    if note:
        reason += f" ({note})"
    return PortfolioQueue(
        queue_limit_requests=q,
        tier=limits.tier,
        workflows=tuple(name for name, _ in checks),
        worst_case_in_flight_requests=worst,
        typical_in_flight_requests=typical,
        queue_feasible=feasible,
        reason=reason,
        fixes=fixes,
    )
