"""Hypothesis properties the issue requires of the cost, SLA and scenario models."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from costmodel.cost import (
    break_even_success_rate,
    compare,
    expected_item_costs,
    net_benefit_per_month_usd,
    request_costs,
)
from costmodel.finance import FinanceInputs
from costmodel.prices import CustomPrices, load_catalog
from costmodel.scenario import Scenario, scenario_from_json, scenario_to_json
from costmodel.sla import SlaInputs, plan_submissions, worst_case_latency_hours
from costmodel.workflow import SlaSpec, Workflow, resolve_pricing
from tests.costmodel.core_support import AS_OF

CATALOG = load_catalog(as_of=AS_OF)
PLANNING_MODELS = [m.model_id for m in CATALOG.models if m.max_output_tokens >= 4_096]

share = st.floats(0, 1, allow_nan=False)
success = st.floats(0.01, 1.0, allow_nan=False)
price = st.floats(0, 100, allow_nan=False)
tokens = st.floats(0, 50_000, allow_nan=False)


@st.composite
def custom_prices(draw: st.DrawFn) -> CustomPrices:
    return CustomPrices(
        input_usd_per_mtok=draw(price),
        output_usd_per_mtok=draw(price),
        batch_discount=draw(share),
        cache_read_usd_per_mtok=draw(st.none() | price),
    )


@st.composite
def workflows(draw: st.DrawFn, *, same_caching: bool = False, plain: bool = False) -> Workflow:
    """Valid workflows on custom prices or a catalog model; `same_caching`: batch caches like sync."""
    input_tokens = draw(tokens)
    cached = draw(st.floats(0, 1, allow_nan=False)) * input_tokens
    hit = draw(share)
    ttl = draw(st.sampled_from(["5m", "1h"]))
    fields: dict[str, Any] = {
        "name": draw(st.text(min_size=1, max_size=20)),
        "input_tokens": input_tokens,
        "output_tokens": draw(st.floats(0, 4_000, allow_nan=False)),
        "cached_input_tokens": cached,
        "cache_hit_rate": hit,
        "sync_cache_ttl": ttl,
        "batch_cache_hit_rate": hit if same_caching else draw(share),
        "batch_cache_ttl": ttl if same_caching else draw(st.sampled_from(["5m", "1h"])),
        "success_rate": draw(success),
        "billed_failure_share": draw(share),
        "retry_route": draw(st.sampled_from(["sync", "batch"])),
        "max_batch_rounds": draw(st.integers(1, 10)),
        "failures_on_sync_too": draw(st.booleans()),
        "days_per_month": draw(st.floats(1, 31, allow_nan=False)),
    }
    if draw(st.booleans()):
        fields["requests_per_day"] = draw(st.floats(0, 1e5, allow_nan=False))
    else:
        fields["requests_per_month"] = draw(st.floats(0, 3e6, allow_nan=False))
    if draw(st.booleans()):
        fields["custom_prices"] = draw(custom_prices())
    else:
        fields["model"] = draw(st.sampled_from(PLANNING_MODELS))
    if not plain:
        fields.update(
            refinement_hours=draw(st.floats(0, 200, allow_nan=False)),
            amortize_months=draw(st.floats(0.5, 36, allow_nan=False)),
            ops_hours_per_month=draw(st.floats(0, 40, allow_nan=False)),
            hourly_rate_usd=draw(st.floats(0, 300, allow_nan=False)),
            delay_cost_per_item_hour_usd=draw(st.floats(0, 1, allow_nan=False)),
            batch_wait_hours=draw(st.floats(0, 48, allow_nan=False)),
            blocking=draw(st.booleans()),
            streaming=draw(st.booleans()),
            tool_turns=draw(st.integers(1, 6)),
            urgent_share=draw(share),
            description=draw(st.text(max_size=30)),
        )
        if draw(st.booleans()):
            median = draw(st.floats(0.01, 5, allow_nan=False))
            fields["sla"] = SlaSpec(
                sla_hours=draw(st.floats(0.1, 500, allow_nan=False)),
                kind=draw(st.sampled_from(["hard", "soft"])),
                max_miss_probability=draw(share),
                downstream_hours=draw(st.floats(0, 10, allow_nan=False)),
                safety_margin_hours=draw(st.floats(0, 5, allow_nan=False)),
                median_processing_hours=median,
                p90_processing_hours=median * draw(st.floats(1, 10, allow_nan=False)),
                expired_share=draw(st.floats(0, 0.1, allow_nan=False)),
            )
    return Workflow(**fields)


# --- savings never increase as the success rate falls ----------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    c_sync=st.floats(0, 10, allow_nan=False),
    discount=share,
    f=share,
    route=st.sampled_from(["sync", "batch"]),
    rounds=st.integers(1, 10),
    s_hi=success,
    drop=st.floats(0, 1, allow_nan=False),
)
def test_batch_item_cost_never_falls_as_success_falls(
    c_sync: float, discount: float, f: float, route: str, rounds: int, s_hi: float, drop: float
) -> None:
    """With `failures_on_sync_too` off and C_batch ≤ C_sync, a lower s never makes batch cheaper."""
    c_batch = c_sync * (1 - discount)
    s_lo = 0.01 + (s_hi - 0.01) * drop
    kwargs: Any = {"billed_failure_share": f, "retry_route": route, "max_batch_rounds": rounds}
    sync_hi, batch_hi = expected_item_costs(c_sync, c_batch, success_rate=s_hi, **kwargs)
    sync_lo, batch_lo = expected_item_costs(c_sync, c_batch, success_rate=s_lo, **kwargs)
    assert sync_lo == sync_hi
    assert batch_lo >= batch_hi - 1e-12 * max(1.0, c_sync)


@settings(max_examples=100, deadline=None)
@given(w=workflows(), s_hi=success, drop=st.floats(0, 1, allow_nan=False))
def test_net_savings_never_increase_as_success_falls(w: Workflow, s_hi: float, drop: float) -> None:
    """What the code promises: off `failures_on_sync_too`, or on with sync retries, savings fall with s.

    (With `failures_on_sync_too` and batch retries, savings can legitimately rise as s falls:
    sync then pays for retries too, and more retries means more of them at the batch price.)
    """
    pricing = resolve_pricing(w, CATALOG)
    rc = request_costs(w, pricing)
    assume(rc.batch_usd <= rc.sync_usd)  # a lower batch cache hit rate can make one batch attempt dearer
    assume(not (w.failures_on_sync_too and w.retry_route == "batch" and w.max_batch_rounds > 1))
    s_lo = 0.01 + (s_hi - 0.01) * drop
    hi = net_benefit_per_month_usd(w, rc.sync_usd, rc.batch_usd, s_hi)
    lo = net_benefit_per_month_usd(w, rc.sync_usd, rc.batch_usd, s_lo)
    assert lo <= hi + 1e-9 * max(1.0, abs(hi), w.monthly_requests * rc.sync_usd / s_lo)


def test_with_failures_on_sync_too_and_batch_retries_savings_rise_as_success_falls() -> None:
    # the documented exception: savings = N·(C_s − C_b)·Σ_{k<A}(1 − s)^k for f = 1
    w = Workflow(
        custom_prices=CustomPrices(input_usd_per_mtok=3, output_usd_per_mtok=15),
        requests_per_day=500,
        input_tokens=15_000,
        output_tokens=800,
        failures_on_sync_too=True,
        retry_route="batch",
        max_batch_rounds=3,
    )
    at = {s: net_benefit_per_month_usd(w, 0.057, 0.0285, s) for s in (1.0, 0.5)}
    assert at[1.0] == pytest.approx(15_000 * 0.0285)
    assert at[0.5] == pytest.approx(15_000 * 0.0285 * (1 + 0.5 + 0.25))


# --- batch ≤ sync at s = 1 ---------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(w=workflows(same_caching=True, plain=True))
def test_batch_never_dearer_than_sync_at_full_success(w: Workflow) -> None:
    w = w.model_copy(update={"success_rate": 1.0})
    c = compare(w, resolve_pricing(w, CATALOG))
    assert c.overhead_per_month_usd == 0
    assert c.waiting_cost_per_month_usd == 0
    assert c.batch_cost_per_month_usd <= c.sync_cost_per_month_usd * (1 + 1e-12) + 1e-12
    assert c.resubmission_cost_per_month_usd == pytest.approx(0.0, abs=1e-9 * max(1.0, c.sync_cost_per_month_usd))


# --- a feasible hard SLA interval keeps the worst case inside the SLA ---------------------------


@settings(max_examples=150, deadline=None)
@given(
    sla=st.floats(0.1, 400, allow_nan=False),
    w=st.floats(0.5, 48, allow_nan=False),
    d=st.floats(0, 24, allow_nan=False),
    m=st.floats(0, 12, allow_nan=False),
    r=st.integers(1, 8),
    chosen=st.none() | st.floats(0.1, 200, allow_nan=False),
    per_day=st.floats(0, 1e7, allow_nan=False),
)
def test_feasible_hard_interval_keeps_worst_case_within_sla(
    sla: float, w: float, d: float, m: float, r: int, chosen: float | None, per_day: float
) -> None:
    inputs = SlaInputs(
        sla_hours=sla,
        worst_case_hours=w,
        downstream_hours=d,
        safety_margin_hours=m,
        batch_rounds=r,
        requests_per_day=per_day,
        interval_hours=chosen,
    )
    plan = plan_submissions(inputs, samples=500)
    if plan.feasible:
        i = plan.interval_hours
        assert i is not None
        assert i + r * w + d + m <= sla * (1 + 1e-12)
        # later rounds wait for the next submission: I + (R−1)·⌈W/I⌉·I + W + D, which is I + R·W + D when I | W
        assert plan.worst_case_latency_hours == pytest.approx(i + (r - 1) * math.ceil(w / i - 1e-9) * i + w + d)
        assert plan.worst_case_latency_hours + m <= sla * (1 + 1e-9)
        assert (24.0 / i) == pytest.approx(plan.submissions_per_day)
        assert plan.batches_per_submission is not None
        assert plan.batches_per_submission * 100_000 >= plan.requests_per_submission  # type: ignore[operator]
    else:
        assert plan.fixes, "an infeasible plan says what would fix it"
    # the converse: when the shortest (15-minute) window fits, an unchosen hard SLA is feasible
    if chosen is None and worst_case_latency_hours(inputs, 0.25) + m <= sla:
        assert plan.feasible
        assert plan.recommended_interval_hours is not None
        assert 24 % plan.recommended_interval_hours == 0 or plan.recommended_interval_hours % 24 == 0


# --- the break-even rate zeroes the net savings ------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(w=workflows())
def test_break_even_zeroes_net_savings(w: Workflow) -> None:
    rc = request_costs(w, resolve_pricing(w, CATALOG))
    be = break_even_success_rate(w, rc.sync_usd, rc.batch_usd)
    scale = max(1.0, w.monthly_requests * max(rc.sync_usd, rc.batch_usd) * 100)
    if be.status == "crosses":
        assert be.success_rate is not None
        assert 0 < be.success_rate <= 1
        net = net_benefit_per_month_usd(w, rc.sync_usd, rc.batch_usd, be.success_rate)
        assert net == pytest.approx(0.0, abs=1e-7 * scale)
        # and it is the crossing the statement describes: batch pays on the side it names
        if be.success_rate < 1 - 1e-3:
            above = net_benefit_per_month_usd(w, rc.sync_usd, rc.batch_usd, min(1.0, be.success_rate + 1e-3))
            if "stays above" in be.statement:
                assert above >= -1e-7 * scale
            else:
                assert "only while the first-pass success rate stays below" in be.statement
                assert above < 1e-7 * scale
    elif be.status == "always_pays":
        assert net_benefit_per_month_usd(w, rc.sync_usd, rc.batch_usd, 0.5) >= -1e-9 * scale
    else:
        assert net_benefit_per_month_usd(w, rc.sync_usd, rc.batch_usd, 1.0) < 0


# --- scenario JSON round-trips ----------------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    return Scenario(
        name=draw(st.text(min_size=1, max_size=40)),
        description=draw(st.text(max_size=60)),
        workflows=tuple(draw(st.lists(workflows(), min_size=1, max_size=3))),
        finance=FinanceInputs(
            revenue_per_month_usd=draw(st.floats(0, 1e7, allow_nan=False)),
            cogs_per_month_usd=(cogs := draw(st.floats(0, 1e7, allow_nan=False))),
            # inference is part of COGS: a larger figure is rejected (tests/costmodel/test_core_finance_honest.py)
            inference_cogs_per_month_usd=draw(st.none() | st.floats(0, min(cogs, 1e6), allow_nan=False)),
            monthly_growth=draw(st.floats(-0.5, 5, allow_nan=False)),
            projection_months=draw(st.integers(1, 60)),
        ),
        batch_discount=draw(share),
    )


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios())
def test_scenario_json_round_trips(scenario: Scenario) -> None:
    text = scenario_to_json(scenario)
    back = scenario_from_json(text)
    assert back == scenario
    assert scenario_to_json(back) == text
