"""Model routing: the same workflow priced on every catalog model × {sync, batch}.

Each model may have its own first-pass success rate (its quality on this task); a failure
costs a retry on either API here, so the sync option is priced with `failures_on_sync_too`.
The answer is the cheapest option whose success rate meets the quality bar.
"""

from __future__ import annotations

from typing import Literal

from costmodel._base import Share, StrictModel
from costmodel.cost import monthly_figures, request_costs
from costmodel.prices import Catalog
from costmodel.workflow import Workflow, WorkflowError, resolve_pricing

__all__ = ["RoutingOption", "RoutingResult", "route_models"]


class RoutingOption(StrictModel):
    """One model on one API."""

    model_id: str
    """Catalog id."""
    display_name: str
    """Human name."""
    api: Literal["sync", "batch"]
    """Which API."""
    success_rate: float
    """First-pass success rate assumed for this model [share]."""
    cost_per_month_usd: float
    """Monthly cash spend, retries included; the cost of waiting is not in it [USD/month]."""
    meets_quality_bar: bool
    """success_rate ≥ the bar."""
    batch_rate_published: bool
    """False when the batch price is an assumed discount."""


class RoutingResult(StrictModel):
    """All options, cheapest first, and the pick."""

    options: tuple[RoutingOption, ...]
    """Every priced option, cheapest first."""
    cheapest: RoutingOption | None
    """Cheapest option that meets the quality bar; None when none does."""
    quality_bar: Share
    """The minimum first-pass success rate asked for [share]."""
    skipped: tuple[str, ...]
    """Models left out, with why (e.g. output over the model's limit)."""


def route_models(
    workflow: Workflow,
    catalog: Catalog,
    *,
    success_rates: dict[str, float] | None = None,
    quality_bar: float = 0.0,
    model_ids: list[str] | None = None,
) -> RoutingResult:
    """Price `workflow` on each model (default: the whole catalog) and API; pick the cheapest meeting the bar."""
    rates = success_rates or {}
    options: list[RoutingOption] = []
    skipped: list[str] = []
    for model_id in model_ids or catalog.ids():
        s = rates.get(model_id, workflow.success_rate)
        variant = workflow.model_copy(
            update={"model": model_id, "custom_prices": None, "success_rate": s, "failures_on_sync_too": True}
        )
        try:
            pricing = resolve_pricing(variant, catalog)
        except WorkflowError as exc:
            skipped.append(f"{model_id}: {exc}")
            continue
        # The monthly spend of `compare` (its one formula), without what routing does not show: the break-even
        # search (two thirds of a `compare`), the waterfall, the warnings and the assumptions.
        rc = request_costs(variant, pricing)
        _, _, sync_total, batch_tokens, overhead, _ = monthly_figures(variant, rc.sync_usd, rc.batch_usd, s)
        apis: tuple[tuple[Literal["sync", "batch"], float], ...] = (("sync", float(sync_total)),)
        if workflow.speed != "fast":  # fast mode is not available in batches: no batch option to offer
            apis += (("batch", float(batch_tokens + overhead)),)
        for api, cost in apis:
            options.append(
                RoutingOption(
                    model_id=model_id,
                    display_name=pricing.display_name,
                    api=api,
                    success_rate=s,
                    cost_per_month_usd=cost,
                    meets_quality_bar=s >= quality_bar,
                    batch_rate_published=pricing.batch_rate_published,
                )
            )
    options.sort(key=lambda o: o.cost_per_month_usd)
    cheapest = next((o for o in options if o.meets_quality_bar), None)
    return RoutingResult(options=tuple(options), cheapest=cheapest, quality_bar=quality_bar, skipped=tuple(skipped))
