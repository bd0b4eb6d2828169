"""Deterministic sample usage in every supported format (the shipped `data/usage/` files come from here).

python -m tests.usageimport.samples data/usage     regenerate the shipped samples
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

MONTH_START = date(2026, 10, 1)
DAYS = 31
MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805")
TAGS = ("contract-review", "claims-triage", "support-analytics")
TAG_MODEL = {"contract-review": MODELS[0], "claims-triage": MODELS[1], "support-analytics": MODELS[0]}
CONSOLE_USAGE_HEADER = [
    "usage_date_utc",
    "model_version",
    "workspace",
    "api_key",
    "usage_type",
    "usage_input_tokens_no_cache",
    "usage_input_tokens_cache_write_5m",
    "usage_input_tokens_cache_write_1h",
    "usage_input_tokens_cache_read",
    "usage_output_tokens",
    "web_search_count",
]


def daily_usage(seed: int = 7) -> list[dict[str, object]]:
    """One aggregated row per day, model and tier, like a usage report grouped by model and tier."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(DAYS):
        day = MONTH_START + timedelta(days=d)
        for model in MODELS:
            for tier in ("standard", "batch"):
                if tier == "batch" and model != MODELS[1]:
                    continue
                scale = {MODELS[0]: 8e6, MODELS[1]: 3e6, MODELS[2]: 4e5}[model] * (0.5 if tier == "batch" else 1)
                rows.append(
                    {
                        "day": day.isoformat(),
                        "model": model,
                        "tier": tier,
                        "uncached_input_tokens": int(scale * rng.uniform(0.8, 1.2)),
                        "cache_write_5m_tokens": int(scale * 0.05 * rng.uniform(0.5, 1.5)),
                        "cache_write_1h_tokens": int(scale * 0.02 * rng.uniform(0.5, 1.5)),
                        "cache_read_tokens": int(scale * 0.4 * rng.uniform(0.5, 1.5)),
                        "output_tokens": int(scale * 0.08 * rng.uniform(0.8, 1.2)),
                        "web_search_requests": int(rng.integers(0, 20)) if model == MODELS[0] else 0,
                    }
                )
    return rows


def request_log(n: int = 1500, seed: int = 11) -> list[dict[str, object]]:
    """Per-request log rows with workflow tags, some already on batch."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        tag = TAGS[i % len(TAGS)]
        ts = start + timedelta(seconds=int(rng.integers(0, DAYS * 86_400)))
        cached = tag == "contract-review"
        hit = cached and rng.random() < 0.7
        rows.append(
            {
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "model": TAG_MODEL[tag],
                "workflow": tag,
                "service_tier": "batch" if tag == "claims-triage" and i % 2 else "standard",
                "input_tokens": int(rng.integers(1_000, 4_000)),
                "cache_creation_input_tokens": 0 if not cached or hit else 12_000,
                "cache_read_input_tokens": 12_000 if hit else 0,
                "output_tokens": int(rng.integers(100, 1_200)),
            }
        )
    return rows


def write_console_usage(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CONSOLE_USAGE_HEADER)
        for r in rows:
            w.writerow(
                [
                    r["day"],
                    r["model"],
                    "Default",
                    "key-prod",
                    "message_batch" if r["tier"] == "batch" else "standard",
                    r["uncached_input_tokens"],
                    r["cache_write_5m_tokens"],
                    r["cache_write_1h_tokens"],
                    r["cache_read_tokens"],
                    r["output_tokens"],
                    r["web_search_requests"],
                ]
            )


def _daily_buckets(
    rows: list[dict[str, object]], result_of: Callable[[dict[str, object]], dict[str, object]]
) -> list[dict[str, object]]:
    """Daily report buckets (`starting_at`, `ending_at`, `results`), one result per row of the day."""
    by_day: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        by_day.setdefault(str(r["day"]), []).append(r)
    buckets = []
    for day, items in sorted(by_day.items()):
        d = date.fromisoformat(day)
        buckets.append(
            {
                "starting_at": f"{d.isoformat()}T00:00:00Z",
                "ending_at": f"{(d + timedelta(days=1)).isoformat()}T00:00:00Z",
                "results": [result_of(r) for r in items],
            }
        )
    return buckets


def usage_buckets(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Admin API usage report buckets, grouped by model and service tier."""
    return _daily_buckets(
        rows,
        lambda r: {
            "uncached_input_tokens": r["uncached_input_tokens"],
            "cache_creation": {
                "ephemeral_5m_input_tokens": r["cache_write_5m_tokens"],
                "ephemeral_1h_input_tokens": r["cache_write_1h_tokens"],
            },
            "cache_read_input_tokens": r["cache_read_tokens"],
            "output_tokens": r["output_tokens"],
            "server_tool_use": {"web_search_requests": r["web_search_requests"]},
            "api_key_id": None,
            "workspace_id": None,
            "model": r["model"],
            "service_tier": r["tier"],
            "context_window": "0-200k",
        },
    )


def cost_buckets(rows: list[dict[str, object]], prices: dict[tuple[str, str], float]) -> list[dict[str, object]]:
    """Admin API cost report buckets: `amount` in cents as a decimal string, one result per model and tier."""
    return _daily_buckets(
        rows,
        lambda r: {
            "currency": "USD",
            "amount": f"{prices[(str(r['day']), str(r['model']) + '|' + str(r['tier']))] * 100:.6f}",
            "workspace_id": None,
            "description": None,
            "cost_type": "tokens",
            "context_window": "0-200k",
            "model": r["model"],
            "service_tier": r["tier"],
            "token_type": None,
        },
    )


def paginate(buckets: list[dict[str, object]], page_days: int = 7) -> list[dict[str, object]]:
    """Saved report pages (`{data, has_more, next_page}`), as a user would save successive responses."""
    pages = []
    for i in range(0, len(buckets), page_days):
        more = i + page_days < len(buckets)
        pages.append(
            {
                "data": buckets[i : i + page_days],
                "has_more": more,
                "next_page": f"page_{i + page_days}" if more else None,
            }
        )
    return pages


def write_log_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def write_log_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            record = {
                "timestamp": r["timestamp"],
                "model": r["model"],
                "workflow": r["workflow"],
                "usage": {
                    "input_tokens": r["input_tokens"],
                    "cache_creation_input_tokens": r["cache_creation_input_tokens"],
                    "cache_read_input_tokens": r["cache_read_input_tokens"],
                    "cache_creation": {
                        "ephemeral_5m_input_tokens": r["cache_creation_input_tokens"],
                        "ephemeral_1h_input_tokens": 0,
                    },
                    "output_tokens": r["output_tokens"],
                    "service_tier": r["service_tier"],
                },
            }
            f.write(json.dumps(record) + "\n")


def unit_prices(model: str, tier: str) -> dict[str, Decimal]:
    """USD per token of each type from genai-prices (priced on a small request, below any long-context tier)."""
    from genai_prices import Usage, calc_price

    ctx = {"processing": "batch"} if tier == "batch" else None
    n = 100_000
    usages = {
        "uncached_input_tokens": Usage(input_tokens=n),
        "cache_write_5m_tokens": Usage(input_tokens=n, cache_write_tokens=n, cache_write_5m_tokens=n),
        "cache_write_1h_tokens": Usage(input_tokens=n, cache_write_tokens=n, cache_write_1h_tokens=n),
        "cache_read_tokens": Usage(input_tokens=n, cache_read_tokens=n),
        "output_tokens": Usage(output_tokens=n),
        "web_search_requests": Usage(web_searches=n),
    }
    return {
        k: calc_price(u, model, provider_id="anthropic", price_context=ctx).total_price / n for k, u in usages.items()
    }


def row_prices(rows: list[dict[str, object]]) -> dict[tuple[str, str], float]:
    """Each aggregated daily row priced from genai-prices unit prices (independent of the importer), USD."""
    out = {}
    units: dict[tuple[str, str], dict[str, Decimal]] = {}  # six genai-prices lookups per model and tier, not per row
    for r in rows:
        pair = (str(r["model"]), str(r["tier"]))
        if pair not in units:
            units[pair] = unit_prices(*pair)
        unit = units[pair]
        total = sum(Decimal(int(r[k])) * p for k, p in unit.items())  # type: ignore[call-overload]
        out[(str(r["day"]), f"{r['model']}|{r['tier']}")] = float(total)
    return out


def write_all(folder: Path) -> dict[str, Path]:
    """Every sample format into `folder`; returns name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    daily = daily_usage()
    log = request_log()
    paths = {
        "console_usage": folder / "console_usage_2026-10.csv",
        "console_cost": folder / "console_cost_2026-10.csv",
        "admin_usage": folder / "admin_usage_report_2026-10.json",
        "admin_cost": folder / "admin_cost_report_2026-10.json",
        "log_csv": folder / "request_log_2026-10.csv",
        "log_jsonl": folder / "request_log_2026-10.jsonl",
    }
    write_console_usage(paths["console_usage"], daily)
    prices = row_prices(daily)
    with paths["console_cost"].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["usage_date_utc", "model_version", "workspace", "usage_type", "cost_type", "cost_usd"])
        for r in daily:
            tier = "message_batch" if r["tier"] == "batch" else "standard"
            key = (str(r["day"]), f"{r['model']}|{r['tier']}")
            w.writerow([r["day"], r["model"], "Default", tier, "tokens", f"{prices[key]:.2f}"])
    paths["admin_usage"].write_text(json.dumps(paginate(usage_buckets(daily)), indent=1) + "\n", encoding="utf-8")
    paths["admin_cost"].write_text(json.dumps(paginate(cost_buckets(daily, prices)), indent=1) + "\n", encoding="utf-8")
    write_log_csv(paths["log_csv"], log)
    write_log_jsonl(paths["log_jsonl"], log)
    return paths


if __name__ == "__main__":
    for name, path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "data/usage")).items():
        print(name, path, path.stat().st_size)
