"""Usage import page, output side: plotly figures and tables built from a `UsageSummary` (no arithmetic
beyond arranging the core's numbers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ui.charts import PALETTE, layout
from usageimport.report import day_label
from usageimport.summary import GroupTotals, PlanVsActualRow, UsageSummary

__all__ = [
    "actual_vs_whatif_figure",
    "daily_spend_figure",
    "groups_frame",
    "plan_frame",
    "plan_vs_actual_figure",
    "skipped_frame",
]

_LEGEND = {"orientation": "h", "y": -0.2}


def daily_spend_figure(summary: UsageSummary) -> go.Figure | None:
    """Actual spend per day, stacked by model, with the batch what-if as a line [USD/day]; None without days."""
    if not summary.daily_days:
        return None
    days = [day_label(d) for d in summary.daily_days]
    bars = [
        {"type": "bar", "x": days, "y": list(series), "name": model,
         "hovertemplate": "%{x}: $%{y:,.2f}<extra>" + model + "</extra>"}
        for model, series in zip(summary.daily_models, summary.daily_actual_usd, strict=True)
    ]  # fmt: skip
    whatif = {"type": "scatter", "x": days, "y": list(summary.daily_whatif_usd), "name": "batch what-if (all models)",
              "mode": "lines", "line": {"dash": "dot", "color": PALETTE["batch"]}}  # fmt: skip
    return go.Figure(
        data=[*bars, whatif],
        layout=layout(barmode="stack", title={"text": "Daily spend by model"},
                      yaxis={"title": {"text": "USD per day"}}, legend=_LEGEND),
    )  # fmt: skip


def actual_vs_whatif_figure(summary: UsageSummary) -> go.Figure:
    """Per model: actual spend (split standard / already batch) next to the batch what-if [USD]."""
    groups = summary.by_model
    models = [g.key for g in groups]
    standard = [g.standard_usd for g in groups]
    data: list[dict[str, Any]] = [
        {"type": "bar", "x": models, "y": standard, "name": "actual: not on batch", "offsetgroup": "a",
         "marker": {"color": PALETTE["sync"]}},
        {"type": "bar", "x": models, "y": [g.batch_usd for g in groups], "name": "actual: already batch",
         "offsetgroup": "a", "base": standard, "marker": {"color": PALETTE["batch"]}},
        {"type": "bar", "x": models, "y": [g.whatif_usd for g in groups], "name": "batch what-if", "offsetgroup": "b",
         "marker": {"color": PALETTE["band"], "line": {"color": PALETTE["batch"], "width": 1.5}}},
    ]  # fmt: skip
    if any(g.billed_usd is not None for g in groups):
        data.append(
            {"type": "scatter", "x": models, "y": [g.billed_usd for g in groups], "name": "billed (cost report)",
             "mode": "markers", "marker": {"symbol": "diamond", "size": 12, "color": PALETTE["neutral"]}}
        )  # fmt: skip
    return go.Figure(
        data=data,
        layout=layout(title={"text": "Actual vs batch what-if per model"}, yaxis={"title": {"text": "USD"}},
                      legend=_LEGEND),
    )  # fmt: skip


def plan_vs_actual_figure(rows: Sequence[PlanVsActualRow]) -> go.Figure:
    """Planned vs actual spend per month per workflow; flagged rows marked [USD/month]."""
    names = [("⚠ " if r.flagged else "") + r.workflow for r in rows]
    return go.Figure(
        data=[
            {"type": "bar", "x": names, "y": [r.planned_spend_per_month_usd for r in rows], "name": "plan",
             "marker": {"color": PALETTE["muted"]}},
            {"type": "bar", "x": names, "y": [r.actual_spend_per_month_usd for r in rows],
             "name": "actual (scaled to a month)", "marker": {"color": PALETTE["neutral"]}},
        ],
        layout=layout(barmode="group", title={"text": "Plan vs actual spend per month"},
                      yaxis={"title": {"text": "USD per month"}}, legend=_LEGEND),
    )  # fmt: skip


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
