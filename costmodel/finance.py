"""Portfolio totals, a 12-month projection with growth, and the gross-margin impact.

Gross margin = (revenue − COGS) / revenue. By default the plan moves COGS by the portfolio's
modelled cash savings (`margin_mode="modelled"`): $400k revenue, $90k COGS, $972/month saved →
77.5 % → 77.74 %. Applying the portfolio's savings *share* to all inference spend is a named option
(`margin_mode="share_of_inference"`), which extrapolates to inference the portfolio did not model.
Either way: $100k revenue, $20k COGS of which $10k inference, a portfolio whose sync spend is that
$10k halved → COGS $15k, gross margin 80 % → 85 %.

Two annual figures, one per meaning, each labelled: `savings_per_year_usd` = 12 × this month (no
growth) and `savings_next_12_months_usd` = the next 12 months with the monthly growth entered.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from costmodel import formatting as fmt
from costmodel._base import NonNegFloat, StrictModel
from costmodel.capacity import CapacitySettings, PortfolioQueue, SpendCapWarning, portfolio_queue, spend_cap_warning
from costmodel.recommend import WorkflowResult

__all__ = [
    "GROSS_MARGIN_FORMULA",
    "LABEL_12X_THIS_MONTH",
    "LABEL_NEXT_12_MONTHS",
    "MARGIN_MODE_LABELS",
    "FinanceInputs",
    "MarginImpact",
    "Portfolio",
    "PortfolioRow",
    "ProjectionMonth",
    "build_portfolio",
    "margin_impact",
]

GROSS_MARGIN_FORMULA = "gross margin = (revenue − COGS) / revenue"
"""The gross margin's definition, as every figure and export states it."""
MarginMode = Literal["modelled", "share_of_inference"]
MARGIN_MODE_LABELS = {
    "modelled": "COGS moved by the portfolio's modelled savings (USD)",
    "share_of_inference": "portfolio savings share applied to all inference COGS (extrapolated)",
}
"""How each margin mode is named in pages and exports."""
LABEL_12X_THIS_MONTH = "12 × this month (no growth)"
"""Label of `savings_per_year_usd` everywhere it is shown."""
LABEL_NEXT_12_MONTHS = "next 12 months with growth"
"""Label of `savings_next_12_months_usd` everywhere it is shown."""


class FinanceInputs(StrictModel):
    """Company figures for the margin view and growth for the projection."""

    revenue_per_month_usd: NonNegFloat = 0.0
    """Monthly revenue [USD/month]; 0 = no margin view."""
    cogs_per_month_usd: NonNegFloat = 0.0
    """Monthly cost of goods sold, inference included [USD/month]."""
    inference_cogs_per_month_usd: NonNegFloat | None = None
    """Inference part of COGS [USD/month]; default: the portfolio's all-sync spend."""
    monthly_growth: float = Field(default=0.0, ge=-0.5, le=5.0)
    """Volume growth per month, e.g. 0.05 = 5 % [share/month]."""
    projection_months: int = Field(default=12, ge=1, le=60)
    """Months to project [months]."""
    margin_mode: MarginMode = "modelled"
    """`modelled`: COGS falls by the portfolio's modelled savings; `share_of_inference`: the savings share is
    applied to all inference COGS (an extrapolation, labelled as such)."""

    @model_validator(mode="after")
    def _inference_within_cogs(self) -> FinanceInputs:
        inference = self.inference_cogs_per_month_usd
        if inference is not None and inference > self.cogs_per_month_usd:
            raise ValueError(
                f"inference_cogs_per_month_usd ({fmt.usd(inference)}) is above cogs_per_month_usd "
                f"({fmt.usd(self.cogs_per_month_usd)}): inference is part of COGS; raise COGS or lower inference"
            )
        return self


class PortfolioRow(StrictModel):
    """One workflow in the portfolio."""

    name: str
    """Workflow label."""
    model_id: str
    """Model priced."""
    verdict: str
    """sync | batch | hybrid."""
    requests_per_month: float
    """Volume [requests/month]."""
    sync_cost_per_month_usd: float
    """All-sync spend [USD/month]."""
    batch_cost_per_month_usd: float
    """All-batch cash spend, overheads included, waiting excluded [USD/month]."""
    planned_cost_per_month_usd: float
    """Cash spend under the verdict [USD/month]."""
    savings_per_month_usd: float
    """Cash savings: sync − planned [USD/month]."""
    waiting_cost_per_month_usd: float = 0.0
    """Economic cost of waiting under the verdict, not cash [USD/month]."""
    fixed_cost_per_month_usd: float
    """Overheads that do not scale with volume (0 when the verdict is sync) [USD/month]."""
    reason: str
    """The decisive reason for the verdict."""


class ProjectionMonth(StrictModel):
    """One month of the projection."""

    month: int
    """1-based month index."""
    sync_cost_usd: float
    """All-sync spend that month [USD]."""
    planned_cost_usd: float
    """Spend under the plan that month [USD]."""
    savings_usd: float
    """Difference [USD]."""
    cumulative_savings_usd: float
    """Savings to date [USD]."""


class MarginImpact(StrictModel):
    """Gross margin before and after the plan."""

    revenue_per_month_usd: float
    """Revenue [USD/month]."""
    cogs_before_usd: float
    """COGS now [USD/month]."""
    cogs_after_usd: float
    """COGS with the plan [USD/month]."""
    inference_before_usd: float
    """Inference COGS now [USD/month]."""
    inference_after_usd: float
    """Inference COGS with the plan [USD/month]."""
    gross_margin_before: float
    """(revenue − COGS) / revenue now [share]."""
    gross_margin_after: float
    """With the plan [share]."""
    mode: MarginMode = "modelled"
    """Which margin mode moved COGS."""
    mode_label: str = MARGIN_MODE_LABELS["modelled"]
    """The mode in words, for exports."""
    formula: str = ""
    """How COGS after was computed, with the figures."""


class Portfolio(StrictModel):
    """Totals across workflows."""

    rows: tuple[PortfolioRow, ...]
    """One row per workflow."""
    sync_cost_per_month_usd: float
    """All-sync total [USD/month]."""
    planned_cost_per_month_usd: float
    """Total under the verdicts [USD/month]."""
    savings_per_month_usd: float
    """Total savings [USD/month]."""
    savings_per_year_usd: float
    """12 × this month's cash savings, no growth (LABEL_12X_THIS_MONTH) [USD/year]."""
    savings_next_12_months_usd: float = 0.0
    """Cash savings over the next 12 months with the monthly growth entered (LABEL_NEXT_12_MONTHS) [USD]."""
    waiting_cost_per_month_usd: float = 0.0
    """Economic cost of waiting under the verdicts, not cash [USD/month]."""
    savings_share: float
    """Savings / all-sync total [share]."""
    projection: tuple[ProjectionMonth, ...]
    """Month by month with growth."""
    margin: MarginImpact | None
    """Gross-margin view, when revenue is given."""
    queue: PortfolioQueue | None = None
    """The batch workflows together in the organisation's processing queue; None when capacity was not checked."""
    spend_cap_warning: SpendCapWarning | None = None
    """Planned spend reaches the tier's monthly spend cap: on which day; None within the cap or unchecked."""


def _row(result: WorkflowResult) -> PortfolioRow:
    c, r = result.comparison, result.recommendation
    return PortfolioRow(
        name=c.workflow_name,
        model_id=c.model_id,
        verdict=r.verdict,
        requests_per_month=c.requests_per_month,
        sync_cost_per_month_usd=c.sync_cost_per_month_usd,
        batch_cost_per_month_usd=c.batch_cost_per_month_usd,
        planned_cost_per_month_usd=r.planned_cost_per_month_usd,
        savings_per_month_usd=r.planned_savings_per_month_usd,
        waiting_cost_per_month_usd=r.planned_waiting_cost_per_month_usd,
        fixed_cost_per_month_usd=0.0 if r.verdict == "sync" else c.overhead_per_month_usd,
        reason=r.reasons[0] if r.reasons else "",
    )


def margin_impact(
    finance: FinanceInputs,
    *,
    sync_cost_per_month_usd: float,
    savings_share: float,
    savings_per_month_usd: float | None = None,
) -> MarginImpact | None:
    """Gross margin before and after the plan; None without revenue.

    `savings_per_month_usd` is the portfolio's modelled cash savings (default: share × sync spend).
    """
    revenue = finance.revenue_per_month_usd
    if revenue <= 0:
        return None
    inference = (
        finance.inference_cogs_per_month_usd
        if finance.inference_cogs_per_month_usd is not None
        else sync_cost_per_month_usd
    )
    # only a defaulted inference figure can exceed COGS (user figures are validated): COGS holds at least it
    cogs = max(finance.cogs_per_month_usd, inference)
    modelled = savings_share * sync_cost_per_month_usd if savings_per_month_usd is None else savings_per_month_usd
    if finance.margin_mode == "modelled":
        saved = min(modelled, inference)
        formula = f"COGS after = {fmt.usd(cogs)} − modelled savings {fmt.usd(saved)}"
    else:
        saved = inference * savings_share
        formula = (
            f"COGS after = {fmt.usd(cogs)} − {fmt.share(savings_share)} savings share × inference {fmt.usd(inference)}"
        )
    inference_after = inference - saved
    cogs_after = cogs - saved
    return MarginImpact(
        revenue_per_month_usd=revenue,
        cogs_before_usd=cogs,
        cogs_after_usd=cogs_after,
        inference_before_usd=inference,
        inference_after_usd=inference_after,
        gross_margin_before=(revenue - cogs) / revenue,
        gross_margin_after=(revenue - cogs_after) / revenue,
        mode=finance.margin_mode,
        mode_label=MARGIN_MODE_LABELS[finance.margin_mode],
        formula=f"{formula} = {fmt.usd(cogs_after)}; {GROSS_MARGIN_FORMULA}",
    )


def build_portfolio(
    results: list[WorkflowResult],
    finance: FinanceInputs | None = None,
    *,
    capacity: CapacitySettings | None = None,
    days_in_month: int = 30,
) -> Portfolio:
    """Totals, projection and margin for evaluated workflows.

    With `capacity`, also the batch workflows' shared processing queue and the spend-cap warning
    (planned cash spend this month, spent evenly over `days_in_month` [days]).
    """
    finance = finance or FinanceInputs()
    rows = tuple(_row(r) for r in results)
    sync_total = sum(r.sync_cost_per_month_usd for r in rows)
    planned_total = sum(r.planned_cost_per_month_usd for r in rows)
    fixed = sum(r.fixed_cost_per_month_usd for r in rows)
    savings = sync_total - planned_total
    share = savings / sync_total if sync_total > 0 else 0.0
    projection = []
    cumulative = 0.0
    next_12 = 0.0
    for month in range(1, max(finance.projection_months, 12) + 1):
        factor = (1 + finance.monthly_growth) ** (month - 1)
        sync_m = sync_total * factor
        planned_m = (planned_total - fixed) * factor + fixed
        if month <= 12:
            next_12 += sync_m - planned_m
        if month > finance.projection_months:
            continue
        cumulative += sync_m - planned_m
        projection.append(
            ProjectionMonth(
                month=month,
                sync_cost_usd=sync_m,
                planned_cost_usd=planned_m,
                savings_usd=sync_m - planned_m,
                cumulative_savings_usd=cumulative,
            )
        )
    return Portfolio(
        rows=rows,
        sync_cost_per_month_usd=sync_total,
        planned_cost_per_month_usd=planned_total,
        savings_per_month_usd=savings,
        savings_per_year_usd=savings * 12,
        savings_next_12_months_usd=next_12,
        waiting_cost_per_month_usd=sum(r.waiting_cost_per_month_usd for r in rows),
        savings_share=share,
        projection=tuple(projection),
        margin=margin_impact(
            finance, sync_cost_per_month_usd=sync_total, savings_share=share, savings_per_month_usd=savings
        ),
        queue=None if capacity is None else _shared_queue(results, capacity),
        spend_cap_warning=(
            None
            if capacity is None
            else spend_cap_warning(planned_total, capacity.limits(), days_in_month=days_in_month)
        ),
    )


def _shared_queue(results: list[WorkflowResult], capacity: CapacitySettings) -> PortfolioQueue:
    """Workflows whose verdict puts work in the queue (batch, hybrid) share one organisation's limit."""
    checks = [
        (r.workflow.name, r.queue)
        for r in results
        if r.queue is not None and r.recommendation.verdict != "sync"
    ]
    return portfolio_queue(checks, capacity.limits(), note=capacity.note)
