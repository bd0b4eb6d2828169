"""Cost formulas, branch by branch, against hand computations (DESIGN.md: the cost model)."""

from __future__ import annotations

import numpy as np
import pytest

from costmodel.cost import compare, expected_item_costs, net_benefit_per_month_usd, request_costs, savings_curve
from costmodel.prices import CustomPrices, custom_pricing
from costmodel.workflow import Workflow, resolve_pricing
from tests.costmodel.core_support import AS_OF, check_workflow, reference_item_costs

C_SYNC, C_BATCH = 0.057, 0.0285


# --- expected cost per item ---------------------------------------------------------------------


@pytest.mark.parametrize("s", [1.0, 0.95, 0.7, 0.3, 0.05])
@pytest.mark.parametrize("f", [0.0, 0.4, 1.0])
@pytest.mark.parametrize(("route", "rounds"), [("sync", 1), ("sync", 4), ("batch", 1), ("batch", 2), ("batch", 5)])
@pytest.mark.parametrize("on_sync_too", [False, True])
def test_item_costs_match_round_by_round_walk(s: float, f: float, route: str, rounds: int, on_sync_too: bool) -> None:
    got = expected_item_costs(
        C_SYNC,
        C_BATCH,
        success_rate=s,
        billed_failure_share=f,
        retry_route=route,  # type: ignore[arg-type]
        max_batch_rounds=rounds,
        failures_on_sync_too=on_sync_too,
    )
    want = reference_item_costs(C_SYNC, C_BATCH, s=s, f=f, route=route, rounds=rounds, failures_on_sync_too=on_sync_too)
    assert got == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize(
    ("s", "f", "route", "rounds", "sync_item", "batch_item"),
    [
        # route sync: C_b·β + (1−s)·C_s
        (0.95, 1.0, "sync", 1, 0.057, 0.0285 + 0.05 * 0.057),
        # errored failures are not billed: β = s
        (0.9, 0.0, "sync", 1, 0.057, 0.0285 * 0.9 + 0.1 * 0.057),
        # route sync ignores max_batch_rounds
        (0.9, 1.0, "sync", 3, 0.057, 0.0285 + 0.1 * 0.057),
        # batch, A = 3, f = 1: C_b·(1 + 0.1 + 0.01) + 0.001·C_s
        (0.9, 1.0, "batch", 3, 0.057, 0.0285 * 1.11 + 0.001 * 0.057),
        # batch, A = 2, f = 0.5: β = 0.8 + 0.2·0.5 = 0.9; Σ = 1 + 0.2
        (0.8, 0.5, "batch", 2, 0.057, 0.0285 * 0.9 * 1.2 + 0.04 * 0.057),
    ],
)
def test_item_costs_by_hand(s: float, f: float, route: str, rounds: int, sync_item: float, batch_item: float) -> None:
    got = expected_item_costs(
        C_SYNC,
        C_BATCH,
        success_rate=s,
        billed_failure_share=f,
        retry_route=route,
        max_batch_rounds=rounds,  # type: ignore[arg-type]
    )
    assert got == pytest.approx((sync_item, batch_item), rel=1e-12)


def test_failures_on_sync_too_by_hand() -> None:
    # s = 0.8, f = 1: sync retries until success → C_s / 0.8; batch: C_b + 0.2 · C_s / 0.8
    sync_item, batch_item = expected_item_costs(
        C_SYNC, C_BATCH, success_rate=0.8, billed_failure_share=1.0, failures_on_sync_too=True
    )
    assert sync_item == pytest.approx(0.057 / 0.8)
    assert batch_item == pytest.approx(0.0285 + 0.2 * 0.057 / 0.8)
    # f = 0: failed attempts are free, so sync costs one clean pass again
    sync_item, _ = expected_item_costs(
        C_SYNC, C_BATCH, success_rate=0.5, billed_failure_share=0.0, failures_on_sync_too=True
    )
    assert sync_item == pytest.approx(0.057)


def test_item_costs_accept_arrays() -> None:
    s = np.array([1.0, 0.9, 0.5])
    sync_item, batch_item = expected_item_costs(C_SYNC, C_BATCH, success_rate=s, billed_failure_share=1.0)
    assert np.shape(sync_item) == (3,)
    assert sync_item == pytest.approx([0.057] * 3)
    assert batch_item == pytest.approx([0.0285, 0.0285 + 0.1 * 0.057, 0.0285 + 0.5 * 0.057])


@pytest.mark.parametrize(("f", "expected_batch_month"), [(0.0, 500 * 30 * (0.0285 * 0.9 + 0.1 * 0.057)),
                                                          (1.0, 500 * 30 * (0.0285 + 0.1 * 0.057))])  # fmt: skip
def test_billed_failure_share_through_compare(f: float, expected_batch_month: float) -> None:
    w = check_workflow(success_rate=0.9, billed_failure_share=f)
    c = compare(w, resolve_pricing(w, _catalog()))
    assert c.batch_tokens_per_month_usd == pytest.approx(expected_batch_month)
    assert c.sync_cost_per_month_usd == pytest.approx(855.0)


def test_retry_by_batch_through_compare() -> None:
    w = check_workflow(success_rate=0.9, retry_route="batch", max_batch_rounds=3)
    c = compare(w, resolve_pricing(w, _catalog()))
    assert c.batch_item_usd == pytest.approx(0.0285 * 1.11 + 0.001 * 0.057)
    assert c.batch_cost_per_month_usd == pytest.approx(15_000 * (0.0285 * 1.11 + 0.001 * 0.057))
    assert any("up to 3 rounds" in a for a in c.assumptions)


def test_failures_on_sync_too_through_compare() -> None:
    w = check_workflow(success_rate=0.8, failures_on_sync_too=True)
    c = compare(w, resolve_pricing(w, _catalog()))
    assert c.sync_cost_per_month_usd == pytest.approx(15_000 * 0.057 / 0.8)
    assert any("sync fails as often" in a for a in c.assumptions)


# --- request costs: caching, long context, published and assumed batch rates -----------------


def _catalog():  # type: ignore[no-untyped-def]
    from costmodel.prices import load_catalog

    return load_catalog(as_of=AS_OF)


def test_caching_custom_prices_separate_hit_rates_and_ttls() -> None:
    # $3 input → 5-min write $3.75, 1-h write $6, read $0.30 (Anthropic's multipliers); batch half of each
    w = check_workflow(
        input_tokens=10_000,
        output_tokens=500,
        cached_input_tokens=6_000,
        cache_hit_rate=0.8,
        sync_cache_ttl="5m",
        batch_cache_hit_rate=0.4,
        batch_cache_ttl="1h",
    )
    rc = request_costs(w, resolve_pricing(w, _catalog()))
    sync_parts = {"uncached": 4_000 * 3.0, "reads": 4_800 * 0.30, "writes": 1_200 * 3.75, "output": 500 * 15.0}
    batch_parts = {"uncached": 4_000 * 1.5, "reads": 2_400 * 0.15, "writes": 3_600 * 3.0, "output": 500 * 7.5}
    assert rc.sync_usd == pytest.approx(sum(sync_parts.values()) / 1e6)
    assert rc.batch_usd == pytest.approx(sum(batch_parts.values()) / 1e6)
    assert rc.sync_uncached_input_usd == pytest.approx(sync_parts["uncached"] / 1e6)
    assert rc.sync_cache_usd == pytest.approx((sync_parts["reads"] + sync_parts["writes"]) / 1e6)
    assert rc.sync_output_usd == pytest.approx(sync_parts["output"] / 1e6)
    assert rc.batch_cache_usd == pytest.approx((batch_parts["reads"] + batch_parts["writes"]) / 1e6)


@pytest.mark.parametrize(("ttl", "write_price"), [("5m", 3.75), ("1h", 6.0)])
def test_cache_ttl_picks_write_price_sonnet_4_6(ttl: str, write_price: float) -> None:
    # claude-sonnet-4-6 list prices: $3 input, $15 output, writes $3.75 (5 min) / $6 (1 h), reads $0.30
    w = Workflow(
        model="claude-sonnet-4-6",
        requests_per_day=100,
        input_tokens=10_000,
        cached_input_tokens=8_000,
        cache_hit_rate=0.25,
        sync_cache_ttl=ttl,  # type: ignore[arg-type]
        output_tokens=0,
    )
    rc = request_costs(w, resolve_pricing(w, _catalog()))
    assert rc.sync_usd == pytest.approx((2_000 * 3 + 2_000 * 0.30 + 6_000 * write_price) / 1e6)


def test_custom_cache_prices_override_multipliers() -> None:
    prices = CustomPrices(
        input_usd_per_mtok=2, output_usd_per_mtok=10, cache_write_5m_usd_per_mtok=5, cache_read_usd_per_mtok=1
    )
    w = check_workflow(custom_prices=prices, input_tokens=1_000, cached_input_tokens=1_000, cache_hit_rate=0.5,
                       output_tokens=0, sync_cache_ttl="5m")  # fmt: skip
    rc = request_costs(w, resolve_pricing(w, _catalog()))
    assert rc.sync_usd == pytest.approx((500 * 1 + 500 * 5) / 1e6)


def test_long_context_tier_haiku_5_5() -> None:
    # claude-haiku-5-5: above 100,000 input tokens every token pays the tier: $0.50 in, $2.50 out (batch half)
    catalog = _catalog()
    short = Workflow(model="claude-haiku-5-5", requests_per_day=100, input_tokens=100_000, output_tokens=1_000)
    long = short.model_copy(update={"input_tokens": 150_000})
    rc_short = request_costs(short, resolve_pricing(short, catalog))
    rc_long = request_costs(long, resolve_pricing(long, catalog))
    assert rc_short.sync_usd == pytest.approx((100_000 * 0.1 + 1_000 * 0.5) / 1e6)
    assert rc_long.sync_usd == pytest.approx((150_000 * 0.5 + 1_000 * 2.5) / 1e6)
    assert rc_long.batch_usd == pytest.approx((150_000 * 0.25 + 1_000 * 1.25) / 1e6)
    assert rc_long.sync_output_usd == pytest.approx(1_000 * 2.5 / 1e6)
    assert rc_long.sync_uncached_input_usd == pytest.approx(150_000 * 0.5 / 1e6)
    assert rc_long.sync_cache_usd == pytest.approx(0.0, abs=1e-12)
    c = compare(long, resolve_pricing(long, catalog))
    assert any("long-context" in a for a in c.assumptions)
    assert not any("long-context" in a for a in compare(short, resolve_pricing(short, catalog)).assumptions)


def test_long_context_tier_sonnet_4_5_pricing_arrays() -> None:
    # claude-sonnet-4-5: tier above 200,000 input tokens, $6 in / $22.50 out (batch $3 / $11.25)
    pricing = _catalog().get("claude-sonnet-4-5")
    assert pricing.long_context is not None
    assert pricing.long_context.threshold_input_tokens == 200_000
    tokens = np.array([200_000.0, 200_001.0])
    sync = pricing.request_cost_usd("sync", uncached_input_tokens=tokens, output_tokens=1_000.0)
    batch = pricing.request_cost_usd("batch", uncached_input_tokens=tokens, output_tokens=1_000.0)
    assert sync == pytest.approx([(200_000 * 3 + 1_000 * 15) / 1e6, (200_001 * 6 + 1_000 * 22.5) / 1e6])
    assert batch == pytest.approx([(200_000 * 1.5 + 1_000 * 7.5) / 1e6, (200_001 * 3 + 1_000 * 11.25) / 1e6])
    # the tier is chosen on total input: cache reads push a request over the threshold
    cached = pricing.request_cost_usd("sync", uncached_input_tokens=150_000, output_tokens=0, cache_read_tokens=60_000)
    assert cached == pytest.approx((150_000 * 6 + 60_000 * 0.6) / 1e6)


def test_model_without_published_batch_rate_opus_4_1() -> None:
    catalog = _catalog()
    pricing = catalog.get("claude-opus-4-1")
    assert pricing.batch_rate_published is False
    assert pricing.batch_discount == pytest.approx(0.5)
    assert pricing.batch.input_usd_per_mtok == pytest.approx(15 * 0.5)
    assert pricing.batch.output_usd_per_mtok == pytest.approx(75 * 0.5)
    assert pricing.batch.cache_read_usd_per_mtok == pytest.approx(1.5 * 0.5)
    w = Workflow(model="claude-opus-4-1", requests_per_day=200, input_tokens=1_000, output_tokens=100)
    c = compare(w, pricing)
    assert c.request_costs.batch_usd == pytest.approx((1_000 * 7.5 + 100 * 37.5) / 1e6)
    assert any("no published batch rate" in a for a in c.assumptions)


def test_assumed_discount_is_configurable() -> None:
    from costmodel.prices import load_catalog

    pricing = load_catalog(as_of=AS_OF, batch_discount=0.3).get("claude-opus-4-1")
    assert pricing.batch.input_usd_per_mtok == pytest.approx(15 * 0.7)
    # a published rate is not touched by the assumed discount
    published = load_catalog(as_of=AS_OF, batch_discount=0.3).get("claude-sonnet-4-6")
    assert published.batch_rate_published is True
    assert published.batch.input_usd_per_mtok == pytest.approx(1.5)
    c = compare(Workflow(model="claude-sonnet-4-6", requests_per_day=200, input_tokens=1, output_tokens=1), published)
    assert any("published batch rates" in a for a in c.assumptions)


def test_batch_variant_not_yet_in_force_falls_back_to_assumed_discount() -> None:
    from datetime import date

    from costmodel.prices import load_catalog

    # genai-prices starts claude-sonnet-4-6's batch variant on 2026-10-14
    before = load_catalog(as_of=date(2026, 10, 1), batch_discount=0.4).get("claude-sonnet-4-6")
    assert before.batch_rate_published is False
    assert before.batch.input_usd_per_mtok == pytest.approx(3 * 0.6)


def test_custom_pricing_batch_discount_and_source() -> None:
    pricing = custom_pricing(
        CustomPrices(input_usd_per_mtok=4, output_usd_per_mtok=20, batch_discount=0.25), as_of=AS_OF
    )
    assert pricing.batch.input_usd_per_mtok == pytest.approx(3.0)
    assert pricing.batch.output_usd_per_mtok == pytest.approx(15.0)
    assert pricing.source.as_of == AS_OF
    assert "custom prices" in pricing.source.label()
    assert AS_OF.isoformat() in pricing.source.label()


# --- overheads, waiting, waterfall ---------------------------------------------------------------


def test_overheads_refinement_amortised_and_ops() -> None:
    # 8 h refinement at $100/h over 12 months + 1 h/month ops = 800/12 + 100 per month
    w = check_workflow(success_rate=0.95, refinement_hours=8, amortize_months=12, ops_hours_per_month=1,
                       hourly_rate_usd=100)  # fmt: skip
    c = compare(w, resolve_pricing(w, _catalog()))
    overhead = 800 / 12 + 100
    assert c.overhead_per_month_usd == pytest.approx(overhead)
    assert c.batch_cost_per_month_usd == pytest.approx(470.25 + overhead)
    assert c.net_savings_per_month_usd == pytest.approx(384.75 - overhead)
    assert any("refinement" in a for a in c.assumptions)


def test_overheads_move_break_even_up() -> None:
    # net(s) = N·(C_s − C_b − (1−s)·C_s) − O = 0 → s = 1 − (C_s − C_b − O/N)/C_s
    w = check_workflow(refinement_hours=12, amortize_months=12, ops_hours_per_month=0, hourly_rate_usd=100)
    c = compare(w, resolve_pricing(w, _catalog()))
    o_per_item = 100 / 15_000
    assert c.break_even.success_rate == pytest.approx(1 - (0.057 - 0.0285 - o_per_item) / 0.057, abs=1e-9)


def test_waiting_cost() -> None:
    w = check_workflow(delay_cost_per_item_hour_usd=0.02, batch_wait_hours=3)
    c = compare(w, resolve_pricing(w, _catalog()))
    assert c.waiting_cost_per_month_usd == pytest.approx(15_000 * 0.02 * 3)
    # waiting is not cash: batch spend and cash savings leave it out, the net benefit (the verdict) weighs it
    assert c.batch_cost_per_month_usd == pytest.approx(427.5)
    assert c.net_savings_per_month_usd == pytest.approx(427.5)
    assert c.net_benefit_per_month_usd == pytest.approx(427.5 - 900)
    assert c.break_even.status == "never_pays"


def test_break_even_always_pays_when_failures_are_free_and_sync_fails_too() -> None:
    # f = 0 and failures_on_sync_too: savings = N·s·(C_s − C_b) > 0 for every s
    w = check_workflow(billed_failure_share=0.0, failures_on_sync_too=True)
    c = compare(w, resolve_pricing(w, _catalog()))
    assert c.break_even.status == "always_pays"
    assert c.break_even.success_rate is None


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"success_rate": 0.9, "retry_route": "batch", "max_batch_rounds": 3},
        {"success_rate": 0.7, "refinement_hours": 10, "hourly_rate_usd": 90, "ops_hours_per_month": 2},
        {"success_rate": 0.8, "delay_cost_per_item_hour_usd": 0.01, "failures_on_sync_too": True},
    ],
)
def test_waterfall_steps_sum_to_batch_total(overrides: dict[str, object]) -> None:
    w = check_workflow(**overrides)
    c = compare(w, resolve_pricing(w, _catalog()))
    steps = c.waterfall
    assert [s.kind for s in steps] == ["total", "relative", "relative", "relative", "total", "relative", "total"]
    assert steps[0].amount_usd == pytest.approx(c.sync_cost_per_month_usd)
    # cash first, then the cost of waiting on top: the economic cost
    assert steps[4].amount_usd == pytest.approx(c.batch_cost_per_month_usd)
    assert sum(s.amount_usd for s in steps[:4]) == pytest.approx(steps[4].amount_usd)
    assert steps[-1].amount_usd == pytest.approx(c.batch_cost_per_month_usd + c.waiting_cost_per_month_usd)
    assert steps[4].amount_usd + steps[5].amount_usd == pytest.approx(steps[-1].amount_usd)
    n = w.monthly_requests
    by_label = {s.label: s.amount_usd for s in steps}
    assert by_label["Batch discount"] == pytest.approx(-(c.sync_cost_per_month_usd - n * c.request_costs.batch_usd))
    assert by_label["Resubmissions"] == pytest.approx(n * (c.batch_item_usd - c.request_costs.batch_usd))
    assert by_label["Overheads"] == pytest.approx(c.overhead_per_month_usd)
    assert by_label["Cost of waiting"] == pytest.approx(c.waiting_cost_per_month_usd)


def test_savings_curve_matches_net_savings() -> None:
    w = check_workflow()
    pricing = resolve_pricing(w, _catalog())
    rates, savings = savings_curve(w, pricing, points=11)
    assert rates[0] > 0
    assert rates[-1] == pytest.approx(1.0)
    # route sync, f = 1: net(s) = N·(C_s − C_b − (1 − s)·C_s)
    assert savings == pytest.approx([15_000 * (0.0285 - (1 - s) * 0.057) for s in rates])
    arr = net_benefit_per_month_usd(w, 0.057, 0.0285, np.array(rates))
    assert arr == pytest.approx(savings)


def test_volume_per_month_equals_per_day_times_days() -> None:
    per_day = check_workflow(requests_per_day=500, days_per_month=22)
    per_month = check_workflow(requests_per_day=None, requests_per_month=11_000, days_per_month=22)
    both = check_workflow(requests_per_month=11_000, days_per_month=22)
    assert per_day.monthly_requests == per_month.monthly_requests == both.monthly_requests == 11_000
    assert per_month.daily_requests == pytest.approx(500)


def test_break_even_when_savings_at_full_success_are_a_hair_below_zero() -> None:
    # batch priced like sync (discount 0) plus an overhead smaller than the tolerance: net(1) ∈ [−tol, 0).
    # This used to pass the always/never checks and then find no bracket (UnboundLocalError).
    w = check_workflow(
        custom_prices=CustomPrices(input_usd_per_mtok=3, output_usd_per_mtok=15, batch_discount=0.0),
        ops_hours_per_month=1,
        hourly_rate_usd=5e-10,
    )
    c = compare(w, resolve_pricing(w, _catalog()))
    assert c.break_even.status == "crosses"
    assert c.break_even.success_rate == pytest.approx(1.0, abs=1e-6)
    assert net_benefit_per_month_usd(w, 0.057, 0.057, 0.99) < 0


def test_break_even_statement_when_batch_pays_only_at_low_success() -> None:
    # failures also on sync, retried by batch for 3 rounds: savings = N·(C_s − C_b)·(1 + q + q²) − waiting,
    # which grows as s falls. N = 15,000, C_s − C_b = 0.0285: 427.50·(1 + q + q²) − 600 = 0 at q ≈ 0.306.
    w = check_workflow(
        failures_on_sync_too=True,
        retry_route="batch",
        max_batch_rounds=3,
        delay_cost_per_item_hour_usd=0.04,
        batch_wait_hours=1,
    )
    c = compare(w, resolve_pricing(w, _catalog()))
    q = (-1 + (1 - 4 * (1 - 600 / 427.5)) ** 0.5) / 2
    assert c.break_even.status == "crosses"
    assert c.break_even.success_rate == pytest.approx(1 - q, abs=1e-9)
    assert c.net_benefit_per_month_usd < 0  # at s = 1
    assert "only while the first-pass success rate stays below" in c.break_even.statement
