"""Finance figures a CFO can sign: margin from what was modelled, inference within COGS, one annual figure
per meaning (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from commands import main
from commands.files import load_scenario
from costmodel.finance import LABEL_12X_THIS_MONTH, LABEL_NEXT_12_MONTHS, FinanceInputs, build_portfolio, margin_impact
from costmodel.recommend import evaluate_workflow
from tests.costmodel.core_support import AS_OF_FLAG, PRESETS, check_workflow


def test_margin_moves_by_the_modelled_dollars_by_default() -> None:
    # the issue: $400k revenue, $90k COGS of which $50k inference, a portfolio saving $972/month:
    # 77.5 % → 77.74 % from the modelled savings (the old share-of-inference extrapolation said 79.4 %)
    finance = FinanceInputs(
        revenue_per_month_usd=400_000, cogs_per_month_usd=90_000, inference_cogs_per_month_usd=50_000
    )
    m = margin_impact(finance, sync_cost_per_month_usd=4_000, savings_share=972 / 4_000, savings_per_month_usd=972)
    assert m is not None
    assert m.gross_margin_before == pytest.approx(0.775)
    assert round(m.gross_margin_after, 4) == 0.7774
    assert m.cogs_after_usd == pytest.approx(90_000 - 972)
    assert m.mode == "modelled"
    assert "modelled savings $972.00" in m.formula


def test_share_of_inference_is_a_named_option() -> None:
    finance = FinanceInputs(revenue_per_month_usd=400_000, cogs_per_month_usd=90_000,
                            inference_cogs_per_month_usd=50_000, margin_mode="share_of_inference")  # fmt: skip
    m = margin_impact(finance, sync_cost_per_month_usd=4_000, savings_share=972 / 4_000, savings_per_month_usd=972)
    assert m is not None
    assert m.cogs_after_usd == pytest.approx(90_000 - 50_000 * 972 / 4_000)
    assert "extrapolated" in m.mode_label


def test_inference_above_cogs_is_rejected_with_a_message() -> None:
    with pytest.raises(ValidationError, match=r"inference_cogs_per_month_usd \(\$50,000.00\) is above cogs"):
        FinanceInputs(revenue_per_month_usd=100_000, cogs_per_month_usd=20_000, inference_cogs_per_month_usd=50_000)


def test_one_annual_figure_per_meaning(catalog: Any) -> None:
    # the issue: "Savings per year $11,664" ignored 8 %/month growth while the report gave $18,445.77
    results = [evaluate_workflow(check_workflow(), catalog, sla_samples=1_000)]
    p = build_portfolio(results, FinanceInputs(monthly_growth=0.08, projection_months=6))
    assert p.savings_per_year_usd == pytest.approx(12 * p.savings_per_month_usd)
    assert p.savings_next_12_months_usd == pytest.approx(p.savings_per_month_usd * (1.08**12 - 1) / 0.08)
    assert len(p.projection) == 6  # the 12-month figure does not depend on how many months are projected
    assert LABEL_12X_THIS_MONTH != LABEL_NEXT_12_MONTHS


def test_evaluate_json_carries_both_annual_figures_and_the_margin_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = json.loads((PRESETS / "contract-review.json").read_text())
    scenario["finance"].update(
        {"revenue_per_month_usd": 100_000, "cogs_per_month_usd": 20_000, "inference_cogs_per_month_usd": 10_000,
         "monthly_growth": 0.08}
    )  # fmt: skip
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario))
    load_scenario(path)
    assert main(["evaluate", str(path), *AS_OF_FLAG, "--json"]) == 0
    portfolio = json.loads(capsys.readouterr().out)["portfolio"]
    assert portfolio["savings_per_year_usd"] == pytest.approx(12 * portfolio["savings_per_month_usd"])
    assert portfolio["savings_next_12_months_usd"] > portfolio["savings_per_year_usd"]
    assert portfolio["margin"]["mode"] == "modelled"
    assert main(["evaluate", str(path), *AS_OF_FLAG]) == 0
    out = capsys.readouterr().out
    assert LABEL_12X_THIS_MONTH in out
    assert LABEL_NEXT_12_MONTHS in out
