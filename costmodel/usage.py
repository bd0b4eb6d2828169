"""Imported usage, priced: actual spend, the batch what-if, and a scenario from a month.

Reports built on the priced rows (totals, billed vs priced, plan vs actual) live in `usageimport.summary`.

Pure and vectorised (numpy only): prices are resolved once per (model, API, context tier) and
applied to whole token columns. The shell (`usageimport`) turns report files into
`UsageColumns`; nothing here reads files, talks to the network or reads the clock.

Glossary (per row; a row is one request from a log or one aggregated report row):
- `uncached_input_tokens`, `cache_write_5m_tokens`, `cache_write_1h_tokens`, `cache_read_tokens`,
  `output_tokens` [tokens]; total input = uncached + cache writes + cache reads
- `web_search_requests` [searches], priced at `limits.WEB_SEARCH_USD_PER_USE` on both APIs
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

from costmodel import formatting as fmt
from costmodel._base import Share, StrictModel, SuccessRate
from costmodel.limits import INFERENCE_GEO_MULTIPLIERS, WEB_SEARCH_USD_PER_USE
from costmodel.prices import Catalog, ModelPricing

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
    "PricedUsage",
    "UsageColumns",
    "UsageError",
    "WhatIfAssumptions",
    "price_usage",
    "request_log_samples",
    "scenario_from_usage",
    "workflows_from_usage",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TIER_STANDARD, TIER_BATCH, TIER_OTHER, TIER_UNKNOWN = 0, 1, 2, 3
TIERS = ("standard", "batch", "other", "unknown")
"""Service tier names by code."""

LC_PER_REQUEST, LC_BASE, LC_LONG = -1, 0, 1
"""Long-context hints: decide per row from its total input / base prices / long-context prices."""


DAYS_PER_MONTH = 365.25 / 12
"""An average calendar month [days]: imported periods are scaled to this for monthly figures."""

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
        notes = [f"batchable share of standard-tier traffic: {fmt.share(self.batchable_share)}"]
        by_model, by_tag = sorted(self.batchable_share_by_model.items()), sorted(self.batchable_share_by_tag.items())
        notes += [f"batchable share for model {k}: {fmt.share(v)}" for k, v in by_model]
        notes += [f"batchable share for tag {k}: {fmt.share(v)}" for k, v in by_tag]
        notes.append(
            f"first-pass success rate {fmt.share(self.success_rate)}; "
            f"failed attempts billed at {fmt.share(self.billed_failure_share)}"
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

    pricings = [catalog.find(name) for name in columns.model_names]
    long_rows = _long_context_rows(columns, pricings)
    flat_index = long_rows.astype(np.int64) * len(pricings) + columns.model_codes
    fast = columns.fast_rows()
    geo = columns.geo_us_rows()
    codes = columns.model_codes
    has_fast = np.array([p is not None and p.fast is not None for p in pricings] or [False])[codes]
    geo_ok = np.array([p is not None and p.inference_geo_supported for p in pricings] or [False])[codes]
    # data residency multiplies tokens only; web search is a per-use fee and is not multiplied
    geo_factor = np.where(geo & geo_ok, INFERENCE_GEO_MULTIPLIERS["us"], 1.0)
    web_usd = columns.web_search_requests * WEB_SEARCH_USD_PER_USE
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


# --- the imported month as a scenario -----------------------------------------------------------

_NAME_MAX = 120
_VARIANTS = 4
"""Workflow variants per (tag, model): bit 1 = fast mode, bit 2 = `inference_geo: us`."""


def _workflow_groups(columns: UsageColumns, catalog: Catalog) -> tuple[UsageColumns, IntArray, list[str], int, int]:
    """The rows of known models, each row's workflow group (tag, model, speed, geo), the model ids, groups per tag
    and the number of groups; raises UsageError when no row can be used."""
    if columns.n_rows == 0:
        raise UsageError("the import has no rows: there is nothing to build a scenario from")
    pricings = [catalog.find(name) for name in columns.model_names]
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
    return c, group, keys, per_tag, n_groups


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

    c, group, keys, per_tag, n_groups = _workflow_groups(columns, catalog)

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


def request_log_samples(columns: UsageColumns, catalog: Catalog) -> tuple[dict[str, Any], ...]:
    """Per workflow of `workflows_from_usage` (same order), each request's input (cache included) and output tokens
    as `sample` distributions (`costmodel.uncertainty.token_samples`) when every row of the workflow is one request
    (a request log); `{}` for a workflow whose rows aggregate requests (a usage report: no per-request spread)."""
    from costmodel.uncertainty import token_samples

    c, group, _, _, n_groups = _workflow_groups(columns, catalog)
    order = np.argsort(group, kind="stable")
    rows: IntArray = np.bincount(group, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(rows)))
    inputs, outputs = c.total_input_tokens()[order], c.output_tokens[order]
    one_each = (c.requests == 1)[order]
    found: list[dict[str, Any]] = []
    for g in np.flatnonzero(rows):
        span = slice(int(starts[g]), int(starts[g + 1]))
        found.append(dict(token_samples(inputs[span], outputs[span])) if one_each[span].all() else {})
    return tuple(found)
