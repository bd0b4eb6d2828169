"""The portfolio page in AppTest: renders alone, loads the field portfolio, edits rows, invalid rows, exports."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from costmodel.scenario import Scenario
from costmodel.workflow import Workflow
from ui import portfolio, sharing
from ui.state import SCENARIO

from . import helpers
from .helpers import app, assert_clean, metrics

PAGE = "app_pages/portfolio.py"
EDITOR = "pf_editor"


def run_page(**session: object) -> AppTest:
    return helpers.run_page(PAGE, **session)


def load_field_portfolio(at: AppTest | None = None) -> AppTest:
    at = at or run_page()
    next(b for b in at.button if b.label == "Load the field portfolio").click().run()
    next(b for b in at.button if b.label == "Replace the table").click().run()
    assert not at.exception
    return at


def edit(at: AppTest, edited_rows: dict[int, dict[str, Any]], **changes: Any) -> AppTest:
    at.session_state[EDITOR] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": [], **changes}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def results(at: AppTest) -> Any:
    return next(d for d in at.dataframe if d.editing_mode == "read_only").value


def test_renders_alone_with_the_default_scenario() -> None:
    at = run_page()
    assert at.title[0].value == "Portfolio & finance"
    assert len(at.data_editor) == 1
    assert at.data_editor[0].editing_mode == "dynamic"
    assert list(results(at)["verdict"]) == ["batch"]
    assert metrics(at)["All-sync spend"].startswith("$")
    assert not at.error


def test_load_field_portfolio_shows_seven_rows_and_margin() -> None:
    at = load_field_portfolio()
    table = results(at)
    assert len(table) == 7
    assert dict(zip(table["name"], table["verdict"], strict=True))["Pre-merge code check"] == "sync"
    assert metrics(at)["Gross margin now"] == "80.0%"
    assert len(at.get("plotly_chart")) == 1


def test_editing_a_row_changes_the_totals() -> None:
    at = load_field_portfolio()
    before = metrics(at)
    contract = list(results(at)["name"]).index("Contract review")
    at = edit(at, {contract: {"requests_per_day": 5_000.0}})
    after = metrics(at)
    assert after["All-sync spend"] != before["All-sync spend"]
    assert after["Savings"] != before["Savings"]
    before_row = results(load_field_portfolio()).loc[contract]
    assert results(at).loc[contract, "sync_cost_per_month_usd"] == 10 * before_row["sync_cost_per_month_usd"]
    assert results(at).loc[contract, "savings_per_month_usd"] > 0


def test_a_blocking_flag_turns_the_verdict_to_sync() -> None:
    at = load_field_portfolio()
    contract = list(results(at)["name"]).index("Contract review")
    at = edit(at, {contract: {"blocking": True}})
    assert results(at).loc[contract, "verdict"] == "sync"
    assert results(at).loc[contract, "savings_per_month_usd"] == 0


def test_an_invalid_row_shows_an_error_naming_it_and_other_rows_still_evaluate() -> None:
    at = load_field_portfolio()
    at = edit(at, {1: {"output_tokens": -5.0}, 2: {"model": "claude-nope"}})
    message = at.error[0].value
    assert "row 2 (Nightly test generation): output_tokens = -5.0" in message
    assert "row 3 (Weekly security audit): model: unknown model 'claude-nope'" in message
    table = results(at)
    assert list(table["verdict"][1:3]) == ["invalid", "invalid"]
    assert "Output tokens" in table.loc[1, "problems"]
    assert (table["verdict"] != "invalid").sum() == 5
    assert metrics(at)["Savings"] != "$0.00/month"


def test_added_and_deleted_rows() -> None:
    at = load_field_portfolio()
    added = {
        "name": "New triage",
        "model": "claude-haiku-4-5",
        "requests_per_day": 2_000.0,
        "input_tokens": 3_000.0,
        "output_tokens": 200.0,
    }
    at = edit(at, {}, added_rows=[added], deleted_rows=[0])
    table = results(at)
    assert len(table) == 7
    assert table.loc[0, "name"] == "Nightly test generation"
    assert table.loc[6, "name"] == "New triage"
    assert table.loc[6, "verdict"] in {"batch", "sync", "hybrid"}
    assert not at.error


def test_finance_inputs_change_the_margin() -> None:
    at = load_field_portfolio()
    at.number_input(key=portfolio.FINANCE_KEYS["revenue"]).set_value(50_000.0).run()
    assert metrics(at)["Gross margin now"] == "60.0%"
    at.number_input(key=portfolio.FINANCE_KEYS["revenue"]).set_value(0.0).run()
    assert "Gross margin now" not in metrics(at)
    assert any("revenue" in i.value for i in at.info)


def test_the_scenario_decides_the_rows() -> None:
    scenario = Scenario(
        name="one",
        workflows=(Workflow(name="solo", requests_per_day=1_000, input_tokens=2_000, output_tokens=300),),
    )
    at = run_page(**{SCENARIO: scenario})
    assert list(results(at)["name"]) == ["solo"]


def test_exports_are_offered_with_csv_in_the_label() -> None:
    at = load_field_portfolio()
    labels = [b.label for b in at.download_button]
    assert any("CSV" in label for label in labels)
    assert any("Excel" in label for label in labels)
    assert any("report" in label for label in labels)
    assert any("Price source" in m.value or "genai-prices" in m.value for m in at.caption)


def test_a_blank_added_row_is_an_error_on_its_row_not_an_exception() -> None:
    at = load_field_portfolio()
    at = edit(at, {}, added_rows=[{}])
    assert "row 8: name: empty" in at.error[0].value
    assert results(at).loc[7, "verdict"] == "invalid"
    assert (results(at)["verdict"] != "invalid").sum() == 7


def test_the_table_travels_in_the_url_and_a_shared_link_reproduces_it() -> None:
    at = load_field_portfolio()
    at = edit(at, {4: {"requests_per_day": 5_000.0}})
    token = at.query_params["portfolio"]
    token = token[0] if isinstance(token, list) else token
    shared = sharing.decode(Scenario, token)
    assert shared.workflows[4].requests_per_day == 5_000.0
    savings = metrics(at)["Savings"]

    elsewhere = app(PAGE)
    elsewhere.query_params["portfolio"] = token
    elsewhere.run()
    assert not elsewhere.exception
    assert len(results(elsewhere)) == 7
    assert metrics(elsewhere)["Savings"] == savings


def test_valid_edits_reach_every_page_at_once() -> None:
    at = load_field_portfolio()
    at = edit(at, {0: {"name": "Renamed check"}})
    scenario = at.session_state[SCENARIO]
    assert len(scenario.workflows) == 7
    assert scenario.workflows[0].name == "Renamed check"
    assert results(at).loc[0, "name"] == "Renamed check"
    assert not at.error


def test_an_invalid_row_never_vanishes_silently_from_the_scenario_or_the_link() -> None:
    at = load_field_portfolio()
    at = edit(at, {0: {"name": "Renamed check"}})
    token = at.query_params["portfolio"]
    at = edit(at, {0: {"name": "Renamed check"}, 1: {"output_tokens": -1.0}})
    message = at.error[0].value
    assert "row 2 (Nightly test generation): output_tokens" in message
    assert "keep the last complete table" in message
    assert len(at.session_state[SCENARIO].workflows) == 7, "the scenario keeps the row until it is fixed"
    assert at.query_params["portfolio"] == token, "so does the link"
    assert list(results(at)["row"]) == list(range(1, 8)), "result rows are numbered as in the editor"


def test_a_row_with_numbers_but_no_name_says_why_on_its_row() -> None:
    at = load_field_portfolio()
    at = edit(at, {2: {"name": None}})
    assert "row 3: name: empty; fill in column 'Workflow'" in at.error[0].value
    table = results(at)
    assert (table.loc[2, "row"], table.loc[2, "verdict"]) == (3, "invalid")
    assert len(at.session_state[SCENARIO].workflows) == 7


def test_loading_the_field_portfolio_asks_first() -> None:
    scenario = Scenario(
        name="mine",
        workflows=(Workflow(name="solo", requests_per_day=1_000, input_tokens=2_000, output_tokens=300),),
    )
    at = run_page(**{SCENARIO: scenario})
    next(b for b in at.button if b.label == "Load the field portfolio").click().run()
    assert list(results(at)["name"]) == ["solo"], "nothing replaced before the user confirms"
    assert any("Replace this table" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert list(results(at)["name"]) == ["solo"]
    assert len(results(load_field_portfolio(at))) == 7


def test_deleting_every_row_leaves_a_working_page_with_zero_totals() -> None:
    at = load_field_portfolio()
    at = edit(at, {}, deleted_rows=list(range(7)))
    assert metrics(at)["All-sync spend"] == "$0.00/month"
    assert len(results(at)) == 0
    assert any("table is empty" in i.value for i in at.info)
    assert len(at.session_state[SCENARIO].workflows) == 7, "an empty table is never the scenario"
    assert any("CSV" in b.label for b in at.download_button)


def test_edits_and_finance_inputs_survive_a_visit_to_another_page() -> None:
    at = app("app.py").run()
    at.switch_page(PAGE).run()
    at = load_field_portfolio(at)
    at = edit(at, {4: {"requests_per_day": 5_000.0}}, added_rows=[{"name": "Extra"}], deleted_rows=[0])
    at.number_input(key=portfolio.FINANCE_KEYS["revenue"]).set_value(50_000.0).run()
    before = (metrics(at), list(results(at)["name"]))
    at.switch_page("app_pages/submission_windows.py").run()
    assert_clean(at)
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert (metrics(at), list(results(at)["name"])) == before
    assert at.number_input(key=portfolio.FINANCE_KEYS["revenue"]).value == 50_000.0
    assert "row 7 (Extra)" in at.error[0].value
