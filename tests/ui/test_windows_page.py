"""The submission-windows page in AppTest: renders alone, infeasible and soft SLAs, workflows, shared links."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from costmodel.measurement import PilotMeasurement
from costmodel.scenario import Scenario
from costmodel.workflow import SlaSpec, Workflow
from ui import sharing, widgets, windows
from ui.data import presets
from ui.state import PILOT_MEASUREMENT, PILOT_ORIGIN, SCENARIO, PilotOrigin

from . import helpers
from .helpers import app, assert_clean, metrics

PAGE = "app_pages/submission_windows.py"


def run_page(**session: object) -> AppTest:
    return helpers.run_page(PAGE, **session)


KEYS = {
    "sla_hours": widgets.sla_key("sla_hours"),
    "kind": widgets.sla_key("kind"),
    "max_miss_percent": widgets.sla_key("max_miss_probability"),
    "safety_margin_hours": widgets.sla_key("safety_margin_hours"),
    "downstream_hours": widgets.sla_key("downstream_hours"),
    "batch_rounds": "wf_tool_turns",  # retry route sync: rounds = client tool turns
    "requests_per_day": "wf_volume",
    "median_minutes": widgets.sla_key("median_processing_hours"),
}
"""Test name → widget key of the one workflow form (the windows page draws WINDOWS_LAYOUT)."""


def set_sla(at: AppTest, **values: object) -> AppTest:
    for name, value in values.items():
        widget = at.radio(key=KEYS[name]) if name == "kind" else at.number_input(key=KEYS[name])
        widget.set_value(value)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_renders_alone_with_the_default_scenario() -> None:
    at = run_page()
    assert at.title[0].value == "Submission windows"
    assert len(at.success) == 1
    assert "Recommended interval" in metrics(at)
    assert len(at.get("plotly_chart")) == 1, "lazy chart tabs: only the open one (the timeline) is drawn"
    for tab in windows.CHART_TABS[1:]:
        at.session_state[windows.CHART_TAB_KEY] = tab
        assert len(at.run().get("plotly_chart")) == 1, tab


def test_design_check_figure_30_hours_gives_4_hour_windows() -> None:
    at = set_sla(run_page(), sla_hours=30.0, downstream_hours=0.0, safety_margin_hours=2.0, batch_rounds=1)
    shown = metrics(at)
    assert shown["Recommended interval"] == "4 h"
    assert shown["Submissions per day"] == "6"


def test_infeasible_hard_sla_shows_reason_and_fixes_without_exception() -> None:
    at = set_sla(run_page(), sla_hours=8.0, kind="hard")
    assert "Not feasible" in at.error[0].value
    assert "Not guaranteed: 1 round(s) × 24 h" in at.error[0].value
    fixes = " ".join(m.value for m in at.markdown)
    assert "What would fix it" in fixes
    assert "lengthen the SLA" in fixes
    assert metrics(at)["Recommended interval"] == "–"
    at.session_state[windows.CHART_TAB_KEY] = windows.CHART_TABS[1]  # the typical-latency tab
    assert any("no typical case" in i.value for i in at.run().info)


def test_soft_sla_shows_its_miss_probability() -> None:
    at = set_sla(run_page(), kind="soft")  # the miss budget is editable only for a soft SLA
    at = set_sla(at, sla_hours=8.0, max_miss_percent=2.0)
    shown = metrics(at)
    assert shown["P(miss SLA)"].endswith("%")
    assert "soft SLA" in at.success[0].value
    miss_help = next(m for m in at.metric if m.label == "P(miss SLA)").help
    assert "budget 2.00%" in miss_help


def test_changing_the_sla_changes_the_recommended_interval() -> None:
    at = set_sla(run_page(), sla_hours=30.0, batch_rounds=1, downstream_hours=0.0, safety_margin_hours=2.0)
    before = metrics(at)["Recommended interval"]
    at = set_sla(at, sla_hours=50.0)
    assert metrics(at)["Recommended interval"] != before
    assert metrics(at)["Recommended interval"] == "24 h"


def test_workflow_selector_seeds_inputs_from_the_chosen_workflow() -> None:
    scenario = Scenario(
        name="two",
        workflows=(
            Workflow(name="a", requests_per_day=500, input_tokens=1_000, output_tokens=100, sla=SlaSpec(sla_hours=30)),
            Workflow(name="b", requests_per_day=900, input_tokens=1_000, output_tokens=100, sla=SlaSpec(sla_hours=72)),
        ),
    )
    at = run_page(**{SCENARIO: scenario})
    assert at.number_input(key=KEYS["sla_hours"]).value == 30.0
    at.selectbox[0].set_value(1).run()
    assert at.number_input(key=KEYS["sla_hours"]).value == 72.0
    assert at.number_input(key=KEYS["requests_per_day"]).value == 900.0


def test_an_untouched_first_visit_leaves_the_url_alone() -> None:
    """Writing the URL on a deep link's first run shows Streamlit's spurious "Page not found" dialog."""
    assert "w" not in run_page().query_params


def test_inputs_travel_in_the_url_as_the_workflow() -> None:
    at = set_sla(run_page(), sla_hours=50.0)
    at.selectbox(key=windows.INTERVAL_KEY).set_value(6.0).run()
    workflow = sharing.decode(Workflow, _param(at, "w"))
    assert workflow.sla is not None
    assert workflow.sla.sla_hours == 50.0
    assert sharing.decode(windows.IntervalChoice, _param(at, "i")).interval_hours == 6.0


def _param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def test_a_shared_link_reproduces_the_inputs() -> None:
    shared = Workflow(
        name="shared", requests_per_day=2_000, input_tokens=1_000, output_tokens=100,
        sla=SlaSpec(sla_hours=40.0, kind="soft"),
    )  # fmt: skip
    at = app(PAGE)
    at.query_params["w"] = sharing.encode(shared)
    at.query_params["i"] = sharing.encode(windows.IntervalChoice(interval_hours=6.0))
    at.run()
    assert not at.exception
    assert at.number_input(key=KEYS["sla_hours"]).value == 40.0
    assert at.radio(key=KEYS["kind"]).value == "soft"
    assert metrics(at)["Submissions per day"] == "4"


def test_a_broken_link_warns_and_the_page_still_works() -> None:
    at = app(PAGE)
    at.query_params["w"] = "not-a-link"
    at.run()
    assert not at.exception
    assert any("could not be used" in w.value for w in at.warning)
    assert "Recommended interval" in metrics(at)


def test_pre_merge_preset_is_infeasible_without_exception() -> None:
    at = run_page(**{SCENARIO: presets()["pre-merge-check"]})
    assert "Not feasible" in at.error[0].value


def test_a_pilot_measurement_replaces_the_assumptions() -> None:
    measurement = PilotMeasurement(
        input_tokens=1_000, output_tokens=100, median_processing_hours=0.5, p90_processing_hours=2.0, batch_count=3
    )
    at = run_page(**{PILOT_MEASUREMENT: measurement})
    assert any(c.value.startswith("Typical-case assumptions") for c in at.caption)
    next(b for b in at.button if b.label.startswith("Use the pilot")).click().run()
    assert_clean(at)
    helpers.open_sections(at, "timing")
    assert at.number_input(key=KEYS["median_minutes"]).value == 30.0
    assert any(c.value.startswith("Typical case: measured by the pilot (3 batch(es)") for c in at.caption)
    assert not [b for b in at.button if b.label.startswith("Use the pilot")], "nothing left to apply"


def test_chosen_interval_longer_than_the_maximum_is_infeasible_with_its_reason() -> None:
    at = set_sla(run_page(), sla_hours=30.0, downstream_hours=0.0, safety_margin_hours=2.0, batch_rounds=1)
    at.selectbox(key=windows.INTERVAL_KEY).set_value(8.0).run()
    assert_clean(at)
    assert "The chosen 8 h interval is longer than the 4 h maximum" in at.error[0].value
    assert metrics(at)["Worst-case latency"] == "32 h"


def test_inputs_survive_a_visit_to_another_page() -> None:
    at = app("app.py").run()
    at.switch_page(PAGE).run()
    at = set_sla(at, sla_hours=50.0, downstream_hours=3.0)
    at.switch_page("app_pages/portfolio.py").run()
    assert_clean(at)
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert at.number_input(key=KEYS["sla_hours"]).value == 50.0
    assert at.number_input(key=KEYS["downstream_hours"]).value == 3.0


def test_a_simulated_pilot_turnaround_is_labelled() -> None:
    measurement = PilotMeasurement(
        input_tokens=1_000, output_tokens=100, median_processing_hours=0.5, p90_processing_hours=2.0, batch_count=3
    )
    origin = PilotOrigin(model="claude-haiku-4-5", simulated=True)
    at = run_page(**{PILOT_MEASUREMENT: measurement, PILOT_ORIGIN: origin})
    next(b for b in at.button if b.label == "Use the pilot's measured turnaround (simulated)").click().run()
    assert_clean(at)
    assert any("SIMULATED by the sandbox" in c.value for c in at.caption)


def test_an_untyped_measurement_is_ignored_not_probed() -> None:
    at = run_page(**{PILOT_MEASUREMENT: {"median_processing_hours": 0.5}})
    assert not [b for b in at.button if b.label.startswith("Use the pilot")]


def test_the_formulas_are_built_only_while_their_section_is_open() -> None:
    from tests.ui.helpers import app as _app

    at = _app().run()
    at.switch_page("app_pages/submission_windows.py").run()
    assert not [m for m in at.markdown if "I_max = S − R·W − D − M" in m.value], "closed: nothing built or sent"
    at.session_state["win_open_formulas"] = True
    at.run()
    assert [m for m in at.markdown if "I_max = S − R·W − D − M" in m.value], "open: the formulas and assumptions"
