"""Imported usage, priced: actual spend, the batch what-if, plan vs actual, and a scenario from a month.

Pure and vectorised (numpy only): prices are resolved once per (model, API, context tier) and
applied to whole token columns. The shell (`usageimport`) turns report files into
`UsageColumns`; nothing here reads files, talks to the network or reads the clock.

Glossary (per row; a row is one request from a log or one aggregated report row):
- `uncached_input_tokens`, `cache_write_5m_tokens`, `cache_write_1h_tokens`, `cache_read_tokens`,
  `output_tokens` [tokens]; total input = uncached + cache writes + cache reads
- `web_search_requests` [searches], priced at `WEB_SEARCH_USD_PER_SEARCH` on both APIs
- `requests` [requests]; NaN when the source does not count requests (usage reports)
- tier: `standard` (Messages API), `batch` (Message Batches API), `other` (priority and unrecognised
  values: priced at standard rates, never discounted), `unknown` (no service tier given: priced at
  standard rates, not discounted and not moved: such a row may have run on batch already, so treating
  it as standard would discount batch traffic twice; the summary reports its share of spend)
- speed: `fast` rows (fast mode) are priced at the model's fast prices and never moved to batch
  (fast mode does not exist in batches)
- inference_geo: `us` rows pay `INFERENCE_GEO_MULTIPLIERS["us"]` (1.1×) on every token category on models
  that support it (`ModelPricing.inference_geo_supported`); per-use fees (web search) are not multiplied
- `actual_usd`: the row at its own tier's catalog prices [USD]
- `whatif_usd`: standard-tier rows moved to batch in the batchable share, with resubmissions
  priced by `costmodel.cost.expected_item_costs`; other rows unchanged [USD]

Long-context (cliff) prices: a per-request row gets the tier from its own total input; an
aggregated row cannot (its tokens are many requests), so it uses the report's `context_window`
group when present and base prices otherwise (`LC_*` hints).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from costmodel._base import Share, StrictModel, SuccessRate
from costmodel.limits import INFERENCE_GEO_MULTIPLIERS
from costmodel.prices import Catalog, ModelPricing, UnknownModelError

if TYPE_CHECKING:
    from costmodel.scenario import Scenario
    from costmodel.workflow import Workflow

__all__ = [
    "LC_BASE",
    "LC_LONG",
    "LC_PER_REQUEST",
    "TIERS",
    "TIER_BATCH",
    "TIER_OTHER",
    "TIER_STANDARD",
    "TIER_UNKNOWN",
    "WEB_SEARCH_USD_PER_SEARCH",
    "BilledColumns",
    "GroupTotals",
    "PlanVsActualRow",
    "PricedUsage",
    "UsageColumns",
    "UsageError",
    "UsageSummary",
    "WhatIfAssumptions",
    "plan_vs_actual",
    "price_usage",
    "scenario_from_usage",
    "summarize",
    "workflows_from_usage",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

WEB_SEARCH_USD_PER_SEARCH = 0.01
"""Server-side web search: $10 per 1,000 searches, no batch rate (Anthropic, checked 2026-11-01) [USD]."""

TIER_STANDARD, TIER_BATCH, TIER_OTHER, TIER_UNKNOWN = 0, 1, 2, 3
TIERS = ("standard", "batch", "other", "unknown")
"""Service tier names by code."""

LC_PER_REQUEST, LC_BASE, LC_LONG = -1, 0, 1
"""Long-context hints: decide per row from its total input / base prices / long-context prices."""

DAYS_PER_MONTH = 365.25 / 12
"""An average calendar month [days]: imported periods are scaled to this for monthly figures."""

PLAN_TOLERANCE = 0.2
"""Plan vs actual: a workflow is flagged when volume or spend is more than this share off [share]."""

TOKEN_FIELDS = (
    "uncached_input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
)
_PRICE_FIELDS = (
    "input_usd_per_mtok",
    "cache_write_5m_usd_per_mtok",
    "cache_write_1h_usd_per_mtok",
    "cache_read_usd_per_mtok",
    "output_usd_per_mtok",
)


class UsageError(ValueError):
    """Imported usage that cannot answer the question asked; the message says what is missing."""


@dataclass(frozen=True)
class UsageColumns:
    """Normalized usage rows as numpy columns; categorical values are codes into name tuples."""

    model_codes: IntArray
    """Index into `model_names` per row."""
    model_names: tuple[str, ...]
    """Model ids as written in the source (dated ids allowed)."""
    tier_codes: IntArray
    """`TIER_STANDARD`, `TIER_BATCH`, `TIER_OTHER` or `TIER_UNKNOWN` (no service tier given) per row."""
    uncached_input_tokens: FloatArray
    """Uncached input [tokens]."""
    cache_write_5m_tokens: FloatArray
    """Cache writes, 5-minute TTL [tokens]."""
    cache_write_1h_tokens: FloatArray
    """Cache writes, 1-hour TTL [tokens]."""
    cache_read_tokens: FloatArray
    """Cache reads [tokens]."""
    output_tokens: FloatArray
    """Output, thinking included [tokens]."""
    web_search_requests: FloatArray
    """Server-side web searches [searches]."""
    requests: FloatArray
    """Requests per row [requests]; NaN where the source does not say."""
    long_context_hint: IntArray
    """`LC_PER_REQUEST`, `LC_BASE` or `LC_LONG` per row."""
    days: IntArray
    """UTC day per row as days since 1970-01-01 [days]."""
    tag_codes: IntArray
    """Index into `tag_names` per row; -1 = no workflow tag."""
    tag_names: tuple[str, ...] = ()
    """Workflow tags."""
    fast: BoolArray | None = None
    """True per row that ran in fast mode (`speed: fast`); None = no row did."""
    geo_us: BoolArray | None = None
    """True per row with `inference_geo: us`; None = no row had it."""

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.model_codes.shape[0])

    def total_input_tokens(self) -> FloatArray:
        """Uncached + cache writes + cache reads per row [tokens]."""
        return (
            self.uncached_input_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
            + self.cache_read_tokens
        )

    def take(self, index: npt.NDArray[Any]) -> UsageColumns:
        """The rows at `index` (positions or a boolean mask), same name tables."""
        arrays = {
            name: getattr(self, name)[index]
            for name in (
                "model_codes",
                "tier_codes",
                *TOKEN_FIELDS,
                "web_search_requests",
                "requests",
                "long_context_hint",
                "days",
                "tag_codes",
            )
        }
        return UsageColumns(
            model_names=self.model_names,
            tag_names=self.tag_names,
            fast=None if self.fast is None else self.fast[index],
            geo_us=None if self.geo_us is None else self.geo_us[index],
            **arrays,
        )

    def fast_rows(self) -> BoolArray:
        """`fast` with None read as all False."""
        return np.zeros(self.n_rows, dtype=bool) if self.fast is None else self.fast

    def geo_us_rows(self) -> BoolArray:
        """`geo_us` with None read as all False."""
        return np.zeros(self.n_rows, dtype=bool) if self.geo_us is None else self.geo_us


@dataclass(frozen=True)
class BilledColumns:
    """Billed amounts from a cost report, per row."""

    model_codes: IntArray
    """Index into `model_names`; -1 = not a model cost (e.g. a workspace-level charge)."""
    model_names: tuple[str, ...]
    """Model ids as written in the cost report."""
    tier_codes: IntArray
    """Service tier per row."""
    days: IntArray
    """UTC day [days since 1970-01-01]."""
    amount_usd: FloatArray
    """Billed amount [USD] (cost reports give cents; the shell converts)."""


class WhatIfAssumptions(StrictModel):
    """How standard-tier traffic would have run on batch."""

    batchable_share: Share = 1.0
    """Share of standard-tier traffic that could have waited for batch [share]."""
    batchable_share_by_model: dict[str, Share] = Field(default_factory=dict)
    """Overrides per model id (as in the file or the catalog id) [share]."""
    batchable_share_by_tag: dict[str, Share] = Field(default_factory=dict)
    """Overrides per workflow tag; wins over the model's share [share]."""
    success_rate: SuccessRate = 1.0
    """First-pass success rate `s` on batch [share]."""
    billed_failure_share: Share = 1.0
    """`f`: billed share of a failed attempt [share]."""
    retry_route: Literal["sync", "batch"] = "sync"
    """Where first-pass failures rerun."""
    max_batch_rounds: int = Field(default=1, ge=1, le=10)
    """`A`: batch rounds in total before the rest go sync (route `batch`) [rounds]."""

    def describe(self) -> tuple[str, ...]:
        """The assumptions in words, for footnotes, exports and CLI JSON."""
        notes = [f"batchable share of standard-tier traffic: {self.batchable_share:.0%}"]
        notes += [f"batchable share for model {k}: {v:.0%}" for k, v in sorted(self.batchable_share_by_model.items())]
        notes += [f"batchable share for tag {k}: {v:.0%}" for k, v in sorted(self.batchable_share_by_tag.items())]
        notes.append(
            f"first-pass success rate {self.success_rate:.1%}; "
            f"failed attempts billed at {self.billed_failure_share:.0%}"
        )
        notes.append(
            "first-pass failures rerun synchronously"
            if self.retry_route == "sync"
            else f"failures resubmitted by batch for up to {self.max_batch_rounds} rounds, the rest sync"
        )
        return tuple(notes)


@dataclass(frozen=True)
class PricedUsage:
    """Per-row costs for a `UsageColumns` [USD]; NaN on rows whose model is unknown."""

    columns: UsageColumns
    """The rows priced."""
    sync_usd: FloatArray
    """Each row at standard prices [USD]."""
    batch_usd: FloatArray
    """Each row at batch prices (one attempt, no resubmissions) [USD]."""
    actual_usd: FloatArray
    """Each row at its own tier's prices [USD]."""
    whatif_usd: FloatArray
    """Each row under the batch what-if [USD]."""
    batchable_share: FloatArray
    """The batchable share applied per row (0 for rows already on batch or of another tier) [share]."""
    resolved_model_ids: tuple[str | None, ...]
    """Catalog id per `model_names` entry; None = unknown model."""
    long_context_rows: int
    """Rows priced at long-context rates."""
    fast_rows: int = 0
    """Rows priced at fast-mode rates."""
    fast_unpriced_rows: int = 0
    """Fast-mode rows on a model without fast prices, priced at standard rates [rows]."""
    geo_rows: int = 0
    """Rows priced with the `inference_geo: us` multiplier."""
    geo_unsupported_rows: int = 0
    """`inference_geo: us` rows on a model without it, priced without the multiplier [rows]."""


def _resolve(names: Sequence[str], catalog: Catalog) -> list[ModelPricing | None]:
    resolved: list[ModelPricing | None] = []
    for name in names:
        try:
            resolved.append(catalog.get(name))
        except UnknownModelError:
            resolved.append(None)
    return resolved


def _price_table(pricings: Sequence[ModelPricing | None], api: Literal["sync", "batch", "fast"]) -> FloatArray:
    """Prices [USD/MTok] shaped (2 context tiers, n models, 5 token types); NaN for unknown models.

    `fast`: the model's fast-mode prices on both context tiers (genai-prices has no long-context fast
    variant), or its standard prices where it has no fast mode (counted by `price_usage`).
    """
    table = np.full((2, len(pricings), len(_PRICE_FIELDS)), np.nan)
    for i, p in enumerate(pricings):
        if p is None:
            continue
        if api == "fast":
            tiers = (p.fast, p.fast) if p.fast is not None else (p.prices_for("sync"), p.prices_for("sync", math.inf))
        else:
            # base prices, and the long-context tier's (the base again for a model without a tier)
            tiers = (p.prices_for(api), p.prices_for(api, math.inf))
        for lc, prices in enumerate(tiers):
            table[lc, i] = [getattr(prices, f) for f in _PRICE_FIELDS]
    return table


def _long_context_rows(columns: UsageColumns, pricings: Sequence[ModelPricing | None]) -> npt.NDArray[np.bool_]:
    thresholds = np.array(
        [np.inf if p is None or p.long_context is None else p.long_context.threshold_input_tokens for p in pricings]
        or [np.inf]
    )
    hint = columns.long_context_hint
    has_tier = np.isfinite(thresholds)[columns.model_codes] if columns.n_rows else np.zeros(0, dtype=bool)
    per_request = (hint == LC_PER_REQUEST) & (columns.total_input_tokens() > thresholds[columns.model_codes])
    result: npt.NDArray[np.bool_] = has_tier & (per_request | (hint == LC_LONG))
    return result


def _token_cost(columns: UsageColumns, table: FloatArray, flat_index: IntArray) -> FloatArray:
    """Σ tokens_k × price_k / 1e6, with each price gathered per row [USD] (per-use fees apart)."""
    n_models = table.shape[1]
    total: FloatArray = np.zeros(columns.n_rows)
    for k, field in enumerate(TOKEN_FIELDS):
        per_mtok = table[:, :, k].reshape(2 * n_models)[flat_index]
        total = total + getattr(columns, field) * per_mtok / 1_000_000
    return total


def _share_per_row(
    columns: UsageColumns, resolved_ids: Sequence[str | None], assumptions: WhatIfAssumptions
) -> FloatArray:
    by_model = np.array(
        [
            assumptions.batchable_share_by_model.get(
                name,
                assumptions.batchable_share_by_model.get(rid or "", assumptions.batchable_share),
            )
            for name, rid in zip(columns.model_names, resolved_ids, strict=True)
        ]
        or [assumptions.batchable_share]
    )
    share = by_model[columns.model_codes] if columns.n_rows else np.zeros(0)
    if assumptions.batchable_share_by_tag and columns.tag_names:
        by_tag = np.array([assumptions.batchable_share_by_tag.get(t, np.nan) for t in columns.tag_names] + [np.nan])
        tag_share = by_tag[columns.tag_codes]  # code -1 reads the trailing NaN
        share = np.where(np.isnan(tag_share), share, tag_share)
    result: FloatArray = np.where(columns.tier_codes == TIER_STANDARD, share, 0.0)
    return result


def price_usage(columns: UsageColumns, catalog: Catalog, assumptions: WhatIfAssumptions) -> PricedUsage:
    """Actual spend and the batch what-if per row, prices resolved once per (model, API, context tier)."""
    from costmodel.cost import expected_item_costs

    pricings = _resolve(columns.model_names, catalog)
    long_rows = _long_context_rows(columns, pricings)
    flat_index = long_rows.astype(np.int64) * len(pricings) + columns.model_codes
    fast = columns.fast_rows()
    geo = columns.geo_us_rows()
    codes = columns.model_codes
    has_fast = np.array([p is not None and p.fast is not None for p in pricings] or [False])[codes]
    geo_ok = np.array([p is not None and p.inference_geo_supported for p in pricings] or [False])[codes]
    # data residency multiplies tokens only; web search is a per-use fee and is not multiplied
    geo_factor = np.where(geo & geo_ok, INFERENCE_GEO_MULTIPLIERS["us"], 1.0)
    web_usd = columns.web_search_requests * WEB_SEARCH_USD_PER_SEARCH
    sync_tokens = _token_cost(columns, _price_table(pricings, "sync"), flat_index)
    if fast.any():
        sync_tokens = np.where(fast, _token_cost(columns, _price_table(pricings, "fast"), flat_index), sync_tokens)
    sync_usd = sync_tokens * geo_factor + web_usd
    batch_usd = _token_cost(columns, _price_table(pricings, "batch"), flat_index) * geo_factor + web_usd
    on_batch = (columns.tier_codes == TIER_BATCH) & ~fast
    actual_usd = np.where(on_batch, batch_usd, sync_usd)
    _, batch_item_usd = expected_item_costs(
        sync_usd,
        batch_usd,
        success_rate=assumptions.success_rate,
        billed_failure_share=assumptions.billed_failure_share,
        retry_route=assumptions.retry_route,
        max_batch_rounds=assumptions.max_batch_rounds,
        failures_on_sync_too=False,
    )
    resolved_ids = tuple(None if p is None else p.model_id for p in pricings)
    share = np.where(fast, 0.0, _share_per_row(columns, resolved_ids, assumptions))  # fast mode never batches
    whatif_usd = np.where(share > 0, share * batch_item_usd + (1 - share) * actual_usd, actual_usd)
    return PricedUsage(
        columns=columns,
        sync_usd=sync_usd,
        batch_usd=batch_usd,
        actual_usd=actual_usd,
        whatif_usd=whatif_usd,
        batchable_share=share,
        resolved_model_ids=resolved_ids,
        long_context_rows=int(long_rows.sum()),
        fast_rows=int((fast & has_fast).sum()),
        fast_unpriced_rows=int((fast & ~has_fast & ~np.isnan(sync_usd)).sum()),
        geo_rows=int((geo & geo_ok).sum()),
        geo_unsupported_rows=int((geo & ~geo_ok & ~np.isnan(sync_usd)).sum()),
    )


# --- summaries ---------------------------------------------------------------------------------


class GroupTotals(StrictModel):
    """Totals for one model, tag, tier or the whole import."""

    key: str
    """Model id, tag, tier name, or `total`."""
    rows: int
    """Rows in the group."""
    requests: float | None
    """Requests, when every row of the group counts them [requests]."""
    input_tokens: float
    """Total input, cache included [tokens]."""
    output_tokens: float
    """Output [tokens]."""
    standard_usd: float
    """Actual spend of rows not on batch: standard, other and tier-unknown rows [USD]."""
    batch_usd: float
    """Actual spend of rows that already ran on batch [USD]."""
    batch_token_share: float
    """Share of the group's input tokens that ran on batch [share]."""
    actual_usd: float
    """Actual spend at catalog prices [USD]."""
    whatif_usd: float
    """Spend under the batch what-if [USD]."""
    savings_usd: float
    """actual − what-if [USD]."""
    billed_usd: float | None = None
    """Billed amount from a cost report, where one was imported [USD]."""

    @property
    def savings_share(self) -> float:
        """Savings / actual spend (0 when nothing was spent) [share]."""
        return self.savings_usd / self.actual_usd if self.actual_usd > 0 else 0.0

    @property
    def billed_difference_usd(self) -> float | None:
        """billed − catalog-priced actual [USD]."""
        return None if self.billed_usd is None else self.billed_usd - self.actual_usd


class UsageSummary(StrictModel):
    """Everything the CLI prints and the page shows about an import, with its assumptions."""

    total: GroupTotals
    """All known-model rows."""
    by_model: tuple[GroupTotals, ...]
    """Per catalog model id (unknown models by their name, priced at 0 and listed in `unknown_models`)."""
    by_tier: tuple[GroupTotals, ...]
    """Per service tier."""
    by_tag: tuple[GroupTotals, ...]
    """Per workflow tag (`(untagged)` for rows without one); empty when the source has no tags."""
    daily_days: tuple[int, ...]
    """Days of the daily series [days since 1970-01-01]."""
    daily_models: tuple[str, ...]
    """Models of the daily series."""
    daily_actual_usd: tuple[tuple[float, ...], ...]
    """Actual spend [USD], one tuple per model over `daily_days`."""
    daily_whatif_usd: tuple[float, ...]
    """What-if spend over `daily_days`, all models [USD]."""
    first_day: int | None
    """First UTC day of the import [days since 1970-01-01]."""
    last_day: int | None
    """Last UTC day of the import [days since 1970-01-01]."""
    unknown_models: dict[str, int]
    """Model names the catalog does not know → rows (not priced, not in totals)."""
    long_context_rows: int
    """Rows priced at long-context rates."""
    billed_unmatched_usd: float = 0.0
    """Billed amounts not attributable to a known model [USD]."""
    unknown_tier_rows: int = 0
    """Rows with no service tier: priced at standard rates, not discounted and not moved [rows]."""
    unknown_tier_usd: float = 0.0
    """Their spend at standard rates [USD] (up to half of it too much, if they ran on batch)."""
    unknown_tier_share: float = 0.0
    """`unknown_tier_usd` / actual spend [share]."""
    fast_rows: int = 0
    """Rows priced at fast-mode rates (never moved to batch) [rows]."""
    geo_rows: int = 0
    """Rows priced with the `inference_geo: us` multiplier [rows]."""
    warnings: tuple[str, ...] = ()
    """What the import cannot know or had to assume about the figures, one sentence each."""
    assumptions: tuple[str, ...]
    """Every assumption behind the figures."""
    price_source: str
    """Price source line."""

    @property
    def period_days(self) -> int:
        """Days spanned by the import, first to last inclusive [days]."""
        return 0 if self.first_day is None or self.last_day is None else self.last_day - self.first_day + 1


def _group(
    priced: PricedUsage,
    codes: IntArray,
    keys: Sequence[str],
    known: npt.NDArray[np.bool_],
    billed: Sequence[float | None] | None = None,
) -> list[GroupTotals]:
    """Totals per code (bincount); rows of unknown models count in `rows` but add no money."""
    c = priced.columns
    n = len(keys)

    def s(weights: FloatArray, mask: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        w = weights if mask is None else np.where(mask, weights, 0.0)
        out: FloatArray = np.bincount(codes, weights=w, minlength=n)[:n].astype(np.float64)
        return out

    money = {
        "actual": s(np.nan_to_num(priced.actual_usd)),
        "whatif": s(np.nan_to_num(priced.whatif_usd)),
        "batch": s(np.nan_to_num(priced.actual_usd), known & (c.tier_codes == TIER_BATCH)),
    }
    requests = s(np.nan_to_num(c.requests))
    requests_missing = s(np.isnan(c.requests).astype(np.float64))
    rows: IntArray = np.bincount(codes, minlength=n)[:n]
    total_input = c.total_input_tokens()
    input_tokens = s(total_input)
    batch_input = s(total_input, c.tier_codes == TIER_BATCH)
    output_tokens = s(c.output_tokens)
    result = []
    for i, key in enumerate(keys):
        if rows[i] == 0:
            continue
        result.append(
            GroupTotals(
                key=key,
                rows=int(rows[i]),
                requests=None if requests_missing[i] > 0 else float(requests[i]),
                input_tokens=float(input_tokens[i]),
                output_tokens=float(output_tokens[i]),
                standard_usd=float(money["actual"][i] - money["batch"][i]),
                batch_usd=float(money["batch"][i]),
                batch_token_share=float(batch_input[i] / input_tokens[i]) if input_tokens[i] > 0 else 0.0,
                actual_usd=float(money["actual"][i]),
                whatif_usd=float(money["whatif"][i]),
                savings_usd=float(money["actual"][i] - money["whatif"][i]),
                billed_usd=None if billed is None else billed[i],
            )
        )
    return result


def _model_keys(priced: PricedUsage) -> tuple[list[str], IntArray]:
    """Group keys per row: the catalog id (dated ids merge), or the raw name for unknown models."""
    names = [rid or name for rid, name in zip(priced.resolved_model_ids, priced.columns.model_names, strict=True)]
    keys = sorted(set(names))
    key_of_code = np.array([keys.index(n) for n in names] or [0], dtype=np.int64)
    return keys, key_of_code[priced.columns.model_codes] if priced.columns.n_rows else np.zeros(0, np.int64)


def summarize(
    priced: PricedUsage,
    assumptions: WhatIfAssumptions,
    *,
    price_source: str,
    billed: BilledColumns | None = None,
    catalog: Catalog | None = None,
) -> UsageSummary:
    """Totals by model, tier, tag and day; billed amounts (if a cost report came along) by model."""
    c = priced.columns
    known = ~np.isnan(priced.actual_usd)
    model_keys, model_rows = _model_keys(priced)
    billed_by_model: list[float | None] | None = None
    billed_unmatched = 0.0
    if billed is not None:
        billed_ids = [_resolved_id(name, catalog) for name in billed.model_names]
        per_key = dict.fromkeys(model_keys, 0.0)
        for code, amount in zip(billed.model_codes.tolist(), billed.amount_usd.tolist(), strict=True):
            rid = billed_ids[code] if code >= 0 else None
            if rid in per_key:
                per_key[rid] += amount
            else:
                billed_unmatched += amount
        billed_by_model = [per_key[k] for k in model_keys]
    by_model = _group(priced, model_rows, model_keys, known, billed_by_model)
    by_tier = _group(priced, c.tier_codes, TIERS, known)
    by_tag: list[GroupTotals] = []
    if c.tag_names and c.n_rows and (c.tag_codes >= 0).any():
        tag_keys = [*c.tag_names, "(untagged)"]
        tag_rows = np.where(c.tag_codes >= 0, c.tag_codes, len(c.tag_names))
        by_tag = _group(priced, tag_rows, tag_keys, known)
    total_billed = None if billed is None else float(billed.amount_usd.sum())
    total = _group(priced, np.zeros(c.n_rows, np.int64), ["total"], known, None if billed is None else [total_billed])
    if not total:
        total = [
            GroupTotals(
                key="total",
                rows=0,
                requests=None,
                input_tokens=0,
                output_tokens=0,
                standard_usd=0,
                batch_usd=0,
                batch_token_share=0,
                actual_usd=0,
                whatif_usd=0,
                savings_usd=0,
                billed_usd=total_billed,
            )
        ]
    unknown: dict[str, int] = {}
    unknown_counts = np.bincount(c.model_codes[~known], minlength=len(c.model_names))
    for name, count in zip(c.model_names, unknown_counts, strict=False):
        if count:
            unknown[name] = int(count)
    first = int(c.days.min()) if c.n_rows else None
    last = int(c.days.max()) if c.n_rows else None
    days, models, daily, daily_whatif = _daily(priced, model_keys, model_rows, first, last)
    notes = list(assumptions.describe())
    notes.append("rows that already ran on batch keep their actual cost: they are never discounted again")
    notes.append("priority and unrecognised service tiers are priced at standard rates and not moved to batch")
    notes.append(
        "rows with no service tier (tier unknown) are priced at standard rates, not discounted and not moved: "
        "they may have run on batch already"
    )
    notes.append(
        "fast-mode rows (speed fast) are priced at fast rates and never moved to batch (no fast mode in batches)"
    )
    notes.append(
        f"inference_geo us rows pay {INFERENCE_GEO_MULTIPLIERS['us']:g}× on tokens (not on web search) "
        "on models that support it"
    )
    notes.append("web search at $10 per 1,000 searches on both APIs (no batch rate)")
    notes.append(
        "long-context prices: per request from its total input for request logs; for aggregated report rows "
        "from the report's context_window where given, else base prices"
    )
    notes.append("the batch what-if keeps the observed sync spend as the baseline (failures_on_sync_too off)")
    if unknown:
        notes.append(
            f"{sum(unknown.values())} rows of unknown models ({', '.join(sorted(unknown))}) are not priced "
            "and not in the totals"
        )
    unknown_tier = known & (c.tier_codes == TIER_UNKNOWN)
    unknown_tier_usd = float(priced.actual_usd[unknown_tier].sum())
    actual_total = total[0].actual_usd
    unknown_tier_share = unknown_tier_usd / actual_total if actual_total > 0 else 0.0
    warnings = _warnings(priced, int(unknown_tier.sum()), unknown_tier_usd, unknown_tier_share)
    return UsageSummary(
        total=total[0],
        by_model=tuple(by_model),
        by_tier=tuple(by_tier),
        by_tag=tuple(by_tag),
        daily_days=days,
        daily_models=models,
        daily_actual_usd=daily,
        daily_whatif_usd=daily_whatif,
        first_day=first,
        last_day=last,
        unknown_models=unknown,
        long_context_rows=priced.long_context_rows,
        billed_unmatched_usd=billed_unmatched,
        unknown_tier_rows=int(unknown_tier.sum()),
        unknown_tier_usd=unknown_tier_usd,
        unknown_tier_share=unknown_tier_share,
        fast_rows=priced.fast_rows,
        geo_rows=priced.geo_rows,
        warnings=warnings,
        assumptions=tuple(notes),
        price_source=price_source,
    )


def _warnings(priced: PricedUsage, unknown_rows: int, unknown_usd: float, unknown_share: float) -> tuple[str, ...]:
    """One sentence per thing the import cannot know, with the spend it affects."""
    out = []
    if unknown_rows:
        out.append(
            f"tier unknown: {unknown_rows:,} row{'s' if unknown_rows != 1 else ''} "
            f"({unknown_share:.1%} of spend, ${unknown_usd:,.2f}) have no service tier: "
            "priced at standard rates, not discounted, not moved to batch; if they ran on batch their actual cost "
            "is half that. Import a source with the service tier to price them exactly"
        )
    if priced.fast_unpriced_rows:
        out.append(
            f"{priced.fast_unpriced_rows:,} fast-mode rows are on a model without fast prices: priced at standard rates"
        )
    if priced.geo_unsupported_rows:
        out.append(
            f"{priced.geo_unsupported_rows:,} inference_geo us rows are on a model without data residency pricing: "
            "priced without the multiplier"
        )
    return tuple(out)


def _resolved_id(name: str, catalog: Catalog | None) -> str:
    if catalog is None:
        return name
    try:
        return catalog.get(name).model_id
    except UnknownModelError:
        return name


def _daily(
    priced: PricedUsage, model_keys: Sequence[str], model_rows: IntArray, first: int | None, last: int | None
) -> tuple[tuple[int, ...], tuple[str, ...], tuple[tuple[float, ...], ...], tuple[float, ...]]:
    if first is None or last is None:
        return (), (), (), ()
    n_days = last - first + 1
    n_models = len(model_keys)
    cell = (priced.columns.days - first) * n_models + model_rows
    actual = np.bincount(cell, weights=np.nan_to_num(priced.actual_usd), minlength=n_days * n_models)
    grid = actual.reshape(n_days, n_models)
    whatif = np.bincount(priced.columns.days - first, weights=np.nan_to_num(priced.whatif_usd), minlength=n_days)
    present = grid.sum(axis=0) > 0
    models = tuple(k for k, p in zip(model_keys, present, strict=True) if p)
    series = tuple(tuple(float(v) for v in grid[:, j]) for j in range(n_models) if present[j])
    return tuple(range(first, last + 1)), models, series, tuple(float(v) for v in whatif)


# --- plan vs actual ------------------------------------------------------------------------------


class PlanVsActualRow(StrictModel):
    """One workflow (or workflows sharing a model) of a plan against the imported month."""

    workflow: str
    """Workflow name(s) from the plan."""
    matched_by: Literal["tag", "model", "none"]
    """How imported usage was matched: by workflow tag = name, by model, or not at all."""
    key: str
    """The tag or model id matched."""
    planned_requests_per_month: float
    """Plan volume [requests/month]."""
    actual_requests_per_month: float | None
    """Imported volume scaled to a month; None when the source does not count requests [requests/month]."""
    planned_spend_per_month_usd: float
    """Plan spend at the imported tier mix: sync cost × (1 − b) + batch cost × b [USD/month]."""
    actual_spend_per_month_usd: float
    """Imported spend scaled to a month [USD/month]."""
    planned_batch_share: float
    """Share of the plan priced at its batch cost, set to the imported batch share of input tokens [share]."""
    volume_deviation: float | None
    """actual / planned − 1 for volume [share]."""
    spend_deviation: float | None
    """actual / planned − 1 for spend [share]."""
    flagged: bool
    """True when volume or spend is more than the tolerance off."""


def _deviation(actual: float | None, planned: float) -> float | None:
    if actual is None:
        return None
    if planned == 0:
        return 0.0 if actual == 0 else float("inf")
    return actual / planned - 1


def plan_vs_actual(
    workflows: Sequence[Workflow],
    summary: UsageSummary,
    catalog: Catalog,
    *,
    tolerance: float = PLAN_TOLERANCE,
) -> tuple[PlanVsActualRow, ...]:
    """Each plan workflow against the import, both per month; flags anything more than `tolerance` off.

    Matching: when the import has workflow tags, a workflow matches the tag equal to its name (or to
    the part before ` · `, as `workflows_from_usage` names a tag split over several models);
    otherwise workflows are matched by model, and workflows sharing a model are compared together.
    The imported period is scaled to an average month (30.44 days).
    """
    from costmodel.cost import compare
    from costmodel.workflow import resolve_pricing

    if summary.period_days == 0:
        raise UsageError("the import has no rows: nothing to compare the plan with")
    months = summary.period_days / DAYS_PER_MONTH
    groups: dict[tuple[str, str], list[Workflow]] = {}
    by_tag = {g.key: g for g in summary.by_tag}
    by_model = {g.key: g for g in summary.by_model}
    for w in workflows:
        if by_tag:
            tag = w.name if w.name in by_tag else w.name.split(" · ")[0]
            groups.setdefault(("tag", tag), []).append(w)
        else:
            groups.setdefault(("model", resolve_pricing(w, catalog).model_id), []).append(w)
    rows = []
    for (kind, key), members in groups.items():
        comparisons = [compare(w, resolve_pricing(w, catalog)) for w in members]
        actual = (by_tag if kind == "tag" else by_model).get(key)
        planned_requests = sum(w.monthly_requests for w in members)
        b = 0.0 if actual is None else actual.batch_token_share
        planned_spend = sum((1 - b) * c.sync_cost_per_month_usd + b * c.batch_cost_per_month_usd for c in comparisons)
        actual_requests = 0.0 if actual is None else None if actual.requests is None else actual.requests / months
        actual_spend = 0.0 if actual is None else actual.actual_usd / months
        volume_dev = _deviation(actual_requests, planned_requests)
        spend_dev = _deviation(actual_spend, planned_spend)
        flagged = any(d is not None and abs(d) > tolerance for d in (volume_dev, spend_dev))
        rows.append(
            PlanVsActualRow(
                workflow=" + ".join(w.name for w in members),
                matched_by="none" if actual is None else "tag" if kind == "tag" else "model",
                key=key,
                planned_requests_per_month=planned_requests,
                actual_requests_per_month=actual_requests,
                planned_spend_per_month_usd=planned_spend,
                actual_spend_per_month_usd=actual_spend,
                planned_batch_share=b,
                volume_deviation=volume_dev,
                spend_deviation=spend_dev,
                flagged=flagged,
            )
        )
    return tuple(rows)


# --- the imported month as a scenario -----------------------------------------------------------

_NAME_MAX = 120
_VARIANTS = 4
"""Workflow variants per (tag, model): bit 1 = fast mode, bit 2 = `inference_geo: us`."""


def workflows_from_usage(columns: UsageColumns, catalog: Catalog) -> tuple[Workflow, ...]:
    """One workflow per (tag, model, speed, geo) — or per model without tags — with monthly volume and average tokens.

    Fast-mode rows (on a model with fast mode) and `inference_geo: us` rows (on a model that has it)
    become their own workflows with `speed: fast` / `inference_geo: us`, so the planner prices them as
    such and never moves fast traffic to batch; their names end in ` · fast` / ` · us`.

    Per request: input = total input / requests; cached prefix = (cache writes + reads) / requests;
    cache hit rate = reads / (writes + reads); sync TTL = the TTL with more writes. Volumes are
    scaled from the imported period to an average month (30.44 days). Unknown models are left out.
    """
    from costmodel.workflow import Workflow

    if columns.n_rows == 0:
        raise UsageError("the import has no rows: there is nothing to build a scenario from")
    pricings = _resolve(columns.model_names, catalog)
    known = np.array([p is not None for p in pricings])[columns.model_codes]
    if not known.any():
        raise UsageError("every imported row names a model the price catalog does not know")
    c = columns.take(known)
    model_ids = [None if p is None else p.model_id for p in pricings]
    keys = sorted({model_ids[i] or "" for i in set(c.model_codes.tolist())})
    model_key = np.array([keys.index(m) if m in keys else 0 for m in model_ids], dtype=np.int64)[c.model_codes]
    tag = np.where(c.tag_codes >= 0, c.tag_codes, len(c.tag_names)) if c.tag_names else np.zeros(c.n_rows, np.int64)
    fast_ok = np.array([p is not None and p.fast is not None for p in pricings])[c.model_codes]
    geo_ok = np.array([p is not None and p.inference_geo_supported for p in pricings])[c.model_codes]
    variant = (c.fast_rows() & fast_ok).astype(np.int64) + 2 * (c.geo_us_rows() & geo_ok).astype(np.int64)
    per_tag = len(keys) * _VARIANTS
    group = tag * per_tag + model_key * _VARIANTS + variant
    n_groups = (len(c.tag_names) + 1) * per_tag

    def total(values: FloatArray) -> FloatArray:
        out: FloatArray = np.bincount(group, weights=values, minlength=n_groups).astype(np.float64)
        return out

    requests = total(np.nan_to_num(c.requests))
    missing = total(np.isnan(c.requests).astype(np.float64))
    input_tokens = total(c.total_input_tokens())
    output_tokens = total(c.output_tokens)
    writes_5m = total(c.cache_write_5m_tokens)
    writes_1h = total(c.cache_write_1h_tokens)
    reads = total(c.cache_read_tokens)
    rows: IntArray = np.bincount(group, minlength=n_groups)
    months = (int(c.days.max()) - int(c.days.min()) + 1) / DAYS_PER_MONTH
    tag_names = (*c.tag_names, "")
    workflows = []
    models_per_tag = np.bincount(np.flatnonzero(rows) // per_tag, minlength=len(tag_names))
    for g in np.flatnonzero(rows):
        t, model_id, v = g // per_tag, keys[(g % per_tag) // _VARIANTS], int(g % _VARIANTS)
        label = model_id + (" · fast" if v & 1 else "") + (" · us" if v & 2 else "")
        tag_name = tag_names[t]
        # a tag on one model keeps its own name, so plan vs actual can match it back
        name = (tag_name if models_per_tag[t] == 1 else f"{tag_name} · {label}") if tag_name else label
        if missing[g] > 0 or requests[g] <= 0:
            raise UsageError(
                f"{name}: the source does not count requests, so average tokens per request are unknown; "
                "import per-request logs, or add a requests column to the file"
            )
        n = requests[g]
        prefix_total = writes_5m[g] + writes_1h[g] + reads[g]
        workflows.append(
            Workflow(
                name=name[:_NAME_MAX],
                model=model_id,
                requests_per_month=float(n / months),
                input_tokens=float(input_tokens[g] / n),
                output_tokens=float(output_tokens[g] / n),
                cached_input_tokens=float(prefix_total / n),
                cache_hit_rate=float(reads[g] / prefix_total) if prefix_total > 0 else 0.0,
                sync_cache_ttl="1h" if writes_1h[g] > writes_5m[g] else "5m",
                speed="fast" if v & 1 else "standard",
                inference_geo="us" if v & 2 else "global",
                description=(
                    f"imported usage: {int(rows[g]):,} rows, {n:,.0f} requests over {months * DAYS_PER_MONTH:.0f} days"
                ),
            )
        )
    return tuple(workflows)


def scenario_from_usage(columns: UsageColumns, catalog: Catalog, *, name: str, description: str = "") -> Scenario:
    """The imported month as a planner scenario (see `workflows_from_usage`)."""
    from costmodel.scenario import Scenario

    return Scenario(name=name, description=description, workflows=workflows_from_usage(columns, catalog))
