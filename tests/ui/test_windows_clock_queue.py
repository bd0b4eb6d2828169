"""Submission windows, issue 11: with a clock deadline, the processing queue is checked at the clock schedule."""

from __future__ import annotations

from costmodel import formatting
from costmodel.deadlines import check_schedule_queue
from ui import state, windows

from . import helpers
from .helpers import metrics

PAGE = "app_pages/submission_windows.py"


def test_the_queue_is_checked_at_the_clock_schedule_not_the_relative_interval() -> None:
    at = helpers.run_page(PAGE)
    at.toggle(key=windows.CLOCK_KEY).set_value(True).run()
    at.text_input(key=windows.CAL_KEYS["submit_at"]).set_value("12:00, 18:00").run()
    helpers.assert_clean(at)
    calendar = at.session_state[windows.CALENDAR_KEY]
    scenario = at.session_state[state.SCENARIO]
    inputs = windows.plan_inputs(scenario.workflows[0], None)
    assert inputs is not None
    load, check = check_schedule_queue(calendar, ("12:00", "18:00"), inputs, scenario.capacity.limits())
    shown = metrics(at)
    assert shown["Largest gap between submissions"] == formatting.hours(18.0)
    assert shown["Arriving in the largest gap"] == f"{inputs.requests_per_day * 0.4:,.0f}"
    assert shown["In flight at the schedule, worst case"] == f"{load.worst_case_in_flight_requests:,.0f}"
    assert shown["Max requests/day at the schedule"] == f"{check.max_requests_per_day:,.0f}"
    text = next(m.value for m in at.markdown if m.value.startswith("**Processing queue at the clock schedule.**"))
    assert "largest gap between submissions is 18 h" in text


def test_a_schedule_that_overflows_the_tiers_queue_says_so_with_the_fix() -> None:
    at = helpers.run_page(PAGE)
    at.selectbox(key=windows.TIER_KEY).set_value("custom").run()
    at.number_input(key=windows.QUEUE_LIMIT_KEY).set_value(1.0).run()
    at.toggle(key=windows.CLOCK_KEY).set_value(True).run()
    helpers.assert_clean(at)
    text = next(m.value for m in at.markdown if m.value.startswith("**Processing queue at the clock schedule.**"))
    assert "queue overflow" in text
    fixes = next(m.value for m in at.markdown if m.value.startswith("**What would fit the queue:**"))
    assert "add a submission inside the 24 h gap" in fixes
