"""Submission windows: how often to submit so an SLA holds when any batch may take the full 24 h."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from costmodel.errors import problem_lines
from costmodel.sla import SlaInputs, plan_submissions
from ui import sharing, state, windows

st.title("Submission windows")
st.caption(
    "How often must we submit? A batch may take the full 24 h, so the SLA sets the longest safe "
    "interval between submissions; the typical case says how often an SLA is missed in practice."
)

# ---- start values: a shared link, else the chosen workflow of the current scenario
scenario = state.get_scenario()
workflows = scenario.workflows
choice = state.get_workflow_index()
if len(workflows) > 1:
    choice = st.selectbox(
        "Start from workflow",
        range(len(workflows)),
        index=choice,
        format_func=lambda i: windows.workflow_label(i, workflows[i]),
        help="Fills the inputs below from this workflow of the current scenario.",
    )
    state.set_workflow_index(choice)
workflow = workflows[choice]
note = windows.start_note(workflow)
if note:
    st.caption(note)
first_visit = windows.INPUTS_KEY not in st.session_state
incoming = sharing.read_params(SlaInputs, "sla")
windows.prepare_widgets(
    st.session_state,
    workflow=workflow,
    source=(scenario.name, choice, workflow),
    shared=incoming if incoming is not None and sharing.params_changed("sla") else None,
)

# ---- widgets
k = windows.KEYS
left, middle, right = st.columns(3)
with left:
    st.number_input(
        "SLA [h]",
        min_value=0.25,
        max_value=24.0 * 60,
        step=1.0,
        key=k["sla_hours"],
        help="S: from an item's arrival until its result is usable downstream.",
    )
    st.radio(
        "SLA kind",
        ("hard", "soft"),
        key=k["kind"],
        horizontal=True,
        help="Hard: must hold even if every batch takes the full 24 h. Soft: a target with a miss budget.",
    )
    st.number_input(
        "Acceptable misses [%]",
        min_value=0.0,
        max_value=100.0,
        step=0.1,
        format="%.2f",
        key=k["max_miss_percent"],
        disabled=st.session_state[k["kind"]] == "hard",
        help="Soft SLA only: the share of items allowed to miss the SLA.",
    )
with middle:
    st.number_input(
        "Safety margin [h]",
        min_value=0.0,
        max_value=168.0,
        step=0.5,
        key=k["safety_margin_hours"],
        help="M: slack kept below the SLA.",
    )
    st.number_input(
        "Downstream time [h]",
        min_value=0.0,
        max_value=168.0,
        step=0.5,
        key=k["downstream_hours"],
        help="D: from results arriving until they are usable (loading, review).",
    )
    st.number_input(
        "Batch rounds",
        min_value=1,
        max_value=100,
        step=1,
        key=k["batch_rounds"],
        help="R: sequential batch round trips per item = retry rounds by batch × client-side tool "
        f"turns. This workflow: {workflow.batch_rounds}.",
    )
with right:
    st.number_input(
        "Volume [requests/day]",
        min_value=0.0,
        step=100.0,
        format="%.0f",
        key=k["requests_per_day"],
        help="Items sent to batch per day (the urgent share stays sync).",
    )
    st.number_input(
        "Average request size [bytes]",
        min_value=1.0,
        step=1000.0,
        format="%.0f",
        key=k["avg_request_bytes"],
        help="Size of one request in the batch body; batches are split at 256 MB.",
    )
    st.selectbox(
        "Submission interval",
        windows.interval_options(st.session_state[k["interval_hours"]]),
        format_func=windows.interval_label,
        key=k["interval_hours"],
        help="Evaluate a chosen interval instead of the recommended one.",
    )
measurement = state.get_pilot_measurement()
if not hasattr(measurement, "median_processing_hours"):
    measurement = None
with st.expander(windows.typical_case_title(st.session_state, measurement)):
    st.caption(
        "Published observations: most batches end within the hour. Replace these with a pilot's measured turnaround."
    )
    if measurement is not None:
        st.button(
            "Use the pilot's measured turnaround",
            icon=":material/science:",
            on_click=windows.apply_pilot_turnaround,
            args=(st.session_state, measurement),
        )
    a, b, c = st.columns(3)
    a.number_input(
        "Median turnaround [min]", min_value=0.1, max_value=24.0 * 60, step=5.0, format="%.1f", key=k["median_minutes"]
    )
    b.number_input(
        "p90 turnaround [min]", min_value=0.1, max_value=24.0 * 60, step=5.0, format="%.1f", key=k["p90_minutes"]
    )
    c.number_input(
        "Expired share [%]",
        min_value=0.0,
        max_value=100.0,
        step=0.05,
        format="%.2f",
        key=k["expired_percent"],
        help="Requests not processed within 24 h; they need another round.",
    )

# ---- one validated model → one core call
try:
    inputs = windows.inputs_from_widgets(st.session_state)
except ValidationError as exc:
    st.error("These inputs cannot be planned:\n\n" + "\n".join(f"- {line}" for line in problem_lines(exc)))
    st.stop()
st.session_state[windows.INPUTS_KEY] = inputs
if incoming is not None or not first_visit:
    # Writing the URL on a session's very first run of a deep link makes Streamlit show a spurious
    # "Page not found" dialog (streamlit#9992), so an untouched page waits for the first change.
    sharing.write_params(inputs, "sla")
for warning in windows.input_warnings(inputs):
    st.warning(warning)

plan = plan_submissions(inputs, samples=windows.PAGE_SAMPLES)

# ---- render
if plan.feasible:
    st.success(windows.verdict_text(plan), icon=":material/check_circle:")
else:
    st.error(windows.verdict_text(plan), icon=":material/error:")
if plan.fixes:
    st.markdown("**What would fix it:**\n" + "\n".join(f"- {fix}" for fix in plan.fixes))

tiles = windows.headline(plan, inputs)
for row_start in range(0, len(tiles), 5):
    for column, tile in zip(st.columns(5), tiles[row_start : row_start + 5], strict=False):
        column.metric(tile.label, tile.value, help=tile.help)

st.plotly_chart(windows.timeline_figure(inputs, plan), key="win_timeline")
left, right = st.columns(2)
with left:
    figure = windows.latency_figure(inputs, plan)
    if figure is None:
        st.info("No interval keeps this SLA, so there is no typical case to show.")
    else:
        st.plotly_chart(figure, key="win_latency")
with right:
    st.plotly_chart(windows.miss_curve_figure(inputs, plan, windows.miss_points(inputs)), key="win_miss_curve")

with st.expander("Assumptions and formulas"):
    st.markdown(
        "- worst-case latency = I + R·W + D\n- I_max = S − R·W − D − M (infeasible when no clock-friendly "
        "interval fits)\n- requests per submission = volume × I / 24 h\n"
        + "\n".join(f"- {line}" for line in plan.assumptions)
    )
