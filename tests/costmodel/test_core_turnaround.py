"""The turnaround learned from observed batches: the fit recovers a known lognormal, says when data is short."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from costmodel.sla import Z90
from costmodel.turnaround import (
    DEFAULT_TURNAROUND,
    MIN_BATCHES,
    ObservedBatch,
    calibration_curve,
    fit_turnaround,
)

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _batches(n: int, *, median: float = 0.25, p90: float = 1.0, seed: int = 7, model: str = "claude-sonnet-4-6",
             expired: int = 0, start: datetime = T0) -> list[ObservedBatch]:  # fmt: skip
    rng = np.random.default_rng(seed)
    sigma = math.log(p90 / median) / Z90
    hours = np.exp(math.log(median) + sigma * rng.standard_normal(n))
    return [
        ObservedBatch(
            created_at=start + timedelta(days=k),
            ended_at=start + timedelta(days=k, hours=float(h)),
            requests=100,
            expired=expired,
            model=model,
        )
        for k, h in enumerate(hours)
    ]


def test_the_fit_recovers_a_known_lognormal_within_its_interval() -> None:
    fit = fit_turnaround(_batches(400))
    assert fit.use_fit
    assert fit.overall.batches == 400
    assert fit.median_hours == pytest.approx(0.25, rel=0.12)
    assert fit.p90_hours == pytest.approx(1.0, rel=0.2)
    low, high = fit.overall.median_ci_hours or (0, 0)
    assert low < fit.median_hours < high
    assert "learned from 400 ended batches" in fit.message


def test_the_95_percent_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    fits = [fit_turnaround(_batches(30, seed=seed)).overall for seed in range(40)]
    median_cover = sum(1 for f in fits if f.median_ci_hours and f.median_ci_hours[0] < 0.25 < f.median_ci_hours[1])
    p90_cover = sum(1 for f in fits if f.p90_ci_hours and f.p90_ci_hours[0] < 1.0 < f.p90_ci_hours[1])
    assert median_cover >= 34  # 85 % of 40; a bootstrap of 30 batches runs a little under its nominal 95 %
    assert p90_cover >= 32


def test_fewer_than_enough_batches_keep_the_defaults_and_say_so() -> None:
    fit = fit_turnaround(_batches(MIN_BATCHES - 1))
    assert not fit.use_fit
    assert (fit.median_hours, fit.p90_hours, fit.expired_share) == DEFAULT_TURNAROUND
    assert fit.overall.median_ci_hours is None
    assert f"{MIN_BATCHES - 1} ended batch(es), {MIN_BATCHES} needed" in fit.message
    assert "defaults remain" in fit.message
    empty = fit_turnaround([])
    assert empty.overall.batches == 0
    assert not empty.use_fit


def test_more_data_narrows_the_interval() -> None:
    few = fit_turnaround(_batches(8)).overall.p90_ci_hours or (0, 0)
    many = fit_turnaround(_batches(300)).overall.p90_ci_hours or (0, 0)
    assert many[1] - many[0] < (few[1] - few[0]) / 2


def test_by_model_and_by_hour_only_where_there_is_enough() -> None:
    slow = _batches(6, median=2.0, p90=6.0, model="claude-opus-4-6", seed=3, start=T0.replace(hour=14))
    fast = _batches(3, model="claude-haiku-4-5", seed=4)
    fit = fit_turnaround(slow + fast)
    by_model = {g.group: g for g in fit.by_model}
    assert by_model["claude-opus-4-6"].enough
    assert by_model["claude-opus-4-6"].median_hours == pytest.approx(2.0, rel=0.8)
    assert not by_model["claude-haiku-4-5"].enough
    assert by_model["claude-haiku-4-5"].median_ci_hours is None
    assert [g.group for g in fit.by_hour] == ["hour 09", "hour 14"]
    assert [g.enough for g in fit.by_hour] == [False, True]


def test_expired_share_is_requests_weighted() -> None:
    batches = _batches(10, expired=0)
    batches[0] = batches[0].model_copy(update={"expired": 5, "requests": 500})
    fit = fit_turnaround(batches)
    assert fit.expired_share == pytest.approx(5 / (9 * 100 + 500))
    low, high = fit.overall.expired_share_ci or (0, 0)
    assert low <= fit.expired_share <= high


def test_an_instant_batch_is_floored_at_one_second() -> None:
    instant = ObservedBatch(created_at=T0, ended_at=T0, requests=1)
    assert instant.turnaround_hours == pytest.approx(1 / 3600)


def test_calibration_curve_matches_where_the_model_is_right_and_not_where_it_is_wrong() -> None:
    batches = _batches(500)
    right = calibration_curve(batches, median_hours=0.25, p90_hours=1.0)
    assert max(abs(p.predicted - p.observed) for p in right) < 0.1  # DKW: 99.9 % band for 500 is 0.087
    wrong = calibration_curve(batches, median_hours=2.0, p90_hours=8.0)
    assert max(abs(p.predicted - p.observed) for p in wrong) > 0.4
    assert right[0].hours == pytest.approx(1 / 60)
    assert right[-1].hours == pytest.approx(24.0)
    assert right[-1].predicted == 1.0
    assert [p.observed for p in right] == sorted(p.observed for p in right)
