"""CLI test fixtures: loopback only, no real key, a temp ledger home; the CLI runs in-process."""

from __future__ import annotations

import contextlib
import io
import socket
from pathlib import Path
from typing import Any

import pytest

from commands import main
from tests.pilot.conftest import _is_loopback

FAKE_KEY = "sk-ant-test-CLIFUZZKEY-0123456789abcdef"
"""The key every CLI test uses; outputs are scanned for it."""
FAKE_ADMIN_KEY = "sk-ant-admin01-CLIFUZZADMIN-0123456789"
"""The admin key every CLI test uses; outputs are scanned for it."""


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test may reach a non-loopback host; keys are fakes; the ledger lives under tmp_path."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise AssertionError(f"test tried to reach a non-loopback host: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", FAKE_ADMIN_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{unused_port()}")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("BATCH_PLANNER_DEBUG", raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("BATCH_PLANNER_HOME", str(home))
    return home


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """`python -m costmodel ARGV` in-process: (exit code, stdout, stderr); SystemExit becomes its code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return code, out.getvalue(), err.getvalue()
