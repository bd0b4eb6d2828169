"""Calendar speed: a month of clock-deadline arrivals (1,000,000 simulated items) in a time zone.

Figures:
- `costmodel.deadlines.plan_calendar` for the seeds' case study (Australia/Sydney, arrivals 08:00–18:00 on
  working days, submission at 02:00, ready by 06:00), 1,000,000 items over 28 days, vs drawing 1,000,000
  lognormal numbers with numpy alone (the floor for any simulation of that size); the plan must show the
  check figure (not guaranteed, P(ready) ≈ 99.4 %) before any time is reported;
- the same plan with a learned hourly profile and two batch rounds (later rounds at the next window).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from benchmarks._harness import Figure, best_time, figure

ITEMS = 1_000_000
START = date(2026, 11, 30)


def run() -> list[Figure]:
    from costmodel.deadlines import CalendarInputs, parse_working_days, plan_calendar
    from costmodel.sla import SlaInputs

    case = CalendarInputs(
        deadline="06:00", timezone="Australia/Sydney", working_days=parse_working_days("mon-fri"),
        arrival_start="08:00", arrival_end="18:00", submit_at=("02:00",),
    )  # fmt: skip
    turnaround = SlaInputs(sla_hours=24, safety_margin_hours=0.0)
    plan = plan_calendar(case, turnaround, start=START, samples=ITEMS)
    if plan.guaranteed or abs(plan.ready_by_deadline_probability - 0.9938) > 0.001:
        raise AssertionError(f"check figure off: guaranteed={plan.guaranteed}, P={plan.ready_by_deadline_probability}")
    profile = tuple(1.0 if 8 <= h < 18 else 0.1 for h in range(24))
    learned = case.model_copy(update={"hourly_profile": profile})
    two_rounds = turnaround.model_copy(update={"batch_rounds": 2})

    def numpy_only() -> object:
        return np.random.default_rng(1).lognormal(-1.386, 1.08, ITEMS)

    month = best_time(lambda: plan_calendar(case, turnaround, start=START, samples=ITEMS), repeat=3)
    profiled = best_time(lambda: plan_calendar(learned, two_rounds, start=START, samples=ITEMS), repeat=3)
    floor = best_time(numpy_only, repeat=5)
    note = f"28 days from {START}, Australia/Sydney; P(ready by 06:00) = {plan.ready_by_deadline_probability:.2%}"
    return [
        figure("clock-deadline month, 1,000,000 items (window, 1 round)", month, "s",
               "numpy: 1,000,000 lognormal draws", floor, note),
        figure("clock-deadline month, 1,000,000 items (hourly profile, 2 rounds)", profiled, "s",
               "numpy: 1,000,000 lognormal draws", floor, "later rounds at the next 02:00 submission"),
    ]  # fmt: skip
