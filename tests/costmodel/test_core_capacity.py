"""Capacity: the batch processing-queue limit and the monthly spend cap, by tier."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from costmodel.capacity import (
    TIERS,
    check_queue,
    plan_with_queue,
    spend_cap_warning,
    tier_limits,
    typical_in_flight_requests,
    worst_case_in_flight_requests,
)
from costmodel.limits import BATCH_TIER_LIMITS, BATCH_TIER_LIMITS_AS_OF
from costmodel.sla import SlaInputs, plan_submissions, simulate_latency
from tests.costmodel.core_support import run_cli


@pytest.mark.parametrize(
    ("tier", "queue", "rpm", "cap"),
    [("start", 200_000, 1_000, 500.0), ("build", 300_000, 2_000, 1_000.0), ("scale", 500_000, 4_000, 200_000.0)],
)
def test_published_tier_limits_are_dated(tier: str, queue: int, rpm: int, cap: float) -> None:
    limits = tier_limits(tier)  # type: ignore[arg-type]
    assert (limits.queue_limit_requests, limits.batch_requests_per_minute, limits.monthly_spend_cap_usd) == (
        queue, rpm, cap,
    )  # fmt: skip
    assert limits.as_of == BATCH_TIER_LIMITS_AS_OF
    assert "rate limits" in limits.source


def test_tiers_grow_and_a_custom_limit_is_labelled() -> None:
    assert TIERS == ("start", "build", "scale")
    assert [BATCH_TIER_LIMITS[t][0] for t in TIERS] == sorted(BATCH_TIER_LIMITS[t][0] for t in TIERS)
    custom = tier_limits("scale", queue_limit_requests=750_000)
    assert custom.queue_limit_requests == 750_000
    assert custom.as_of is None
    assert custom.source.startswith("custom")
    with pytest.raises(ValueError, match="queue limit"):
        tier_limits("custom")


def test_two_million_a_day_overflows_the_scale_queue_with_the_fixes() -> None:
    inputs = SlaInputs(sla_hours=50, requests_per_day=2_000_000, avg_request_bytes=2_000)
    plan = plan_submissions(inputs, samples=2_000)
    assert plan.feasible  # on time alone the SLA holds: this is the defect the queue check catches
    check = check_queue(inputs, plan.interval_hours or 0, tier_limits("scale"))
    assert not check.queue_feasible
    assert check.worst_case_in_flight_requests >= 2_000_000 > check.queue_limit_requests == 500_000
    assert check.max_requests_per_day == pytest.approx(500_000 * 24 / (24 + 24))
    fixes = " | ".join(check.fixes)
    assert "organisations" in fixes
    assert "synchronously" in fixes
    combined = plan_with_queue(plan, check)
    assert not combined.feasible
    assert "queue overflow" in combined.reason
    assert combined.fixes[: len(check.fixes)] == check.fixes


def test_a_small_workload_fits_and_the_plan_is_unchanged() -> None:
    inputs = SlaInputs(sla_hours=30, requests_per_day=500)
    plan = plan_submissions(inputs, samples=2_000)
    check = check_queue(inputs, 4.0, tier_limits("start"))
    assert check.queue_feasible
    assert check.fixes == ()
    assert check.worst_case_in_flight_requests == pytest.approx(500 * 28 / 24)
    assert plan_with_queue(plan, check) is plan


@pytest.mark.parametrize(
    ("per_day", "interval", "rounds", "expected"),
    [(24_000, 1, 1, 25_000), (24_000, 4, 1, 28_000), (24_000, 4, 3, 76_000), (0, 4, 1, 0)],
)
def test_worst_case_in_flight(per_day: float, interval: float, rounds: int, expected: float) -> None:
    assert worst_case_in_flight_requests(per_day, interval, batch_rounds=rounds) == pytest.approx(expected)


def test_fixes_name_a_tier_that_fits_and_fewer_rounds() -> None:
    # 100,000/day, 4 h windows, 2 rounds: (4 + 48)/24 × 100,000 ≈ 216,667 > 200,000 (Start)
    inputs = SlaInputs(sla_hours=60, requests_per_day=100_000, batch_rounds=2)
    check = check_queue(inputs, 4.0, tier_limits("start"))
    assert not check.queue_feasible
    fixes = " | ".join(check.fixes)
    assert "move to the build tier" in fixes
    assert "cut sequential batch rounds from 2 to 1" in fixes
    assert "instead of every" not in fixes  # 200,000·24/100,000 − 48 = 0 h: no interval is short enough
    assert "synchronously" in fixes


def test_typical_in_flight_matches_a_simulated_queue() -> None:
    # a batch submitted k intervals ago still counts with P(turnaround > k·I): count it from the simulation
    inputs = SlaInputs(sla_hours=30, requests_per_day=24_000, median_processing_hours=2, p90_processing_hours=8,
                        expired_share=0.0)  # fmt: skip
    interval = 1.0
    latency = simulate_latency(inputs.model_copy(update={"downstream_hours": 0.0}), 0.0, samples=200_000)
    per_submission = 24_000 * interval / 24
    simulated = per_submission * sum(float(np.mean(latency > k * interval)) for k in range(30))
    assert typical_in_flight_requests(inputs, interval) == pytest.approx(simulated, rel=0.02)
    worst = worst_case_in_flight_requests(24_000, interval)
    assert per_submission < typical_in_flight_requests(inputs, interval) < worst


@pytest.mark.parametrize(
    ("spend", "tier", "days", "day"),
    [(1_000.0, "start", 30, 15), (3_000.0, "build", 30, 10), (500.0, "start", 30, None), (600.0, "start", 31, 26)],
)
def test_spend_cap_day_of_month(spend: float, tier: str, days: int, day: int | None) -> None:
    warning = spend_cap_warning(spend, tier_limits(tier), days_in_month=days)  # type: ignore[arg-type]
    if day is None:
        assert warning is None
        return
    assert warning is not None
    assert warning.cap_reached_on_day == day
    assert math.isclose(warning.monthly_spend_cap_usd, BATCH_TIER_LIMITS[tier][2])
    assert f"day {day}" in warning.message
    assert "1st" in warning.message


def _sla_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, "sla", *argv)


def test_cli_sla_no_longer_calls_two_million_a_day_simply_feasible(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--sla-hours", "50", "--requests-per-day", "2000000", "--avg-request-bytes", "2000"]
    code, out, _ = _sla_cli(capsys, *flags, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["feasible"] is False
    assert data["queue_feasible"] is False
    assert data["tier"] == "scale"
    assert data["queue_limit_requests"] == 500_000
    assert data["worst_case_in_flight_requests"] >= 2_000_000
    assert data["max_requests_per_day"] == pytest.approx(250_000)
    assert any("synchronously" in f for f in data["fixes"])
    code, out, _ = _sla_cli(capsys, *flags)
    assert "queue overflow" in out
    assert "feasible                 NO" in out


def test_cli_sla_tier_and_custom_queue_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _sla_cli(capsys, "--sla-hours", "30", "--requests-per-day", "500", "--tier", "start", "--json")
    data = json.loads(out)
    assert (data["feasible"], data["queue_feasible"], data["queue_limit_requests"]) == (True, True, 200_000)
    assert data["recommended_interval_hours"] == 4  # the check figure is unchanged
    assert data["typical_in_flight_requests"] < data["worst_case_in_flight_requests"]
    code, out, _ = _sla_cli(capsys, "--sla-hours", "30", "--requests-per-day", "500", "--queue-limit", "500", "--json")
    data = json.loads(out)
    assert (data["queue_feasible"], data["queue_limit_requests"], data["queue_limits_as_of"]) == (False, 500, None)
    code, _, err = _sla_cli(capsys, "--sla-hours", "30", "--queue-limit", "-1")
    assert code == 2
    assert err.startswith("error: --queue-limit")
    assert "Traceback" not in err


def test_batch_endpoint_calls_per_minute() -> None:
    # 2,000,000/day of 2,000 B every 24 h: 20 batches a submission, up to 2 submissions in flight, polled each minute
    inputs = SlaInputs(sla_hours=50, requests_per_day=2_000_000, avg_request_bytes=2_000)
    check = check_queue(inputs, 24.0, tier_limits("scale"))
    assert check.peak_batch_calls_per_minute == 20 * 2
    assert check.batch_calls_fit
    # 15-minute windows of 1 MB requests: 78 batches each (256 MB), 97 submissions in flight → 7,566 polls a minute
    tiny = check_queue(SlaInputs(sla_hours=30, requests_per_day=2_000_000, avg_request_bytes=1_000_000), 0.25,
                       tier_limits("custom", queue_limit_requests=1e9))  # fmt: skip
    assert tiny.peak_batch_calls_per_minute > 1_000
    assert tiny.batch_calls_fit  # a custom tier has no published rate: not judged
    start = check_queue(SlaInputs(sla_hours=30, requests_per_day=2_000_000, avg_request_bytes=1_000_000), 0.25,
                        tier_limits("start", queue_limit_requests=1e9))  # fmt: skip
    assert not start.batch_calls_fit
    assert "poll less often" in start.reason


def test_cli_evaluate_warns_when_the_portfolio_reaches_the_spend_cap(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.costmodel.core_support import AS_OF_FLAG, PRESETS

    portfolio = str(PRESETS / "portfolio.json")
    code, out, err = run_cli(capsys, "evaluate", portfolio, "--tier", "build", *AS_OF_FLAG, "--json")
    assert code == 0, err
    data = json.loads(out)
    planned = data["portfolio"]["planned_cost_per_month_usd"]
    assert planned > 1_000
    warning = data["spend_cap_warning"]
    assert warning["monthly_spend_cap_usd"] == 1_000
    assert warning["cap_reached_on_day"] == math.ceil(1_000 / (planned / 30))  # November: 30 days
    code, out, _ = run_cli(capsys, "evaluate", portfolio, "--tier", "scale", *AS_OF_FLAG, "--json")
    assert json.loads(out)["spend_cap_warning"] is None
    code, out, _ = run_cli(capsys, "evaluate", portfolio, *AS_OF_FLAG, "--json")
    assert json.loads(out)["spend_cap_warning"] is None  # no tier, no judgement
    code, out, _ = run_cli(capsys, "evaluate", portfolio, "--spend-cap-usd", "100", *AS_OF_FLAG)
    assert "WARNING: planned spend" in out
    assert "custom tier's $100.00 monthly spend cap" in out
    code, _, err = run_cli(capsys, "evaluate", portfolio, "--spend-cap-usd", "0", *AS_OF_FLAG)
    assert code == 2
    assert err.startswith("error: --spend-cap-usd")
