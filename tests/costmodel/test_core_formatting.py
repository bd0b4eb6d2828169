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


@pytest.mark.parametrize(
    ("amount", "cents", "whole", "small"),
    [
        (1234.567, "$1,234.57", "$1,235", "$1,234.57"),
        (-723.6, "−$723.60", "−$724", "−$723.60"),
        (0.01234, "$0.01", "$0", "$0.0123"),
        (-0.000072, "$0.00", "$0", "−$0.000072"),
        (0.0, "$0.00", "$0", "$0.00"),
        (0.5, "$0.50", "$0", "$0.50"),
        (0.001, "$0.00", "$0", "$0.001"),
        (None, "–", "–", "–"),
    ],
)  # fmt: skip
def test_money_in_cents_whole_dollars_or_fractions_of_a_cent(
    amount: float | None, cents: str, whole: str, small: str
) -> None:
    """The minus goes before the dollar sign, and an amount that rounds to zero shows no minus."""
    assert formatting.usd(amount) == cents
    assert formatting.usd_whole(amount) == whole
    assert formatting.usd_small(amount) == small


def test_monthly_amounts_counts_and_changes() -> None:
    assert formatting.per_month(1234.5) == "$1,234.50/month"
    assert formatting.per_month(None) == formatting.NONE
    assert formatting.count(12345.4) == "12,345"
    assert formatting.count(None) == formatting.NONE
    assert formatting.change(0.1234) == "+12.3%"
    assert formatting.change(-0.04) == "-4.0%"
    assert formatting.change(None) == formatting.NONE
    assert formatting.usd_change(12.5) == "+$12.50"
    assert formatting.usd_change(-1234.5) == "-$1,234.50"
    assert formatting.usd_change(-0.001) == "+$0.00", "no minus on a difference that rounds to nothing"
    assert formatting.usd_change(None) == formatting.NONE
