"""The deadline guard: submit by batch, and at a cutoff before the deadline rescue what has not finished.

Glossary:
- `S` SLA [h]; `I` submission interval [h]; `D` downstream [h]; `W` worst case per round [h]
- drain: time the synchronous API needs to run the rescued requests [h]; buffer: slack kept after it [h]
- cutoff `c`: hours after a batch's submission at which its unfinished requests are cancelled and sent
  synchronously. A batch holds arrivals of the last `I` hours; its oldest item is due `S − I` after the
  submission, so

      c = S − I − D − drain − buffer           (relative SLA)
      c = deadline − submission − D − drain − buffer   (clock deadline, tightest day)

- `p` P(rescued): the batch path (R rounds, later ones at the next submission, an expired share going
  round again) is not done by `c`.

Cost per month with the guard, `N` items, `C_s` / `C_b` expected sync / batch cost per item:

    batch_with_rescue = batch_cost − p·N·C_b + p·N·C_s       (rescue spend = p·N·C_s)

A cancelled request is not billed, so a rescued item's batch attempt is taken as unbilled (exact for
one round; for more rounds, earlier rounds were billed: a small understatement, stated).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from costmodel import formatting as fmt
from costmodel._base import NonNegFloat, StrictModel
from costmodel.sla import SlaInputs, lognormal_sigma, next_submission_hours

if TYPE_CHECKING:
    from costmodel.deadlines import CalendarPlan

__all__ = [
    "DEFAULT_BUFFER_HOURS",
    "DEFAULT_SYNC_DRAIN_HOURS",
    "GUARD_SAMPLES",
    "DeadlineGuard",
    "GuardSettings",
    "clock_guard_timing",
    "plan_guard",
    "relative_cutoff_hours",
    "rescue_probability",
]

DEFAULT_SYNC_DRAIN_HOURS = 0.5
"""Assumed time to run a batch's rescued requests synchronously [h]: size it from the sync rate limit."""
DEFAULT_BUFFER_HOURS = 0.5
"""Slack kept between the end of the drain and the deadline [h]."""
GUARD_SAMPLES = 200_000
"""Simulated items behind a rescue probability."""
GUARD_SEED = 20261130


def rescue_probability(
    inputs: SlaInputs, cutoff_hours: float, *, interval_hours: float, samples: int = GUARD_SAMPLES,
    seed: int = GUARD_SEED,
) -> float:  # fmt: skip
    """P(an item's batch path is not done `cutoff_hours` after its submission) [share].

    `R` rounds, each lognormal (median, p90) capped at `W`; later rounds and expired requests go at the
    next submission (multiples of `interval_hours`) unless `resubmit_at` is `immediately`.
    """
    if cutoff_hours <= 0:
        return 1.0
    import numpy as np

    rng = np.random.default_rng(seed)
    w, r = inputs.worst_case_hours, inputs.batch_rounds
    sigma = lognormal_sigma(inputs.median_processing_hours, inputs.p90_processing_hours)
    mu = math.log(inputs.median_processing_hours)
    interval = 0.0 if inputs.resubmit_at == "immediately" else interval_hours

    def turn(n: int) -> Any:
        return np.minimum(np.exp(mu + sigma * rng.standard_normal(n)), w)

    done = turn(samples)
    for _ in range(r - 1):
        done = next_submission_hours(done, interval) + turn(samples)
    if inputs.expired_share > 0:
        expired = rng.random(samples) < 1 - (1 - inputs.expired_share) ** r
        # an expired request is not done before W at the earliest, however fast its round would have been
        done = np.where(expired, next_submission_hours(np.maximum(done, w), interval) + turn(samples), done)
    return float(np.mean(done > cutoff_hours))


class GuardSettings(StrictModel):
    """The rescue-to-sync option as a plan asks for it (`--rescue-to-sync`)."""

    sync_drain_hours: NonNegFloat = DEFAULT_SYNC_DRAIN_HOURS
    """Time allowed to run the rescued requests synchronously [h]."""
    buffer_hours: NonNegFloat = DEFAULT_BUFFER_HOURS
    """Slack kept after the drain, before the deadline [h]."""


class DeadlineGuard(StrictModel):
    """The rescue-to-sync guard for a plan: cutoff, P(rescued), and what it costs."""

    rescue_cutoff_hours: float
    """`c`: hours after a batch's submission at which unfinished requests go synchronous [h]."""
    rescue_probability: float
    """`p`: share of items rescued [share]."""
    sync_drain_hours: NonNegFloat
    """Time allowed for the synchronous drain [h]."""
    buffer_hours: NonNegFloat
    """Slack after the drain [h]."""
    rescued_requests_per_month: float | None
    """`p·N` [requests/month]; None without a volume."""
    expected_rescue_cost_per_month_usd: float | None
    """Sync spend on rescues, `p·N·C_s` [USD/month]; None without prices."""
    batch_cost_with_rescue_per_month_usd: float | None
    """The plan's cost with the guard: its cost (batch, or a hybrid's) − p·N·C_b + p·N·C_s, `N` the batched items
    [USD/month]; None without prices."""
    reason: str
    """The guard in words."""
    assumptions: tuple[str, ...]
    """What the figures assume."""


def plan_guard(
    inputs: SlaInputs,
    *,
    cutoff_hours: float,
    interval_hours: float,
    sync_drain_hours: float = DEFAULT_SYNC_DRAIN_HOURS,
    buffer_hours: float = DEFAULT_BUFFER_HOURS,
    requests_per_month: float | None = None,
    sync_item_usd: float | None = None,
    batch_item_usd: float | None = None,
    batch_cost_per_month_usd: float | None = None,
    samples: int = GUARD_SAMPLES,
    seed: int = GUARD_SEED,
) -> DeadlineGuard:
    """The guard at a given cutoff (see `relative_cutoff_hours`), priced when item costs are given."""
    p = rescue_probability(inputs, cutoff_hours, interval_hours=interval_hours, samples=samples, seed=seed)
    rescued = None if requests_per_month is None else p * requests_per_month
    rescue_cost = None if rescued is None or sync_item_usd is None else rescued * sync_item_usd
    with_rescue = None
    if rescue_cost is not None and rescued is not None and batch_cost_per_month_usd is not None:
        with_rescue = batch_cost_per_month_usd - rescued * (batch_item_usd or 0.0) + rescue_cost
    if cutoff_hours <= 0:
        reason = (
            f"no time for batch: the cutoff falls {-cutoff_hours:g} h before the submission "
            f"({sync_drain_hours:g} h drain + {buffer_hours:g} h buffer), so every item would go synchronous"
        )
    else:
        reason = (
            f"{cutoff_hours:g} h after each submission, whatever has not finished is cancelled and sent "
            f"synchronously ({sync_drain_hours:g} h drain + {buffer_hours:g} h buffer before the deadline): "
            f"{fmt.probability(p)} of items are rescued in the typical case"
        )
    return DeadlineGuard(
        rescue_cutoff_hours=cutoff_hours,
        rescue_probability=p,
        sync_drain_hours=sync_drain_hours,
        buffer_hours=buffer_hours,
        rescued_requests_per_month=rescued,
        expected_rescue_cost_per_month_usd=rescue_cost,
        batch_cost_with_rescue_per_month_usd=with_rescue,
        reason=reason,
        assumptions=(
            "a batch is cancelled at the cutoff of its oldest item; its unfinished requests run synchronously "
            "and are usable before the deadline (the sync API keeps up within the drain time)",
            "cancelled batch requests are not billed; for more than one round, earlier rounds were billed "
            "(not counted: a small understatement)",
            f"turnaround as in the plan (lognormal median {inputs.median_processing_hours:g} h, p90 "
            f"{inputs.p90_processing_hours:g} h, {fmt.probability(inputs.expired_share)} expire); "
            f"{samples:,} simulated items",
        ),
    )


def relative_cutoff_hours(
    inputs: SlaInputs, interval_hours: float, *, sync_drain_hours: float, buffer_hours: float
) -> float:
    """`c = S − I − D − drain − buffer`: after a batch's submission, for a relative SLA [h]."""
    return inputs.sla_hours - interval_hours - inputs.downstream_hours - sync_drain_hours - buffer_hours


def clock_guard_timing(
    plan: CalendarPlan, inputs: SlaInputs, *, sync_drain_hours: float, buffer_hours: float
) -> tuple[float, float]:
    """(cutoff, interval) for a clock deadline [h]: `c = deadline − last submission − D − drain − buffer` on the
    tightest day, and the schedule's average interval `24 / submissions per day` for later rounds."""
    lead = min(c.submission_to_due_hours for c in plan.deadlines)
    cutoff = lead - inputs.downstream_hours - sync_drain_hours - buffer_hours
    return cutoff, 24.0 / len(plan.schedule_local)
