"""CLI test fixtures: no real key, the API at a loopback port nothing listens on, a temp ledger home; the CLI runs
in-process (the root conftest keeps every test on loopback)."""

from __future__ import annotations

import contextlib
import io
import socket
from pathlib import Path

import pytest

from commands import main

FAKE_KEY = "sk-ant-test-CLIFUZZKEY-0123456789abcdef"
"""The key every CLI test uses; outputs are scanned for it."""
FAKE_ADMIN_KEY = "sk-ant-admin01-CLIFUZZADMIN-0123456789"
"""The admin key every CLI test uses; outputs are scanned for it."""


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keys are fakes, the API is a loopback port nothing listens on, the ledger lives under tmp_path."""
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
