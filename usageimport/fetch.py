"""Fetch usage and cost reports from Anthropic's Admin API with an admin key.

Daily buckets, grouped by model and service tier (usage) and by description (cost: model,
service tier and token type), every page followed. 429 and 5xx are retried with exponential
backoff, honouring `retry-after`. The admin key is passed per call and never stored, logged,
or put in an error message (messages are scrubbed of it as a last line of defence).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from costmodel import safejson
from costmodel.apikeys import KeyFormatError, clean_api_key, scrub
from usageimport.jsonfiles import add_cost_pages, add_usage_pages
from usageimport.tables import MAX_SPAN_DAYS, ImportResult, UsageImportError

__all__ = ["DEFAULT_BASE_URL", "FetchError", "FetchFailed", "FetchedReports", "fetch_into", "fetch_reports"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_PATH = "/v1/organizations/cost_report"
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
) -> dict[str, Any]:
    headers = {"x-api-key": admin_key, "anthropic-version": ANTHROPIC_VERSION, "accept": "application/json"}
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
        page_token = page.get("next_page")
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
    timeout: float = 30.0,
    max_retries: int = 4,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchedReports:
    """Usage (and cost) report pages for UTC days `start` … `end` inclusive.

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

    def get(url: str) -> dict[str, Any]:
        return _get_json(
            url, admin_key=admin_key, timeout=timeout, max_retries=max_retries, sleep=sleep, counter=counter
        )

    usage = _pages(base_url, USAGE_PATH, [*window, ("group_by[]", "model"), ("group_by[]", "service_tier")], get)
    cost = _pages(base_url, COST_PATH, [*window, ("group_by[]", "description")], get) if include_cost else []
    return FetchedReports(usage_pages=usage, cost_pages=cost, retries=counter[0])


def fetch_into(result: ImportResult, reports: FetchedReports, *, label: str = "Admin API") -> None:
    """Add fetched pages to an import; raises UsageImportError for pages of the wrong shape or too long a span."""
    add_usage_pages(reports.usage_pages, result, source=f"{label} usage report")
    result.sources.append(f"{label} usage report ({len(reports.usage_pages)} pages)")
    if reports.cost_pages:
        add_cost_pages(reports.cost_pages, result, source=f"{label} cost report")
        result.sources.append(f"{label} cost report ({len(reports.cost_pages)} pages)")
    span = result.span_problem()
    if span is not None:
        raise UsageImportError([span])
