"""AppTest of app_pages/live_pilot.py: renders alone, refuses without a key, and runs a small SIMULATED flow."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.pilot.conftest import FAKE_KEY

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "live_pilot.py")


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty caches, a fast sandbox, and the sandbox emulator stopped afterwards."""
    from ui import pilot_panel

    monkeypatch.setattr(pilot_panel, "SANDBOX_TURNAROUND_SECONDS", 0.5)
    monkeypatch.setattr(pilot_panel, "SANDBOX_POLL_SECONDS", 0.2)
    st.cache_data.clear()
    st.cache_resource.clear()
    started: list[object] = []
    original = pilot_panel.sandbox

    def tracking_sandbox() -> object:
        emu = original()
        if emu not in started:
            started.append(emu)
        return emu

    monkeypatch.setattr(pilot_panel, "sandbox", tracking_sandbox)
    yield
    for emu in started:
        emu.stop()  # type: ignore[attr-defined]
    st.cache_data.clear()
    st.cache_resource.clear()


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=30)


def test_renders_alone_without_key_or_ledger(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    at = page().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("SIMULATED" in i.value for i in at.info)
    assert any("No pilots yet" in i.value for i in at.info)
    assert {m.label for m in at.metric} >= {"Requests", "Worst case (batch)", "Budget"}
    assert not (tmp_path / "home" / "ledger.sqlite3").exists()  # opening the page records nothing


def test_real_api_without_key_cannot_submit(monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    assert not at.exception
    assert any("Enter an API key" in w.value for w in at.warning)
    password = [t for t in at.text_input if t.label == "Anthropic API key"]
    assert len(password) == 1
    confirm = [c for c in at.checkbox if c.label.startswith("Submit ")]
    assert confirm[0].disabled


def test_typed_key_is_never_shown_back(monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    next(t for t in at.text_input if t.label == "Anthropic API key").input(FAKE_KEY).run()
    assert not at.exception
    shown = [
        str(e.value) for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.success) for e in kind
    ]
    assert not any("PILOTKEY" in text for text in shown)
    assert "PILOTKEY" not in str(dict(at.query_params))
    confirm = next(c for c in at.checkbox if c.label.startswith("Submit "))
    assert not confirm.disabled
    assert "Anthropic API" in confirm.label


def test_bad_upload_shows_problems_by_line(monkeypatch, tmp_path) -> None:
    from ui import pilot_panel

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "a b", "params": {}}\n')
    monkeypatch.setattr(pilot_panel, "source_picker", lambda: (bad, None, None))
    at = page().run()
    assert not at.exception
    assert any("problem(s)" in e.value for e in at.error)
    frame = at.dataframe[0].value
    assert set(frame["line"]) == {1}
    assert not [b for b in at.button if b.label == "Submit pilot"]


def test_simulated_flow_submit_poll_report_use_in_plan(tmp_path) -> None:
    at = page().run()
    next(c for c in at.checkbox if c.label.startswith("Submit ")).check().run()
    next(b for b in at.button if b.label == "Submit pilot").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Submitted pilot" in s.value for s in at.success)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not [b for b in at.button if b.label == "Use in plan"]:
        time.sleep(0.3)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label for m in at.metric} >= {"First-pass success", "Batch cost", "Savings vs sync"}
    next(b for b in at.button if b.label == "Use in plan").click().run()
    measurement = at.session_state["bp_pilot_measurement"]
    assert 0 < measurement.success_rate <= 1
    assert measurement.request_count == 20
