"""The catalog's prices on screen: a model's sync and batch $/MTok, the cost of one request, the caching chosen.

Rendering only: the prices come from `cost.effective_pricing` (fast mode and `inference_geo` applied), the
request costs and caching choices from `cost.request_costs`, the dates from the price source.
"""

from __future__ import annotations

import streamlit as st

from costmodel import formatting as fmt
from costmodel.cost import CachingChoice, RequestCosts
from costmodel.formatting import usd_small as small
from costmodel.prices import ModelPricing, PriceSource, TokenPrices

__all__ = ["PRICE_ROWS", "caching_lines", "price_dates", "render_prices"]

PRICE_ROWS: tuple[tuple[str, str], ...] = (
    ("Input", "input_usd_per_mtok"),
    ("Output (thinking included)", "output_usd_per_mtok"),
    ("Cache write 5 min", "cache_write_5m_usd_per_mtok"),
    ("Cache write 1 h", "cache_write_1h_usd_per_mtok"),
    ("Cache read", "cache_read_usd_per_mtok"),
)
"""Row label → TokenPrices field, in the order Anthropic's pricing page lists them."""
_STRATEGY = {"none": "no caching", "5m": "5-minute cache", "1h": "1-hour cache"}


def _table(sync: TokenPrices, batch: TokenPrices) -> str:
    rows = [f"| {label} | {small(getattr(sync, f))} | {small(getattr(batch, f))} |" for label, f in PRICE_ROWS]
    return "\n".join(["| $/MTok | Sync | Batch |", "|---|---:|---:|", *rows])


def _request_table(rc: RequestCosts, steps: int) -> str:
    lines = [
        "| One request | Sync | Batch |",
        "|---|---:|---:|",
        f"| Uncached input | {small(rc.sync_uncached_input_usd)} | {small(rc.batch_uncached_input_usd)} |",
        f"| Cache writes + reads | {small(rc.sync_cache_usd)} | {small(rc.batch_cache_usd)} |",
        f"| Output | {small(rc.sync_output_usd)} | {small(rc.batch_output_usd)} |",
        f"| Per-use fees | {small(rc.sync_fees_usd)} | {small(rc.batch_fees_usd)} |",
        f"| **Total, one request** | **{small(rc.sync_usd)}** | **{small(rc.batch_usd)}** |",
    ]
    if steps > 1:
        lines.append(f"| One item ({steps} steps) | {small(rc.sync_usd * steps)} | {small(rc.batch_usd * steps)} |")
    return "\n".join(lines)


def caching_lines(rc: RequestCosts) -> list[str]:
    """One line per API: the caching strategy priced, and for batch the hit rates above which caching pays."""

    def line(api: str, c: CachingChoice) -> str:
        how = "the cheapest at this hit rate" if c.chosen_by == "cheapest" else "as set"
        assumed = " (assumed default)" if c.hit_rate_assumed else ""
        text = f"**{api}**: {_STRATEGY[c.strategy]}, {how}; hit rate {fmt.share(c.hit_rate)}{assumed}"
        if api == "Batch":
            pays = [f"{fmt.share(h)} ({ttl})" for ttl, h in c.break_even_hit_rate.items() if h is not None and h < 1]
            text += "; caching pays in batch above a hit rate of " + (", ".join(pays) if pays else "never")
        return text

    return [line(api, c) for api, c in (("Sync", rc.sync_caching), ("Batch", rc.batch_caching)) if c is not None]


def price_dates(source: PriceSource) -> str:
    """The price data's own date beside the evaluation date."""
    data = source.data_date.isoformat() if source.data_date else "not dated (your prices)"
    origin = f" ({source.data_origin})" if source.data_origin and source.data_date else ""
    return f"Price data dated **{data}**{origin} · evaluated for **{source.as_of.isoformat()}**"


def render_prices(pricing: ModelPricing, rc: RequestCosts, *, steps: int) -> None:
    """The model's sync and batch $/MTok as this workflow pays them, and the cost of one request."""
    st.markdown(price_dates(pricing.source))
    stale = pricing.source.stale_warning
    if stale:
        st.warning(stale[0].upper() + stale[1:], icon=":material/history:")
    left, right = st.columns(2)
    left.markdown(_table(pricing.sync, pricing.batch))
    right.markdown(_request_table(rc, steps))
    tier = pricing.long_context
    if tier is not None:
        st.caption(
            f"Above {tier.threshold_input_tokens:,} input tokens per request the long-context rates apply: "
            f"input {small(tier.sync.input_usd_per_mtok)} sync / {small(tier.batch.input_usd_per_mtok)} batch, "
            f"output {small(tier.sync.output_usd_per_mtok)} / {small(tier.batch.output_usd_per_mtok)}."
        )
    st.markdown("\n".join(f"- {line}" for line in caching_lines(rc)))
