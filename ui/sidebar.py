"""The shared sidebar: pick a preset, load or save a scenario file, take over imported usage; price source."""

from __future__ import annotations

import re

import streamlit as st

from costmodel.scenario import Scenario, ScenarioError, scenario_from_json, scenario_to_json
from ui import data, state

__all__ = ["render"]

_PRESET_KEY = "sidebar_preset"
_UPLOAD_KEY = "sidebar_upload"
_LOADED_FILE = "bp_loaded_file_id"
"""Session key: the upload already applied, so a rerun does not reload it over the user's edits."""


def _use(scenario: Scenario) -> None:
    state.set_scenario(scenario)
    state.set_workflow_index(0)


def _pick_preset() -> None:
    _use(data.presets()[st.session_state[_PRESET_KEY]])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"


def render() -> None:
    """Draw the sidebar for every page."""
    presets = data.presets()
    scenario = state.get_scenario()
    with st.sidebar:
        st.subheader(":material/folder_open: Scenario")
        st.selectbox(
            "Preset",
            list(presets),
            format_func=lambda k: presets[k].name,
            key=_PRESET_KEY,
            on_change=_pick_preset,
            help="Workflows from the field as starting points; every input stays editable",
            **({} if _PRESET_KEY in st.session_state else {"index": list(presets).index(data.DEFAULT_PRESET)}),
        )
        st.button(
            "Reset to preset",
            icon=":material/restart_alt:",
            on_click=_pick_preset,
            help="Discard edits and reload the selected preset",
        )
        upload = st.file_uploader("Load a scenario file", type=["json"], key=_UPLOAD_KEY)
        if upload is not None and st.session_state.get(_LOADED_FILE) != upload.file_id:
            try:
                loaded = scenario_from_json(upload.getvalue(), source=upload.name)
            except ScenarioError as exc:
                st.error(
                    f"**{upload.name}** could not be loaded:\n\n" + "\n".join(f"- {p}" for p in exc.problems),
                    icon=":material/error:",
                )
            else:
                st.session_state[_LOADED_FILE] = upload.file_id
                _use(loaded)
                scenario = loaded
        st.caption(f"Current: **{scenario.name}** · {len(scenario.workflows)} workflow(s)")
        st.download_button(
            "Save scenario (JSON)",
            scenario_to_json(scenario),
            file_name=f"{_slug(scenario.name)}.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
        )
        imported = state.get_imported_scenario()
        if imported is not None and st.button(
            "Load imported usage as scenario", icon=":material/upload_file:", help=imported.description or None
        ):
            _use(imported)
            st.rerun()
        st.divider()
        st.caption(f":material/sell: Prices: {data.catalog(batch_discount=scenario.batch_discount).source.label()}")
