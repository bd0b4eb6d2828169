"""The workflow: one kind of LLM work, its volume, tokens, failure behaviour, overheads and SLA.

Every field has a unit; token counts are per-request averages. A workflow validates on its
own (ranges, consistency); whether its model exists and its output fits the model's limit is
checked against a catalog in `resolve_pricing`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from costmodel._base import NonNegFloat, PosFloat, Share, StrictModel, SuccessRate
from costmodel.limits import BATCH_OUTPUT_BETA, DEFAULT_BATCH_CACHE_HIT_RATE, MAX_BATCH_ROUNDS
from costmodel.prices import Catalog, CustomPrices, ModelPricing, UnknownModelError, custom_pricing

__all__ = ["SlaSpec", "Workflow", "WorkflowError", "resolve_pricing"]

RetryRoute = Literal["sync", "batch"]
SlaKind = Literal["hard", "soft"]
CacheTtl = Literal["auto", "none", "5m", "1h"]
"""Caching strategy: `auto` = the cheapest of none / 5-minute / 1-hour at the hit rate; or one of them."""
ToolChoice = Literal["off", "auto", "none", "any", "tool"]
"""`tool_choice` of requests that define tools; `off` = no tools (no tool system prompt)."""
InferenceGeo = Literal["global", "us"]
Speed = Literal["standard", "fast"]

DEFAULT_MODEL = "claude-sonnet-4-6"
LOW_VOLUME_REQUESTS_PER_DAY = 100.0
"""Below this volume batching rarely pays for its overhead (DESIGN.md)."""


class WorkflowError(ValueError):
    """A workflow that cannot be priced; the message says which field and how to fix it."""


class SlaSpec(StrictModel):
    """Service level and timing assumptions for a workflow's results."""

    sla_hours: PosFloat
    """Arrival → result usable downstream [h]."""
    kind: SlaKind = "hard"
    """`hard`: must hold when every batch takes the full worst case; `soft`: a target with a miss budget."""
    max_miss_probability: Share = 0.01
    """For soft SLAs: the acceptable share of items that miss [share]."""
    worst_case_hours: PosFloat = 24.0
    """Worst-case batch processing time, the API's guarantee [h]."""
    downstream_hours: NonNegFloat = 0.0
    """Time after results arrive until they are usable [h]."""
    safety_margin_hours: NonNegFloat = 2.0
    """Slack kept between the worst case and the SLA [h]."""
    avg_request_bytes: PosFloat = 20_000.0
    """Average size of one request in the batch body [bytes]."""
    median_processing_hours: PosFloat = 0.25
    """Typical batch turnaround, median [h] (assumption until a pilot measures it)."""
    p90_processing_hours: PosFloat = 1.0
    """Typical batch turnaround, 90th percentile [h] (assumption until a pilot measures it)."""
    expired_share: Share = 0.001
    """Share of requests that expire and need another round [share]."""

    @model_validator(mode="after")
    def _p90_above_median(self) -> SlaSpec:
        if self.p90_processing_hours < self.median_processing_hours:
            raise ValueError(
                "p90_processing_hours must be at least median_processing_hours: the 90th percentile "
                "of turnaround cannot be shorter than the median"
            )
        return self


class Workflow(StrictModel):
    """One workflow's inputs for the cost, SLA and recommendation models."""

    name: str = Field(default="workflow", min_length=1, max_length=120)
    """Label shown in tables and exports."""
    model: str = DEFAULT_MODEL
    """Catalog model id; ignored for prices when `custom_prices` is set."""
    custom_prices: CustomPrices | None = None
    """User prices that override the catalog."""

    requests_per_day: NonNegFloat | None = None
    """Volume [requests/day]; give this or `requests_per_month`."""
    requests_per_month: NonNegFloat | None = None
    """Volume [requests/month]; give this or `requests_per_day`."""
    days_per_month: float = Field(default=30.0, gt=0, le=31)
    """Days the workflow runs per month [days]."""

    input_tokens: NonNegFloat
    """Total input per request, cacheable prefix included [tokens]."""
    output_tokens: NonNegFloat
    """Visible output per request [tokens]; extended thinking goes in `thinking_tokens`."""
    thinking_tokens: NonNegFloat = 0.0
    """Extended-thinking tokens per request, billed as output at their full internal length even when only a
    summary is returned [tokens]."""
    cached_input_tokens: NonNegFloat = 0.0
    """Cacheable prefix per request, part of `input_tokens` [tokens]."""
    cache_hit_rate: Share = 0.0
    """Share of sync requests whose prefix is read from cache [share]."""
    batch_cache_hit_rate: Share = DEFAULT_BATCH_CACHE_HIT_RATE
    """Share of batch requests whose prefix is read from cache [share]; best effort, Anthropic documents
    30-98 %: the default 30 % is an assumption (the band's floor) until a pilot measures it."""
    sync_cache_ttl: CacheTtl = "auto"
    """Sync caching strategy: `auto` (cheapest of none / 5m / 1h at the hit rate), `none`, `5m` or `1h`."""
    batch_cache_ttl: CacheTtl = "auto"
    """Batch caching strategy: `auto` (cheapest at the hit rate), `none`, `5m` or `1h` (Anthropic recommends
    1 h in batches; pick it when it raises the hit rate you enter)."""

    success_rate: SuccessRate = 1.0
    """First-pass success rate `s`: share of batch requests whose first result is usable [share]."""
    billed_failure_share: Share = 1.0
    """`f`: billed share of a failed attempt; 1 = output came back but failed validation, 0 = errored/expired."""
    retry_route: RetryRoute = "sync"
    """Where first-pass failures are rerun: `sync`, or `batch` for up to `max_batch_rounds` rounds."""
    max_batch_rounds: int = Field(default=1, ge=1, le=10)
    """`A`: batch rounds in total before the rest go sync (route `batch`) [rounds]."""
    failures_on_sync_too: bool = False
    """If on, the same prompt fails on sync as often and sync retries until success."""

    refinement_hours: NonNegFloat = 0.0
    """One-off prompt refinement for batch [h]."""
    amortize_months: float = Field(default=12.0, gt=0)
    """Months over which refinement is amortised [months]."""
    ops_hours_per_month: NonNegFloat = 0.0
    """Monthly operations effort for batch (monitoring, reconciliation) [h/month]."""
    hourly_rate_usd: NonNegFloat = 0.0
    """Loaded cost of an engineering hour [USD/h]."""
    delay_cost_per_item_hour_usd: NonNegFloat = 0.0
    """Cost of waiting: what one hour of extra latency on one item costs [USD/(item·h)]."""
    batch_wait_hours: NonNegFloat = 1.0
    """Expected extra latency per item on batch: half the submission interval plus typical turnaround [h]."""

    sla: SlaSpec | None = None
    """Service level for results; none = no deadline."""
    blocking: bool = False
    """A person or pipeline waits on each result (e.g. a pre-merge check)."""
    streaming: bool = False
    """Responses must stream to a user; batches cannot stream."""
    tool_turns: int = Field(default=1, ge=1, le=50)
    """Steps per item: sequential requests (client-side tool turns or pipeline stages), each billed at the
    per-request tokens and each its own batch round [requests/item]."""
    tool_choice: ToolChoice = "off"
    """`tool_choice` when requests define tools: adds Anthropic's tool system prompt (≈346 input tokens for
    auto/none, ≈313 for any/tool) to every request; `off` = no tools."""
    web_searches_per_request: NonNegFloat = 0.0
    """Server-side web searches per request, $10 per 1,000 on both APIs (no batch discount) [uses]."""
    code_execution_hours_per_request: NonNegFloat = 0.0
    """Code-execution container time per request (5-minute minimum per use) [h]."""
    inference_geo: InferenceGeo = "global"
    """Data residency: `us` multiplies every token price by 1.1 (models from Opus/Sonnet 4.6 on)."""
    speed: Speed = "standard"
    """`fast` = fast mode, priced as fast on sync and not available in batches."""
    batch_output_beta: bool = False
    """Use the batch-only 300k-output beta (header `output-300k-2026-03-24`) where the model has it."""
    urgent_share: Share = 0.0
    """Share of items that must stay synchronous (for a hybrid plan) [share]."""
    description: str = ""
    """Free text: where the workflow comes from, what it does."""

    @model_validator(mode="after")
    def _consistent(self) -> Workflow:
        if self.requests_per_day is None and self.requests_per_month is None:
            raise ValueError("give the volume: requests_per_day or requests_per_month")
        if self.requests_per_day is not None and self.requests_per_month is not None:
            per_month = self.requests_per_day * self.days_per_month
            if abs(per_month - self.requests_per_month) > 1e-6 * max(1.0, per_month):
                raise ValueError(
                    "requests_per_day × days_per_month disagrees with requests_per_month: give only one of them"
                )
        if self.batch_rounds > MAX_BATCH_ROUNDS:
            raise ValueError(
                f"max_batch_rounds × tool_turns is {self.batch_rounds} batch rounds, more than the {MAX_BATCH_ROUNDS} "
                "the SLA plan covers (each round may take 24 h): lower max_batch_rounds or tool_turns, or retry by sync"
            )
        if self.cached_input_tokens > self.input_tokens:
            raise ValueError(
                f"cached_input_tokens ({self.cached_input_tokens:g}) cannot exceed input_tokens "
                f"({self.input_tokens:g}): the cacheable prefix is part of the input"
            )
        return self

    @property
    def monthly_requests(self) -> float:
        """Requests per month [requests/month]."""
        if self.requests_per_month is not None:
            return self.requests_per_month
        assert self.requests_per_day is not None
        return self.requests_per_day * self.days_per_month

    @property
    def daily_requests(self) -> float:
        """Requests per running day [requests/day]."""
        if self.requests_per_day is not None:
            return self.requests_per_day
        return self.monthly_requests / self.days_per_month

    @property
    def batch_cache_hit_rate_assumed(self) -> bool:
        """True when the batch cache hit rate is the labelled default, not a measured or entered figure."""
        return self.batch_cache_hit_rate == DEFAULT_BATCH_CACHE_HIT_RATE

    @property
    def billed_output_tokens(self) -> float:
        """Output billed per request: visible output + thinking [tokens]."""
        return self.output_tokens + self.thinking_tokens

    @property
    def batch_rounds(self) -> int:
        """Sequential batch round trips per item: retry rounds × client tool turns."""
        retry_rounds = self.max_batch_rounds if self.retry_route == "batch" else 1
        return retry_rounds * self.tool_turns


def resolve_pricing(workflow: Workflow, catalog: Catalog) -> ModelPricing:
    """The prices a workflow runs at; raises WorkflowError for an unknown model or output over its limit."""
    if workflow.custom_prices is not None:
        pricing = custom_pricing(workflow.custom_prices, as_of=catalog.source.as_of)
    else:
        try:
            pricing = catalog.get(workflow.model)
        except UnknownModelError as exc:
            raise WorkflowError(f"model: {exc}") from None
    out = workflow.billed_output_tokens
    limit = pricing.max_output_tokens
    if workflow.batch_output_beta:
        if pricing.max_output_tokens_batch is None:
            raise WorkflowError(
                f"batch_output_beta: {pricing.display_name} does not take the batch-only 300k-output beta "
                f"({BATCH_OUTPUT_BETA}); turn it off or pick Opus 4.6-4.8 or Sonnet 4.6"
            )
        limit = pricing.max_output_tokens_batch
    if out > limit:
        beta = (
            f"; in batches, the {BATCH_OUTPUT_BETA} beta allows up to {pricing.max_output_tokens_batch:,}"
            if pricing.max_output_tokens_batch and not workflow.batch_output_beta
            else ""
        )
        raise WorkflowError(
            f"output_tokens: {out:g}{' (output + thinking)' if workflow.thinking_tokens else ''} is above "
            f"{pricing.display_name}'s limit of "
            f"{limit:,} output tokens per request{beta}; lower it or pick another model"
        )
    if workflow.inference_geo != "global" and not pricing.inference_geo_supported:
        raise WorkflowError(
            f"inference_geo: {pricing.display_name} has no `inference_geo: {workflow.inference_geo}` (only Opus/Sonnet "
            "4.6 and later models); set it to global or pick a newer model"
        )
    if workflow.speed == "fast" and pricing.fast is None:
        raise WorkflowError(
            f"speed: {pricing.display_name} has no fast mode; set speed to standard or pick a model that offers it"
        )
    if pricing.context_window_tokens is not None and workflow.input_tokens > pricing.context_window_tokens:
        raise WorkflowError(
            f"input_tokens: {workflow.input_tokens:g} is above {pricing.display_name}'s context window of "
            f"{pricing.context_window_tokens:,} tokens; shorten the prompt or pick another model"
        )
    return pricing
