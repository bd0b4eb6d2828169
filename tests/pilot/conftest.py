"""Pilot test fixtures: a fake key and a temp home, the emulator on a free port, a runner on a temp ledger (the root
conftest keeps every test on loopback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator, ManualClock

FAKE_KEY = "sk-ant-test-PILOTKEY-0123456789abcdef"
"""The only key tests use; a scan asserts it appears in no file the pilot wrote."""
TODAY = date(2026, 11, 21)
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "pilot"


@pytest.fixture(autouse=True)
def pilot_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test uses a real key or the user's home; the default endpoint stays Anthropic's (never reached: the root
    conftest refuses every host but loopback)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("BATCH_PLANNER_HOME", str(tmp_path / "home"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, turnaround_seconds=60, seed=11) as emulator:
        assert emulator.base_url.startswith("http://127.0.0.1:")
        yield emulator


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / "ledger.sqlite3"


@pytest.fixture
def make_runner(emu: Emulator, clock: ManualClock, ledger_path: Path) -> Iterator[Callable[..., Any]]:
    """Runners on the emulator whose clock is the emulator's and whose sleeps are recorded, not slept."""
    from pilot.ledger import Ledger
    from pilot.runner import Runner

    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        path = kwargs.pop("ledger_path", ledger_path)
        sleeps: list[float] = []
        options: dict[str, Any] = {
            "api_key": FAKE_KEY,
            "base_url": emu.base_url,
            "now": lambda: datetime.fromtimestamp(clock(), UTC),
            "sleep": sleeps.append,
            "timeout_seconds": 5.0,
            "create_timeout_seconds": 5.0,
            "reconcile_grace_seconds": 120.0,
        }
        options.update(kwargs)
        runner = Runner(Ledger(path), **options)
        runner.sleeps = sleeps
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.close()


def write_requests(
    path: Path, n: int, *, prefix: str = "r", max_tokens: int = 100, model: str = "claude-haiku-4-5"
) -> Path:
    """A valid Message Batches JSONL file of `n` requests."""
    import json

    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            params = {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": f"text {i}"}]}
            handle.write(json.dumps({"custom_id": f"{prefix}{i:05d}", "params": params}) + "\n")
    return path


def run_pilot(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`python -m costmodel pilot *argv` in-process: the exit code, stdout and stderr."""
    from commands import pilot as cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
