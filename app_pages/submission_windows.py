"""Submission windows: how often to submit so an SLA holds when any batch may take the full 24 h."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from costmodel.capacity import plan_with_queue
from costmodel.deadlines import check_schedule_queue
from costmodel.errors import problem_lines
from costmodel.guard import DEFAULT_BUFFER_HOURS, DEFAULT_SYNC_DRAIN_HOURS, GuardSettings, clock_guard_timing
from ui import charts, data, state, tiles, widgets, windows

st.title("Submission windows")
st.caption(
    "How often must we submit? A batch may take the full 24 h, so the SLA sets the longest safe "
    "interval between submissions; the typical case says how often an SLA is missed in practice."
)

# ---- the workflow: a shared link, else the chosen workflow of the current scenario
index = state.get_workflow_index()
widgets.take_shared_link(index)
scenario = state.get_scenario()
workflows = scenario.workflows
if len(workflows) > 1:
    index = st.selectbox(
        "Workflow",
        range(len(workflows)),
        index=index,
        format_func=lambda i: windows.workflow_label(i, workflows[i]),
        help="The workflow of the current scenario whose SLA this page plans; edits here reach every page.",
    )
    state.set_workflow_index(index)
base = workflows[index]
catalog = data.catalog(batch_discount=scenario.batch_discount)
measurement = state.get_pilot_measurement()
if (
    measurement is not None
    and base.sla is not None
    and not windows.uses_pilot_turnaround(base, measurement)
    and st.button(
        "Use the pilot's measured turnaround" + (" (simulated)" if state.get_pilot_origin().simulated else ""),
        icon=":material/science:",
    )
):
    state.set_workflow(index, windows.with_pilot_turnaround(base, measurement))
    st.rerun()
st.caption(windows.typical_case_note(base, measurement, simulated=state.get_pilot_origin().simulated))
learned = windows.learned_turnaround()
if (
    learned.fit.use_fit
    and base.sla is not None
    and windows.with_learned_turnaround(base, learned) != base
    and st.button(windows.learned_label(learned), icon=":material/history:")
):
    applied = windows.with_learned_turnaround(base, learned)
    state.set_workflow(index, applied)
    state.set_uncertainty(index, windows.learned_uncertainty(applied, learned, state.get_uncertainty(index)))
    st.rerun()

# ---- widgets: the one workflow form, this page's sections
workflow = widgets.workflow_form(base, catalog=catalog, layout=widgets.WINDOWS_LAYOUT)
if workflow is None:
    st.error("Some inputs are invalid: fix the lines marked in red above to see the plan.")
    st.stop()
first_visit = state.first_visit("windows")
# Writing the URL on a session's very first run of a deep link makes Streamlit show a spurious
# "Page not found" dialog (streamlit#9992), so an untouched page waits for the first change.
widgets.keep(index, workflow, link=not first_visit or widgets.FORM.foreign_link())
shared_interval = windows.INTERVAL_FORM.take_link()
if shared_interval is not None:
    windows.INTERVAL_FORM.seed(shared_interval)
windows.INTERVAL_FORM.refill()  # dropped while another page ran: back from the interval in force
st.session_state.setdefault(windows.INTERVAL_KEY, windows.RECOMMENDED)
chosen = st.selectbox(
    "Submission interval",
    windows.interval_options(st.session_state[windows.INTERVAL_KEY]),
    format_func=windows.interval_label,
    key=windows.INTERVAL_KEY,
    help="Evaluate a chosen interval instead of the recommended one.",
)
windows.INTERVAL_FORM.keep(
    windows.IntervalChoice(interval_hours=chosen or windows.RECOMMENDED),
    lambda _: None,  # a view of this page: the workflow is not touched
    link=not first_visit or shared_interval is not None,
)

# ---- one validated model → one core call
try:
    inputs = windows.plan_inputs(workflow, chosen)
except ValidationError as exc:  # a valid workflow the SLA model cannot take (e.g. more than 100 rounds)
    st.error("These inputs cannot be planned:\n\n" + "\n".join(f"- {line}" for line in problem_lines(exc)))
    st.stop()
if inputs is None:
    st.info(
        f"“{workflow.name}” has no SLA, so there is nothing to plan: switch the SLA on above to set one "
        "(it then reaches the verdict on *Sync vs batch* and the Portfolio too).",
        icon=":material/timer_off:",
    )
    st.stop()
for warning in windows.input_warnings(inputs):
    st.warning(warning)

# ---- capacity and the deadline guard: the scenario's settings, so every page's verdict uses them too
st.subheader("Capacity and the deadline guard")
row = st.container(horizontal=True, vertical_alignment="bottom")  # one block for the tier and guard inputs
scenario = state.get_scenario()  # as the workflow form left it
tiers = list(windows.TIER_LABELS)
tier = row.selectbox(
    "Rate-limit tier",
    tiers,
    index=tiers.index(scenario.capacity.tier or "scale"),
    format_func=windows.TIER_LABELS.__getitem__,
    key=windows.TIER_KEY,
    help="The organisation's tier sets how many requests may wait in the batch processing queue (shared across "
    "models and workspaces). Without a tier, Scale (the largest) is checked.",
)
queue_limit = None
if tier == "custom":
    queue_limit = row.number_input(
        "Processing-queue limit [requests]",
        min_value=1.0,
        value=float(scenario.capacity.queue_limit_requests or 500_000),
        step=10_000.0,
        key=windows.QUEUE_LIMIT_KEY,
    )
rescue = row.toggle(
    "Rescue to sync at a cutoff",
    value=scenario.deadline_guard is not None,
    key=windows.GUARD_KEY,
    help="Submit by batch; at a cutoff before the deadline, cancel what has not finished and run it synchronously.",
)
guard_settings = None
if rescue:
    previous = scenario.deadline_guard or GuardSettings()
    guard_settings = GuardSettings(
        sync_drain_hours=row.number_input(
            "Sync drain time [h]", min_value=0.0, value=previous.sync_drain_hours, step=0.25, key=windows.DRAIN_KEY,
            help=f"Time the synchronous API needs for the rescued requests (default {DEFAULT_SYNC_DRAIN_HOURS:g} h).",
        ),
        buffer_hours=row.number_input(
            "Buffer [h]", min_value=0.0, value=previous.buffer_hours, step=0.25, key=windows.BUFFER_KEY,
            help=f"Slack kept after the drain, before the deadline (default {DEFAULT_BUFFER_HOURS:g} h).",
        ),
    )
capacity = windows.changed_capacity(scenario.capacity, tier, queue_limit)
if capacity is not None or guard_settings != scenario.deadline_guard:
    scenario = scenario.model_copy(
        update={"capacity": capacity or scenario.capacity, "deadline_guard": guard_settings}
    )
    state.set_scenario(scenario)

# ---- the core calls
plan = windows.submission_plan(inputs)
queue = windows.queue_check(inputs, plan, scenario.capacity)
plan = plan_with_queue(plan, queue)

# ---- render
if plan.feasible:
    st.success(windows.verdict_text(plan), icon=":material/check_circle:")
else:
    st.error(windows.verdict_text(plan), icon=":material/error:")
if plan.fixes:
    st.markdown("**What would fix it:**\n" + "\n".join(f"- {fix}" for fix in plan.fixes))

tiles.rows(windows.headline(plan, inputs))

if queue is not None:
    st.markdown(f"**Processing queue.** {queue.reason[:1].upper()}{queue.reason[1:]}.")
    tiles.rows(windows.queue_tiles(queue))
if guard_settings is not None:
    guard = windows.deadline_guard(workflow, plan, guard_settings, batch_discount=scenario.batch_discount)
    if guard is None:
        st.info("No submission interval keeps this SLA, so there is no schedule to guard.")
    else:
        st.markdown(f"**Deadline guard.** {guard.reason[:1].upper()}{guard.reason[1:]}.")
        tiles.rows(windows.guard_tiles(guard))
st.caption(
    "Retries at the next window: batch retry rounds, tool turns and expired requests are resubmitted at the next "
    "scheduled submission after the previous round ends (what a scheduled job does), not the instant they fail."
)

# Lazy tabs: only the open one runs, so a rerun draws one chart, not three.
timeline_tab, latency_tab, miss_tab = st.tabs(list(windows.CHART_TABS), key=windows.CHART_TAB_KEY, on_change="rerun")
if timeline_tab.open is not False:
    charts.show(windows.timeline_figure, inputs, plan, key="win_timeline", container=timeline_tab)
if latency_tab.open or miss_tab.open:
    miss_points, histogram = windows.typical_case_charts(inputs, plan)
    if latency_tab.open and charts.show(
        windows.latency_figure, inputs, plan, histogram, key="win_latency", container=latency_tab
    ) is None:
        latency_tab.info("No interval keeps this SLA, so there is no typical case to show.")
    if miss_tab.open:
        charts.show(windows.miss_curve_figure, inputs, plan, miss_points, key="win_miss_curve", container=miss_tab)

learned_box = st.expander(
    "Learned turnaround and calibration", expanded=False, key=windows.LEARNED_OPEN_KEY, on_change="rerun"
)
if learned_box.open:  # lazy: closed, it draws nothing
    with learned_box:
        st.caption(windows.learned_note(learned))
        if learned.batches:
            charts.show(windows.calibration_figure, learned, inputs, key="win_calibration")
        else:
            st.info(
                "No ended batch in the ledger yet: run a pilot to compare the assumed turnaround with the real one."
            )

# ---- the clock deadline: a view of this page (the workflow's SLA stays hours from arrival), carried as ?c=
st.subheader("Clock deadline")
shared_calendar = windows.CALENDAR_FORM.take_link()
if shared_calendar is not None:
    windows.CALENDAR_FORM.seed(shared_calendar)  # its inputs, and the toggle on
calendar_kept = windows.CALENDAR_FORM.source()
windows.CALENDAR_FORM.refill()  # dropped while another page ran: back from the deadline in force
for key, value in windows.calendar_defaults().items():
    st.session_state.setdefault(key, value)
clock_on = st.toggle(
    "Plan against a clock deadline",
    key=windows.CLOCK_KEY,
    help="“Ready by 06:00” in a time zone, on working days: the schedule as local times and cron lines, whether "
    "each deadline is guaranteed under the 24 h worst case, and how likely it is met in the typical case. "
    "The workflow's SLA (hours from arrival) stays what the verdict uses; the clock deadline is planned here "
    "and travels in the page's link.",
)
calendar = None
if clock_on:
    request_log = state.get_request_log_arrivals()
    arrival_choices = windows.arrival_choices(request_log, calendar_kept)
    if st.session_state[windows.CAL_KEYS["arrivals"]] not in arrival_choices:  # a link's log profile, no log here
        st.session_state[windows.CAL_KEYS["arrivals"]] = "hours"
    from_log = st.session_state[windows.CAL_KEYS["arrivals"]] == windows.LOG_ARRIVALS
    c1, c2, c3, c4 = st.columns(4)
    deadline = c1.time_input("Ready by (local)", step=900, key=windows.CAL_KEYS["deadline"])
    zone = c2.selectbox("Time zone", windows.timezones(), key=windows.CAL_KEYS["timezone"])
    days = c3.radio("Working days", list(windows.WORKING_DAYS), format_func=windows.WORKING_DAYS.__getitem__,
                    key=windows.CAL_KEYS["days"], disabled=from_log,
                    help="With arrivals as in the imported log: the weekdays seen in the log.")  # fmt: skip
    arrivals = c4.radio("Arrivals", list(arrival_choices), format_func=arrival_choices.__getitem__,
                        key=windows.CAL_KEYS["arrivals"],
                        help="Import a request log on Usage to plan for its arrival hours and days.")  # fmt: skip
    a1, a2, a3 = st.columns(3)
    opens = a1.time_input("Arrivals from", step=900, key=windows.CAL_KEYS["arrival_start"],
                          disabled=arrivals != "hours")  # fmt: skip
    closes = a2.time_input(
        "Arrivals until", step=900, key=windows.CAL_KEYS["arrival_end"], disabled=arrivals != "hours",
        help="00:00 means midnight at the end of the day.",
    )  # fmt: skip
    submit_at = a3.text_input(
        "Your schedule (HH:MM, comma-separated)", key=windows.CAL_KEYS["submit_at"],
        placeholder="empty: the recommended one", help="Evaluate a schedule you already run.",
    )  # fmt: skip
    calendar, calendar_problems = windows.calendar_inputs(
        deadline=f"{deadline:%H:%M}", timezone=zone, days=days, arrivals=arrivals,
        arrival_start=f"{opens:%H:%M}", arrival_end=f"{closes:%H:%M}", submit_at=submit_at, log=request_log,
        kept=calendar_kept,
    )  # fmt: skip
    if calendar is None:
        st.error("The clock deadline cannot be planned:\n\n" + "\n".join(f"- {line}" for line in calendar_problems))
calendar_link = not first_visit or shared_calendar is not None
if calendar is not None:
    windows.CALENDAR_FORM.keep(calendar, lambda _: None, link=calendar_link)  # a view: the workflow is not touched
elif not clock_on:
    windows.CALENDAR_FORM.clear(link=calendar_link)
if calendar is not None:
    calendar_plan = windows.calendar_plan(calendar, inputs, start=data.today())
    if calendar_plan.guaranteed:
        st.success(f"**Guaranteed.** {calendar_plan.reason.removeprefix('guaranteed: ')}.", icon=":material/alarm_on:")
    else:
        st.warning(
            f"**Not guaranteed.** {calendar_plan.reason.removeprefix('not guaranteed: ')}.", icon=":material/alarm:"
        )
    tiles.rows(windows.calendar_tiles(calendar_plan))
    if calendar_plan.fixes:
        st.markdown(
            "**What deadline or arrival cut-off would be guaranteed:**\n"
            + "\n".join(f"- {fix}" for fix in calendar_plan.fixes)
        )
    schedule_load, clock_queue = check_schedule_queue(
        calendar, calendar_plan.schedule_local, inputs, scenario.capacity.limits()
    )
    st.markdown(windows.clock_queue_text(schedule_load, clock_queue))
    tiles.rows(windows.clock_queue_tiles(schedule_load, clock_queue))
    if clock_fixes := windows.clock_queue_fixes(schedule_load, clock_queue):
        st.markdown("**What would fit the queue:**\n" + "\n".join(f"- {fix}" for fix in clock_fixes))
    charts.show(windows.calendar_figure, calendar, calendar_plan, key="win_calendar")
    st.markdown(windows.deadline_table(calendar_plan))
    st.markdown("**Cron** (local, then UTC)")
    st.code("\n".join([calendar_plan.cron_local, *calendar_plan.cron_utc]), language="bash")
    st.caption(calendar_plan.dst_note)
    if guard_settings is not None:
        timing = clock_guard_timing(
            calendar_plan, inputs, sync_drain_hours=guard_settings.sync_drain_hours,
            buffer_hours=guard_settings.buffer_hours,
        )  # fmt: skip
        clock_guard = windows.deadline_guard(
            workflow, plan, guard_settings, batch_discount=scenario.batch_discount, clock=timing
        )
        if clock_guard is not None:
            st.markdown(f"**Deadline guard at the clock deadline.** {clock_guard.reason[:1].upper()}"
                        f"{clock_guard.reason[1:]}.")  # fmt: skip
            tiles.rows(windows.guard_tiles(clock_guard))

formulas = st.expander("Assumptions and formulas", key="win_open_formulas", on_change="rerun")
if formulas.open:  # lazy: its text is built and sent only while open
    formulas.markdown(
        "- worst-case latency = I + R·W + D\n- I_max = S − R·W − D − M (infeasible when no clock-friendly "
        "interval fits)\n- requests per submission = volume × I / 24 h\n"
        + "\n".join(f"- {line}" for line in plan.assumptions)
    )
