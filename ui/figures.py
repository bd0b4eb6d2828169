"""Plotly figure builders for the Sync vs batch page. Pure shaping of core results into charts; no math."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from costmodel.cost import savings_curve
from costmodel.formatting import share, usd_whole
from ui.charts import PALETTE, layout

if TYPE_CHECKING:
    from costmodel.cost import BreakEven, WaterfallStep
    from costmodel.prices import ModelPricing
    from costmodel.routing import RoutingResult
    from costmodel.sensitivity import Tornado
    from costmodel.uncertainty import Histogram, SavingsBand
    from costmodel.workflow import Workflow

__all__ = [
    "histogram_figure",
    "net_benefit_curve_figure",
    "routing_figure",
    "savings_band_figure",
    "savings_curve_figure",
    "tornado_figure",
    "waterfall_figure",
]


def savings_curve_figure(
    rates: Sequence[float],
    savings_usd: Sequence[float],
    *,
    current_rate: float,
    current_savings_usd: float,
    break_even: BreakEven,
) -> go.Figure:
    """Net savings [USD/month] against first-pass success rate [share], break-even and current value marked."""
    zero = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 0, "y1": 0}
    shapes: list[dict[str, object]] = [{**zero, "line": {"color": PALETTE["neutral"], "width": 1}}]
    notes: list[dict[str, object]] = []
    if break_even.status == "crosses" and break_even.success_rate is not None:
        x = break_even.success_rate
        shapes.append(
            {
                "type": "line",
                "yref": "paper",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dash", "color": PALETTE["bad"]},
            },
        )
        notes.append(
            # at the foot of the line: the current-value label sits near the top right
            {
                "x": x,
                "y": 0,
                "yref": "paper",
                "text": f"break-even {share(x)}",
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "bottom",
                "xshift": -4,
            }
        )
    # one constructor call: plotly validates the whole figure once instead of once per update
    return go.Figure(
        data=[
            {
                "type": "scatter",
                "x": list(rates),
                "y": list(savings_usd),
                "mode": "lines",
                "name": "Net savings",
                "line": {"color": PALETTE["batch"], "width": 3},
                "hovertemplate": "success %{x:.1%}<br>net savings $%{y:,.0f}/month<extra></extra>",
            },
            {
                "type": "scatter",
                "x": [current_rate],
                "y": [current_savings_usd],
                "mode": "markers+text",
                "name": "Current",
                "marker": {
                    "size": 13,
                    "color": PALETTE["good"] if current_savings_usd > 0 else PALETTE["bad"],
                    "line": {"width": 2, "color": PALETTE["outline"]},
                },
                "text": [f"now: {usd_whole(current_savings_usd)}"],
                "textposition": "top left",
                "hovertemplate": "current %{x:.1%}<br>$%{y:,.0f}/month<extra></extra>",
            },
        ],
        layout={
            "title": {"text": "Net savings vs first-pass success rate"},
            "xaxis": {"title": {"text": "first-pass success rate"}, "tickformat": ".0%", "range": [0, 1.02]},
            "yaxis": {"title": {"text": "net savings [USD/month]"}, "tickformat": "$,.0f"},
            "shapes": shapes,
            "annotations": notes,
            "showlegend": False,
            **layout(),
        },
    )


def net_benefit_curve_figure(
    workflow: Workflow, pricing: ModelPricing, *, current_savings_usd: float, break_even: BreakEven
) -> go.Figure:
    """`savings_curve_figure` of `cost.savings_curve(workflow, pricing)`: net benefit [USD/month] against the
    first-pass success rate, the workflow's own rate marked (the curve is computed only when the figure is built)."""
    rates, savings_usd = savings_curve(workflow, pricing)
    return savings_curve_figure(
        rates,
        savings_usd,
        current_rate=workflow.success_rate,
        current_savings_usd=current_savings_usd,
        break_even=break_even,
    )


def waterfall_figure(steps: Sequence[WaterfallStep]) -> go.Figure:
    """From sync spend through discount, resubmissions, overheads and waiting to batch spend [USD/month]."""
    return go.Figure(
        data=[
            {
                "type": "waterfall",
                "x": [s.label for s in steps],
                "y": [s.amount_usd for s in steps],
                "measure": ["absolute" if s.kind == "total" else "relative" for s in steps],
                "text": [usd_whole(s.amount_usd) for s in steps],
                "textposition": "outside",
                "connector": {"line": {"color": PALETTE["muted"]}},
                "decreasing": {"marker": {"color": PALETTE["good"]}},
                "increasing": {"marker": {"color": PALETTE["bad"]}},
                "totals": {"marker": {"color": PALETTE["sync"]}},
                "hovertemplate": "%{x}: $%{y:,.2f}<extra></extra>",
            }
        ],
        layout={
            "title": {"text": "Where the money goes (per month)"},
            "yaxis": {"title": {"text": "USD/month"}, "tickformat": "$,.0f"},
            "showlegend": False,
            **layout(hovermode="closest"),
        },
    )


def routing_figure(result: RoutingResult) -> go.Figure:
    """Monthly cost per model and API; options below the quality bar are faded, the cheapest that meets it starred."""
    models = list(dict.fromkeys(o.display_name for o in sorted(result.options, key=lambda o: -o.cost_per_month_usd)))
    bars = []
    for api in ("sync", "batch"):
        opts = {o.display_name: o for o in result.options if o.api == api}
        shown = [opts[m] for m in models if m in opts]
        bars.append(
            {
                "type": "bar",
                "y": [o.display_name for o in shown],
                "x": [o.cost_per_month_usd for o in shown],
                "orientation": "h",
                "name": api,
                "marker": {"color": PALETTE[api], "opacity": [1.0 if o.meets_quality_bar else 0.3 for o in shown]},
                "text": [("★ " if result.cheapest == o else "") + usd_whole(o.cost_per_month_usd) for o in shown],
                "textposition": "auto",
                "hovertemplate": "%{y} · " + api + "<br>$%{x:,.2f}/month<extra></extra>",
            }
        )
    return go.Figure(
        data=bars,
        layout={
            "title": {"text": "Model × API: monthly cost at each model's success rate"},
            "barmode": "group",
            "xaxis": {"title": {"text": "USD/month"}, "tickformat": "$,.0f"},
            "legend": {"orientation": "h", "y": -0.15},
            **layout(height=max(260, 70 * len(models) + 80), hovermode="closest"),
        },
    )


# --- ranges (issue 12): band, histogram, tornado ---------------------------------------------------------------


def savings_band_figure(band: SavingsBand, *, current_rate: float, break_even: BreakEven) -> go.Figure:
    """The savings curve (median) with its P10-P90 band from the other uncertain inputs [USD/month]."""
    rates = list(band.success_rates)
    at = min(range(len(rates)), key=lambda i: abs(rates[i] - current_rate))
    fig = savings_curve_figure(
        rates, band.p50_usd, current_rate=current_rate, current_savings_usd=band.p50_usd[at], break_even=break_even
    )
    edge = {"type": "scatter", "x": rates, "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip"}
    fig.add_traces(
        [
            {**edge, "y": list(band.p10_usd), "name": "P10"},
            {**edge, "y": list(band.p90_usd), "name": "P10–P90", "fill": "tonexty", "fillcolor": PALETTE["band"]},
        ]
    )
    fig.update_layout(title={"text": "Net benefit vs first-pass success rate, P10–P90 band"})
    return fig


def histogram_figure(histogram: Histogram) -> go.Figure:
    """Draws per bin of net savings [USD/month]; bins below zero (batch costs more) in red."""
    pairs = list(pairwise(histogram.edges_usd))
    mids = [(a + b) / 2 for a, b in pairs]
    return go.Figure(
        data=[
            {
                "type": "bar",
                "x": mids,
                "y": list(histogram.counts),
                "width": [b - a for a, b in pairs],
                "marker": {"color": [PALETTE["good"] if m > 0 else PALETTE["bad"] for m in mids]},
                "hovertemplate": "net savings ≈ $%{x:,.0f}/month<br>%{y} draws<extra></extra>",
            }
        ],
        layout={
            "title": {"text": "Net savings across the draws"},
            "xaxis": {"title": {"text": "net savings [USD/month]"}, "tickformat": "$,.0f"},
            "yaxis": {"title": {"text": "draws"}},
            "showlegend": False,
            "bargap": 0,
            **layout(hovermode="closest"),
        },
    )


def tornado_figure(result: Tornado) -> go.Figure:
    """Each uncertain input swung P10→P90 with the others at their medians: net savings [USD/month], largest first."""
    bars = list(reversed(result.bars))  # plotly draws the first category at the bottom
    base = result.base_net_savings_usd
    traces = []
    swings = (
        ("at P10", PALETTE["sync"], "net_savings_at_low_usd"),
        ("at P90", PALETTE["batch"], "net_savings_at_high_usd"),
    )
    for name, color, value in swings:
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": [b.label for b in bars],
                "x": [getattr(b, value) - base for b in bars],
                "base": base,
                "name": f"input {name}",
                "marker": {"color": color},
                "hovertemplate": "%{y} " + name + ": $%{x:,.0f} from the median case<extra></extra>",
            }
        )
    return go.Figure(
        data=traces,
        layout={
            "title": {"text": "What moves net savings (P10 → P90 of each input)"},
            "barmode": "overlay",
            "xaxis": {"title": {"text": "net savings [USD/month]"}, "tickformat": "$,.0f"},
            "shapes": [
                {
                    "type": "line",
                    "yref": "paper",
                    "x0": base,
                    "x1": base,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": PALETTE["neutral"]},
                }
            ],
            "legend": {"orientation": "h", "y": -0.2},
            **layout(height=max(240, 60 * len(bars) + 120), hovermode="closest"),
        },
    )
