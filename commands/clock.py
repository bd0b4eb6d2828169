"""The shell's clock: one "today" for every command and page.

Today is the UTC date: the Batches API, the pilot's ledger and the price data are dated in UTC, so a plan and a
pilot run in the same minute price on the same day whatever the machine's time zone. Pure modules never read the
clock; they take the date (`as_of`, `now`) from here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["today"]


def today() -> date:
    """Today's date in UTC [date]: the default `--as-of` of every command and the pages' pricing date."""
    return datetime.now(UTC).date()
