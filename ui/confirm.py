"""Actions that replace what the user typed ask first, and say what they will change.

One mechanism for every such action: a first click opens a bordered box with the question (and
whatever the caller draws into it: a before/after table, warnings), then *confirm* runs the action
and *cancel* closes the box. Pending questions live in session state (`ui.state.CONFIRM_PENDING`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from costmodel import formatting as fmt
from costmodel.uncertainty import UncertainWorkflow, with_distributions
from costmodel.workflow import Workflow
from ui import state, transitions

__all__ = ["ask", "pilot_measurement_offer", "preset_assumptions_note"]

_PENDING = state.CONFIRM_PENDING


def ask(
    label: str,
    *,
    key: str,
    question: str,
    confirm: str,
    on_confirm: Callable[[], None],
    body: Callable[[], bool] | None = None,
    **button: Any,
) -> None:
    """A button whose action runs only after the user confirms it.

    `body` draws the details inside the question box and returns False when the action cannot run
    (then only *cancel* is offered).
    """
    pending = _PENDING.format(key)
    if st.button(label, key=f"{key}_ask", **button):
        st.session_state[pending] = True
    if not st.session_state.get(pending):
        return
    with st.container(border=True):
        st.markdown(f"**{question}**")
        runnable = body() if body is not None else True
        c1, c2 = st.columns(2)
        if runnable and c1.button(confirm, key=f"{key}_yes", type="primary", icon=":material/check:"):
            st.session_state[pending] = False
            on_confirm()
            st.rerun()
        if c2.button("Cancel", key=f"{key}_no", icon=":material/close:"):
            st.session_state[pending] = False
            st.rerun()


def pilot_measurement_offer(index: int, workflow: Workflow) -> None:
    """Offer the pilot measurement chosen on the Live pilot page: what it changes (before → after), whether it
    was simulated, and whether it ran on another model; apply only on confirmation."""
    measurement = state.get_pilot_measurement()
    if measurement is None:
        return
    origin = state.get_pilot_origin()
    tag = " · **SIMULATED** (sandbox results, not a measurement)" if origin.simulated else ""
    st.caption(
        f":material/science: A pilot measurement is available{f' ({origin.label})' if origin.label else ''}: "
        f"{measurement.request_count:,} requests, success {fmt.share(measurement.success_rate)}{tag}."
    )

    def details() -> bool:
        try:
            proposed = measurement.apply_to(workflow)
        except ValueError as exc:  # pydantic's ValidationError included
            st.error(f"The pilot measurement does not fit this workflow: {exc}", icon=":material/error:")
            return False
        changes = transitions.workflow_changes(workflow, proposed)
        if not changes:
            st.info("The workflow already has the pilot's figures: nothing would change.")
            return False
        st.markdown(
            "| Input | Now | From the pilot |\n|---|---:|---:|\n"
            + "\n".join(f"| {c.label} | {c.before} | {c.after} |" for c in changes)
        )
        if origin.simulated:
            st.warning(
                "This measurement is **simulated**: the sandbox made the results up. Use it to rehearse the flow, "
                "not to plan.",
                icon=":material/science:",
            )
        if origin.model is not None and workflow.custom_prices is None and origin.model != workflow.model:
            st.warning(
                f"The pilot ran on **{origin.model}**, this workflow uses **{workflow.model}**: its tokens and "
                "success rate may not carry over. Pick the pilot's model, or run a pilot on this one.",
                icon=":material/swap_horiz:",
            )
        return True

    def apply() -> None:
        applied = measurement.apply_to(workflow)
        state.set_workflow(index, applied)
        samples = state.get_pilot_token_samples()  # issue 12: the pilot's per-request tokens, as ranges
        if samples:
            held, dropped = with_distributions(applied, state.get_uncertainty(index), samples)
            # the workflow at the samples' means to the bit, so the Portfolio matches the row to its distributions
            state.set_workflow(index, UncertainWorkflow(workflow=applied, uncertain=held).workflow)
            state.set_uncertainty(index, held)
            for line in dropped:
                st.toast(f"Pilot tokens not used as a range: {line}")
        st.toast("Pilot measurement applied.")

    ask(
        "Apply pilot measurement",
        key="pilot_apply",
        question=f"Apply the pilot measurement to “{workflow.name}”? It changes:",
        confirm="Apply these changes",
        on_confirm=apply,
        body=details,
        icon=":material/science:",
        help="Shows what the pilot's measured figures would change, then asks",
    )


def preset_assumptions_note(index: int, workflow: Workflow, *, overhead_per_month_usd: float) -> None:
    """List the workflow's settings in sections that start closed, with one click to clear them."""
    hidden = transitions.hidden_assumptions(workflow, overhead_per_month_usd=overhead_per_month_usd)
    if not hidden:
        return
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.info("This workflow assumes: " + ", ".join(hidden) + ".", icon=":material/visibility:")
    if right.button("Clear these", key="clear_hidden_assumptions", help="Back to no caching, no overheads, "
                    "no urgent share, no constraints; what you see above stays"):  # fmt: skip
        state.set_workflow(index, transitions.cleared(workflow))
        st.rerun()
