"""Fetch usage and cost reports from Anthropic's Admin API with an admin key.

First the Usage & Cost Analytics API (`GET /v1/organizations/analytics/usage` and `/analytics/cost`,
launched 2026-10-29 behind `anthropic-beta: analytics-usage-cost-2026-08-24`): daily buckets, usage
grouped by model, service tier, context window, inference geo and speed, so long-context, US-only and
fast-mode rows can be priced as such. When an analytics endpoint answers 404, 403, or 400 "not
enabled" (an organisation without the beta), that report comes from the legacy endpoints instead
(`usage_report/messages` grouped by model, service tier and context window; `cost_report` grouped by
description), and a note says what the legacy report cannot show (speed, inference geo).

Assumptions about the analytics API, whose response shape our facts file does not pin down: it pages
like the legacy reports (`limit`, `page` → `has_more`, `next_page`; `next_cursor` is accepted too);
a page is either legacy-shaped (`data: [{starting_at, ending_at, results: [...]}]`) or holds flat rows
(`data: [{starting_at, model, ..., tokens}]`, tokens possibly inside a `usage` object), which are
regrouped into buckets; token fields and cost `amount` (cents, decimal string) carry the legacy names.

Every page is followed. 429 and 5xx are retried with exponential backoff, honouring `retry-after`.
The admin key is passed per call and never stored, logged, or put in an error message (messages are
scrubbed of it as a last line of defence).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from costmodel import safejson
from costmodel.apikeys import KeyFormatError, clean_api_key, scrub
from usageimport.jsonfiles import add_cost_pages, add_usage_pages, normalize_page
from usageimport.tables import MAX_SPAN_DAYS, ImportResult, UsageImportError

__all__ = [
    "DEFAULT_BASE_URL",
    "FetchError",
    "FetchFailed",
    "FetchedReports",
    "fetch_into",
    "fetch_reports",
    "normalize_page",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_PATH = "/v1/organizations/cost_report"
ANALYTICS_USAGE_PATH = "/v1/organizations/analytics/usage"
ANALYTICS_COST_PATH = "/v1/organizations/analytics/cost"
ANALYTICS_BETA = "analytics-usage-cost-2026-08-24"
"""`anthropic-beta` header of the Usage & Cost Analytics API (launched 2026-10-29)."""
ANALYTICS_USAGE_GROUPS = ("model", "service_tier", "context_window", "inference_geo", "speed")
LEGACY_USAGE_GROUPS = ("model", "service_tier", "context_window")
LEGACY_NOTE = (
    "the Usage & Cost Analytics API is not enabled for this organisation: fetched the legacy usage report, "
    "which cannot group by speed or inference_geo, so fast-mode and US-only traffic is priced at standard rates"
)
ANTHROPIC_VERSION = "2023-06-01"
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
MAX_RETRY_AFTER_SECONDS = 60.0
PAGE_LIMIT = 31
MAX_PAGES = 1_000


class FetchError(UsageImportError):
    """The Admin API could not be read; the message says why (never with the key)."""


class FetchFailed(FetchError):
    """The request was fine but the fetch failed (unreachable, 5xx or 429 after retries, not JSON): exit 1."""


@dataclass(frozen=True)
class FetchedReports:
    """Raw pages as returned by the API."""

    usage_pages: list[dict[str, Any]]
    """Usage report pages."""
    cost_pages: list[dict[str, Any]]
    """Cost report pages."""
    retries: int
    """Requests retried after 429/5xx or a connection error."""
    usage_api: str = "analytics"
    """Which API the usage came from: `analytics` or `legacy` (the fallback)."""
    cost_api: str = "analytics"
    """Which API the cost came from: `analytics`, `legacy` or `` (not fetched)."""


class _AnalyticsUnavailable(Exception):
    """An analytics endpoint answered 404/403/400 "not enabled": use the legacy endpoint."""


def _not_enabled(status: int, body: bytes) -> bool:
    """404 or 403, or a 400 whose message says the beta/endpoint is not enabled."""
    if status in (403, 404):
        return True
    text = _error_message(status, body).lower()
    return status == 400 and ("not enabled" in text or "not available" in text)


def _scrub(text: str, key: str) -> str:
    return scrub(text, [key])


def _retry_delay(headers: Any, attempt: int) -> float:
    value = headers.get("retry-after") if headers is not None else None
    if value is not None:
        try:
            return min(max(float(value), 0.0), MAX_RETRY_AFTER_SECONDS)
        except ValueError:
            pass
    return float(min(0.5 * 2**attempt, MAX_RETRY_AFTER_SECONDS))


def _error_message(status: int, body: bytes) -> str:
    try:
        err = safejson.loads(body)["error"]
        return f"HTTP {status} {err.get('type', '')}: {err.get('message', '')}".strip()
    except (ValueError, KeyError, TypeError):
        return f"HTTP {status}"


def _get_json(
    url: str,
    *,
    admin_key: str,
    timeout: float,
    max_retries: int,
    sleep: Callable[[float], None],
    counter: list[int],
    beta: str | None = None,
) -> dict[str, Any]:
    headers = {"x-api-key": admin_key, "anthropic-version": ANTHROPIC_VERSION, "accept": "application/json"}
    if beta is not None:
        headers["anthropic-beta"] = beta
    attempt = 0
    while True:
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
            data = safejson.loads(body)
            if not isinstance(data, dict):
                raise FetchFailed([f"{_path(url)}: the response is not a JSON object"])
            return data
        except urllib.error.HTTPError as exc:
            with exc:
                body = exc.read()
                status, exc_headers = exc.code, exc.headers
            if status in RETRY_STATUSES and attempt < max_retries:
                sleep(_retry_delay(exc_headers, attempt))
                attempt += 1
                counter[0] += 1
                continue
            if beta is not None and _not_enabled(status, body):
                raise _AnalyticsUnavailable from None
            hint = " (check the admin key: it starts with sk-ant-admin)" if status in (401, 403) else ""
            kind = FetchError if status in (400, 401, 403, 404) else FetchFailed  # our input, or their failure
            raise kind([_scrub(f"{_path(url)}: {_error_message(status, body)}{hint}", admin_key)]) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if attempt < max_retries:
                sleep(_retry_delay(None, attempt))
                attempt += 1
                counter[0] += 1
                continue
            reason = getattr(exc, "reason", exc)
            raise FetchFailed([_scrub(f"{_path(url)}: cannot reach the Admin API ({reason})", admin_key)]) from None
        except json.JSONDecodeError:
            raise FetchFailed([f"{_path(url)}: the response is not JSON"]) from None


def _path(url: str) -> str:
    return url.split("?", 1)[0].split("/v1/", 1)[-1]


def _pages(
    base_url: str, path: str, params: list[tuple[str, str]], get: Callable[[str], dict[str, Any]]
) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    page_token: str | None = None
    for _ in range(MAX_PAGES):
        query = params + ([("page", page_token)] if page_token else [])
        page = get(f"{base_url.rstrip('/')}{path}?{urlencode(query)}")
        pages.append(page)
        if not page.get("has_more"):
            return pages
        page_token = page.get("next_page") or page.get("next_cursor")
        if not page_token:
            raise FetchFailed([f"{path}: has_more without next_page"])
    raise FetchError([f"{path}: more than {MAX_PAGES} pages; fetch a shorter date range"])


def fetch_reports(
    *,
    admin_key: str,
    start: date,
    end: date,
    base_url: str = DEFAULT_BASE_URL,
    include_cost: bool = True,
    api: Literal["auto", "analytics", "legacy"] = "auto",
    timeout: float = 30.0,
    max_retries: int = 4,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchedReports:
    """Usage (and cost) report pages for UTC days `start` … `end` inclusive.

    `api`: `auto` asks the analytics API and falls back to the legacy endpoint per report when it is
    not enabled; `analytics` or `legacy` ask only that one.

    `admin_key` is stripped of surrounding whitespace (a pasted line ending); a key with a control
    or non-ASCII character inside is refused with a message that does not contain it.
    """
    try:
        admin_key = clean_api_key(admin_key, source="the admin key") or ""
    except KeyFormatError as exc:
        raise FetchError([str(exc)]) from None
    if not admin_key:
        raise FetchError(["no admin key: set ANTHROPIC_ADMIN_KEY (an sk-ant-admin… key from the Console)"])
    if end < start:
        raise FetchError([f"the end date {end} is before the start date {start}"])
    if (end - start).days + 1 > MAX_SPAN_DAYS:
        raise FetchError(
            [f"{start} … {end} is {(end - start).days + 1:,} days; fetch at most {MAX_SPAN_DAYS} days at a time"]
        )
    window = [
        ("starting_at", f"{start.isoformat()}T00:00:00Z"),
        ("ending_at", f"{(end + timedelta(days=1)).isoformat()}T00:00:00Z"),
        ("bucket_width", "1d"),
        ("limit", str(PAGE_LIMIT)),
    ]
    counter = [0]

    def getter(beta: str | None) -> Callable[[str], dict[str, Any]]:
        def get(url: str) -> dict[str, Any]:
            return _get_json(
                url,
                admin_key=admin_key,
                timeout=timeout,
                max_retries=max_retries,
                sleep=sleep,
                counter=counter,
                beta=beta,
            )

        return get

    def report(
        analytics_path: str, legacy_path: str, analytics_groups: tuple[str, ...], legacy_groups: tuple[str, ...]
    ) -> tuple[list[dict[str, Any]], str]:
        if api != "legacy":
            try:
                params = [*window, *(("group_by[]", g) for g in analytics_groups)]
                pages = _pages(base_url, analytics_path, params, getter(ANALYTICS_BETA))
                return [normalize_page(p) for p in pages], "analytics"
            except _AnalyticsUnavailable:
                if api == "analytics":
                    raise FetchError(
                        [
                            f"{_path(analytics_path)}: the Usage & Cost Analytics API is not enabled for this "
                            "organisation; fetch from the legacy reports instead"
                        ]
                    ) from None
        params = [*window, *(("group_by[]", g) for g in legacy_groups)]
        return _pages(base_url, legacy_path, params, getter(None)), "legacy"

    usage, usage_api = report(ANALYTICS_USAGE_PATH, USAGE_PATH, ANALYTICS_USAGE_GROUPS, LEGACY_USAGE_GROUPS)
    cost: list[dict[str, Any]] = []
    cost_api = ""
    if include_cost:
        cost, cost_api = report(ANALYTICS_COST_PATH, COST_PATH, ("description",), ("description",))
    return FetchedReports(
        usage_pages=usage, cost_pages=cost, retries=counter[0], usage_api=usage_api, cost_api=cost_api
    )


def fetch_into(result: ImportResult, reports: FetchedReports, *, label: str = "Admin API") -> None:
    """Add fetched pages to an import; raises UsageImportError for pages of the wrong shape or too long a span."""
    add_usage_pages(reports.usage_pages, result, source=f"{label} usage report")
    result.sources.append(f"{label} usage report ({reports.usage_api}, {len(reports.usage_pages)} pages)")
    if reports.usage_api == "legacy" and LEGACY_NOTE not in result.warnings:
        result.warnings.append(LEGACY_NOTE)
    if reports.cost_pages:
        add_cost_pages(reports.cost_pages, result, source=f"{label} cost report")
        result.sources.append(f"{label} cost report ({reports.cost_api}, {len(reports.cost_pages)} pages)")
    span = result.span_problem()
    if span is not None:
        raise UsageImportError([span])
