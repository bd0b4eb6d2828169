"""Typed session state: every key the pages share, in one place. Stores frozen models, not dicts.

A page must still render when opened alone, so every getter has a sensible default. Widget keys
belong to the form that draws them (`ui.widgets`: `wf_*`); everything else a page remembers
across reruns and pages is named here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:
    from costmodel.measurement import PilotMeasurement
    from costmodel.scenario import Scenario
    from costmodel.workflow import Workflow

PILOT_MEASUREMENT = "bp_pilot_measurement"
"""The last pilot measurement the user chose to "Use in plan" (costmodel.measurement.PilotMeasurement)."""
PILOT_TOKEN_SAMPLES = "bp_pilot_token_samples"
"""That pilot's per-request tokens ({field: costmodel.uncertainty.Sample}), applied with it as uncertain inputs."""
PILOT_ORIGIN = "bp_pilot_origin"
"""Where that measurement comes from (`PilotOrigin`): the model it ran on, and whether it was simulated."""
IMPORTED_SCENARIO = "bp_imported_scenario"
"""A scenario built from imported usage, waiting to be loaded into the planner (costmodel.scenario.Scenario)."""
IMPORTED_UNCERTAINTY = "bp_imported_uncertainty"
"""That scenario's uncertain inputs (workflow index → {field: distribution}, e.g. a request log's token samples)."""
SCENARIO = "bp_scenario"
"""The scenario the pages work on (costmodel.scenario.Scenario); the sidebar sets it."""
WORKFLOW_INDEX = "bp_workflow_index"
"""Which of the scenario's workflows the workflow pages show (int, 0-based)."""
_VISITED = "bp_visited_pages"
"""Pages that have run at least once this session (frozenset of page names)."""
FORM_SOURCE = "bp_form_source"
"""The workflow the workflow form last showed or produced (Workflow); a different base re-seeds its widgets."""
FORM_LINKS = "bp_form_links"
"""The forms' link parameters as last written ({query key: (model, token)}), so an unchanged value is not re-encoded."""
FORM_LAYOUT = "bp_form_layout"
"""The sections the workflow form drew last run (tuple of names); another page's layout means widgets to adopt."""
LOADED_FILE = "bp_loaded_file_id"
"""The uploaded scenario file already applied (str), so a rerun does not reload it over the user's edits."""
PORTFOLIO_SOURCE = "bp_portfolio_source"
"""The scenario the Portfolio form last showed or produced (Scenario); a different one re-seeds the page."""
PORTFOLIO_FRAME = "bp_portfolio_frame"
"""The portfolio editor's input table (DataFrame); it changes only when the scenario does, so edits survive."""
PORTFOLIO_BASE = "bp_portfolio_base"
"""The workflows under the portfolio table's rows (tuple of Workflow; index i → base[i])."""
PORTFOLIO_LAST = "bp_portfolio_last"
"""The portfolio table as last edited (DataFrame, invalid rows included), restored after another page."""
PORTFOLIO_ROWS = "bp_portfolio_rows"
"""The portfolio table's validated rows with what they were read from (table, base, edits JSON, rows), reused while
those are unchanged."""
PORTFOLIO_WIDGET = "pf_{}"
"""The Portfolio page's widget and element keys, `pf_<name>` (`pf_editor`, `pf_tier`, ...): `.format(name)`."""
CONFIRM_PENDING = "bp_confirm_{}"
"""A question waiting for the user's answer (bool), one per confirmable action key (`ui.confirm`)."""
SHOW_RETIRED = "sidebar_show_retired"
"""The sidebar's "Show retired models" switch (bool): retired models join the model pickers."""
PRICE_REFRESH_NOTE = "bp_price_refresh_note"
"""What the last "Refresh prices" did (str): the failure reason, or that the refreshed data is in use."""
UNCERTAINTY = "bp_uncertainty"
"""Uncertain inputs per workflow (dict: workflow index → {field: distribution}, `costmodel.uncertainty`)."""
UNCERTAINTY_FORM = "bp_uncertainty_form"
"""What the Uncertainty boxes last showed or kept (`ui.ranges.UncertaintyBoxes`: a workflow's index and its inputs
in force), the `ui.forms` source: another workflow, or inputs changed underneath, re-seed them."""
PILOT_SELECTED = "bp_pilot_selected"
"""The pilot the Live pilot page's Pilots tab shows (str: a pilot id, not a secret)."""
PILOT_COUNTED = "bp_pilot_counted"
"""The last (sample-set digest, API-counted estimate) on Live pilot, so token counting runs once per sample set."""
PILOT_OWNER = "bp_pilot_owner"
"""This browser session's pilot owner id (str, "session:<uuid4>"), used when nobody is signed in."""
USAGE_PATHS = "bp_usage_paths"
"""Files the Usage page imports (list of paths): the sample picker sets it; AppTests set it to drive the page."""
USAGE_FETCHED = "bp_usage_fetched"
"""The `ImportResult` of the Usage page's last Admin API fetch (the admin key itself is never kept)."""
USAGE_FETCH_ERROR = "bp_usage_fetch_error"
"""The last Admin API fetch's error lines (list of str)."""
USAGE_ADMIN_BASE_URL = "bp_usage_admin_base_url"
"""Where the Admin API lives (str; default Anthropic's): tests point it at the local emulator."""
SHARE_WRITTEN = "bp_share_written"
"""What this session put in the URL ({query key: its latest encoded values, oldest first}), so a link the session
wrote is never re-read as a shared one."""
WINDOWS_CALENDAR = "win_calendar"
"""Submission windows' clock deadline (`CalendarInputs`), None when it plans hours from arrival only: a view of that
page, not part of the workflow (whose SLA stays hours from arrival, as the verdict uses it); its link key is `?c=`."""
WINDOWS_INTERVAL = "win_interval"
"""Submission windows' chosen interval (`IntervalChoice`, 0 h: the recommended one): the source of the interval
selector's form, a view of that page; its link key is `?i=`."""
REQUEST_LOG_ARRIVALS = "bp_request_log_arrivals"
"""When the requests of the request log last imported on Usage arrived (`RequestLogArrivals`), for the clock deadline's
"arrivals as in the imported log" on Submission windows."""
ROUTE_RATES = "bp_route_rates"
"""Model routing: the per-model first-pass success rates the user set [model id → %], kept while the rates
editor is closed (a closed lazy expander draws no editor, and Streamlit drops its edits)."""


@dataclass(frozen=True)
class PilotOrigin:
    """Where a pilot measurement comes from, so the planner can say so before applying it."""

    model: str | None
    """Model id the pilot's requests ran on; None when the pilot did not say."""
    simulated: bool
    """True for the built-in sandbox or the emulator: made-up results, not a real measurement."""
    label: str = ""
    """How to name the pilot in the page, e.g. its id."""


@dataclass(frozen=True)
class RequestLogArrivals:
    """The arrival times of an imported request log, counted per UTC quarter-hour (exact in any time zone)."""

    quarters: tuple[tuple[int, int], ...]
    """(quarter-hours since 1970-01-01 UTC, requests) pairs, in time order."""
    label: str = ""
    """The files they come from."""

    @property
    def requests(self) -> int:
        """Requests in the log [requests]."""
        return sum(count for _, count in self.quarters)


def set_request_log_arrivals(quarters: dict[int, int], *, label: str = "") -> None:
    """Remember when an imported request log's requests arrived (nothing kept, and any earlier log forgotten,
    when the import holds no request log)."""
    if not quarters:
        st.session_state.pop(REQUEST_LOG_ARRIVALS, None)
        return
    arrivals = RequestLogArrivals(tuple(sorted(quarters.items())), label=label)
    if st.session_state.get(REQUEST_LOG_ARRIVALS) != arrivals:
        st.session_state[REQUEST_LOG_ARRIVALS] = arrivals


def get_request_log_arrivals() -> RequestLogArrivals | None:
    """The arrivals of the request log last imported on Usage, if any."""
    arrivals = st.session_state.get(REQUEST_LOG_ARRIVALS)
    return arrivals if isinstance(arrivals, RequestLogArrivals) else None


def set_pilot_measurement(
    measurement: PilotMeasurement,
    *,
    model: str | None = None,
    simulated: bool = False,
    label: str = "",
    token_samples: dict[str, Any] | None = None,
) -> None:
    """Remember a pilot measurement (and where it comes from) for the planner pages to apply; `token_samples`
    (input/output tokens per request as sample distributions) become the workflow's uncertain tokens with it."""
    st.session_state[PILOT_MEASUREMENT] = measurement
    st.session_state[PILOT_TOKEN_SAMPLES] = dict(token_samples or {})
    st.session_state[PILOT_ORIGIN] = PilotOrigin(model=model, simulated=simulated, label=label)


def get_pilot_measurement() -> PilotMeasurement | None:
    """The pilot measurement chosen for the plan, if any (anything else under the key is ignored, never probed)."""
    from costmodel.measurement import PilotMeasurement

    measurement = st.session_state.get(PILOT_MEASUREMENT)
    return measurement if isinstance(measurement, PilotMeasurement) else None


def get_pilot_token_samples() -> dict[str, Any]:
    """The chosen pilot's per-request token samples ({field: Sample}; empty when it kept none)."""
    held = st.session_state.get(PILOT_TOKEN_SAMPLES)
    return dict(held) if isinstance(held, dict) else {}


def get_pilot_origin() -> PilotOrigin:
    """Where the chosen pilot measurement comes from (unknown model, not simulated, when nobody said)."""
    origin = st.session_state.get(PILOT_ORIGIN)
    return origin if isinstance(origin, PilotOrigin) else PilotOrigin(model=None, simulated=False)


def set_imported_scenario(scenario: Scenario, uncertain: dict[int, dict[str, Any]] | None = None) -> None:
    """Offer a scenario built from imported usage to the planner pages, with its workflows' uncertain inputs."""
    st.session_state[IMPORTED_SCENARIO] = scenario
    st.session_state[IMPORTED_UNCERTAINTY] = dict(uncertain or {})


def get_imported_uncertainty() -> dict[int, dict[str, Any]]:
    """The imported scenario's uncertain inputs by workflow index (empty when it has none)."""
    held = st.session_state.get(IMPORTED_UNCERTAINTY)
    return dict(held) if isinstance(held, dict) else {}


def get_imported_scenario() -> Scenario | None:
    """The scenario built from imported usage, if any."""
    return st.session_state.get(IMPORTED_SCENARIO)


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
    _latest().scenario = scenario


@dataclass
class _Latest:
    """The one mutable holder in session state: the scenario as last set, read when a download is clicked."""

    scenario: Scenario | None = None


_LATEST = "bp_latest_scenario"
"""Session key: `_Latest`, so a deferred download made before the page ran still saves the page's edits."""


def _latest() -> _Latest:
    holder = st.session_state.get(_LATEST)
    if not isinstance(holder, _Latest):
        holder = _Latest(st.session_state.get(SCENARIO))
        st.session_state[_LATEST] = holder
    return holder


def latest_scenario() -> Callable[[], Scenario]:
    """A reader of the scenario as it will be at the end of this run (pages write their edits after the
    sidebar is drawn): the sidebar's Save button, drawn once before the page, calls it on click."""
    holder = _latest()
    holder.scenario = get_scenario()

    def read() -> Scenario:
        assert holder.scenario is not None
        return holder.scenario

    return read


def get_workflow_index() -> int:
    """The selected workflow's position in the current scenario, clamped to the scenario's length."""
    index = int(st.session_state.get(WORKFLOW_INDEX, 0))
    return min(max(index, 0), len(get_scenario().workflows) - 1)


def set_workflow_index(index: int) -> None:
    """Select the scenario's workflow at `index` for the workflow pages."""
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


def first_visit(page: str) -> bool:
    """True on the first run of `page` in this session (then False): an untouched deep link leaves the URL alone."""
    visited: frozenset[str] = st.session_state.get(_VISITED, frozenset())
    if page in visited:
        return False
    st.session_state[_VISITED] = visited | {page}
    return True


def show_retired_models() -> bool:
    """Whether the sidebar asks for retired models in the pickers (off unless switched on)."""
    return bool(st.session_state.get(SHOW_RETIRED, False))


def get_uncertainty(index: int) -> dict[str, Any]:
    """The uncertain inputs of the scenario's workflow at `index` ({field: distribution}; empty = all points)."""
    held = st.session_state.get(UNCERTAINTY)
    found = held.get(index) if isinstance(held, dict) else None
    return dict(found) if isinstance(found, dict) else {}


def uncertainty_holder() -> dict[int, dict[str, Any]]:
    """The live mapping of every workflow's uncertain inputs (changed in place, so the sidebar's Save button, whose
    file is built on click after the page ran, reads the page's latest ranges)."""
    held = st.session_state.get(UNCERTAINTY)
    if not isinstance(held, dict):
        held = {}
        st.session_state[UNCERTAINTY] = held
    return held


def set_uncertainty(index: int, uncertain: dict[str, Any]) -> None:
    """Remember the uncertain inputs of the workflow at `index` (empty removes them)."""
    held = uncertainty_holder()
    if uncertain:
        held[index] = dict(uncertain)
    else:
        held.pop(index, None)


def clear_uncertainty() -> None:
    """Forget every workflow's uncertain inputs (a new scenario was loaded); the boxes re-seed."""
    uncertainty_holder().clear()
    st.session_state.pop(UNCERTAINTY_FORM, None)


def selected_pilot() -> str | None:
    """The pilot id the Live pilot page shows, None before one is chosen."""
    chosen = st.session_state.get(PILOT_SELECTED)
    return None if chosen is None else str(chosen)


def select_pilot(pilot_id: str | None) -> None:
    """Show this pilot on the Live pilot page (None: forget the choice, e.g. after removing it)."""
    if pilot_id is None:
        st.session_state.pop(PILOT_SELECTED, None)
    else:
        st.session_state[PILOT_SELECTED] = pilot_id
