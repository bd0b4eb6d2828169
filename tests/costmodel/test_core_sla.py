"""SLA model branch by branch: windows, batch splitting, fixes, and the typical case against an analytic answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costmodel.sla import (
    CLOCK_FRIENDLY_INTERVALS_HOURS,
    SlaInputs,
    batches_for,
    miss_curve,
    plan_submissions,
    simulate_latency,
)

Z90 = 1.2815515655446004  # standard normal 90th percentile


@pytest.mark.parametrize(
    ("sla", "rounds", "downstream", "margin", "max_interval", "recommended"),
    [
        (30, 1, 0, 2, 4.0, 4.0),
        (36, 1, 0, 2, 10.0, 8.0),
        (48, 1, 0, 2, 22.0, 12.0),
        (72, 1, 0, 2, 46.0, 24.0),
        (200, 1, 0, 2, 174.0, 168.0),
        (31, 1, 1, 2, 4.0, 4.0),
        (26.25, 1, 0, 2, 0.25, 0.25),
        (74, 3, 0, 2, 0.0, None),
        (100, 3, 0, 2, 26.0, 24.0),
    ],
)
def test_windows(
    sla: float, rounds: int, downstream: float, margin: float, max_interval: float, recommended: float | None
) -> None:
    plan = plan_submissions(
        SlaInputs(sla_hours=sla, batch_rounds=rounds, downstream_hours=downstream, safety_margin_hours=margin),
        samples=2_000,
    )
    assert plan.max_interval_hours == pytest.approx(max_interval)
    assert plan.recommended_interval_hours == recommended
    assert plan.feasible is (recommended is not None)
    if recommended is not None:
        assert plan.submissions_per_day == pytest.approx(24 / recommended)
        assert plan.worst_case_latency_hours == pytest.approx(recommended + rounds * 24 + downstream)


def test_clock_friendly_intervals_divide_a_day_or_are_whole_days() -> None:
    for i in CLOCK_FRIENDLY_INTERVALS_HOURS:
        assert (24 / i).is_integer() or (i / 24).is_integer(), i
    assert list(CLOCK_FRIENDLY_INTERVALS_HOURS) == sorted(CLOCK_FRIENDLY_INTERVALS_HOURS, reverse=True)


@pytest.mark.parametrize(
    ("requests", "request_bytes", "batches"),
    [
        (0, 20_000, 0),
        (1, 20_000, 1),
        (100_000, 1_000, 1),
        (100_001, 1_000, 2),
        (250_000, 100, 3),
        (13_421, 20_000, 1),  # 268,420,000 B ≤ 256 MB (268,435,456 B)
        (13_422, 20_000, 2),  # 268,440,000 B > 256 MB
        (50_000, 1_000_000, 187),  # 50 GB / 256 MB = 186.3
    ],
)
def test_batches_for(requests: float, request_bytes: float, batches: int) -> None:
    assert batches_for(requests, request_bytes) == batches


def test_infeasible_fixes_name_what_to_change() -> None:
    plan = plan_submissions(
        SlaInputs(sla_hours=60, batch_rounds=3, downstream_hours=2, safety_margin_hours=2), samples=2_000
    )
    assert not plan.feasible
    assert plan.recommended_interval_hours is None
    assert plan.submissions_per_day is None
    fixes = " | ".join(plan.fixes)
    assert "lengthen the SLA to at least 76.25 h" in fixes  # 3 × 24 + 2 + 2 + 0.25
    assert "cut sequential batch rounds from 3 to 2" in fixes  # floor((60 − 2 − 2 − 0.25) / 24) = 2
    assert "shorten downstream time (2 h)" in fixes
    assert "soft SLA" in fixes
    assert "3 round(s) × 24 h worst case + 2 h downstream + 2 h margin = 76 h" in plan.reason


def test_chosen_interval_within_the_maximum_is_feasible() -> None:
    plan = plan_submissions(SlaInputs(sla_hours=30, interval_hours=3), samples=2_000)
    assert plan.feasible
    assert plan.interval_hours == 3
    assert plan.recommended_interval_hours == 4
    assert plan.submissions_per_day == pytest.approx(8)


def test_soft_sla_takes_the_longest_interval_within_budget() -> None:
    inputs = SlaInputs(sla_hours=24, kind="soft", max_miss_probability=0.01, requests_per_day=1_000)
    plan = plan_submissions(inputs, samples=50_000)
    assert not plan.worst_case_feasible
    assert plan.feasible
    chosen = plan.recommended_interval_hours
    assert chosen is not None
    curve = {p.interval_hours: p.miss_probability for p in miss_curve(inputs, list(CLOCK_FRIENDLY_INTERVALS_HOURS),
                                                                      samples=50_000)}  # fmt: skip
    assert curve[chosen] <= 0.01
    assert all(curve[i] > 0.01 for i in CLOCK_FRIENDLY_INTERVALS_HOURS if i > chosen)


def _analytic_miss(sla: float, interval: float, median: float, p90: float, w: float, downstream: float) -> float:
    """P(U·I + min(LN, W) + D > S) with U uniform, no expiry: integrate the lognormal CDF over U."""
    sigma = math.log(p90 / median) / Z90
    mu = math.log(median)
    n = 20_000
    total = 0.0
    for k in range(n):
        u = (k + 0.5) / n
        room = sla - downstream - interval * u
        if room <= 0:
            p_ok = 0.0
        elif room >= w:
            p_ok = 1.0
        else:
            p_ok = 0.5 * (1 + math.erf((math.log(room) - mu) / (sigma * math.sqrt(2))))
        total += 1 - p_ok
    return total / n


@pytest.mark.parametrize(
    ("sla", "interval", "median", "p90", "downstream"),
    [(2.0, 1.0, 0.25, 1.0, 0.0), (5.0, 4.0, 0.5, 2.0, 0.5), (24.0, 24.0, 0.25, 1.0, 0.0), (3.0, 0.5, 1.0, 4.0, 0.0)],
)
def test_typical_miss_probability_matches_analytic(
    sla: float, interval: float, median: float, p90: float, downstream: float
) -> None:
    inputs = SlaInputs(
        sla_hours=sla,
        kind="soft",
        downstream_hours=downstream,
        median_processing_hours=median,
        p90_processing_hours=p90,
        expired_share=0.0,
    )
    samples = 400_000
    latency = simulate_latency(inputs, interval, samples=samples)
    simulated = float(np.mean(latency > sla))
    expected = _analytic_miss(sla, interval, median, p90, 24.0, downstream)
    tolerance = 4 * math.sqrt(max(expected * (1 - expected), 1e-6) / samples) + 1e-4
    assert simulated == pytest.approx(expected, abs=tolerance)


def test_expired_requests_take_another_round() -> None:
    # an expired request waits the full 24 h and goes again: with a 20 h SLA, every expired item misses
    inputs = SlaInputs(sla_hours=20, kind="soft", expired_share=0.2)
    latency = simulate_latency(inputs, 1.0, samples=200_000)
    assert float(np.mean(latency > 20)) == pytest.approx(0.2, abs=0.005)
    assert float(np.mean(latency >= 24)) == pytest.approx(0.2, abs=0.005)


def test_processing_is_capped_at_the_worst_case() -> None:
    inputs = SlaInputs(sla_hours=100, worst_case_hours=2, median_processing_hours=1, p90_processing_hours=50,
                       expired_share=0.0)  # fmt: skip
    latency = simulate_latency(inputs, 3.0, samples=100_000)
    assert float(latency.max()) <= 3.0 + 2.0
    rounds = inputs.model_copy(update={"batch_rounds": 3, "resubmit_at": "immediately"})
    assert float(simulate_latency(rounds, 3.0, samples=100_000).max()) <= 3.0 + 3 * 2.0
    # at the next window, rounds 2 and 3 each start at the first submission after 2 h: 3 h later
    at_windows = rounds.model_copy(update={"resubmit_at": "next_window"})
    assert float(simulate_latency(at_windows, 3.0, samples=100_000).max()) <= 3.0 + 2 * 3.0 + 2.0


def test_simulation_shapes_and_seed() -> None:
    inputs = SlaInputs(sla_hours=30)
    single = simulate_latency(inputs, 4.0, samples=1_000)
    grid = simulate_latency(inputs, np.array([1.0, 4.0, 12.0]), samples=1_000)
    assert single.shape == (1_000,)
    assert grid.shape == (3, 1_000)
    assert np.array_equal(grid[1], single)  # common random numbers across intervals
    assert np.array_equal(simulate_latency(inputs, 4.0, samples=1_000), single)  # same seed, same draws
    assert not np.array_equal(simulate_latency(inputs, 4.0, samples=1_000, seed=1), single)


def test_miss_curve_rises_with_the_interval() -> None:
    inputs = SlaInputs(sla_hours=6, kind="soft")
    points = miss_curve(inputs, [0.5, 1, 2, 4, 6, 8], samples=20_000)
    misses = [p.miss_probability for p in points]
    assert misses == sorted(misses)
    assert misses[-1] > 0.2  # 8 h windows against a 6 h SLA: a quarter of arrivals wait too long
    assert [p.worst_case_latency_hours for p in points] == pytest.approx([24.5, 25, 26, 28, 30, 32])


def test_assumptions_state_the_distribution() -> None:
    plan = plan_submissions(SlaInputs(sla_hours=30, median_processing_hours=0.5, p90_processing_hours=2), samples=1_000)
    text = " ".join(plan.assumptions)
    assert "median 0.5 h" in text
    assert "p90 2 h" in text
    assert "100,000 requests or 256 MB" in text


def test_chosen_interval_longer_than_the_maximum_says_to_submit_more_often() -> None:
    plan = plan_submissions(SlaInputs(sla_hours=30, requests_per_day=500, interval_hours=8), samples=2_000)
    assert not plan.feasible
    assert plan.max_interval_hours == pytest.approx(4.0)
    assert "longer than the 4 h maximum" in plan.reason
    assert plan.fixes == ("submit at least every 4 h (the recommended interval; at most 4 h)",)


def test_p90_below_the_median_is_said_not_silently_used() -> None:
    plan = plan_submissions(
        SlaInputs(sla_hours=30, median_processing_hours=2, p90_processing_hours=1), samples=2_000
    )
    assert any("below the median" in a for a in plan.assumptions)
    fine = plan_submissions(SlaInputs(sla_hours=30), samples=2_000)
    assert not any("below the median" in a for a in fine.assumptions)
