"""Helpers shared by the core tests: a fixed price date and the DESIGN.md check workflow."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from costmodel.prices import CustomPrices
from costmodel.workflow import Workflow

AS_OF = date(2026, 11, 21)
"""Every test prices on this date: the core never reads the clock."""
AS_OF_FLAG = ["--as-of", AS_OF.isoformat()]
ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "data" / "presets"

CHECK_FLAGS = [
    "--input-price", "3", "--output-price", "15", "--requests-per-day", "500",
    "--input-tokens", "15000", "--output-tokens", "800",
]  # fmt: skip
"""The check workflow as `compare` / `recommend` flags."""


def check_workflow(**overrides: Any) -> Workflow:
    """DESIGN.md's check workflow: 500 req/day × 30 days, 15,000 in + 800 out at $3/$15 custom prices."""
    fields: dict[str, Any] = {
        "name": "check figures",
        "custom_prices": CustomPrices(input_usd_per_mtok=3.0, output_usd_per_mtok=15.0),
        "requests_per_day": 500.0,
        "days_per_month": 30.0,
        "input_tokens": 15_000.0,
        "output_tokens": 800.0,
    }
    fields.update(overrides)
    return Workflow(**fields)


def reference_item_costs(
    c_sync: float,
    c_batch: float,
    *,
    s: float,
    f: float,
    route: str = "sync",
    rounds: int = 1,
    failures_on_sync_too: bool = False,
) -> tuple[float, float]:
    """(sync_item, batch_item) by walking the rounds one by one (no closed forms), for cross-checks."""
    billed = s + (1 - s) * f
    if failures_on_sync_too:
        # sync retries until success: attempt k happens with probability (1 − s)^k
        sync_item, reach = 0.0, 1.0
        while reach > 1e-18:
            sync_item += reach * c_sync * billed
            reach *= 1 - s
    else:
        sync_item = c_sync
    batch_item, reach = 0.0, 1.0
    for _ in range(rounds if route == "batch" else 1):
        batch_item += reach * c_batch * billed
        reach *= 1 - s
    return sync_item, batch_item + reach * sync_item


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """`python -m costmodel ARGV` in-process: (exit code, stdout, stderr); argparse exits become codes."""
    from commands import main

    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
