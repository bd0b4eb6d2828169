"""Usage import page, output side: plotly figures and tables built from a `UsageSummary` (no arithmetic
beyond arranging the core's numbers)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from usageimport.report import day_label
from usageimport.summary import GroupTotals, PlanVsActualRow, UsageSummary

__all__ = [
    "actual_vs_whatif_figure",
    "cached_summary_figures",
    "daily_spend_figure",
    "groups_frame",
    "plan_frame",
    "plan_vs_actual_figure",
    "skipped_frame",
]

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend": {"orientation": "h", "y": -0.2}}


def daily_spend_figure(summary: UsageSummary) -> go.Figure:
    """Actual spend per day, stacked by model, with the batch what-if as a line [USD/day]."""
    days = [day_label(d) for d in summary.daily_days]
    fig = go.Figure()
    for model, series in zip(summary.daily_models, summary.daily_actual_usd, strict=True):
        fig.add_bar(x=days, y=list(series), name=model, hovertemplate="%{x}: $%{y:,.2f}<extra>" + model + "</extra>")
    fig.add_scatter(
        x=days,
        y=list(summary.daily_whatif_usd),
        name="batch what-if (all models)",
        mode="lines",
        line={"dash": "dot", "color": "black"},
    )
    fig.update_layout(barmode="stack", title="Daily spend by model", yaxis_title="USD per day", **_LAYOUT)
    return fig


def actual_vs_whatif_figure(summary: UsageSummary) -> go.Figure:
    """Per model: actual spend (split standard / already batch) next to the batch what-if [USD]."""
    models = [g.key for g in summary.by_model]
    fig = go.Figure()
    fig.add_bar(x=models, y=[g.standard_usd for g in summary.by_model], name="actual: not on batch", offsetgroup="a")
    fig.add_bar(
        x=models,
        y=[g.batch_usd for g in summary.by_model],
        name="actual: already batch",
        offsetgroup="a",
        base=[g.standard_usd for g in summary.by_model],
    )
    fig.add_bar(x=models, y=[g.whatif_usd for g in summary.by_model], name="batch what-if", offsetgroup="b")
    if any(g.billed_usd is not None for g in summary.by_model):
        fig.add_scatter(
            x=models,
            y=[g.billed_usd for g in summary.by_model],
            name="billed (cost report)",
            mode="markers",
            marker={"symbol": "diamond", "size": 12, "color": "black"},
        )
    fig.update_layout(title="Actual vs batch what-if per model", yaxis_title="USD", **_LAYOUT)
    return fig


@st.cache_resource(show_spinner=False, max_entries=16)  # shared, never mutated: a rerun skips plotly's validation
def _summary_figures(summary_json: str, _summary: UsageSummary) -> tuple[go.Figure | None, go.Figure]:
    del summary_json  # only the cache key
    return daily_spend_figure(_summary) if _summary.daily_days else None, actual_vs_whatif_figure(_summary)


def cached_summary_figures(summary: UsageSummary) -> tuple[go.Figure | None, go.Figure]:
    """`daily_spend_figure` (None without days) and `actual_vs_whatif_figure`, built once per summary."""
    return _summary_figures(summary.model_dump_json(), summary)


def plan_vs_actual_figure(rows: Sequence[PlanVsActualRow]) -> go.Figure:
    """Planned vs actual spend per month per workflow; flagged rows marked [USD/month]."""
    names = [("⚠ " if r.flagged else "") + r.workflow for r in rows]
    fig = go.Figure()
    fig.add_bar(x=names, y=[r.planned_spend_per_month_usd for r in rows], name="plan")
    fig.add_bar(x=names, y=[r.actual_spend_per_month_usd for r in rows], name="actual (scaled to a month)")
    fig.update_layout(barmode="group", title="Plan vs actual spend per month", yaxis_title="USD per month", **_LAYOUT)
    return fig


def groups_frame(groups: Sequence[GroupTotals]) -> pd.DataFrame:
    """A display table of group totals."""
    return pd.DataFrame(
        [
            {
                "group": g.key,
                "rows": g.rows,
                "requests": g.requests,
                "input tokens": g.input_tokens,
                "output tokens": g.output_tokens,
                "actual $": g.actual_usd,
                "of which batch $": g.batch_usd,
                "batch what-if $": g.whatif_usd,
                "savings $": g.savings_usd,
                "billed $": g.billed_usd,
                "billed − actual $": g.billed_difference_usd,
            }
            for g in groups
        ]
    )


def plan_frame(rows: Sequence[PlanVsActualRow]) -> pd.DataFrame:
    """A display table of plan vs actual rows."""
    return pd.DataFrame(
        [
            {
                "workflow": r.workflow,
                "matched by": r.matched_by,
                "plan requests/month": r.planned_requests_per_month,
                "actual requests/month": r.actual_requests_per_month,
                "volume Δ %": None if r.volume_deviation is None else 100 * r.volume_deviation,
                "plan $/month": r.planned_spend_per_month_usd,
                "actual $/month": r.actual_spend_per_month_usd,
                "spend Δ %": None if r.spend_deviation is None else 100 * r.spend_deviation,
                "off > 20 %": r.flagged,
            }
            for r in rows
        ]
    )


def skipped_frame(lines: Sequence[tuple[str, int, str, str]]) -> pd.DataFrame:
    """Skipped rows: source, line, column, reason."""
    return pd.DataFrame(lines, columns=["file", "line", "column", "reason"])
