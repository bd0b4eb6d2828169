"""A batch's clock against the 24 h processing window, computed from a `now` passed in.

Pure: no I/O, no clock, no SDK; the shell (`pilot.runner`, `commands.pilot`, the Live pilot page) reads files,
talks to the API and passes `now` in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from costmodel._base import NonNegFloat, PosFloat, Share, StrictModel
from costmodel.formatting import hours, share
from costmodel.limits import WORST_CASE_PROCESSING_HOURS

__all__ = ["BatchClock", "batch_clock"]

# --- clock --------------------------------------------------------------------------------------


class BatchClock(StrictModel):
    """Elapsed time against the 24 h window, computed from `now`."""

    elapsed_hours: NonNegFloat
    """created_at → ended_at, or → now while running [h]."""
    window_hours: PosFloat
    """The API's processing window [h]."""
    remaining_hours: NonNegFloat
    """Until the batch must end (expires_at), 0 once ended [h]."""
    window_share: Share
    """elapsed / window, capped at 1 [share]."""
    ended: bool
    deadline: datetime
    """created_at + window: by then every request has a result [UTC]."""

    def describe(self) -> str:
        """One line, e.g. `running 30 min of 24 h (2.1%); ends by 2026-11-22 10:00 UTC at the latest`."""
        if self.ended:
            return f"ended after {hours(self.elapsed_hours)} of the {self.window_hours:g} h window"
        return (
            f"running {hours(self.elapsed_hours)} of {self.window_hours:g} h "
            f"({share(self.window_share)}); ends by {self.deadline:%Y-%m-%d %H:%M} UTC at the latest"
        )


def batch_clock(
    created_at: datetime,
    now: datetime,
    *,
    ended_at: datetime | None = None,
    window_hours: float = WORST_CASE_PROCESSING_HOURS,
) -> BatchClock:
    """Elapsed and remaining time of a batch; a pure function of `now` (timezone-aware datetimes)."""
    end = ended_at if ended_at is not None else now
    elapsed = max(0.0, (end - created_at).total_seconds() / 3600)
    deadline = created_at + timedelta(hours=window_hours)
    remaining = 0.0 if ended_at is not None else max(0.0, (deadline - now).total_seconds() / 3600)
    return BatchClock(
        elapsed_hours=elapsed,
        window_hours=window_hours,
        remaining_hours=remaining,
        window_share=min(1.0, elapsed / window_hours),
        ended=ended_at is not None,
        deadline=deadline,
    )
