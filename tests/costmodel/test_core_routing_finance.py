"""Model routing (cheapest option meeting a quality bar) and finance (portfolio, projection, margin)."""

from __future__ import annotations

from typing import Any

import pytest

from costmodel.finance import FinanceInputs, build_portfolio
from costmodel.recommend import evaluate_workflow
from costmodel.routing import route_models
from costmodel.workflow import Workflow
from tests.costmodel.core_support import check_workflow

MODELS = ["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"]
RATES = {"claude-sonnet-4-6": 0.92, "claude-haiku-4-5": 0.6, "claude-opus-4-6": 0.99}


def _routing_workflow(**overrides: Any) -> Workflow:
    fields: dict[str, Any] = {"requests_per_day": 1_000, "input_tokens": 10_000, "output_tokens": 1_000}
    fields.update(overrides)
    return Workflow(**fields)


def _hand_costs(catalog: Any, model_id: str, s: float, n: float) -> dict[str, float]:
    """Routing prices a failure as a retry on either API (f = 1): sync N·C_s/s, batch N·(C_b + (1 − s)·C_s/s)."""
    p = catalog.get(model_id)
    c_s = (10_000 * p.sync.input_usd_per_mtok + 1_000 * p.sync.output_usd_per_mtok) / 1e6
    c_b = (10_000 * p.batch.input_usd_per_mtok + 1_000 * p.batch.output_usd_per_mtok) / 1e6
    return {"sync": n * c_s / s, "batch": n * (c_b + (1 - s) * c_s / s)}


def test_routing_prices_every_model_and_api_by_hand(catalog: Any) -> None:
    w = _routing_workflow()
    result = route_models(w, catalog, success_rates=RATES, quality_bar=0.9, model_ids=MODELS)
    assert len(result.options) == 6
    for o in result.options:
        want = _hand_costs(catalog, o.model_id, RATES[o.model_id], 30_000)[o.api]
        assert o.cost_per_month_usd == pytest.approx(want), (o.model_id, o.api)
        assert o.meets_quality_bar is (RATES[o.model_id] >= 0.9)
    costs = [o.cost_per_month_usd for o in result.options]
    assert costs == sorted(costs)


def test_routing_picks_cheapest_meeting_the_bar(catalog: Any) -> None:
    w = _routing_workflow()
    result = route_models(w, catalog, success_rates=RATES, quality_bar=0.9, model_ids=MODELS)
    table = {(m, api): cost for m in MODELS for api, cost in _hand_costs(catalog, m, RATES[m], 30_000).items()}
    eligible = {k: v for k, v in table.items() if RATES[k[0]] >= 0.9}
    best = min(eligible, key=eligible.__getitem__)
    assert result.cheapest is not None
    assert (result.cheapest.model_id, result.cheapest.api) == best
    # the cheapest overall is below the bar, so the pick is not simply the first option
    assert min(table, key=table.__getitem__)[0] == "claude-haiku-4-5"
    assert result.options[0].model_id == "claude-haiku-4-5"
    assert not result.options[0].meets_quality_bar


def test_routing_without_any_model_meeting_the_bar(catalog: Any) -> None:
    result = route_models(_routing_workflow(), catalog, success_rates=RATES, quality_bar=0.995, model_ids=MODELS)
    assert result.cheapest is None
    assert result.quality_bar == 0.995


def test_routing_skips_models_whose_output_limit_is_exceeded(catalog: Any) -> None:
    w = _routing_workflow(output_tokens=10_000)
    ids = ["claude-3-haiku", "claude-3-5-haiku-latest", "claude-sonnet-4-6"]
    result = route_models(w, catalog, model_ids=ids)
    assert {o.model_id for o in result.options} == {"claude-sonnet-4-6"}
    assert len(result.skipped) == 2
    assert result.skipped[0].startswith("claude-3-haiku: output_tokens")
    assert "4,096" in result.skipped[0]
    assert "8,192" in result.skipped[1]


def test_routing_default_is_the_whole_catalog_with_workflow_rate(catalog: Any) -> None:
    w = _routing_workflow(success_rate=0.97)
    result = route_models(w, catalog)
    priced = {o.model_id for o in result.options}
    assert priced | {s.split(":")[0] for s in result.skipped} == set(catalog.ids())
    assert all(o.success_rate == 0.97 for o in result.options)
    assert result.cheapest == result.options[0]


# --- finance ----------------------------------------------------------------------------------


def _results(catalog: Any) -> list[Any]:
    overhead = {"refinement_hours": 12, "amortize_months": 12, "ops_hours_per_month": 1, "hourly_rate_usd": 100}
    batch = check_workflow(name="batch", success_rate=0.95, **overhead)
    sync = check_workflow(name="sync", streaming=True, **overhead)
    return [evaluate_workflow(w, catalog) for w in (batch, sync)]


def test_portfolio_totals(catalog: Any) -> None:
    p = build_portfolio(_results(catalog))
    # batch workflow: 470.25 + 100 + 100 overheads; sync workflow: 855 (its overheads are not incurred)
    assert [r.verdict for r in p.rows] == ["batch", "sync"]
    assert p.sync_cost_per_month_usd == pytest.approx(2 * 855)
    assert p.planned_cost_per_month_usd == pytest.approx(670.25 + 855)
    assert p.savings_per_month_usd == pytest.approx(855 - 670.25)
    assert p.savings_per_year_usd == pytest.approx(12 * (855 - 670.25))
    assert p.savings_share == pytest.approx((855 - 670.25) / 1710)
    assert [r.fixed_cost_per_month_usd for r in p.rows] == pytest.approx([200.0, 0.0])
    assert p.margin is None


@pytest.mark.parametrize("growth", [0.0, 0.05, -0.1])
def test_projection_with_growth(growth: float, catalog: Any) -> None:
    p = build_portfolio(_results(catalog), FinanceInputs(monthly_growth=growth, projection_months=12))
    assert len(p.projection) == 12
    cumulative = 0.0
    for month in p.projection:
        scale = (1 + growth) ** (month.month - 1)
        sync = 1710 * scale
        planned = (470.25 + 855) * scale + 200  # variable spend grows, fixed overheads do not
        cumulative += sync - planned
        assert month.sync_cost_usd == pytest.approx(sync)
        assert month.planned_cost_usd == pytest.approx(planned)
        assert month.savings_usd == pytest.approx(sync - planned)
        assert month.cumulative_savings_usd == pytest.approx(cumulative)
    first = p.projection[0]
    assert first.month == 1
    assert first.sync_cost_usd == pytest.approx(p.sync_cost_per_month_usd)
    assert first.planned_cost_usd == pytest.approx(p.planned_cost_per_month_usd)


def test_margin_from_portfolio_defaults_inference_to_sync_spend(catalog: Any) -> None:
    finance = FinanceInputs(revenue_per_month_usd=10_000, cogs_per_month_usd=3_000)
    p = build_portfolio(_results(catalog), finance)
    assert p.margin is not None
    assert p.margin.inference_before_usd == pytest.approx(1710)
    saved = 855 - 670.25
    assert p.margin.cogs_after_usd == pytest.approx(3_000 - saved)
    assert p.margin.gross_margin_before == pytest.approx(0.7)
    assert p.margin.gross_margin_after == pytest.approx((10_000 - 3_000 + saved) / 10_000)


def test_margin_cogs_never_below_inference(catalog: Any) -> None:
    # COGS given smaller than the inference spend: inference is part of COGS, so COGS is at least that
    p = build_portfolio(_results(catalog), FinanceInputs(revenue_per_month_usd=10_000, cogs_per_month_usd=100))
    assert p.margin is not None
    assert p.margin.cogs_before_usd == pytest.approx(1710)


def test_routing_prices_each_model_as_compare_does_without_searching_the_break_even(monkeypatch, catalog) -> None:  # type: ignore[no-untyped-def]
    """Routing shows monthly spend only: it takes `compare`'s own formula (the same figures to the cent) but not its
    break-even search, which was two thirds of the time of pricing each model on every slider move."""
    from costmodel import cost, routing
    from costmodel.workflow import resolve_pricing
    from tests.costmodel.core_support import check_workflow

    workflow = check_workflow(success_rate=0.91)
    expected = {}
    for model_id in catalog.ids():
        variant = workflow.model_copy(update={"model": model_id, "custom_prices": None, "failures_on_sync_too": True})
        c = cost.compare(variant, resolve_pricing(variant, catalog))
        expected[(model_id, "sync")] = c.sync_cost_per_month_usd
        expected[(model_id, "batch")] = c.batch_cost_per_month_usd

    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("routing searched for a break-even it does not show")

    monkeypatch.setattr(cost, "break_even_success_rate", no_search)
    result = routing.route_models(workflow, catalog)
    assert result.options
    for option in result.options:
        assert option.cost_per_month_usd == pytest.approx(expected[(option.model_id, option.api)], abs=0.005)
