"""Shell helpers for the submission-windows page: workflow → `SlaInputs`, figures, headline figures.

The page edits the workflow through the one workflow form (`ui.widgets`, `WINDOWS_LAYOUT`); what is
here turns the workflow into the SLA model's inputs, and the plan into tiles and charts.

Glossary (as in `costmodel.sla`): `S` SLA [h], `W` worst case per round [h], `D` downstream [h],
`M` safety margin [h], `R` batch rounds, `I` submission interval [h].
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from costmodel import formatting
from costmodel._base import NonNegFloat, StrictModel
from costmodel.capacity import CapacitySettings, QueueCheck, check_queue
from costmodel.deadlines import CalendarInputs
from costmodel.guard import DeadlineGuard, GuardSettings, plan_guard, relative_cutoff_hours
from costmodel.recommend import sla_inputs_for
from costmodel.sla import (
    CLOCK_FRIENDLY_INTERVALS_HOURS,
    SIMULATION_SAMPLES,
    LatencyHistogram,
    SlaInputs,
    SlaPlan,
    TimelineBar,
    plan_submissions,
    timeline,
)
from costmodel.sla import typical_case_charts as sla_typical_case_charts
from costmodel.turnaround import ObservedBatch, TurnaroundFit, calibration_curve, fit_turnaround
from costmodel.workflow import SlaSpec, Workflow
from ui import forms, state
from ui.charts import LAYOUT, PALETTE, layout
from ui.data import shared
from ui.tiles import Headline

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from costmodel.deadlines import CalendarPlan, HourlyProfile, ScheduleLoad
    from costmodel.measurement import PilotMeasurement
    from costmodel.sla import MissCurvePoint
    from ui.state import RequestLogArrivals

__all__ = [
    "INTERVAL_KEY",
    "INTERVAL_OPTIONS",
    "PAGE_SAMPLES",
    "RECOMMENDED",
    "IntervalChoice",
    "TimelineBar",
    "headline",
    "input_warnings",
    "interval_label",
    "interval_options",
    "latency_figure",
    "miss_curve_figure",
    "plan_inputs",
    "timeline",
    "timeline_figure",
    "typical_case_charts",
    "typical_case_note",
    "uses_pilot_turnaround",
    "verdict_text",
    "with_pilot_turnaround",
    "workflow_label",
]

PAGE_SAMPLES = SIMULATION_SAMPLES
"""Simulated items per rerun: the core's one count, so the page shows the CLI's and the Portfolio's P(miss)."""
ILLUSTRATION_INTERVAL_HOURS = 4.0
"""Interval drawn on the timeline when no interval keeps the SLA (the chart then shows why) [h]."""

RECOMMENDED = 0.0
"""The interval selector's value for "use the recommended interval" (a selectbox shows None as empty)."""
AXIS_TICKS_HOURS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 24.0, 48.0, 96.0, 168.0)
"""Labelled intervals on the P(miss) chart's log axis (every interval crowds the long end) [h]."""
INTERVAL_OPTIONS: tuple[float, ...] = (RECOMMENDED, *sorted(CLOCK_FRIENDLY_INTERVALS_HOURS))
"""Choices for the interval: the recommended one, then every clock-friendly interval [h]."""

INTERVAL_KEY = "win_interval_hours"
"""The interval selector's key: a view option of this page, not part of the workflow (its link key is `?i=`)."""


class IntervalChoice(StrictModel):
    """The interval the page evaluates, for its link: the recommended one unless the user picked another."""

    interval_hours: NonNegFloat
    """The chosen submission interval; `RECOMMENDED` (0) for the recommended one [h]."""


INTERVAL_FORM = forms.Form(
    IntervalChoice,
    source=state.WINDOWS_INTERVAL,
    link="i",
    fields=[forms.Field(INTERVAL_KEY, "interval_hours", cast=float)],
    to_link=lambda choice: choice if choice.interval_hours != RECOMMENDED else None,
)
"""The interval selector on the one form mechanism: seeded from a shared `?i=`, refilled after another page, kept
as a view of the page (not the workflow), and linked only when it is not the recommended interval."""


CHART_TABS = (
    ":material/view_timeline: Timeline",
    ":material/bar_chart: Typical latency",
    ":material/show_chart: P(miss) vs interval",
)
"""The page's three charts, one lazy tab each: the worst-case timeline, the simulated latency, the miss curve."""
CHART_TAB_KEY = "win_chart_tab"
"""Widget key of the chart tabs (the open tab's label)."""


def interval_options(current: float | None) -> list[float]:
    """Interval choices for the selector, with `current` added when a link carries an unusual one [h]."""
    options = list(INTERVAL_OPTIONS)
    if current is not None and current not in options:
        options = [RECOMMENDED, *sorted([*options[1:], current])]
    return options


def interval_label(interval_hours: float | None) -> str:
    """Selector label: `recommended` or `every 4 h`."""
    return "recommended" if not interval_hours else formatting.interval(interval_hours)


def workflow_label(index: int, workflow: Workflow) -> str:
    """Selector label for a workflow: its name and SLA, e.g. `Contract review (SLA 30 h, hard)`."""
    sla = f"SLA {workflow.sla.sla_hours:g} h, {workflow.sla.kind}" if workflow.sla else "no SLA"
    return f"{workflow.name} ({sla})"


def plan_inputs(workflow: Workflow, interval_hours: float | None) -> SlaInputs | None:
    """The SLA model's inputs for the workflow (its SLA, batched volume and rounds) at the chosen interval;
    None when the workflow has no SLA. The same inputs the verdict and the CLI's `recommend` use."""
    inputs = sla_inputs_for(workflow)
    if inputs is None:
        return None
    return inputs.model_copy(update={"interval_hours": interval_hours or None})


def with_pilot_turnaround(workflow: Workflow, measurement: PilotMeasurement) -> Workflow:
    """`workflow` with the typical case a pilot measured (median and p90 turnaround, expired share) in its SLA;
    the user's other inputs stay. A workflow without an SLA is returned unchanged."""
    return with_turnaround(
        workflow,
        median_hours=measurement.median_processing_hours,
        p90_hours=measurement.p90_processing_hours,
        expired_share=measurement.expired_share,
    )


def uses_pilot_turnaround(workflow: Workflow, measurement: PilotMeasurement | None) -> bool:
    """Whether the typical-case inputs are the pilot's measurement (so the page stops calling them assumptions)."""
    if measurement is None or workflow.sla is None:
        return False
    return with_pilot_turnaround(workflow, measurement) == workflow


def typical_case_note(workflow: Workflow, measurement: PilotMeasurement | None, *, simulated: bool = False) -> str:
    """Where the typical case comes from: the pilot once it measured it, else the published assumptions."""
    if measurement is not None and uses_pilot_turnaround(workflow, measurement):
        return (
            f"Typical case: measured by the pilot ({measurement.batch_count} batch(es), "
            f"{measurement.request_count:,} requests)"
            + ("; SIMULATED by the sandbox (made-up results): rehearse with it, do not plan" if simulated else "")
        )
    return (
        "Typical-case assumptions (until a pilot measures them): published observations say most batches end "
        "within the hour"
    )


def input_warnings(inputs: SlaInputs) -> list[str]:
    """Inputs that are valid but probably not meant: each line says what the model does with them."""
    warnings = []
    if inputs.p90_processing_hours < inputs.median_processing_hours:
        warnings.append(
            f"The p90 turnaround ({formatting.hours(inputs.p90_processing_hours)}) is below the median "
            f"({formatting.hours(inputs.median_processing_hours)}); the simulation treats every round as taking "
            "the median. Raise the p90 to at least the median."
        )
    if inputs.requests_per_day == 0:
        warnings.append("Volume is 0 requests/day: the intervals hold, but there is nothing to submit.")
    return warnings


def verdict_text(plan: SlaPlan) -> str:
    """The feasibility line: a bold verdict, then the core's reason as a sentence."""
    head = formatting.feasibility(plan)
    reason = plan.reason.removeprefix("feasible: ")
    return f"**{head}.** {reason[:1].upper()}{reason[1:]}."


def headline(plan: SlaPlan, inputs: SlaInputs) -> list[Headline]:
    """The page's metric tiles, in reading order; `–` where the plan has no interval."""
    r, w, d, s = inputs.batch_rounds, inputs.worst_case_hours, inputs.downstream_hours, inputs.sla_hours
    m = inputs.safety_margin_hours
    per_submission = plan.requests_per_submission
    (max_label, max_value), (rec_label, rec_value) = formatting.interval_rows(
        plan, max_miss_probability=inputs.max_miss_probability
    )
    budget_window = rec_label.startswith("Longest window")
    tiles = [
        Headline(
            max_label,
            max_value,
            f"I_max = S − R·W − D − M = {s:g} − {r}·{w:g} − {d:g} − {m:g} h = {plan.max_interval_hours:g} h"
            + ("; none: no interval keeps the SLA if every batch takes the worst case" if max_value == "none" else ""),
        ),
        Headline(
            "Longest window within the miss budget" if budget_window else rec_label,
            rec_value,
            f"The longest clock-friendly interval whose simulated P(miss) stays within the "
            f"{formatting.probability(inputs.max_miss_probability)} budget (the worst case breaks the SLA)"
            if budget_window
            else "The longest clock-friendly interval (whole days or a divisor of 24 h) that keeps the SLA",
        ),
        Headline(
            "Submissions per day",
            "–" if plan.submissions_per_day is None else f"{plan.submissions_per_day:g}",
            "24 h / interval",
        ),
        Headline(
            "Requests per submission",
            "–" if per_submission is None else f"{per_submission:,.0f}",
            "volume × interval / 24 h",
        ),
        Headline(
            "Batches per submission",
            "–" if plan.batches_per_submission is None else f"{plan.batches_per_submission:,}",
            "split at 100,000 requests or 256 MB per batch",
        ),
        Headline(
            "Worst-case latency",
            formatting.hours(plan.worst_case_latency_hours),
            f"I + R·W + D: interval + {r} round(s) × {w:g} h + {d:g} h downstream",
        ),
    ]
    typical = plan.typical
    if typical is not None:
        tiles += [
            Headline(
                "Typical p50 / p90 / p99",
                " / ".join(formatting.hours(h) for h in (typical.p50_hours, typical.p90_hours, typical.p99_hours)),
                "arrival → usable latency of the simulated items: median, 90th and 99th percentile (as the CLI's "
                "`sla` prints them)",
            ),
            Headline(
                "P(miss SLA)",
                formatting.probability(typical.miss_probability),
                f"share of {typical.samples:,} simulated items later than {s:g} h"
                + (f"; budget {formatting.probability(inputs.max_miss_probability)}" if inputs.kind == "soft" else ""),
            ),
        ]
    return tiles


# ---------------------------------------------------------------- timeline


def timeline_interval(plan: SlaPlan) -> tuple[float, bool]:
    """(interval to draw, whether it is only an illustration because no interval keeps the SLA) [h]."""
    if plan.interval_hours is not None:
        return plan.interval_hours, False
    return ILLUSTRATION_INTERVAL_HOURS, True


def timeline_figure(inputs: SlaInputs, plan: SlaPlan) -> go.Figure:
    """Two days of submissions: arrivals collected, worst-case processing and the SLA deadline per batch."""
    import plotly.graph_objects as go

    interval, illustration = timeline_interval(plan)
    bars = timeline(inputs, interval)
    ys = [b.submission for b in bars]
    processing_colors = [PALETTE["batch"] if b.meets_sla else PALETTE["bad"] for b in bars]
    data = [
        {
            "type": "bar",
            "name": "collecting arrivals",
            "orientation": "h",
            "y": ys,
            "base": [b.collect_start_hours for b in bars],
            "x": [b.submit_hours - b.collect_start_hours for b in bars],
            "marker": {"color": PALETTE["muted"]},
            "hovertemplate": "submission %{y}: arrivals from %{base:.2f} h for %{x:.2f} h<extra></extra>",
        },
        {
            "type": "bar",
            "name": "worst case: R·W + D after submission",
            "orientation": "h",
            "y": ys,
            "base": [b.submit_hours for b in bars],
            "x": [b.worst_done_hours - b.submit_hours for b in bars],
            "marker": {"color": processing_colors},
            "customdata": [b.worst_done_hours for b in bars],
            "hovertemplate": "submission %{y}: sent at %{base:.2f} h, usable by %{customdata:.2f} h<extra></extra>",
        },
        {
            "type": "scatter",
            "name": "SLA deadline of the oldest item",
            "mode": "markers",
            "y": ys,
            "x": [b.deadline_hours for b in bars],
            "marker": {"symbol": "line-ns-open", "size": 14, "line": {"width": 3}, "color": PALETTE["deadline"]},
            "hovertemplate": "submission %{y}: deadline %{x:.2f} h<extra></extra>",
        },
    ]
    title = f"Two days of submissions every {formatting.hours(interval)}"
    if illustration:
        title += " (illustration: no interval keeps the SLA; red = misses in the worst case)"
    shape = layout(
        title={"text": title},
        barmode="overlay",
        xaxis={"title": {"text": "hours since the first arrival"}},
        yaxis={"title": {"text": "submission"}, "autorange": "reversed"},
        legend={"orientation": "h", "y": -0.25},
        height=360 if len(bars) <= 12 else 460,
        margin=_MARGIN,
        hovermode="closest",
    )
    return go.Figure({"data": data, "layout": shape})


# ---------------------------------------------------------------- typical case

_MARGIN = {**LAYOUT["margin"], "t": 50}
"""This page's charts carry two-line titles: a taller top margin than the shared layout's [px]."""


def _vline(x: float, text: str, *, color: str, dash: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A labelled vertical line as plain layout dicts (plotly's add_vline costs ~5 ms each on a rerun)."""
    shape = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "dash": dash, "width": 2 if dash == "solid" else 1},
    }
    note = {
        "x": x,
        "xref": "x",
        "y": 1,
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "bottom",
        "font": {"color": color, "size": 11},
    }
    return shape, note


def latency_figure(inputs: SlaInputs, plan: SlaPlan, histogram: LatencyHistogram | None) -> go.Figure | None:
    """Typical-case latency distribution at the plan's interval with p50/p90/p99 and the SLA; None without one."""
    import plotly.graph_objects as go

    if plan.interval_hours is None or plan.typical is None or histogram is None:
        return None
    centres, shares, width, beyond = (
        histogram.centres_hours, histogram.shares, histogram.width_hours, histogram.beyond_share
    )
    bar = {
        "type": "bar",
        "name": "items",
        "x": centres,
        "y": [share * 100 for share in shares],
        "width": width,
        "marker": {"color": PALETTE["batch"]},
        "hovertemplate": "%{x:.2f} h: %{y:.2f} % of items<extra></extra>",
    }
    t = plan.typical
    markers = [
        _vline(t.p50_hours, "p50", color=PALETTE["neutral"], dash="dot"),
        _vline(t.p90_hours, "p90", color=PALETTE["neutral"], dash="dot"),
        _vline(t.p99_hours, "p99", color=PALETTE["neutral"], dash="dash"),
        _vline(inputs.sla_hours, f"SLA {inputs.sla_hours:g} h", color=PALETTE["deadline"], dash="solid"),
    ]
    title = f"Typical-case latency at {formatting.hours(plan.interval_hours)} windows ({t.samples:,} simulated items)"
    if beyond > 0:
        title += f"; {formatting.probability(beyond)} beyond the axis"
    shape = layout(
        title={"text": title},
        xaxis={"title": {"text": "arrival → usable latency [h]"}},
        yaxis={"title": {"text": "share of items [%]"}},
        bargap=0,
        showlegend=False,
        shapes=[line for line, _ in markers],
        annotations=[note for _, note in markers],
        height=340,
        margin=_MARGIN,
        hovermode="closest",
    )
    return go.Figure({"data": [bar], "layout": shape})


def _typical_case_charts(
    inputs: SlaInputs, interval_hours: float | None
) -> tuple[tuple[MissCurvePoint, ...], LatencyHistogram | None]:
    points, histogram = sla_typical_case_charts(inputs, interval_hours, samples=PAGE_SAMPLES)
    return tuple(points), histogram


def typical_case_charts(inputs: SlaInputs, plan: SlaPlan) -> tuple[tuple[MissCurvePoint, ...], LatencyHistogram | None]:
    """The P(miss) curve and the latency histogram at the plan's interval, from one simulation (kept in the shared
    store on its inputs: a rerun that changes neither simulates nothing)."""
    return shared(_typical_case_charts, inputs, plan.interval_hours)


def submission_plan(inputs: SlaInputs) -> SlaPlan:
    """`costmodel.sla.plan_submissions` (its typical case is a simulation), kept in the shared store on its inputs."""
    return shared(plan_submissions, inputs)


def miss_curve_figure(inputs: SlaInputs, plan: SlaPlan, points: Sequence[MissCurvePoint]) -> go.Figure:
    """P(miss SLA) against the interval, the recommended interval marked; the worst-case limit shaded."""
    import plotly.graph_objects as go

    xs = [p.interval_hours for p in points]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "name": "typical-case P(miss)",
            "x": xs,
            "y": [p.miss_probability * 100 for p in points],
            "mode": "lines+markers",
            "marker": {"color": PALETTE["batch"]},
            "line": {"color": PALETTE["batch"]},
            "customdata": [p.worst_case_latency_hours for p in points],
            "hovertemplate": "every %{x:g} h: %{y:.2f} % miss; worst case %{customdata:g} h<extra></extra>",
        }
    ]
    rec = next((p for p in points if p.interval_hours == plan.recommended_interval_hours), None)
    if rec is not None:
        data.append(
            {
                "type": "scatter",
                "name": f"recommended: every {formatting.hours(rec.interval_hours)}",
                "x": [rec.interval_hours],
                "y": [rec.miss_probability * 100],
                "mode": "markers",
                "marker": {"symbol": "star", "size": 16, "color": PALETTE["good"]},
            }
        )
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    if plan.interval_hours is not None and plan.interval_hours != plan.recommended_interval_hours:
        shape, note = _vline(plan.interval_hours, "chosen", color=PALETTE["neutral"], dash="dot")
        shapes.append(shape)
        notes.append({**note, "x": math.log10(plan.interval_hours)})  # annotations on a log axis take log10
    if inputs.kind == "soft":
        budget = inputs.max_miss_probability * 100
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": budget,
                "y1": budget,
                "line": {"color": PALETTE["deadline"], "dash": "dash", "width": 1},
            }
        )
        notes.append(
            {
                "x": 0,
                "xref": "paper",
                "y": budget,
                "yref": "y",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "text": f"miss budget {formatting.probability(inputs.max_miss_probability)}",
                "font": {"color": PALETTE["deadline"], "size": 11},
            }
        )
    if plan.max_interval_hours < max(xs):
        x0 = max(plan.max_interval_hours, min(xs))
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": x0,
                "x1": max(xs),
                "y0": 0,
                "y1": 1,
                "fillcolor": PALETTE["bad"],
                "opacity": 0.08,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        notes.append(
            {
                "x": math.log10(x0),
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "text": "worst case breaks the SLA",
                "font": {"color": PALETTE["bad"], "size": 11},
            }
        )
    shape = layout(
        title={"text": "P(miss SLA) against the submission interval (typical case)"},
        xaxis={
            "title": {"text": "submission interval [h]"},
            "type": "log",
            "tickvals": [x for x in xs if x in AXIS_TICKS_HOURS],
            "ticktext": [f"{x:g}" for x in xs if x in AXIS_TICKS_HOURS],
        },
        yaxis={"title": {"text": "items that miss the SLA [%]"}},
        legend={"orientation": "h", "y": -0.3},
        shapes=shapes,
        annotations=notes,
        margin=_MARGIN,
        hovermode="closest",
    )
    return go.Figure({"data": data, "layout": shape})


# ---------------------------------------------------------------- capacity (issue 11)

TIER_KEY = "win_tier"
"""The tier picker's key; its value lives in the scenario (`Scenario.capacity`), so the verdict uses it too."""
QUEUE_LIMIT_KEY = "win_queue_limit"
"""The custom processing-queue limit's key [requests]."""
TIER_LABELS = {"start": "Start", "build": "Build", "scale": "Scale", "custom": "Custom queue limit"}
"""Tier picker choices, smallest first."""


def capacity_settings(tier: str, queue_limit_requests: float | None) -> CapacitySettings:
    """The scenario's capacity from the picker: a published tier, or a custom queue limit [requests]."""
    if tier == "custom":
        return CapacitySettings(tier="custom", queue_limit_requests=queue_limit_requests or 1.0)
    return CapacitySettings.model_validate({"tier": tier})


def queue_check(inputs: SlaInputs, plan: SlaPlan, capacity: CapacitySettings) -> QueueCheck | None:
    """The plan's interval against the tier's processing queue (`costmodel.capacity`); None without an interval."""
    if plan.interval_hours is None:
        return None
    return check_queue(inputs, plan.interval_hours, capacity.limits())


def queue_tiles(check: QueueCheck) -> list[Headline]:
    """Metric tiles of the queue check: limit, worst-case and typical in flight, sustainable volume, API calls."""
    limits = check.limits
    rpm = limits.batch_requests_per_minute
    as_of = "" if limits.as_of is None else f", as of {limits.as_of.isoformat()}"
    return [
        Headline(
            "Queue limit",
            f"{check.queue_limit_requests:,.0f}",
            f"Requests that may wait in the processing queue ({limits.tier}; {limits.source}{as_of})",
        ),
        Headline(
            "In flight, worst case",
            f"{check.worst_case_in_flight_requests:,.0f}",
            "N·(I + R·W)/24: every batch takes the worst case",
        ),
        Headline(
            "In flight, typical",
            f"{check.typical_in_flight_requests:,.0f}",
            "N·I/24 · R · Σ P(T > k·I): just after a submission, typical turnaround",
        ),
        Headline(
            "Max requests/day at this tier",
            f"{check.max_requests_per_day:,.0f}",
            f"Q·24/(I + R·W) at every {formatting.hours(check.interval_hours)}",
        ),
        Headline(
            "Batch calls per minute",
            f"{check.peak_batch_calls_per_minute:,.0f}",
            "Worst case: every batch in flight polled once a minute, plus one submission's creates"
            + (f"; the tier allows {rpm:,.0f}/min" if rpm is not None else ""),
        ),
    ]


def clock_queue_text(load: ScheduleLoad, check: QueueCheck) -> str:
    """The processing-queue check at a clock schedule, in words: its largest gap, what arrives in it, the verdict."""
    return (
        f"**Processing queue at the clock schedule.** The largest gap between submissions is "
        f"{formatting.hours(load.largest_gap_hours)} and {load.largest_gap_requests:,.0f} requests arrive in it (the "
        f"largest submission takes {load.largest_submission_requests:,.0f}); under the worst case this holds as many "
        f"requests as submitting every {formatting.hours(check.interval_hours)}: {check.reason}."
    )


def clock_queue_fixes(load: ScheduleLoad, check: QueueCheck) -> list[str]:
    """What would make the clock schedule fit the queue (the relative fixes, with the schedule's own instead of an
    interval)."""
    if check.queue_feasible:
        return []
    fixes = [f for f in check.fixes if not f.startswith("submit every")]
    gap = formatting.hours(load.largest_gap_hours)
    return [*fixes, f"add a submission inside the {gap} gap between submissions, or submit as work arrives"]


def clock_queue_tiles(load: ScheduleLoad, check: QueueCheck) -> list[Headline]:
    """Metric tiles of the queue check at a clock schedule (labels apart from the relative plan's)."""
    return [
        Headline("Largest gap between submissions", formatting.hours(load.largest_gap_hours),
                 "Longest time between two consecutive scheduled submissions"),
        Headline("Arriving in the largest gap", f"{load.largest_gap_requests:,.0f}",
                 "Requests that arrive in that gap by the arrival profile, all submitted at its end"),
        Headline("In flight at the schedule, worst case", f"{load.worst_case_in_flight_requests:,.0f}",
                 "Every submission of the last R·W hours still queued, the one just made included"),
        Headline("Max requests/day at the schedule", f"{check.max_requests_per_day:,.0f}",
                 f"The most the tier's queue of {check.queue_limit_requests:,.0f} sustains with this schedule"),
    ]  # fmt: skip


# ---------------------------------------------------------------- deadline guard (issue 11)

GUARD_KEY = "win_guard"
"""The "Rescue to sync at a cutoff" toggle; its settings live in the scenario (`Scenario.deadline_guard`)."""
DRAIN_KEY = "win_guard_drain"
"""Sync drain time [h]."""
BUFFER_KEY = "win_guard_buffer"
"""Buffer after the drain [h]."""


def _guard(
    workflow: Workflow, plan: SlaPlan, settings: GuardSettings, batch_discount: float, cutoff_hours: float | None
) -> DeadlineGuard:
    """The guard, priced against the workflow's cost when it can be priced."""
    from costmodel.cost import compare
    from costmodel.recommend import guard_for
    from costmodel.workflow import WorkflowError, resolve_pricing
    from ui.data import catalog

    inputs = sla_inputs_for(workflow)
    assert inputs is not None
    assert plan.interval_hours is not None
    try:
        comparison = compare(workflow, resolve_pricing(workflow, catalog(batch_discount=batch_discount)))
    except WorkflowError:  # no prices: the guard still says how often it rescues
        comparison = None
    if cutoff_hours is None and comparison is not None:  # relative SLA: exactly the verdict's guard
        guard = guard_for(workflow, comparison, plan, settings)
        assert guard is not None
        return guard
    if cutoff_hours is None:
        cutoff_hours = relative_cutoff_hours(
            inputs, plan.interval_hours, sync_drain_hours=settings.sync_drain_hours, buffer_hours=settings.buffer_hours
        )
    costs: dict[str, float | None] = {}
    if comparison is not None:
        costs = {
            "requests_per_month": (1 - workflow.urgent_share) * comparison.requests_per_month,
            "sync_item_usd": comparison.sync_item_usd,
            "batch_item_usd": comparison.batch_item_usd,
            # a hybrid's cost is the verdict's to price: without it, the cost incl. rescues is left out
            "batch_cost_per_month_usd": comparison.batch_cost_per_month_usd if workflow.urgent_share == 0 else None,
        }
    return plan_guard(
        inputs,
        cutoff_hours=cutoff_hours,
        interval_hours=plan.interval_hours,
        sync_drain_hours=settings.sync_drain_hours,
        buffer_hours=settings.buffer_hours,
        **costs,  # type: ignore[arg-type]
    )


def deadline_guard(
    workflow: Workflow, plan: SlaPlan, settings: GuardSettings, *, batch_discount: float,
    clock: tuple[float, float] | None = None,
) -> DeadlineGuard | None:  # fmt: skip
    """The rescue-to-sync guard at the plan's interval, or at a clock deadline's (cutoff, interval) from
    `costmodel.guard.clock_guard_timing`; None when the workflow has no SLA or the plan no interval."""
    if workflow.sla is None or plan.interval_hours is None:
        return None
    cutoff_hours = None
    if clock is not None:
        cutoff_hours = clock[0]
        plan = plan.model_copy(update={"interval_hours": clock[1]})
    return shared(_guard, workflow, plan, settings, batch_discount, cutoff_hours)


def guard_tiles(guard: DeadlineGuard) -> list[Headline]:
    """Cutoff, P(item rescued), rescue spend and the monthly cost including rescues."""
    return [
        Headline(
            "Rescue cutoff",
            formatting.hours(guard.rescue_cutoff_hours) if guard.rescue_cutoff_hours > 0 else "none",
            f"After each submission: deadline − downstream − {formatting.hours(guard.sync_drain_hours)} drain − "
            f"{formatting.hours(guard.buffer_hours)} buffer",
        ),
        Headline(
            "P(item rescued)",
            formatting.probability(guard.rescue_probability),
            "Share of items whose batch path is not done by the cutoff (typical case, simulated)",
        ),
        Headline(
            "Rescue spend", formatting.per_month(guard.expected_rescue_cost_per_month_usd), "p · N · sync cost per item"
        ),
        Headline(
            "Expected cost incl. rescues",
            formatting.per_month(guard.batch_cost_with_rescue_per_month_usd),
            "batch (or hybrid) cost − p·N·batch item + p·N·sync item, per month",
        ),
    ]


def changed_capacity(
    current: CapacitySettings, tier: str, queue_limit_requests: float | None
) -> CapacitySettings | None:
    """The scenario's new capacity when the picker says something else than `current`; None when unchanged
    (an untouched picker shows Scale for a scenario that gives no tier: that is no change)."""
    shown = current.tier or "scale"
    if tier == shown and (tier != "custom" or queue_limit_requests == current.queue_limit_requests):
        return None
    return capacity_settings(tier, queue_limit_requests)


# ---------------------------------------------------------------- clock deadline (issue 11)

CALENDAR_KEY = state.WINDOWS_CALENDAR
"""The page's clock deadline (`CalendarInputs`): the session key `ui.state.WINDOWS_CALENDAR`, under the page's name."""
CLOCK_KEY = "win_clock"
"""The "Plan against a clock deadline" toggle."""
CAL_KEYS = {
    name: f"win_cal_{name}"
    for name in ("deadline", "timezone", "days", "arrivals", "arrival_start", "arrival_end", "submit_at")
}
"""Widget keys of the clock-deadline inputs."""
WORKING_DAYS = {"mon-fri": "Mon–Fri", "all": "Every day"}
"""Working-day choices: `costmodel.deadlines.parse_working_days` text → label."""
ARRIVALS = {"uniform": "Uniform over the day", "hours": "Business hours"}
"""Arrival profile choices (plus `LOG_ARRIVALS` when a request log was imported)."""
LOG_ARRIVALS = "log"
"""The arrivals choice that uses the hourly profile and working days of the request log imported on Usage."""


def arrival_choices(log: RequestLogArrivals | None, kept: CalendarInputs | None = None) -> dict[str, str]:
    """Arrival profile choice → label: uniform, business hours, and the imported request log when there is one
    (else the hourly profile the page's clock deadline holds, e.g. from a shared link)."""
    if log is not None:
        return {**ARRIVALS, LOG_ARRIVALS: f"As in the imported log ({log.requests:,} requests)"}
    if kept is not None and kept.hourly_profile is not None:
        return {**ARRIVALS, LOG_ARRIVALS: "As in the link's hourly profile"}
    return dict(ARRIVALS)


@functools.lru_cache(maxsize=16)
def log_profile(log: RequestLogArrivals, timezone: str) -> HourlyProfile:
    """The request log's arrivals by local hour and weekday in `timezone` (`costmodel.deadlines`), cached."""
    from datetime import UTC, datetime, timedelta

    from costmodel.deadlines import hourly_profile_from_counts

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return hourly_profile_from_counts([(epoch + timedelta(minutes=15 * q), n) for q, n in log.quarters], timezone)


DEFAULT_CALENDAR = {"deadline": "06:00", "timezone": "UTC", "arrival_start": "08:00", "arrival_end": "18:00"}
"""What the clock-deadline inputs start from."""


@functools.cache
def _timezones() -> tuple[str, ...]:
    from zoneinfo import available_timezones

    return tuple(sorted(available_timezones() | {"UTC"}))


def timezones() -> list[str]:
    """Every IANA zone name `zoneinfo` knows, sorted (UTC included); read once per process (it scans the disk)."""
    return list(_timezones())


def calendar_inputs(
    *,
    deadline: str,
    timezone: str,
    days: str,
    arrivals: str,
    arrival_start: str,
    arrival_end: str,
    submit_at: str,
    log: RequestLogArrivals | None = None,
    kept: CalendarInputs | None = None,
) -> tuple[CalendarInputs | None, list[str]]:
    """The widgets' values as one validated `CalendarInputs`, or None and one line per problem; arrivals `log` take
    the imported request log's hourly profile and the weekdays seen in it (as the CLI's `--arrivals-from`), or
    without a log those of `kept` (the page's clock deadline, e.g. from a shared link)."""
    from pydantic import ValidationError

    from costmodel.deadlines import CalendarInputs, parse_working_days
    from costmodel.errors import problem_lines

    fields: dict[str, object] = {"deadline": deadline, "timezone": timezone, "working_days": parse_working_days(days)}
    if arrivals == "hours":  # an end at 00:00 is midnight at the end of the day
        fields.update(arrival_start=arrival_start, arrival_end="24:00" if arrival_end == "00:00" else arrival_end)
    if arrivals == LOG_ARRIVALS and log is not None:
        try:
            profile = log_profile(log, timezone)
        except ValueError as exc:
            return None, [f"arrivals from the imported log: {exc}"]
        fields.update(hourly_profile=profile.weights, working_days=profile.working_days)
    elif arrivals == LOG_ARRIVALS and kept is not None and kept.hourly_profile is not None:
        fields.update(hourly_profile=kept.hourly_profile, working_days=kept.working_days)
    times = tuple(t.strip() for t in submit_at.replace(";", ",").split(",") if t.strip())
    if times:
        fields["submit_at"] = times
    try:
        return CalendarInputs.model_validate(fields), []
    except ValidationError as exc:
        return None, problem_lines(exc)


def calendar_plan(calendar: CalendarInputs, inputs: SlaInputs, *, start: date) -> CalendarPlan:
    """`costmodel.deadlines.plan_calendar` (a million simulated items), kept in the shared store on its inputs."""
    from costmodel.deadlines import plan_calendar

    return shared(plan_calendar, calendar, inputs, start=start)


def calendar_tiles(plan: CalendarPlan) -> list[Headline]:
    """Guaranteed or not, P(ready by the deadline), and the schedule."""
    return [
        Headline(
            "Guaranteed (worst case)",
            "yes" if plan.guaranteed else "no",
            "Every deadline holds even if every batch round takes the full 24 h",
        ),
        Headline(
            "P(ready by deadline)",
            formatting.probability(plan.ready_by_deadline_probability),
            f"Typical case: share of {plan.samples:,} simulated items over {plan.days} days usable by their deadline",
        ),
        Headline(
            "Schedule (local)",
            ", ".join(plan.schedule_local),
            f"Submission times in {plan.timezone}; recommended: {', '.join(plan.recommended_schedule_local)}",
        ),
    ]


def deadline_rows(plan: CalendarPlan) -> list[dict[str, str]]:
    """One table row per arrival weekday: due, last submission, worst-case ready, guaranteed, P(ready)."""
    return [
        {
            "work of": c.arrival_day,
            "due": c.due,
            "last submission": c.last_submission,
            "worst case ready": c.worst_case_ready,
            "guaranteed": "yes" if c.guaranteed else "no",
            "P(ready by deadline)": formatting.probability(c.ready_probability),
            "half ready": _spare(c.typical_p50_hours_before_due),
            "90 % ready": _spare(c.typical_p90_hours_before_due),
        }
        for c in plan.deadlines
    ]


def _spare(hours_before_due: float) -> str:
    early = hours_before_due >= 0
    return f"{formatting.hours(abs(hours_before_due))} {'early' if early else 'late'}"


def _week_hours(label: str, *, not_before: float = 0.0) -> float:
    """`tue 06:00` → hours since Monday 00:00, moved a week on when it would fall before `not_before` [h]."""
    from costmodel.deadlines import WEEKDAYS

    day, clock = label.split(" ")
    hours = WEEKDAYS.index(day) * 24 + int(clock[:2]) + int(clock[3:]) / 60
    while hours < not_before:
        hours += 168
    return hours


def deadline_table(plan: CalendarPlan) -> str:
    """`deadline_rows` as a markdown table (cheaper on a rerun than a dataframe)."""
    rows = deadline_rows(plan)
    head = list(rows[0]) if rows else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row.values()) + " |" for row in rows]
    return "\n".join(lines)


def calendar_figure(calendar: CalendarInputs, plan: CalendarPlan) -> go.Figure:
    """A week: each working day's arrivals, its last submission, worst-case and typical completions, its deadline."""
    import plotly.graph_objects as go

    from costmodel.deadlines import WEEKDAYS

    rows = []
    for c in plan.deadlines:
        day = WEEKDAYS.index(c.arrival_day) * 24
        if calendar.hourly_profile is not None:
            first = next(h for h, w in enumerate(calendar.hourly_profile) if w > 0)
            opened, closed = day + first, day + calendar.close_hours()
        else:
            opened, closed = (day + _hours(calendar.arrival_start), day + _hours(calendar.arrival_end))
        submitted = _week_hours(c.last_submission, not_before=closed - 1e-9)
        due = _week_hours(c.due, not_before=closed)
        worst = _week_hours(c.worst_case_ready, not_before=submitted)
        rows.append((c, opened, closed, submitted, due, worst))
    ys = [f"{c.arrival_day}'s work" for c, *_ in rows]
    data = [
        {"type": "bar", "orientation": "h", "name": "arrivals", "y": ys, "base": [r[1] for r in rows],
         "x": [r[2] - r[1] for r in rows], "marker": {"color": PALETTE["muted"]},
         "hovertemplate": "%{y}: arrivals<extra></extra>"},
        {"type": "bar", "orientation": "h", "name": "worst case: submission → ready", "y": ys,
         "base": [r[3] for r in rows], "x": [r[5] - r[3] for r in rows],
         "marker": {"color": [PALETTE["good"] if r[0].guaranteed else PALETTE["bad"] for r in rows]}, "opacity": 0.35,
         "customdata": [r[0].worst_case_ready for r in rows],
         "hovertemplate": "%{y}: ready by %{customdata} in the worst case<extra></extra>"},
        {"type": "scatter", "mode": "markers", "name": "submission", "y": ys, "x": [r[3] for r in rows],
         "customdata": [r[0].last_submission for r in rows], "marker": {"symbol": "triangle-right", "size": 11,
         "color": PALETTE["batch"]}, "hovertemplate": "%{y}: submitted %{customdata}<extra></extra>"},
        {"type": "scatter", "mode": "markers", "name": "typical: half ready", "y": ys,
         "x": [r[4] - r[0].typical_p50_hours_before_due for r in rows],
         "marker": {"symbol": "circle", "size": 9, "color": PALETTE["batch"]}},
        {"type": "scatter", "mode": "markers", "name": "typical: 90 % ready", "y": ys,
         "x": [r[4] - r[0].typical_p90_hours_before_due for r in rows],
         "marker": {"symbol": "circle-open", "size": 10, "color": PALETTE["batch"]}},
        {"type": "scatter", "mode": "markers", "name": "deadline", "y": ys, "x": [r[4] for r in rows],
         "customdata": [r[0].due for r in rows], "hovertemplate": "%{y}: due %{customdata}<extra></extra>",
         "marker": {"symbol": "line-ns-open", "size": 18, "line": {"width": 3}, "color": PALETTE["deadline"]}},
    ]  # fmt: skip
    end = max(r[5] for r in rows) + 2
    shape = layout(
        title={"text": f"A week in {plan.timezone}: arrivals, submissions and completions against each deadline"},
        barmode="overlay",
        xaxis={
            "title": {"text": "local time"},
            "tickvals": list(range(0, int(end) + 1, 24)),
            "ticktext": [f"{WEEKDAYS[(k // 24) % 7]} 00:00" for k in range(0, int(end) + 1, 24)],
            "range": [min(r[1] for r in rows) - 2, end],
        },
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.2},
        height=120 + 40 * len(rows),
        margin=_MARGIN,
        hovermode="closest",
    )
    return go.Figure({"data": data, "layout": shape})


def _hours(clock: str) -> float:
    return int(clock[:2]) + int(clock[3:]) / 60


def calendar_widget_values(calendar: CalendarInputs | None) -> dict[str, object]:
    """Widget key → value that shows `calendar` (the defaults when None): for a shared link or a revisit."""
    from datetime import time

    def clock(text: str) -> time:
        return time(0, 0) if text == "24:00" else time(int(text[:2]), int(text[3:]))

    if calendar is None:
        values = {**DEFAULT_CALENDAR, "days": "mon-fri", "arrivals": "hours", "submit_at": ""}
    else:
        uniform = (calendar.arrival_start, calendar.arrival_end) == ("00:00", "24:00")
        values = {
            "deadline": calendar.deadline,
            "timezone": calendar.timezone,
            "days": "all" if len(calendar.working_days) == 7 else "mon-fri",
            "arrivals": LOG_ARRIVALS if calendar.hourly_profile is not None else "uniform" if uniform else "hours",
            "arrival_start": DEFAULT_CALENDAR["arrival_start"] if uniform else calendar.arrival_start,
            "arrival_end": DEFAULT_CALENDAR["arrival_end"] if uniform else calendar.arrival_end,
            "submit_at": ", ".join(calendar.submit_at or ()),
        }
    return {
        CAL_KEYS[name]: clock(value) if name in ("deadline", "arrival_start", "arrival_end") else value
        for name, value in values.items()
    }


def calendar_defaults() -> dict[str, object]:
    """Widget key → the value the clock-deadline inputs start from (the toggle off)."""
    return {**calendar_widget_values(None), CLOCK_KEY: False}


CALENDAR_FORM = forms.Form(
    CalendarInputs,
    source=CALENDAR_KEY,
    link="c",
    derived=lambda calendar: {**calendar_widget_values(calendar), CLOCK_KEY: True},
    derived_keys=(*CAL_KEYS.values(), CLOCK_KEY),
)
"""The clock deadline on the one form mechanism: seeded from a shared `?c=` (the toggle on), refilled after another
page from the deadline in force, kept when valid (a typo changes neither the plan in force nor the link), cleared
when switched off. Its widgets stand for several fields at once, so all of them are `derived`."""


# ---------------------------------------------------------------- learned turnaround (issue 11)


@dataclass(frozen=True)
class LearnedTurnaround:
    """The turnaround fitted from the ledger's ended batches (owner-agnostic figures only, no prompts or results)."""

    fit: TurnaroundFit
    batches: tuple[ObservedBatch, ...]
    pilots: int
    """Real (not simulated) pilots with at least one batch behind the fit."""
    simulated_left_out: int
    """Simulated batches not counted (made-up timings)."""


LEARNED_OPEN_KEY = "win_learned_open"
"""The "Learned turnaround and calibration" expander (lazy: its chart is drawn only while it is open)."""


@st.cache_data(show_spinner=False, max_entries=4, ttl=60)
def _learned_json(path: str) -> tuple[str, list[str], int, int]:
    from pilot.calibrate import observed_batches
    from pilot.ledger import Ledger

    ledger = Ledger(path)
    batches, skipped = observed_batches(ledger)
    pilots = sum(
        1
        for pilot in ledger.pilots()
        if not pilot.simulated and any(p.processing_status == "ended" for p in ledger.parts(pilot.pilot_id))
    )
    fit = fit_turnaround(batches)
    return fit.model_dump_json(), [b.model_dump_json() for b in batches], pilots, skipped


def learned_turnaround(ledger_path: Path | None = None) -> LearnedTurnaround:
    """The turnaround learned from every real pilot in the ledger (default path, read only); cached for a minute."""
    from pilot.ledger import default_ledger_path

    fit_json, batch_json, pilots, skipped = _learned_json(str(ledger_path or default_ledger_path()))
    return LearnedTurnaround(
        fit=TurnaroundFit.model_validate_json(fit_json),
        batches=tuple(ObservedBatch.model_validate_json(b) for b in batch_json),
        pilots=pilots,
        simulated_left_out=skipped,
    )


def with_turnaround(workflow: Workflow, *, median_hours: float, p90_hours: float, expired_share: float) -> Workflow:
    """`workflow` with this typical turnaround in its SLA (the user's other inputs stay); unchanged without an SLA."""
    if workflow.sla is None:
        return workflow
    sla = SlaSpec.model_validate(
        {
            **workflow.sla.model_dump(),
            "median_processing_hours": median_hours,
            "p90_processing_hours": max(p90_hours, median_hours),
            "expired_share": expired_share,
        }
    )
    return workflow.model_copy(update={"sla": sla})


def with_learned_turnaround(workflow: Workflow, learned: LearnedTurnaround) -> Workflow:
    """`workflow` with the fitted median, p90 and expired share."""
    fit = learned.fit
    return with_turnaround(
        workflow, median_hours=fit.median_hours, p90_hours=fit.p90_hours, expired_share=fit.expired_share
    )


def learned_label(learned: LearnedTurnaround) -> str:
    """The button: `Use the turnaround learned from 3 pilots (12 batches)`."""
    n, b = learned.pilots, learned.fit.overall.batches
    return f"Use the turnaround learned from {n} pilot{'s' if n != 1 else ''} ({b} batch{'es' if b != 1 else ''})"


def learned_note(learned: LearnedTurnaround) -> str:
    """What the ledger offers: the fit with its uncertainty, or why the labelled defaults remain."""
    fit = learned.fit
    note = f"Ledger: {fit.message}."
    if not fit.use_fit:
        note += f" A fit needs {fit.min_batches} ended batches: fewer make the p90 mostly noise."
    if learned.simulated_left_out:
        note += f" {learned.simulated_left_out} simulated batch(es) left out (made-up timings)."
    return note


def calibration_figure(learned: LearnedTurnaround, inputs: SlaInputs) -> go.Figure:
    """Predicted (the plan's turnaround) vs observed (the ledger's batches) P(batch done within t), log time axis."""
    import plotly.graph_objects as go

    curve = calibration_curve(
        learned.batches,
        median_hours=inputs.median_processing_hours,
        p90_hours=inputs.p90_processing_hours,
        expired_share=inputs.expired_share,
        worst_case_hours=inputs.worst_case_hours,
    )
    xs = [p.hours for p in curve]
    data = [
        {"type": "scatter", "mode": "lines", "name": "predicted (the plan's turnaround)", "x": xs,
         "y": [p.predicted * 100 for p in curve], "line": {"color": PALETTE["neutral"], "dash": "dash"}},
        {"type": "scatter", "mode": "lines+markers", "name": f"observed ({len(learned.batches)} batches)", "x": xs,
         "y": [p.observed * 100 for p in curve], "line": {"color": PALETTE["batch"], "shape": "hv"}},
    ]  # fmt: skip
    shape = layout(
        title={"text": "Calibration: P(batch done within t), predicted vs observed"},
        xaxis={"title": {"text": "t [h]"}, "type": "log"},
        yaxis={"title": {"text": "batches done [%]"}, "range": [0, 101]},
        legend={"orientation": "h", "y": -0.25},
        height=340,
        margin=_MARGIN,
        hovermode="closest",
    )
    return go.Figure({"data": data, "layout": shape})


def learned_uncertainty(workflow: Workflow, learned: LearnedTurnaround, held: dict[str, Any]) -> dict[str, Any]:
    """`held` (the workflow's uncertain inputs) with the learned median turnaround as uncertain as the fit says
    (issue 12: the fit's 95 % interval of the median, `costmodel.uncertainty.turnaround_distribution`); `held`
    unchanged without a fit or an SLA."""
    from costmodel.uncertainty import turnaround_distribution, with_distributions

    turnaround = turnaround_distribution(learned.fit)
    if turnaround is None:
        return dict(held)
    return with_distributions(workflow, held, {"median_processing_hours": turnaround})[0]
