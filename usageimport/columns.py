"""Header aliases: how the columns of usage exports, cost exports and request logs map to canonical names.

Headers are matched after normalization (lower case; spaces, dots, dashes and slashes → `_`),
so `Usage Date (UTC)`, `usage_date_utc` and `usage.date.utc` are the same column. The first alias
found wins; aliases are listed most specific first.
"""

from __future__ import annotations

import re

from costmodel.usage import TIER_UNKNOWN

__all__ = [
    "COST_ALIASES",
    "TIER_VALUES",
    "USAGE_ALIASES",
    "find_columns",
    "normalize_header",
    "tier_code",
]

USAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "time": (
        "usage_date_utc",
        "usage_date",
        "date_utc",
        "date",
        "day",
        "timestamp",
        "time_stamp",
        "time",
        "created_at",
        "request_time",
        "datetime",
        "starting_at",
    ),
    "model": ("model_version", "model", "model_id", "model_name"),
    "tier": ("service_tier", "usage_service_tier", "usage_type", "tier", "processing", "api"),
    "tag": ("workflow", "workflow_tag", "tag", "feature", "use_case"),
    "uncached_input_tokens": (
        "usage_input_tokens_no_cache",
        "uncached_input_tokens",
        "input_tokens_no_cache",
        "usage_input_tokens",
        "usage_uncached_input_tokens",
        # Anthropic's `usage.input_tokens` counts uncached input only
        "input_tokens",
    ),
    "cache_write_5m_tokens": (
        "usage_input_tokens_cache_write_5m",
        "cache_write_5m_tokens",
        "cache_creation_ephemeral_5m_input_tokens",
        "usage_cache_creation_ephemeral_5m_input_tokens",
        "ephemeral_5m_input_tokens",
        "cache_creation_5m_input_tokens",
    ),
    "cache_write_1h_tokens": (
        "usage_input_tokens_cache_write_1h",
        "cache_write_1h_tokens",
        "cache_creation_ephemeral_1h_input_tokens",
        "usage_cache_creation_ephemeral_1h_input_tokens",
        "ephemeral_1h_input_tokens",
        "cache_creation_1h_input_tokens",
    ),
    "cache_write_total_tokens": (
        "cache_creation_input_tokens",
        "usage_cache_creation_input_tokens",
        "cache_write_tokens",
        "usage_input_tokens_cache_write",
    ),
    "cache_read_tokens": (
        "usage_input_tokens_cache_read",
        "cache_read_input_tokens",
        "usage_cache_read_input_tokens",
        "cache_read_tokens",
    ),
    "output_tokens": ("usage_output_tokens", "output_tokens", "completion_tokens"),
    "web_search_requests": (
        "web_search_count",
        "web_search_requests",
        "server_tool_use_web_search_requests",
        "usage_server_tool_use_web_search_requests",
        "web_searches",
    ),
    "requests": ("request_count", "requests", "num_requests", "usage_request_count"),
    "context_window": ("context_window", "usage_context_window"),
    "speed": ("speed", "usage_speed"),
    "inference_geo": ("inference_geo", "usage_inference_geo", "geo"),
}
"""Canonical usage column → header aliases (normalized)."""

COST_ALIASES: dict[str, tuple[str, ...]] = {
    "time": USAGE_ALIASES["time"],
    "model": USAGE_ALIASES["model"],
    "tier": USAGE_ALIASES["tier"],
    "amount_usd": ("cost_usd", "amount_usd", "total_cost_usd", "cost_in_usd", "list_cost_usd", "cost", "amount"),
    "amount_cents": ("amount_cents", "cost_cents", "cost_in_cents"),
    "token_type": ("token_type", "cost_type", "description"),
}
"""Canonical cost column → header aliases (normalized). Amounts are USD unless the header says cents."""

TOKEN_COLUMNS = (
    "uncached_input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_write_total_tokens",
    "cache_read_tokens",
    "output_tokens",
)
NUMBER_COLUMNS = (*TOKEN_COLUMNS, "web_search_requests", "requests")

TIER_VALUES = {
    "standard": 0,
    "default": 0,
    "sync": 0,
    "messages": 0,
    "messages_api": 0,
    "on_demand": 0,
    "batch": 1,
    "batches": 1,
    "message_batch": 1,
    "message_batches": 1,
    "batch_api": 1,
    "priority": 2,
}
"""Service tier value (normalized) → tier code; anything else is `other` (2) and counted; none is `unknown` (3)."""

_NON_WORD = re.compile(r"[\s.\-/()\[\]]+")


def normalize_header(header: object) -> str:
    """`Usage Date (UTC)` → `usage_date_utc`; BOMs and quotes removed."""
    text = str(header).replace("\ufeff", "").strip().strip('"').lower()
    return _NON_WORD.sub("_", text).strip("_")


_WINDOW_BOUND = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([km]?)")


def context_window_start(value: object) -> float | None:
    """Lower bound of a report's `context_window` group [tokens]: `0-200k` → 0, `200k-1M` → 200,000,
    `100k-200k` → 100,000; None when the value says nothing readable."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    match = _WINDOW_BOUND.match(str(value).lower())
    if match is None:
        return None
    return float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]


def find_columns(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical name → the original header that provides it (first alias present wins)."""
    by_normal: dict[str, str] = {}
    for h in headers:
        by_normal.setdefault(normalize_header(h), h)
    found: dict[str, str] = {}
    used: set[str] = set()
    for canonical, names in aliases.items():
        for name in names:
            if name in by_normal and by_normal[name] not in used:
                found[canonical] = by_normal[name]
                used.add(by_normal[name])
                break
    return found


TIER_UNKNOWN_CODE = TIER_UNKNOWN
"""No service tier given. Never read as standard: the row may have run on batch."""


def tier_code(value: object) -> int:
    """Tier code for a service-tier value; empty means unknown (not standard: it may be batch traffic)."""
    if value is None or (isinstance(value, float) and value != value):
        return TIER_UNKNOWN_CODE
    text = normalize_header(value)
    if not text or text in ("none", "null", "nan", "unknown"):
        return TIER_UNKNOWN_CODE
    if text in TIER_VALUES:
        return TIER_VALUES[text]
    return 1 if "batch" in text else 2
