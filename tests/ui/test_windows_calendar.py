"""Submission windows, issue 11 on screen: a clock deadline in a time zone, the schedule, cron and the week."""

from __future__ import annotations

from datetime import date, time

from streamlit.testing.v1 import AppTest

from costmodel import formatting
from costmodel.deadlines import CalendarInputs, parse_working_days, plan_calendar
from costmodel.sla import SlaInputs
from ui import charts, data, sharing, windows

from . import helpers
from .helpers import app, metrics

PAGE = "app_pages/submission_windows.py"
SYDNEY = CalendarInputs(
    deadline="06:00", timezone="Australia/Sydney", working_days=parse_working_days("mon-fri"),
    arrival_start="08:00", arrival_end="18:00", submit_at=("02:00",),
)  # fmt: skip
"""The seeds' case study: arrivals 08:00–18:00 Sydney on working days, ready by 06:00, submitted at 02:00."""


def _clock_on(at: AppTest) -> AppTest:
    at.toggle(key=windows.CLOCK_KEY).set_value(True).run()
    helpers.assert_clean(at)
    return at


def test_the_clock_deadline_is_off_until_asked_for() -> None:
    at = helpers.run_page(PAGE)
    assert "Guaranteed (worst case)" not in metrics(at)
    assert at.toggle(key=windows.CLOCK_KEY).value is False


def test_the_seeds_case_study_is_not_guaranteed_and_about_99_4_percent_likely() -> None:
    at = _clock_on(helpers.run_page(PAGE))
    at.selectbox(key=windows.CAL_KEYS["timezone"]).set_value("Australia/Sydney")
    at.text_input(key=windows.CAL_KEYS["submit_at"]).set_value("02:00")
    at.run()
    helpers.assert_clean(at)
    shown = metrics(at)
    assert shown["Guaranteed (worst case)"] == "no"
    assert shown["Schedule (local)"] == "02:00"
    assert at.session_state[windows.CALENDAR_KEY] == SYDNEY
    assert any(w.value.startswith("**Not guaranteed.**") for w in at.warning)
    fixes = next(m.value for m in at.markdown if m.value.startswith("**What deadline or arrival cut-off"))
    assert "arrives by" in fixes
    assert "CRON_TZ=Australia/Sydney 0 2 * * 1-5" in at.code[0].value
    assert "UTC" in at.code[0].value
    assert "changes its UTC offset" in at.caption[-1].value or "daylight" in at.caption[-1].value
    assert len(at.get("plotly_chart")) == 2  # the week view joins the timeline (the other plan charts are lazy tabs)


def test_the_probability_shown_is_the_cores_for_the_page_inputs() -> None:
    at = _clock_on(helpers.run_page(PAGE))
    shown = metrics(at)["P(ready by deadline)"]
    inputs = windows.plan_inputs(at.session_state["bp_scenario"].workflows[0], None)
    assert inputs is not None
    default = windows.calendar_inputs(deadline="06:00", timezone="UTC", days="mon-fri", arrivals="hours",
                                      arrival_start="08:00", arrival_end="18:00", submit_at="")[0]  # fmt: skip
    assert default is not None
    plan = plan_calendar(default, inputs, start=data.today())  # the page's clock (UTC), not the machine's date
    assert shown == windows.formatting.probability(plan.ready_by_deadline_probability)


def test_a_bad_schedule_is_one_line_not_a_traceback() -> None:
    at = _clock_on(helpers.run_page(PAGE))
    at.text_input(key=windows.CAL_KEYS["submit_at"]).set_value("25:00")
    at.run()
    helpers.assert_clean(at)
    assert any("submission times" in e.value for e in at.error)
    assert "Guaranteed (worst case)" not in metrics(at)


def test_the_clock_deadline_travels_in_a_shared_link() -> None:
    at = app(PAGE)
    at.query_params["c"] = sharing.encode(SYDNEY)
    at.run()
    helpers.assert_clean(at)
    assert at.toggle(key=windows.CLOCK_KEY).value is True
    assert at.selectbox(key=windows.CAL_KEYS["timezone"]).value == "Australia/Sydney"
    assert at.time_input(key=windows.CAL_KEYS["deadline"]).value == time(6, 0)
    assert metrics(at)["Schedule (local)"] == "02:00"


def test_calendar_inputs_read_midnight_as_the_end_of_the_day_and_uniform_as_the_whole_day() -> None:
    business, _ = windows.calendar_inputs(deadline="06:00", timezone="UTC", days="all", arrivals="hours",
                                          arrival_start="20:00", arrival_end="00:00", submit_at="")  # fmt: skip
    assert business is not None
    assert business.arrival_end == "24:00"
    assert business.working_days == tuple(range(7))
    uniform, _ = windows.calendar_inputs(deadline="06:00", timezone="UTC", days="mon-fri", arrivals="uniform",
                                         arrival_start="08:00", arrival_end="18:00", submit_at="")  # fmt: skip
    assert uniform is not None
    assert (uniform.arrival_start, uniform.arrival_end) == ("00:00", "24:00")
    assert windows.calendar_widget_values(uniform)[windows.CAL_KEYS["arrivals"]] == "uniform"


def test_the_week_view_places_each_day_against_its_deadline() -> None:
    plan = plan_calendar(SYDNEY, SlaInputs(sla_hours=24.0), start=date(2026, 11, 30), samples=20_000)
    figure = windows.calendar_figure(SYDNEY, plan)
    traces = {t.name: t for t in figure.data}
    assert list(traces["arrivals"].y) == [f"{d}'s work" for d in ("mon", "tue", "wed", "thu", "fri")]
    assert next(iter(traces["arrivals"].base)) == 8.0
    deadlines = list(traces["deadline"].x)
    submissions = list(traces["submission"].x)
    assert deadlines[0] == 24 + 6  # Monday's work is due Tuesday 06:00
    assert submissions[0] == 24 + 2  # and submitted Tuesday 02:00
    assert deadlines[-1] == 7 * 24 + 6  # Friday's work is due the next Monday
    worst = [b + x for b, x in zip(traces["worst case: submission → ready"].base,
                                   traces["worst case: submission → ready"].x, strict=True)]  # fmt: skip
    assert all(w > d for w, d in zip(worst, deadlines, strict=True))  # not guaranteed
    assert windows.calendar_tiles(plan)[0].value == "no"
    assert "| mon | tue 06:00 | tue 02:00 | wed 02:00 | no |" in windows.deadline_table(plan)
    assert charts.figure(windows.calendar_figure, SYDNEY, plan) is charts.figure(windows.calendar_figure, SYDNEY, plan)
    assert 0.985 < plan.ready_by_deadline_probability < 0.999


def test_a_hostile_clock_link_warns_and_the_page_still_works() -> None:
    for token in ("not-a-link!!", sharing.encode(SlaInputs(sla_hours=1.0)), "A" * (sharing.MAX_PARAM_CHARS + 1)):
        at = app(PAGE)
        at.query_params["c"] = token
        at.run()
        helpers.assert_clean(at)
        assert at.toggle(key=windows.CLOCK_KEY).value is False
        assert any("could not be used" in w.value for w in at.warning)


def test_the_deadline_guard_at_the_clock_deadline_cuts_off_before_06_00() -> None:
    at = helpers.run_page(PAGE, **{windows.CALENDAR_KEY: SYDNEY})
    at.toggle(key=windows.GUARD_KEY).set_value(True).run()
    helpers.assert_clean(at)
    assert any(m.value.startswith("**Deadline guard at the clock deadline.**") for m in at.markdown)
    cutoffs = [m.value for m in at.metric if m.label == "Rescue cutoff"]
    # submitted 02:00, due 06:00: 4 h − 0.5 h drain − 0.5 h buffer (no downstream in the preset)
    inputs = windows.plan_inputs(at.session_state["bp_scenario"].workflows[0], None)
    assert inputs is not None
    assert cutoffs[-1] == formatting.hours(4.0 - inputs.downstream_hours - 1.0)


def test_a_typo_in_the_clock_deadline_changes_neither_the_deadline_in_force_nor_its_link() -> None:
    """The one write-back rule, as on every form: the clock deadline is on `ui.forms` now. Before, the page wrote
    `?c=` by itself and a typo in the schedule dropped both the deadline in force and its link; switching the clock
    off still removes both."""
    at = _clock_on(helpers.run_page(PAGE))
    at.selectbox(key=windows.CAL_KEYS["timezone"]).set_value("Australia/Sydney")
    at.text_input(key=windows.CAL_KEYS["submit_at"]).set_value("02:00").run()
    assert at.session_state[windows.CALENDAR_KEY] == SYDNEY
    linked = at.query_params["c"]
    at.text_input(key=windows.CAL_KEYS["submit_at"]).set_value("25:99").run()
    helpers.assert_clean(at)
    assert any("cannot be planned" in e.value for e in at.error), "the typo is reported"
    assert at.session_state[windows.CALENDAR_KEY] == SYDNEY, "the deadline in force stays"
    assert at.query_params["c"] == linked, "and so does its link"
    at.toggle(key=windows.CLOCK_KEY).set_value(False).run()
    helpers.assert_clean(at)
    assert at.session_state[windows.CALENDAR_KEY] is None
    assert "c" not in at.query_params
