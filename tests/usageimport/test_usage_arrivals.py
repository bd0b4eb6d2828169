"""A request log's arrival times, kept per UTC quarter-hour, give the same hourly profile as its raw timestamps."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from costmodel.deadlines import hourly_profile_from_counts, hourly_profile_from_timestamps
from usageimport import load_files

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "usage"


@pytest.mark.parametrize("name", ["request_log_2026-10.csv", "request_log_2026-10.jsonl"])
@pytest.mark.parametrize("zone", ["Australia/Sydney", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"])
def test_quarter_hour_counts_match_the_raw_timestamps_in_any_zone(name: str, zone: str) -> None:
    with (SAMPLES / "request_log_2026-10.csv").open(encoding="utf-8", newline="") as handle:
        stamps = [datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")) for row in csv.DictReader(handle)]
    quarters = load_files([SAMPLES / name]).request_quarters
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    counted = hourly_profile_from_counts([(epoch + timedelta(minutes=15 * q), n) for q, n in quarters.items()], zone)
    assert counted == hourly_profile_from_timestamps(stamps, zone)
    assert counted.requests == 1500


def test_daily_exports_hold_no_arrival_times() -> None:
    assert load_files([SAMPLES / "console_usage_2026-10.csv"]).request_quarters == {}


def test_no_requests_is_one_line() -> None:
    with pytest.raises(ValueError, match="no timestamps"):
        hourly_profile_from_counts([], "UTC")
