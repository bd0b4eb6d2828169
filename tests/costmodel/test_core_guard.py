"""The deadline guard: cutoff, P(rescued) against the lognormal's tail, and the priced plan."""

from __future__ import annotations

import json
import math

import pytest

from costmodel.guard import plan_guard, relative_cutoff_hours, rescue_probability
from costmodel.sla import Z90, SlaInputs
from tests.costmodel.core_support import AS_OF_FLAG, CHECK_FLAGS, run_cli

SAMPLES = 200_000


def _tail(hours: float, median: float = 0.25, p90: float = 1.0) -> float:
    sigma = math.log(p90 / median) / Z90
    return 0.5 * math.erfc((math.log(hours) - math.log(median)) / (sigma * math.sqrt(2)))


@pytest.mark.parametrize(("cutoff", "expired"), [(0.5, 0.0), (2.0, 0.001), (3.0, 0.01), (10.0, 0.05)])
def test_one_round_rescue_probability_is_the_tail_plus_the_expired(cutoff: float, expired: float) -> None:
    inputs = SlaInputs(sla_hours=30, expired_share=expired)
    expected = expired + (1 - expired) * _tail(cutoff)
    tolerance = 4 * math.sqrt(expected * (1 - expected) / SAMPLES) + 1e-5
    assert rescue_probability(inputs, cutoff, interval_hours=4.0, samples=SAMPLES) == pytest.approx(expected,
                                                                                                     abs=tolerance)


def test_no_cutoff_left_means_everything_goes_sync() -> None:
    inputs = SlaInputs(sla_hours=3)
    cutoff = relative_cutoff_hours(inputs, 4.0, sync_drain_hours=0.5, buffer_hours=0.5)
    assert cutoff == pytest.approx(3 - 4 - 0.5 - 0.5)
    guard = plan_guard(inputs, cutoff_hours=cutoff, interval_hours=4.0)
    assert guard.rescue_probability == 1.0
    assert "every item would go synchronous" in guard.reason


def test_the_cutoff_leaves_room_for_the_oldest_item_downstream_drain_and_buffer() -> None:
    inputs = SlaInputs(sla_hours=30, downstream_hours=1.5)
    assert relative_cutoff_hours(inputs, 4.0, sync_drain_hours=1.0, buffer_hours=0.25) == pytest.approx(23.25)


def test_rescues_are_priced() -> None:
    # the check workflow: 15,000 requests/month, sync $0.057, batch $0.0285 per item, batch $427.50/month
    inputs = SlaInputs(sla_hours=30)
    guard = plan_guard(inputs, cutoff_hours=2.0, interval_hours=4.0, requests_per_month=15_000, sync_item_usd=0.057,
                       batch_item_usd=0.0285, batch_cost_per_month_usd=427.5, samples=SAMPLES)  # fmt: skip
    p = guard.rescue_probability
    assert p == pytest.approx(0.001 + 0.999 * _tail(2.0), abs=0.001)
    assert guard.rescued_requests_per_month == pytest.approx(15_000 * p)
    assert guard.expected_rescue_cost_per_month_usd == pytest.approx(15_000 * p * 0.057)
    assert guard.batch_cost_with_rescue_per_month_usd == pytest.approx(427.5 + 15_000 * p * (0.057 - 0.0285))
    unpriced = plan_guard(inputs, cutoff_hours=2.0, interval_hours=4.0)
    assert unpriced.expected_rescue_cost_per_month_usd is None
    assert unpriced.batch_cost_with_rescue_per_month_usd is None


def test_a_second_round_at_the_next_window_is_rescued_more_often() -> None:
    at_windows = SlaInputs(sla_hours=30, batch_rounds=2)
    immediately = at_windows.model_copy(update={"resubmit_at": "immediately"})
    later = rescue_probability(at_windows, 3.0, interval_hours=4.0, samples=50_000)
    sooner = rescue_probability(immediately, 3.0, interval_hours=4.0, samples=50_000)
    assert later == pytest.approx(1.0)  # round 2 cannot start before the 4 h submission, after the 3 h cutoff
    assert sooner < 0.2


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_cli(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_cli_recommend_prices_the_guard(capsys: pytest.CaptureFixture[str]) -> None:
    data = _main(capsys, "recommend", *CHECK_FLAGS, "--sla-hours", "30", "--rescue-to-sync", *AS_OF_FLAG)
    assert data["rescue_cutoff_hours"] == pytest.approx(30 - 4 - 0.5 - 0.5)
    assert 0 < data["rescue_probability"] < 0.001
    assert data["expected_rescue_cost_per_month_usd"] == pytest.approx(
        data["rescue_probability"] * data["comparison"]["requests_per_month"] * data["comparison"]["sync_item_usd"]
    )
    assert data["batch_cost_with_rescue_per_month_usd"] >= data["comparison"]["batch_cost_per_month_usd"]
    plain = _main(capsys, "recommend", *CHECK_FLAGS, "--sla-hours", "30", *AS_OF_FLAG)
    assert "rescue_probability" not in plain


def test_cli_sla_guard_for_a_relative_and_a_clock_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    relative = _main(capsys, "sla", "--sla-hours", "30", "--rescue-to-sync", "--sync-drain-hours", "1")
    assert relative["rescue_cutoff_hours"] == pytest.approx(30 - 4 - 1 - 0.5)
    assert relative["expected_rescue_cost_per_month_usd"] is None  # sla has no prices
    clock = _main(capsys, "sla", "--deadline", "06:00", "--timezone", "Australia/Sydney", "--working-days", "mon-fri",
                  "--arrivals", "08:00-18:00", "--submit-at", "02:00", "--start-date", "2026-11-30",
                  "--rescue-to-sync")  # fmt: skip
    assert clock["rescue_cutoff_hours"] == pytest.approx(3.0)  # 02:00 submission, 06:00 − 0.5 h − 0.5 h
    assert clock["rescue_probability"] == pytest.approx(0.001 + 0.999 * _tail(3.0), abs=0.002)


def test_cli_guard_rejects_negative_hours(capsys: pytest.CaptureFixture[str]) -> None:
    from commands import main

    assert main(["sla", "--sla-hours", "30", "--rescue-to-sync", "--sync-drain-hours", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --sync-drain-hours")
    assert len(err.strip().splitlines()) == 1
