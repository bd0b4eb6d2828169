"""Exports carry the ranges (issue 12): P10/P50/P90 beside the totals and the uncertain inputs with their distributions.

A scenario with inline distributions (`uncertain_scenario_from_json`) exports its ranges in every format; a scenario
with point inputs exports exactly what it did before ranges existed.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from costmodel.formatting import share
from costmodel.prices import Catalog
from costmodel.scenario import Scenario
from costmodel.uncertainty import UncertainScenario, uncertain_scenario_from_json
from reports import portfolio
from reports.view import PortfolioView, scenario_view

GENERATED = date(2026, 11, 21)
BUILDERS = ("export_csv", "export_assumptions", "export_excel", "export_report_html", "export_report_markdown")
DRAWS = 2_000


def _uncertain(field: Scenario) -> UncertainScenario:
    """The field portfolio with a pilot's counts on the first workflow and an output range on the second."""
    data = json.loads(field.model_dump_json())
    data["workflows"][0]["success_rate"] = {"beta": [190, 200]}
    data["workflows"][1]["output_tokens"] = "600:1100"
    return uncertain_scenario_from_json(json.dumps(data))


@pytest.fixture(scope="module")
def ranged(field: Scenario, catalog: Catalog) -> PortfolioView:
    return scenario_view(_uncertain(field), catalog, sla_samples=2_000, draws=DRAWS)


@pytest.fixture(scope="module")
def point(field: Scenario, catalog: Catalog) -> PortfolioView:
    return scenario_view(field, catalog, sla_samples=2_000)


def test_scenario_view_reads_the_distributions(ranged: PortfolioView, field: Scenario) -> None:
    assert ranged.ranges is not None
    assert ranged.ranges.draws == DRAWS
    first, second = ranged.ranges.workflows[0], ranged.ranges.workflows[1]
    assert [i.field for i in first.uncertain_inputs] == ["success_rate"]
    assert [i.field for i in second.uncertain_inputs] == ["output_tokens"]
    s = ranged.ranges.savings_per_month_usd
    assert s.p10 is not None
    assert s.p90 is not None
    assert s.p10 < s.p90


def test_point_inputs_export_byte_identical(field: Scenario, catalog: Catalog, point: PortfolioView) -> None:
    """A scenario read through the uncertain reader with no distributions exports as the plain scenario does."""
    as_uncertain = scenario_view(uncertain_scenario_from_json(field.model_dump_json()), catalog, sla_samples=2_000)
    assert as_uncertain.ranges is None
    assert point.ranges is None
    for name in BUILDERS:
        build = getattr(portfolio, name)
        assert build(as_uncertain, generated=GENERATED) == build(point, generated=GENERATED), name


def test_csv_carries_per_row_ranges_and_stays_readable(ranged: PortfolioView, point: PortfolioView) -> None:
    frame = pd.read_csv(io.StringIO(portfolio.export_csv(ranged, generated=GENERATED)))
    plain = pd.read_csv(io.StringIO(portfolio.export_csv(point, generated=GENERATED)))
    assert list(frame.columns[: len(plain.columns)]) == list(plain.columns)
    extra = [c for c in frame.columns if c not in plain.columns]
    assert extra == [c.header for c in portfolio.RANGE_COLUMNS]
    p10, p90 = (next(c.header for c in portfolio.RANGE_COLUMNS if c.key == k)
                for k in ("batch_savings_p10_usd", "batch_savings_p90_usd"))  # fmt: skip
    assert frame[p10][0] < frame[p90][0]  # the pilot's counts spread the first row
    assert frame[p10][2] == frame[p90][2]  # a point row collapses
    assert pd.isna(frame[p10].iloc[-1])  # percentiles do not add: the Total line leaves them empty


def test_sidecar_and_reports_show_intervals_and_the_uncertain_inputs(ranged: PortfolioView) -> None:
    r = ranged.ranges
    assert r is not None
    assert r.savings_per_month_usd.p10 is not None
    assert r.savings_per_month_usd.p90 is not None
    interval = f"${r.savings_per_month_usd.p10:,.2f} – ${r.savings_per_month_usd.p90:,.2f}"
    names = [r.workflow.name for r in ranged.results]
    texts = {
        name: getattr(portfolio, name)(ranged, generated=GENERATED)
        for name in ("export_assumptions", "export_report_html", "export_report_markdown")
    }
    for name, text in texts.items():
        assert interval in text, name
        assert "pilot 190/200 usable: Beta(191, 11)" in text, name
        assert "range 600 tokens – 1,100 tokens (uniform)" in text, name
        assert names[0] in text
        assert names[1] in text
        assert "P10" in text
        assert "P90" in text
        assert f"saves cash in {share(r.probability_portfolio_saves)} of draws" in text


def test_excel_has_ranges_and_uncertain_inputs_sheets(ranged: PortfolioView, point: PortfolioView) -> None:
    book = load_workbook(io.BytesIO(portfolio.export_excel(ranged, generated=GENERATED)))
    assert "Ranges" in book.sheetnames
    assert "Uncertain inputs" in book.sheetnames
    assert "Ranges" not in load_workbook(io.BytesIO(portfolio.export_excel(point, generated=GENERATED))).sheetnames
    ranges = [list(r) for r in book["Ranges"].iter_rows(values_only=True)]
    assert ranges[0][:4] == ["Figure", "P10", "P50", "P90"]
    r = ranged.ranges
    assert r is not None
    savings = next(row for row in ranges if row[0] == "Cash savings [USD/month]")
    assert savings[1:4] == [round(v, 2) for v in (r.savings_per_month_usd.p10, r.savings_per_month_usd.p50,
                                                  r.savings_per_month_usd.p90)]  # fmt: skip
    inputs = [list(r) for r in book["Uncertain inputs"].iter_rows(values_only=True)]
    assert inputs[0][:4] == ["Workflow", "Input", "Field", "Distribution"]
    by_field = {row[2]: row for row in inputs[1:]}
    assert by_field["success_rate"][3] == "pilot 190/200 usable: Beta(191, 11)"
    assert json.loads(by_field["success_rate"][4]) == {"beta": [190, 200]}
    assert json.loads(by_field["output_tokens"][4]) == {"range": [600.0, 1100.0]}


def test_excel_ranges_carry_each_workflows_planned_savings_and_cost_of_waiting(ranged: PortfolioView) -> None:
    book = load_workbook(io.BytesIO(portfolio.export_excel(ranged, generated=GENERATED)))
    rows = {row[0]: row[1:4] for row in book["Ranges"].iter_rows(values_only=True)}
    assert ranged.ranges is not None
    for w in ranged.ranges.workflows:
        planned = w.planned_savings_per_month_usd
        assert planned is not None
        got = rows[f"{w.workflow_name}: planned savings (under the verdict) [USD/month]"]
        assert got == tuple(round(v, 2) for v in (planned.p10, planned.p50, planned.p90))  # type: ignore[arg-type]
        waiting = w.waiting_cost_per_month_usd
        got = rows[f"{w.workflow_name}: cost of waiting (all by batch, not cash) [USD/month]"]
        assert got == tuple(round(v, 2) for v in (waiting.p10, waiting.p50, waiting.p90))  # type: ignore[arg-type]


def test_csv_rows_carry_the_cash_savings_range_under_each_verdict(field: Scenario, catalog: Catalog) -> None:
    data = json.loads(field.model_dump_json())
    data["workflows"][2]["output_tokens"] = "300:900"  # a workflow planned for batch: its cash savings spread
    view = scenario_view(uncertain_scenario_from_json(json.dumps(data)), catalog, sla_samples=2_000, draws=DRAWS)
    frame = pd.read_csv(io.StringIO(portfolio.export_csv(view, generated=GENERATED)))
    assert view.ranges is not None
    header = {c.key: c.header for c in portfolio.RANGE_COLUMNS}
    for i, w in enumerate(view.ranges.workflows):
        planned = w.planned_savings_per_month_usd
        assert planned is not None
        got = [frame[header[f"savings_{q}_usd"]][i] for q in ("p10", "p50", "p90")]
        assert got == pytest.approx([planned.p10, planned.p50, planned.p90], abs=0.005)
    assert view.results[2].recommendation.verdict != "sync"
    assert frame[header["savings_p10_usd"]][2] < frame[header["savings_p90_usd"]][2]
    assert pd.isna(frame[header["savings_p50_usd"]].iloc[-1])
