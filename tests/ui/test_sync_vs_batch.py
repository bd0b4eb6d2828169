"""The Sync vs batch page: real flows through the widgets, links, pilot measurements and bad input."""

from __future__ import annotations

import pytest

from costmodel.measurement import PilotMeasurement
from costmodel.scenario import Scenario
from costmodel.workflow import Workflow
from tests.ui.helpers import app, assert_clean, metrics, open_routing, open_sections, verdict
from ui import sharing, transitions
from ui.state import PILOT_MEASUREMENT, PILOT_ORIGIN, SCENARIO, PilotOrigin

PAGE = "app_pages/sync_vs_batch.py"


def _usd(text: str) -> float:
    return float(text.replace("$", "").replace(",", "").replace("−", "-"))  # formatting.usd: −$12.50


@pytest.fixture
def at():  # type: ignore[no-untyped-def]
    return app().run()


def test_success_rate_moves_savings_and_verdict(at) -> None:  # type: ignore[no-untyped-def]
    assert verdict(at) == "BATCH"
    high = _usd(metrics(at)["Net savings"])
    at.slider(key="wf_success_rate").set_value(60.0).run()
    assert_clean(at)
    low = _usd(metrics(at)["Net savings"])
    assert low < 0 < high
    assert verdict(at) == "SYNC"
    assert any("more than sync" in w.value for w in at.warning)


def test_check_figures_from_design(at) -> None:  # type: ignore[no-untyped-def]
    """DESIGN.md: 500/day × 30, 15k in / 800 out at $3/$15, s = 0.95, route sync, f = 1, no overheads."""
    open_sections(at, "overheads")
    at.segmented_control(key="wf_price_mode").set_value("Custom prices").run()
    at.number_input(key="wf_cp_input_usd_per_mtok").set_value(3.0)
    at.number_input(key="wf_cp_output_usd_per_mtok").set_value(15.0)
    at.number_input(key="wf_refinement_hours").set_value(0.0)
    at.number_input(key="wf_ops_hours_per_month").set_value(0.0).run()
    assert_clean(at)
    shown = metrics(at)
    assert shown["Sync spend"] == "$855.00"
    assert shown["Batch spend"] == "$470.25"
    assert shown["Net savings"] == "$384.75"
    assert shown["Break-even rate"] == "50.0%"


def test_charts_are_drawn(at) -> None:  # type: ignore[no-untyped-def]
    assert len(at.get("plotly_chart")) == 2, "savings curve and waterfall on the open tab"
    open_routing(at)
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1, "the routing chart, drawn only when its tab is open"
    assert any("Cheapest option" in m.value for m in at.markdown)


def test_closed_sections_keep_their_values(at) -> None:  # type: ignore[no-untyped-def]
    open_sections(at, "constraints")
    at.slider(key="wf_urgent_share").set_value(20.0).run()
    at.session_state["wf_open_constraints"] = False
    at.run()
    assert verdict(at) == "HYBRID", "closing a section must not reset what it holds"
    at.slider(key="wf_success_rate").set_value(90.0).run()
    assert verdict(at) == "HYBRID"
    open_sections(at, "constraints")
    assert at.slider(key="wf_urgent_share").value == pytest.approx(20.0)


def test_invalid_input_shows_an_error_next_to_it(at) -> None:  # type: ignore[no-untyped-def]
    open_sections(at, "caching")
    at.number_input(key="wf_cached_input_tokens").set_value(20_000.0).run()
    assert_clean(at)
    errors = " ".join(e.value for e in at.error)
    assert "cached_input_tokens" in errors
    assert "cannot exceed input_tokens" in errors
    caching = next(e for e in at.expander if "Prompt caching" in e.label)
    assert any("cached_input_tokens" in e.value for e in caching.error), "the error sits next to the input"
    assert "Net savings" not in metrics(at)
    at.number_input(key="wf_cached_input_tokens").set_value(5_000.0).run()
    assert "Net savings" in metrics(at), "fixing the input brings the numbers back"


def test_output_over_the_model_limit_is_explained(at) -> None:  # type: ignore[no-untyped-def]
    at.number_input(key="wf_output_tokens").set_value(10_000_000.0).run()
    assert_clean(at)
    assert any("output_tokens" in e.value and "limit" in e.value for e in at.error)


def test_volume_per_month(at) -> None:  # type: ignore[no-untyped-def]
    at.radio(key="wf_volume_unit").set_value("per month")
    at.number_input(key="wf_volume").set_value(15_000.0).run()
    assert_clean(at)
    assert metrics(at)["Sync spend"] == "$855.00"


def test_retry_by_batch_and_failures_on_sync(at) -> None:  # type: ignore[no-untyped-def]
    before = metrics(at)["Batch spend"]
    at.radio(key="wf_retry_route").set_value("batch").run()
    at.number_input(key="wf_max_batch_rounds").set_value(3).run()
    at.toggle(key="wf_failures_on_sync_too").set_value(True).run()
    assert_clean(at)
    assert metrics(at)["Batch spend"] != before


def test_blocking_makes_it_sync(at) -> None:  # type: ignore[no-untyped-def]
    open_sections(at, "constraints")
    at.toggle(key="wf_blocking").set_value(True).run()
    assert verdict(at) == "SYNC"


def test_urgent_share_makes_it_hybrid(at) -> None:  # type: ignore[no-untyped-def]
    open_sections(at, "constraints")
    at.slider(key="wf_urgent_share").set_value(20.0).run()
    assert verdict(at) == "HYBRID"


def test_link_carries_the_workflow(at) -> None:  # type: ignore[no-untyped-def]
    at.slider(key="wf_success_rate").set_value(88.0).run()
    token = at.query_params["w"]
    token = token[0] if isinstance(token, list) else token
    shown = metrics(at)
    assert sharing.decode(Workflow, token).success_rate == pytest.approx(0.88)
    other = app()
    other.query_params["w"] = token
    other.run()
    assert_clean(other)
    assert metrics(other) == shown
    assert other.slider(key="wf_success_rate").value == pytest.approx(88.0)


def test_link_carries_the_assumed_batch_discount() -> None:
    """A model without a published batch rate is priced with the discount the link says, not the default."""
    wf = Workflow(model="claude-opus-4-1", requests_per_day=500, input_tokens=10_000, output_tokens=500)
    default, custom = app(), app()
    for page in (default, custom):
        page.query_params["w"] = sharing.encode(wf)
    custom.query_params["a"] = sharing.encode(sharing.SharedAssumptions(batch_discount=0.4))
    default.run()
    custom.run()
    assert_clean(default)
    assert_clean(custom)
    sync = _usd(metrics(default)["Sync spend"])
    assert _usd(metrics(custom)["Sync spend"]) == pytest.approx(sync)
    # one clean pass at s = 1: batch spend is sync × (1 − discount)
    assert _usd(metrics(default)["Batch spend"]) == pytest.approx(sync * 0.5, abs=0.01)
    assert _usd(metrics(custom)["Batch spend"]) == pytest.approx(sync * 0.6, abs=0.01)
    assert "a" not in default.query_params  # the default discount keeps links short
    token = custom.query_params["a"]
    token = token[0] if isinstance(token, list) else token
    assert sharing.decode(sharing.SharedAssumptions, token).batch_discount == pytest.approx(0.4)


def test_broken_link_warns_and_falls_back() -> None:
    at = app()
    at.query_params["w"] = "garbage"
    at.run()
    assert_clean(at)
    assert any("link" in w.value for w in at.warning)
    assert "Net savings" in metrics(at)


def test_link_with_unknown_model_explains() -> None:
    wf = Workflow(model="claude-nonexistent", requests_per_day=500, input_tokens=1000, output_tokens=100)
    at = app()
    at.query_params["w"] = sharing.encode(wf)
    at.run()
    assert_clean(at)
    assert any("unknown model" in e.value for e in at.error)


HAIKU_SUPPORT_PILOT = PilotMeasurement(
    success_rate=0.8, input_tokens=72, output_tokens=122, median_processing_hours=0.3, p90_processing_hours=0.9,
    request_count=20, batch_count=1,
)  # fmt: skip
"""The issue's case: a Haiku support pilot offered to a Sonnet contract-review workflow (15,000/800 tokens)."""


def _offer(at, *, model: str | None = None, simulated: bool = False):  # type: ignore[no-untyped-def]
    at.session_state[PILOT_MEASUREMENT] = HAIKU_SUPPORT_PILOT
    at.session_state[PILOT_ORIGIN] = PilotOrigin(model=model, simulated=simulated, label="pilot-1")
    at.run()
    next(b for b in at.button if b.label == "Apply pilot measurement").click().run()
    assert_clean(at)
    return at


def test_apply_pilot_measurement_shows_the_changes_and_waits_for_confirmation(at) -> None:  # type: ignore[no-untyped-def]
    before = metrics(at)
    _offer(at)
    table = " ".join(m.value for m in at.markdown)
    assert "| input tokens / request | 15,000 | 72 |" in table
    assert "| output tokens / request | 800 | 122 |" in table
    assert "| first-pass success rate | 95.0% | 80.0% |" in table
    assert metrics(at) == before, "nothing changes before the user confirms"
    assert at.number_input(key="wf_input_tokens").value == pytest.approx(15_000)
    next(b for b in at.button if b.label == "Apply these changes").click().run()
    assert_clean(at)
    assert at.slider(key="wf_success_rate").value == pytest.approx(80.0)
    assert at.number_input(key="wf_input_tokens").value == pytest.approx(72)
    assert metrics(at) != before


def test_cancelling_a_pilot_measurement_changes_nothing(at) -> None:  # type: ignore[no-untyped-def]
    before = metrics(at)
    _offer(at)
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert_clean(at)
    assert metrics(at) == before
    assert not [b for b in at.button if b.label == "Apply these changes"]


def test_a_pilot_on_another_model_is_flagged_and_a_simulated_one_labelled(at) -> None:  # type: ignore[no-untyped-def]
    _offer(at, model="claude-haiku-4-5", simulated=True)
    warnings = " ".join(w.value for w in at.warning)
    assert "The pilot ran on **claude-haiku-4-5**, this workflow uses **claude-sonnet-4-6**" in warnings
    assert "**simulated**" in warnings
    assert any("SIMULATED" in c.value for c in at.caption)


def test_a_pilot_on_the_same_real_model_raises_no_flag(at) -> None:  # type: ignore[no-untyped-def]
    _offer(at, model="claude-sonnet-4-6")
    assert not [w for w in at.warning if "pilot ran on" in w.value or "simulated" in w.value]


def test_a_success_rate_under_half_a_percent_shows_without_crashing() -> None:
    tiny = PilotMeasurement(
        success_rate=0.003, input_tokens=15_000, output_tokens=800, median_processing_hours=0.3,
        p90_processing_hours=0.9,
    )  # fmt: skip
    at = app().run()
    at.session_state[PILOT_MEASUREMENT] = tiny
    at.run()
    next(b for b in at.button if b.label == "Apply pilot measurement").click().run()
    next(b for b in at.button if b.label == "Apply these changes").click().run()
    assert_clean(at)
    assert at.slider(key="wf_success_rate").value == pytest.approx(0.3)
    assert verdict(at) == "SYNC"


def test_custom_prices_and_batch_discount(at) -> None:  # type: ignore[no-untyped-def]
    at.segmented_control(key="wf_price_mode").set_value("Custom prices").run()
    at.slider(key="wf_cp_batch_discount").set_value(0.0).run()
    assert_clean(at)
    assert verdict(at) == "SYNC", "without a discount batch cannot pay for resubmissions and overheads"


def test_routing_quality_bar(at) -> None:  # type: ignore[no-untyped-def]
    open_routing(at)
    at.slider(key="route_quality_bar").set_value(100.0).run()
    assert_clean(at)
    assert any("No model meets the quality bar" in w.value for w in at.warning)
    at.multiselect(key="route_models").set_value([]).run()
    assert any("Pick at least one model" in i.value for i in at.info)


def test_page_alone_shares_the_same_numbers() -> None:
    alone = app(PAGE).run()
    routed = app().run()
    assert metrics(alone) == metrics(routed)


class _BrokenMeasurement(PilotMeasurement):
    """Stands in for a measurement whose numbers cannot go into this workflow."""

    def apply_to(self, workflow: Workflow) -> Workflow:
        raise ValueError("cached_input_tokens cannot exceed input_tokens")


def test_pilot_measurement_that_does_not_fit_is_an_error(at) -> None:  # type: ignore[no-untyped-def]
    at.session_state[PILOT_MEASUREMENT] = _BrokenMeasurement(**HAIKU_SUPPORT_PILOT.model_dump())
    at.run()
    next(b for b in at.button if b.label == "Apply pilot measurement").click().run()
    assert_clean(at)
    assert any("does not fit" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Apply these changes"]
    assert "Net savings" in metrics(at)


def test_no_pilot_button_without_a_measurement(at) -> None:  # type: ignore[no-untyped-def]
    assert not [b for b in at.button if b.label == "Apply pilot measurement"]


PRESET_WITH_HIDDEN_SETTINGS = Workflow(
    name="support analytics", model="claude-sonnet-4-6", requests_per_day=2_000, input_tokens=4_000,
    output_tokens=300, cached_input_tokens=3_000, cache_hit_rate=0.6, batch_cache_hit_rate=0.6,
    ops_hours_per_month=2.0, hourly_rate_usd=110.0, urgent_share=0.15,
)  # fmt: skip
"""A preset whose caching, overheads and urgent share sit in sections that start closed."""


def test_a_presets_hidden_assumptions_are_listed_and_clear_in_one_click() -> None:
    at = app().run()
    at.session_state[SCENARIO] = Scenario(name="preset", workflows=(PRESET_WITH_HIDDEN_SETTINGS,))
    at.run()
    note = " ".join(i.value for i in at.info if i.value.startswith("This workflow assumes"))
    assert "prompt caching of a 3,000-token prefix (60.0% hits on sync, 60.0% on batch)" in note
    assert "overheads $220.00/month" in note
    assert "urgent share 15.0%" in note
    assert verdict(at) == "HYBRID"
    next(b for b in at.button if b.label == "Clear these").click().run()
    assert_clean(at)
    assert not [i for i in at.info if i.value.startswith("This workflow assumes")]
    assert verdict(at) == "BATCH"
    blank = app().run()
    typed = transitions.cleared(PRESET_WITH_HIDDEN_SETTINGS)
    blank.session_state[SCENARIO] = Scenario(name="typed", workflows=(typed,))
    blank.run()
    assert metrics(at) == metrics(blank), "typed over a preset = typed from scratch"
    assert at.number_input(key="wf_input_tokens").value == pytest.approx(4_000), "what the user sees stays"


def test_a_new_blank_workflow_has_no_hidden_settings() -> None:
    at = app("app.py").run()
    at.selectbox(key="sidebar_preset").set_value("blank").run()
    assert_clean(at)
    assert not [i for i in at.info if i.value.startswith("This workflow assumes")]
    assert at.session_state[SCENARIO].workflows[0] == transitions.BLANK_WORKFLOW


# --- issue 10 on screen: the whole bill, prices, cash vs waiting, fresh prices, retired models ---------------

PRICES_TAB = ":material/sell: Prices & one request"


def _open_prices(at):  # type: ignore[no-untyped-def]
    at.session_state["compare_tab"] = PRICES_TAB
    return at.run()


def test_bill_modifiers_are_editable_and_carried_by_the_link(at) -> None:  # type: ignore[no-untyped-def]
    sync_before = _usd(metrics(at)["Sync spend"])
    open_sections(at, "modifiers")
    at.number_input(key="wf_tool_turns").set_value(3).run()
    assert_clean(at)
    assert _usd(metrics(at)["Sync spend"]) == pytest.approx(3 * sync_before, abs=0.01), "3 steps per item: 3x"
    at.number_input(key="wf_web_searches_per_request").set_value(2.0).run()
    # Anthropic: web search $10 per 1,000 searches, no batch discount (pricing page, 2026-11)
    fees = 3 * 2 * 10 / 1000 * 500 * 30
    assert _usd(metrics(at)["Sync spend"]) == pytest.approx(3 * sync_before + fees, abs=0.01)
    at.selectbox(key="wf_tool_choice").set_value("auto")
    at.number_input(key="wf_thinking_tokens").set_value(1000.0)
    at.radio(key="wf_inference_geo").set_value("us")
    at.toggle(key="wf_batch_output_beta").set_value(True).run()
    assert_clean(at)
    token = at.query_params["w"]
    shared = sharing.decode(Workflow, token[0] if isinstance(token, list) else token)
    assert (shared.tool_turns, shared.web_searches_per_request, shared.tool_choice) == (3, 2.0, "auto")
    assert (shared.thinking_tokens, shared.inference_geo, shared.batch_output_beta) == (1000.0, "us", True)


def test_fast_mode_on_a_model_without_it_is_one_line(at) -> None:  # type: ignore[no-untyped-def]
    open_sections(at, "modifiers")
    at.radio(key="wf_speed").set_value("fast").run()
    assert_clean(at)
    assert any("speed" in e.value and "fast mode" in e.value for e in at.error)


def test_prices_tab_shows_sync_and_batch_per_mtok_and_one_request(at) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from costmodel.cost import request_costs
    from costmodel.formatting import usd_small
    from costmodel.prices import load_catalog

    _open_prices(at)
    assert_clean(at)
    text = "\n".join(m.value for m in at.markdown)
    # Claude Sonnet 4.6: $3 / $15 per MTok, cache write 5 min $3.75, 1 h $6, read $0.30; batch half (pricing page)
    assert "| Input | $3.00 | $1.50 |" in text
    assert "| Output (thinking included) | $15.00 | $7.50 |" in text
    assert "| Cache write 5 min | $3.75 | $1.88 |" in text or "| Cache write 5 min | $3.75 | $1.875" in text
    assert "| Cache write 1 h | $6.00 | $3.00 |" in text
    assert "| Cache read | $0.30 | $0.15 |" in text
    workflow = at.session_state["bp_scenario"].workflows[0]
    rc = request_costs(workflow, load_catalog(as_of=date.today()).get(workflow.model))
    assert f"**{usd_small(rc.sync_usd)}**" in text  # $0.057: one request's cost in the one formatting
    assert f"**{usd_small(rc.batch_usd)}**" in text  # $0.0285
    assert "Price data dated **" in text
    assert "evaluated for **" in text
    assert "caching pays in batch above a hit rate of" in text


def test_stale_price_data_warns_on_the_page(at, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from costmodel.prices import PriceSource

    monkeypatch.setattr(PriceSource, "stale_warning", property(lambda self: "price data may be stale: test"))
    _open_prices(at)
    assert any("Price data may be stale" in w.value for w in at.main.warning)
    assert any("Price data may be stale" in w.value for w in at.sidebar.warning), "every page's sidebar says so too"


def test_cash_and_the_cost_of_waiting_are_apart(at) -> None:  # type: ignore[no-untyped-def]
    open_sections(at, "overheads")
    at.number_input(key="wf_delay_cost_per_item_hour_usd").set_value(0.01)
    at.number_input(key="wf_batch_wait_hours").set_value(2.0).run()
    assert_clean(at)
    shown = metrics(at)
    waiting = _usd(shown["Cost of waiting"])
    assert waiting == pytest.approx(0.01 * 2.0 * 500 * 30)
    assert _usd(shown["Net benefit"]) == pytest.approx(_usd(shown["Net savings"]) - waiting, abs=0.01)
    assert _usd(shown["Sync spend"]) - _usd(shown["Batch spend"]) == pytest.approx(_usd(shown["Net savings"]), abs=0.01)


def test_retired_models_are_hidden_unless_asked_and_a_plan_on_one_warns(at) -> None:  # type: ignore[no-untyped-def]
    assert "claude-3-haiku" not in at.selectbox(key="wf_model").options
    at.toggle(key="sidebar_show_retired").set_value(True).run()
    assert_clean(at)
    options = at.selectbox(key="wf_model").options
    assert any("claude-3-haiku" in o and "(retired)" in o for o in options)
    at.selectbox(key="wf_model").set_value("claude-3-haiku").run()
    assert_clean(at)
    assert "is retired" in " ".join(str(b.value) for b in [*at.success, *at.info, *at.warning])


class _OfflineUpdater:
    """genai-prices' UpdatePrices as it behaves without the internet: the fetch's error comes out of wait()."""

    def start(self, *, wait: bool = False) -> None:
        pass

    def wait(self, timeout: float | None = None) -> bool:
        raise ConnectionError("[Errno -3] Temporary failure in name resolution")

    def stop(self) -> None:
        pass


def test_refresh_prices_offline_says_why_and_keeps_the_bundled_data(at, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import genai_prices

    monkeypatch.setattr(genai_prices, "UpdatePrices", _OfflineUpdater)  # never the network
    before = metrics(at)["Sync spend"]
    at.toggle(key="sidebar_refresh_prices").set_value(True).run()
    assert_clean(at)
    assert any("price refresh failed" in w.value.lower() and "bundled" in w.value for w in at.sidebar.warning)
    assert at.toggle(key="sidebar_refresh_prices").value is False, "switched back off: nothing was refreshed"
    assert metrics(at)["Sync spend"] == before


def test_the_curves_current_marker_sits_on_the_curve_when_waiting_costs(at) -> None:  # type: ignore[no-untyped-def]
    import json

    open_sections(at, "overheads")
    at.number_input(key="wf_delay_cost_per_item_hour_usd").set_value(0.01)
    at.number_input(key="wf_batch_wait_hours").set_value(2.0).run()
    curve, marker = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][:2]
    assert marker["y"][0] == pytest.approx(_usd(metrics(at)["Net benefit"]), abs=0.01), "the verdict's figure"
    at_rate = min(zip(curve["x"], curve["y"], strict=True), key=lambda p: abs(p[0] - marker["x"][0]))
    assert marker["y"][0] == pytest.approx(at_rate[1], abs=1.0)


def test_routing_rates_editor_runs_only_open_and_its_edits_outlive_closing_it(at) -> None:  # type: ignore[no-untyped-def]
    """The per-model rates editor is lazy (no data editor while closed: the routing tab's rerun budget); a rate
    set in it still prices its model after the editor closes, and rows left alone follow the workflow's rate."""
    open_routing(at)
    assert not at.dataframe, "closed: the rates editor is not drawn"
    at.session_state["route_rates_open"] = True
    at.run()
    assert len(at.dataframe) == 1
    chosen = at.multiselect(key="route_models").value
    key = f"route_rates_{len(chosen)}"
    at.session_state[key] = {"edited_rows": {0: {"Success rate %": 40.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert_clean(at)
    kept = at.session_state["bp_route_rates"]
    assert kept == {chosen[0]: 40.0}, kept
    at.session_state["route_rates_open"] = False
    at.run()
    assert_clean(at)
    assert not at.dataframe
    assert at.session_state["bp_route_rates"] == {chosen[0]: 40.0}, "closing the editor keeps the rate"
    at.session_state["route_rates_open"] = True
    at.run()
    shown = at.dataframe[0].value["Success rate %"].tolist()
    assert shown[0] == 40.0, "reopened: the kept rate"
    assert shown[1:] == [95.0] * (len(chosen) - 1), "rows left alone follow the workflow's rate"
