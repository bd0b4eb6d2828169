"""Sync vs batch spend for a workflow, after resubmissions, overheads and the cost of waiting.

Glossary (per request unless stated):
- `C_sync`, `C_batch`: cost of one attempt on each API [USD]
- `s`: first-pass success rate [share]; `f`: billed share of a failed attempt [share]
- `β = s + (1−s)·f`: expected billed share of an attempt [share]
- `A`: batch rounds in total before the rest go sync (route `sync`: A = 1) [rounds]

    sync_item  = C_sync                      (or C_sync·β/s when failures_on_sync_too)
    batch_item = C_batch·β·Σ_{k<A}(1−s)^k + (1−s)^A · sync_item

Monthly: N·item + fixed overheads + cost of waiting. Every function here accepts floats;
`expected_item_costs` also accepts numpy arrays elementwise (what-if sweeps, usage import).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from costmodel._base import StrictModel
from costmodel.prices import ModelPricing, PriceSource
from costmodel.workflow import Workflow

__all__ = [
    "FORMULAS",
    "BreakEven",
    "Comparison",
    "RequestCosts",
    "WaterfallStep",
    "break_even_success_rate",
    "compare",
    "expected_item_costs",
    "net_savings_per_month_usd",
    "request_costs",
    "savings_curve",
]

MONTHS_PER_YEAR = 12


def expected_item_costs(
    c_sync: Any,
    c_batch: Any,
    *,
    success_rate: Any,
    billed_failure_share: Any,
    retry_route: Literal["sync", "batch"] = "sync",
    max_batch_rounds: Any = 1,
    failures_on_sync_too: bool = False,
) -> tuple[Any, Any]:
    """Expected cost of one item until it has a usable result: (sync_item, batch_item) [USD].

    Floats or numpy arrays (elementwise). `success_rate` must be in (0, 1].
    """
    s = success_rate
    f = billed_failure_share
    beta = s + (1 - s) * f
    # `+ 0 * s` broadcasts the sync cost to the shape of a success-rate sweep
    sync_item = c_sync * beta / s if failures_on_sync_too else c_sync + 0 * s
    rounds = max_batch_rounds if retry_route == "batch" else 1
    fail = 1 - s
    # Σ_{k<A}(1−s)^k = (1 − (1−s)^A) / s, valid for s in (0, 1]
    attempts = (1 - fail**rounds) / s
    batch_item = c_batch * beta * attempts + fail**rounds * sync_item
    return sync_item, batch_item


class RequestCosts(StrictModel):
    """Cost of one attempt of one request on each API, split by token type."""

    sync_usd: float
    """One synchronous attempt [USD]."""
    batch_usd: float
    """One batch attempt [USD]."""
    sync_uncached_input_usd: float
    """Sync: uncached input part [USD]."""
    sync_cache_usd: float
    """Sync: cache writes + reads [USD]."""
    sync_output_usd: float
    """Sync: output part [USD]."""
    batch_uncached_input_usd: float
    """Batch: uncached input part [USD]."""
    batch_cache_usd: float
    """Batch: cache writes + reads [USD]."""
    batch_output_usd: float
    """Batch: output part [USD]."""


def _cache_split(workflow: Workflow, api: Literal["sync", "batch"]) -> dict[str, float]:
    """Token counts per request by type, from the cacheable prefix and the API's hit rate."""
    prefix = workflow.cached_input_tokens
    hit = workflow.cache_hit_rate if api == "sync" else workflow.batch_cache_hit_rate
    ttl = workflow.sync_cache_ttl if api == "sync" else workflow.batch_cache_ttl
    writes = (1 - hit) * prefix
    return {
        "uncached_input_tokens": workflow.input_tokens - prefix,
        "cache_read_tokens": hit * prefix,
        "cache_write_5m_tokens": writes if ttl == "5m" else 0.0,
        "cache_write_1h_tokens": writes if ttl == "1h" else 0.0,
    }


def request_costs(workflow: Workflow, pricing: ModelPricing) -> RequestCosts:
    """`C_sync` and `C_batch`: one attempt of the workflow's average request on each API."""
    parts: dict[str, float] = {}
    for api in ("sync", "batch"):
        tokens = _cache_split(workflow, api)
        total = pricing.request_cost_usd(api, output_tokens=workflow.output_tokens, **tokens)
        uncached = pricing.request_cost_usd(
            api, uncached_input_tokens=tokens["uncached_input_tokens"], output_tokens=0.0
        )
        output = pricing.request_cost_usd(api, uncached_input_tokens=0.0, output_tokens=workflow.output_tokens)
        if pricing.long_context is not None and workflow.input_tokens > pricing.long_context.threshold_input_tokens:
            # the cliff tier applies to every token of a long request: price the parts at tier rates
            p = pricing.prices_for(api, workflow.input_tokens)
            uncached = tokens["uncached_input_tokens"] * p.input_usd_per_mtok / 1e6
            output = workflow.output_tokens * p.output_usd_per_mtok / 1e6
        parts[f"{api}_usd"] = float(total)
        parts[f"{api}_uncached_input_usd"] = float(uncached)
        parts[f"{api}_output_usd"] = float(output)
        parts[f"{api}_cache_usd"] = float(total - uncached - output)
    return RequestCosts(**parts)


class WaterfallStep(StrictModel):
    """One bar of the sync → batch bridge."""

    label: str
    """What the step is."""
    amount_usd: float
    """Signed change per month (the first and last bars are totals) [USD/month]."""
    kind: Literal["total", "relative"]
    """`total` bars stand on zero; `relative` bars add to the running total."""


class BreakEven(StrictModel):
    """Where net savings cross zero as the first-pass success rate varies in (0, 1]."""

    success_rate: float | None
    """The `s` where net savings reach 0, when there is one [share]."""
    status: Literal["crosses", "always_pays", "never_pays"]
    """`always_pays`: batch saves at every s in (0, 1]; `never_pays`: at none."""
    statement: str
    """The result in words."""


class Comparison(StrictModel):
    """Sync vs batch for one workflow, per month, with everything needed to trace it."""

    workflow_name: str
    """Workflow label."""
    model_id: str
    """Model priced."""
    requests_per_month: float
    """Volume N [requests/month]."""
    request_costs: RequestCosts
    """One attempt on each API."""
    sync_item_usd: float
    """Expected sync cost per item [USD]."""
    batch_item_usd: float
    """Expected batch cost per item, resubmissions included [USD]."""
    sync_cost_per_month_usd: float
    """Sync total [USD/month]."""
    batch_tokens_per_month_usd: float
    """Batch token spend incl. resubmissions [USD/month]."""
    batch_first_pass_per_month_usd: float
    """Batch token spend if every first pass succeeded (N·C_batch) [USD/month]."""
    resubmission_cost_per_month_usd: float
    """Extra spend for failed first passes (batch rounds + sync fallback) [USD/month]."""
    overhead_per_month_usd: float
    """Refinement (amortised) + operations [USD/month]."""
    waiting_cost_per_month_usd: float
    """Cost of extra latency [USD/month]."""
    batch_cost_per_month_usd: float
    """Batch total: tokens + overheads + waiting [USD/month]."""
    net_savings_per_month_usd: float
    """Sync total − batch total [USD/month]."""
    savings_share: float
    """Net savings / sync total (0 when sync costs nothing) [share]."""
    sync_cost_per_year_usd: float
    """Sync total × 12 [USD/year]."""
    batch_cost_per_year_usd: float
    """Batch total × 12 [USD/year]."""
    net_savings_per_year_usd: float
    """Net savings × 12 [USD/year]."""
    break_even: BreakEven
    """Break-even first-pass success rate."""
    waterfall: tuple[WaterfallStep, ...]
    """Sync spend → discount → resubmissions → overheads → waiting → batch spend."""
    assumptions: tuple[str, ...]
    """Every assumption behind the figures, in words."""
    price_source: PriceSource
    """Where the prices came from."""
    formulas: tuple[str, ...] = Field(default=())
    """The formulas behind the headline numbers."""


def _monthly(
    workflow: Workflow, c_sync: float, c_batch: float, success_rate: Any
) -> tuple[Any, Any, Any, Any, Any, Any]:
    """(sync item, batch item, sync total, batch tokens, overhead, waiting) per month, for a success rate.

    `success_rate` may be a float or a numpy array (break-even scans).
    """
    sync_item, batch_item = expected_item_costs(
        c_sync,
        c_batch,
        success_rate=success_rate,
        billed_failure_share=workflow.billed_failure_share,
        retry_route=workflow.retry_route,
        max_batch_rounds=workflow.max_batch_rounds,
        failures_on_sync_too=workflow.failures_on_sync_too,
    )
    n = workflow.monthly_requests
    overhead = workflow.hourly_rate_usd * (
        workflow.refinement_hours / workflow.amortize_months + workflow.ops_hours_per_month
    )
    waiting = n * workflow.delay_cost_per_item_hour_usd * workflow.batch_wait_hours
    return sync_item, batch_item, n * sync_item, n * batch_item, overhead, waiting


def net_savings_per_month_usd(workflow: Workflow, c_sync: float, c_batch: float, success_rate: Any) -> Any:
    """Sync total − batch total per month at a given success rate (float or numpy array) [USD/month]."""
    _, _, sync_total, batch_tokens, overhead, waiting = _monthly(workflow, c_sync, c_batch, success_rate)
    return sync_total - (batch_tokens + overhead + waiting)


def break_even_success_rate(workflow: Workflow, c_sync: float, c_batch: float) -> BreakEven:
    """The first-pass success rate where net savings reach 0, by bisection on (0, 1].

    Scans a grid first so a non-monotone curve (failures_on_sync_too with batch retries)
    still yields the highest crossing: the rate below which batch stops paying.
    """
    import numpy as np  # one vectorised pass over the grid instead of 401 scalar evaluations

    lo_bound = 1e-6
    grid_array = lo_bound + (1 - lo_bound) * np.arange(401) / 400
    grid = [float(g) for g in grid_array]
    values = [float(v) for v in net_savings_per_month_usd(workflow, c_sync, c_batch, grid_array)]
    tol = 1e-9 * max(1.0, abs(values[-1]))
    if all(v >= -tol for v in values):
        return BreakEven(
            success_rate=None,
            status="always_pays",
            statement="batch saves money at every first-pass success rate in (0, 1]",
        )
    if all(v < -tol for v in values):
        return BreakEven(
            success_rate=None,
            status="never_pays",
            statement="batch costs more than sync even at a 100 % first-pass success rate",
        )
    # the highest bracket where the sign changes; "pays" uses the same tolerance as the checks above,
    # or a value in [-tol, 0) would pass them and then leave no bracket to find
    for i in range(len(grid) - 1, 0, -1):
        if (values[i - 1] < -tol) != (values[i] < -tol):
            lo, hi = grid[i - 1], grid[i]
            f_lo = values[i - 1]
            pays_above = values[i] >= -tol
            break
    for _ in range(100):
        mid = (lo + hi) / 2
        f_mid = float(net_savings_per_month_usd(workflow, c_sync, c_batch, mid))
        if (f_mid < -tol) == (f_lo < -tol):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    s = (lo + hi) / 2
    # with failures on sync too and batch retries, savings can rise as s falls: then batch pays only below s
    statement = (
        f"batch pays while the first-pass success rate stays above {s:.1%}"
        if pays_above
        else f"batch pays only while the first-pass success rate stays below {s:.1%}"
    )
    return BreakEven(success_rate=s, status="crosses", statement=statement)


def _assumptions(workflow: Workflow, pricing: ModelPricing) -> tuple[str, ...]:
    w = workflow
    notes = [
        f"model {pricing.display_name} ({pricing.model_id}); prices: {pricing.source.label()}",
        (
            f"batch prices are the published batch rates ({pricing.batch_discount:.0%} off)"
            if pricing.batch_rate_published
            else f"no published batch rate: batch = standard × {1 - pricing.batch_discount:g} (assumed discount)"
        ),
        f"volume {w.monthly_requests:,.0f} requests/month"
        + (f" ({w.requests_per_day:,.0f}/day × {w.days_per_month:g} days)" if w.requests_per_day is not None else ""),
        f"per request: {w.input_tokens:,.0f} input tokens ({w.cached_input_tokens:,.0f} cacheable), "
        f"{w.output_tokens:,.0f} output tokens",
        f"cache hit rate {w.cache_hit_rate:.0%} sync ({w.sync_cache_ttl} TTL), "
        f"{w.batch_cache_hit_rate:.0%} batch ({w.batch_cache_ttl} TTL)",
        f"first-pass success rate {w.success_rate:.1%}; failed attempts billed at {w.billed_failure_share:.0%}",
        (
            "first-pass failures rerun synchronously"
            if w.retry_route == "sync"
            else f"failures resubmitted by batch for up to {w.max_batch_rounds} rounds in total, the rest sync"
        ),
        (
            "sync fails as often and retries until success"
            if w.failures_on_sync_too
            else "sync baseline is one clean pass (resubmissions are charged to batch)"
        ),
    ]
    if pricing.long_context is not None and w.input_tokens > pricing.long_context.threshold_input_tokens:
        notes.append(
            f"long-context prices apply: input above {pricing.long_context.threshold_input_tokens:,} tokens"
        )
    if w.hourly_rate_usd and (w.refinement_hours or w.ops_hours_per_month):
        notes.append(
            f"overheads at ${w.hourly_rate_usd:,.0f}/h: {w.refinement_hours:g} h refinement over "
            f"{w.amortize_months:g} months, {w.ops_hours_per_month:g} h/month operations"
        )
    if w.delay_cost_per_item_hour_usd:
        notes.append(
            f"waiting costs ${w.delay_cost_per_item_hour_usd:g} per item-hour × {w.batch_wait_hours:g} h extra latency"
        )
    return tuple(notes)


FORMULAS = (
    "β = s + (1 − s)·f",
    "sync_item = C_sync (or C_sync·β/s when failures happen on sync too)",
    "batch_item = C_batch·β·Σ_{k<A}(1 − s)^k + (1 − s)^A·sync_item",
    "sync total = N·sync_item",
    "batch total = N·batch_item + rate·(refinement h / amortise months + ops h/month) + N·delay $/item-h·wait h",
    "net savings = sync total − batch total; savings share = net savings / sync total",
)


def compare(workflow: Workflow, pricing: ModelPricing) -> Comparison:
    """Sync vs batch for one workflow per month and year, with the break-even success rate."""
    rc = request_costs(workflow, pricing)
    c_sync, c_batch = rc.sync_usd, rc.batch_usd
    sync_item, batch_item, sync_total, batch_tokens, overhead, waiting = _monthly(
        workflow, c_sync, c_batch, workflow.success_rate
    )
    n = workflow.monthly_requests
    batch_total = batch_tokens + overhead + waiting
    net = sync_total - batch_total
    first_pass = n * c_batch
    discount = sync_total - first_pass
    resubmissions = batch_tokens - first_pass
    waterfall = (
        WaterfallStep(label="Sync spend", amount_usd=sync_total, kind="total"),
        WaterfallStep(label="Batch discount", amount_usd=-discount, kind="relative"),
        WaterfallStep(label="Resubmissions", amount_usd=resubmissions, kind="relative"),
        WaterfallStep(label="Overheads", amount_usd=overhead, kind="relative"),
        WaterfallStep(label="Cost of waiting", amount_usd=waiting, kind="relative"),
        WaterfallStep(label="Batch spend", amount_usd=batch_total, kind="total"),
    )
    return Comparison(
        workflow_name=workflow.name,
        model_id=pricing.model_id,
        requests_per_month=n,
        request_costs=rc,
        sync_item_usd=float(sync_item),
        batch_item_usd=float(batch_item),
        sync_cost_per_month_usd=sync_total,
        batch_tokens_per_month_usd=batch_tokens,
        batch_first_pass_per_month_usd=first_pass,
        resubmission_cost_per_month_usd=resubmissions,
        overhead_per_month_usd=overhead,
        waiting_cost_per_month_usd=waiting,
        batch_cost_per_month_usd=batch_total,
        net_savings_per_month_usd=net,
        savings_share=net / sync_total if sync_total > 0 else 0.0,
        sync_cost_per_year_usd=sync_total * MONTHS_PER_YEAR,
        batch_cost_per_year_usd=batch_total * MONTHS_PER_YEAR,
        net_savings_per_year_usd=net * MONTHS_PER_YEAR,
        break_even=break_even_success_rate(workflow, c_sync, c_batch),
        waterfall=waterfall,
        assumptions=_assumptions(workflow, pricing),
        price_source=pricing.source,
        formulas=FORMULAS,
    )


def savings_curve(
    workflow: Workflow, pricing: ModelPricing, *, points: int = 101
) -> tuple[list[float], list[float]]:
    """Net savings per month against first-pass success rate on (0, 1] (for charts) [share], [USD/month]."""
    rc = request_costs(workflow, pricing)
    rates = [max(1e-3, i / (points - 1)) for i in range(points)]
    return rates, [float(net_savings_per_month_usd(workflow, rc.sync_usd, rc.batch_usd, s)) for s in rates]
