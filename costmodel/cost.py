"""Sync vs batch spend for a workflow, after resubmissions, overheads and the cost of waiting.

Glossary (per request unless stated):
- `C_sync`, `C_batch`: cost of one attempt on each API [USD]: tokens (tool system prompt added to input,
  thinking billed as output, `inference_geo` and fast-mode prices applied) + per-use fees (web search, code
  execution), with each API's cheapest caching strategy at its hit rate
- `K`: steps per item (tool turns or pipeline stages), each one request [requests/item]
- `s`: first-pass success rate [share]; `f`: billed share of a failed attempt [share]
- `β = s + (1−s)·f`: expected billed share of an attempt [share]
- `A`: batch rounds in total before the rest go sync (route `sync`: A = 1) [rounds]

    sync_item  = C_sync                      (or C_sync·β/s when failures_on_sync_too)
    batch_item = C_batch·β·Σ_{k<A}(1−s)^k + (1−s)^A · sync_item

Monthly cash: N·K·item + fixed overheads − free code-execution hours. The cost of waiting is not cash: it is
its own figure, and the verdict weighs the net benefit = cash savings − waiting. Every function here accepts
floats; `expected_item_costs` also accepts numpy arrays elementwise (what-if sweeps, usage import).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from costmodel import formatting as fmt
from costmodel._base import Api, StrictModel
from costmodel.limits import (
    BATCH_OUTPUT_BETA,
    CODE_EXECUTION_FREE_HOURS_PER_MONTH,
    CODE_EXECUTION_MIN_HOURS,
    CODE_EXECUTION_USD_PER_HOUR,
    INFERENCE_GEO_MULTIPLIERS,
    MODIFIERS_AS_OF,
    TOOL_SYSTEM_PROMPT_TOKENS,
    WEB_SEARCH_USD_PER_USE,
)
from costmodel.prices import ModelPricing, PriceSource
from costmodel.workflow import Workflow

__all__ = [
    "FORMULAS",
    "BreakEven",
    "CachingChoice",
    "Comparison",
    "RequestCosts",
    "WaterfallStep",
    "break_even_success_rate",
    "compare",
    "effective_pricing",
    "expected_item_costs",
    "monthly_figures",
    "net_benefit_per_month_usd",
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


CacheStrategy = Literal["none", "5m", "1h"]
CACHE_STRATEGIES: tuple[CacheStrategy, ...] = ("none", "5m", "1h")
CACHE_TIE_USD = 1e-12
"""Per-request prefix costs within this of the cheapest are a tie for `auto` caching: no caching wins, then the
shorter TTL (a saving below a millionth of a micro-dollar per request is float noise, not a reason to cache) [USD]."""


class CachingChoice(StrictModel):
    """How one API's cacheable prefix is priced: the strategy chosen and what each would cost."""

    strategy: CacheStrategy
    """`none` (prefix billed as plain input), `5m` or `1h` (cache writes with that TTL on misses)."""
    chosen_by: Literal["cheapest", "user"]
    """`cheapest` when the workflow asked for `auto`, else the user's pick."""
    hit_rate: float
    """Share of requests whose prefix is a cache hit, under a caching strategy [share]."""
    hit_rate_assumed: bool
    """True when the hit rate is the labelled default, not a measured or entered figure."""
    token_cost_usd: dict[str, float]
    """Tokens of one request under each strategy (none, 5m, 1h) [USD]."""
    break_even_hit_rate: dict[str, float | None]
    """Per TTL: the hit rate above which caching beats no caching (None: never, e.g. no prefix) [share]."""


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
    """Batch: output part, thinking included [USD]."""
    sync_fees_usd: float = 0.0
    """Sync: per-use fees (web search, code execution before free hours) [USD]."""
    batch_fees_usd: float = 0.0
    """Batch: per-use fees, at the same price as sync (no batch discount) [USD]."""
    sync_caching: CachingChoice | None = None
    """The sync caching strategy priced, with the alternatives."""
    batch_caching: CachingChoice | None = None
    """The batch caching strategy priced, with the alternatives and the hit rate above which caching pays."""


def _prefix_tokens(workflow: Workflow, api: Api, strategy: CacheStrategy) -> dict[str, float]:
    """Token counts per request by type, for one caching strategy (tool system prompt in uncached input)."""
    prefix = workflow.cached_input_tokens
    uncached = workflow.input_tokens - prefix + TOOL_SYSTEM_PROMPT_TOKENS.get(workflow.tool_choice, 0)
    if strategy == "none" or prefix == 0:
        return {"uncached_input_tokens": uncached + prefix, "cache_read_tokens": 0.0,
                "cache_write_5m_tokens": 0.0, "cache_write_1h_tokens": 0.0}  # fmt: skip
    hit = workflow.cache_hit_rate if api == "sync" else workflow.batch_cache_hit_rate
    writes = (1 - hit) * prefix
    return {
        "uncached_input_tokens": uncached,
        "cache_read_tokens": hit * prefix,
        "cache_write_5m_tokens": writes if strategy == "5m" else 0.0,
        "cache_write_1h_tokens": writes if strategy == "1h" else 0.0,
    }


def _caching_choice(workflow: Workflow, pricing: ModelPricing, api: Api) -> CachingChoice:
    """Each strategy's prefix cost; `auto` takes the cheapest (ties go to no caching, then the shorter TTL)."""
    requested = workflow.sync_cache_ttl if api == "sync" else workflow.batch_cache_ttl
    hit = workflow.cache_hit_rate if api == "sync" else workflow.batch_cache_hit_rate
    out = workflow.billed_output_tokens
    token_cost = {
        s: float(pricing.request_cost_usd(api, output_tokens=out, **_prefix_tokens(workflow, api, s)))
        for s in CACHE_STRATEGIES
    }
    p = pricing.prices_for(api, workflow.input_tokens + TOOL_SYSTEM_PROMPT_TOKENS.get(workflow.tool_choice, 0))
    break_even: dict[str, float | None] = {}
    for ttl, write in (("5m", p.cache_write_5m_usd_per_mtok), ("1h", p.cache_write_1h_usd_per_mtok)):
        # a miss pays the write, a hit the read; caching pays where (1−h)·write + h·read < input
        gain, span = write - p.input_usd_per_mtok, write - p.cache_read_usd_per_mtok
        break_even[ttl] = (
            None if workflow.cached_input_tokens == 0 or span <= 0 else min(1.0, max(0.0, gain / span))
        )
    if requested == "auto":
        cheapest = min(token_cost.values())
        strategy = next(s for s in CACHE_STRATEGIES if token_cost[s] <= cheapest + CACHE_TIE_USD)
    else:
        strategy = requested
    return CachingChoice(
        strategy=strategy,
        chosen_by="cheapest" if requested == "auto" else "user",
        hit_rate=hit,
        hit_rate_assumed=api == "batch" and workflow.batch_cache_hit_rate_assumed,
        token_cost_usd=token_cost,
        break_even_hit_rate=break_even,
    )


def effective_pricing(workflow: Workflow, pricing: ModelPricing) -> ModelPricing:
    """The prices this workflow pays: fast-mode sync prices, `inference_geo` multiplier on every token price.

    Fast mode applies across the whole context window (no long-context tier on sync); it is never
    available in batches, so batch keeps standard prices.
    """
    geo = INFERENCE_GEO_MULTIPLIERS[workflow.inference_geo]
    if geo == 1.0 and workflow.speed == "standard":
        return pricing
    sync = pricing.fast if workflow.speed == "fast" and pricing.fast is not None else pricing.sync
    tier = pricing.long_context
    if tier is not None:
        tier = tier.model_copy(
            update={
                "sync": (sync if workflow.speed == "fast" else tier.sync).scaled(geo),
                "batch": tier.batch.scaled(geo),
            }
        )
    return pricing.model_copy(
        update={"sync": sync.scaled(geo), "batch": pricing.batch.scaled(geo), "long_context": tier}
    )


def _code_execution_hours(workflow: Workflow) -> float:
    """Billed container hours per request: 5-minute minimum per use; free alongside web search [h]."""
    hours = workflow.code_execution_hours_per_request
    if hours <= 0 or workflow.web_searches_per_request > 0:
        return 0.0
    return max(hours, CODE_EXECUTION_MIN_HOURS)


def _fees_usd(workflow: Workflow) -> float:
    """Per-use fees of one request at list price, before free hours: no batch discount, no geo multiplier [USD]."""
    return (
        workflow.web_searches_per_request * WEB_SEARCH_USD_PER_USE
        + _code_execution_hours(workflow) * CODE_EXECUTION_USD_PER_HOUR
    )


def request_costs(workflow: Workflow, pricing: ModelPricing) -> RequestCosts:
    """`C_sync` and `C_batch`: one attempt of the workflow's average request on each API.

    `pricing` is the catalog's; fast mode and `inference_geo` are applied here (see `effective_pricing`).
    """
    pricing = effective_pricing(workflow, pricing)
    out = workflow.billed_output_tokens
    fees = _fees_usd(workflow)
    parts: dict[str, Any] = {}
    for api in ("sync", "batch"):
        choice = _caching_choice(workflow, pricing, api)
        tokens = _prefix_tokens(workflow, api, choice.strategy)
        total = pricing.request_cost_usd(api, output_tokens=out, **tokens)
        uncached = pricing.request_cost_usd(
            api, uncached_input_tokens=tokens["uncached_input_tokens"], output_tokens=0.0
        )
        output = pricing.request_cost_usd(api, uncached_input_tokens=0.0, output_tokens=out)
        total_input = sum(tokens.values())
        if pricing.long_context is not None and total_input > pricing.long_context.threshold_input_tokens:
            # the cliff tier applies to every token of a long request: price the parts at tier rates
            p = pricing.prices_for(api, total_input)
            uncached = tokens["uncached_input_tokens"] * p.input_usd_per_mtok / 1e6
            output = out * p.output_usd_per_mtok / 1e6
        parts[f"{api}_usd"] = float(total) + fees
        parts[f"{api}_uncached_input_usd"] = float(uncached)
        parts[f"{api}_output_usd"] = float(output)
        cached = any(v for k, v in tokens.items() if k != "uncached_input_tokens")
        # without cache tokens the remainder is float noise (5e-18), not a cache cost
        parts[f"{api}_cache_usd"] = float(total - uncached - output) if cached else 0.0
        parts[f"{api}_fees_usd"] = fees
        parts[f"{api}_caching"] = choice
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
    """Volume N: items per month [items/month]."""
    steps_per_item: int = 1
    """K: requests per item (tool turns or pipeline stages), each billed [requests/item]."""
    request_costs: RequestCosts
    """One attempt of one request on each API."""
    sync_item_usd: float
    """Expected sync cost per item, all steps [USD]."""
    batch_item_usd: float
    """Expected batch cost per item, all steps, resubmissions included [USD]."""
    sync_cost_per_month_usd: float
    """Sync cash total, net of free code-execution hours [USD/month]."""
    batch_tokens_per_month_usd: float
    """Batch cash for requests (tokens and per-use fees) incl. resubmissions, net of free hours [USD/month]."""
    batch_first_pass_per_month_usd: float
    """Batch request spend if every first pass succeeded (N·K·C_batch) [USD/month]."""
    resubmission_cost_per_month_usd: float
    """Extra spend for failed first passes (batch rounds + sync fallback) [USD/month]."""
    overhead_per_month_usd: float
    """Refinement (amortised) + operations [USD/month]."""
    waiting_cost_per_month_usd: float
    """Economic cost of extra latency, not cash: items × $/item-hour × wait hours [USD/month]."""
    batch_cost_per_month_usd: float
    """Batch cash total: requests (tokens, fees, resubmissions) + overheads; waiting excluded [USD/month]."""
    net_savings_per_month_usd: float
    """Cash savings: sync cash total − batch cash total [USD/month]."""
    net_benefit_per_month_usd: float = 0.0
    """What the verdict weighs: cash savings − cost of waiting [USD/month]."""
    savings_share: float
    """Cash savings / sync total (0 when sync costs nothing) [share]."""
    sync_cost_per_year_usd: float
    """12 × this month's sync total (no growth) [USD/year]."""
    batch_cost_per_year_usd: float
    """12 × this month's batch cash total (no growth) [USD/year]."""
    net_savings_per_year_usd: float
    """12 × this month's cash savings (no growth) [USD/year]."""
    break_even: BreakEven
    """Break-even first-pass success rate, on the net benefit (cash savings − waiting)."""
    waterfall: tuple[WaterfallStep, ...]
    """Sync spend → discount → resubmissions → overheads → batch spend (cash) → waiting → economic cost."""
    warnings: tuple[str, ...] = ()
    """What the reader must not miss: retired model, stale price data, fast mode, batch-only output."""
    assumptions: tuple[str, ...]
    """Every assumption behind the figures, in words."""
    price_source: PriceSource
    """Where the prices came from."""
    formulas: tuple[str, ...] = Field(default=())
    """The formulas behind the headline numbers."""


def _free_hours_credit_usd(container_hours_per_month: Any) -> Any:
    """Value of the free code-execution hours used by this many container hours a month [USD/month]."""
    free = CODE_EXECUTION_FREE_HOURS_PER_MONTH
    # min(hours, free) written so that it also works elementwise on numpy arrays
    used_free = (container_hours_per_month + free - abs(container_hours_per_month - free)) / 2
    return used_free * CODE_EXECUTION_USD_PER_HOUR


def monthly_figures(
    workflow: Workflow, c_sync: float, c_batch: float, success_rate: Any
) -> tuple[Any, Any, Any, Any, Any, Any]:
    """(sync item, batch item [USD]; sync total, batch requests, overhead, waiting [USD/month]) at a success rate.

    The monthly formula of `compare`, shared with the Monte Carlo (`uncertainty`), which feeds it arrays of
    draws through an unvalidated copy of the workflow. `c_sync`/`c_batch` are one attempt of one request [USD];
    an item makes K = `tool_turns` requests. Totals are cash, net of the free code-execution hours; waiting is
    the economic cost, kept apart. `success_rate` may be a float or a numpy array (break-even scans).
    """
    kwargs: dict[str, Any] = {
        "success_rate": success_rate,
        "billed_failure_share": workflow.billed_failure_share,
        "retry_route": workflow.retry_route,
        "max_batch_rounds": workflow.max_batch_rounds,
        "failures_on_sync_too": workflow.failures_on_sync_too,
    }
    k = workflow.tool_turns
    sync_item, batch_item = expected_item_costs(k * c_sync, k * c_batch, **kwargs)
    n = workflow.monthly_requests
    sync_total, batch_total = n * sync_item, n * batch_item
    hours = _code_execution_hours(workflow)
    if hours > 0:
        # expected container hours follow the attempts exactly as the cost does (the same formula on hours)
        sync_hours, batch_hours = expected_item_costs(k * hours, k * hours, **kwargs)
        sync_total = sync_total - _free_hours_credit_usd(n * sync_hours)
        batch_total = batch_total - _free_hours_credit_usd(n * batch_hours)
    overhead = workflow.hourly_rate_usd * (
        workflow.refinement_hours / workflow.amortize_months + workflow.ops_hours_per_month
    )
    waiting = n * workflow.delay_cost_per_item_hour_usd * workflow.batch_wait_hours
    return sync_item, batch_item, sync_total, batch_total, overhead, waiting


def net_benefit_per_month_usd(workflow: Workflow, c_sync: float, c_batch: float, success_rate: Any) -> Any:
    """Cash savings − cost of waiting per month at a given success rate (float or numpy array) [USD/month].

    What the verdict weighs: sync total − (batch requests + overheads) − waiting.
    """
    _, _, sync_total, batch_tokens, overhead, waiting = monthly_figures(workflow, c_sync, c_batch, success_rate)
    return sync_total - (batch_tokens + overhead) - waiting


def break_even_success_rate(workflow: Workflow, c_sync: float, c_batch: float) -> BreakEven:
    """The first-pass success rate where the net benefit (cash savings − waiting) reaches 0, by bisection on (0, 1].

    Scans a grid first so a non-monotone curve (failures_on_sync_too with batch retries)
    still yields the highest crossing: the rate below which batch stops paying.
    """
    import numpy as np  # one vectorised pass over the grid instead of 401 scalar evaluations

    lo_bound = 1e-6
    grid_array = lo_bound + (1 - lo_bound) * np.arange(401) / 400
    grid = [float(g) for g in grid_array]
    values = [float(v) for v in net_benefit_per_month_usd(workflow, c_sync, c_batch, grid_array)]
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
        f_mid = float(net_benefit_per_month_usd(workflow, c_sync, c_batch, mid))
        if (f_mid < -tol) == (f_lo < -tol):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    s = (lo + hi) / 2
    # with failures on sync too and batch retries, savings can rise as s falls: then batch pays only below s
    statement = (
        f"batch pays while the first-pass success rate stays above {fmt.share(s)}"
        if pays_above
        else f"batch pays only while the first-pass success rate stays below {fmt.share(s)}"
    )
    return BreakEven(success_rate=s, status="crosses", statement=statement)


def _caching_note(sync: CachingChoice | None, batch: CachingChoice | None) -> str:
    """One line: each API's caching strategy and the hit rates above which caching pays in batch."""
    if sync is None or batch is None:
        return ""
    label = {"none": "no caching", "5m": "5-minute cache", "1h": "1-hour cache"}

    def how(c: CachingChoice) -> str:
        return f"{label[c.strategy]} ({'cheapest at its hit rate' if c.chosen_by == 'cheapest' else 'as set'})"

    pays = ", ".join(
        f"{fmt.share(h)} ({ttl} TTL)" for ttl, h in batch.break_even_hit_rate.items() if h is not None and h < 1
    )
    return f"caching: sync {how(sync)}, batch {how(batch)}; caching pays in batch above a hit rate of {pays or 'never'}"


def _warnings(workflow: Workflow, pricing: ModelPricing) -> tuple[str, ...]:
    w = workflow
    notes: list[str] = []
    if pricing.retired:
        notes.append(
            f"{pricing.display_name} is retired: Anthropic no longer serves it; plan on a current model"
        )
    stale = pricing.source.stale_warning
    if stale:
        notes.append(stale)
    if w.speed == "fast":
        notes.append(
            "fast mode is not available in batches: the batch figures price the same work at standard speed, "
            "and the verdict keeps fast-mode work synchronous"
        )
    if w.batch_output_beta and w.billed_output_tokens > pricing.max_output_tokens:
        notes.append(
            f"{w.billed_output_tokens:,.0f} output tokens fit only in batches (beta {BATCH_OUTPUT_BETA}); "
            f"sync stops at {pricing.max_output_tokens:,}: the sync figures are a notional baseline"
        )
    return tuple(notes)


def _assumptions(workflow: Workflow, pricing: ModelPricing, rc: RequestCosts | None = None) -> tuple[str, ...]:
    w = workflow
    notes = [
        f"model {pricing.display_name} ({pricing.model_id}); prices: {pricing.source.label()}",
        (
            f"batch prices are the published batch rates ({fmt.share(pricing.batch_discount)} off)"
            if pricing.batch_rate_published
            else f"no published batch rate: batch = standard × {1 - pricing.batch_discount:g} (assumed discount)"
        ),
        f"volume {w.monthly_requests:,.0f} requests/month"
        + (f" ({w.requests_per_day:,.0f}/day × {w.days_per_month:g} days)" if w.requests_per_day is not None else ""),
        f"per request: {w.input_tokens:,.0f} input tokens ({w.cached_input_tokens:,.0f} cacheable), "
        f"{w.output_tokens:,.0f} output tokens"
        + (f" + {w.thinking_tokens:,.0f} thinking tokens billed as output" if w.thinking_tokens else ""),
        f"cache hit rate {fmt.share(w.cache_hit_rate)} sync, {fmt.share(w.batch_cache_hit_rate)} batch"
        + (
            " (assumed: the floor of Anthropic's documented 30-98 % best-effort band; a pilot measures it)"
            if w.batch_cache_hit_rate_assumed
            else ""
        ),
        f"first-pass success rate {fmt.share(w.success_rate)}; "
        f"failed attempts billed at {fmt.share(w.billed_failure_share)}",
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
    if w.tool_turns > 1:
        notes.append(f"{w.tool_turns} requests per item (tool turns or pipeline stages), each billed at these tokens")
    if rc is not None and w.cached_input_tokens > 0:
        notes.append(_caching_note(rc.sync_caching, rc.batch_caching))
    if w.tool_choice != "off":
        notes.append(
            f"tools defined (tool_choice {w.tool_choice}): +{TOOL_SYSTEM_PROMPT_TOKENS[w.tool_choice]} "
            f"input tokens of tool system prompt per request (Anthropic, {MODIFIERS_AS_OF.isoformat()})"
        )
    if w.web_searches_per_request:
        notes.append(
            f"{w.web_searches_per_request:g} web search(es) per request at "
            f"{fmt.usd(WEB_SEARCH_USD_PER_USE * 1000)} per 1,000 on both APIs (no batch discount, no data-residency "
            "multiplier)"
        )
    if w.code_execution_hours_per_request:
        notes.append(
            f"code execution {w.code_execution_hours_per_request:g} container-h per request "
            + (
                "free alongside web search"
                if w.web_searches_per_request
                else f"(5-minute minimum) at {fmt.usd_small(CODE_EXECUTION_USD_PER_HOUR)}/h after "
                f"{CODE_EXECUTION_FREE_HOURS_PER_MONTH:,.0f} free hours/month, all counted to this workflow"
            )
        )
    if w.inference_geo != "global":
        notes.append(
            f"inference_geo {w.inference_geo}: every token price × {INFERENCE_GEO_MULTIPLIERS[w.inference_geo]:g} "
            "(per-use fees unchanged)"
        )
    if w.speed == "fast":
        notes.append("fast mode: sync priced at fast-mode rates; batch at standard batch rates (no fast batches)")
    if pricing.long_context is not None and w.input_tokens > pricing.long_context.threshold_input_tokens:
        notes.append(
            f"long-context prices apply: input above {pricing.long_context.threshold_input_tokens:,} tokens"
        )
    if w.hourly_rate_usd and (w.refinement_hours or w.ops_hours_per_month):
        notes.append(
            f"overheads at {fmt.usd(w.hourly_rate_usd)}/h: {w.refinement_hours:g} h refinement over "
            f"{w.amortize_months:g} months, {w.ops_hours_per_month:g} h/month operations"
        )
    if w.delay_cost_per_item_hour_usd:
        notes.append(
            f"waiting costs {fmt.usd_small(w.delay_cost_per_item_hour_usd)} per item-hour × "
            f"{w.batch_wait_hours:g} h extra latency: an economic cost, not cash; kept out of batch spend and weighed "
            "in the net benefit"
        )
    return tuple(notes)


FORMULAS = (
    "C = tokens at the API's prices (cheapest caching, thinking as output, geo/fast multipliers) + per-use fees",
    "β = s + (1 − s)·f",
    "sync_item = K·C_sync (or K·C_sync·β/s when failures happen on sync too)",
    "batch_item = K·C_batch·β·Σ_{k<A}(1 − s)^k + (1 − s)^A·sync_item",
    "sync total (cash) = N·sync_item − free code-execution hours",
    "batch total (cash) = N·batch_item − free hours + rate·(refinement h / amortise months + ops h/month)",
    "net savings (cash) = sync total − batch total; savings share = net savings / sync total",
    "cost of waiting = N·delay $/item-h·wait h; net benefit = net savings − cost of waiting (the verdict weighs it)",
    "per year = 12 × this month (no growth)",
)


def compare(workflow: Workflow, pricing: ModelPricing) -> Comparison:
    """Sync vs batch for one workflow per month and year, with the break-even success rate.

    Batch spend is cash; the cost of waiting is its own figure and the net benefit weighs both.
    """
    rc = request_costs(workflow, pricing)
    c_sync, c_batch = rc.sync_usd, rc.batch_usd
    sync_item, batch_item, sync_total, batch_tokens, overhead, waiting = monthly_figures(
        workflow, c_sync, c_batch, workflow.success_rate
    )
    n = workflow.monthly_requests
    batch_total = batch_tokens + overhead
    net = sync_total - batch_total
    first_pass = n * workflow.tool_turns * c_batch
    discount = sync_total - first_pass
    resubmissions = batch_tokens - first_pass
    waterfall = (
        WaterfallStep(label="Sync spend", amount_usd=sync_total, kind="total"),
        WaterfallStep(label="Batch discount", amount_usd=-discount, kind="relative"),
        WaterfallStep(label="Resubmissions", amount_usd=resubmissions, kind="relative"),
        WaterfallStep(label="Overheads", amount_usd=overhead, kind="relative"),
        WaterfallStep(label="Batch spend (cash)", amount_usd=batch_total, kind="total"),
        WaterfallStep(label="Cost of waiting", amount_usd=waiting, kind="relative"),
        WaterfallStep(label="Batch economic cost", amount_usd=batch_total + waiting, kind="total"),
    )
    return Comparison(
        workflow_name=workflow.name,
        model_id=pricing.model_id,
        requests_per_month=n,
        steps_per_item=workflow.tool_turns,
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
        net_benefit_per_month_usd=net - waiting,
        savings_share=net / sync_total if sync_total > 0 else 0.0,
        sync_cost_per_year_usd=sync_total * MONTHS_PER_YEAR,
        batch_cost_per_year_usd=batch_total * MONTHS_PER_YEAR,
        net_savings_per_year_usd=net * MONTHS_PER_YEAR,
        break_even=break_even_success_rate(workflow, c_sync, c_batch),
        waterfall=waterfall,
        warnings=_warnings(workflow, pricing),
        assumptions=_assumptions(workflow, pricing, rc),
        price_source=pricing.source,
        formulas=FORMULAS,
    )


def savings_curve(
    workflow: Workflow, pricing: ModelPricing, *, points: int = 101
) -> tuple[list[float], list[float]]:
    """Net benefit (cash savings − waiting) per month against first-pass success rate on (0, 1] [share], [USD/month]."""
    rc = request_costs(workflow, pricing)
    rates = [max(1e-3, i / (points - 1)) for i in range(points)]
    return rates, [float(net_benefit_per_month_usd(workflow, rc.sync_usd, rc.batch_usd, s)) for s in rates]
