"""The Portfolio page shows issue 10's finance figures (two labelled annual figures, margin modes with their formula,
cash vs waiting, a renamable scenario) and issue 11's capacity (tier, shared queue, spend-cap day)."""

from __future__ import annotations

from costmodel import formatting
from costmodel.finance import LABEL_12X_THIS_MONTH, LABEL_NEXT_12_MONTHS, MARGIN_MODE_LABELS
from reports.view import scenario_view
from ui import data, portfolio
from ui.state import SCENARIO

from .helpers import metrics
from .test_portfolio_page import edit, load_field_portfolio, results


def field_view():  # type: ignore[no-untyped-def]
    field = data.presets()["portfolio"]
    return scenario_view(field, data.catalog(batch_discount=field.batch_discount))


def test_two_annual_figures_each_labelled_and_equal_to_the_exports() -> None:
    at = load_field_portfolio()
    at.number_input(key=portfolio.FINANCE_KEYS["growth_percent"]).set_value(8.0).run()
    shown = metrics(at)
    year = next(label for label in shown if LABEL_12X_THIS_MONTH in label)
    next_12 = next(label for label in shown if LABEL_NEXT_12_MONTHS in label)
    field = data.presets()["portfolio"]
    grown = field.model_copy(update={"finance": field.finance.model_copy(update={"monthly_growth": 0.08})})
    expected = scenario_view(grown, data.catalog(batch_discount=field.batch_discount)).portfolio  # as the exports
    assert shown[year] == formatting.usd(expected.savings_per_year_usd)
    assert shown[next_12] == formatting.usd(expected.savings_next_12_months_usd)
    assert shown[year] != shown[next_12], "8 %/month growth makes the next 12 months differ from 12 × this month"


def test_margin_mode_defaults_to_modelled_dollars_and_the_formula_is_shown() -> None:
    at = load_field_portfolio()
    picker = at.radio(key=portfolio.FINANCE_KEYS["margin_mode"])
    assert picker.value == "modelled"
    captions = " ".join(c.value for c in at.caption)
    assert "modelled savings" in captions
    assert "gross margin = (revenue − COGS) / revenue" in captions
    at.number_input(key=portfolio.FINANCE_KEYS["inference"]).set_value(15_000.0).run()  # more than modelled
    before = metrics(at)["Gross margin with the plan"]
    picker.set_value("share_of_inference").run()
    assert MARGIN_MODE_LABELS["share_of_inference"] in " ".join(c.value for c in at.caption)
    assert "savings share × inference" in " ".join(c.value for c in at.caption)
    assert at.session_state[SCENARIO].finance.margin_mode == "share_of_inference"
    assert metrics(at)["Gross margin now"] == "80.0%"
    assert metrics(at)["Gross margin with the plan"] != before, "extrapolating to all inference moves the margin"


def test_inference_cogs_above_total_cogs_is_a_one_line_error_not_a_traceback() -> None:
    at = load_field_portfolio()
    at.number_input(key=portfolio.FINANCE_KEYS["cogs"]).set_value(1_000.0).run()
    at.number_input(key=portfolio.FINANCE_KEYS["inference"]).set_value(5_000.0).run()
    assert not at.exception
    errors = [e.value for e in at.error if "inference" in e.value.lower()]
    assert len(errors) == 1
    assert "\n" not in errors[0].strip()
    assert "raise COGS or lower inference" in errors[0]


def test_cash_and_waiting_are_apart_in_the_table_and_the_tiles() -> None:
    at = load_field_portfolio()
    table = results(at)
    view = field_view()
    assert list(table["waiting_cost_per_month_usd"]) == [r.waiting_cost_per_month_usd for r in view.portfolio.rows]
    assert list(table["net_benefit_per_month_usd"]) == [r.comparison.net_benefit_per_month_usd for r in view.results]
    shown = metrics(at)
    assert shown["Cost of waiting (not cash)"] == formatting.per_month(view.portfolio.waiting_cost_per_month_usd)
    assert "Batch cash $/month" in portfolio.RESULT_COLUMNS.values()


def test_the_scenario_can_be_renamed_and_exports_follow_the_name() -> None:
    at = load_field_portfolio()
    at.text_input(key=portfolio.NAME_KEY).set_value("Board review Q4").run()
    assert not at.exception
    assert at.session_state[SCENARIO].name == "Board review Q4"
    assert any("board-review-q4-" in c.value for c in at.caption)
    at.text_input(key=portfolio.NAME_KEY).set_value("   ").run()
    assert any("name" in e.value.lower() for e in at.error)
    assert at.session_state[SCENARIO].name == "Board review Q4", "a blank name keeps the last one"


def test_the_tier_queue_and_spend_cap_day_are_shown() -> None:
    at = load_field_portfolio()
    text = " ".join(m.value for m in [*at.info, *at.warning, *at.success, *at.caption])
    assert "queue" in text
    assert "scale" in text
    at.selectbox(key=portfolio.TIER_KEY).set_value("start").run()
    assert at.session_state[SCENARIO].capacity.tier == "start"
    warnings = " ".join(w.value for w in at.warning)
    assert "spend cap" in warnings
    assert "day" in warnings
    view = field_view()
    planned = view.portfolio.planned_cost_per_month_usd
    assert planned > 500, "the field portfolio spends more than the start tier's cap"


def test_a_finance_edit_reuses_the_rows_evaluation(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import reports.view

    calls: list[str] = []
    original = reports.view.evaluate_workflow

    def counting(workflow, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(workflow.name)
        return original(workflow, *args, **kwargs)

    monkeypatch.setattr(reports.view, "evaluate_workflow", counting)
    at = load_field_portfolio()
    at = edit(at, {0: {"requests_per_day": 123_457.0}})  # inputs no earlier run evaluated
    assert len(calls) >= 7
    before = len(calls)
    at.number_input(key=portfolio.FINANCE_KEYS["revenue"]).set_value(77_000.0).run()
    assert not at.exception
    assert len(calls) == before, "revenue does not change any row: no SLA simulation on this rerun"
    shown = at.session_state[SCENARIO]
    assert shown.finance.revenue_per_month_usd == 77_000.0
    expected = scenario_view(shown, data.catalog(batch_discount=shown.batch_discount)).portfolio.margin
    assert expected is not None
    assert metrics(at)["Gross margin now"] == f"{expected.gross_margin_before:.1%}"
    assert metrics(at)["Gross margin with the plan"] == f"{expected.gross_margin_after:.1%}"


def test_name_tier_and_margin_mode_survive_a_visit_to_another_page() -> None:
    from .helpers import app, assert_clean

    at = app("app.py").run()
    at.switch_page("app_pages/portfolio.py").run()
    at = load_field_portfolio(at)
    at.text_input(key=portfolio.NAME_KEY).set_value("Board Q4").run()
    at.selectbox(key=portfolio.TIER_KEY).set_value("build").run()
    at.radio(key=portfolio.FINANCE_KEYS["margin_mode"]).set_value("share_of_inference").run()
    at.switch_page("app_pages/submission_windows.py").run()
    assert_clean(at)
    at.switch_page("app_pages/portfolio.py").run()
    assert_clean(at)
    assert at.text_input(key=portfolio.NAME_KEY).value == "Board Q4"
    assert at.selectbox(key=portfolio.TIER_KEY).value == "build"
    assert at.radio(key=portfolio.FINANCE_KEYS["margin_mode"]).value == "share_of_inference"
    assert at.session_state[SCENARIO].capacity.tier == "build"
