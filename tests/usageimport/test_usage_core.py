"""costmodel.usage (vectorised pricing against genai-prices row by row, the what-if, scenarios) and
usageimport.summary (totals, plan vs actual)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from genai_prices import Usage, calc_price
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.cost import expected_item_costs
from costmodel.prices import load_catalog
from costmodel.usage import (
    LC_BASE,
    LC_LONG,
    LC_PER_REQUEST,
    TIER_BATCH,
    TIER_OTHER,
    TIER_STANDARD,
    TIER_UNKNOWN,
    UsageColumns,
    UsageError,
    WhatIfAssumptions,
    price_usage,
    scenario_from_usage,
    workflows_from_usage,
)
from costmodel.workflow import Workflow
from usageimport.summary import plan_vs_actual, summarize

AS_OF = date(2026, 11, 1)
CATALOG = load_catalog(as_of=AS_OF, include_retired=True)
DAY0 = (date(2026, 10, 1) - date(1970, 1, 1)).days
# models with a published batch rate (genai-prices returns standard prices for the others)
PUBLISHED = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-5")


def make_columns(rows: list[dict[str, object]], *, tags: tuple[str, ...] = ()) -> UsageColumns:
    """UsageColumns from dict rows (model, tier, tokens…; per request unless `hint` is given)."""
    names: list[str] = []
    for r in rows:
        if r["model"] not in names:
            names.append(str(r["model"]))

    def col(key: str, default: float = 0.0) -> np.ndarray:
        return np.array([float(r.get(key, default)) for r in rows], dtype=np.float64)  # type: ignore[arg-type]

    return UsageColumns(
        model_codes=np.array([names.index(str(r["model"])) for r in rows], dtype=np.int64),
        model_names=tuple(names),
        tier_codes=np.array([int(r.get("tier", TIER_STANDARD)) for r in rows], dtype=np.int64),  # type: ignore[call-overload]
        uncached_input_tokens=col("uncached"),
        cache_write_5m_tokens=col("cw5"),
        cache_write_1h_tokens=col("cw1"),
        cache_read_tokens=col("cr"),
        output_tokens=col("out"),
        web_search_requests=col("web"),
        requests=col("requests", 1.0),
        long_context_hint=np.array([int(r.get("hint", LC_PER_REQUEST)) for r in rows], dtype=np.int64),  # type: ignore[call-overload]
        days=np.array([DAY0 + int(r.get("day", 0)) for r in rows], dtype=np.int64),  # type: ignore[call-overload]
        tag_codes=np.array([tags.index(str(r["tag"])) if "tag" in r else -1 for r in rows], dtype=np.int64),
        tag_names=tags,
    )


def reference_usd(r: dict[str, object]) -> Decimal:
    """One request priced by genai-prices (Usage.input_tokens is total input, cache included)."""
    cw5, cw1, cr = int(r.get("cw5", 0)), int(r.get("cw1", 0)), int(r.get("cr", 0))  # type: ignore[call-overload]
    usage = Usage(
        input_tokens=int(r.get("uncached", 0)) + cw5 + cw1 + cr,  # type: ignore[call-overload]
        cache_write_tokens=cw5 + cw1,
        cache_write_1h_tokens=cw1,
        cache_read_tokens=cr,
        output_tokens=int(r.get("out", 0)),  # type: ignore[call-overload]
        web_searches=int(r.get("web", 0)),  # type: ignore[call-overload]
    )
    ctx = {"processing": "batch"} if r.get("tier") == TIER_BATCH else None
    return calc_price(usage, str(r["model"]), provider_id="anthropic", price_context=ctx).total_price  # type: ignore[arg-type]


def random_requests(n: int, seed: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        long = rng.random() < 0.1
        rows.append(
            {
                "model": PUBLISHED[i % len(PUBLISHED)],
                "tier": TIER_BATCH if rng.random() < 0.3 else TIER_STANDARD,
                "uncached": int(rng.integers(0, 250_000 if long else 20_000)),
                "cw5": int(rng.integers(0, 5_000)) * int(rng.random() < 0.3),
                "cw1": int(rng.integers(0, 5_000)) * int(rng.random() < 0.3),
                "cr": int(rng.integers(0, 30_000)) * int(rng.random() < 0.5),
                "out": int(rng.integers(1, 4_000)),
                "web": int(rng.integers(0, 3)) * int(rng.random() < 0.2),
                "day": int(rng.integers(0, 31)),
            }
        )
    return rows


def test_actual_spend_matches_genai_prices_row_by_row() -> None:
    rows = random_requests(400, seed=1)
    priced = price_usage(make_columns(rows), CATALOG, WhatIfAssumptions())
    expected = [reference_usd(r) for r in rows]
    assert priced.actual_usd == pytest.approx([float(e) for e in expected], rel=1e-9, abs=1e-12)
    assert abs(Decimal(str(priced.actual_usd.sum())) - sum(expected)) < Decimal("0.005")
    assert priced.long_context_rows > 0  # the cliff tier was exercised


def test_long_context_cliff_applies_per_request_only_above_threshold() -> None:
    threshold = CATALOG.get("claude-sonnet-4-5").long_context.threshold_input_tokens  # type: ignore[union-attr]
    rows = [
        {"model": "claude-sonnet-4-5", "uncached": threshold, "out": 1000},
        {"model": "claude-sonnet-4-5", "uncached": threshold + 1, "out": 1000},
    ]
    priced = price_usage(make_columns(rows), CATALOG, WhatIfAssumptions())
    assert priced.actual_usd[0] == pytest.approx(float(reference_usd(rows[0])))
    assert priced.actual_usd[1] == pytest.approx(float(reference_usd(rows[1])))
    assert priced.actual_usd[1] > priced.actual_usd[0] * 1.5


def test_aggregated_rows_use_report_context_window_not_their_summed_input() -> None:
    base = {"model": "claude-sonnet-4-5", "uncached": 50_000_000, "out": 1_000_000, "requests": 1000}
    priced = price_usage(
        make_columns([{**base, "hint": LC_BASE}, {**base, "hint": LC_LONG}]), CATALOG, WhatIfAssumptions()
    )
    assert priced.actual_usd[0] == pytest.approx(50 * 3.0 + 1 * 15.0)
    assert priced.actual_usd[1] > priced.actual_usd[0]


def test_design_check_figures_as_imported_usage() -> None:
    """500 req/day × 30 days, 15,000 in / 800 out at $3/$15: $855 sync, $427.50 batch, $470.25 at s=0.95."""
    n = 500 * 30
    row = {"model": "claude-sonnet-4-6", "uncached": 15_000 * n, "out": 800 * n, "requests": n, "hint": LC_BASE}
    cols = make_columns([row])
    perfect = price_usage(cols, CATALOG, WhatIfAssumptions())
    assert perfect.actual_usd.sum() == pytest.approx(855.00)
    assert perfect.whatif_usd.sum() == pytest.approx(427.50)
    failing = price_usage(cols, CATALOG, WhatIfAssumptions(success_rate=0.95, billed_failure_share=1.0))
    assert failing.whatif_usd.sum() == pytest.approx(470.25)


@pytest.mark.parametrize("route", ["sync", "batch"])
@pytest.mark.parametrize("success_rate", [0.5, 0.9, 1.0])
def test_whatif_uses_the_planner_item_cost_formula(route: str, success_rate: float) -> None:
    rows = random_requests(50, seed=2)
    assumptions = WhatIfAssumptions(
        success_rate=success_rate,
        billed_failure_share=0.5,
        retry_route=route,
        max_batch_rounds=3,  # type: ignore[arg-type]
    )
    priced = price_usage(make_columns(rows), CATALOG, assumptions)
    std = priced.columns.tier_codes == TIER_STANDARD
    _, item = expected_item_costs(
        priced.sync_usd[std],
        priced.batch_usd[std],
        success_rate=success_rate,
        billed_failure_share=0.5,
        retry_route=route,  # type: ignore[arg-type]
        max_batch_rounds=3,
    )
    assert priced.whatif_usd[std] == pytest.approx(item)


def test_batchable_share_by_model_and_tag() -> None:
    rows = [
        {"model": "claude-haiku-4-5", "uncached": 1_000_000, "tag": "a"},
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000, "tag": "a"},
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000, "tag": "b"},
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000},
    ]
    assumptions = WhatIfAssumptions(
        batchable_share=1.0, batchable_share_by_model={"claude-sonnet-4-6": 0.5}, batchable_share_by_tag={"b": 0.0}
    )
    priced = price_usage(make_columns(rows, tags=("a", "b")), CATALOG, assumptions)
    assert priced.batchable_share.tolist() == [1.0, 0.5, 0.0, 0.5]
    assert priced.whatif_usd.tolist() == pytest.approx([0.5, 2.25, 3.0, 2.25])


def test_other_tiers_and_unknown_models_are_not_discounted_or_dropped_silently() -> None:
    rows = [
        {"model": "claude-sonnet-4-6", "uncached": 1_000_000, "tier": TIER_OTHER},
        {"model": "gpt-9-turbo", "uncached": 1_000_000},
        {"model": "gpt-9-turbo", "uncached": 1_000_000},
    ]
    priced = price_usage(make_columns(rows), CATALOG, WhatIfAssumptions())
    summary = summarize(priced, WhatIfAssumptions(), price_source="test")
    assert priced.whatif_usd[0] == priced.actual_usd[0] == pytest.approx(3.0)
    assert summary.unknown_models == {"gpt-9-turbo": 2}
    assert summary.total.rows == 3
    assert summary.total.actual_usd == pytest.approx(3.0)
    assert any("unknown models" in a for a in summary.assumptions)


tier_rows = st.lists(
    st.fixed_dictionaries(
        {
            "model": st.sampled_from(PUBLISHED),
            "tier": st.sampled_from([TIER_STANDARD, TIER_BATCH, TIER_OTHER, TIER_UNKNOWN]),
            "uncached": st.integers(0, 300_000),
            "cr": st.integers(0, 50_000),
            "out": st.integers(0, 8_000),
            "day": st.integers(0, 30),
        }
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=tier_rows, share=st.floats(0, 1), s=st.floats(0.05, 1), route=st.sampled_from(["sync", "batch"]))
def test_already_batch_rows_are_never_discounted(
    rows: list[dict[str, object]], share: float, s: float, route: str
) -> None:
    assumptions = WhatIfAssumptions(batchable_share=share, success_rate=s, retry_route=route)  # type: ignore[arg-type]
    priced = price_usage(make_columns(rows), CATALOG, assumptions)
    not_standard = priced.columns.tier_codes != TIER_STANDARD
    assert np.array_equal(priced.whatif_usd[not_standard], priced.actual_usd[not_standard])
    summary = summarize(priced, assumptions, price_source="test")
    for g in summary.by_tier:
        if g.key != "standard":
            assert g.savings_usd == 0.0
    unknown = priced.columns.tier_codes == TIER_UNKNOWN
    assert summary.unknown_tier_usd == pytest.approx(float(priced.sync_usd[unknown].sum()))  # standard rates


@settings(max_examples=60, deadline=None)
@given(rows=tier_rows, seed=st.integers(0, 2**32 - 1))
def test_totals_are_invariant_under_row_order(rows: list[dict[str, object]], seed: int) -> None:
    order = np.random.default_rng(seed).permutation(len(rows))
    a = summarize(price_usage(make_columns(rows), CATALOG, WhatIfAssumptions()), WhatIfAssumptions(), price_source="t")
    shuffled = [rows[i] for i in order]
    b = summarize(
        price_usage(make_columns(shuffled), CATALOG, WhatIfAssumptions()), WhatIfAssumptions(), price_source="t"
    )
    assert b.total.actual_usd == pytest.approx(a.total.actual_usd, rel=1e-12, abs=1e-9)
    assert b.total.whatif_usd == pytest.approx(a.total.whatif_usd, rel=1e-12, abs=1e-9)
    assert {g.key: g.actual_usd for g in b.by_model} == pytest.approx({g.key: g.actual_usd for g in a.by_model})


def test_daily_series_sums_to_the_total() -> None:
    rows = random_requests(200, seed=3)
    summary = summarize(
        price_usage(make_columns(rows), CATALOG, WhatIfAssumptions()), WhatIfAssumptions(), price_source="t"
    )
    assert len(summary.daily_days) == summary.period_days
    assert sum(sum(series) for series in summary.daily_actual_usd) == pytest.approx(summary.total.actual_usd)
    assert sum(summary.daily_whatif_usd) == pytest.approx(summary.total.whatif_usd)


def test_dated_ids_merge_into_one_model_row() -> None:
    rows = [
        {"model": "claude-sonnet-4-5-20250929", "uncached": 1_000_000},
        {"model": "claude-sonnet-4-5", "uncached": 1_000_000},
    ]
    summary = summarize(
        price_usage(make_columns(rows), CATALOG, WhatIfAssumptions()), WhatIfAssumptions(), price_source="t"
    )
    assert [(g.key, g.rows) for g in summary.by_model] == [("claude-sonnet-4-5", 2)]


def tagged_month() -> UsageColumns:
    """Two tagged workflows over 30 days: a: 100 requests/day of 10k in (2k cached) / 500 out; b: half batch."""
    rows = []
    for day in range(30):
        rows.append(
            {"model": "claude-sonnet-4-6", "tag": "a", "day": day, "requests": 100, "hint": LC_BASE,
             "uncached": 100 * 8_000, "cw5": 100 * 500, "cr": 100 * 1_500, "out": 100 * 500}
        )  # fmt: skip
        for tier in (TIER_STANDARD, TIER_BATCH):
            rows.append(
                {"model": "claude-haiku-4-5", "tag": "b", "day": day, "requests": 50, "hint": LC_BASE,
                 "uncached": 50 * 2_000, "out": 50 * 100, "tier": tier}
            )  # fmt: skip
    return make_columns(rows, tags=("a", "b"))


def test_workflows_from_usage_recover_volumes_and_average_tokens() -> None:
    workflows = {w.name: w for w in workflows_from_usage(tagged_month(), CATALOG)}
    a, b = workflows["a"], workflows["b"]
    months = 30 / (365.25 / 12)
    assert a.model == "claude-sonnet-4-6"
    assert a.requests_per_month == pytest.approx(3000 / months)
    assert a.input_tokens == pytest.approx(10_000)
    assert a.output_tokens == pytest.approx(500)
    assert a.cached_input_tokens == pytest.approx(2_000)
    assert a.cache_hit_rate == pytest.approx(0.75)
    assert b.requests_per_month == pytest.approx(3000 / months)
    assert b.input_tokens == pytest.approx(2_000)


def test_scenario_round_trips_and_plan_vs_actual_is_on_target() -> None:
    from costmodel.scenario import scenario_from_json, scenario_to_json

    cols = tagged_month()
    scenario = scenario_from_json(scenario_to_json(scenario_from_usage(cols, CATALOG, name="Imported")))
    assumptions = WhatIfAssumptions()
    summary = summarize(price_usage(cols, CATALOG, assumptions), assumptions, price_source="t")
    rows = plan_vs_actual(scenario.workflows, summary, CATALOG)
    assert [r.flagged for r in rows] == [False, False]
    for r in rows:
        assert r.volume_deviation == pytest.approx(0, abs=1e-9)
        assert r.spend_deviation == pytest.approx(0, abs=1e-6)
    by_name = {r.workflow: r for r in rows}
    assert by_name["b"].planned_batch_share == pytest.approx(0.5)


@pytest.mark.parametrize(("actual_over_plan", "flagged"), [(1.19, False), (1.21, True), (0.79, True), (0.81, False)])
def test_plan_vs_actual_flags_more_than_20_percent_off(actual_over_plan: float, flagged: bool) -> None:
    cols = tagged_month()
    assumptions = WhatIfAssumptions()
    summary = summarize(price_usage(cols, CATALOG, assumptions), assumptions, price_source="t")
    plan = [
        w.model_copy(update={"requests_per_month": w.requests_per_month / actual_over_plan})
        for w in workflows_from_usage(cols, CATALOG)
    ]  # type: ignore[operator]
    assert [r.flagged for r in plan_vs_actual(plan, summary, CATALOG)] == [flagged, flagged]


def test_plan_workflow_without_matching_usage_is_flagged() -> None:
    cols = tagged_month()
    summary = summarize(price_usage(cols, CATALOG, WhatIfAssumptions()), WhatIfAssumptions(), price_source="t")
    ghost = Workflow(
        name="ghost", model="claude-sonnet-4-6", requests_per_month=100, input_tokens=1000, output_tokens=10
    )
    (row,) = plan_vs_actual([ghost], summary, CATALOG)
    assert row.matched_by == "none"
    assert row.flagged


def test_scenario_needs_request_counts() -> None:
    cols = make_columns(
        [{"model": "claude-sonnet-4-6", "uncached": 10, "out": 1, "requests": float("nan"), "hint": LC_BASE}]
    )
    with pytest.raises(UsageError, match="does not count requests"):
        workflows_from_usage(cols, CATALOG)


def test_core_module_imports_neither_pandas_nor_streamlit_and_costmodel_stays_light() -> None:
    code = (
        "import sys, costmodel; assert 'costmodel.usage' not in sys.modules; "
        "import costmodel.usage; "
        "bad = [m for m in ('pandas', 'streamlit', 'anthropic', 'usageimport') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
