"""What a pilot may spend: catalog checks, the worst-case spend estimate and the budget decision.

Pure: no I/O, no clock, no SDK; the shell (`pilot.runner`, `commands.pilot`, the Live pilot page) reads files,
talks to the API and passes `now` in.

worst case: an upper bound on what a request can bill: its input ceiling (1 token per UTF-8 byte
offline, or Anthropic's count) at the dearest input rate it could hit (the 1-hour cache write when it
has a `cache_control` breakpoint) and tier, `max_tokens` (or a larger thinking budget) of output, and
every allowed server-tool use with its fee and results (see `estimate_spend`) [USD].
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import Field

from costmodel import formatting as fmt
from costmodel._base import NonNegFloat, StrictModel
from costmodel.limits import INFERENCE_GEO_MULTIPLIERS, WEB_SEARCH_USD_PER_USE
from costmodel.prices import Catalog, ModelPricing, UnknownModelError
from pilot.requests import (
    COUNT_TOKENS_LABEL,
    OFFLINE_ESTIMATE_LABEL,
    WEB_SEARCH_RESULT_TOKENS_PER_USE,
    LineProblem,
    RequestStats,
    split_ranges,
)

__all__ = [
    "DEFAULT_BUDGET_USD",
    "BudgetDecision",
    "SpendEstimate",
    "budget_decision",
    "catalog_problems",
    "estimate_spend",
    "offline_gap_problems",
    "request_token_ceilings",
]

DEFAULT_BUDGET_USD = 5.0
"""Default cap on a pilot's worst-case spend [USD]."""


# --- estimate and budget ------------------------------------------------------------------------


def catalog_problems(requests: Iterable[RequestStats], catalog: Catalog) -> list[LineProblem]:
    """Per-line problems only the price catalog can see: unknown models, max_tokens above the model's limit.

    Limits the catalog only assumes (models newer than the dated limits table) are not enforced.
    """
    problems: list[LineProblem] = []
    pricings: dict[str, ModelPricing | None] = {}
    for req in requests:
        if req.model not in pricings:
            pricings[req.model] = catalog.find(req.model)
        pricing = pricings[req.model]
        if pricing is None:
            problems.append(
                LineProblem(
                    line=req.line,
                    message=f"params.model {req.model!r} is not a model the price catalog knows; "
                    "use a current Claude model id (e.g. claude-haiku-4-5)",
                )
            )
        elif not pricing.max_output_tokens_assumed and req.max_tokens > pricing.max_output_tokens:
            problems.append(
                LineProblem(
                    line=req.line,
                    message=f"params.max_tokens {req.max_tokens:,} is above {pricing.display_name}'s limit of "
                    f"{pricing.max_output_tokens:,}; lower it",
                )
            )
    return problems


class SpendEstimate(StrictModel):
    """Input tokens and worst-case spend of a request set, at batch prices."""

    request_count: int = Field(ge=0)
    """Requests [requests]."""
    batch_count: int = Field(ge=0)
    """Batches the set is split into [batches]."""
    input_tokens: int = Field(ge=0)
    """Total input tokens at most, prompts from `input_tokens_source` plus what server-tool loops may add [tokens]."""
    input_tokens_source: str
    """`COUNT_TOKENS_LABEL` (the API's count) or `OFFLINE_ESTIMATE_LABEL` (an offline upper bound)."""
    max_output_tokens: int = Field(ge=0)
    """Output at most: max_tokens (or a larger thinking budget) per sampling iteration [tokens]."""
    worst_case_batch_usd: NonNegFloat
    """An upper bound on what the set can bill at batch prices: see `estimate_spend` [USD]."""
    worst_case_sync_usd: NonNegFloat
    """The same at synchronous prices, for comparison [USD]."""
    input_only_batch_usd: NonNegFloat
    """The prompts alone as uncached input at batch prices, no output [USD]."""
    web_search_usd: NonNegFloat = 0.0
    """Web search fees in the worst case: every allowed search, no batch discount [USD]."""
    web_search_uses: int = Field(default=0, ge=0)
    """Web searches the requests may make: the sum of their web search tools' max_uses [searches]."""
    models: tuple[str, ...]
    """Models the requests name."""
    price_source: str
    """Price-source line (`PriceSource.label()`)."""
    assumptions: tuple[str, ...] = ()
    """Stated bounds the worst case rests on where Anthropic documents none."""


def offline_gap_problems(requests: Iterable[RequestStats]) -> list[LineProblem]:
    """One problem per request whose input has no offline ceiling: estimate those with counted tokens."""
    return [LineProblem(line=r.line, message=r.offline_gap) for r in requests if r.offline_gap is not None]


def request_token_ceilings(req: RequestStats, prompt_tokens: int) -> tuple[int, int]:
    """Input and output ceilings of one request whose prompt is at most `prompt_tokens` [tokens].

    Without server tools: the prompt, and max_tokens (or a larger thinking budget). A server-tool loop
    may run one sampling iteration per allowed use plus one; each iteration may re-read the prompt, every
    result so far and the output so far, and produce output up to the per-iteration ceiling.
    """
    per_iteration_output = max(req.max_tokens, req.output_tokens_ceiling)
    output = per_iteration_output * req.server_tool_iterations
    if req.server_tool_iterations <= 1:
        return prompt_tokens, output
    return req.server_tool_iterations * (prompt_tokens + req.server_tool_result_tokens + output), output


def _worst_case_cost(
    pricing: ModelPricing, api: Literal["sync", "batch"], req: RequestStats, input_tokens: int, output_tokens: int
) -> float:
    """The dearest bill `input_tokens` and `output_tokens` can make for `req` [USD].

    Every input token at the dearest input rate it could hit (the 1-hour cache write when the request has
    a breakpoint), prices at the long-context tier when the input ceiling crosses it (or base prices, if
    dearer), the data-residency multiplier on tokens, and every allowed web search at its full fee.
    """
    costs = []
    for prices in (pricing.prices_for(api), pricing.prices_for(api, float(input_tokens))):
        input_rate = prices.input_usd_per_mtok
        if req.uses_cache_control:
            input_rate = max(input_rate, prices.cache_write_5m_usd_per_mtok, prices.cache_write_1h_usd_per_mtok)
        costs.append((input_tokens * input_rate + output_tokens * prices.output_usd_per_mtok) / 1_000_000)
    geo = 1.0
    if req.inference_geo is not None:
        geo = INFERENCE_GEO_MULTIPLIERS.get(req.inference_geo, max(INFERENCE_GEO_MULTIPLIERS.values()))
    return max(costs) * geo + req.web_search_uses * WEB_SEARCH_USD_PER_USE


def estimate_spend(
    requests: Sequence[RequestStats],
    catalog: Catalog,
    *,
    counted_input_tokens: Sequence[int] | None = None,
) -> SpendEstimate:
    """Worst-case spend of `requests` at batch prices: an upper bound on what they can bill.

    Prompts are bounded by their offline ceiling (`offline_input_tokens`), or by `counted_input_tokens`
    (one per request, from Anthropic's token-counting endpoint, which is authoritative) when given; see
    `request_token_ceilings` and `_worst_case_cost` for the rest. Raises ValueError when a request has
    no offline ceiling and no count, and `UnknownModelError` naming the line of the first unknown model.
    """
    if counted_input_tokens is not None and len(counted_input_tokens) != len(requests):
        raise ValueError("counted_input_tokens must have one entry per request")
    pricings: dict[str, ModelPricing] = {}
    batch_usd = sync_usd = input_usd = search_usd = 0.0
    input_total = output_total = 0
    for i, req in enumerate(requests):
        pricing = pricings.get(req.model)
        if pricing is None:
            try:
                pricing = catalog.get(req.model)
            except UnknownModelError as exc:
                raise UnknownModelError(f"line {req.line}: {exc}") from None
            pricings[req.model] = pricing
        prompt = counted_input_tokens[i] if counted_input_tokens is not None else req.input_tokens_offline
        if prompt is None:
            raise ValueError(f"line {req.line}: {req.offline_gap}")
        input_tokens, output_tokens = request_token_ceilings(req, prompt)
        input_total += input_tokens
        output_total += output_tokens
        batch_usd += _worst_case_cost(pricing, "batch", req, input_tokens, output_tokens)
        sync_usd += _worst_case_cost(pricing, "sync", req, input_tokens, output_tokens)
        input_usd += float(pricing.request_cost_usd("batch", uncached_input_tokens=float(prompt), output_tokens=0.0))
        search_usd += req.web_search_uses * WEB_SEARCH_USD_PER_USE
    assumptions: tuple[str, ...] = ()
    if any(r.web_search_uses for r in requests):
        assumptions = (f"a web search adds at most {WEB_SEARCH_RESULT_TOKENS_PER_USE:,} input tokens",)
    return SpendEstimate(
        request_count=len(requests),
        batch_count=len(split_ranges([r.body_bytes for r in requests])),
        input_tokens=input_total,
        input_tokens_source=COUNT_TOKENS_LABEL if counted_input_tokens is not None else OFFLINE_ESTIMATE_LABEL,
        max_output_tokens=output_total,
        worst_case_batch_usd=batch_usd,
        worst_case_sync_usd=sync_usd,
        input_only_batch_usd=input_usd,
        web_search_usd=search_usd,
        web_search_uses=sum(r.web_search_uses for r in requests),
        models=tuple(sorted(pricings)),
        price_source=catalog.source.label(),
        assumptions=assumptions,
    )


class BudgetDecision(StrictModel):
    """Whether a submission fits the spending cap."""

    allowed: bool
    budget_usd: NonNegFloat
    """The cap [USD]."""
    worst_case_usd: NonNegFloat
    """Worst-case spend of the submission [USD]."""
    reason: str
    """One line for the user."""


def budget_decision(estimate: SpendEstimate, budget_usd: float) -> BudgetDecision:
    """Allow a submission only if its worst case (full max_tokens at batch prices) fits `budget_usd`."""
    if not math.isfinite(budget_usd) or budget_usd < 0:
        raise ValueError("budget_usd must be a finite amount of at least 0")
    worst = estimate.worst_case_batch_usd
    if worst <= budget_usd:
        reason = f"worst case {fmt.usd_small(worst)} is within the {fmt.usd_small(budget_usd)} budget"
        return BudgetDecision(allowed=True, budget_usd=budget_usd, worst_case_usd=worst, reason=reason)
    reason = (
        f"worst case {fmt.usd_small(worst)} exceeds the {fmt.usd_small(budget_usd)} budget: lower max_tokens, "
        "send fewer requests, or raise the budget"
    )
    return BudgetDecision(allowed=False, budget_usd=budget_usd, worst_case_usd=worst, reason=reason)
