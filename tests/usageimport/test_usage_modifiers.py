"""Usage pricing that knows what it cannot know: rows with no service tier, fast mode, inference_geo.

Figures from Anthropic's pricing page (checked 2026-11-30): Sonnet 4.6 $3/MTok input; batch is half;
fast mode on Opus 4.6 is 6× standard ($30/MTok input); data residency (`inference_geo: us`) is 1.1× on
every token category on Opus/Sonnet 4.6 and later, per-use fees (web search $10/1,000) not multiplied.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from costmodel.prices import load_catalog
from costmodel.usage import (
    LC_BASE,
    TIER_BATCH,
    TIER_STANDARD,
    TIER_UNKNOWN,
    UsageColumns,
    WhatIfAssumptions,
    price_usage,
)
from usageimport.summary import summarize

CATALOG = load_catalog(as_of=date(2026, 11, 30), include_retired=True)
DAY0 = (date(2026, 10, 1) - date(1970, 1, 1)).days


def columns(rows: list[dict[str, object]]) -> UsageColumns:
    """Aggregated rows (model, tier, uncached, web, fast, geo)."""
    names = list(dict.fromkeys(str(r["model"]) for r in rows))
    n = len(rows)
    return UsageColumns(
        model_codes=np.array([names.index(str(r["model"])) for r in rows], dtype=np.int64),
        model_names=tuple(names),
        tier_codes=np.array([r.get("tier", TIER_STANDARD) for r in rows], dtype=np.int64),
        uncached_input_tokens=np.array([r.get("uncached", 0.0) for r in rows], dtype=np.float64),
        cache_write_5m_tokens=np.zeros(n),
        cache_write_1h_tokens=np.zeros(n),
        cache_read_tokens=np.zeros(n),
        output_tokens=np.zeros(n),
        web_search_requests=np.array([r.get("web", 0.0) for r in rows], dtype=np.float64),
        requests=np.full(n, np.nan),
        long_context_hint=np.full(n, LC_BASE, dtype=np.int64),
        days=np.full(n, DAY0, dtype=np.int64),
        tag_codes=np.full(n, -1, dtype=np.int64),
        fast=np.array([bool(r.get("fast", False)) for r in rows]),
        geo_us=np.array([bool(r.get("geo", False)) for r in rows]),
    )


def test_rows_without_a_service_tier_are_neither_discounted_nor_moved_and_their_share_is_reported() -> None:
    rows = [
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000, "tier": TIER_STANDARD},
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000, "tier": TIER_UNKNOWN},
    ]
    priced = price_usage(columns(rows), CATALOG, WhatIfAssumptions(batchable_share=1.0))
    assert priced.actual_usd.tolist() == pytest.approx([3.0, 3.0])  # both at standard rates
    assert priced.whatif_usd.tolist() == pytest.approx([1.5, 3.0])  # only the known standard row moves
    summary = summarize(priced, WhatIfAssumptions(), price_source="test")
    assert summary.unknown_tier_rows == 1
    assert summary.unknown_tier_usd == pytest.approx(3.0)
    assert summary.unknown_tier_share == pytest.approx(0.5)
    assert any(w.startswith("tier unknown") and "50.0% of spend" in w for w in summary.warnings)
    assert {g.key: g.actual_usd for g in summary.by_tier}["unknown"] == pytest.approx(3.0)
    assert summary.total.savings_usd == pytest.approx(1.5)


def test_no_warning_when_every_row_has_a_tier() -> None:
    rows = [{"model": "claude-sonnet-4-6", "uncached": 1_000_000, "tier": TIER_BATCH}]
    summary = summarize(price_usage(columns(rows), CATALOG, WhatIfAssumptions()), WhatIfAssumptions(), price_source="t")
    assert summary.unknown_tier_rows == 0
    assert summary.warnings == ()


def test_fast_mode_rows_are_priced_as_fast_and_never_moved_to_batch() -> None:
    rows = [
        {"model": "claude-opus-4-6", "uncached": 1_000_000, "fast": True},
        {"model": "claude-opus-4-6", "uncached": 1_000_000},
    ]
    priced = price_usage(columns(rows), CATALOG, WhatIfAssumptions(batchable_share=1.0))
    assert priced.actual_usd.tolist() == pytest.approx([30.0, 5.0])  # Opus 4.6 fast: 6 × $5/MTok
    assert priced.whatif_usd.tolist() == pytest.approx([30.0, 2.5])
    assert priced.batchable_share.tolist() == [0.0, 1.0]
    assert priced.fast_rows == 1
    summary = summarize(priced, WhatIfAssumptions(), price_source="test")
    assert summary.fast_rows == 1


def test_fast_row_on_a_model_without_fast_mode_is_priced_standard_with_a_warning() -> None:
    rows = [{"model": "claude-sonnet-4-6", "uncached": 1_000_000, "fast": True}]
    priced = price_usage(columns(rows), CATALOG, WhatIfAssumptions())
    assert priced.actual_usd.tolist() == pytest.approx([3.0])
    assert priced.whatif_usd.tolist() == pytest.approx([3.0])  # still never moved
    summary = summarize(priced, WhatIfAssumptions(), price_source="test")
    assert any("without fast prices" in w for w in summary.warnings)


def test_inference_geo_us_is_1_1x_on_tokens_not_on_web_search_and_only_where_supported() -> None:
    rows = [
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000, "web": 100, "geo": True},
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000, "web": 100, "geo": True, "tier": TIER_BATCH},
        {"model": "claude-haiku-4-5", "uncached": 1_000_000, "geo": True},  # no data residency on Haiku 4.5
    ]
    priced = price_usage(columns(rows), CATALOG, WhatIfAssumptions())
    assert priced.actual_usd.tolist() == pytest.approx([3.0 * 1.1 + 1.0, 1.5 * 1.1 + 1.0, 1.0])
    assert priced.whatif_usd[0] == pytest.approx(1.5 * 1.1 + 1.0)  # moved to batch, still 1.1× on tokens
    assert priced.geo_rows == 2
    summary = summarize(priced, WhatIfAssumptions(), price_source="test")
    assert summary.geo_rows == 2
    assert any("data residency" in w for w in summary.warnings)


def test_a_scenario_from_usage_keeps_fast_and_us_traffic_apart() -> None:
    from costmodel.usage import workflows_from_usage

    rows = [
        {"model": "claude-opus-4-6", "uncached": 1_000, "fast": True},
        {"model": "claude-opus-4-6", "uncached": 1_000},
        {"model": "claude-opus-4-6", "uncached": 1_000, "geo": True},
        {"model": "claude-haiku-4-5", "uncached": 1_000, "geo": True, "fast": True},  # neither exists on Haiku 4.5
    ]
    cols = columns(rows)
    cols = UsageColumns(**{**cols.__dict__, "requests": np.ones(len(rows))})
    flows = {w.name: (w.speed, w.inference_geo) for w in workflows_from_usage(cols, CATALOG)}
    assert flows == {
        "claude-opus-4-6": ("standard", "global"),
        "claude-opus-4-6 · fast": ("fast", "global"),
        "claude-opus-4-6 · us": ("standard", "us"),
        "claude-haiku-4-5": ("standard", "global"),
    }
