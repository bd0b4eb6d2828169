"""Retry rounds resubmitted at the next scheduled submission, not the instant the previous round ends."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costmodel.sla import (
    SlaInputs,
    miss_curve,
    next_submission_hours,
    plan_submissions,
    simulate_latency,
    worst_case_latency_hours,
)

SAMPLES = 40_000


def _both(**fields: object) -> tuple[SlaInputs, SlaInputs]:
    at_windows = SlaInputs(**fields)  # type: ignore[arg-type]
    return at_windows, at_windows.model_copy(update={"resubmit_at": "immediately"})


def test_the_default_is_the_next_window_and_the_assumption_says_so() -> None:
    inputs = SlaInputs(sla_hours=30)
    assert inputs.resubmit_at == "next_window"
    text = " ".join(plan_submissions(inputs, samples=1_000).assumptions)
    assert "resubmitted at the next scheduled submission after the previous round ends" in text


@pytest.mark.parametrize(("t", "interval", "expected"), [(0.3, 4, 4), (4.0, 4, 4), (4.01, 4, 8), (0.0, 4, 0),
                                                         (25.0, 24, 48), (1.7, 0, 1.7), (3.0, 0.25, 3.0)])  # fmt: skip
def test_next_submission(t: float, interval: float, expected: float) -> None:
    assert float(next_submission_hours(t, interval)) == pytest.approx(expected)


@pytest.mark.parametrize("rounds", [2, 3])
def test_batch_retries_at_the_next_window_miss_more_often(rounds: int) -> None:
    at_windows, immediately = _both(sla_hours=6.0 * rounds, kind="soft", batch_rounds=rounds,
                                    median_processing_hours=1.0, p90_processing_hours=4.0)  # fmt: skip
    intervals = [1.0, 2.0, 4.0, 6.0, 8.0]
    later = [p.miss_probability for p in miss_curve(at_windows, intervals, samples=SAMPLES)]
    sooner = [p.miss_probability for p in miss_curve(immediately, intervals, samples=SAMPLES)]
    assert all(a >= b for a, b in zip(later, sooner, strict=True))  # common random numbers: never lower
    assert later[-1] > sooner[-1] + 0.01  # 8 h windows: the second round waits up to 8 h more


def test_each_later_round_starts_on_a_submission() -> None:
    # no turnaround spread and no expiry: the latency is exact, round by round
    at_windows, immediately = _both(sla_hours=60, batch_rounds=2, median_processing_hours=1.5,
                                    p90_processing_hours=1.5, expired_share=0.0)  # fmt: skip
    wait = simulate_latency(immediately, 4.0, samples=1_000) - 3.0  # I·U + 1.5 + 1.5
    later = simulate_latency(at_windows, 4.0, samples=1_000)
    assert np.allclose(later, wait + 4.0 + 1.5)  # round 1 ends at 1.5 h, round 2 goes at 4 h


def test_a_single_round_is_unchanged() -> None:
    at_windows, immediately = _both(sla_hours=30, requests_per_day=500, expired_share=0.0)
    later = simulate_latency(at_windows, 4.0, samples=5_000)
    assert np.array_equal(later, simulate_latency(immediately, 4.0, samples=5_000))
    plan = plan_submissions(at_windows, samples=2_000)
    assert (plan.recommended_interval_hours, plan.submissions_per_day) == (4.0, 6.0)  # the check figure


def test_expired_requests_wait_for_the_next_window_too() -> None:
    at_windows, immediately = _both(sla_hours=40, kind="soft", expired_share=0.5, median_processing_hours=0.5,
                                    p90_processing_hours=0.5)  # fmt: skip
    later = simulate_latency(at_windows, 8.0, samples=20_000)
    sooner = simulate_latency(immediately, 8.0, samples=20_000)
    assert float(np.mean(later > sooner)) > 0.3  # 24.5 h → next 8 h window at 32 h
    assert np.all(later >= sooner - 1e-9)


@pytest.mark.parametrize(
    ("interval", "rounds", "immediately_hours", "next_window_hours"),
    [(4.0, 1, 28.0, 28.0), (4.0, 3, 76.0, 76.0), (48.0, 2, 96.0, 120.0), (72.0, 3, 144.0, 240.0)],
)
def test_worst_case_latency(interval: float, rounds: int, immediately_hours: float, next_window_hours: float) -> None:
    at_windows, immediately = _both(sla_hours=30, batch_rounds=rounds)
    assert worst_case_latency_hours(immediately, interval) == pytest.approx(immediately_hours)
    assert worst_case_latency_hours(at_windows, interval) == pytest.approx(next_window_hours)


def test_whole_day_windows_with_retries_are_shortened() -> None:
    # 200 h SLA, 2 rounds: I_max = 150 h; a 144 h window would hold round 2 for 144 h after round 1's 24 h
    at_windows, immediately = _both(sla_hours=200, batch_rounds=2)
    assert plan_submissions(immediately, samples=1_000).recommended_interval_hours == 144
    plan = plan_submissions(at_windows, samples=1_000)
    assert plan.recommended_interval_hours == 72  # 72 + 72 + 24 = 168 ≤ 198
    assert plan.worst_case_latency_hours == pytest.approx(168)
    assert math.isclose(plan.max_interval_hours, 150)
    chosen = plan_submissions(at_windows.model_copy(update={"interval_hours": 96.0}), samples=1_000)
    assert not chosen.feasible
    assert "worst-case latency would be 216 h" in chosen.reason


def test_a_round_that_ends_between_windows_can_break_the_guarantee() -> None:
    # W = 1.1 h, 2 rounds: I_max = 3 − 2.2 − 0 − 0.5 = 0.3 h ≥ 15 min, but round 2 waits for the 1.25 h submission
    at_windows, immediately = _both(sla_hours=3.0, worst_case_hours=1.1, batch_rounds=2, safety_margin_hours=0.5)
    assert plan_submissions(immediately, samples=1_000).recommended_interval_hours == 0.25
    plan = plan_submissions(at_windows, samples=1_000)
    assert not plan.worst_case_feasible
    assert not plan.feasible
    assert "later rounds wait for the next submission" in plan.reason
    assert "worst case of 3.1 h" in plan.reason  # 0.25 + 1.25 + 1.1 + 0.5 margin
