"""What drives the savings: a tornado per workflow, and the verdict's reason naming the input that matters most.

Each uncertain input is swung from its P10 to its P90 with every other input at its median (P50);
the bars are ranked by the swing in net savings [USD/month]. For the input that matters most, the
value where batch stops paying (net benefit = 0, the others at their medians) is found by bisection,
which gives the sentence: "batch pays unless first-pass success falls below 88 %; your pilot puts
it at 91–97 %".
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from costmodel._base import StrictModel
from costmodel.uncertainty import (
    ATTEMPT_COST_FIELDS,
    UNCERTAIN_FIELDS,
    FieldSpec,
    PilotCounts,
    Sample,
    Simulation,
    Triangular,
    UniformRange,
    attempt_costs,
    evaluate,
)

__all__ = ["Tornado", "TornadoBar", "decisive_input_reason", "tornado"]

NOT_IN_SAVINGS = ("median_processing_hours",)
"""Uncertain inputs that move the SLA risk, not the money."""
THRESHOLD_GRID = 129
THRESHOLD_STEPS = 40
TOKEN_SEARCH_SPAN = 10.0
"""Unbounded inputs (tokens, volume) are searched up to this multiple of their P90."""


class TornadoBar(StrictModel):
    """One input swung across its P10..P90, the others at their medians."""

    field: str
    """Model field name."""
    label: str
    """In words."""
    low_value: float
    """The input at its P10."""
    high_value: float
    """The input at its P90."""
    net_savings_at_low_usd: float
    """Net savings with the input at P10 [USD/month]."""
    net_savings_at_high_usd: float
    """Net savings with the input at P90 [USD/month]."""
    swing_usd: float
    """|high − low|: how much this input alone moves net savings [USD/month]."""


class Tornado(StrictModel):
    """Inputs ranked by how much they move net savings."""

    workflow_name: str
    """Workflow label."""
    base_net_savings_usd: float
    """Net savings with every uncertain input at its median [USD/month]."""
    bars: tuple[TornadoBar, ...]
    """Largest swing first."""
    reason: str | None
    """The input that matters most, in the verdict's words (None without uncertain inputs)."""


def _medians(sim: Simulation) -> dict[str, float]:
    return {k: float(np.median(v)) for k, v in sim.values.items() if k not in NOT_IN_SAVINGS}


def _net(sim: Simulation, values: dict[str, Any], figure: Literal["net_savings", "net_benefit"]) -> np.ndarray:
    outcome = evaluate(sim.uncertain.workflow, sim.pricing, sim.point, values)
    return np.asarray(getattr(outcome, figure), dtype=float)


def tornado(sim: Simulation) -> Tornado:
    """The tornado of a simulation: one bar per uncertain input that moves the money."""
    medians = _medians(sim)
    names = list(medians)
    lows = {k: float(np.percentile(sim.values[k], 10)) for k in names}
    highs = {k: float(np.percentile(sim.values[k], 90)) for k in names}
    # one vectorised evaluation: row 0 all medians, then each input at P10 and at P90
    rows = 1 + 2 * len(names)
    values = {k: np.full(rows, m) for k, m in medians.items()}
    for i, k in enumerate(names):
        values[k][1 + 2 * i] = lows[k]
        values[k][2 + 2 * i] = highs[k]
    net = _net(sim, values, "net_savings") if names else np.array([sim.point.net_savings_per_month_usd])
    bars = [
        TornadoBar(
            field=k,
            label=UNCERTAIN_FIELDS[k].label,
            low_value=lows[k],
            high_value=highs[k],
            net_savings_at_low_usd=float(net[1 + 2 * i]),
            net_savings_at_high_usd=float(net[2 + 2 * i]),
            swing_usd=abs(float(net[2 + 2 * i] - net[1 + 2 * i])),
        )
        for i, k in enumerate(names)
    ]
    bars.sort(key=lambda b: -b.swing_usd)
    return Tornado(
        workflow_name=sim.uncertain.workflow.name,
        base_net_savings_usd=float(net[0]),
        bars=tuple(bars),
        reason=decisive_input_reason(sim, bars[0].field) if bars else None,
    )


def _span(spec: FieldSpec, lo: float, hi: float) -> str:
    """`91.0%–97.0%`, `600–1,100 tokens`."""
    if spec.unit == "share":
        return f"{spec.format(lo)}–{spec.format(hi)}"
    lo_text, hi_text = spec.format(lo).split(" ", 1), spec.format(hi)
    return f"{lo_text[0]}–{hi_text}"


def _source(d: Any) -> str:
    if isinstance(d, PilotCounts):
        return "your pilot puts it at"
    if isinstance(d, Sample):
        return "the sample puts it at"
    if isinstance(d, Triangular | UniformRange):
        return "your range puts it at"
    return "it is"


def _threshold(sim: Simulation, field: str, medians: dict[str, float]) -> tuple[float | None, bool]:
    """(value of `field` where the net benefit crosses 0 nearest its median, whether batch pays above it)."""
    spec = UNCERTAIN_FIELDS[field]
    lo = max(spec.lo, sim.uncertain.workflow.cached_input_tokens) if field == "input_tokens" else spec.lo
    hi = spec.hi if spec.unit == "share" else TOKEN_SEARCH_SPAN * float(np.percentile(sim.values[field], 90))
    lo = lo + 1e-9 * max(1.0, hi) if spec.lo_open else lo
    if field == "output_tokens":
        hi = min(hi, float(sim.pricing.max_output_tokens) - sim.uncertain.workflow.thinking_tokens)
    grid = np.linspace(lo, hi, THRESHOLD_GRID)

    others = {k: m for k, m in medians.items() if k != field}
    # the other inputs stay put: price their attempt once unless the searched input is itself a token count
    w = sim.uncertain.workflow
    attempt = None if field in ATTEMPT_COST_FIELDS else attempt_costs(w, sim.pricing, sim.point, others)

    def net_at(x: np.ndarray) -> np.ndarray:
        values: dict[str, Any] = {**others, field: x}
        outcome = evaluate(w, sim.pricing, sim.point, values, attempt=attempt)
        return np.asarray(outcome.net_benefit, dtype=float)

    pays = net_at(grid) >= 0
    changes = np.nonzero(pays[1:] != pays[:-1])[0]
    if changes.size == 0:
        return None, bool(pays[0])
    # the crossing nearest the input's median
    i = int(changes[np.argmin(np.abs(grid[changes] - medians[field]))])
    a, b = float(grid[i]), float(grid[i + 1])
    pays_above = bool(pays[i + 1])
    for _ in range(THRESHOLD_STEPS):
        mid = (a + b) / 2
        if bool(net_at(np.array([mid]))[0] >= 0) == pays_above:
            b = mid
        else:
            a = mid
    return (a + b) / 2, pays_above


def decisive_input_reason(sim: Simulation, field: str) -> str:
    """The verdict's reason for one input: where batch stops paying, against where the input probably lies."""
    medians = _medians(sim)
    spec = UNCERTAIN_FIELDS[field]
    d = sim.uncertain.uncertain[field]  # type: ignore[index]
    p10, p90 = (float(v) for v in np.percentile(sim.values[field], [10, 90]))
    span = f"{_source(d)} {_span(spec, p10, p90)}"
    threshold, pays_above = _threshold(sim, field, medians)
    pays_now = bool(_net(sim, {k: np.array([m]) for k, m in medians.items()}, "net_benefit")[0] >= 0)
    label = spec.label
    if threshold is None:
        if pays_now:
            return f"batch pays whatever {label} is ({span}), the other inputs at their medians"
        return f"batch does not pay whatever {label} is ({span}), the other inputs at their medians"
    value = spec.format(threshold)
    if pays_now:
        direction = "falls below" if pays_above else "rises above"
        return f"batch pays unless {label} {direction} {value}; {span}"
    direction = "rises above" if pays_above else "falls below"
    return f"batch pays only if {label} {direction} {value}; {span}"
