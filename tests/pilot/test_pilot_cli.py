"""`python -m costmodel pilot ...`: in-process through `commands.pilot.main`, and a few real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator import Emulator, ManualClock
from tests.pilot.conftest import FAKE_KEY, SAMPLES, write_requests
from tests.pilot.conftest import run_pilot as run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_emu(monkeypatch: pytest.MonkeyPatch):
    """An emulator on the real clock (the CLI sleeps for real), batches ending after 0.4 s."""
    with Emulator(turnaround_seconds=0.4, seed=2, result_mix={"succeeded": 0.75, "errored": 0.25}) as emu:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", emu.base_url)
        yield emu


def test_validate_bad_file_one_line_per_problem(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"custom_id": "a", "params": {"model": "m", "max_tokens": 0, '
        '"messages": [{"role": "user", "content": "x"}]}}\n'
        "\n"
        "{oops\n"
        '{"custom_id": "a", "params": {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}],'
        ' "stream": true}}\n'
    )
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 2  # bad input
    assert out == ""
    lines = err.strip().splitlines()
    assert lines == [
        f"error: {bad}: line 1: params.max_tokens is 0: batches need at least 1",
        f"error: {bad}: line 3: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        f"error: {bad}: line 4: params.stream is true: batches cannot stream; remove stream",
        f"error: {bad}: line 4: custom_id 'a' is already used on line 1: ids must be unique",
    ]
    assert "Traceback" not in err


def test_validate_ok_and_json(capsys) -> None:
    code, out, _ = run(capsys, "validate", str(SAMPLES / "sample_requests.jsonl"))
    assert (code, out.split(",")[0]) == (0, "OK: 20 requests")
    code, out, _ = run(
        capsys,
        "validate",
        str(SAMPLES / "sample_texts.csv"),
        "--template",
        str(SAMPLES / "sample_template.json"),
        "--json",
    )
    data = json.loads(out)
    assert (code, data["ok"], data["request_count"], data["batches"]) == (0, True, 12, [[0, 12]])


def test_texts_problems_use_the_csv_line_numbers(capsys, tmp_path) -> None:
    texts = tmp_path / "t.csv"
    texts.write_text("id,text\nx1,hello\nx2,\nx1,again\n")
    code, _, err = run(capsys, "validate", str(texts), "--template", str(SAMPLES / "sample_template.json"))
    assert code == 2
    assert [line.split(": ")[2] for line in err.strip().splitlines()] == ["line 3", "line 4"]  # error: FILE: line N


@pytest.mark.parametrize(
    ("argv", "message", "exit_code"),
    [
        (["validate", "missing.jsonl"], "missing.jsonl: no such file; check the path", 2),
        (["validate", "x.csv", "--template", "missing.json"], "missing.json: no such file; check the path", 2),
        (["submit", "SAMPLE", "--check", "regex", "--yes"], "--check: a regex check needs a pattern", 2),
        (["status", "pilot-nope"], "no pilot 'pilot-nope'", 1),
        (["report", "latest"], "no pilots in", 1),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(capsys, argv, message, exit_code) -> None:
    argv = [str(SAMPLES / "sample_requests.jsonl") if a == "SAMPLE" else a for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == exit_code
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_estimate_json_is_labelled_offline(capsys) -> None:
    code, out, _ = run(capsys, "estimate", str(SAMPLES / "sample_requests.jsonl"), "--json", "--budget-usd", "0.001")
    data = json.loads(out)
    assert code == 0
    assert "offline estimate" in data["estimate"]["input_tokens_source"]
    assert data["budget"]["allowed"] is False
    assert data["estimate"]["worst_case_batch_usd"] > 0.001


def test_submit_refuses_over_budget_and_without_confirmation(capsys, live_emu, monkeypatch) -> None:
    sample = str(SAMPLES / "sample_requests.jsonl")
    code, _, err = run(capsys, "submit", sample, "--yes", "--budget-usd", "0.0001")
    assert code == 1
    assert "not submitted: worst case" in err
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _, err = run(capsys, "submit", sample)
    assert code == 1
    assert "confirm with --yes" in err
    assert live_emu.batch_ids() == []


def test_submit_without_key_says_what_to_do(capsys, live_emu, monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code, _, err = run(capsys, "submit", str(SAMPLES / "sample_requests.jsonl"), "--yes")
    assert code == 1
    assert "set ANTHROPIC_API_KEY" in err.strip().splitlines()[-1]
    assert live_emu.batch_ids() == []


def test_full_cli_flow(capsys, live_emu, tmp_path) -> None:
    sample = str(SAMPLES / "sample_requests.jsonl")
    code, out, _ = run(
        capsys, "submit", sample, "--yes", "--json", "--check", "json_keys", "--require-keys", "category"
    )
    status = json.loads(out)
    assert (code, status["state"], status["simulated"]) == (0, "in_progress", True)
    pilot_id = status["pilot_id"]
    assert "SIMULATED" in status["target"]

    code, out, err = run(capsys, "wait", pilot_id, "--poll-seconds", "0.1", "--json")
    assert code == 0
    assert json.loads(out)["state"] == "complete"
    assert "SIMULATED" in err  # the progress display

    code, out, _ = run(capsys, "report", "latest", "--json")
    report = json.loads(out)
    assert report["report"]["result_count"] == 20
    assert report["measurement"]["success_rate"] == report["report"]["first_pass_success_rate"] > 0

    copy = tmp_path / "copy.jsonl"
    code, out, _ = run(capsys, "results", pilot_id, "--out", str(copy))
    assert code == 0
    assert len(copy.read_text().splitlines()) == 20

    code, out, _ = run(capsys, "list", "--json")
    assert [p["pilot_id"] for p in json.loads(out)] == [pilot_id]

    code, out, _ = run(capsys, "report", pilot_id)
    assert "first-pass success rate" in out
    assert "SIMULATED" in out

    code, out, _ = run(capsys, "retry-failed", pilot_id, "--yes", "--json")
    retry = json.loads(out)
    assert code == 0
    assert retry["request_count"] == 20 - report["report"]["usable_count"]
    assert len(live_emu.batch_ids()) == 2

    code, out, _ = run(capsys, "cancel", retry["pilot_id"])
    assert code == 0


def _env(emu: Emulator, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(
        ANTHROPIC_API_KEY=FAKE_KEY, ANTHROPIC_BASE_URL=emu.base_url, BATCH_PLANNER_HOME=str(home), PYTHONPATH=str(ROOT)
    )
    return env


def test_subprocess_bad_input_has_no_traceback(tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "x y"}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "costmodel", "pilot", "validate", str(bad)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"error: {bad}: line 1: custom_id 'x y' is invalid: use 1-64 characters from a-z, A-Z, 0-9, _ and -",
        f"error: {bad}: line 1: params is missing: give model, max_tokens and messages",
    ]


def test_two_processes_submitting_at_once_make_one_batch(tmp_path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 30)
    with Emulator(turnaround_seconds=30, seed=1) as emu:
        emu.inject("create", "slow_create", delay_seconds=1.0)
        env = _env(emu, tmp_path / "home")
        cmd = [sys.executable, "-m", "costmodel", "pilot", "submit", str(source), "--yes", "--json"]
        procs = [
            subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        assert len(emu.batch_ids()) == 1
        ids = {json.loads(out)["pilot_id"] for out, _ in outputs}
        assert len(ids) == 1


def test_killed_wait_resumes_in_a_new_process(tmp_path) -> None:
    from pilot.ledger import Ledger
    from pilot.runner import Runner

    source = write_requests(tmp_path / "in.jsonl", 25)
    home = tmp_path / "home"
    clock = ManualClock()  # the batch ends only when this test says so, however slowly the process starts
    with Emulator(turnaround_seconds=60, seed=4, clock=clock) as emu:
        with Runner(Ledger(home / "ledger.sqlite3"), api_key=FAKE_KEY, base_url=emu.base_url) as runner:
            pilot_id = runner.prepare(source, runner_catalog())
            runner.submit(pilot_id)
        polls_before = sum(1 for m, _ in emu.request_log if m == "GET")
        waiting = subprocess.Popen(
            [sys.executable, "-m", "costmodel", "pilot", "wait", pilot_id, "--poll-seconds", "0.2"],
            env=_env(emu, home),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(1 for m, _ in emu.request_log if m == "GET") < polls_before + 2:
            time.sleep(0.05)
        waiting.send_signal(signal.SIGKILL)  # dies in the middle of polling
        waiting.communicate(timeout=10)
        assert sum(1 for m, _ in emu.request_log if m == "GET") >= polls_before + 2, "the process never polled"
        clock.advance(61)
        with Runner(
            Ledger(home / "ledger.sqlite3"), api_key=FAKE_KEY, base_url=emu.base_url, sleep=time.sleep
        ) as again:
            assert again.status(pilot_id).state == "in_progress"
            assert again.wait(pilot_id, poll_seconds=0.2).state == "ended"
            again.download(pilot_id)
            ids = sorted(r["custom_id"] for r in again.iter_results(pilot_id))
        assert ids == [f"r{i:05d}" for i in range(25)]
        assert len(emu.batch_ids()) == 1


def runner_catalog():
    from costmodel.prices import load_catalog
    from tests.pilot.conftest import TODAY

    return load_catalog(as_of=TODAY)


def test_ledger_option_works_before_and_after_the_command(capsys, tmp_path) -> None:
    from pilot.ledger import Ledger

    path = tmp_path / "elsewhere" / "l.sqlite3"
    code, out, _ = run(capsys, "list", "--ledger", str(path))
    assert (code, out.strip()) == (0, f"no pilots in {path}")
    code, out, _ = run(capsys, "--ledger", str(path), "list", "--json")
    assert (code, json.loads(out)) == (0, [])
    assert Ledger(path).pilots() == []
