"""One formatting of each figure (issue 9): durations, money, shares and probabilities read the same everywhere."""

from __future__ import annotations

import math

import pytest

from costmodel import formatting


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (20 / 3600, "20 s"), (0.25, "15 min"), (3 / 60, "3 min"), (4.0, "4 h"), (2.5, "2.5 h"), (30.0, "30 h"),
        (72.0, "3 d"), (54.0, "2 d 6 h"), (-18.0, "−18 h"), (None, "–"), (math.inf, "–"),
    ],
)  # fmt: skip
def test_hours_read_as_seconds_minutes_hours_or_days(hours: float | None, text: str) -> None:
    assert formatting.hours(hours) == text


def test_money_shares_and_probabilities() -> None:
    assert formatting.usd(1234.5) == "$1,234.50"
    assert formatting.share(0.123) == "12.3%"
    assert formatting.probability(0.00639) == "0.64%"
    assert formatting.usd(None) == formatting.share(None) == formatting.probability(None) == formatting.NONE
