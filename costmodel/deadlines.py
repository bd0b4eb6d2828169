"""Clock deadlines: "ready by HH:MM" in a time zone, on working days, for arrivals over the day.

Glossary:
- deadline: local clock time by which a day's work must be usable; each arrival day's work is due at
  the first deadline on a working day after that day's arrivals close
- close: end of the arrival window (or of the last hour with arrivals in an hourly profile) [local time]
- schedule: local clock times at which a job submits everything that has arrived (on working days)
- `R` rounds, `W` worst case per round, `D` downstream, `M` margin [h], from `SlaInputs`

Guaranteed (per deadline) means: the last item of the day, arriving at close, submitted at the next
scheduled time, with every round taking `W` and later rounds resubmitted at the next scheduled time,
is usable `M` before the deadline. Everything else is a probability: a month of arrivals is simulated
item by item (lognormal turnaround capped at `W`, an expired share going round again), vectorised.

The time zone database is read through `zoneinfo`: like the price catalog's bundled data, it is
versioned reference data (the same answer for the same install), not a clock or user I/O, so zone
resolution stays in the core and every figure can be reproduced from its inputs and a start date.
The core never reads today's date: the caller passes `start`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator

from costmodel import formatting as fmt
from costmodel._base import StrictModel
from costmodel.capacity import BatchTierLimits, QueueCheck, check_queue
from costmodel.sla import SlaInputs, lognormal_sigma

__all__ = [
    "WEEKDAYS",
    "CalendarInputs",
    "CalendarPlan",
    "DeadlineCheck",
    "HourlyProfile",
    "ScheduleLoad",
    "check_schedule_queue",
    "hourly_profile_from_counts",
    "hourly_profile_from_timestamps",
    "parse_working_days",
    "plan_calendar",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names, Monday first (Python's `date.weekday()` order)."""
CLOCK_PATTERN = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
DEFAULT_DAYS = 28
"""Simulated horizon: four whole weeks, so every weekday counts equally [days]."""
DEFAULT_SAMPLES = 1_000_000
"""Simulated items over the horizon."""
DEFAULT_SEED = 20261130
QUANTILE_ITEMS = 200_000
"""Items (of the simulated ones) behind each deadline's typical-completion percentiles."""


def _hours(clock: str) -> float:
    h, m = clock.split(":")
    return int(h) + int(m) / 60


def _clock(hours: float) -> str:
    minutes = round(hours * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_working_days(text: str) -> tuple[int, ...]:
    """`mon-fri`, `mon,wed,fri`, `sat-sun`, `all` → weekday numbers (Monday 0); ValueError says what is wrong."""
    text = text.strip().lower()
    if text in ("all", "every", "everyday", "mon-sun"):
        return tuple(range(7))
    days: set[int] = set()
    for part in text.split(","):
        ends = [p.strip()[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in WEEKDAYS for e in ends):
            raise ValueError(f"working days {text!r}: use day names like mon-fri, mon,wed,fri or all")
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        days.update(WEEKDAYS.index(WEEKDAYS[(first + k) % 7]) for k in range((last - first) % 7 + 1))
    return tuple(sorted(days))


class CalendarInputs(StrictModel):
    """A clock deadline, its time zone, working days, the arrival profile and (optionally) a schedule."""

    deadline: str
    """Local clock time by which each day's work must be usable, `HH:MM`."""
    timezone: str
    """IANA time zone name, e.g. `Australia/Sydney`."""
    working_days: tuple[int, ...] = tuple(range(7))
    """Days on which work arrives and deadlines fall, Monday 0 … Sunday 6."""
    arrival_start: str = "00:00"
    """Start of the daily arrival window, local `HH:MM`."""
    arrival_end: str = "24:00"
    """End of the daily arrival window, local `HH:MM` (24:00 = midnight)."""
    hourly_profile: tuple[float, ...] | None = None
    """24 weights of arrivals by local hour (replaces the window), e.g. learned from a request log."""
    submit_at: tuple[str, ...] | None = None
    """A schedule to evaluate, local `HH:MM` on each working day; None: the planner recommends one."""

    @field_validator("deadline", "arrival_start", "arrival_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not CLOCK_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a clock time: use HH:MM, e.g. 06:00")
        return value

    @field_validator("submit_at")
    @classmethod
    def _clock_times(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        bad = [v for v in value if not CLOCK_PATTERN.match(v) or v == "24:00"]
        if bad or not value:
            raise ValueError(f"submission times {list(value)!r}: give HH:MM times like 02:00,14:00")
        return tuple(sorted(set(value)))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name like Europe/London") from None
        return value

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d not in range(7) for d in value):
            raise ValueError("working days must be weekday numbers 0 (Monday) to 6 (Sunday), at least one")
        return tuple(sorted(set(value)))

    @field_validator("hourly_profile")
    @classmethod
    def _profile(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is None:
            return None
        if len(value) != 24 or any(not (w >= 0 and math.isfinite(w)) for w in value) or sum(value) <= 0:
            raise ValueError("an hourly profile needs 24 non-negative weights, not all zero")
        return value

    @model_validator(mode="after")
    def _window(self) -> CalendarInputs:
        if self.hourly_profile is None and _hours(self.arrival_end) <= _hours(self.arrival_start):
            raise ValueError(f"arrivals {self.arrival_start}-{self.arrival_end}: the end must be after the start")
        return self

    def close_hours(self) -> float:
        """When the day's arrivals close, local hours after midnight [h]."""
        if self.hourly_profile is not None:
            return float(max(h for h, w in enumerate(self.hourly_profile) if w > 0) + 1)
        return _hours(self.arrival_end)

    def describe_arrivals(self) -> str:
        days = "every day" if len(self.working_days) == 7 else ",".join(WEEKDAYS[d] for d in self.working_days)
        if self.hourly_profile is not None:
            return f"arrivals by the given hourly profile (local hours), {days}"
        return f"arrivals uniform {self.arrival_start}-{self.arrival_end} local, {days}"


class DeadlineCheck(StrictModel):
    """One weekly deadline: the work of one arrival weekday."""

    arrival_day: str
    """Weekday the work arrives (`mon` …)."""
    due: str
    """When it is due, local (`tue 06:00`)."""
    last_submission: str
    """When the day's last arrival is submitted, local."""
    worst_case_ready: str
    """When it is usable if every round takes `W`, local."""
    guaranteed: bool
    """Usable `M` before the deadline even in the worst case, in every simulated week."""
    slack_hours: float
    """Deadline − worst-case ready − margin, the smallest over the horizon (negative: not guaranteed) [h]."""
    submission_to_due_hours: float
    """From the day's last submission to its deadline, the smallest over the horizon [h]."""
    ready_probability: float
    """Typical case: share of that day's items usable by the deadline [share]."""
    typical_p50_hours_before_due: float
    """Typical case: half the day's items are usable at least this long before the deadline [h] (< 0: late)."""
    typical_p90_hours_before_due: float
    """Typical case: 90 % of the day's items are usable at least this long before the deadline [h] (< 0: late)."""


class CalendarPlan(StrictModel):
    """A submission schedule against a clock deadline: guarantee, probability, cron lines."""

    timezone: str
    """IANA zone the clock times are in."""
    deadline: str
    """Local deadline, `HH:MM`."""
    schedule_local: tuple[str, ...]
    """Submission times, local `HH:MM`, every day."""
    recommended_schedule_local: tuple[str, ...]
    """What the planner recommends (the schedule evaluated when none was given)."""
    cron_local: str
    """The schedule as a cron line in the local zone (`CRON_TZ=…`)."""
    cron_utc: tuple[str, ...]
    """The schedule as cron lines in UTC, one per UTC offset the zone uses in the year."""
    dst_note: str
    """What daylight-saving changes do to the schedule."""
    guaranteed: bool
    """Every deadline holds under the worst case."""
    ready_by_deadline_probability: float
    """Typical case: share of all items usable by their deadline [share]."""
    deadlines: tuple[DeadlineCheck, ...]
    """Per arrival weekday."""
    reason: str
    """The verdict in words."""
    fixes: tuple[str, ...]
    """When not guaranteed: the deadline or arrival cut-off (and schedule) that would be."""
    samples: int
    """Simulated items."""
    start: date
    """First simulated day (local)."""
    days: int
    """Simulated days."""
    assumptions: tuple[str, ...]
    """Every assumption behind the figures."""


class _Clock:
    """Local wall-clock hours since the start's midnight ↔ UTC-based hours since then, for one zone."""

    def __init__(self, zone: ZoneInfo, start: date) -> None:
        self.zone = zone
        self.start = start
        self.origin = datetime.combine(start, time(0), zone).astimezone(UTC)

    def utc_hours(self, local: datetime) -> float:
        """Hours from the start's local midnight to `local` (naive, wall clock), on the real time line."""
        aware = local.replace(tzinfo=self.zone).astimezone(UTC)
        return (aware - self.origin).total_seconds() / 3600

    def local_at(self, day: int, hours: float) -> datetime:
        return datetime.combine(self.start, time(0)) + timedelta(days=day, hours=hours)

    def label(self, utc_hours: float) -> str:
        local = (self.origin + timedelta(hours=utc_hours)).astimezone(self.zone)
        return f"{WEEKDAYS[local.weekday()]} {local:%H:%M}"


def _profile_weights(inputs: CalendarInputs) -> list[float]:
    if inputs.hourly_profile is not None:
        total = sum(inputs.hourly_profile)
        return [w / total for w in inputs.hourly_profile]
    start, end = _hours(inputs.arrival_start), _hours(inputs.arrival_end)
    overlap = [max(0.0, min(end, h + 1) - max(start, h)) for h in range(24)]
    return [o / (end - start) for o in overlap]


def _recommended(inputs: CalendarInputs) -> tuple[str, ...]:
    # every item of a day is due at the same deadline, so one submission when arrivals close gives the
    # last (tightest) item the most time; an earlier one would only help items that already had more
    return (_clock(inputs.close_hours()),)


def _utc_label(offset: timedelta) -> str:
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _cron_days(weekdays: Sequence[int]) -> str:
    """Python weekdays (Monday 0) → a cron day-of-week field (Sunday 0), ranges where they run on."""
    days = sorted({(d + 1) % 7 for d in weekdays})
    if len(days) == 7:
        return "*"
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def _cron(entries: Sequence[tuple[int, int, tuple[int, ...]]]) -> str:
    """(minute, hour, weekdays) → cron lines joined by ` ; `, one per minute and day set."""
    grouped: dict[tuple[int, str], list[int]] = {}
    for minute, hour, weekdays in sorted(entries, key=lambda e: (e[1], e[0])):
        grouped.setdefault((minute, _cron_days(weekdays)), []).append(hour)
    return " ; ".join(f"{m} {','.join(map(str, hours))} * * {dow}" for (m, dow), hours in grouped.items())


def _cron_lines(
    inputs: CalendarInputs, schedule: Sequence[str], submit_days: tuple[int, ...], clock: _Clock
) -> tuple[str, tuple[str, ...], str]:
    """Cron lines for the schedule: local (CRON_TZ), UTC per offset in force, and a daylight-saving note."""
    local = [(int(t[3:]), int(t[:2]), submit_days) for t in schedule]
    local_line = f"CRON_TZ={inputs.timezone} {_cron(local)}"
    # the offsets the zone uses over the year from the start (sampled at noon), and the days they begin
    changes: list[tuple[date, timedelta]] = []
    for k in range(366):
        day = clock.start + timedelta(days=k)
        offset = datetime.combine(day, time(12), clock.zone).utcoffset() or timedelta(0)
        if not changes or changes[-1][1] != offset:
            changes.append((day, offset))
    utc: dict[timedelta, str] = {}
    for _, offset in changes:
        entries = []
        for minute, hour, days in local:
            total = hour * 60 + minute - int(offset.total_seconds()) // 60
            # a local time before the offset's hours lands on the previous UTC day (and vice versa)
            shift = total // 1440
            entries.append((total % 60, total % 1440 // 60, tuple((d + shift) % 7 for d in days)))
        utc.setdefault(offset, f"{_cron(entries)}  # while {inputs.timezone} is {_utc_label(offset)}")
    if len(changes) == 1:
        return local_line, tuple(utc.values()), f"{inputs.timezone} keeps one UTC offset all year: both lines agree"
    listed = ", ".join(f"{d.isoformat()} ({_utc_label(o)})" for d, o in changes[1:])
    note = (
        f"{inputs.timezone} changes its UTC offset on {listed}: a UTC cron line drifts an hour against local "
        "time for part of the year, so prefer the CRON_TZ line (or switch UTC lines on those dates)"
    )
    odd = []
    for day, _ in changes[1:]:
        for t in schedule:
            for d in (day - timedelta(days=1), day):
                naive = datetime.combine(d, time(int(t[:2]), int(t[3:])))
                if naive.replace(tzinfo=clock.zone).utcoffset() != naive.replace(tzinfo=clock.zone, fold=1).utcoffset():
                    odd.append(f"{t} on {d.isoformat()}")
    if odd:
        note += (
            f"; {', '.join(odd)} is skipped or happens twice at the change: cron implementations differ on "
            "such times, so check the job ran that day"
        )
    return local_line, tuple(utc.values()), note


def _submit_days(inputs: CalendarInputs, schedule: Sequence[str]) -> tuple[int, ...]:
    """Submissions run on working days; a midnight submission closing a whole day runs the day after each."""
    if inputs.submit_at is None and tuple(schedule) == ("00:00",):
        return tuple(sorted({(d + 1) % 7 for d in inputs.working_days}))
    return inputs.working_days


def _simulate(
    inputs: CalendarInputs,
    turnaround: SlaInputs,
    schedule: Sequence[str],
    submit_days: tuple[int, ...],
    clock: _Clock,
    *,
    days: int,
    samples: int,
    seed: int,
) -> dict[str, Any]:
    """Item-by-item month: arrival → next submission → rounds (later ones at the next submission) → ready."""
    import numpy as np

    w, r, d = turnaround.worst_case_hours, turnaround.batch_rounds, turnaround.downstream_hours
    close = inputs.close_hours()
    arrival_days = [k for k in range(days) if (clock.start + timedelta(days=k)).weekday() in inputs.working_days]
    if not arrival_days:
        raise ValueError("no working day in the simulated horizon")
    # submissions far enough past the horizon for every round of the last day's work
    extra_days = math.ceil((r + 1) * w / 24) + 8
    submissions = np.array(
        sorted(
            clock.utc_hours(clock.local_at(k, _hours(t)))
            for k in range(days + extra_days)
            if (clock.start + timedelta(days=k)).weekday() in submit_days
            for t in schedule
        )
    )
    # deadlines: the first working-day deadline after each day's arrivals close
    deadline_hours = _hours(inputs.deadline)

    def due_after(day: int) -> float:
        closes = clock.local_at(day, close)
        for k in range(day, day + 8):
            candidate = clock.local_at(k, deadline_hours)
            if candidate > closes and (clock.start + timedelta(days=k)).weekday() in inputs.working_days:
                return clock.utc_hours(candidate)
        raise AssertionError("a working day falls within a week")

    due_by_day = np.array([due_after(k) for k in arrival_days])
    close_by_day = np.array([clock.utc_hours(clock.local_at(k, close)) for k in arrival_days])

    # submissions fall on whole minutes: a per-minute table of "the next one at or after" makes the lookup
    # a single take for a million items (searchsorted on unsorted queries is ~10× slower)
    minutes = np.rint(submissions * 60).astype(np.int64)
    first_minute = int(minutes[0])
    next_table = minutes[np.searchsorted(minutes, np.arange(first_minute, int(minutes[-1]) + 1), side="left")] / 60.0

    def next_submission(t: Any) -> Any:
        index = np.ceil(np.asarray(t) * 60 - 1e-6).astype(np.int64) - first_minute
        return next_table[np.clip(index, 0, len(next_table) - 1)]

    # worst case per day: the last arrival (at close), every round W, later rounds at the next submission
    worst = next_submission(close_by_day) + w
    for _ in range(r - 1):
        worst = next_submission(worst) + w
    worst = worst + d

    rng = np.random.default_rng(seed)
    # one uniform per item picks its day and its time within the day (inverse transform of the profile)
    scaled = rng.random(samples) * len(arrival_days)
    day_index = scaled.astype(np.int64)
    within = scaled - day_index
    if inputs.hourly_profile is None:
        start = _hours(inputs.arrival_start)
        local_hour = start + within * (close - start)
    else:
        weights = np.asarray(_profile_weights(inputs))
        cumulative = np.cumsum(weights)
        # inverse CDF through a table on a fine grid; only items in a cell that an hour boundary crosses
        # are looked up exactly (searchsorted on a million unsorted values is several times slower)
        grid = 1 << 16
        hour_table = np.minimum(np.searchsorted(cumulative, np.arange(grid) / grid, side="right"), 23)
        cell = np.minimum((within * grid).astype(np.int64), grid - 1)
        hour = hour_table[cell]
        crossed = np.zeros(grid, dtype=bool)
        crossed[np.clip((cumulative[:-1] * grid).astype(np.int64), 0, grid - 1)] = True
        exact = np.nonzero(crossed[cell])[0]
        hour[exact] = np.minimum(np.searchsorted(cumulative, within[exact], side="right"), 23)
        starts = cumulative - weights
        widths = np.where(weights > 0, weights, 1.0)
        local_hour = hour + np.clip((within - starts[hour]) / widths[hour], 0.0, 1.0)
    # local wall clock → real time: the zone's offset at each (day, hour); one number when it never changes
    offsets = np.array(
        [[clock.utc_hours(clock.local_at(k, h + 0.5)) - (k * 24 + h + 0.5) for h in range(24)] for k in arrival_days]
    )
    arrival = np.asarray(arrival_days, dtype=float)[day_index] * 24.0 + local_hour
    if np.ptp(offsets) == 0:
        arrival += offsets[0, 0]
    else:
        arrival += offsets.ravel()[day_index * 24 + np.minimum(local_hour.astype(np.int64), 23)]

    sigma = lognormal_sigma(turnaround.median_processing_hours, turnaround.p90_processing_hours)
    mu = math.log(turnaround.median_processing_hours)

    def turnaround_hours(n: int) -> Any:
        # float32 draws: half the time of float64, and far finer than minutes
        normal = rng.standard_normal(n, dtype=np.float32)
        return np.minimum(np.exp(np.float32(mu) + np.float32(sigma) * normal), np.float32(w))

    ready = next_submission(arrival)
    for k in range(r):
        ready = (next_submission(ready) if k else ready) + turnaround_hours(samples)
    if turnaround.expired_share > 0:
        # an expired request waited the full W, then goes round once more at the next submission
        count = int(rng.binomial(samples, 1 - (1 - turnaround.expired_share) ** r))
        expired = np.unique(rng.integers(0, samples, count))
        ready[expired] = next_submission(ready[expired] + w) + turnaround_hours(len(expired))
    met = ready + d <= due_by_day[day_index]
    return {
        "arrival_days": arrival_days,
        "due_by_day": due_by_day,
        "close_by_day": close_by_day,
        "last_submission_by_day": next_submission(close_by_day),
        "worst_by_day": worst,
        "met_by_day": np.bincount(day_index, weights=met, minlength=len(arrival_days)),
        "items_by_day": np.bincount(day_index, minlength=len(arrival_days)),
        "met": float(np.mean(met)),
        # hours to spare at the deadline (negative: late), on a subsample, for per-deadline percentiles
        "spare": (due_by_day[day_index] - ready - d)[:QUANTILE_ITEMS],
        "spare_day": day_index[:QUANTILE_ITEMS],
    }


def plan_calendar(
    inputs: CalendarInputs,
    turnaround: SlaInputs,
    *,
    start: date,
    days: int = DEFAULT_DAYS,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> CalendarPlan:
    """Schedule, cron lines, per-deadline guarantee and typical-case P(ready) for a clock deadline.

    `turnaround` supplies `R`, `W`, `D`, `M` and the typical turnaround; its `sla_hours` is not used.
    `start` is the first simulated local day (the caller's today: the core reads no clock).
    """
    clock = _Clock(ZoneInfo(inputs.timezone), start)
    recommended = _recommended(inputs)
    schedule = inputs.submit_at or recommended
    submit_days = _submit_days(inputs, schedule)
    sim = _simulate(inputs, turnaround, schedule, submit_days, clock, days=days, samples=samples, seed=seed)
    m = turnaround.safety_margin_hours
    import numpy as np

    weekday_of = np.array([(start + timedelta(days=day)).weekday() for day in sim["arrival_days"]])
    item_weekday = weekday_of[sim["spare_day"]]
    spare: dict[int, tuple[float, float]] = {}
    for weekday in set(weekday_of.tolist()):
        chosen = sim["spare"][item_weekday == weekday]
        p50, p10 = np.percentile(chosen, [50, 10]) if len(chosen) else (math.nan, math.nan)
        spare[weekday] = (float(p50), float(p10))
    checks: dict[int, dict[str, Any]] = {}
    for j, day in enumerate(sim["arrival_days"]):
        weekday = (start + timedelta(days=day)).weekday()
        slack = float(sim["due_by_day"][j] - sim["worst_by_day"][j] - m)
        entry = checks.setdefault(weekday, {"slack": math.inf, "lead": math.inf, "met": 0.0, "items": 0, "j": j})
        entry["lead"] = min(entry["lead"], float(sim["due_by_day"][j] - sim["last_submission_by_day"][j]))
        if slack < entry["slack"]:
            entry.update(slack=slack, j=j)
        entry["met"] += float(sim["met_by_day"][j])
        entry["items"] += int(sim["items_by_day"][j])
    deadlines = tuple(
        DeadlineCheck(
            arrival_day=WEEKDAYS[weekday],
            due=clock.label(float(sim["due_by_day"][e["j"]])),
            last_submission=clock.label(float(sim["last_submission_by_day"][e["j"]])),
            worst_case_ready=clock.label(float(sim["worst_by_day"][e["j"]])),
            guaranteed=e["slack"] >= -1e-9,
            slack_hours=e["slack"],
            submission_to_due_hours=e["lead"],
            ready_probability=e["met"] / e["items"] if e["items"] else 1.0,
            typical_p50_hours_before_due=spare[weekday][0],
            typical_p90_hours_before_due=spare[weekday][1],
        )
        for weekday, e in sorted(checks.items())
    )
    guaranteed = all(c.guaranteed for c in deadlines)
    cron_local, cron_utc, dst_note = _cron_lines(inputs, schedule, submit_days, clock)
    r, w, d = turnaround.batch_rounds, turnaround.worst_case_hours, turnaround.downstream_hours
    needed = r * w + d + m
    if guaranteed:
        reason = (
            f"guaranteed: submitting at {', '.join(schedule)} {inputs.timezone} time, every deadline "
            f"{inputs.deadline} holds even if every batch round takes {w:g} h"
        )
        fixes: tuple[str, ...] = ()
    else:
        missed = [c for c in deadlines if not c.guaranteed]
        reason = (
            f"not guaranteed: {missed[0].arrival_day}'s work submitted {missed[0].last_submission} is usable only by "
            f"{missed[0].worst_case_ready} in the worst case ({r} round(s) × {w:g} h + {d:g} h downstream"
            f"{f' + {m:g} h margin' if m else ''}), against {missed[0].due}"
            + (f" ({len(missed)} of {len(deadlines)} weekly deadlines)" if len(missed) > 1 else "")
        )
        fixes = _calendar_fixes(inputs, needed)
    assumptions = (
        f"deadline {inputs.deadline} {inputs.timezone} on working days; each day's work is due at the first "
        "deadline after that day's arrivals close",
        inputs.describe_arrivals(),
        f"submissions at {', '.join(schedule)} local on "
        f"{'every day' if len(submit_days) == 7 else ','.join(WEEKDAYS[d] for d in submit_days)}; "
        "a submission takes everything that has arrived",
        f"guaranteed: the day's last arrival, every round taking {w:g} h (the API's guarantee), {r} round(s), "
        f"{d:g} h downstream, {m:g} h margin",
        f"typical turnaround: lognormal with median {turnaround.median_processing_hours:g} h and p90 "
        f"{turnaround.p90_processing_hours:g} h, capped at {w:g} h; {fmt.probability(turnaround.expired_share)} "
        "expire and go again at the next submission",
        "later rounds (batch retries, tool turns) are resubmitted at the next scheduled submission",
        f"{samples:,} simulated items over {days} days from {start.isoformat()} (daylight-saving changes in that "
        "span included)",
    )
    return CalendarPlan(
        timezone=inputs.timezone,
        deadline=inputs.deadline,
        schedule_local=tuple(schedule),
        recommended_schedule_local=recommended,
        cron_local=cron_local,
        cron_utc=cron_utc,
        dst_note=dst_note,
        guaranteed=guaranteed,
        ready_by_deadline_probability=sim["met"],
        deadlines=deadlines,
        reason=reason,
        fixes=fixes,
        samples=samples,
        start=start,
        days=days,
        assumptions=assumptions,
    )


def _calendar_fixes(inputs: CalendarInputs, needed_hours: float) -> tuple[str, ...]:
    """The deadline, or the arrival cut-off, that the worst case allows, submitting as arrivals close."""
    close = inputs.close_hours()
    deadline = _hours(inputs.deadline)
    earliest = close + needed_hours
    days_later = int(earliest // 24)
    when = "the same day" if days_later == 0 else "the next day" if days_later == 1 else f"{days_later} days later"
    fixes = [
        f"a deadline of {_clock(earliest)} {when} (a working day) for work arriving until {_clock(close)}, "
        f"submitting at {_clock(close)}",
    ]
    cut = deadline - needed_hours
    days_before = -math.floor(cut / 24)
    cutoff = _clock(cut % 24)
    late = inputs.hourly_profile is None and _hours(cutoff) < _hours(inputs.arrival_start) and days_before == 1
    fixes.append(
        f"keep {inputs.deadline} for work that arrives by {cutoff} {days_before} day(s) before it, submitting at "
        f"{cutoff}"
        + (f": today's {inputs.arrival_start}-{_clock(close)} arrivals would then be due at {inputs.deadline} on the "
           "second working day after they arrive" if late else "")
    )
    fixes.append("treat the deadline as a target and use the typical-case probability (a soft SLA)")
    fixes.append("rescue unfinished items synchronously before the deadline (the deadline guard)")
    return tuple(fixes)


class ScheduleLoad(StrictModel):
    """What a clock schedule puts in the processing queue, for a day's arrivals of `N` requests."""

    largest_gap_hours: float
    """Longest time between two consecutive submissions (on a day with arrivals) [h]."""
    largest_gap_requests: float
    """Requests that arrive in that gap, all submitted at its end [requests]."""
    largest_submission_requests: float
    """The largest single submission [requests]."""
    worst_case_in_flight_requests: float
    """Most requests queued at once when every round takes `W`: the submissions of the last `R·W` hours [requests]."""
    effective_interval_hours: float
    """The relative plan's interval `I` with the same worst case, `24·peak/N − R·W` (at least one minute) [h]."""


def _arrived_share(weights: Sequence[float], hours: float) -> float:
    """Share of a day's arrivals before local time `hours` (any real: whole days wrap), uniform within each hour."""
    days, within = divmod(hours, 24.0)
    whole = int(within)
    return days + sum(weights[:whole]) + weights[whole] * (within - whole) if whole < 24 else days + 1.0


def schedule_load(calendar: CalendarInputs, schedule_local: Sequence[str], turnaround: SlaInputs) -> ScheduleLoad:
    """The schedule's submissions (the volume arrived since the previous one) and the worst case in flight.

    Days repeat (the day's volume `N = turnaround.requests_per_day` arrives by the calendar's profile on each
    arrival day); a request is in the queue from its submission until its last round ends, `R·W` at worst, so the
    peak just after a submission counts every submission of the `R·W` hours before it, that one included.
    """
    n, r, w = turnaround.requests_per_day, turnaround.batch_rounds, turnaround.worst_case_hours
    weights = _profile_weights(calendar)
    times = sorted({_hours(t) for t in schedule_local})
    gaps = [(times[k - 1] if k else times[-1] - 24.0, t) for k, t in enumerate(times)]
    volumes = [n * (_arrived_share(weights, end) - _arrived_share(weights, start)) for start, end in gaps]
    span = r * w
    peak = 0.0
    for t in times:
        # submissions at s + 24·m inside [t − R·W, t]
        held = sum(v * (math.floor((t - s) / 24.0) - math.ceil((t - span - s) / 24.0) + 1)
                   for s, v in zip(times, volumes, strict=True))  # fmt: skip
        peak = max(peak, held)
    widest = max(range(len(gaps)), key=lambda k: gaps[k][1] - gaps[k][0])
    return ScheduleLoad(
        largest_gap_hours=gaps[widest][1] - gaps[widest][0],
        largest_gap_requests=volumes[widest],
        largest_submission_requests=max(volumes),
        worst_case_in_flight_requests=peak,
        effective_interval_hours=round(max(24.0 * peak / n - span, 1 / 60), 9) if n > 0 else 24.0 / len(times),
    )


def check_schedule_queue(
    calendar: CalendarInputs, schedule_local: Sequence[str], turnaround: SlaInputs, limits: BatchTierLimits
) -> tuple[ScheduleLoad, QueueCheck]:
    """The processing-queue check (`costmodel.capacity.check_queue`) at the clock schedule: the relative check at the
    interval with the schedule's worst case in flight (its largest gap and the volume arriving in it)."""
    load = schedule_load(calendar, schedule_local, turnaround)
    return load, check_queue(turnaround, load.effective_interval_hours, limits)


class HourlyProfile(StrictModel):
    """Arrivals by local hour and weekday, learned from request timestamps."""

    weights: tuple[float, ...]
    """Share of arrivals in each local hour 0–23 [share]."""
    weekday_shares: tuple[float, ...]
    """Share of arrivals on each weekday, Monday first [share]."""
    requests: int
    """Timestamps behind the profile."""
    working_days: tuple[int, ...]
    """Weekdays with at least 1 % of arrivals (Monday 0)."""


def hourly_profile_from_timestamps(timestamps: Sequence[datetime], timezone_name: str) -> HourlyProfile:
    """Arrival shares by local hour and weekday in `timezone_name`; naive timestamps are taken as UTC."""
    return hourly_profile_from_counts([(stamp, 1) for stamp in timestamps], timezone_name)


def hourly_profile_from_counts(counts: Sequence[tuple[datetime, int]], timezone_name: str) -> HourlyProfile:
    """Arrival shares by local hour and weekday in `timezone_name` from (time, requests) pairs, e.g. a request
    log counted per UTC quarter-hour (exact in every zone: all offsets are whole quarter-hours); naive times are UTC."""
    n = sum(count for _, count in counts)
    if n <= 0:
        raise ValueError("no timestamps: the request log has no rows with a timestamp")
    try:
        zone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone_name!r}: use an IANA name like Europe/London") from None
    hours = [0] * 24
    weekdays = [0] * 7
    for stamp, count in counts:
        aware = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
        local = aware.astimezone(zone)
        hours[local.hour] += count
        weekdays[local.weekday()] += count
    shares = tuple(c / n for c in weekdays)
    return HourlyProfile(
        weights=tuple(c / n for c in hours),
        weekday_shares=shares,
        requests=n,
        working_days=tuple(d for d in range(7) if shares[d] >= 0.01),
    )
