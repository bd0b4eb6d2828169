"""One "today" for every command and page: the shell's clock read by one function (`commands.clock.today`), the UTC
date (the API's and the ledger's clock), whatever the machine's time zone. Checked in time zones 14 h ahead of
and 12 h behind UTC: at any moment at least one of them is on another date than UTC."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ["--input-price", "3", "--output-price", "15", "--requests-per-day", "500", "--input-tokens", "15000",
         "--output-tokens", "800"]  # fmt: skip


def _run(tz: str, *argv: str) -> str:
    env = {**os.environ, "TZ": tz}
    proc = subprocess.run([sys.executable, "-m", "costmodel", *argv], capture_output=True, text=True, cwd=ROOT,
                          env=env, check=False, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_plan_and_pilot_price_on_the_same_today_in_any_time_zone(tz: str) -> None:
    before = datetime.now(UTC).date().isoformat()
    compared = json.loads(_run(tz, "compare", *CHECK, "--json"))["price_source_detail"]["as_of"]
    estimate = json.loads(_run(tz, "pilot", "estimate", str(ROOT / "data/pilot/sample_requests.jsonl"), "--json"))
    piloted = re.search(r"prices as of (\d{4}-\d\d-\d\d)", estimate["estimate"]["price_source"])
    after = datetime.now(UTC).date().isoformat()
    assert piloted is not None
    assert compared == piloted.group(1), "the plan and the pilot price on one date"
    assert compared in (before, after), "today is the UTC date"


def test_the_pages_today_is_the_commands() -> None:
    from commands.clock import today
    from ui import data

    assert data.today() == today() == datetime.now(UTC).date()
