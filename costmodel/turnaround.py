"""The turnaround distribution learned from observed batches (the pilot ledger), with its uncertainty.

Glossary:
- turnaround `t` of a batch: `ended_at − created_at` [h] (a batch's results arrive all at once when it ends)
- `μ̂`, `σ̂`: mean and standard deviation of `ln t` over the batches (the lognormal the planner assumes)
- median `= exp(μ̂)`, p90 `= exp(μ̂ + σ̂·z₀.₉)` [h]; expired share `= Σ expired / Σ requests` [share]

Uncertainty: a bootstrap over batches (resampled with replacement, fixed seed) gives 95 % intervals
for the median, the p90 and the expired share. Below `MIN_BATCHES` ended batches in a group there is
no fit and the planner's defaults remain, labelled. Pure: records in, figures out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field

from costmodel import formatting as fmt
from costmodel._base import StrictModel
from costmodel.sla import Z90, lognormal_sigma

__all__ = [
    "DEFAULT_TURNAROUND",
    "MIN_BATCHES",
    "CalibrationPoint",
    "GroupFit",
    "ObservedBatch",
    "TurnaroundFit",
    "calibration_curve",
    "fit_turnaround",
]

MIN_BATCHES = 5
"""Ended batches needed before a fit replaces the defaults: fewer make the p90 mostly noise (with 5, the
bootstrap interval of the p90 typically spans a factor of 2–4; say so rather than hide it)."""
DEFAULT_TURNAROUND = (0.25, 1.0, 0.001)
"""The planner's defaults (median [h], p90 [h], expired share): published observations, not measurements."""
BOOTSTRAP_RESAMPLES = 1_000
BOOTSTRAP_SEED = 20261130
MIN_TURNAROUND_HOURS = 1 / 3600
"""Turnarounds are floored at one second, so an instant (simulated) batch does not give ln 0."""


class ObservedBatch(StrictModel):
    """One ended batch as recorded."""

    created_at: datetime
    """When the batch was created (UTC)."""
    ended_at: datetime
    """When it ended (UTC)."""
    requests: int = Field(ge=0)
    """Requests in the batch."""
    expired: int = Field(default=0, ge=0)
    """Requests that expired unprocessed."""
    model: str = "unknown"
    """The model the batch ran (or `mixed`)."""

    @property
    def turnaround_hours(self) -> float:
        """`ended_at − created_at` [h], at least one second."""
        return max((self.ended_at - self.created_at).total_seconds() / 3600, MIN_TURNAROUND_HOURS)


class GroupFit(StrictModel):
    """The fit for one group of batches (all, one model, or one hour of submission)."""

    group: str
    """`all`, a model id, or `hour 14` (UTC hour of creation)."""
    batches: int
    """Ended batches behind the fit."""
    requests: int
    """Requests in them."""
    enough: bool
    """At least `MIN_BATCHES` batches: the fit may replace the defaults."""
    median_hours: float | None
    """Lognormal median `exp(μ̂)` [h]."""
    p90_hours: float | None
    """Lognormal 90th percentile [h]."""
    expired_share: float | None
    """Expired requests / requests [share]."""
    median_ci_hours: tuple[float, float] | None
    """95 % bootstrap interval of the median [h]."""
    p90_ci_hours: tuple[float, float] | None
    """95 % bootstrap interval of the p90 [h]."""
    expired_share_ci: tuple[float, float] | None
    """95 % bootstrap interval of the expired share [share]."""
    observed_median_hours: float | None
    """The plain median of the observed turnarounds [h], for comparison."""


class TurnaroundFit(StrictModel):
    """The learned turnaround: overall, by model and by hour of submission, and whether to use it."""

    overall: GroupFit
    """Every ended batch."""
    by_model: tuple[GroupFit, ...]
    """One per model (fits only where there is enough data)."""
    by_hour: tuple[GroupFit, ...]
    """One per UTC hour of creation that has batches."""
    min_batches: int
    """Ended batches needed for a fit."""
    use_fit: bool
    """Whether the overall fit replaces the defaults."""
    median_hours: float
    """What the planner should use: the fit, else the default [h]."""
    p90_hours: float
    """Likewise [h]."""
    expired_share: float
    """Likewise [share]."""
    message: str
    """What was fitted from how much, or why the defaults remain."""


def _lognormal(hours: Sequence[float]) -> tuple[float, float]:
    logs = [math.log(h) for h in hours]
    mu = sum(logs) / len(logs)
    sigma = math.sqrt(sum((x - mu) ** 2 for x in logs) / (len(logs) - 1)) if len(logs) > 1 else 0.0
    return math.exp(mu), math.exp(mu + sigma * Z90)


def _group(name: str, batches: Sequence[ObservedBatch], min_batches: int, seed: int) -> GroupFit:
    import numpy as np

    n = len(batches)
    requests = sum(b.requests for b in batches)
    if n == 0:
        return GroupFit(group=name, batches=0, requests=0, enough=False, median_hours=None, p90_hours=None,
                        expired_share=None, median_ci_hours=None, p90_ci_hours=None, expired_share_ci=None,
                        observed_median_hours=None)  # fmt: skip
    hours = np.array([b.turnaround_hours for b in batches])
    expired = np.array([b.expired for b in batches], dtype=float)
    sizes = np.array([b.requests for b in batches], dtype=float)
    median, p90 = _lognormal(list(hours))
    share = float(expired.sum() / sizes.sum()) if sizes.sum() > 0 else 0.0
    enough = n >= min_batches
    median_ci = p90_ci = share_ci = None
    if enough:
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))
        logs = np.log(hours)[picks]
        mu = logs.mean(axis=1)
        sigma = logs.std(axis=1, ddof=1)
        shares = expired[picks].sum(axis=1) / np.maximum(sizes[picks].sum(axis=1), 1.0)

        def interval(values: Any) -> tuple[float, float]:
            low, high = np.percentile(values, [2.5, 97.5])
            return float(low), float(high)

        median_ci = interval(np.exp(mu))
        p90_ci = interval(np.exp(mu + sigma * Z90))
        share_ci = interval(shares)
    return GroupFit(
        group=name,
        batches=n,
        requests=requests,
        enough=enough,
        median_hours=median,
        p90_hours=p90,
        expired_share=share,
        median_ci_hours=median_ci,
        p90_ci_hours=p90_ci,
        expired_share_ci=share_ci,
        observed_median_hours=float(np.median(hours)),
    )


def fit_turnaround(
    batches: Sequence[ObservedBatch], *, min_batches: int = MIN_BATCHES, seed: int = BOOTSTRAP_SEED
) -> TurnaroundFit:
    """Fit median, p90 and expired share overall, by model and by UTC hour of creation, with 95 % intervals."""
    overall = _group("all", batches, min_batches, seed)
    models = sorted({b.model for b in batches})
    by_model = tuple(_group(m, [b for b in batches if b.model == m], min_batches, seed) for m in models)
    hours = sorted({b.created_at.hour for b in batches})
    by_hour = tuple(
        _group(f"hour {h:02d}", [b for b in batches if b.created_at.hour == h], min_batches, seed) for h in hours
    )
    median, p90, share = DEFAULT_TURNAROUND
    if overall.enough and overall.median_hours is not None and overall.p90_hours is not None:
        median, p90, share = overall.median_hours, overall.p90_hours, overall.expired_share or 0.0
        (m_low, m_high), (p_low, p_high) = overall.median_ci_hours or (0, 0), overall.p90_ci_hours or (0, 0)
        message = (
            f"learned from {overall.batches} ended batches ({overall.requests:,} requests): median "
            f"{fmt.hours(median)} (95 % CI {fmt.hours_range(m_low, m_high)}), p90 {fmt.hours(p90)} "
            f"(95 % CI {fmt.hours_range(p_low, p_high)}), expired {fmt.probability(share)}"
        )
    else:
        message = (
            f"not enough data: {overall.batches} ended batch(es), {min_batches} needed; the defaults remain "
            f"(median {fmt.hours(DEFAULT_TURNAROUND[0])}, p90 {fmt.hours(DEFAULT_TURNAROUND[1])}, "
            f"expired {fmt.probability(DEFAULT_TURNAROUND[2])}: published observations, not measurements)"
        )
    return TurnaroundFit(
        overall=overall,
        by_model=by_model,
        by_hour=by_hour,
        min_batches=min_batches,
        use_fit=overall.enough,
        median_hours=median,
        p90_hours=p90,
        expired_share=share,
        message=message,
    )


class CalibrationPoint(StrictModel):
    """Predicted vs observed P(batch done within t)."""

    hours: float
    """`t` [h]."""
    predicted: float
    """`(1 − expired)·P(lognormal ≤ t)`, capped at `W` [share]."""
    observed: float
    """Share of observed batches that ended within `t` [share]."""


def calibration_curve(
    batches: Sequence[ObservedBatch],
    *,
    median_hours: float,
    p90_hours: float,
    expired_share: float = 0.0,
    worst_case_hours: float = 24.0,
    points: int = 40,
) -> list[CalibrationPoint]:
    """Chart data: for `points` log-spaced `t` from 1 minute to `W`, predicted and observed P(done within t)."""
    sigma = lognormal_sigma(median_hours, p90_hours)
    observed = sorted(b.turnaround_hours for b in batches)
    low, high = math.log(1 / 60), math.log(worst_case_hours)
    curve = []
    for k in range(points):
        t = math.exp(low + (high - low) * k / (points - 1))
        if sigma == 0:
            cdf = 1.0 if t >= median_hours else 0.0
        else:
            cdf = 0.5 * (1 + math.erf((math.log(t) - math.log(median_hours)) / (sigma * math.sqrt(2))))
        predicted = 1.0 if t >= worst_case_hours else (1 - expired_share) * cdf
        done = sum(1 for h in observed if h <= t) / len(observed) if observed else 0.0
        curve.append(CalibrationPoint(hours=t, predicted=predicted, observed=done))
    return curve
