"""Published API limits and per-model output limits, dated.

Change these here (and the date) when Anthropic changes them; nothing else in the code repeats them.
"""

from __future__ import annotations

from datetime import date

LIMITS_AS_OF = date(2026, 11, 30)
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

# --- bill modifiers: every figure below is from Anthropic's documentation, checked on MODIFIERS_AS_OF ---------
MODIFIERS_AS_OF = date(2026, 11, 30)
"""When the bill modifiers below were checked against Anthropic's pricing, batch-processing, tool-use,
extended-thinking, prompt-caching and data-residency pages."""

DEFAULT_BATCH_CACHE_HIT_RATE = 0.30
"""Assumed share of batch requests whose cacheable prefix is a hit [share]. Anthropic documents best-effort
hits of 30-98 % in batches (batch-processing page, "prompt caching"); the floor is assumed so savings are not
overstated. A pilot's measured cache reads replace it."""
CACHE_WRITE_MULTIPLIERS = {"5m": 1.25, "1h": 2.0}
"""Cache-write price as a multiple of base input, by TTL (prompt-caching page, 2026-11-30)."""
DEFAULT_CACHE_READ_MULTIPLIER = 0.1
"""Cache-read price as a multiple of base input on most models (0.05 on Opus/Sonnet 5.5, 0.025 on Fable
5.1/5.2: genai-prices carries the per-model figure)."""

TOOL_SYSTEM_PROMPT_TOKENS = {"auto": 346, "none": 346, "any": 313, "tool": 313}
"""Input tokens Anthropic adds to every request that defines tools, by `tool_choice` (tool-use pricing,
2026-11-30); built-in client tools add more (bash ≈245, text editor ≈700), which belong in the input."""

WEB_SEARCH_USD_PER_USE = 10.0 / 1000
"""Web search: $10 per 1,000 searches plus tokens; no batch rate and no data-residency multiplier [USD/use]."""
CODE_EXECUTION_USD_PER_HOUR = 0.05
"""Code execution container time beyond the free hours [USD/container-hour]; free when used with web
search or web fetch."""
CODE_EXECUTION_FREE_HOURS_PER_MONTH = 1_550.0
"""Free code-execution container hours per organisation and month [h/month]."""
CODE_EXECUTION_MIN_HOURS = 5 / 60
"""Minimum billed container time per use (5 minutes) [h]."""

INFERENCE_GEO_MULTIPLIERS = {"global": 1.0, "us": 1.1}
"""Multiplier on every token category (input, output, cache writes and reads) by `inference_geo`; per-use
fees such as web search are not multiplied (pricing page, data residency, 2026-11-30)."""
INFERENCE_GEO_FROM = ("claude-opus-4-6", "claude-sonnet-4-6")
"""`inference_geo: us` exists on these models and every later generation (Opus/Sonnet 4.6 and later)."""

FAST_MODE_MULTIPLIERS = {"claude-opus-4-6": 6.0}
"""Fast mode (`speed: fast`) as a multiple of standard prices where genai-prices has no fast variant
(pricing page, fast mode: Opus 4.6 fast 6× standard). Models with a genai-prices fast variant use it;
fast mode is never available in batches."""

BATCH_OUTPUT_BETA = "output-300k-2026-03-24"
"""Beta header that raises `max_tokens` to BATCH_OUTPUT_BETA_TOKENS, in batches only."""
BATCH_OUTPUT_BETA_TOKENS = 300_000
"""Largest `max_tokens` under the batch-only output beta [tokens]."""
BATCH_OUTPUT_BETA_MODELS = frozenset({"claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-4-6"})
"""Models the batch-only 300k-output beta covers (batch-processing page, 2026-11-30)."""

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
    "claude-sonnet-4-6": 128_000,
    "claude-opus-4-6": 128_000,
}
"""Largest `max_tokens` each model accepts (synchronous Messages API); Sonnet 4.6: 128k (models overview,
checked 2026-11-30)."""
DEFAULT_MAX_OUTPUT_TOKENS = 128_000
"""Assumed for catalog models newer than the table above; labelled as an assumption in the catalog."""

RETIRED_MODELS = frozenset({
    "claude-v1", "claude-2", "claude-3-sonnet", "claude-3-opus-latest", "claude-3-5-sonnet",
    "claude-opus-4-1", "claude-opus-4-0", "claude-sonnet-4-0", "claude-3-7-sonnet-latest",
    "claude-3-5-haiku-latest", "claude-3-haiku",
})  # fmt: skip
"""Models Anthropic has retired (model deprecations page, checked 2026-11-30): hidden from the planning
catalog unless asked for, flagged `retired`, a plan on one warns; still priced for imported usage."""

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

MAX_BATCH_ROUNDS = 100
"""The most sequential batch rounds a plan covers [rounds] (retry rounds × tool turns): each may take the
full 24 h, so 100 rounds is already over three months of worst case; a workflow asking for more is refused
with a message instead of failing later inside the SLA plan."""
