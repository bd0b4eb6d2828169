"""Published API limits and per-model output limits, dated.

Change these here (and the date) when Anthropic changes them; nothing else in the code repeats them.
"""

from __future__ import annotations

from datetime import date

LIMITS_AS_OF = date(2026, 11, 1)
"""When the figures below were checked against Anthropic's documentation."""

MAX_REQUESTS_PER_BATCH = 100_000
"""A batch holds at most this many requests."""
MAX_BATCH_BYTES = 256 * 1024 * 1024
"""A batch body may be at most 256 MB (HTTP 413 above)."""
WORST_CASE_PROCESSING_HOURS = 24.0
"""The API's guarantee: a batch ends within 24 h of creation; requests not processed by then expire."""
RESULTS_RETENTION_DAYS = 29
"""Results stay downloadable this many days after creation."""
CUSTOM_ID_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
"""Allowed `custom_id` values in a batch request."""

DEFAULT_BATCH_DISCOUNT = 0.5
"""Batch prices are 50 % of standard where a model has no published batch rate."""

MAX_OUTPUT_TOKENS: dict[str, int] = {
    "claude-v1": 4_096,
    "claude-2": 4_096,
    "claude-3-haiku": 4_096,
    "claude-3-sonnet": 4_096,
    "claude-3-opus-latest": 4_096,
    "claude-3-5-haiku-latest": 8_192,
    "claude-3-5-sonnet": 8_192,
    "claude-3-7-sonnet-latest": 64_000,
    "claude-sonnet-4-0": 64_000,
    "claude-opus-4-0": 32_000,
    "claude-opus-4-1": 32_000,
    "claude-sonnet-4-5": 64_000,
    "claude-haiku-4-5": 64_000,
    "claude-opus-4-5": 64_000,
    "claude-sonnet-4-6": 64_000,
    "claude-opus-4-6": 128_000,
}
"""Largest `max_tokens` each model accepts (synchronous Messages API)."""
DEFAULT_MAX_OUTPUT_TOKENS = 128_000
"""Assumed for catalog models newer than the table above; labelled as an assumption in the catalog."""

RETIRED_MODELS = frozenset({"claude-v1", "claude-2", "claude-3-sonnet", "claude-3-opus-latest", "claude-3-5-sonnet"})
"""Models Anthropic has retired: kept out of the planning catalog, still priced for imported usage."""

BATCH_TIER_LIMITS_AS_OF = date(2026, 11, 30)
"""When the batch tier limits below were checked (Anthropic's rate-limits and batch-processing pages)."""
BATCH_TIER_LIMITS_SOURCE = "Anthropic rate limits documentation (Message Batches limits by usage tier)"
"""Where the batch tier limits come from; the newer page wins where two versions exist."""
BATCH_TIER_LIMITS: dict[str, tuple[int, int, float]] = {
    "start": (200_000, 1_000, 500.0),
    "build": (300_000, 2_000, 1_000.0),
    "scale": (500_000, 4_000, 200_000.0),
}
"""Per organisation and tier: (requests waiting in the batch processing queue [requests], batch-endpoint
requests per minute [1/min], monthly spend cap [USD]). The queue is shared across models and a request
counts until it is processed; at the spend cap the whole API, batches included, pauses until 00:00 UTC
on the 1st of the next month (429 `enforced_spend_limit_reached`, no `retry-after`)."""
