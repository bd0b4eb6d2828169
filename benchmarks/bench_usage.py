"""Usage import speed: costing 1,000,000 request-log rows, and importing a 1,000,000-row CSV.

Figures:
- vectorised pricing (`costmodel.usage.price_usage`) vs `genai_prices.calc_price` row by row on a
  sample, scaled to the same rows (must be hundreds of times faster), after checking that both
  agree to the cent on the sample;
- the same vs a plain numpy dot product of the token columns with one price vector (the floor);
- importing a 1,000,000-row log CSV: wall time, and peak traced memory against the size of the
  used columns as numpy arrays (memory grows with the columns used, not the file).
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np

from benchmarks._harness import Figure, best_time, figure, peak_memory_bytes

ROWS = 1_000_000
SAMPLE_ROWS = 2_000
AS_OF = date(2026, 11, 1)
# models with a published batch rate (genai-prices gives standard prices to the others)
MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-5")
TOKEN_FIELDS = ("uncached_input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens")


def _log_columns(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    long = rng.random(n) < 0.02  # a few requests above the 200k long-context threshold
    return {
        "model": rng.integers(0, len(MODELS), n),
        "tier": (rng.random(n) < 0.3).astype(np.int64),
        "uncached_input_tokens": np.where(long, rng.integers(200_000, 400_000, n), rng.integers(0, 20_000, n)),
        "cache_write_5m_tokens": rng.integers(0, 4_000, n) * (rng.random(n) < 0.2),
        "cache_write_1h_tokens": rng.integers(0, 4_000, n) * (rng.random(n) < 0.1),
        "cache_read_tokens": rng.integers(0, 30_000, n) * (rng.random(n) < 0.5),
        "output_tokens": rng.integers(1, 4_000, n),
        "web_search_requests": rng.integers(0, 3, n) * (rng.random(n) < 0.05),
        "day": 20_362 + rng.integers(0, 31, n),
    }


def _usage_columns(cols: dict[str, np.ndarray]) -> object:
    from costmodel.usage import LC_PER_REQUEST, UsageColumns

    n = len(cols["model"])
    return UsageColumns(
        model_codes=cols["model"].astype(np.int64),
        model_names=MODELS,
        tier_codes=cols["tier"],
        uncached_input_tokens=cols["uncached_input_tokens"].astype(np.float64),
        cache_write_5m_tokens=cols["cache_write_5m_tokens"].astype(np.float64),
        cache_write_1h_tokens=cols["cache_write_1h_tokens"].astype(np.float64),
        cache_read_tokens=cols["cache_read_tokens"].astype(np.float64),
        output_tokens=cols["output_tokens"].astype(np.float64),
        web_search_requests=cols["web_search_requests"].astype(np.float64),
        requests=np.ones(n),
        long_context_hint=np.full(n, LC_PER_REQUEST, dtype=np.int64),
        days=cols["day"].astype(np.int64),
        tag_codes=np.full(n, -1, dtype=np.int64),
    )


def _row_by_row(cols: dict[str, np.ndarray]) -> Decimal:
    from genai_prices import Usage, calc_price

    total = Decimal(0)
    batch = {"processing": "batch"}
    for i in range(len(cols["model"])):
        cw5, cw1 = int(cols["cache_write_5m_tokens"][i]), int(cols["cache_write_1h_tokens"][i])
        cr = int(cols["cache_read_tokens"][i])
        usage = Usage(
            input_tokens=int(cols["uncached_input_tokens"][i]) + cw5 + cw1 + cr,
            cache_write_tokens=cw5 + cw1,
            cache_write_1h_tokens=cw1,
            cache_read_tokens=cr,
            output_tokens=int(cols["output_tokens"][i]),
            web_searches=int(cols["web_search_requests"][i]),
        )
        ctx = batch if cols["tier"][i] == 1 else None
        total += calc_price(usage, MODELS[cols["model"][i]], provider_id="anthropic", price_context=ctx).total_price
    return total


def _costing_figures() -> list[Figure]:
    from costmodel.prices import load_catalog
    from costmodel.usage import WhatIfAssumptions, price_usage

    catalog = load_catalog(as_of=AS_OF, include_retired=True)
    assumptions = WhatIfAssumptions()
    cols = _log_columns(ROWS)
    columns = _usage_columns(cols)

    sample = {k: v[:SAMPLE_ROWS] for k, v in cols.items()}
    vectorised_sample = Decimal(str(float(price_usage(_usage_columns(sample), catalog, assumptions).actual_usd.sum())))  # type: ignore[arg-type]
    start = time.perf_counter()
    reference = _row_by_row(sample)
    per_row = (time.perf_counter() - start) / SAMPLE_ROWS
    if abs(vectorised_sample - reference) >= Decimal("0.005"):
        raise AssertionError(
            f"vectorised total ${vectorised_sample:.6f} disagrees with genai-prices row by row ${reference:.6f}"
        )

    vectorised = best_time(lambda: price_usage(columns, catalog, assumptions), repeat=3)  # type: ignore[arg-type]
    row_by_row_scaled = per_row * ROWS
    matrix = np.stack(
        [cols[f].astype(np.float64) for f in (*TOKEN_FIELDS, "output_tokens")]
    )  # (5, n): the same token columns
    prices = np.array([3.0, 3.75, 6.0, 0.3, 15.0]) / 1e6
    floor = best_time(lambda: prices @ matrix, repeat=5)
    note = f"{ROWS:,} rows; sample of {SAMPLE_ROWS:,} agrees to the cent (${reference:,.2f})"
    return [
        figure(
            "usage: cost 1M log rows, row by row (genai-prices, scaled)",
            row_by_row_scaled,
            "s",
            "vectorised price_usage (actual + what-if)",
            vectorised,
            note,
        ),
        figure(
            "usage: cost 1M log rows, vectorised price_usage",
            vectorised,
            "s",
            "floor: numpy dot of the 5 token columns",
            floor,
            "per-row gather of prices by model/tier/long-context, sync+batch+what-if",
        ),
    ]


def _write_csv(path: Path, n: int) -> None:
    import pandas as pd

    cols = _log_columns(n, seed=1)
    seconds = (cols["day"].astype(np.int64) * 86_400 + np.random.default_rng(2).integers(0, 86_400, n)).astype(
        "datetime64[s]"
    )
    frame = pd.DataFrame(
        {
            "request_id": np.char.add("req_", np.arange(n).astype(str)),  # an unused column
            "timestamp": np.datetime_as_string(seconds, timezone="UTC"),
            "model": np.asarray(MODELS)[cols["model"]],
            "service_tier": np.where(cols["tier"] == 1, "batch", "standard"),
            "workflow": np.asarray(["triage", "review", "reports"])[cols["model"] % 3],
            "input_tokens": cols["uncached_input_tokens"],
            "cache_creation_input_tokens": cols["cache_write_5m_tokens"],
            "cache_read_input_tokens": cols["cache_read_tokens"],
            "output_tokens": cols["output_tokens"],
            "status_message": "ok",  # another unused column
        }
    )
    frame.to_csv(path, index=False)


def _import_figures() -> list[Figure]:
    from usageimport import load_files

    with tempfile.TemporaryDirectory(prefix="bp-bench-usage-") as folder:
        path = Path(folder) / "log.csv"
        _write_csv(path, ROWS)
        size = path.stat().st_size
        seconds = best_time(lambda: load_files([path]), repeat=2)
        cpu_start = time.process_time()
        load_files([path])
        cpu_seconds = time.process_time() - cpu_start
        peak, result = peak_memory_bytes(lambda: load_files([path]))
    columns = result.usage_columns()
    if columns.n_rows != ROWS or result.skipped_count:
        raise AssertionError(f"imported {columns.n_rows:,} rows, skipped {result.skipped_count:,}")
    used = sum(
        getattr(columns, f).nbytes
        for f in (
            "model_codes",
            "tier_codes",
            "tag_codes",
            "days",
            "uncached_input_tokens",
            "cache_write_5m_tokens",
            "cache_read_tokens",
            "output_tokens",
        )
    )
    rows_per_second = ROWS / seconds
    return [
        figure(
            "usage: import 1M-row log CSV (wall time)",
            seconds,
            "s",
            "1 s",
            1.0,
            f"{rows_per_second:,.0f} rows/s; CPU {cpu_seconds:.2f} s; file {size / 1e6:,.0f} MB, 10 columns, 8 used",
        ),
        figure(
            "usage: import 1M-row log CSV (peak traced memory)",
            peak / 1e6,
            "MB",
            "used columns as numpy arrays",
            used / 1e6,
            f"file is {size / 1e6:,.0f} MB; chunked read with usecols",
        ),
    ]


def run() -> list[Figure]:
    return [*_costing_figures(), *_import_figures()]
