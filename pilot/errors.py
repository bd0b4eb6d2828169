"""The pilot's user-facing error: one line that says what is wrong and what to do."""

from __future__ import annotations

__all__ = ["PilotError"]


class PilotError(RuntimeError):
    """A problem the user must act on; `str()` is one line that says what to do."""
