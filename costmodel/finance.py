"""Portfolio totals, a 12-month projection with growth, and the gross-margin impact.

Gross margin = (revenue − COGS) / revenue. Moving inference to the plan changes COGS by the
portfolio's planned savings share of inference spend: e.g. $100k revenue, $20k COGS of which
$10k inference, inference halved → COGS $15k, gross margin 80 % → 85 %.
"""

from __future__ import annotations

from pydantic import Field

from costmodel._base import NonNegFloat, StrictModel
from costmodel.recommend import WorkflowResult

__all__ = ["FinanceInputs", "MarginImpact", "Portfolio", "PortfolioRow", "ProjectionMonth", "build_portfolio"]


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
    """All-batch spend, overheads included [USD/month]."""
    planned_cost_per_month_usd: float
    """Spend under the verdict [USD/month]."""
    savings_per_month_usd: float
    """Sync − planned [USD/month]."""
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
    """× 12 [USD/year]."""
    savings_share: float
    """Savings / all-sync total [share]."""
    projection: tuple[ProjectionMonth, ...]
    """Month by month with growth."""
    margin: MarginImpact | None
    """Gross-margin view, when revenue is given."""


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
        fixed_cost_per_month_usd=0.0 if r.verdict == "sync" else c.overhead_per_month_usd,
        reason=r.reasons[0] if r.reasons else "",
    )


def margin_impact(
    finance: FinanceInputs, *, sync_cost_per_month_usd: float, savings_share: float
) -> MarginImpact | None:
    """Gross margin before and after the plan; None without revenue."""
    revenue = finance.revenue_per_month_usd
    if revenue <= 0:
        return None
    inference = (
        finance.inference_cogs_per_month_usd
        if finance.inference_cogs_per_month_usd is not None
        else sync_cost_per_month_usd
    )
    cogs = max(finance.cogs_per_month_usd, inference)
    inference_after = inference * (1 - savings_share)
    cogs_after = cogs - (inference - inference_after)
    return MarginImpact(
        revenue_per_month_usd=revenue,
        cogs_before_usd=cogs,
        cogs_after_usd=cogs_after,
        inference_before_usd=inference,
        inference_after_usd=inference_after,
        gross_margin_before=(revenue - cogs) / revenue,
        gross_margin_after=(revenue - cogs_after) / revenue,
    )


def build_portfolio(results: list[WorkflowResult], finance: FinanceInputs | None = None) -> Portfolio:
    """Totals, projection and margin for evaluated workflows."""
    finance = finance or FinanceInputs()
    rows = tuple(_row(r) for r in results)
    sync_total = sum(r.sync_cost_per_month_usd for r in rows)
    planned_total = sum(r.planned_cost_per_month_usd for r in rows)
    fixed = sum(r.fixed_cost_per_month_usd for r in rows)
    savings = sync_total - planned_total
    share = savings / sync_total if sync_total > 0 else 0.0
    projection = []
    cumulative = 0.0
    for month in range(1, finance.projection_months + 1):
        factor = (1 + finance.monthly_growth) ** (month - 1)
        sync_m = sync_total * factor
        planned_m = (planned_total - fixed) * factor + fixed
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
        savings_share=share,
        projection=tuple(projection),
        margin=margin_impact(finance, sync_cost_per_month_usd=sync_total, savings_share=share),
    )
