"""Typed session state: every key the pages share, in one place. Stores frozen models, not dicts.

A page must still render when opened alone, so every getter has a sensible default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:
    from costmodel.scenario import Scenario
    from costmodel.workflow import Workflow

PILOT_MEASUREMENT = "bp_pilot_measurement"
"""The last pilot measurement the user chose to "Use in plan" (costmodel.pilot.PilotMeasurement)."""
IMPORTED_SCENARIO = "bp_imported_scenario"
"""A scenario built from imported usage, waiting to be loaded into the planner (costmodel.scenario.Scenario)."""


def set_pilot_measurement(measurement: Any) -> None:
    """Remember a pilot measurement for the planner pages to apply."""
    st.session_state[PILOT_MEASUREMENT] = measurement


def get_pilot_measurement() -> Any | None:
    """The pilot measurement chosen for the plan, if any."""
    return st.session_state.get(PILOT_MEASUREMENT)


def set_imported_scenario(scenario: Scenario) -> None:
    """Offer a scenario built from imported usage to the planner pages."""
    st.session_state[IMPORTED_SCENARIO] = scenario


def get_imported_scenario() -> Scenario | None:
    """The scenario built from imported usage, if any."""
    return st.session_state.get(IMPORTED_SCENARIO)


SCENARIO = "bp_scenario"
"""The scenario the pages work on (costmodel.scenario.Scenario); the sidebar sets it."""


def get_scenario() -> Scenario:
    """The current scenario; the default preset when none was chosen (a page opened alone still works)."""
    scenario = st.session_state.get(SCENARIO)
    if scenario is None:
        from ui.data import DEFAULT_PRESET, presets

        scenario = presets()[DEFAULT_PRESET]
        st.session_state[SCENARIO] = scenario
    return scenario


def set_scenario(scenario: Scenario) -> None:
    """Make `scenario` the one every page works on."""
    st.session_state[SCENARIO] = scenario


WORKFLOW_INDEX = "bp_workflow_index"
"""Which of the scenario's workflows the Sync vs batch page shows (int, 0-based)."""


def get_workflow_index() -> int:
    """The selected workflow's position in the current scenario, clamped to the scenario's length."""
    index = int(st.session_state.get(WORKFLOW_INDEX, 0))
    return min(max(index, 0), len(get_scenario().workflows) - 1)


def set_workflow_index(index: int) -> None:
    """Select the scenario's workflow at `index` for the Sync vs batch page."""
    st.session_state[WORKFLOW_INDEX] = index


def set_workflow(index: int, workflow: Workflow) -> None:
    """Replace the current scenario's workflow at `index` (other pages see the edit too)."""
    scenario = get_scenario()
    workflows = list(scenario.workflows)
    if index >= len(workflows):
        index = len(workflows) - 1
    if workflows[index] == workflow:
        return
    workflows[index] = workflow
    set_scenario(scenario.model_copy(update={"workflows": tuple(workflows)}))
