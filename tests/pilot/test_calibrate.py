"""`pilot calibrate`: ended batches in the ledger → the learned turnaround, its uncertainty and chart data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commands import main
from pilot.calibrate import observed_batches
from pilot.ledger import Ledger, PilotRow

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _pilot(ledger: Ledger, name: str, minutes: list[float], *, simulated: bool = False, model: str = "m1",
           counts: dict[str, int] | None = None) -> None:  # fmt: skip
    row = PilotRow(
        pilot_id=name, created_at=T0, label=name, source_name="s.jsonl", content_hash=name, request_count=10,
        endpoint="http://127.0.0.1:1" if simulated else "https://api.anthropic.com", simulated=simulated,
        budget_usd=5.0, estimate={"models": [model]}, check={}, parent_pilot_id=None, report=None,
    )  # fmt: skip
    ledger.add_pilot(row, [(k * 10, k * 10 + 10, f"a{k}", f"b{k}") for k in range(len(minutes))])
    for k, m in enumerate(minutes):
        created = T0 + timedelta(days=k)
        assert ledger.claim(name, k, "t", created)
        assert ledger.record_batch(name, k, f"{name}-batch-{k}", created, created, "test")
        ledger.update_status(name, k, processing_status="ended", counts=counts or {"succeeded": 10},
                             ended_at=created + timedelta(minutes=m), now=created)  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], ledger: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["pilot", "calibrate", "--ledger", str(ledger), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_empty_ledger_keeps_the_defaults(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _run(capsys, tmp_path / "none.sqlite3")
    assert code == 0
    assert "defaults remain" in out
    code, out, _ = _run(capsys, tmp_path / "none.sqlite3", "--json")
    data = json.loads(out)
    assert (data["use_fit"], data["batches"], data["median_processing_hours"]) == (False, 0, 0.25)


def test_ended_batches_are_fitted_with_their_uncertainty(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    _pilot(ledger, "p1", [10, 12, 15, 20, 30, 9, 14])
    _pilot(ledger, "sim", [0.01] * 6, simulated=True)
    _pilot(ledger, "cancelled", [1.0], counts={"succeeded": 2, "canceled": 8})
    code, out, _ = _run(capsys, path, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["use_fit"] is True
    assert data["batches"] == 7  # simulated and cancelled batches are left out
    assert data["simulated_batches_left_out"] == 6
    assert 10 / 60 < data["median_processing_hours"] < 20 / 60
    low, high = data["overall"]["median_ci_hours"]
    assert low < data["median_processing_hours"] < high
    assert data["by_model"][0]["group"] == "m1"
    assert len(data["calibration"]) == 40
    code, out, _ = _run(capsys, path)
    assert "learned from 7 ended batches" in out
    assert "--median-processing-hours" in out
    assert "6 simulated batch(es) left out" in out
    code, out, _ = _run(capsys, path, "--json", "--include-simulated")
    assert json.loads(out)["batches"] == 13


def test_expired_requests_come_from_the_counts(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    _pilot(ledger, "p", [1440.0], counts={"succeeded": 9, "expired": 1})
    batches, skipped = observed_batches(ledger)
    assert skipped == 0
    assert (batches[0].requests, batches[0].expired, batches[0].turnaround_hours) == (10, 1, pytest.approx(24.0))


def test_bad_min_batches_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, tmp_path / "x.sqlite3", "--min-batches", "1")
    assert code == 2
    assert err.strip().startswith("error: --min-batches 1")
    assert len(err.strip().splitlines()) == 1
