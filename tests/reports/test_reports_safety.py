"""No export can run code: OWASP's CSV-injection rule on every CSV and Excel export, numbers kept numeric."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from costmodel.prices import Catalog
from costmodel.scenario import Scenario
from reports import portfolio
from reports.safe import FORMULA_TRIGGERS, csv_text, safe_cell, safe_text
from reports.view import PortfolioView
from tests.reports.reports_support import CONTRACT, HOSTILE, view_of

GENERATED = date(2026, 11, 21)
PAYLOADS = [HOSTILE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "=1+1"]


def test_safe_text_quotes_every_trigger_and_nothing_else() -> None:
    for text in PAYLOADS:
        assert safe_text(text) == "'" + text
    for text in ("Contract review", "3 docs", "", "a=b", "'already quoted"):
        assert safe_text(text) == text
    assert safe_cell(-12.5) == -12.5
    assert safe_cell(None) is None
    assert safe_cell(7) == 7


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_no_csv_text_cell_starts_like_a_formula_and_numbers_stay_numbers(text: str, number: float) -> None:
    _header, row = list(csv.reader(io.StringIO(csv_text(["name", "value"], [[text, number]]), newline="")))
    assert not row[0].startswith(FORMULA_TRIGGERS)
    assert row[0] in (text, "'" + text)
    assert float(row[1]) == number  # a negative amount is written as a number, never quoted


@pytest.fixture(scope="module")
def hostile_view(field: Scenario, catalog: Catalog) -> PortfolioView:
    workflows = (*field.workflows[:2], CONTRACT.model_copy(update={"name": HOSTILE}))
    return view_of(workflows, catalog, field.finance)


def _all_csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def test_portfolio_csv_writes_a_hostile_name_as_text(hostile_view: PortfolioView) -> None:
    cells = _all_csv_cells(portfolio.export_csv(hostile_view, generated=GENERATED))
    assert "'" + HOSTILE in cells
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS) and not _is_number(c)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_excel_has_no_formula_but_the_totals(hostile_view: PortfolioView) -> None:
    book = load_workbook(io.BytesIO(portfolio.export_excel(hostile_view, generated=GENERATED)))
    formulas = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append((sheet.title, str(cell.value)))
                elif isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_TRIGGERS), (sheet.title, cell.coordinate, cell.value)
    assert formulas, "the totals row should hold live SUM formulas"
    assert all(title == "Portfolio" and value.startswith("=SUM(") for title, value in formulas)
    names = [c.value for c in book["Portfolio"]["B"]]
    assert "'" + HOSTILE in names
    assumptions = [c.value for c in book["Assumptions"]["A"]]
    assert any(str(a).startswith("'" + HOSTILE + ": ") for a in assumptions)


def test_negative_money_stays_a_number_in_csv_and_excel(catalog: Catalog) -> None:
    view = view_of((CONTRACT.model_copy(update={"name": "-loses money"}),), catalog)
    row = view.portfolio.rows[0].model_copy(update={"savings_per_month_usd": -12.345})  # a plan dearer than sync
    view = dataclasses.replace(view, portfolio=view.portfolio.model_copy(update={"rows": (row,)}))
    header = next(c.header for c in portfolio.EXPORT_COLUMNS if c.key == "savings_per_month_usd")
    book = load_workbook(io.BytesIO(portfolio.export_excel(view, generated=GENERATED)))
    cells = {h.value: c for h, c in zip(book["Portfolio"][1], book["Portfolio"][2], strict=True)}
    assert cells["Workflow"].value == "'-loses money"
    assert cells[header].data_type == "n"
    assert cells[header].value == -12.35
    text_rows = list(csv.DictReader(io.StringIO(portfolio.export_csv(view, generated=GENERATED))))
    assert text_rows[0]["Workflow"] == "'-loses money"
    assert text_rows[0][header] == "-12.35"
    assert text_rows[1]["Workflow"] == "Total"
    assert text_rows[1][header] == "-12.35"
