"""Submission windows, issue 11 on screen: the turnaround learned from the ledger, and its calibration chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from costmodel.sla import SlaInputs
from pilot.ledger import Ledger
from tests.pilot.test_calibrate import _pilot  # the ledger-filling helper of the CLI tests
from ui import windows
from ui.state import SCENARIO

from . import helpers

PAGE = "app_pages/submission_windows.py"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BATCH_PLANNER_HOME", str(tmp_path))
    return tmp_path


def _learned_button(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.label.startswith("Use the turnaround learned")]


def test_an_empty_ledger_keeps_the_defaults_labelled(home: Path) -> None:
    at = helpers.run_page(PAGE, **{windows.LEARNED_OPEN_KEY: True})
    assert not _learned_button(at)
    assert any("defaults remain" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1  # timeline only (lazy tabs); no calibration chart


def test_too_few_batches_show_the_calibration_but_offer_no_fit(home: Path) -> None:
    _pilot(Ledger(home / "ledger.sqlite3"), "p1", [10, 20, 30])
    at = helpers.run_page(PAGE)
    assert not _learned_button(at)
    assert len(at.get("plotly_chart")) == 1  # closed, the section draws nothing (lazy)
    at.session_state[windows.LEARNED_OPEN_KEY] = True
    at.run()
    helpers.assert_clean(at)
    assert any("3 ended batch(es), 5 needed" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 2


def test_the_learned_turnaround_replaces_the_workflows_typical_case(home: Path) -> None:
    ledger = Ledger(home / "ledger.sqlite3")
    _pilot(ledger, "p1", [10, 12, 15, 20])
    _pilot(ledger, "p2", [30, 9, 14])
    _pilot(ledger, "sim", [0.01] * 6, simulated=True)
    at = helpers.run_page(PAGE)
    assert _learned_button(at) == ["Use the turnaround learned from 2 pilots (7 batches)"]
    learned = windows.learned_turnaround(home / "ledger.sqlite3")
    assert learned.simulated_left_out == 6
    next(b for b in at.button if b.label.startswith("Use the turnaround learned")).click().run()
    helpers.assert_clean(at)
    sla = at.session_state[SCENARIO].workflows[0].sla
    assert sla.median_processing_hours == pytest.approx(learned.fit.median_hours)
    assert sla.p90_processing_hours == pytest.approx(learned.fit.p90_hours)
    assert not _learned_button(at)  # applied: nothing more to offer


def test_the_calibration_chart_compares_the_plans_turnaround_with_the_ledger(home: Path) -> None:
    _pilot(Ledger(home / "ledger.sqlite3"), "p1", [10, 20, 30, 600])
    learned = windows.learned_turnaround(home / "ledger.sqlite3")
    figure = windows.calibration_figure(learned, SlaInputs(sla_hours=24.0))
    predicted, observed = figure.data
    assert observed.y[-1] == 100.0  # every batch ended within 24 h
    assert predicted.y[-1] == 100.0
    # at 15 min (the default median) half are predicted done; one of four observed
    k = min(range(len(predicted.x)), key=lambda i: abs(predicted.x[i] - 0.25))
    assert predicted.y[k] == pytest.approx(50, abs=8)
    assert observed.y[k] == pytest.approx(25)
