"""One way to show each kind of figure, for the pages and the command line alike (pure: no I/O).

A workflow shows the same text for the same number wherever it appears: a probability of
missing an SLA is `0.64%` on a page, in a table and in the CLI, never `0.639%` in one place
and `0.62%` in another. Round only for display; the models keep full floats.

One rule per kind of figure (every page, command, report and export uses these functions; a test
scans the tree for hand-rolled money and share formats):

- money in text, tables, headline tiles, the command line, reports, exports and messages: to the cent,
  `usd` → `$1,234.56` (the same figure reads the same on a tile, in a table and in the CLI);
- money inside a chart (annotations, chart titles), where space is short: whole dollars, `usd_whole` →
  `$1,235` (plotly's own `%{y:$,.0f}` axis and hover formats match it);
- sub-dollar amounts (one request, one pilot, a budget cap, a per-MTok price): `usd_small` keeps up to
  six decimals below a cent (`$0.000072`), four below $1 (`$0.0123`) and cents above, so a fraction of
  a cent never shows as `$0.00`;
- a monthly amount carries its period: `per_month` → `$1,234.56/month`;
- negative money puts the minus before the dollar sign (`−$1,234.56`, the typographic minus);
- shares (savings share, success rate, growth): one decimal, `share` → `12.3%`; a change, signed
  (`change` → `+12.3%`); small probabilities (P(miss), miss budgets): two decimals, `probability`;
  a negative share keeps the ASCII `-` (Streamlit reads a metric delta's direction from it);
- counts (items, requests, tokens): whole numbers with thousands separators, `count` → `12,345`;
- durations: `hours` (`20 s`, `15 min`, `4 h`, `2 d 6 h`);
- a figure that does not exist: `NONE` (`–`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from costmodel.sla import SlaPlan

__all__ = [
    "NONE", "change", "count", "feasibility", "hours", "interval", "interval_rows", "per_month", "probability", "share",
    "usd", "usd_change", "usd_small", "usd_whole",
]  # fmt: skip

NONE = "–"
"""Shown for a figure that does not exist (no interval keeps the SLA, no break-even)."""


def _money(amount_usd: float, decimals: int) -> str:
    text = f"${abs(amount_usd):,.{decimals}f}"
    return f"−{text}" if amount_usd < 0 and text.strip("$0.,") else text


def usd(amount_usd: float | None) -> str:
    """Money to the cent: `$1,234.56`, `−$12.50`; `–` for none [USD]."""
    return NONE if amount_usd is None else _money(amount_usd, 2)


def usd_whole(amount_usd: float | None) -> str:
    """Money in whole dollars, for annotations and titles inside charts: `$1,235`, `−$724`; `–` for none [USD]."""
    return NONE if amount_usd is None else _money(amount_usd, 0)


def usd_small(amount_usd: float | None) -> str:
    """Money that is often a fraction of a cent (one request, one pilot, a budget cap, a price per MTok): up to
    six decimals below a cent (`$0.000072`, `$0.001`), up to four below $1 (`$0.0123`, `$0.50`), cents from $1
    (`$12.50`); trailing zeros past the cents are dropped; `–` for none [USD]."""
    if amount_usd is None:
        return NONE
    size = abs(amount_usd)
    text = _money(amount_usd, 2 if size >= 1 or size == 0 else 4 if size >= 0.01 else 6)
    while "." in text and len(text.split(".")[1]) > 2 and text.endswith("0"):
        text = text[:-1]
    return text


def per_month(amount_usd: float | None) -> str:
    """A monthly amount to the cent: `$1,234.56/month`; `–` for none [USD/month]."""
    return NONE if amount_usd is None else f"{usd(amount_usd)}/month"


def count(value: float | None) -> str:
    """A count of items, requests or tokens: `12,345` (rounded to a whole number); `–` for none [count]."""
    return NONE if value is None else f"{value:,.0f}"


def share(value: float | None) -> str:
    """A share as a percentage with one decimal: `12.3%` [share]."""
    return NONE if value is None else f"{value:.1%}"


def change(value: float | None) -> str:
    """A relative change, signed, with one decimal: `+12.3%`, `-4.0%`; `–` for none [share]."""
    return NONE if value is None else f"{value:+.1%}"


def usd_change(amount_usd: float | None) -> str:
    """A signed difference of money to the cent, for a tile's delta line: `+$12.50`, `-$12.50` (ASCII minus, like
    `change`: Streamlit reads a delta's direction from it); `–` for none [USD]."""
    if amount_usd is None:
        return NONE
    text = f"${abs(amount_usd):,.2f}"
    return ("-" if amount_usd < 0 and text.strip("$0.,") else "+") + text


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


def hours_range(low: float | None, high: float | None) -> str:
    """A range of durations, each as `hours` gives it: `10 min–15 min`; `–` when either end is missing [h]."""
    return NONE if low is None or high is None else f"{hours(low)}–{hours(high)}"


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
