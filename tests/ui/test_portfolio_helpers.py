"""ui.portfolio without Streamlit: table ↔ workflows, row validation, evaluation, figures and exports."""

from __future__ import annotations

import pandas as pd
import pytest

from commands.files import load_scenario
from costmodel import formatting
from costmodel.finance import FinanceInputs
from costmodel.prices import Catalog
from costmodel.scenario import Scenario
from costmodel.workflow import SlaSpec, Workflow
from ui import portfolio
from ui.data import PRESETS_DIR

CONTRACT = Workflow(name="Contract review", requests_per_day=500, input_tokens=15_000, output_tokens=800)


@pytest.fixture(scope="module")
def field() -> Scenario:
    return load_scenario(PRESETS_DIR / "portfolio.json")


def view_of(
    workflows: tuple[Workflow, ...], catalog: Catalog, finance: FinanceInputs | None = None
) -> portfolio.PortfolioView:
    rows = portfolio.frame_to_rows(portfolio.workflows_to_frame(workflows), workflows)
    return portfolio.evaluate_rows(rows, catalog, finance or FinanceInputs(), sla_samples=5_000)


def test_frame_round_trip_keeps_every_workflow(field: Scenario) -> None:
    frame = portfolio.workflows_to_frame(field.workflows)
    assert list(frame.columns) == list(portfolio.EDITABLE_COLUMNS)
    assert len(frame) == len(field.workflows) == 7
    rows = portfolio.frame_to_rows(frame, field.workflows)
    assert [r.problems for r in rows] == [()] * 7
    # untouched rows give back the very same workflows (hidden fields and monthly volumes included)
    assert tuple(row.workflow for row in rows) == field.workflows
    assert portfolio.edited_scenario(field, rows, field.finance) == field


def test_a_monthly_volume_becomes_daily_once_edited() -> None:
    monthly = CONTRACT.model_copy(update={"requests_per_day": None, "requests_per_month": 5_000.0})
    frame = portfolio.workflows_to_frame([monthly])
    assert frame.loc[0, "requests_per_day"] == pytest.approx(5_000 / 30)
    frame.loc[0, "requests_per_day"] = 200.0
    workflow = portfolio.frame_to_rows(frame, [monthly])[0].workflow
    assert workflow is not None
    assert (workflow.requests_per_day, workflow.requests_per_month) == (200.0, None)


def test_a_workflow_without_sla_has_blank_sla_cells() -> None:
    frame = portfolio.workflows_to_frame([CONTRACT])
    assert pd.isna(frame.loc[0, "sla_hours"])
    assert pd.isna(frame.loc[0, "sla_kind"])
    assert portfolio.frame_to_rows(frame, [CONTRACT])[0].workflow == CONTRACT.model_copy(
        update={"requests_per_day": 500.0}
    )


def test_edits_reach_the_workflow_and_the_sla() -> None:
    frame = portfolio.workflows_to_frame([CONTRACT])
    frame.loc[0, ["requests_per_day", "sla_hours", "sla_kind", "blocking"]] = [1_000.0, 30.0, "soft", True]
    workflow = portfolio.frame_to_rows(frame, [CONTRACT])[0].workflow
    assert workflow is not None
    assert workflow.requests_per_day == 1_000
    assert workflow.sla == SlaSpec(sla_hours=30, kind="soft")
    assert workflow.blocking is True


def test_invalid_rows_name_the_row_and_the_column() -> None:
    frame = portfolio.workflows_to_frame([CONTRACT, CONTRACT.model_copy(update={"name": "Second"})])
    frame.loc[1, "output_tokens"] = -5.0
    rows = portfolio.frame_to_rows(frame, [CONTRACT, CONTRACT])
    assert rows[0].workflow is not None
    assert rows[1].workflow is None
    assert rows[1].label == "row 2 (Second)"
    assert "output_tokens" in rows[1].problems[0]
    assert "column 'Output tokens'" in rows[1].problems[0]


def test_an_added_row_starts_from_new_row_and_blank_required_cells_are_problems() -> None:
    frame = portfolio.workflows_to_frame([CONTRACT])
    added = pd.DataFrame([{"name": "New", "model": "claude-sonnet-4-6", "requests_per_day": 300.0}], index=[1])
    rows = portfolio.frame_to_rows(pd.concat([frame, added]), [CONTRACT])
    assert rows[1].workflow is None
    assert {p.split(":")[0] for p in rows[1].problems} == {"input_tokens", "output_tokens"}
    complete = added.assign(input_tokens=1_000.0, output_tokens=100.0)
    row = portfolio.frame_to_rows(pd.concat([frame, complete]), [CONTRACT])[1]
    assert row.problems == ()
    assert row.workflow is not None
    assert row.workflow.success_rate == portfolio.NEW_ROW.success_rate
    assert row.workflow.days_per_month == portfolio.NEW_ROW.days_per_month


def test_sla_kind_without_hours_is_a_problem() -> None:
    frame = portfolio.workflows_to_frame([CONTRACT])
    frame["sla_kind"] = frame["sla_kind"].astype(object)
    frame.loc[0, "sla_kind"] = "hard"
    assert "sla_hours: empty" in portfolio.frame_to_rows(frame, [CONTRACT])[0].problems[0]


def test_design_check_figures_and_finance_example(catalog: Catalog) -> None:
    """Contract review on Sonnet-class $3/$15: sync $855.00/month; the margin example from DESIGN.md."""
    view = view_of(
        (CONTRACT.model_copy(update={"model": "claude-sonnet-4-5"}),),
        catalog,
        FinanceInputs(revenue_per_month_usd=100_000, cogs_per_month_usd=20_000, inference_cogs_per_month_usd=10_000),
    )
    assert view.portfolio.sync_cost_per_month_usd == pytest.approx(855.00)
    assert view.outcomes[0].result is not None
    assert view.portfolio.margin is not None
    assert view.portfolio.margin.gross_margin_before == pytest.approx(0.80)


def test_an_unknown_model_stays_on_its_row_and_other_rows_evaluate(catalog: Catalog) -> None:
    workflows = (CONTRACT, CONTRACT.model_copy(update={"name": "Typo", "model": "claude-nope"}))
    view = view_of(workflows, catalog)
    assert view.outcomes[0].result is not None
    assert view.outcomes[1].result is None
    assert view.problems[0].startswith("row 2 (Typo): model: unknown model 'claude-nope'")
    assert len(view.portfolio.rows) == 1
    table = portfolio.results_table(view).to_pandas()
    assert list(table["verdict"]) == ["batch", "invalid"]
    assert table.loc[1, "name"] == "Typo"
    assert pd.isna(table.loc[1, "sync_cost_per_month_usd"])


def test_field_portfolio_verdicts(field: Scenario, catalog: Catalog) -> None:
    view = view_of(field.workflows, catalog, field.finance)
    table = portfolio.results_table(view)
    verdicts = dict(zip(table["name"].to_pylist(), table["verdict"].to_pylist(), strict=True))
    assert verdicts["Pre-merge code check"] == "sync"
    assert verdicts["Nightly test generation"] == "batch"
    assert verdicts["Weekly security audit"] == "batch"
    assert verdicts["Support-conversation analytics"] == "hybrid"
    assert view.portfolio.savings_per_month_usd > 0


def test_tiles(field: Scenario, catalog: Catalog) -> None:
    view = view_of(field.workflows, catalog, field.finance)
    tiles = {t.label: t for t in portfolio.total_tiles(view.portfolio)}
    assert tiles["Savings"].value == formatting.per_month(view.portfolio.savings_per_month_usd)
    assert tiles["Savings"].delta == f"{formatting.share(view.portfolio.savings_share)} of sync spend"
    assert view.portfolio.margin is not None
    margin = {t.label: t for t in portfolio.margin_tiles(view.portfolio.margin)}
    assert margin["Gross margin now"].value == "80.0%"
    assert margin["Gross margin with the plan"].delta.startswith("+")
    inference = margin["Inference COGS with the plan"]
    assert inference.inverse
    assert inference.delta.startswith("-$")  # ASCII minus, so Streamlit draws a falling arrow


def test_finance_widgets_round_trip() -> None:
    finance = FinanceInputs(
        revenue_per_month_usd=100_000, cogs_per_month_usd=20_000, monthly_growth=0.05, projection_months=18
    )
    assert portfolio.finance_from_widgets(portfolio.finance_widget_values(finance)) == finance
    with_inference = finance.model_copy(update={"inference_cogs_per_month_usd": 10_000.0})
    assert portfolio.finance_from_widgets(portfolio.finance_widget_values(with_inference)) == with_inference


def test_projection_figure(field: Scenario, catalog: Catalog) -> None:
    view = view_of(field.workflows, catalog, field.finance)
    figure = portfolio.projection_figure(portfolio.projection_points(view.portfolio.projection))
    assert [trace.name for trace in figure.data] == ["all sync", "planned", "cumulative savings"]
    assert len(figure.data[0].x) == 12
    assert figure.data[2].y[-1] == pytest.approx(view.portfolio.projection[-1].cumulative_savings_usd)


# exports: tests/reports/ (the builders live in the pure `reports` package)


def test_rebase_keeps_each_row_on_its_workflow() -> None:
    second = CONTRACT.model_copy(update={"name": "Second", "refinement_hours": 9.0})
    frame = portfolio.workflows_to_frame([CONTRACT, second])
    edited = pd.concat([frame.drop(index=0), pd.DataFrame([{"name": "Added"}], index=[2])])
    fresh, base = portfolio.rebase(edited, [CONTRACT, second])
    assert list(fresh.index) == [0, 1]
    assert base == (second, portfolio.NEW_ROW)


def test_prepare_table_rebuilds_on_a_new_scenario_and_restores_after_another_page(field: Scenario) -> None:
    state: dict[str, object] = {}
    frame, base = portfolio.prepare_table(state, field)
    assert base == field.workflows
    assert state[portfolio.FINANCE_KEYS["revenue"]] == field.finance.revenue_per_month_usd
    portfolio.remember(state, frame.drop(index=0))  # an edit that is not (yet) the scenario: a deleted row
    kept = field.model_copy(update={"finance": field.finance.model_copy(update={"revenue_per_month_usd": 1.0})})
    portfolio.FORM.produced(kept, session=state)  # what the page's write-back does with a valid finance edit
    del state[portfolio.FINANCE_KEYS["revenue"]]  # Streamlit dropped the widgets while another page ran
    frame, base = portfolio.prepare_table(state, kept)
    assert len(frame) == 6, "the table comes back as last edited"
    assert base == field.workflows[1:]
    assert state[portfolio.FINANCE_KEYS["revenue"]] == 1.0, "the widget comes back from the kept scenario"
    other = Scenario(name="other", workflows=(CONTRACT,))
    frame, base = portfolio.prepare_table(state, other)
    assert base == (CONTRACT,)
    assert portfolio.LAST_KEY not in state


def test_every_column_tooltip_says_what_the_core_says_of_its_field() -> None:
    """One meaning per field on every page: a Portfolio column's tooltip is the core's description of its field (the
    one the workflow form shows), plus what the table adds. Before, the table wrote its own, and "Output tokens"
    said "thinking included" where the core counts thinking apart: a row from a scenario with thinking tokens read
    both ways."""
    from costmodel.workflow import SlaSpec, Workflow
    from ui import portfolio

    config = portfolio.editor_column_config(["claude-sonnet-4-5"])
    for column in portfolio.COLUMNS:
        field = "kind" if column == "sla_kind" else column
        own = (Workflow.model_fields.get(field) or SlaSpec.model_fields[field]).description
        assert own
        assert config[column]["help"].startswith(own), column
    assert "thinking included" not in config["output_tokens"]["help"]
