"""How big a pilot must be: requests needed to pin the first-pass success rate, or to settle batch vs sync.

Normal approximation to a binomial share at confidence 90 % (two-sided, z = 1.645):

    n = z²·p·(1 − p) / x²          x: the half-width of the interval [share], p: the expected rate

e.g. p = 0.95, x = 0.02 → n = 1.645²·0.95·0.05 / 0.02² ≈ 322 requests. To decide batch vs sync,
the interval must clear the break-even success rate s*: x = |p − s*|.
"""

from __future__ import annotations

import math

from pydantic import Field

from costmodel._base import StrictModel
from costmodel.formatting import share

__all__ = ["MAX_ADVISED_REQUESTS", "PilotSizeAdvice", "pilot_size_advice", "requests_for_half_width"]

Z90_TWO_SIDED = 1.6448536269514722
"""Standard normal quantile at 0.95: a two-sided 90 % interval is p ± 1.645·sd."""
MAX_ADVISED_REQUESTS = 10_000_000
"""Beyond this a pilot cannot settle the question: the break-even is too close to call [requests]."""
DEFAULT_HALF_WIDTH = 0.02
"""Precision a pilot pins the success rate to by default: ± this at 90 % [share]."""
TOO_CLOSE_TO_CALL = 0.001
"""An expected rate this close to the break-even cannot be told apart from it by any pilot [share]."""


def requests_for_half_width(success_rate: float, half_width: float, *, z: float = Z90_TWO_SIDED) -> int:
    """Pilot requests for a 90 % interval of ± `half_width` around `success_rate` (at least 1) [requests]."""
    p = min(max(success_rate, 0.0), 1.0)
    # at p = 0 or 1 the normal approximation gives 0; a pilot still needs the rule-of-three floor
    variance = max(p * (1 - p), 1e-4)
    return max(1, math.ceil(z * z * variance / (half_width * half_width)))


class PilotSizeAdvice(StrictModel):
    """Pilot requests needed, from the current expectation of the first-pass success rate."""

    success_rate: float
    """Expected first-pass success rate p the advice rests on [share]."""
    half_width: float
    """Precision asked for: ± this around p [share]."""
    confidence: float = 0.9
    """Two-sided confidence of the interval [share]."""
    requests_for_precision: int
    """Requests to pin p to ± `half_width` [requests]."""
    break_even_success_rate: float | None = None
    """Break-even first-pass success rate, when batch vs sync hinges on one [share]."""
    requests_to_decide: int | None = None
    """Requests for the interval to clear the break-even (None: no break-even, or too close to call) [requests]."""
    requests_already: int = Field(default=0, ge=0)
    """Requests a pilot has already measured [requests]."""
    statement: str
    """The advice in words."""


def _more(needed: int, already: int) -> str:
    if already <= 0:
        return f"{needed:,} requests"
    if needed <= already:
        return f"{needed:,} requests (your {already:,} are enough)"
    return f"{needed:,} requests ({needed - already:,} more than your {already:,})"


def pilot_size_advice(
    success_rate: float,
    *,
    half_width: float = DEFAULT_HALF_WIDTH,
    break_even_success_rate: float | None = None,
    requests_already: int = 0,
) -> PilotSizeAdvice:
    """Requests to pin the success rate to ± `half_width` at 90 %, and to decide batch vs sync near a break-even."""
    if not 0 < half_width < 1:
        raise ValueError(
            f"half_width = {half_width!r}: give the precision as a share in (0, 1), e.g. 0.02 for ±2 points"
        )
    if not 0 <= success_rate <= 1:
        raise ValueError(f"success_rate = {success_rate!r}: give the expected first-pass success rate in [0, 1]")
    n = requests_for_half_width(success_rate, half_width)
    parts = [
        f"to pin the first-pass success rate to ±{half_width * 100:g} points at 90 % around {share(success_rate)}, "
        f"a pilot needs about {_more(n, requests_already)}"
    ]
    decide: int | None = None
    if break_even_success_rate is not None:
        gap = abs(success_rate - break_even_success_rate)
        needed = requests_for_half_width(success_rate, gap) if gap >= TOO_CLOSE_TO_CALL else None
        if needed is not None and needed <= MAX_ADVISED_REQUESTS:
            decide = needed
            parts.append(
                f"to tell with 90 % confidence whether it clears the {share(break_even_success_rate)} break-even, "
                f"about {_more(needed, requests_already)}"
            )
        else:
            parts.append(
                f"the expected rate is too close to the {share(break_even_success_rate)} break-even for a pilot "
                "to settle batch vs sync: decide on other grounds, or measure in production"
            )
    return PilotSizeAdvice(
        success_rate=success_rate,
        half_width=half_width,
        requests_for_precision=n,
        break_even_success_rate=break_even_success_rate,
        requests_to_decide=decide,
        requests_already=requests_already,
        statement="; ".join(parts),
    )
