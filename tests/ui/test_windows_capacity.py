"""Submission windows, issue 11 on screen: the tier's processing queue and the deadline guard."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from costmodel.capacity import CapacitySettings
from costmodel.guard import GuardSettings
from costmodel.sla import SlaInputs, plan_submissions
from ui import windows
from ui.state import SCENARIO

from . import helpers
from .helpers import metrics

PAGE = "app_pages/submission_windows.py"


def _run() -> AppTest:
    return helpers.run_page(PAGE)


def _set(at: AppTest, **values: object) -> AppTest:
    for key, value in values.items():
        at.number_input(key=key).set_value(value)
    at.run()
    helpers.assert_clean(at)
    return at


def test_the_design_check_30_hours_500_a_day_still_gives_4_hour_windows_and_fits_the_queue() -> None:
    at = _set(
        _run(), **{"wf_sla.sla_hours": 30.0, "wf_sla.downstream_hours": 0.0, "wf_sla.safety_margin_hours": 2.0,
                   "wf_volume": 500.0},
    )  # fmt: skip
    shown = metrics(at)
    assert (shown["Recommended interval"], shown["Submissions per day"]) == ("4 h", "6")
    assert shown["Queue limit"] == "500,000"  # no tier given: Scale, the largest
    assert shown["In flight, worst case"] == f"{500 * (4 + 24) / 24:,.0f}"
    assert len(at.success) == 1


def test_two_million_a_day_at_the_scale_tier_overflows_the_queue_with_the_fix() -> None:
    at = _set(_run(), **{"wf_sla.sla_hours": 30.0, "wf_volume": 2_000_000.0})
    assert not at.success
    error = at.error[0].value
    assert "Not feasible" in error or "not feasible" in error
    assert "queue overflow" in error
    fixes = at.markdown[[m.value.startswith("**What would fix it") for m in at.markdown].index(True)].value
    assert "organisations" in fixes
    assert "synchronously" in fixes
    worst = float(metrics(at)["In flight, worst case"].replace(",", ""))
    assert worst >= 2_000_000 > 500_000


def test_the_tier_picker_sets_the_queue_limit_and_reaches_the_scenario() -> None:
    at = _set(_run(), **{"wf_volume": 500.0})
    at.selectbox(key=windows.TIER_KEY).set_value("start").run()
    assert metrics(at)["Queue limit"] == "200,000"
    assert at.session_state[SCENARIO].capacity == CapacitySettings(tier="start")
    at.selectbox(key=windows.TIER_KEY).set_value("custom").run()
    at.number_input(key=windows.QUEUE_LIMIT_KEY).set_value(100.0).run()
    assert metrics(at)["Queue limit"] == "100"
    assert "queue overflow" in at.error[0].value  # 500/day × (I + 24) h / 24 > 100
    assert at.session_state[SCENARIO].capacity.queue_limit_requests == 100


def test_an_untouched_tier_picker_leaves_the_scenario_alone() -> None:
    at = _run()
    assert at.session_state[SCENARIO].capacity == CapacitySettings()
    assert at.session_state[SCENARIO].deadline_guard is None


def test_the_deadline_guard_shows_cutoff_rescue_probability_and_cost() -> None:
    at = _run()
    assert "P(item rescued)" not in metrics(at)
    at.toggle(key=windows.GUARD_KEY).set_value(True).run()
    helpers.assert_clean(at)
    shown = metrics(at)
    assert shown["Rescue cutoff"] not in ("", "none")
    assert shown["P(item rescued)"].endswith("%")
    assert shown["Expected cost incl. rescues"].endswith("/month")
    assert at.session_state[SCENARIO].deadline_guard == GuardSettings()
    at.number_input(key=windows.DRAIN_KEY).set_value(2.0).run()
    assert at.session_state[SCENARIO].deadline_guard == GuardSettings(sync_drain_hours=2.0)


def test_the_retry_assumption_is_stated_on_the_page() -> None:
    at = _run()
    assert any("resubmitted at the next scheduled submission" in c.value for c in at.caption)


def test_queue_tiles_are_the_core_check() -> None:
    inputs = SlaInputs(sla_hours=30.0, requests_per_day=2_000_000.0)
    plan = plan_submissions(inputs, samples=2_000)
    check = windows.queue_check(inputs, plan, CapacitySettings(tier="scale"))
    assert check is not None
    assert not check.queue_feasible
    tiles = {t.label: t.value for t in windows.queue_tiles(check)}
    assert tiles["In flight, worst case"] == f"{check.worst_case_in_flight_requests:,.0f}"
    assert tiles["Max requests/day at this tier"] == f"{500_000 * 24 / (4 + 24):,.0f}"


def test_changed_capacity_is_none_for_an_untouched_picker() -> None:
    assert windows.changed_capacity(CapacitySettings(), "scale", None) is None
    assert windows.changed_capacity(CapacitySettings(), "build", None) == CapacitySettings(tier="build")
    custom = CapacitySettings(tier="custom", queue_limit_requests=10.0)
    assert windows.changed_capacity(custom, "custom", 10.0) is None
    assert windows.changed_capacity(custom, "custom", 20.0) == CapacitySettings(tier="custom", queue_limit_requests=20)
