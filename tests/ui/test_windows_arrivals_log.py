"""Submission windows, issue 11: the clock deadline's arrivals as in the request log imported on Usage."""

from __future__ import annotations

import csv
from datetime import date, datetime

from costmodel.deadlines import CalendarInputs, hourly_profile_from_timestamps, plan_calendar
from ui import state, windows
from ui.usage_load import SAMPLES_DIR

from . import helpers
from .helpers import app, metrics

LOG = SAMPLES_DIR / "request_log_2026-10.csv"
ZONE = "Australia/Sydney"
PAGE_WINDOWS = "app_pages/submission_windows.py"


def _log_timestamps() -> list[datetime]:
    with LOG.open(encoding="utf-8", newline="") as handle:
        return [datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")) for row in csv.DictReader(handle)]


def test_a_log_loaded_on_usage_gives_the_windows_page_its_arrivals() -> None:
    at = app("app.py").run()
    at.switch_page("app_pages/usage.py").run()  # opens on the sample request log
    helpers.assert_clean(at)
    log = at.session_state[state.REQUEST_LOG_ARRIVALS]
    assert isinstance(log, state.RequestLogArrivals)
    assert log.requests == len(_log_timestamps()) == 1500
    at.switch_page("app_pages/submission_windows.py").run()
    at.toggle(key=windows.CLOCK_KEY).set_value(True).run()
    helpers.assert_clean(at)
    radio = at.radio(key=windows.CAL_KEYS["arrivals"])
    assert "As in the imported log (1,500 requests)" in radio.options  # AppTest lists the labels
    at.selectbox(key=windows.CAL_KEYS["timezone"]).set_value(ZONE)
    radio.set_value(windows.LOG_ARRIVALS)
    at.run()
    helpers.assert_clean(at)
    assert at.radio(key=windows.CAL_KEYS["days"]).disabled

    # the core's figure for the profile learned straight from the log's timestamps (as the CLI's --arrivals-from)
    profile = hourly_profile_from_timestamps(_log_timestamps(), ZONE)
    calendar = at.session_state[windows.CALENDAR_KEY]
    expected = CalendarInputs(deadline="06:00", timezone=ZONE, hourly_profile=profile.weights,
                              working_days=profile.working_days)  # fmt: skip
    assert calendar == expected
    assert calendar.hourly_profile != CalendarInputs(deadline="06:00", timezone="UTC").hourly_profile
    inputs = windows.plan_inputs(at.session_state[state.SCENARIO].workflows[0], None)
    assert inputs is not None
    plan = plan_calendar(expected, inputs, start=date.today())
    assert metrics(at)["P(ready by deadline)"] == windows.formatting.probability(plan.ready_by_deadline_probability)


def test_without_an_imported_log_the_choice_is_not_offered() -> None:
    at = helpers.run_page("app_pages/submission_windows.py")
    at.toggle(key=windows.CLOCK_KEY).set_value(True).run()
    helpers.assert_clean(at)
    assert not [o for o in at.radio(key=windows.CAL_KEYS["arrivals"]).options if "imported log" in o]


def test_a_link_with_a_log_profile_keeps_it_without_the_log() -> None:
    from ui import sharing

    profile = tuple([0.0] * 8 + [0.1] * 10 + [0.0] * 6)
    linked = CalendarInputs(deadline="06:00", timezone=ZONE, hourly_profile=profile)
    at = app(PAGE_WINDOWS)
    at.query_params["c"] = sharing.encode(linked)
    at.run()
    helpers.assert_clean(at)
    assert at.toggle(key=windows.CLOCK_KEY).value is True
    radio = at.radio(key=windows.CAL_KEYS["arrivals"])
    assert radio.value == windows.LOG_ARRIVALS
    assert "As in the link's hourly profile" in radio.options
    assert at.session_state[windows.CALENDAR_KEY] == linked
    at.text_input(key=windows.CAL_KEYS["submit_at"]).set_value("02:00").run()  # another edit keeps the profile
    helpers.assert_clean(at)
    assert at.session_state[windows.CALENDAR_KEY].hourly_profile == profile
    assert "P(ready by deadline)" in metrics(at)
