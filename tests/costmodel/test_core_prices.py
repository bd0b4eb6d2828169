"""The catalog equals genai-prices' own `calc_price` on sample usages, for every model, sync and batch.

genai-prices counts usage hierarchically: `input_tokens` is the total input (cache included),
`cache_write_tokens` all cache writes and `cache_write_1h_tokens` the 1-hour part of them; each
token is billed once at its most specific priced unit. The catalog takes the disjoint split
(uncached, 5-minute writes, 1-hour writes, reads), so the usage below is built from it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from genai_prices import Usage, calc_price, data_snapshot

from costmodel.prices import load_catalog
from tests.costmodel.core_support import AS_OF

WHEN = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=UTC)
CATALOG = load_catalog(as_of=AS_OF, include_retired=True)
ANTHROPIC = next(p for p in data_snapshot.get_snapshot().providers if p.id == "anthropic")


def _has_cache_prices(model_id: str) -> bool:
    model = next(m for m in ANTHROPIC.models if m.id == model_id)
    return model.get_prices(WHEN).cache_read_mtok is not None


# (uncached input, 5-min writes, 1-h writes, reads, output) per request [tokens]
PLAIN_USAGES = [(15_000, 0, 0, 0, 800), (1, 0, 0, 0, 1), (0, 0, 0, 0, 4_000), (180_000, 0, 0, 0, 2_500)]
CACHE_USAGES = [
    (4_000, 1_200, 0, 4_800, 500),
    (4_000, 0, 3_600, 2_400, 500),
    (2_000, 700, 1_300, 9_000, 0),
    (50_000, 60_000, 40_000, 90_000, 3_000),  # 240,000 in total: above every long-context threshold
]


def _usages(model_id: str) -> list[tuple[int, int, int, int, int]]:
    usages = list(PLAIN_USAGES)
    pricing = CATALOG.get(model_id)
    if pricing.long_context is not None:
        t = pricing.long_context.threshold_input_tokens
        usages += [(t, 0, 0, 0, 1_000), (t + 1, 0, 0, 0, 1_000), (t - 1_000, 0, 0, 2_000, 10)]
    if _has_cache_prices(model_id):
        usages += CACHE_USAGES
    return usages


CASES = [
    pytest.param(m.model_id, api, usage, id=f"{m.model_id}-{api}-{'-'.join(map(str, usage))}")
    for m in CATALOG.models
    for api in ("sync", "batch")
    for usage in _usages(m.model_id)
]


def _genai_price(model_id: str, api: str, usage: tuple[int, int, int, int, int]) -> float:
    uncached, w5, w1h, reads, output = usage
    u = Usage(
        input_tokens=uncached + w5 + w1h + reads,
        cache_write_tokens=w5 + w1h,
        cache_write_1h_tokens=w1h,
        cache_read_tokens=reads,
        output_tokens=output,
    )
    context = {"processing": "batch"} if api == "batch" else None
    result = calc_price(u, model_id, provider_id="anthropic", genai_request_timestamp=WHEN, price_context=context)
    assert result.model.id == model_id
    return float(result.total_price)


@pytest.mark.parametrize(("model_id", "api", "usage"), CASES)
def test_catalog_equals_calc_price(model_id: str, api: str, usage: tuple[int, int, int, int, int]) -> None:
    pricing = CATALOG.get(model_id)
    uncached, w5, w1h, reads, output = usage
    ours = pricing.request_cost_usd(
        api,  # type: ignore[arg-type]
        uncached_input_tokens=uncached,
        output_tokens=output,
        cache_write_5m_tokens=w5,
        cache_write_1h_tokens=w1h,
        cache_read_tokens=reads,
    )
    expected = _genai_price(model_id, "sync", usage)
    if api == "batch":
        if pricing.batch_rate_published:
            expected = _genai_price(model_id, "batch", usage)
        else:
            # genai-prices silently returns the standard price here: the catalog applies the default 50 %
            assert _genai_price(model_id, "batch", usage) == pytest.approx(expected, rel=1e-12)
            expected *= 0.5
    assert ours == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_every_priced_model_is_in_the_full_catalog() -> None:
    assert sorted(CATALOG.ids()) == sorted(m.id for m in ANTHROPIC.models)


def test_only_pre_caching_models_lack_cache_prices() -> None:
    # the cache cases above are skipped only for models Anthropic never offered prompt caching on
    assert {m for m in CATALOG.ids() if not _has_cache_prices(m)} == {"claude-v1", "claude-2"}


def test_published_batch_flag_matches_the_library() -> None:
    for m in ANTHROPIC.models:
        has_variant = m.get_prices(WHEN, {"processing": "batch"}) != m.get_prices(WHEN)
        assert CATALOG.get(m.id).batch_rate_published is has_variant, m.id


def test_retired_models_left_out_by_default() -> None:
    planning = load_catalog(as_of=AS_OF)
    assert "claude-2" not in planning.ids()
    assert "claude-2" in CATALOG.ids()
    assert "claude-sonnet-4-6" in planning.ids()


def test_dated_model_name_resolves() -> None:
    assert CATALOG.get("claude-sonnet-4-6-20260101").model_id == "claude-sonnet-4-6"


def test_find_returns_the_model_or_none() -> None:
    planning = load_catalog(as_of=AS_OF)
    found = CATALOG.find("claude-sonnet-4-6-20260101")
    assert found is not None
    assert found.model_id == "claude-sonnet-4-6"  # resolves dated names as `get` does
    assert CATALOG.find("claude-nonexistent-9") is None
    assert planning.find("") is None
    retired = planning.find("claude-2")  # hidden from the planning list, still found
    assert retired is not None
    assert retired.retired


def test_catalog_source_names_library_and_date() -> None:
    from importlib.metadata import version

    label = CATALOG.source.label()
    assert CATALOG.source.name == "genai-prices"
    assert CATALOG.source.version == version("genai-prices")
    assert AS_OF.isoformat() in label
