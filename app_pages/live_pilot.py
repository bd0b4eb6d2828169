"""Live pilot: send a sample set through the Message Batches API, measure it, and feed the plan."""

from __future__ import annotations

import streamlit as st

from costmodel.pilot import DEFAULT_BUDGET_USD, budget_decision
from pilot.api import PermanentApiError, TransientApiError
from pilot.files import SourceError
from pilot.runner import BudgetRefused, PilotError, Runner, ValidationFailed
from ui import data, state
from ui import pilot_panel as panel

API_ERRORS = (PilotError, SourceError, PermanentApiError, TransientApiError)

st.title(":material/science: Live pilot")
st.caption(
    "Before a rollout, send 100–500 real requests through the Message Batches API and measure first-pass "
    "success, turnaround, tokens and cost; then use the measurement in the plan instead of guesses."
)

target = panel.target_picker()
catalog = data.catalog()
ledger = panel.ledger()
new_tab, pilots_tab = st.tabs(["New pilot", "Pilots"])


def new_pilot() -> None:
    """Sample set → validation → estimate and budget → explicit confirmation → submit."""
    source, template, source_error = panel.source_picker()
    check = panel.check_picker()
    budget_usd = st.number_input(
        "Budget cap [USD]",
        min_value=0.0,
        value=DEFAULT_BUDGET_USD,
        step=1.0,
        help="Refuse if the worst case exceeds it",
    )
    if source_error:
        st.error(source_error)
        return
    if source is None or check is None:
        return
    with panel.runner(base_url=None, api_key=None) as offline:
        try:
            result = offline.validate(source, template)
        except SourceError as exc:
            st.error(str(exc))
            return
    if not result.ok:
        panel.render_problems(result)
        return
    count_tokens = st.checkbox(
        "Count input tokens with Anthropic's free endpoint",
        disabled=target.simulated or not target.api_key,
        help="Otherwise an offline estimate (labelled as such) is used.",
    )
    with panel.runner(base_url=panel.endpoint_for(target) if count_tokens else None, api_key=target.api_key) as counter:
        try:
            _, estimate = counter.estimate(source, catalog, template=template, count_tokens=count_tokens)
        except ValidationFailed as exc:
            panel.render_problems(exc.result)
            return
        except API_ERRORS as exc:
            st.error(str(exc))
            return
    decision = budget_decision(estimate, budget_usd)
    panel.render_estimate(estimate, decision)
    confirmed = st.checkbox(
        f"Submit {estimate.request_count} requests to the {target.label}; worst case "
        f"${estimate.worst_case_batch_usd:,.4f}",
        disabled=not decision.allowed or not target.api_key,
    )
    if not st.button("Submit pilot", type="primary", disabled=not confirmed, icon=":material/send:"):
        return
    with panel.runner(base_url=panel.endpoint_for(target), api_key=target.api_key) as runner:
        try:
            pilot_id = runner.prepare(source, catalog, template=template, budget_usd=budget_usd, check=check)
            runner.submit(pilot_id)  # exactly once per pilot, however often this runs
        except BudgetRefused as exc:
            st.error(f"Refused: {exc}")
            return
        except API_ERRORS as exc:
            st.error(str(exc))
            return
    st.session_state[panel.SELECTED_PILOT] = pilot_id
    st.success(f"Submitted pilot {pilot_id}: follow it in the Pilots tab.", icon=":material/check:")


def pilot_view() -> None:
    """One pilot from the ledger: live status, then results, report, "Use in plan" and retry."""
    pilots = ledger.pilots()
    if not pilots:
        st.info(f"No pilots yet. Ledger: `{ledger.path}`.", icon=":material/inventory_2:")
        return
    ids = [p.pilot_id for p in pilots]
    labels = {p.pilot_id: f"{p.pilot_id} — {p.label}{'  [SIMULATED]' if p.simulated else ''}" for p in pilots}
    chosen = st.session_state.get(panel.SELECTED_PILOT)
    pilot_id = st.selectbox("Pilot", ids, index=ids.index(chosen) if chosen in ids else 0, format_func=labels.get)
    row = next(p for p in pilots if p.pilot_id == pilot_id)
    if row.simulated and row.endpoint != panel.sandbox().base_url:
        st.warning(
            "This SIMULATED pilot ran on a sandbox that no longer exists (the app restarted): its batches are "
            "gone. Stored results and the report below are still available.",
            icon=":material/history:",
        )
        with panel.runner(base_url=row.endpoint, api_key=None) as offline:
            panel.render_status(offline.status(pilot_id))
            if offline.status(pilot_id).state == "complete":
                panel.render_report(offline.report(pilot_id, catalog))
        return
    connect = {"base_url": row.endpoint, "api_key": panel.key_for(row.simulated, target)}
    with panel.runner(**connect) as runner:
        pending = runner.status(pilot_id).pending
    poll_seconds = panel.SANDBOX_POLL_SECONDS if row.simulated else panel.API_POLL_SECONDS

    @st.fragment(run_every=poll_seconds if pending else None)
    def live_status() -> None:
        """Refreshes while anything is pending; once nothing is, a full rerun drops the timer."""
        with panel.runner(**connect) as runner:
            try:
                status = runner.refresh(pilot_id) if runner.status(pilot_id).pending else runner.status(pilot_id)
                if status.state == "ended":
                    runner.download(pilot_id)
                    status = runner.status(pilot_id)
            except API_ERRORS as exc:
                st.error(str(exc))
                return
        panel.render_status(status)
        if pending and not status.pending:
            st.rerun(scope="app")

    live_status()
    with panel.runner(**connect) as runner:
        pilot_actions(runner, pilot_id, row.budget_usd)
    with st.expander("History"):
        for at, part, kind, detail in ledger.events(pilot_id):
            st.text(f"{at:%Y-%m-%d %H:%M:%S} batch {part if part is not None else '-'} {kind}: {detail}")


def pilot_actions(runner: Runner, pilot_id: str, budget_usd: float) -> None:
    """Cancel while pending; once complete: download, report, \"Use in plan\", retry failures."""
    status = runner.status(pilot_id)
    left, middle, right = st.columns(3)
    try:
        if status.pending and left.button("Cancel pilot", icon=":material/cancel:"):
            runner.cancel(pilot_id)
            st.rerun()
        if status.state != "complete":
            return
        left.download_button(
            "Download results (JSONL)",
            data=ledger.results_path(pilot_id).read_bytes(),
            file_name=f"{pilot_id}-results.jsonl",
            mime="application/jsonl",
            icon=":material/download:",
        )
        report = runner.report(pilot_id, catalog)
        panel.render_report(report)
        try:
            measurement = report.measurement()
        except ValueError as exc:
            st.warning(str(exc))
        else:
            if middle.button("Use in plan", type="primary", icon=":material/input:"):
                state.set_pilot_measurement(measurement)
                st.success(
                    "The planner pages now offer this pilot's success rate, tokens and turnaround "
                    "(Sync vs batch → Apply pilot measurement)."
                )
        failed = runner.failed_custom_ids(pilot_id)
        if failed and right.button(f"Retry {len(failed)} failed and expired", icon=":material/replay:"):
            new_id = runner.retry_failed(pilot_id, catalog, budget_usd=budget_usd)
            runner.submit(new_id)
            st.session_state[panel.SELECTED_PILOT] = new_id
            st.rerun()
    except API_ERRORS as exc:
        st.error(str(exc))


with new_tab:
    new_pilot()
with pilots_tab:
    pilot_view()
