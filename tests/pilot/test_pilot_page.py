"""AppTest of app_pages/live_pilot.py: renders alone, refuses without a key, and runs a small SIMULATED flow.

The team-server safety rules (operator settings, owners, ceilings) are in test_team_server.py.
"""

from __future__ import annotations

import time

from tests.pilot.conftest import FAKE_KEY
from tests.pilot.page_support import fresh_page_state, page, shown_text

__all__ = ["fresh_page_state"]


def test_renders_alone_without_key_or_ledger(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    at = page().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("SIMULATED" in i.value for i in at.info)
    assert any("No pilots yet" in i.value for i in at.info)
    assert {m.label for m in at.metric} >= {"Requests", "Worst case (batch)", "Budget"}
    assert "Target" not in [r.label for r in at.radio]  # out of the box there is no choice: the sandbox only
    assert not (tmp_path / "home" / "ledger.sqlite3").exists()  # opening the page records nothing


def test_real_api_without_key_cannot_submit(monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    assert not at.exception
    assert any("Enter your Anthropic API key" in w.value for w in at.warning)
    password = [t for t in at.text_input if t.label == "Anthropic API key"]
    assert len(password) == 1
    confirm = [c for c in at.checkbox if c.label.startswith("Submit ")]
    assert confirm[0].disabled


def test_typed_key_is_never_shown_back(monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("BATCH_PLANNER_ALLOW_REAL_API", "1")
    at = page().run()
    at.radio[0].set_value("Anthropic API").run()
    next(t for t in at.text_input if t.label == "Anthropic API key").input(FAKE_KEY).run()
    assert not at.exception
    assert not any("PILOTKEY" in text for text in shown_text(at))
    assert "PILOTKEY" not in str(dict(at.query_params))
    confirm = next(c for c in at.checkbox if c.label.startswith("Submit "))
    assert not confirm.disabled
    assert "Anthropic API" in confirm.label


def test_bad_upload_shows_problems_by_line(monkeypatch, tmp_path) -> None:
    from ui import pilot_panel

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "a b", "params": {}}\n')
    monkeypatch.setattr(pilot_panel, "source_picker", lambda owner: (bad, None, None))
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
    deadline = time.monotonic() + 60  # generous: the machine is shared; the sandbox ends a batch in 0.5 s
    while time.monotonic() < deadline and not [b for b in at.button if b.label == "Use in plan"]:
        time.sleep(0.3)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label for m in at.metric} >= {"First-pass success", "Batch cost", "Savings vs sync"}
    next(b for b in at.button if b.label == "Use in plan").click().run()
    measurement = at.session_state["bp_pilot_measurement"]
    assert 0 < measurement.success_rate <= 1
    assert measurement.request_count == 20
