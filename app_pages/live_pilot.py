"""Live pilot: send a sample set through the Message Batches API, measure it, and feed the plan.

Safe on a team server: the sandbox unless the operator enables the real API (with ceilings per pilot
and per month), each visitor's own key, and each visitor sees and acts on their own pilots only.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from costmodel import formatting as fmt
from costmodel.apikeys import scrub
from pilot.api import PermanentApiError, TransientApiError
from pilot.files import SourceError
from pilot.runner import BudgetRefused, PilotError, Runner, ValidationFailed
from pilot.spend import budget_decision
from ui import data, operator, pilot_size, state
from ui import pilot_panel as panel

API_ERRORS = (PilotError, SourceError, PermanentApiError, TransientApiError)

st.title(":material/science: Live pilot")
st.caption(
    "Before a rollout, send 100–500 real requests through the Message Batches API and measure first-pass "
    "success, turnaround, tokens and cost; then use the measurement in the plan instead of guesses."
)

settings, setting_problems = operator.operator_settings()
for problem in setting_problems:
    st.warning(problem, icon=":material/admin_panel_settings:")
identity = operator.current_identity()
target = panel.target_picker(settings, identity)
panel.identity_note(identity)
catalog = data.catalog()
ledger = panel.ledger()
try:
    panel.retention(settings)
except API_ERRORS as exc:
    st.warning(f"Old uploads and pilots could not be cleaned up this time: {exc}", icon=":material/cleaning:")
new_tab, pilots_tab = st.tabs(["New pilot", "Pilots"])


def fail(exc: BaseException, *, prefix: str = "") -> None:
    """One line for the user, never a traceback, and never the key."""
    text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
    if not isinstance(exc, API_ERRORS):  # unexpected: name the kind of failure too
        text = f"{type(exc).__name__}: {text}"
    keys = [target.api_key, operator.server_api_key(), st.session_state.get(panel.API_KEY_FIELD)]
    st.error(scrub(f"{prefix}{text}", keys), icon=":material/error:")


def new_pilot() -> None:
    """Sample set → one validation and estimate → budget → explicit confirmation → record, check ceilings, submit."""
    pilot_size.show(catalog)  # before a sample set is chosen: how big it should be
    source, template, source_error = panel.source_picker(identity.owner)
    check = panel.check_picker()
    budget_usd = panel.budget_input(target, settings)
    if source_error:
        st.error(source_error)
        return
    if source is None or check is None:
        return
    count_tokens = st.checkbox(
        "Count input tokens with Anthropic's free endpoint",
        disabled=target.simulated or not target.api_key,
        help="Otherwise an offline ceiling (labelled as such) is used.",
    )
    counting = count_tokens and not target.simulated and bool(target.api_key)
    memo_key = panel.counted_memo_key(source, template) if counting else None
    estimated = panel.counted_memo(memo_key)  # counting calls the API once per request: never on every rerun
    if estimated is None:
        with panel.runner(
            base_url=panel.endpoint_for(target) if counting else None, api_key=target.api_key, owner=identity.owner
        ) as counter:
            try:
                estimated = counter.estimate(source, catalog, template=template, count_tokens=counting)
            except ValidationFailed as exc:
                panel.render_problems(exc.result)
                return
            except API_ERRORS as exc:
                fail(exc)
                return
        panel.remember_counted(memo_key, estimated)
    estimate = estimated[1]
    decision = budget_decision(estimate, budget_usd)
    panel.render_estimate(estimate, decision)
    ceiling = (
        None
        if target.simulated
        else operator.month_refusal(ledger, settings, estimate.worst_case_batch_usd, datetime.now(UTC))
    )
    if ceiling:
        st.error(f"Refused: {ceiling}.", icon=":material/block:")
    confirmed = st.checkbox(
        f"Submit {estimate.request_count} requests to the {target.label}; worst case "
        f"{fmt.usd_small(estimate.worst_case_batch_usd)}",
        disabled=not decision.allowed or not target.api_key or bool(ceiling),
    )
    if not st.button("Submit pilot", type="primary", disabled=not confirmed, icon=":material/send:"):
        return
    with panel.runner(base_url=panel.endpoint_for(target), api_key=target.api_key, owner=identity.owner) as runner:
        try:
            pilot_id = panel.prepare_and_submit(
                runner,
                settings,
                lambda: runner.prepare(
                    source, catalog, template=template, budget_usd=budget_usd, check=check, estimated=estimated
                ),
            )
        except BudgetRefused as exc:
            fail(exc, prefix="Refused: ")
            return
        except API_ERRORS as exc:
            fail(exc)
            return
    state.select_pilot(pilot_id)
    st.success(f"Submitted pilot {pilot_id}: follow it in the Pilots tab.", icon=":material/check:")


def pilot_view() -> None:
    """One of this visitor's pilots: live status, then results, report, "Use in plan", retry and remove."""
    pilots = ledger.pilots(owner=identity.owner)
    if not pilots:
        st.info("No pilots yet. Pilots you submit here appear in this tab.", icon=":material/inventory_2:")
        return
    ids = [p.pilot_id for p in pilots]
    labels = {p.pilot_id: f"{p.pilot_id} — {p.label}{'  [SIMULATED]' if p.simulated else ''}" for p in pilots}
    chosen = state.selected_pilot()
    pilot_id = st.selectbox("Pilot", ids, index=ids.index(chosen) if chosen in ids else 0, format_func=labels.get)
    row = next(p for p in pilots if p.pilot_id == pilot_id)
    with panel.runner(base_url=row.endpoint, api_key=None, owner=identity.owner) as offline:
        stored = offline.status(pilot_id)
    reachable = panel.explain_unreachable(row, stored, target)
    if reachable is not None:
        with panel.runner(base_url=row.endpoint, api_key=None, owner=identity.owner) as offline:
            panel.render_status(offline.status(pilot_id))
            if offline.status(pilot_id).state == "complete":
                pilot_actions(offline, pilot_id, row.budget_usd, simulated=row.simulated, live=False)
        panel.remove_control(pilot_id, identity.owner, pending=False)
        return
    connect = {"base_url": row.endpoint, "api_key": panel.key_for(row.simulated, target), "owner": identity.owner}
    pending = stored.pending
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
                fail(exc)
                status = runner.status(pilot_id)
        panel.render_status(status)
        if pending and not status.pending:
            st.rerun(scope="app")

    live_status()
    with panel.runner(**connect) as runner:
        pilot_actions(runner, pilot_id, row.budget_usd, simulated=row.simulated, live=True)
        panel.remove_control(pilot_id, identity.owner, pending=runner.status(pilot_id).pending)
    with st.expander("History"):
        for at, part, kind, detail in ledger.events(pilot_id):
            st.text(f"{at:%Y-%m-%d %H:%M:%S} batch {part if part is not None else '-'} {kind}: {detail}")


def pilot_actions(runner: Runner, pilot_id: str, budget_usd: float, *, simulated: bool, live: bool) -> None:
    """Cancel while pending; once complete: download, report, \"Use in plan\", and (live) retry failures."""
    status = runner.status(pilot_id)
    left, middle, right = st.columns(3)
    try:
        if live and status.pending and left.button("Cancel pilot", icon=":material/cancel:"):
            runner.cancel(pilot_id)
            st.rerun()
        if status.state != "complete":
            return
        results = runner.ledger.results_path(pilot_id)
        left.download_button(
            "Download results (JSONL)",
            data=results.read_bytes() if results.exists() else b"",
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
                state.set_pilot_measurement(
                    measurement,
                    model=report.models[0] if len(report.models) == 1 else None,
                    simulated=simulated,
                    label=pilot_id,
                    token_samples=panel.token_samples(runner.iter_results(pilot_id)),
                )
                st.success(
                    "The planner pages now offer this pilot's success rate, tokens and turnaround "
                    "(Sync vs batch → Apply pilot measurement)."
                )
        failed = runner.failed_custom_ids(pilot_id) if live else set()
        if failed and right.button(f"Retry {len(failed)} failed and expired", icon=":material/replay:"):
            cap = budget_usd if simulated else min(budget_usd, settings.max_budget_usd_per_pilot)
            new_id = panel.prepare_and_submit(
                runner, settings, lambda: runner.retry_failed(pilot_id, catalog, budget_usd=cap)
            )
            state.select_pilot(new_id)
            st.rerun()
    except API_ERRORS as exc:
        fail(exc)


with new_tab:
    try:
        new_pilot()
    except Exception as exc:  # the page must never become a traceback; the message names what failed
        fail(exc, prefix="The new pilot could not be prepared: ")
with pilots_tab:
    try:
        pilot_view()
    except Exception as exc:
        fail(exc, prefix="The pilots could not be shown: ")
