"""The router and shared sidebar: every page renders from the router and alone; presets; scenario files."""

from __future__ import annotations

import json

import pytest

from costmodel.scenario import scenario_to_json
from tests.ui.conftest import ROOT
from tests.ui.helpers import app, assert_clean, metrics
from ui import data

PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))
PRESET_KEYS = sorted(p.stem for p in (ROOT / "data" / "presets").glob("*.json"))


def test_router_opens_on_sync_vs_batch() -> None:
    at = app().run()
    assert_clean(at)
    assert at.title[0].value.endswith("Sync vs batch")
    assert {"Sync spend", "Batch spend", "Net savings", "Break-even rate"} <= set(metrics(at))
    assert any("genai-prices" in c.value for c in at.sidebar.caption)


def test_expected_pages_exist() -> None:
    assert {"app_pages/sync_vs_batch.py", "app_pages/assumptions.py"} <= set(PAGE_FILES)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders_from_router(page: str) -> None:
    at = app().run()
    at.switch_page(page).run()
    assert_clean(at)
    assert at.title, f"{page} shows no title"


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders_alone(page: str) -> None:
    at = app(page).run()
    assert_clean(at)


@pytest.mark.parametrize("preset", PRESET_KEYS)
def test_each_preset_loads(preset: str) -> None:
    at = app().run()
    at.sidebar.selectbox(key="sidebar_preset").set_value(preset).run()
    assert_clean(at)
    scenario = data.presets()[preset]
    assert any(scenario.name in c.value for c in at.sidebar.caption)
    if len(scenario.workflows) > 1:
        assert at.selectbox[0].options == [f"{i + 1}. {w.name}" for i, w in enumerate(scenario.workflows)]
    first = scenario.workflows[0]
    assert at.number_input(key="wf_input_tokens").value == pytest.approx(first.input_tokens)
    assert "Net savings" in metrics(at) or at.error, "a preset shows either its numbers or a clear error"


def test_pick_portfolio_workflow() -> None:
    at = app().run()
    at.sidebar.selectbox(key="sidebar_preset").set_value("portfolio").run()
    second = data.presets()["portfolio"].workflows[1]
    at.selectbox[0].select_index(1).run()
    assert_clean(at)
    assert at.number_input(key="wf_input_tokens").value == pytest.approx(second.input_tokens)


def _saved(**changes: object) -> bytes:
    scenario = data.presets()["contract-review"]
    wf = scenario.workflows[0].model_copy(update=changes)
    return scenario_to_json(scenario.model_copy(update={"name": "Saved one", "workflows": (wf,)})).encode()


def test_load_a_saved_scenario() -> None:
    at = app().run()
    before = metrics(at)["Sync spend"]
    at.sidebar.file_uploader[0].upload("saved.json", _saved(requests_per_day=1000.0), "application/json").run()
    assert_clean(at)
    assert any("Saved one" in c.value for c in at.sidebar.caption)
    assert at.number_input(key="wf_volume").value == pytest.approx(1000.0)
    assert metrics(at)["Sync spend"] != before
    # later reruns keep the user's edits instead of reloading the file over them
    at.slider(key="wf_success_rate").set_value(80.0).run()
    assert at.slider(key="wf_success_rate").value == pytest.approx(80.0)


def test_invalid_scenario_file_lists_each_problem() -> None:
    bad = json.loads(_saved())
    bad["workflows"][0]["success_rate"] = 1.5
    bad["workflows"][0]["input_tokenz"] = 3
    at = app().run()
    at.sidebar.file_uploader[0].upload("bad.json", json.dumps(bad).encode(), "application/json").run()
    assert_clean(at)
    message = at.sidebar.error[0].value
    assert "bad.json" in message
    assert "success_rate" in message
    assert "input_tokenz" in message
    assert "Net savings" in metrics(at), "the rest of the app keeps working"


def test_not_json_file_is_an_error_not_a_traceback() -> None:
    at = app().run()
    at.sidebar.file_uploader[0].upload("notes.json", b"{not json", "application/json").run()
    assert_clean(at)
    assert "not valid JSON" in at.sidebar.error[0].value


def test_imported_usage_can_become_the_scenario() -> None:
    from ui.state import IMPORTED_SCENARIO

    imported = data.presets()["insurance-claim-triage"].model_copy(update={"name": "Imported October"})
    at = app()
    at.session_state[IMPORTED_SCENARIO] = imported
    at.run()
    next(b for b in at.sidebar.button if b.label == "Load imported usage as scenario").click().run()
    assert_clean(at)
    assert any("Imported October" in c.value for c in at.sidebar.caption)


def test_save_button_offers_the_current_scenario() -> None:
    at = app().run()
    assert at.sidebar.get("download_button"), "the sidebar offers a JSON download"


def test_reset_to_preset_discards_edits() -> None:
    at = app().run()
    at.slider(key="wf_success_rate").set_value(60.0).run()
    next(b for b in at.sidebar.button if b.label == "Reset to preset").click().run()
    assert_clean(at)
    assert at.slider(key="wf_success_rate").value == pytest.approx(95.0)


def test_the_sidebar_the_page_and_the_evaluation_share_one_catalog() -> None:
    """However a page asks (today left out or given, defaults left out or spelled), the same pricing date, discount
    and switch give the same catalog object. Before, Streamlit's cache keyed on the arguments as written, so a
    session's first run built three catalogs (the sidebar's, the page's and the evaluation's)."""
    from costmodel.limits import DEFAULT_BATCH_DISCOUNT

    one = data.catalog()
    assert data.catalog(data.today()) is one
    assert data.catalog(batch_discount=DEFAULT_BATCH_DISCOUNT, include_retired=False) is one
    assert data.catalog(as_of=data.today(), batch_discount=DEFAULT_BATCH_DISCOUNT) is one
    assert data.catalog(include_retired=True) is not one, "the switch is part of the key"
