"""Figures that are zero by construction are exactly zero, not float noise a finance reader would query."""

from __future__ import annotations

from datetime import date

import pytest

import costmodel as cm


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "claude-haiku-4-5"])
def test_a_workflow_without_caching_has_no_cache_cost_at_all(model: str) -> None:
    # Before: sync_cache_usd came out as total - uncached - output = 5.2e-18 and reached the JSON.
    catalog = cm.load_catalog(as_of=date(2026, 11, 30))
    w = cm.Workflow(model=model, requests_per_day=500, input_tokens=15_000, output_tokens=800)
    costs = cm.compare(w, cm.resolve_pricing(w, catalog)).request_costs
    assert costs.sync_cache_usd == 0.0
    assert costs.batch_cache_usd == 0.0
    assert costs.sync_usd == pytest.approx(costs.sync_uncached_input_usd + costs.sync_output_usd)
