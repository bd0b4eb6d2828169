"""The pilot command line under results faults and repeated commands (issue 8), against the emulator."""

from __future__ import annotations

import json

import pytest

from emulator import Emulator
from tests.pilot.conftest import run_pilot as run
from tests.pilot.conftest import write_requests


@pytest.fixture
def live_emu(monkeypatch: pytest.MonkeyPatch):
    """An emulator on the real clock, batches ending after 0.3 s, a quarter of results errored."""
    with Emulator(turnaround_seconds=0.3, seed=3, result_mix={"succeeded": 0.75, "errored": 0.25}) as emu:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", emu.base_url)
        yield emu


def submitted(capsys, tmp_path) -> str:
    source = write_requests(tmp_path / "in.jsonl", 20)
    code, out, err = run(capsys, "submit", str(source), "--yes", "--json")
    assert code == 0, err
    return str(json.loads(out)["pilot_id"])


def test_a_cut_results_stream_is_reported_as_missing_then_fetched_again(capsys, tmp_path, live_emu) -> None:
    pilot_id = submitted(capsys, tmp_path)
    live_emu.inject("results", "cut", times=100, after_lines=5)
    code, _, err = run(capsys, "wait", pilot_id, "--poll-seconds", "0.1")
    assert code == 0
    code, out, err = run(capsys, "results", pilot_id)
    assert code == 1
    assert out.startswith("5 results in ")
    assert "15 result(s) not received yet" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "retry-failed", pilot_id, "--yes")
    assert code == 1
    assert "download its results" in err  # nothing is paid again for results that merely did not arrive
    live_emu.clear_faults()
    code, out, _ = run(capsys, "results", pilot_id)
    assert (code, out.split(" ")[0]) == (0, "20")
    code, out, _ = run(capsys, "report", pilot_id, "--json")
    report = json.loads(out)["report"]
    assert code == 0
    assert report["result_count"] == 20
    assert 0 <= report["first_pass_success_rate"] <= 1


def test_retry_failed_twice_makes_one_retry_pilot(capsys, tmp_path, live_emu) -> None:
    pilot_id = submitted(capsys, tmp_path)
    assert run(capsys, "wait", pilot_id, "--poll-seconds", "0.1")[0] == 0
    code, out, err = run(capsys, "retry-failed", pilot_id, "--yes", "--json")
    assert code == 0, err
    first = json.loads(out)["pilot_id"]
    code, out, err = run(capsys, "retry-failed", pilot_id, "--yes")
    assert code == 0, err
    assert f"retry pilot (made before) {first}" in out
    code, out, _ = run(capsys, "list", "--json")
    assert [p["pilot_id"] for p in json.loads(out) if p["parent_pilot_id"] == pilot_id] == [first]
    assert len(live_emu.batch_ids()) == 2
