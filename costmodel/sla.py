"""Submission windows for an SLA when any batch may take the full worst case.

Glossary:
- `S` SLA, arrival → result usable downstream [h]
- `W` worst-case processing per batch round (24 h, the API's guarantee) [h]
- `D` downstream time [h]; `M` safety margin [h]; `R` sequential batch rounds [rounds]
- `I` submission interval [h]

    worst-case latency(I) = I + R·W + D
    I_max = S − R·W − D − M          (infeasible when I_max ≤ 0)

The typical case draws turnaround from a lognormal fitted to a median and a p90, capped at
`W`; an expired share of requests needs one more round. numpy is imported only here, and
only when the typical case is simulated.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from costmodel import formatting
from costmodel._base import NonNegFloat, PosFloat, Share, StrictModel
from costmodel.limits import MAX_BATCH_BYTES, MAX_BATCH_ROUNDS, MAX_REQUESTS_PER_BATCH, WORST_CASE_PROCESSING_HOURS

__all__ = [
    "CLOCK_FRIENDLY_INTERVALS_HOURS",
    "SIMULATION_SAMPLES",
    "SIMULATION_SEED",
    "MissCurvePoint",
    "SlaInputs",
    "SlaPlan",
    "TypicalCase",
    "batches_for",
    "lognormal_sigma",
    "miss_curve",
    "next_submission_hours",
    "plan_submissions",
    "simulate_latency",
    "worst_case_latency_hours",
]

CLOCK_FRIENDLY_INTERVALS_HOURS = (
    168.0, 144.0, 120.0, 96.0, 72.0, 48.0, 24.0, 12.0, 8.0, 6.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.25,
)
"""Intervals that fit a clock: whole days, or divisors of 24 h down to 15 minutes [h]."""
Z90 = 1.2815515655446004
"""Standard normal quantile at 0.9: p90 = median·exp(σ·Z90)."""
SIMULATION_SAMPLES = 50_000
"""Simulated items for every typical-case figure (page, portfolio, CLI alike): P(miss) to about ±0.05 % at a
1 % budget, in a few ms. One count and one seed, so a workflow gets the same P(miss) everywhere."""
SIMULATION_SEED = 20261121
"""Seed of every typical-case simulation (common random numbers across intervals and commands)."""
DEFAULT_SAMPLES = SIMULATION_SAMPLES
DEFAULT_SEED = SIMULATION_SEED


class SlaInputs(StrictModel):
    """Inputs of the submission-window model."""

    sla_hours: PosFloat
    """`S`: arrival → result usable downstream [h]."""
    kind: Literal["hard", "soft"] = "hard"
    """`hard`: holds even if every batch takes `W`; `soft`: a target with a miss budget."""
    max_miss_probability: Share = 0.01
    """Soft SLA: acceptable share of items that miss [share]."""
    worst_case_hours: PosFloat = WORST_CASE_PROCESSING_HOURS
    """`W`: worst-case processing per batch round [h]."""
    downstream_hours: NonNegFloat = 0.0
    """`D`: time after results arrive until they are usable [h]."""
    safety_margin_hours: NonNegFloat = 2.0
    """`M`: slack kept below the SLA [h]."""
    batch_rounds: int = Field(default=1, ge=1, le=MAX_BATCH_ROUNDS)
    """`R`: sequential batch round trips per item (retry rounds × client tool turns) [rounds]."""
    requests_per_day: NonNegFloat = 0.0
    """Arrivals [requests/day]."""
    avg_request_bytes: PosFloat = 20_000.0
    """Average request size in the batch body [bytes]."""
    median_processing_hours: PosFloat = 0.25
    """Typical turnaround per round, median [h] (assumption until a pilot measures it)."""
    p90_processing_hours: PosFloat = 1.0
    """Typical turnaround per round, 90th percentile [h]."""
    expired_share: Share = 0.001
    """Share of requests that expire in a round and need another [share]."""
    interval_hours: PosFloat | None = None
    """A chosen interval to evaluate instead of the recommended one [h]."""
    expiry_route: Literal["sync", "batch"] = "sync"
    """How a request that expires unprocessed at `W` is still delivered: `sync` = rerun synchronously at once,
    inside the safety margin `M`; `batch` = one more batch round, counted in the worst case."""
    resubmit_at: Literal["next_window", "immediately"] = "next_window"
    """When a later round (batch retry, tool turn) or an expired request is resubmitted: at the next scheduled
    submission after the previous round ends (what a scheduled job does), or the instant it ends (optimistic)."""


class TypicalCase(StrictModel):
    """Simulated latency for one interval."""

    interval_hours: float
    """Submission interval simulated [h]."""
    p50_hours: float
    """Median arrival → usable latency [h]."""
    p90_hours: float
    """90th percentile [h]."""
    p99_hours: float
    """99th percentile [h]."""
    miss_probability: float
    """Share of items whose latency exceeds the SLA [share]."""
    samples: int
    """Simulated items."""


class SlaPlan(StrictModel):
    """The submission plan for an SLA, with reasons."""

    feasible: bool
    """Whether the SLA can be met: in the worst case (hard) or within the miss budget (soft)."""
    worst_case_feasible: bool
    """Whether `I_max > 0`: the SLA holds even if every batch takes `W`."""
    reason: str
    """Why it is or is not feasible, in words."""
    fixes: tuple[str, ...]
    """What would make an infeasible SLA feasible."""
    max_interval_hours: float
    """`I_max = S − R·W − D − M` (may be ≤ 0) [h]."""
    recommended_interval_hours: float | None
    """Longest clock-friendly interval that keeps the SLA [h]; None when there is none."""
    interval_hours: float | None
    """The interval the figures below are for (chosen, else recommended) [h]."""
    submissions_per_day: float | None
    """24 / interval [1/day]."""
    requests_per_submission: float | None
    """Arrivals collected per submission [requests]."""
    batches_per_submission: int | None
    """Batches needed under the 100,000-request / 256 MB limits [batches]."""
    worst_case_latency_hours: float | None
    """`I + R·W + D` [h]."""
    typical: TypicalCase | None
    """Typical-case percentiles and P(miss) at the interval."""
    assumptions: tuple[str, ...]
    """Every assumption behind the figures."""


def batches_for(requests: float, avg_request_bytes: float) -> int:
    """Batches needed for `requests` under the request-count and body-size limits [batches]."""
    if requests <= 0:
        return 0
    by_count = math.ceil(requests / MAX_REQUESTS_PER_BATCH)
    by_bytes = math.ceil(requests * avg_request_bytes / MAX_BATCH_BYTES)
    return max(1, by_count, by_bytes)


def lognormal_sigma(median: float, p90: float) -> float:
    """σ of the lognormal turnaround with this median and p90 [h]: p90 = median·exp(σ·Z90); 0 when p90 ≤ median."""
    return math.log(p90 / median) / Z90 if p90 > median else 0.0


def simulate_latency(
    inputs: SlaInputs, interval_hours: Any, *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
) -> Any:
    """Simulated arrival → usable latencies [h], shape (len(intervals), samples) or (samples,).

    An item arrives uniformly within an interval and waits for the next submission; each of
    `R` rounds takes a lognormal turnaround capped at `W`; an expired request costs one more
    round. Common random numbers across intervals keep P(miss) curves smooth.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    intervals = np.atleast_1d(np.asarray(interval_hours, dtype=float))
    sigma = lognormal_sigma(inputs.median_processing_hours, inputs.p90_processing_hours)
    mu = math.log(inputs.median_processing_hours)
    wait_fraction = rng.random(samples)
    # next_window: a later round waits for the next scheduled submission (a multiple of I after the first)
    def resubmit(t: Any) -> Any:
        return t if inputs.resubmit_at == "immediately" else next_submission_hours(t, intervals[:, None])

    processing = np.zeros((1, samples))
    for k in range(inputs.batch_rounds):
        turnaround = np.minimum(np.exp(mu + sigma * rng.standard_normal(samples)), inputs.worst_case_hours)
        processing = (resubmit(processing) if k else processing) + turnaround[None, :]
    if inputs.expired_share > 0:
        expired = rng.random(samples) < 1 - (1 - inputs.expired_share) ** inputs.batch_rounds
        # an expired request waited the full W, then goes round once more
        extra = np.minimum(np.exp(mu + sigma * rng.standard_normal(samples)), inputs.worst_case_hours)
        processing = np.where(expired, resubmit(processing + inputs.worst_case_hours) + extra, processing)
    latency = intervals[:, None] * wait_fraction[None, :] + processing + inputs.downstream_hours
    return latency[0] if np.ndim(interval_hours) == 0 else latency


def next_submission_hours(t: Any, interval_hours: Any) -> Any:
    """The first scheduled submission at or after `t`, with submissions at 0, I, 2I, ... [h] (I = 0: at once).

    Floats or numpy arrays (broadcast); a round ending exactly on a submission makes that submission.
    """
    import numpy as np

    interval = np.asarray(interval_hours, dtype=float)
    safe = np.where(interval > 0, interval, 1.0)
    return np.where(interval > 0, np.ceil(np.asarray(t) / safe - 1e-9) * safe, t)


def worst_case_latency_hours(inputs: SlaInputs, interval_hours: float) -> float:
    """Worst-case arrival → usable latency when every round takes `W` [h].

    Immediately resubmitted: `I + R·W + D`. At the next window: each later round starts at the first
    submission after `W`, `⌈W/I⌉·I`, so `I + (R−1)·⌈W/I⌉·I + W + D` (the same when I divides W).
    """
    i, r, w, d = interval_hours, _worst_case_rounds(inputs), inputs.worst_case_hours, inputs.downstream_hours
    between = w if inputs.resubmit_at == "immediately" else math.ceil(w / i - 1e-9) * i
    return i + (r - 1) * between + w + d


def _typical(inputs: SlaInputs, interval: float, samples: int, seed: int) -> TypicalCase:
    import numpy as np

    latency = simulate_latency(inputs, interval, samples=samples, seed=seed)
    p50, p90, p99 = np.percentile(latency, [50, 90, 99])
    return TypicalCase(
        interval_hours=interval,
        p50_hours=float(p50),
        p90_hours=float(p90),
        p99_hours=float(p99),
        miss_probability=float(np.mean(latency > inputs.sla_hours)),
        samples=samples,
    )


class MissCurvePoint(StrictModel):
    """P(miss SLA) at one interval."""

    interval_hours: float
    """Submission interval [h]."""
    miss_probability: float
    """Typical-case share of items that miss [share]."""
    worst_case_latency_hours: float
    """`I + R·W + D` [h]."""


def miss_curve(
    inputs: SlaInputs, intervals_hours: list[float], *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
) -> list[MissCurvePoint]:
    """Typical-case P(miss) and worst-case latency for each interval (for charts)."""
    import numpy as np

    latency = simulate_latency(inputs, np.asarray(intervals_hours, dtype=float), samples=samples, seed=seed)
    misses = np.mean(latency > inputs.sla_hours, axis=1)
    worst = {i: worst_case_latency_hours(inputs, i) for i in intervals_hours}
    return [
        MissCurvePoint(interval_hours=float(i), miss_probability=float(m), worst_case_latency_hours=worst[i])
        for i, m in zip(intervals_hours, misses, strict=True)
    ]


def _fixes(inputs: SlaInputs, max_interval: float) -> tuple[str, ...]:
    w, r, d, m, s = (
        inputs.worst_case_hours,
        inputs.batch_rounds,
        inputs.downstream_hours,
        inputs.safety_margin_hours,
        inputs.sla_hours,
    )
    shortfall = -max_interval + min(CLOCK_FRIENDLY_INTERVALS_HOURS)
    fixes = [f"lengthen the SLA to at least {r * w + d + m + min(CLOCK_FRIENDLY_INTERVALS_HOURS):g} h"]
    if r > 1:
        fixes.append(
            f"cut sequential batch rounds from {r} to {max(1, math.floor((s - d - m - 0.25) / w))}: retry "
            "first-pass failures synchronously, or collapse client-side tool turns"
        )
    if d > 0:
        fixes.append(f"shorten downstream time ({d:g} h)")
    if m > 0 and shortfall <= m:
        fixes.append(f"accept a smaller safety margin (now {m:g} h)")
    fixes.append("keep this workflow synchronous, or send only its non-urgent share to batch")
    if inputs.kind == "hard":
        fixes.append("if occasional misses are acceptable, treat it as a soft SLA with a miss budget")
    return tuple(fixes)


def _worst_case_rounds(inputs: SlaInputs) -> int:
    """Batch rounds the worst case counts: `R`, plus one when expired requests go round again by batch."""
    return inputs.batch_rounds + (1 if inputs.expiry_route == "batch" else 0)


def _expiry_statement(inputs: SlaInputs) -> str:
    """How an item whose request expires unprocessed at `W` is still delivered, for the plan's assumptions."""
    w, m = inputs.worst_case_hours, inputs.safety_margin_hours
    if inputs.expiry_route == "batch":
        return (
            f"expiry: a request still unprocessed at {w:g} h expires with no result (not billed); it goes round once "
            f"more by batch, so the worst case counts {inputs.batch_rounds + 1} round(s)"
        )
    if m <= 0:
        return (
            f"expiry: a request still unprocessed at {w:g} h expires with no result; with no safety margin a "
            "synchronous rerun has no room, so the worst case does not cover expiry: keep a margin, or retry by batch"
        )
    return (
        f"expiry: a request still unprocessed at {w:g} h expires with no result (not billed); it is rerun "
        f"synchronously at once, which must finish inside the {m:g} h safety margin"
    )


def plan_submissions(
    inputs: SlaInputs, *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
) -> SlaPlan:
    """Maximum and recommended submission interval, feasibility with reasons, and typical-case risk."""
    r, w, d, m, s = (
        inputs.batch_rounds,
        inputs.worst_case_hours,
        inputs.downstream_hours,
        inputs.safety_margin_hours,
        inputs.sla_hours,
    )
    r = _worst_case_rounds(inputs)
    i_max = s - r * w - d - m
    # with later rounds at the next window, a long interval also delays every later round: check each
    fitting = [i for i in CLOCK_FRIENDLY_INTERVALS_HOURS if i <= i_max and worst_case_latency_hours(inputs, i) + m <= s]
    worst_ok = bool(fitting)
    assumptions: tuple[str, ...] = (
        f"worst case: every batch round takes the full {w:g} h (the API's guarantee), {r} round(s) per item",
        f"downstream {d:g} h, safety margin {m:g} h",
        f"typical turnaround: lognormal with median {inputs.median_processing_hours:g} h and p90 "
        f"{inputs.p90_processing_hours:g} h, capped at {w:g} h; "
        f"{formatting.probability(inputs.expired_share)} expire and go again",
        "arrivals spread evenly over each interval; an item waits for the next submission",
        "later rounds (batch retries, tool turns) and expired requests are resubmitted at the next scheduled "
        "submission after the previous round ends"
        if inputs.resubmit_at == "next_window"
        else "later rounds and expired requests are resubmitted the instant the previous round ends (optimistic: "
        "a scheduled job resubmits at its next window)",
        f"batches split at {MAX_REQUESTS_PER_BATCH:,} requests or {MAX_BATCH_BYTES // 2**20} MB; "
        f"average request {inputs.avg_request_bytes:,.0f} bytes",
        _expiry_statement(inputs),
    )
    if inputs.p90_processing_hours < inputs.median_processing_hours:
        assumptions += (
            f"p90 turnaround ({inputs.p90_processing_hours:g} h) is below the median "
            f"({inputs.median_processing_hours:g} h): every round is taken to last the median; "
            "raise the p90 to at least the median",
        )

    recommended: float | None = None
    typical: TypicalCase | None = None
    if worst_ok:
        recommended = fitting[0]
        reason = (
            f"feasible: with {r} round(s) of up to {w:g} h, {d:g} h downstream and {m:g} h margin, "
            f"a {s:g} h SLA leaves up to {i_max:g} h between submissions"
        )
    else:
        room = (  # never a negative interval in words: it reads beside "feasible" for a soft SLA
            f"leaves {i_max:g} h for the submission interval, less than the shortest window "
            f"({min(CLOCK_FRIENDLY_INTERVALS_HOURS):g} h), against a {s:g} h SLA"
            if i_max > 0
            else f"is {-i_max:g} h more than a {s:g} h SLA allows, so no submission interval fits"
            if i_max < 0
            else f"uses the whole {s:g} h SLA, so no submission interval fits"
        )
        reason = (
            f"not guaranteed: {r} round(s) × {w:g} h worst case + {d:g} h downstream + {m:g} h margin = "
            f"{r * w + d + m:g} h {room}"
        )
        shortest = min(CLOCK_FRIENDLY_INTERVALS_HOURS)
        if i_max >= shortest:
            reason = (
                f"not guaranteed: later rounds wait for the next submission, so even {shortest:g} h windows give a "
                f"worst case of {worst_case_latency_hours(inputs, shortest) + m:g} h with the {m:g} h margin, "
                f"against a {s:g} h SLA"
            )
        if inputs.kind == "soft":
            # a soft SLA accepts a miss budget: take the longest interval whose typical-case risk fits it
            curve = miss_curve(inputs, list(CLOCK_FRIENDLY_INTERVALS_HOURS), samples=samples, seed=seed)
            for point in curve:
                if point.miss_probability <= inputs.max_miss_probability:
                    recommended = point.interval_hours
                    break
            budget = formatting.probability(inputs.max_miss_probability)
            if recommended is not None:
                reason += (
                    f"; as a soft SLA it meets the {budget} miss budget with {formatting.hours(recommended)} "
                    "windows in the typical case (the longest window within the budget)"
                )
            else:
                reason += f"; even 15-minute windows miss more than {budget} of items"

    interval = inputs.interval_hours or recommended
    if interval is not None:
        typical = _typical(inputs, interval, samples, seed)
        feasible = worst_ok if inputs.kind == "hard" else typical.miss_probability <= inputs.max_miss_probability
        too_long = False
        if inputs.interval_hours is not None and inputs.kind == "hard":
            feasible = worst_ok and worst_case_latency_hours(inputs, inputs.interval_hours) + m <= s
            too_long = worst_ok and not feasible
            if too_long:
                reason = (
                    f"the chosen {inputs.interval_hours:g} h interval is longer than the {i_max:g} h maximum: "
                    f"worst-case latency would be {worst_case_latency_hours(inputs, inputs.interval_hours):g} h"
                )
        per_submission = inputs.requests_per_day * interval / 24.0
        return SlaPlan(
            feasible=feasible,
            worst_case_feasible=worst_ok,
            reason=reason,
            fixes=(
                ()
                if feasible
                else (f"submit at least every {recommended:g} h (the recommended interval; at most {i_max:g} h)",)
                if too_long and recommended is not None
                else _fixes(inputs, i_max)
            ),
            max_interval_hours=i_max,
            recommended_interval_hours=recommended,
            interval_hours=interval,
            submissions_per_day=24.0 / interval,
            requests_per_submission=per_submission,
            batches_per_submission=batches_for(per_submission, inputs.avg_request_bytes),
            worst_case_latency_hours=worst_case_latency_hours(inputs, interval),
            typical=typical,
            assumptions=assumptions,
        )
    return SlaPlan(
        feasible=False,
        worst_case_feasible=False,
        reason=reason,
        fixes=_fixes(inputs, i_max),
        max_interval_hours=i_max,
        recommended_interval_hours=None,
        interval_hours=None,
        submissions_per_day=None,
        requests_per_submission=None,
        batches_per_submission=None,
        worst_case_latency_hours=None,
        typical=None,
        assumptions=assumptions,
    )


# ---------------------------------------------------------------- chart data (pure; the pages draw it)


class LatencyHistogram(StrictModel):
    """Simulated arrival → usable latency at one interval, binned for a chart."""

    centres_hours: tuple[float, ...]
    """Bin centres [h]."""
    shares: tuple[float, ...]
    """Share of items per bin [share]."""
    width_hours: float
    """Bin width [h]."""
    beyond_share: float
    """Share of items past the axis (the axis ends past the SLA and the p99) [share]."""


def latency_histogram_of(latency: Any, sla_hours: float, *, bins: int = 60) -> LatencyHistogram:
    """Bin simulated latencies [h]; the axis ends past the SLA and the p99 so a 24 h expiry tail does not
    squash the body."""
    import numpy as np

    p99 = float(np.percentile(latency, 99))
    upper = max(p99 * 1.15, sla_hours * 1.05)
    counts, edges = np.histogram(latency, bins=bins, range=(0.0, upper))
    return LatencyHistogram(
        centres_hours=tuple(((edges[:-1] + edges[1:]) / 2).tolist()),
        shares=tuple((counts / latency.size).tolist()),
        width_hours=float(edges[1] - edges[0]),
        beyond_share=float(np.mean(latency > upper)),
    )


def typical_case_charts(
    inputs: SlaInputs, interval_hours: float | None, *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
) -> tuple[list[MissCurvePoint], LatencyHistogram | None]:
    """P(miss) at every clock-friendly interval and the latency histogram at `interval_hours`, from one
    simulation (the same draws as `plan_submissions`, so the curve passes through the plan's P(miss))."""
    import numpy as np

    grid = sorted(CLOCK_FRIENDLY_INTERVALS_HOURS)
    extra = interval_hours is not None and interval_hours not in grid
    intervals = [*grid, interval_hours] if extra and interval_hours is not None else grid
    latency = simulate_latency(inputs, np.asarray(intervals, dtype=float), samples=samples, seed=seed)
    misses = np.mean(latency > inputs.sla_hours, axis=1)
    points = [
        MissCurvePoint(
            interval_hours=float(i),
            miss_probability=float(m),
            worst_case_latency_hours=worst_case_latency_hours(inputs, i),
        )
        for i, m in zip(grid, misses[: len(grid)], strict=True)
    ]
    if interval_hours is None:
        return points, None
    return points, latency_histogram_of(latency[intervals.index(interval_hours)], inputs.sla_hours)


class TimelineBar(StrictModel):
    """One submission on the timeline, in hours since the first arrival [h]."""

    submission: int
    """1-based submission number."""
    collect_start_hours: float
    """When its oldest item arrived [h]."""
    submit_hours: float
    """When it is submitted [h]."""
    worst_done_hours: float
    """Worst-case usable time: submit + R·W + D [h]."""
    deadline_hours: float
    """SLA deadline of its oldest item: collect start + S [h]."""

    @property
    def meets_sla(self) -> bool:
        """Whether the worst case lands by the deadline."""
        return self.worst_done_hours <= self.deadline_hours + 1e-9


def timeline(inputs: SlaInputs, interval_hours: float, *, horizon_hours: float = 48.0) -> list[TimelineBar]:
    """Submissions in the first `horizon_hours` [h]: each collects one interval of arrivals, then waits R·W + D."""
    if interval_hours <= 0:
        raise ValueError(f"interval_hours must be positive, got {interval_hours!r}")
    worst = inputs.batch_rounds * inputs.worst_case_hours + inputs.downstream_hours
    count = max(1, math.floor(horizon_hours / interval_hours + 1e-9))
    return [
        TimelineBar(
            submission=k,
            collect_start_hours=(k - 1) * interval_hours,
            submit_hours=k * interval_hours,
            worst_done_hours=k * interval_hours + worst,
            deadline_hours=(k - 1) * interval_hours + inputs.sla_hours,
        )
        for k in range(1, count + 1)
    ]
