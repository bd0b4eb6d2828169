"""Issue 12 on Submission windows: the learned turnaround is applied with its uncertainty (the fit's interval of the
median becomes the workflow's uncertain turnaround), and the Sync vs batch ranges keep it."""

from __future__ import annotations

from pathlib import Path

import pytest

from costmodel.uncertainty import Triangular, turnaround_distribution
from pilot.ledger import Ledger
from tests.pilot.test_calibrate import _pilot  # the ledger-filling helper of the CLI tests
from ui import ranges, windows
from ui.state import SCENARIO, UNCERTAINTY

from . import helpers


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BATCH_PLANNER_HOME", str(tmp_path))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    _pilot(ledger, "p1", [10, 12, 15, 20])
    _pilot(ledger, "p2", [30, 9, 14])
    return tmp_path


def test_the_learned_turnaround_brings_its_uncertainty(home: Path) -> None:
    at = helpers.run_page("app_pages/submission_windows.py")
    next(b for b in at.button if b.label.startswith("Use the turnaround learned")).click().run()
    helpers.assert_clean(at)
    expected = turnaround_distribution(windows.learned_turnaround(home / "ledger.sqlite3").fit)
    assert isinstance(expected, Triangular)
    assert at.session_state[UNCERTAINTY][0]["median_processing_hours"] == expected
    held = {key: at.session_state[key] for key in (SCENARIO, UNCERTAINTY)}
    sync = helpers.run_page("app_pages/sync_vs_batch.py", **held, **{ranges.OPEN_KEY: True})  # the section open
    assert sync.session_state[UNCERTAINTY][0]["median_processing_hours"] == expected, "kept: no box takes it"
    assert not [w for w in sync.warning if "Left out" in w.value]
    assert any("median batch turnaround" in c.value for c in sync.caption)
