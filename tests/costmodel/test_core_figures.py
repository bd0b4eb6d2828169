"""DESIGN.md's check figures, to the cent, through the Python API and the command line."""

from __future__ import annotations

import json
import re

import pytest

from commands import main
from costmodel.cost import break_even_success_rate, compare, request_costs
from costmodel.finance import FinanceInputs, margin_impact
from costmodel.prices import load_catalog
from costmodel.sla import SlaInputs, plan_submissions
from costmodel.workflow import resolve_pricing
from tests.costmodel.core_support import AS_OF, AS_OF_FLAG, CHECK_FLAGS, check_workflow

# 500 req/day × 30 days = 15,000 requests; one sync request = 15,000 × $3/MTok + 800 × $15/MTok = $0.057
N = 500 * 30
C_SYNC = (15_000 * 3 + 800 * 15) / 1e6
C_BATCH = C_SYNC / 2


def _comparison(**overrides: object):  # type: ignore[no-untyped-def]
    w = check_workflow(**overrides)
    return compare(w, resolve_pricing(w, load_catalog(as_of=AS_OF)))


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main([*argv, *AS_OF_FLAG, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_independent_arithmetic_matches_design() -> None:
    # the figures in DESIGN.md, restated from first principles so the tests below rest on them
    assert pytest.approx(855.00, abs=0.005) == N * C_SYNC
    assert pytest.approx(427.50, abs=0.005) == N * C_BATCH
    assert pytest.approx(470.25, abs=0.005) == N * (C_BATCH + 0.05 * C_SYNC)


def test_check_figures_at_full_success_api() -> None:
    c = _comparison(success_rate=1.0)
    assert c.requests_per_month == N
    assert c.request_costs.sync_usd == pytest.approx(0.057)
    assert c.request_costs.batch_usd == pytest.approx(0.0285)
    assert c.sync_cost_per_month_usd == pytest.approx(855.00, abs=0.005)
    assert c.batch_cost_per_month_usd == pytest.approx(427.50, abs=0.005)
    assert c.net_savings_per_month_usd == pytest.approx(427.50, abs=0.005)
    assert c.savings_share == pytest.approx(0.5)
    assert c.sync_cost_per_year_usd == pytest.approx(12 * 855.00)


def test_check_figures_with_resubmissions_api() -> None:
    c = _comparison(success_rate=0.95, retry_route="sync", billed_failure_share=1.0)
    assert c.sync_cost_per_month_usd == pytest.approx(855.00, abs=0.005)
    assert c.batch_cost_per_month_usd == pytest.approx(470.25, abs=0.005)
    assert c.net_savings_per_month_usd == pytest.approx(384.75, abs=0.005)
    assert c.net_savings_per_year_usd == pytest.approx(12 * 384.75, abs=0.05)
    assert c.resubmission_cost_per_month_usd == pytest.approx(470.25 - 427.50, abs=0.005)


def test_break_even_is_one_half_without_overheads_api() -> None:
    w = check_workflow(success_rate=0.95)
    rc = request_costs(w, resolve_pricing(w, load_catalog(as_of=AS_OF)))
    be = break_even_success_rate(w, rc.sync_usd, rc.batch_usd)
    assert be.status == "crosses"
    assert be.success_rate == pytest.approx(0.5, abs=1e-9)
    assert "50.0%" in be.statement


@pytest.mark.parametrize(
    ("extra", "sync", "batch", "savings"),
    [
        ([], 855.00, 427.50, 427.50),
        (["--success-rate", "0.95", "--retry", "sync", "--billed-failure-share", "1"], 855.00, 470.25, 384.75),
    ],
)
def test_check_figures_cli_json(
    capsys: pytest.CaptureFixture[str], extra: list[str], sync: float, batch: float, savings: float
) -> None:
    data = _cli_json(capsys, "compare", *CHECK_FLAGS, *extra)
    assert data["sync_cost_per_month_usd"] == pytest.approx(sync, abs=0.005)
    assert data["batch_cost_per_month_usd"] == pytest.approx(batch, abs=0.005)
    assert data["net_savings_per_month_usd"] == pytest.approx(savings, abs=0.005)
    assert data["savings_share"] == pytest.approx(savings / sync)
    assert data["break_even_success_rate"] == pytest.approx(0.5, abs=1e-9)
    assert any("custom prices" in a for a in data["assumptions"])


def test_check_figures_cli_human(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *CHECK_FLAGS, "--success-rate", "0.95", *AS_OF_FLAG]) == 0
    out = capsys.readouterr().out
    for shown in ("$855.00", "$470.25", "$384.75", "50.0%"):
        assert shown in out


def test_sla_30_hours_gives_4_hour_windows_api() -> None:
    plan = plan_submissions(SlaInputs(sla_hours=30, requests_per_day=500), samples=5_000)
    # I_max = S − R·W − D − M = 30 − 24 − 0 − 2 = 4 h; 4 divides 24
    assert plan.feasible
    assert plan.max_interval_hours == pytest.approx(4.0)
    assert plan.recommended_interval_hours == pytest.approx(4.0)
    assert plan.submissions_per_day == pytest.approx(6.0)
    assert plan.requests_per_submission == pytest.approx(500 * 4 / 24)
    assert plan.worst_case_latency_hours == pytest.approx(28.0)


@pytest.mark.parametrize("as_json", [True, False])
def test_sla_30_hours_cli(capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    argv = ["sla", "--sla-hours", "30", "--requests-per-day", "500"] + (["--json"] if as_json else [])
    assert main(argv) == 0
    out = capsys.readouterr().out
    if as_json:
        data = json.loads(out)
        assert data["recommended_interval_hours"] == pytest.approx(4.0)
        assert data["submissions_per_day"] == pytest.approx(6.0)
        assert data["feasible"] is True
    else:
        assert re.search(r"recommended interval\s+4 h\n", out)
        assert re.search(r"submissions per day\s+6\n", out)


@pytest.mark.parametrize("mode", ["modelled", "share_of_inference"])
def test_gross_margin_80_to_85_percent(mode: str) -> None:
    # a portfolio whose sync spend is the $10k of inference, halved: the same in both margin modes
    finance = FinanceInputs(
        revenue_per_month_usd=100_000, cogs_per_month_usd=20_000, inference_cogs_per_month_usd=10_000,
        margin_mode=mode,
    )  # fmt: skip
    m = margin_impact(finance, sync_cost_per_month_usd=10_000.0, savings_share=0.5)
    assert m is not None
    assert m.gross_margin_before == pytest.approx(0.80)
    assert m.gross_margin_after == pytest.approx(0.85)
    assert m.cogs_after_usd == pytest.approx(15_000)
    assert m.inference_after_usd == pytest.approx(5_000)


def test_no_margin_view_without_revenue() -> None:
    assert margin_impact(FinanceInputs(), sync_cost_per_month_usd=100.0, savings_share=0.5) is None
