"""Board-ready portfolio exports: a CSV pandas opens as is, a sidecar, an Excel book with live totals, two reports."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from costmodel.finance import LABEL_12X_THIS_MONTH, LABEL_NEXT_12_MONTHS, FinanceInputs
from costmodel.prices import Catalog
from costmodel.scenario import Scenario
from reports import portfolio
from reports.view import PortfolioView, evaluate_rows
from tests.reports.reports_support import CONTRACT, HOSTILE, view_of

GENERATED = date(2026, 11, 21)
HEADERS = [c.header for c in portfolio.EXPORT_COLUMNS]
MONEY = [c.header for c in portfolio.EXPORT_COLUMNS if c.kind == "usd"]


@pytest.fixture(scope="module")
def mixed_view(field: Scenario, catalog: Catalog) -> PortfolioView:
    """The field portfolio (seven workflows, revenue given) plus one invalid row."""
    return view_of(field.workflows, catalog, field.finance, broken=True)


def test_headers_are_plain_words_with_units() -> None:
    assert HEADERS[:3] == ["Row", "Workflow", "Model"]
    assert "Verdict" in HEADERS
    assert "Sync spend / month (USD)" in HEADERS
    assert "Batch spend / month, cash (USD)" in HEADERS
    assert "Waiting cost / month, not cash (USD)" in HEADERS
    assert f"Cash savings / year, {LABEL_12X_THIS_MONTH} (USD)" in HEADERS
    assert not [h for h in HEADERS if "_" in h]


def test_csv_opens_with_pandas_as_is_with_a_totals_row(mixed_view: PortfolioView) -> None:
    frame = pd.read_csv(io.StringIO(portfolio.export_csv(mixed_view, generated=GENERATED)))
    assert list(frame.columns) == HEADERS
    assert len(frame) == 9  # seven workflows, one invalid row, the total
    assert list(frame["Workflow"])[-2:] == ["Broken", "Total"]
    assert frame["Verdict"].iloc[7] == "invalid"
    assert "unknown model" in frame["Problems"].iloc[7]
    body, total = frame.iloc[:-1], frame.iloc[-1]
    p = mixed_view.portfolio
    for header in MONEY:
        assert frame[header].dtype == float
        assert total[header] == pytest.approx(body[header].sum(), abs=0.005)
        cents = (body[header].dropna() * 100).round(6)
        assert (cents == cents.round()).all(), f"{header} is not rounded to the cent"
    assert total["Cash savings / month (USD)"] == pytest.approx(p.savings_per_month_usd, abs=0.01 * len(body))
    assert total["Sync spend / month (USD)"] == pytest.approx(p.sync_cost_per_month_usd, abs=0.01 * len(body))
    contract = body[body["Workflow"] == "Contract review"].iloc[0]
    row = next(r for r in p.rows if r.name == "Contract review")
    assert contract["Sync spend / month (USD)"] == round(row.sync_cost_per_month_usd, 2)
    assert contract["Net benefit / month (USD)"] == pytest.approx(
        row.savings_per_month_usd - row.waiting_cost_per_month_usd, abs=0.01
    )


def test_csv_has_no_comment_lines_and_floats_have_no_noise(mixed_view: PortfolioView) -> None:
    text = portfolio.export_csv(mixed_view, generated=GENERATED)
    assert not [line for line in text.splitlines() if line.startswith("#")]
    for row in csv.DictReader(io.StringIO(text)):
        for header in MONEY:
            assert len(row[header].partition(".")[2]) <= 2, (header, row[header])


def test_assumptions_sidecar_states_sources_cash_waiting_annuals_and_margin(mixed_view: PortfolioView) -> None:
    text = portfolio.export_assumptions(mixed_view, generated=GENERATED)
    p, m = mixed_view.portfolio, mixed_view.portfolio.margin
    assert m is not None
    assert f"Price source: {mixed_view.price_source.label()}" in text
    assert "Generated: 2026-11-21" in text
    assert f"Cash savings per year, {LABEL_12X_THIS_MONTH} [USD]: ${p.savings_per_year_usd:,.2f}" in text
    assert f"Cash savings, {LABEL_NEXT_12_MONTHS} [USD]: ${p.savings_next_12_months_usd:,.2f}" in text
    assert "Cost of waiting, economic, not cash [USD/month]" in text
    assert f"Gross-margin mode: {m.mode_label}" in text
    assert m.formula in text
    assert "Batch spend / month, cash (USD): cash if everything runs by batch" in text
    assert "Contract review: volume 15,000 requests/month" in text
    assert "Left out (invalid): row 8 (Broken)" in text


def test_excel_is_board_ready(mixed_view: PortfolioView) -> None:
    book = load_workbook(io.BytesIO(portfolio.export_excel(mixed_view, generated=GENERATED)))
    assert book.sheetnames == ["Portfolio", "Summary", "Projection", "Assumptions"]
    sheet = book["Portfolio"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "C2"
    total = {h: c for h, c in zip(HEADERS, sheet[10], strict=True)}
    assert total["Workflow"].value == "Total"
    sync = HEADERS.index("Sync spend / month (USD)") + 1
    letter = sheet.cell(row=1, column=sync).column_letter
    assert total["Sync spend / month (USD)"].value == f"=SUM({letter}2:{letter}9)"
    assert all(total[h].data_type == "f" for h in MONEY)
    assert sheet.cell(row=2, column=sync).number_format == '"$"#,##0.00'
    assert total["Sync spend / month (USD)"].number_format == '"$"#,##0.00'
    assert sheet.cell(row=2, column=HEADERS.index("First-pass success (share)") + 1).number_format == "0.0%"
    assert sheet.column_dimensions[letter].width >= 14
    assert sheet.column_dimensions[sheet.cell(row=1, column=HEADERS.index("Why") + 1).column_letter].width >= 40
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    next_12 = mixed_view.portfolio.savings_next_12_months_usd
    assert summary[f"Cash savings, {LABEL_NEXT_12_MONTHS} [USD]"] == round(next_12, 2)
    assert summary["Gross-margin mode"] == mixed_view.portfolio.margin.mode_label  # type: ignore[union-attr]
    assumptions = [r[0] for r in book["Assumptions"].iter_rows(values_only=True)]
    assert f"Price source: {mixed_view.price_source.label()}" in assumptions
    assert len(list(book["Projection"].iter_rows())) == 13


def test_excel_bytes_depend_only_on_the_view_and_the_date(mixed_view: PortfolioView) -> None:
    first = portfolio.export_excel(mixed_view, generated=GENERATED)
    assert portfolio.export_excel(mixed_view, generated=GENERATED) == first
    assert portfolio.export_excel(mixed_view, generated=date(2026, 11, 22)) != first


def test_html_report_is_one_printable_page(mixed_view: PortfolioView, catalog: Catalog) -> None:
    report = portfolio.export_report_html(mixed_view, generated=GENERATED)
    p = mixed_view.portfolio
    assert report.startswith("<!DOCTYPE html>")
    assert "<script" not in report
    assert "@media print" in report
    assert "Generated 2026-11-21" in report
    assert mixed_view.price_source.label().replace("&", "&amp;") in report or mixed_view.price_source.label() in report
    assert f"${p.savings_per_month_usd:,.2f}" in report
    assert LABEL_NEXT_12_MONTHS in report
    assert report.count('class="bar sync"') == 7
    assert report.count("<rect ") == len(p.projection) == 12  # the projection chart: one bar per month
    assert f"cumulative ${p.projection[-1].cumulative_savings_usd:,.2f}" in report
    assert "Left out of the totals" in report
    assert "row 8 (Broken)" in report
    hostile = view_of((CONTRACT.model_copy(update={"name": "<img src=x onerror=alert(1)>"}),), catalog)
    assert "<img" not in portfolio.export_report_html(hostile, generated=GENERATED)


def test_markdown_report_names_cash_waiting_and_both_annual_figures(mixed_view: PortfolioView) -> None:
    report = portfolio.export_report_markdown(mixed_view, generated=GENERATED)
    p = mixed_view.portfolio
    assert report.startswith("# Batch Planner: portfolio report")
    assert f"Cash savings [USD/month]: **${p.savings_per_month_usd:,.2f}**" in report
    assert LABEL_12X_THIS_MONTH in report
    assert LABEL_NEXT_12_MONTHS in report
    assert "Gross margin now: **80.0%**" in report
    assert "| 8 | Broken | invalid |" in report
    assert "Waiting $/month (not cash)" in report
    head = report.split("## Assumptions and sources")[0]
    assert len(head.splitlines()) < 50  # headline and table on one page; the assumptions follow as an appendix


def test_exports_of_an_empty_portfolio(catalog: Catalog) -> None:
    view = evaluate_rows([], catalog, FinanceInputs())
    book = load_workbook(io.BytesIO(portfolio.export_excel(view, generated=GENERATED)))
    assert [c.value for c in book["Portfolio"][1]] == HEADERS
    assert book["Portfolio"].max_row == 1
    assert pd.read_csv(io.StringIO(portfolio.export_csv(view, generated=GENERATED))).empty
    assert "All-sync spend, cash [USD/month]: **$0.00**" in portfolio.export_report_markdown(view, generated=GENERATED)
    assert "<table>" in portfolio.export_report_html(view, generated=GENERATED)


def test_scenario_name_is_file_safe() -> None:
    assert portfolio.scenario_name("Engineering & operations portfolio", GENERATED) == (
        "engineering-operations-portfolio-2026-11-21"
    )
    assert portfolio.scenario_name("???", GENERATED) == "portfolio-2026-11-21"
    assert portfolio.scenario_name(HOSTILE, GENERATED) == "hyperlink-http-x-y-2026-11-21"


def test_the_reports_state_the_cores_formulas_word_for_word(mixed_view: PortfolioView) -> None:
    """One source of the formulas: the reports print `costmodel.cost.FORMULAS` (K·C_sync included), never a copy."""
    import html

    from costmodel.cost import FORMULAS
    from costmodel.finance import GROSS_MARGIN_FORMULA

    markdown = portfolio.export_report_markdown(mixed_view, generated=GENERATED)
    page = portfolio.export_report_html(mixed_view, generated=GENERATED)
    for formula in (*FORMULAS, GROSS_MARGIN_FORMULA):
        assert formula in markdown, formula
        assert html.escape(formula) in page, formula
    assert "sync_item = K·C_sync" in markdown
