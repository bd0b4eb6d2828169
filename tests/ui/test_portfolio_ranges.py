"""Portfolio page, issue 12: uncertain inputs give P10–P90 beside the totals, a fan chart and the margin range."""

from __future__ import annotations

from typing import Any

import pytest

from costmodel import formatting
from costmodel.uncertainty import UncertainWorkflow, parse_distribution, portfolio_ranges
from costmodel.workflow import resolve_pricing
from reports.view import scenario_view
from ui import data, portfolio
from ui.state import SCENARIO, UNCERTAINTY

from .test_portfolio_page import edit, load_field_portfolio

AUDIT = 2
"""The field portfolio's weekly security audit: first-pass success 95 %, the mode of the distribution below."""
SPREAD = "0.9:0.95:0.98"


def texts(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(e.value) for kind in (at.caption, at.markdown, at.info) for e in kind)


def expected_ranges():  # type: ignore[no-untyped-def]
    field = data.presets()["portfolio"]
    catalog = data.catalog(batch_discount=field.batch_discount)
    results = scenario_view(field, catalog).results
    uncertain = [
        UncertainWorkflow(
            workflow=r.workflow, uncertain={"success_rate": parse_distribution(SPREAD)} if i == AUDIT else {}
        )
        for i, r in enumerate(results)
    ]
    return portfolio_ranges(uncertain, results, [resolve_pricing(r.workflow, catalog) for r in results], field.finance)


def test_point_inputs_show_no_ranges() -> None:
    at = load_field_portfolio()
    assert "P10" not in texts(at)
    assert len(at.get("plotly_chart")) == 1


def test_uncertain_inputs_show_ranges_fan_chart_and_margin_range() -> None:
    at = load_field_portfolio()
    assert at.session_state[SCENARIO].workflows[AUDIT].success_rate == 0.95
    at.session_state[UNCERTAINTY] = {AUDIT: {"success_rate": parse_distribution(SPREAD)}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    ranges = expected_ranges()
    shown = texts(at)
    s = ranges.savings_per_month_usd
    assert f"{formatting.usd(s.p10)}–{formatting.per_month(s.p90)}" in shown
    margin = ranges.gross_margin_after
    assert margin is not None
    assert f"{formatting.share(margin.p10)}–{formatting.share(margin.p90)}" in shown
    assert len(at.get("plotly_chart")) == 2, "the projection and its fan chart"
    fan = portfolio.fan_figure(portfolio.fan_points(ranges), ranges.draws)
    assert [t.name for t in fan.data][-1] == "cumulative savings P50"
    assert fan.data[-1].y[-1] == ranges.projection[-1].cumulative_savings_usd.p50


def test_a_row_edited_away_from_its_distribution_drops_it_and_says_so() -> None:
    at = load_field_portfolio()
    at.session_state[UNCERTAINTY] = {AUDIT: {"success_rate": parse_distribution(SPREAD)}}
    at.run()
    at = edit(at, {AUDIT: {"success_rate": 0.5}})
    assert "P10–P90" not in texts(at)
    assert "Weekly security audit" in texts(at)
    assert len(at.get("plotly_chart")) == 1


def test_loading_the_field_portfolio_forgets_earlier_distributions() -> None:
    from .test_portfolio_page import run_page

    at = run_page(**{UNCERTAINTY: {AUDIT: {"success_rate": parse_distribution(SPREAD)}}})
    at = load_field_portfolio(at)
    assert "P10–P90" not in texts(at)
    assert len(at.get("plotly_chart")) == 1


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The data each download button was given on the last run, by key (AppTest has no runtime to store a deferred
    builder, so the button is wrapped to keep it)."""
    from streamlit.delta_generator import DeltaGenerator

    seen: dict[str, Any] = {}
    original = DeltaGenerator.download_button

    def keep(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        seen[kwargs.get("key") or label] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", keep)
    return seen


def built(downloads: dict[str, Any], key: str) -> str:
    """What a click on download button `key` would hand the browser."""
    content = downloads[key]() if callable(downloads[key]) else downloads[key]
    return content.decode() if isinstance(content, bytes) else content


def test_downloads_carry_the_ranges_and_the_uncertain_inputs(downloads: dict[str, Any]) -> None:
    at = load_field_portfolio()
    assert "P10" not in built(downloads, "pf_report"), "point inputs: the point report"
    at.session_state[UNCERTAINTY] = {AUDIT: {"success_rate": parse_distribution(SPREAD)}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    ranges = expected_ranges()
    s = ranges.savings_per_month_usd
    assert s.p10 is not None
    assert s.p90 is not None
    report = built(downloads, "pf_report")
    assert f"${s.p10:,.2f} – ${s.p90:,.2f}" in report
    assert "first-pass success: triangular 90.0% – 98.0%, most likely 95.0%" in report
    assert "P(batch saves) (share)" in built(downloads, "pf_csv")


def test_the_same_inputs_give_the_same_ranges_without_a_copy() -> None:
    """The portfolio's ranges live in the one shared store on their inputs, like every other result: a rerun with
    unchanged inputs gets the ranges themselves. Before, `st.cache_data` keyed them on JSON dumps of every row and
    returned an unpickled copy each time."""
    field = data.presets()["portfolio"]
    catalog = data.catalog(batch_discount=field.batch_discount)
    results = scenario_view(field, catalog).results

    def uncertain(spread: str) -> list[UncertainWorkflow]:
        return [
            UncertainWorkflow(
                workflow=r.workflow, uncertain={"success_rate": parse_distribution(spread)} if i == AUDIT else {}
            )
            for i, r in enumerate(results)
        ]

    first = portfolio.portfolio_ranges_cached(uncertain(SPREAD), results, field.finance, field.batch_discount)
    again = portfolio.portfolio_ranges_cached(uncertain(SPREAD), list(results), field.finance, field.batch_discount)
    assert first is not None
    assert again is first
    other = portfolio.portfolio_ranges_cached(uncertain("0.85:0.95:0.99"), results, field.finance, field.batch_discount)
    assert other is not first, "every input is in the key"
