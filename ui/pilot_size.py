"""Pilot-size advice on the Live pilot page (issue 12): before a sample set is chosen, how many requests it needs.

The arithmetic is `costmodel.samplesize.pilot_size_advice`; the break-even comes from the core's `compare`. This
module only picks the workflow it rests on (the current one, if the session has a scenario) and draws the advice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from costmodel import formatting as fmt
from costmodel.samplesize import PilotSizeAdvice, pilot_size_advice
from ui import state

if TYPE_CHECKING:
    from costmodel.prices import Catalog
    from costmodel.workflow import Workflow

__all__ = ["DEFAULT_EXPECTED_SUCCESS_RATE", "PRECISION_KEY", "advice_for", "show"]

PRECISION_KEY = "bp_pilot_precision_points"
"""Widget key: the precision asked for [± percentage points]."""
DEFAULT_PRECISION_POINTS = 2.0
"""Default precision: ± 2 points, as `python -m pilot estimate --precision 0.02` [percentage points]."""
DEFAULT_EXPECTED_SUCCESS_RATE = 0.9
"""Expected first-pass success rate when the session has no workflow yet: an assumption, labelled (as the CLI's)."""


def advice_for(
    workflow: Workflow | None, catalog: Catalog, *, half_width: float, requests_already: int = 0
) -> PilotSizeAdvice:
    """Advice for `workflow`'s success rate and break-even (none when it cannot be priced or does not cross);
    without a workflow, for the assumed `DEFAULT_EXPECTED_SUCCESS_RATE`."""
    from costmodel.cost import compare
    from costmodel.workflow import WorkflowError, resolve_pricing

    if workflow is None:
        return pilot_size_advice(
            DEFAULT_EXPECTED_SUCCESS_RATE, half_width=half_width, requests_already=requests_already
        )
    try:
        break_even = compare(workflow, resolve_pricing(workflow, catalog)).break_even.success_rate
    except WorkflowError:
        break_even = None
    return pilot_size_advice(
        workflow.success_rate,
        half_width=half_width,
        break_even_success_rate=break_even if break_even is not None and 0 < break_even < 1 else None,
        requests_already=requests_already,
    )


def _current_workflow() -> Workflow | None:
    """The workflow the other pages work on, when the session has chosen a scenario; else None."""
    if st.session_state.get(state.SCENARIO) is None:
        return None
    return state.get_scenario().workflows[state.get_workflow_index()]


def show(catalog: Catalog) -> None:
    """The advice, with a precision input, for the current workflow (or the labelled assumption)."""
    workflow = _current_workflow()
    measurement = state.get_pilot_measurement()
    with st.expander(":material/straighten: How many requests does the pilot need?", expanded=True):
        points = st.number_input(
            "Precision [± percentage points at 90 %]",
            min_value=0.5,
            max_value=20.0,
            value=DEFAULT_PRECISION_POINTS,
            step=0.5,
            key=PRECISION_KEY,
            help="How tightly the pilot should pin the first-pass success rate: ±2 points = a 90 % interval "
            "4 points wide.",
        )
        advice = advice_for(
            workflow,
            catalog,
            half_width=points / 100,
            requests_already=measurement.request_count if measurement is not None else 0,
        )
        basis = (
            f"For **{workflow.name}** (first-pass success {fmt.share(workflow.success_rate)} as planned)"
            if workflow is not None
            else f"No workflow chosen yet: an assumed {fmt.share(DEFAULT_EXPECTED_SUCCESS_RATE)} first-pass success"
        )
        st.info(f"{basis}: {advice.statement}.", icon=":material/science:")
        st.caption("Normal approximation to a binomial share, two-sided 90 %: n = 1.645² · p · (1 − p) / x².")
