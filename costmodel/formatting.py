"""One way to show each kind of figure, for the pages and the command line alike (pure: no I/O).

A workflow shows the same text for the same number wherever it appears: a probability of
missing an SLA is `0.64%` on a page, in a table and in the CLI, never `0.639%` in one place
and `0.62%` in another. Round only for display; the models keep full floats.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from costmodel.sla import SlaPlan

__all__ = ["NONE", "feasibility", "hours", "interval", "interval_rows", "probability", "share", "usd"]

NONE = "–"
"""Shown for a figure that does not exist (no interval keeps the SLA, no break-even)."""


def usd(amount_usd: float | None) -> str:
    """Money to the cent: `$1,234.56`; `–` for none [USD]."""
    return NONE if amount_usd is None else f"${amount_usd:,.2f}"


def share(value: float | None) -> str:
    """A share as a percentage with one decimal: `12.3%` [share]."""
    return NONE if value is None else f"{value:.1%}"


def probability(value: float | None) -> str:
    """A small probability (P(miss SLA), a miss budget) with two decimals: `0.64%` [share]."""
    return NONE if value is None else f"{value:.2%}"


def hours(value: float | None) -> str:
    """Hours for people: `20 s`, `15 min`, `4 h`, `2 d 6 h`; `–` for none or not finite [h]."""
    if value is None or not math.isfinite(value):
        return NONE
    sign = "−" if value < 0 else ""
    h = abs(value)
    if h < 1 / 60:
        return f"{sign}{h * 3600:.0f} s"
    if h < 1:
        return f"{sign}{h * 60:.0f} min"
    if h < 48:
        return f"{sign}{h:.3g} h" if h < 10 else f"{sign}{h:.1f} h".replace(".0 h", " h")
    days, rest = divmod(h, 24)
    return f"{sign}{days:.0f} d" + (f" {rest:.3g} h" if rest >= 0.05 else "")


def interval(value: float | None) -> str:
    """A submission interval: `every 4 h`; `–` when no interval keeps the SLA [h]."""
    return NONE if value is None else f"every {hours(value)}"


def feasibility(plan: SlaPlan) -> str:
    """The verdict on an SLA plan in two or three words; a soft SLA met only in the typical case says so."""
    if not plan.feasible:
        return "Not feasible"
    return "Feasible" if plan.worst_case_feasible else "Feasible as a soft SLA (typical case)"


def interval_rows(plan: SlaPlan, *, max_miss_probability: float) -> list[tuple[str, str]]:
    """(label, value) for the plan's two interval figures, in this order, on every page and command.

    When the worst case breaks the SLA the maximum interval `S − R·W − D − M` is negative: it is
    shown as `none`, never as a negative number beside "Feasible". A soft SLA then names its
    interval for what it is, the longest window within the miss budget.
    """
    if plan.worst_case_feasible:
        return [("Maximum interval", hours(plan.max_interval_hours)),
                ("Recommended interval", hours(plan.recommended_interval_hours))]  # fmt: skip
    rows = [("Maximum interval (worst case)", "none")]
    if plan.feasible or plan.recommended_interval_hours is not None:
        rows.append(
            (f"Longest window within the {probability(max_miss_probability)} miss budget",
             hours(plan.recommended_interval_hours))
        )  # fmt: skip
    else:
        rows.append(("Recommended interval", hours(plan.recommended_interval_hours)))
    return rows
