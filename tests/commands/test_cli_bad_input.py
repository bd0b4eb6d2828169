"""Every known cause of a CLI traceback, hang or key leak, one test each (issue 8, "Bad input, everywhere").

Each runs `python -m costmodel ...` in-process and asserts the promise: one clear line naming what
is wrong, exit 2 for bad input or 1 for a failed operation, no traceback, no key in any output.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from emulator import Emulator
from tests.commands.conftest import FAKE_ADMIN_KEY, FAKE_KEY, run_cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "data" / "pilot" / "sample_requests.jsonl")
TEMPLATE = str(ROOT / "data" / "pilot" / "sample_template.json")
DEEP = "[" * 1000 + "]" * 1000


def clean(code: int, out: str, err: str, *, expect: int) -> str:
    """Assert the promise and return stderr."""
    text = out + err
    assert "Traceback" not in text
    assert "unexpected failure" not in text, err
    assert FAKE_KEY not in text
    assert FAKE_ADMIN_KEY not in text
    assert code == expect, (code, err)
    assert err.strip(), "a refusal says why"
    return err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "1e13", "abc"])
@pytest.mark.parametrize("command", ["estimate", "submit"])
def test_budget_must_be_a_finite_sane_amount(command: str, value: str) -> None:
    err = clean(*run_cli(["pilot", command, SAMPLE, "--yes", "--budget-usd", value]), expect=2)
    assert "--budget-usd" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-5", "1e9"])
def test_poll_seconds_is_bounded(value: str) -> None:
    started = time.monotonic()
    err = clean(*run_cli(["pilot", "wait", "latest", "--poll-seconds", value]), expect=2)
    assert "--poll-seconds" in err
    assert time.monotonic() - started < 5


def test_a_flag_checked_by_a_model_outside_the_flag_table_is_still_one_line_exit_2() -> None:
    preset = str(ROOT / "data" / "presets" / "contract-review.json")
    err = clean(*run_cli(["evaluate", preset, "--spend-cap-usd", "1e99999"]), expect=2)
    assert err.strip() == "error: monthly_spend_cap_usd = inf: Input should be a finite number (set --spend-cap-usd)"


@pytest.mark.parametrize("value", ["inf", "nan", "-1"])
def test_max_wait_seconds_is_bounded(value: str) -> None:
    err = clean(*run_cli(["pilot", "wait", "latest", "--max-wait-seconds", value]), expect=2)
    assert "--max-wait-seconds" in err


@pytest.mark.parametrize("argv", [["evaluate", "FILE"], ["usage", "FILE"], ["pilot", "validate", "FILE"]])
def test_json_nested_1000_deep_is_a_clear_message(argv: list[str], tmp_path: Path) -> None:
    path = tmp_path / ("deep.jsonl" if "pilot" in argv else "deep.json")
    path.write_text(DEEP)
    err = clean(*run_cli([str(path) if a == "FILE" else a for a in argv]), expect=2)
    assert "nested deeper than 64" in err


def test_pilot_template_nested_1000_deep(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    template.write_text(DEEP)
    texts = str(ROOT / "data/pilot/sample_texts.csv")
    err = clean(*run_cli(["pilot", "validate", texts, "--template", str(template)]), expect=2)
    assert "nested deeper than 64" in err


@pytest.mark.parametrize("command", ["validate", "estimate", "submit"])
def test_surrogate_escape_in_pilot_jsonl_is_a_line_problem(command: str, tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    message = {"role": "user", "content": "hi \\ud800"}
    params = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [message]}
    line = json.dumps({"custom_id": "a1", "params": params})
    path.write_text(line.replace("\\\\ud800", "\\ud800") + "\n")
    err = clean(*run_cli(["pilot", command, str(path), "--yes"][: 4 if command == "submit" else 3]), expect=2)
    assert "line 1" in err
    assert "surrogate" in err


def test_surrogate_escape_in_texts_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "texts.jsonl"
    path.write_text('{"id": "a", "text": "x \\udc00 y"}\n')
    err = clean(*run_cli(["pilot", "estimate", str(path), "--template", TEMPLATE]), expect=2)
    assert "surrogate" in err


def test_csv_field_over_128_kib_is_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text("id,text\nx1," + "a" * 140_000 + "\n")
    err = clean(*run_cli(["pilot", "validate", str(path), "--template", TEMPLATE]), expect=2)
    assert "longer than 131,072 characters" in err
    assert "JSONL" in err


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
@pytest.mark.parametrize("command", [["list"], ["status", "latest"], ["report", "latest"]])
def test_a_ledger_that_is_not_a_ledger_is_one_line_exit_1(command: list[str], content: bytes, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    ledger.write_bytes(content)
    started = time.monotonic()
    err = clean(*run_cli(["pilot", "--ledger", str(ledger), *command]), expect=1)
    assert len(err.strip().splitlines()) == 1
    assert time.monotonic() - started < 10


def test_a_locked_ledger_answers_within_seconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pilot import ledger as ledgers

    assert 0 < ledgers.LOCK_TIMEOUT_SECONDS <= 5  # what a user waits at most
    monkeypatch.setattr(ledgers, "LOCK_TIMEOUT_SECONDS", 0.2)  # the same wait, shorter, so the suite does not idle
    ledger = tmp_path / "ledger.sqlite3"
    assert run_cli(["pilot", "--ledger", str(ledger), "list"])[0] == 0
    holder = sqlite3.connect(ledger)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        code, out, err = run_cli(["pilot", "--ledger", str(ledger), "list"])
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    clean(code, out, err, expect=1)
    assert "lock" in err.lower() or "busy" in err.lower()
    assert elapsed < 10


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_api_key_with_a_pasted_line_ending_submits_to_the_emulator(
    ending: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(turnaround_seconds=0.2, api_key=FAKE_KEY) as emu:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", emu.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY + ending)
        code, out, err = run_cli(["pilot", "submit", SAMPLE, "--yes", "--budget-usd", "5"])
        assert code == 0, err
        assert len(emu.batch_ids()) == 1
    assert FAKE_KEY not in out + err


@pytest.mark.parametrize("inside", ["\r", "\n", "\x1b", " ", "\u201c"])
def test_api_key_with_a_control_character_is_refused_without_the_key(
    inside: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(turnaround_seconds=0.2) as emu:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", emu.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY[:12] + inside + FAKE_KEY[12:])
        err = clean(*run_cli(["pilot", "submit", SAMPLE, "--yes"]), expect=2)
        assert emu.batch_ids() == []
    assert "ANTHROPIC_API_KEY" in err
    assert "CLIFUZZKEY" not in err


@pytest.mark.parametrize("command", ["compare", "pilot", "usage"])
def test_an_unexpected_failure_anywhere_is_one_scrubbed_line_exit_1(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import commands.pilot
    import commands.plan
    import commands.usage

    def boom(*args: object, **kwargs: object) -> int:
        raise RuntimeError(f"boom with {FAKE_KEY} and {FAKE_ADMIN_KEY}\nsecond line")

    target = {"compare": (commands.plan, "_main"), "pilot": (commands.pilot, "run"), "usage": (commands.usage, "run")}
    monkeypatch.setattr(*target[command], boom)
    code, out, err = run_cli([command, "list"] if command == "pilot" else [command])
    assert code == 1
    assert "Traceback" not in out + err
    assert FAKE_KEY not in err
    assert FAKE_ADMIN_KEY not in err
    assert err.count("\n") == 1
    assert err.startswith("error: unexpected failure (RuntimeError: boom with [key] and [key] second line)")
