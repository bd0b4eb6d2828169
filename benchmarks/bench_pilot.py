"""Pilot figures: validating + splitting a 100,000-request file, and streaming 100,000 results to disk.

Inputs are generated in a temp dir at run time. The emulator runs in its own process, so the
memory traced here is the pilot's alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from benchmarks._harness import Figure, best_time, figure, peak_memory_bytes

N = 100_000
ROOT = Path(__file__).resolve().parent.parent


def _write_requests(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            params = {
                "model": "claude-haiku-4-5",
                "max_tokens": 64,
                "system": "Classify the ticket; answer with JSON.",
                "messages": [{"role": "user", "content": f"Ticket {i}: the parcel arrived late and damaged."}],
            }
            handle.write(json.dumps({"custom_id": f"req-{i:06d}", "params": params}) + "\n")


def _validate_and_split(path: Path) -> int:
    from pilot.files import validate_source

    result = validate_source(path)
    assert result.ok, result.problems[:3]
    return len(result.batches())


def _json_loads_each_line(path: Path) -> int:
    count = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    return count


def _json_loads_kept(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        kept = [json.loads(line) for line in handle]
    return len(kept)


def _start_emulator() -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--port",
            "0",
            "--turnaround-seconds",
            "0",
            "--result-mix",
            '{"succeeded": 1}',
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    base_url = first.split(" on ", 1)[1].split(" ", 1)[0]
    assert base_url.startswith("http://127.0.0.1:"), first
    return proc, base_url


def run() -> list[Figure]:
    from costmodel.prices import load_catalog
    from pilot.ledger import Ledger
    from pilot.runner import Runner

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "requests.jsonl"
        _write_requests(source, N)
        size = source.stat().st_size

        t_validate = best_time(lambda: _validate_and_split(source), repeat=3)
        t_json = best_time(lambda: _json_loads_each_line(source), repeat=3)
        figures.append(
            figure(
                f"pilot: validate + split {N:,} requests",
                t_validate,
                "s",
                "json.loads of each line (same file)",
                t_json,
                f"file {size / 1e6:.1f} MB",
            )
        )
        peak_validate, _ = peak_memory_bytes(lambda: _validate_and_split(source))
        peak_kept, _ = peak_memory_bytes(lambda: _json_loads_kept(source))
        figures.append(
            figure(
                f"pilot: validate + split {N:,} requests, peak memory",
                peak_validate,
                "B",
                "json.loads of each line, kept in a list",
                peak_kept,
                "validation keeps a few small stats per request, not the requests",
            )
        )

        proc, base_url = _start_emulator()
        try:
            catalog = load_catalog(as_of=date.today())
            ledger = Ledger(Path(tmp) / "home" / "ledger.sqlite3")
            with Runner(ledger, api_key="sk-benchmark-not-a-key", base_url=base_url, timeout_seconds=300) as runner:
                pilot_id = runner.prepare(source, catalog, budget_usd=1_000.0)
                runner.submit(pilot_id)
                runner.wait(pilot_id, poll_seconds=0.2)
                peak_stream, path = peak_memory_bytes(lambda: runner.download(pilot_id))
                results_bytes = path.stat().st_size
                with path.open(encoding="utf-8") as handle:
                    lines = sum(1 for _ in handle)
                assert lines == N, lines
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()
        figures.append(
            figure(
                f"pilot: stream {N:,} results to disk, peak memory",
                peak_stream,
                "B",
                "size of the results file written",
                results_bytes,
                "SDK + results.jsonl; custom_id set kept for exactly-once",
            )
        )
    return figures
