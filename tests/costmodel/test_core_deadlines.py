"""Clock deadlines in a time zone: the guarantee, the typical-case probability, cron lines, arrival profiles."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from costmodel.deadlines import CalendarInputs, hourly_profile_from_timestamps, parse_working_days, plan_calendar
from costmodel.sla import Z90, SlaInputs
from tests.costmodel.core_support import run_cli

START = date(2026, 11, 30)  # a Monday; Sydney is on daylight time (UTC+11) until 2027-04-04
SAMPLES = 200_000
SYDNEY = CalendarInputs(
    deadline="06:00", timezone="Australia/Sydney", working_days=parse_working_days("mon-fri"),
    arrival_start="08:00", arrival_end="18:00", submit_at=("02:00",),
)  # fmt: skip
DEFAULTS = SlaInputs(sla_hours=24, safety_margin_hours=0.0)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_the_case_study_is_not_guaranteed_and_about_99_4_percent_typical() -> None:
    plan = plan_calendar(SYDNEY, DEFAULTS, start=START, samples=SAMPLES)
    assert not plan.guaranteed
    monday = plan.deadlines[0]
    assert (monday.arrival_day, monday.due, monday.last_submission, monday.worst_case_ready) == (
        "mon", "tue 06:00", "tue 02:00", "wed 02:00",
    )  # fmt: skip
    assert monday.slack_hours == pytest.approx(-20.0)
    # every item of the night's batch has 4 h: P(lognormal ≤ 4 h) × (1 − expired share)
    sigma = math.log(1.0 / 0.25) / Z90
    turnaround_alone = _normal_cdf(math.log(4 / 0.25) / sigma)
    assert turnaround_alone == pytest.approx(0.995, abs=0.0005)
    expected = turnaround_alone * (1 - 0.001)
    assert expected == pytest.approx(0.994, abs=0.0005)
    tolerance = 4 * math.sqrt(expected * (1 - expected) / SAMPLES)
    assert plan.ready_by_deadline_probability == pytest.approx(expected, abs=tolerance)
    assert all(c.ready_probability == pytest.approx(expected, abs=3 * tolerance) for c in plan.deadlines)


def test_a_guaranteed_0600_deadline_for_work_until_1800_is_impossible_and_the_fix_says_what_would_be() -> None:
    plan = plan_calendar(SYDNEY.model_copy(update={"submit_at": None}), DEFAULTS, start=START, samples=20_000)
    assert plan.schedule_local == plan.recommended_schedule_local == ("18:00",)  # submit as arrivals close
    assert not plan.guaranteed  # 18:00 + 24 h is 18:00 the next day, after 06:00
    fixes = " | ".join(plan.fixes)
    assert "a deadline of 18:00 the next day" in fixes
    assert "keep 06:00 for work that arrives by 06:00 1 day(s) before it" in fixes
    with_margin = plan_calendar(SYDNEY, SlaInputs(sla_hours=24), start=START, samples=20_000)
    assert "a deadline of 20:00 the next day" in " | ".join(with_margin.fixes)  # the 2 h margin counts


def test_the_fix_holds() -> None:
    fixed = SYDNEY.model_copy(update={"deadline": "18:00", "submit_at": ("18:00",)})
    plan = plan_calendar(fixed, DEFAULTS, start=START, samples=20_000)
    assert plan.guaranteed
    assert plan.fixes == ()
    assert [c.due for c in plan.deadlines] == ["tue 18:00", "wed 18:00", "thu 18:00", "fri 18:00", "mon 18:00"]
    assert min(c.slack_hours for c in plan.deadlines) == pytest.approx(0.0)
    assert plan.ready_by_deadline_probability > 0.998


def test_cron_lines_in_local_time_and_in_utc_for_each_offset() -> None:
    plan = plan_calendar(SYDNEY, DEFAULTS, start=START, samples=5_000)
    assert plan.cron_local == "CRON_TZ=Australia/Sydney 0 2 * * 1-5"
    # 02:00 Mon-Fri in Sydney is 15:00 (UTC+11) or 16:00 (UTC+10) on Sun-Thu in UTC
    assert plan.cron_utc[0].startswith("0 15 * * 0-4")
    assert plan.cron_utc[1].startswith("0 16 * * 0-4")
    assert "2027-04-04" in plan.dst_note
    assert "2027-10-03" in plan.dst_note
    tokyo = plan_calendar(
        CalendarInputs(deadline="09:00", timezone="Asia/Tokyo", submit_at=("18:30", "06:30")), DEFAULTS,
        start=START, samples=5_000,
    )  # fmt: skip
    assert tokyo.cron_local == "CRON_TZ=Asia/Tokyo 30 6,18 * * *"
    assert tokyo.cron_utc == ("30 9,21 * * *  # while Asia/Tokyo is UTC+09:00",)
    assert "one UTC offset" in tokyo.dst_note


def test_a_wall_clock_day_is_23_hours_when_the_clocks_go_forward() -> None:
    # London springs forward on Sunday 2027-03-28: Saturday 17:00 → Sunday 17:00 is 23 real hours
    london = CalendarInputs(deadline="17:00", timezone="Europe/London", arrival_start="09:00", arrival_end="17:00",
                            submit_at=("17:00",))  # fmt: skip
    plan = plan_calendar(london, DEFAULTS, start=date(2027, 3, 22), samples=20_000)
    by_day = {c.arrival_day: c for c in plan.deadlines}
    assert by_day["sat"].slack_hours == pytest.approx(-1.0)
    assert not by_day["sat"].guaranteed
    assert by_day["mon"].guaranteed
    assert not plan.guaranteed
    calm = plan_calendar(london, DEFAULTS, start=date(2027, 5, 3), samples=20_000)
    assert calm.guaranteed


def test_friday_work_is_due_on_monday_on_working_days() -> None:
    plan = plan_calendar(SYDNEY, DEFAULTS, start=START, samples=5_000)
    friday = plan.deadlines[-1]
    assert (friday.arrival_day, friday.due, friday.last_submission) == ("fri", "mon 06:00", "mon 02:00")
    every_day = plan_calendar(SYDNEY.model_copy(update={"working_days": tuple(range(7))}), DEFAULTS, start=START,
                              samples=5_000)  # fmt: skip
    assert [c.arrival_day for c in every_day.deadlines] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert every_day.cron_local.endswith("0 2 * * *")


def test_later_rounds_wait_for_the_next_submission() -> None:
    one = plan_calendar(SYDNEY, DEFAULTS, start=START, samples=50_000)
    two = plan_calendar(SYDNEY, DEFAULTS.model_copy(update={"batch_rounds": 2}), start=START, samples=50_000)
    # the second round goes at the next night's 02:00: a day late for every item
    assert two.ready_by_deadline_probability == 0.0
    assert two.deadlines[0].worst_case_ready == "thu 02:00"
    assert one.ready_by_deadline_probability > 0.99


def test_an_hourly_profile_learned_from_timestamps() -> None:
    # 10:00 and 11:00 UTC on a Monday are 21:00 and 22:00 in Sydney (UTC+11)
    stamps = [datetime(2026, 11, 30, 10, 15, tzinfo=UTC)] * 3 + [datetime(2026, 11, 30, 11, 0)]
    profile = hourly_profile_from_timestamps(stamps, "Australia/Sydney")
    assert profile.requests == 4
    assert profile.weights[21] == pytest.approx(0.75)
    assert profile.weights[22] == pytest.approx(0.25)
    assert profile.weekday_shares[0] == pytest.approx(1.0)
    assert profile.working_days == (0,)
    calendar = CalendarInputs(deadline="06:00", timezone="Australia/Sydney", hourly_profile=profile.weights)
    assert calendar.close_hours() == 23.0
    plan = plan_calendar(calendar, DEFAULTS, start=START, samples=20_000)
    assert plan.schedule_local == ("23:00",)
    with pytest.raises(ValueError, match="no timestamps"):
        hourly_profile_from_timestamps([], "UTC")


def test_arrivals_follow_the_profile() -> None:
    # all arrivals in 05:00-06:00 and a 06:00 deadline submitted every hour: most are ready in time
    weights = tuple(1.0 if h == 5 else 0.0 for h in range(24))
    hourly = tuple(f"{h:02d}:00" for h in range(24))
    calendar = CalendarInputs(deadline="07:00", timezone="UTC", hourly_profile=weights, submit_at=hourly)
    plan = plan_calendar(calendar, DEFAULTS.model_copy(update={"expired_share": 0.0}), start=START, samples=50_000)
    # submitted at 06:00, due 07:00: P(turnaround ≤ 1 h) = 0.9
    assert plan.ready_by_deadline_probability == pytest.approx(0.9, abs=0.01)


@pytest.mark.parametrize(
    ("text", "days"),
    [("mon-fri", (0, 1, 2, 3, 4)), ("all", tuple(range(7))), ("fri-mon", (0, 4, 5, 6)), ("Mon,Wed,Friday", (0, 2, 4))],
)
def test_parse_working_days(text: str, days: tuple[int, ...]) -> None:
    assert parse_working_days(text) == days


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"deadline": "6am"}, "not a clock time"),
        ({"timezone": "Mars/Base"}, "unknown time zone"),
        ({"arrival_start": "18:00", "arrival_end": "08:00"}, "end must be after the start"),
        ({"hourly_profile": (0.0,) * 24}, "24 non-negative weights"),
        ({"submit_at": ("25:00",)}, "submission times"),
    ],
)
def test_bad_inputs_say_what_to_fix(fields: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"deadline": "06:00", "timezone": "UTC"}
    with pytest.raises(ValidationError, match=message):
        CalendarInputs(**{**base, **fields})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="day names"):
        parse_working_days("weekdays")


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, "sla", *argv)


def test_cli_clock_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--deadline", "06:00", "--timezone", "Australia/Sydney", "--working-days", "mon-fri",
             "--arrivals", "08:00-18:00", "--submit-at", "02:00", "--start-date", START.isoformat(),
             "--safety-margin-hours", "0"]  # fmt: skip
    code, out, err = _cli(capsys, *flags, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["guaranteed"] is False
    assert data["ready_by_deadline_probability"] == pytest.approx(0.9938, abs=0.0005)
    assert data["schedule_local"] == ["02:00"]
    assert data["cron_local"] == "CRON_TZ=Australia/Sydney 0 2 * * 1-5"
    assert data["cron_utc"][0].startswith("0 15 * * 0-4")
    code, out, _ = _cli(capsys, *flags)
    assert "guaranteed (worst case)        NO" in out
    assert "wed 02:00" in out


def test_cli_learns_arrivals_from_a_request_log(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    log.write_text("".join(json.dumps({"timestamp": (monday + timedelta(minutes=k)).isoformat()}) + "\n"
                           for k in range(50)))  # fmt: skip
    code, out, err = _cli(capsys, "--deadline", "09:00", "--timezone", "UTC", "--arrivals-from", str(log),
                          "--start-date", START.isoformat(), "--json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["schedule_local"] == ["10:00"]  # arrivals 09:00-10:00 close at 10:00
    assert [c["arrival_day"] for c in data["deadlines"]] == ["mon"]  # working days seen in the log
    code, out, err = _cli(capsys, "--deadline", "09:00", "--timezone", "UTC", "--arrivals-from", str(log),
                          "--working-days", "mon-fri", "--start-date", START.isoformat(), "--json")  # fmt: skip
    assert len(json.loads(out)["deadlines"]) == 5
    code, out, err = _cli(capsys, "--deadline", "09:00", "--timezone", "Nowhere/City", "--arrivals-from", str(log))
    assert code == 2
    assert "unknown time zone" in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--requests-per-day", "5"], "missing --sla-hours"),
        (["--deadline", "06:00"], "--timezone"),
        (["--deadline", "6", "--timezone", "UTC"], "--deadline"),
        (["--deadline", "06:00", "--timezone", "Nowhere/City"], "unknown time zone"),
        (["--deadline", "06:00", "--timezone", "UTC", "--working-days", "weekdays"], "--working-days"),
        (["--deadline", "06:00", "--timezone", "UTC", "--arrivals-from", "/nonexistent.csv"], "--arrivals-from"),
    ],
)
def test_cli_bad_clock_input_is_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    code, out, err = _cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert fragment in err
    assert "Traceback" not in err


def test_a_flat_business_hours_profile_matches_the_window() -> None:
    flat = tuple(1.0 if 8 <= h < 18 else 0.0 for h in range(24))
    window = plan_calendar(SYDNEY.model_copy(update={"submit_at": ("12:00", "18:00")}), DEFAULTS, start=START,
                           samples=100_000)  # fmt: skip
    profiled = plan_calendar(SYDNEY.model_copy(update={"submit_at": ("12:00", "18:00"), "hourly_profile": flat}),
                             DEFAULTS, start=START, samples=100_000)  # fmt: skip
    assert profiled.ready_by_deadline_probability == pytest.approx(window.ready_by_deadline_probability, abs=0.002)
    assert [c.last_submission for c in profiled.deadlines] == [c.last_submission for c in window.deadlines]


def test_typical_completion_percentiles_per_deadline() -> None:
    plan = plan_calendar(SYDNEY, DEFAULTS, start=START, samples=SAMPLES)
    monday = plan.deadlines[0]
    # submitted 02:00, due 06:00: the median item is usable 4 h − median turnaround (15 min) before the deadline
    assert monday.typical_p50_hours_before_due == pytest.approx(4 - 0.25, abs=0.02)
    assert monday.typical_p90_hours_before_due == pytest.approx(4 - 1.0, abs=0.05)
    late = plan_calendar(SYDNEY.model_copy(update={"deadline": "02:30"}), DEFAULTS, start=START, samples=SAMPLES)
    assert late.deadlines[0].typical_p90_hours_before_due < 0  # 30 min after submission: the slowest tenth is late


def test_cli_clock_deadline_checks_the_queue_when_given_a_volume(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--deadline", "06:00", "--timezone", "Australia/Sydney", "--working-days", "mon-fri",
             "--arrivals", "08:00-18:00", "--submit-at", "02:00", "--start-date", START.isoformat()]  # fmt: skip
    code, out, err = _cli(capsys, *flags, "--requests-per-day", "400000", "--tier", "build", "--json")
    assert code == 0, err
    data = json.loads(out)
    # one submission a day: 400,000 × (24 h + 24 h) / 24 h in flight against Build's 300,000
    assert data["worst_case_in_flight_requests"] == pytest.approx(800_000)
    assert data["queue_feasible"] is False
    code, out, _ = _cli(capsys, *flags, "--requests-per-day", "400000", "--tier", "build")
    assert "queue overflow" in out
    assert "synchronously" in out
    code, out, _ = _cli(capsys, *flags, "--json")
    assert "queue_feasible" not in json.loads(out)  # no volume, no queue figure


# ---- the processing queue at a clock schedule


def test_an_even_clock_schedule_loads_the_queue_as_the_relative_plan_does() -> None:
    from costmodel.capacity import worst_case_in_flight_requests
    from costmodel.deadlines import schedule_load

    uniform = CalendarInputs(deadline="06:00", timezone="UTC")
    for rounds in (1, 2):
        turnaround = SlaInputs(sla_hours=100, requests_per_day=2_000_000, batch_rounds=rounds)
        load = schedule_load(uniform, ("00:00", "04:00", "08:00", "12:00", "16:00", "20:00"), turnaround)
        assert load.largest_gap_hours == 4.0
        assert load.largest_gap_requests == pytest.approx(2_000_000 / 6)
        assert load.worst_case_in_flight_requests == pytest.approx(
            worst_case_in_flight_requests(2_000_000, 4.0, batch_rounds=rounds)
        )
        assert load.effective_interval_hours == pytest.approx(4.0)


def test_an_uneven_schedule_is_checked_at_its_largest_gap_and_the_volume_arriving_in_it() -> None:
    from costmodel.capacity import tier_limits
    from costmodel.deadlines import check_schedule_queue

    hours = CalendarInputs(deadline="06:00", timezone="UTC", arrival_start="08:00", arrival_end="18:00")
    turnaround = SlaInputs(sla_hours=30, requests_per_day=200_000)
    load, check = check_schedule_queue(hours, ("12:00", "18:00"), turnaround, tier_limits("scale"))
    assert load.largest_gap_hours == 18.0  # 18:00 → 12:00 the next day
    assert load.largest_gap_requests == pytest.approx(80_000)  # 08:00–12:00 of a 08:00–18:00 day
    assert load.largest_submission_requests == pytest.approx(120_000)
    # just after 18:00: yesterday's 18:00, today's 12:00 and 18:00 submissions (a round may take 24 h)
    assert load.worst_case_in_flight_requests == pytest.approx(320_000)
    assert check.worst_case_in_flight_requests == pytest.approx(320_000)
    assert check.queue_feasible
    _, start = check_schedule_queue(hours, ("12:00", "18:00"), turnaround, tier_limits("start"))
    assert not start.queue_feasible
    assert start.fixes


def test_the_cli_checks_the_queue_at_the_schedule_as_the_windows_page_does(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: `sla --deadline` checked the queue at the schedule's average interval (24 h / 2 = 12 h: 450,000 in
    # flight), while the page used the schedule's largest gap and what arrives in it (14.4 h: 480,000).
    from costmodel.capacity import tier_limits
    from costmodel.deadlines import check_schedule_queue

    calendar = CalendarInputs(deadline="06:00", timezone="Australia/Sydney", working_days=(0, 1, 2, 3, 4),
                              arrival_start="08:00", arrival_end="18:00", submit_at=("12:00", "18:00"))  # fmt: skip
    code, out, _ = run_cli(capsys, "sla", "--deadline", "06:00", "--timezone", "Australia/Sydney", "--working-days",
                           "mon-fri", "--arrivals", "08:00-18:00", "--submit-at", "12:00,18:00",
                           "--requests-per-day", "300000", "--tier", "start", "--json")  # fmt: skip
    assert code == 0
    turnaround = SlaInputs(sla_hours=24.0, requests_per_day=300_000)
    _, page = check_schedule_queue(calendar, ("12:00", "18:00"), turnaround, tier_limits("start"))
    cli = json.loads(out)
    assert cli["worst_case_in_flight_requests"] == pytest.approx(page.worst_case_in_flight_requests)
    assert cli["worst_case_in_flight_requests"] == pytest.approx(480_000)
    assert cli["queue_feasible"] is False
