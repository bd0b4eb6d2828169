"""The shared sidebar: pick a preset, load or save a scenario file, take over imported usage; price source."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from costmodel.scenario import Scenario, ScenarioError, scenario_to_json
from costmodel.uncertainty import uncertain_scenario_from_json, uncertain_scenario_to_json
from ui import data, state, transitions

__all__ = ["render"]

_PRESET_KEY = "sidebar_preset"
_UPLOAD_KEY = "sidebar_upload"
_LOADED_FILE = state.LOADED_FILE


def _use(scenario: Scenario, uncertain: dict[int, dict[str, Any]] | None = None) -> None:
    state.set_scenario(scenario)
    state.set_workflow_index(0)
    state.clear_uncertainty()
    for index, spread in (uncertain or {}).items():
        state.set_uncertainty(index, spread)


BLANK = "blank"
"""The preset selector's first choice: a new workflow with none of a preset's hidden settings."""


BLANK_SCENARIO = Scenario(name="New workflow", workflows=(transitions.BLANK_WORKFLOW,))
"""What the blank choice loads (frozen: built once, not on every rerun)."""


def _starting_points() -> dict[str, Scenario]:
    return {BLANK: BLANK_SCENARIO, **data.presets()}


def _pick_preset() -> None:
    _use(_starting_points()[st.session_state[_PRESET_KEY]])


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"


def _scenario_json(read: Callable[[], Scenario], uncertain: dict[int, dict[str, Any]]) -> str:
    """The file the Save button gives: the scenario, with each workflow's ranges inline when it has any."""
    scenario = read()
    spread = {i: d for i, d in uncertain.items() if d and i < len(scenario.workflows)}
    return uncertain_scenario_to_json(scenario, spread) if spread else scenario_to_json(scenario)


REFRESH_KEY = "sidebar_refresh_prices"
REFRESH_TIMEOUT_S = 10.0
"""Longest the sidebar waits for genai-prices' runtime update before it keeps the bundled data [s]."""


def _refresh_prices() -> None:
    """The "Refresh prices" switch: opt into genai-prices' runtime update once; on failure say why and switch off."""
    if not st.session_state.get(REFRESH_KEY):
        st.session_state[state.PRICE_REFRESH_NOTE] = "Bundled price data in use."
        return
    from commands.prices import refresh_prices  # the one edge that reaches the internet

    problem = refresh_prices(timeout_seconds=REFRESH_TIMEOUT_S)
    if problem is None:
        data.prices_refreshed()  # the next catalog builds from the refreshed snapshot; old results go with it
        st.session_state[state.PRICE_REFRESH_NOTE] = "Refreshed price data in use."
    else:
        st.session_state[REFRESH_KEY] = False
        st.session_state[state.PRICE_REFRESH_NOTE] = problem[0].upper() + problem[1:] + "."


def _prices(scenario: Scenario) -> None:
    """Price source, the price data's own date beside the evaluation date, its stale warning, the two switches."""
    source = data.catalog(batch_discount=scenario.batch_discount).source
    data_date = source.data_date.isoformat() if source.data_date else "undated"
    note = st.session_state.get(state.PRICE_REFRESH_NOTE)
    in_use = note if isinstance(note, str) and note.endswith("in use.") else None
    # one caption, not three: every element costs a rerun time, and this sidebar runs on every page
    st.caption(
        f":material/sell: Prices: {source.label()}\n\n"
        f"Price data dated **{data_date}** · evaluated for **{source.as_of.isoformat()}**"
        + (f"\n\n{in_use}" if in_use else "")
    )
    if source.stale_warning:
        st.warning(source.stale_warning[0].upper() + source.stale_warning[1:], icon=":material/history:")
    st.toggle(
        "Refresh prices",
        key=REFRESH_KEY,
        on_change=_refresh_prices,
        help="Fetch genai-prices' latest price data once (needs the internet); without it, the bundled data is used",
    )
    if isinstance(note, str) and note and in_use is None:
        st.warning(note)
    st.toggle(
        "Show retired models",
        key=state.SHOW_RETIRED,
        help="Offer models Anthropic has retired in the model pickers; a plan on one warns",
    )


def render() -> None:
    """Draw the sidebar for every page, before the page runs.

    The Save button is drawn once: its file is built on click from the scenario as the page left it,
    so it holds the edits the page makes after the sidebar is drawn (and, if the page stops early on
    invalid input, the last valid scenario).
    """
    presets = _starting_points()
    scenario = state.get_scenario()
    with st.sidebar:
        st.subheader(":material/folder_open: Scenario")
        st.selectbox(
            "Preset",
            list(presets),
            format_func=lambda k: "New blank workflow" if k == BLANK else presets[k].name,
            key=_PRESET_KEY,
            on_change=_pick_preset,
            help="A blank workflow, or workflows from the field as starting points; every input stays editable",
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
                read = uncertain_scenario_from_json(upload.getvalue(), source=upload.name)
            except ScenarioError as exc:
                st.error(
                    f"**{upload.name}** could not be loaded:\n\n" + "\n".join(f"- {p}" for p in exc.problems),
                    icon=":material/error:",
                )
            else:
                st.session_state[_LOADED_FILE] = upload.file_id
                _use(read.scenario, {i: dict(w.uncertain) for i, w in enumerate(read.workflows) if w.uncertain})
                scenario = read.scenario
        st.caption(f"Current: **{scenario.name}** · {len(scenario.workflows)} workflow(s)")
        st.download_button(
            "Save scenario (JSON)",
            functools.partial(_scenario_json, state.latest_scenario(), state.uncertainty_holder()),
            file_name=f"{_slug(scenario.name)}.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
            key="sidebar_save",
        )
        imported = state.get_imported_scenario()
        if imported is not None and st.button(
            "Load imported usage as scenario", icon=":material/upload_file:", help=imported.description or None
        ):
            _use(imported, state.get_imported_uncertainty())
            st.rerun()
        st.divider()
        _prices(scenario)
