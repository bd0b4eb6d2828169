"""Issue 12 on the Sync vs batch page: uncertain inputs give intervals, a band, a histogram, a tornado and P(saves)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from costmodel.prices import load_catalog
from costmodel.uncertainty import PilotCounts, UncertainWorkflow, to_text, workflow_ranges
from tests.ui.helpers import app, assert_clean, metrics, open_sections, verdict
from ui import ranges, sharing

SPREAD_TAB = ":material/ssid_chart: Uncertainty"


def _usd(text: str) -> float:
    return float(text.replace("$", "").replace(",", "").replace("−", "-"))  # formatting.usd: −$12.50


@pytest.fixture
def at():  # type: ignore[no-untyped-def]
    return open_sections(app().run(), "uncertainty")


def _deltas(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: str(m.delta) for m in at.metric}


def test_point_inputs_show_no_intervals(at) -> None:  # type: ignore[no-untyped-def]
    assert not any("P10" in d for d in _deltas(at).values())
    assert "P(batch saves)" not in metrics(at)
    at.session_state["compare_tab"] = SPREAD_TAB
    at.run()
    assert any("Every input is a single number" in i.value for i in at.info)


def test_a_pilots_counts_give_medians_intervals_and_the_decisive_input(at) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key="unc_success_rate").set_value("190/200").run()
    assert_clean(at)
    shown, deltas = metrics(at), _deltas(at)
    workflow = at.session_state["bp_scenario"].workflows[0]
    expected = workflow_ranges(
        UncertainWorkflow(workflow=workflow, uncertain={"success_rate": PilotCounts(usable=190, requests=200)}),
        load_catalog(as_of=date.today()).get(workflow.model),
    )
    net = expected.net_savings_per_month_usd
    assert _usd(shown["Net savings"]) == pytest.approx(net.p50, abs=0.01), "the median is the headline"
    assert deltas["Net savings"] == f"P10–P90: ${net.p10:,.2f} – ${net.p90:,.2f}"
    assert "P10–P90" in deltas["Batch spend"]
    assert shown["P(batch saves)"] == f"{expected.probability_batch_saves:.1%}"
    box = next(str(b.value) for b in [*at.success, *at.info, *at.warning] if str(b.value).startswith("**Verdict"))
    assert verdict(at) == "BATCH"
    assert "first-pass success" in box
    assert "your pilot" in box or "pilot" in box
    assert "P(batch saves money)" in box


def test_the_link_carries_the_distributions(at) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key="unc_output_tokens").set_value("600:1100").run()
    token = at.query_params["u"]
    token = token[0] if isinstance(token, list) else token
    shared = sharing.decode(ranges.SharedUncertainty, token)
    assert to_text(shared.uncertain["output_tokens"]) == "600:1100"
    fresh = app()
    fresh.query_params["u"] = token
    fresh.run()
    assert_clean(fresh)
    assert fresh.text_input(key="unc_output_tokens").value == "600:1100"
    assert "P10–P90" in _deltas(fresh)["Net savings"]


def test_band_histogram_and_tornado_are_drawn(at) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key="unc_success_rate").set_value("0.9:0.98")
    at.text_input(key="unc_output_tokens").set_value("600:1100").run()
    assert_clean(at)
    curve = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "P10–P90" in [t.get("name") for t in curve["data"]], "the savings curve carries its band"
    at.session_state["compare_tab"] = SPREAD_TAB
    at.run()
    assert_clean(at)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert titles == ["Net savings across the draws", "What moves net savings (P10 → P90 of each input)"]
    assert any("P(batch saves money)" in m.value for m in at.markdown)


def test_bad_range_text_is_one_line_and_the_point_figures_stand(at) -> None:  # type: ignore[no-untyped-def]
    before = metrics(at)["Net savings"]
    at.text_input(key="unc_success_rate").set_value("high").run()
    assert_clean(at)
    assert any("First-pass success rate" in e.value and "cannot read" in e.value for e in at.error)
    assert metrics(at)["Net savings"] == before
    at.text_input(key="unc_success_rate").set_value("0.5:1.5").run()
    assert_clean(at)
    assert any("success_rate" in e.value for e in at.error)


def test_the_monte_carlo_is_cached_on_its_inputs(at, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []
    real = ranges.simulate

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ranges, "simulate", counting)
    at.text_input(key="unc_input_tokens").set_value("13000:17123").run()
    assert len(calls) == 1
    at.run()
    at.run()
    assert len(calls) == 1, "a rerun with the same inputs draws nothing"


def test_closing_the_section_keeps_the_ranges_in_force(at) -> None:  # type: ignore[no-untyped-def]
    at.text_input(key="unc_success_rate").set_value("190/200").run()
    at.session_state["wf_open_uncertainty"] = False
    at.run()
    assert_clean(at)
    assert not at.text_input, "a closed section draws nothing"
    assert "P10–P90" in _deltas(at)["Net savings"]
    open_sections(at, "uncertainty")
    assert at.text_input(key="unc_success_rate").value == "190/200"


def test_the_saved_scenario_carries_the_ranges(at) -> None:  # type: ignore[no-untyped-def]
    from costmodel.uncertainty import uncertain_scenario_from_json
    from ui import sidebar

    held = at.session_state["bp_uncertainty"]  # the live mapping the Save button was given
    at.text_input(key="unc_success_rate").set_value("190/200").run()
    scenario = at.session_state["bp_scenario"]
    saved = uncertain_scenario_from_json(sidebar._scenario_json(lambda: scenario, held))
    assert saved.workflows[0].uncertain == {"success_rate": PilotCounts(usable=190, requests=200)}
    assert saved.scenario == scenario
    at.text_input(key="unc_success_rate").set_value("").run()
    assert uncertain_scenario_from_json(sidebar._scenario_json(lambda: scenario, held)).workflows[0].uncertain == {}


class _RawLink(BaseModel):
    uncertain: dict[str, Any]


@pytest.mark.parametrize(
    ("uncertain", "says"),
    [
        ({"output_tokens": {"range": [600, 10_000_000]}}, "limit"),  # above the model's output limit
        ({"input_tokens": {"range": [-5, 10]}}, "input_tokens"),
        ({"requests_per_month": {"range": [1, 2]}}, "requests_per_day"),  # the preset gives volume per day
    ],
)
def test_hostile_range_links_are_one_line(uncertain, says) -> None:  # type: ignore[no-untyped-def]
    token = sharing.encode(_RawLink(uncertain=uncertain))  # what a hand-made link could hold
    page = app()
    page.query_params["u"] = token
    page.run()
    assert_clean(page)
    assert any(says in str(m.value) for m in [*page.error, *page.warning])


def test_a_garbage_range_link_warns_and_the_point_figures_stand() -> None:
    page = app()
    page.query_params["u"] = "not-a-link"
    page.run()
    assert_clean(page)
    assert any("could not be used" in w.value for w in page.warning)
    assert "P10–P90" not in " ".join(_deltas(page).values())


def test_planned_savings_and_cost_of_waiting_tiles_carry_their_ranges(at) -> None:  # type: ignore[no-untyped-def]
    from costmodel.recommend import evaluate_workflow

    open_sections(at, "overheads")
    at.number_input(key="wf_delay_cost_per_item_hour_usd").set_value(0.002)
    at.number_input(key="wf_batch_wait_hours").set_value(4.0).run()
    workflow = at.session_state["bp_scenario"].workflows[0]
    field = "requests_per_day" if workflow.requests_per_day is not None else "requests_per_month"
    volume = getattr(workflow, field)
    at.text_input(key=f"unc_{field}").set_value(f"{volume * 0.8:g}:{volume * 1.2:g}").run()
    assert_clean(at)
    shown, deltas = metrics(at), _deltas(at)
    point = at.session_state["bp_scenario"].workflows[0]
    from commands.clock import today

    catalog = load_catalog(as_of=today())
    result = evaluate_workflow(point, catalog)
    expected = workflow_ranges(
        UncertainWorkflow(workflow=point, uncertain={field: f"{volume * 0.8:g}:{volume * 1.2:g}"}),
        catalog.get(point.model),
        verdict=result.recommendation.verdict,
        rescue_probability=result.rescue_probability,
    )
    planned, waiting = expected.planned_savings_per_month_usd, expected.waiting_cost_per_month_usd
    assert planned is not None
    assert result.recommendation.verdict != "sync", "the preset must plan batch work for its savings to spread"
    assert _usd(shown["Planned savings"]) == pytest.approx(planned.p50, abs=0.01), "the median is the headline"
    assert deltas["Planned savings"] == f"P10–P90: ${planned.p10:,.2f} – ${planned.p90:,.2f}"
    assert result.comparison.waiting_cost_per_month_usd > 0, "the preset must price waiting for its cost to spread"
    assert deltas["Cost of waiting"] == f"P10–P90: ${waiting.p10:,.2f} – ${waiting.p90:,.2f}"


def test_routing_prices_a_range_at_the_centre_the_headline_uses(at) -> None:  # type: ignore[no-untyped-def]
    """One page, one workflow: with a success-rate range whose centre (0.80) is not the slider's 95 %, the routing
    tab compares models at the centre, as the headline does, and says so."""
    at.text_input(key="unc_success_rate").set_value("0.7:0.9").run()
    at.session_state["compare_tab"] = ":material/alt_route: Model routing"
    at.run()
    assert_clean(at)
    line = next(m.value for m in at.markdown if "Cheapest option meeting" in m.value)
    assert "(success rate 80.0%)" in line, line
    assert any("priced at their centre" in c.value for c in at.caption)


def test_the_same_uncertain_inputs_give_the_same_view_without_a_copy(catalog) -> None:  # type: ignore[no-untyped-def]
    """The range view lives in the one shared store (`ui.data.shared`): a rerun with unchanged inputs gets the view
    itself. Before, `st.cache_data` keyed it on two JSON dumps and unpickled a fresh copy of its arrays each time."""
    from costmodel.workflow import resolve_pricing
    from tests.costmodel.core_support import check_workflow

    workflow = check_workflow()
    uncertain = UncertainWorkflow(workflow=workflow, uncertain={"success_rate": "0.9:0.98"})
    pricing = resolve_pricing(workflow, catalog)
    first = ranges.view_of(uncertain, pricing)
    again = ranges.view_of(uncertain.model_copy(deep=True), pricing.model_copy(deep=True))
    assert again is first
    assert ranges.view_of(uncertain, pricing, rescue_probability=0.1) is not first, "every input is in the key"
