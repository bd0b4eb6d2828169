"""A local emulator of Anthropic's Admin API usage and cost reports, for tests and rehearsals.

Serves the Usage & Cost Analytics API (`GET /v1/organizations/analytics/usage` and `/analytics/cost`,
beta header `anthropic-beta: analytics-usage-cost-2026-08-24`, enabled by default; `analytics=False`
answers them with `analytics_disabled_status` (404, 403 or 400 "not enabled") to exercise the fallback)
and the legacy `GET /v1/organizations/usage_report/messages` and `GET /v1/organizations/cost_report`
on 127.0.0.1 (free port) from given daily buckets, with cursor paging (`limit`, `page`,
`has_more`, `next_page`), date filtering (`starting_at`, `ending_at`), admin-key checks
(`x-api-key`) and injectable faults (e.g. one 429 with `retry-after`, then one 500).

Usage results are regrouped by the request's `group_by[]`: a dimension not asked for (or one the
endpoint cannot group by: the legacy report has no `inference_geo` or `speed`) is summed over and
answered as null, as the real reports do. Both APIs answer in the legacy page shape
(`{data: [{starting_at, ending_at, results: [...]}], has_more, next_page}`): the analytics API's
exact shape is not documented in our facts file, so the importer is tolerant and this mirrors the
legacy fields. Cost buckets are served as given.

    with AdminApiEmulator(usage_buckets=..., cost_buckets=...) as api:
        api.fail_next("usage", status=429, retry_after=1)
        fetch_reports(base_url=api.base_url, admin_key=api.admin_key, ...)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["AdminApiEmulator", "RecordedRequest"]

USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_PATH = "/v1/organizations/cost_report"
ANALYTICS_USAGE_PATH = "/v1/organizations/analytics/usage"
ANALYTICS_COST_PATH = "/v1/organizations/analytics/cost"
ANALYTICS_BETA = "analytics-usage-cost-2026-08-24"
ANALYTICS_GROUPS = ("model", "service_tier", "context_window", "inference_geo", "speed")
"""Usage dimensions the analytics API groups by."""
LEGACY_GROUPS = ("model", "service_tier", "context_window", "workspace_id", "api_key_id")
"""Usage dimensions the legacy usage report groups by (no inference_geo, no speed)."""
_ENDPOINTS = {
    USAGE_PATH: ("usage", "legacy"),
    COST_PATH: ("cost", "legacy"),
    ANALYTICS_USAGE_PATH: ("usage", "analytics"),
    ANALYTICS_COST_PATH: ("cost", "analytics"),
}
DEFAULT_ADMIN_KEY = "sk-ant-admin01-emulator-not-a-real-key"


@dataclass(frozen=True)
class RecordedRequest:
    """A request the emulator answered (the key is not recorded)."""

    endpoint: str
    """`usage`, `cost` or `other`."""
    query: dict[str, list[str]]
    """Query parameters."""
    status: int
    """Status code sent."""
    authorized: bool
    """Whether the admin key matched."""
    api: str = "legacy"
    """`analytics` or `legacy` (`other` endpoints count as legacy)."""
    beta: str = ""
    """The `anthropic-beta` header sent, if any."""


@dataclass
class _Fault:
    endpoint: str
    status: int
    retry_after: float | None
    times: int
    body: Any = None


@dataclass
class _State:
    usage: list[dict[str, Any]]
    cost: list[dict[str, Any]]
    admin_key: str
    page_size: int
    analytics: bool = True
    analytics_disabled_status: int = 404
    faults: list[_Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_emulator"}


class _Handler(BaseHTTPRequestHandler):
    server_version = "AdminApiEmulator/1"
    state: _State  # set on the subclass per server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        endpoint, api = _ENDPOINTS.get(url.path, ("other", "legacy"))
        beta = self.headers.get("anthropic-beta", "")
        state = self.state
        key = self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer ")
        authorized = key == state.admin_key
        with state.lock:
            fault = next((f for f in state.faults if f.endpoint in (endpoint, "any") and f.times > 0), None)
            if fault is not None:
                fault.times -= 1
        status, body, headers = self._answer(endpoint, query, authorized, fault, api=api, beta=beta)
        with state.lock:
            state.requests.append(RecordedRequest(endpoint, query, status, authorized, api, beta))
        self._send(status, body, headers)

    def _answer(
        self, endpoint: str, query: dict[str, list[str]], authorized: bool, fault: _Fault | None, *, api: str, beta: str
    ) -> tuple[int, Any, dict[str, str]]:
        if endpoint == "other":
            return 404, _error("not_found_error", f"no such endpoint: {urlsplit(self.path).path}"), {}
        if not authorized:
            return 401, _error("authentication_error", "invalid admin key"), {}
        if api == "analytics":
            refused = self._analytics_refusal(beta)
            if refused is not None:
                return refused
        if fault is not None and fault.body is not None:
            return fault.status, fault.body, {}
        if fault is not None:
            headers = {} if fault.retry_after is None else {"retry-after": f"{fault.retry_after:g}"}
            kind = "rate_limit_error" if fault.status == 429 else "api_error"
            return fault.status, _error(kind, f"injected fault {fault.status}"), headers
        start = query.get("starting_at", [""])[0]
        end = query.get("ending_at", ["9999"])[0]
        if not start:
            return 400, _error("invalid_request_error", "starting_at is required"), {}
        buckets = [
            b
            for b in (self.state.usage if endpoint == "usage" else self.state.cost)
            if b["starting_at"] >= start and b["starting_at"] < end
        ]
        try:
            limit = min(int(query.get("limit", [str(self.state.page_size)])[0]), self.state.page_size)
            offset = int(query.get("page", ["page_0"])[0].removeprefix("page_"))
        except ValueError:
            return 400, _error("invalid_request_error", "bad limit or page"), {}
        page = buckets[offset : offset + limit]
        if endpoint == "usage":
            groups = ANALYTICS_GROUPS if api == "analytics" else LEGACY_GROUPS
            asked = [g for g in query.get("group_by[]", []) if g in groups]
            page = [_regroup(b, asked, ANALYTICS_GROUPS + LEGACY_GROUPS) for b in page]
        more = offset + limit < len(buckets)
        return 200, {"data": page, "has_more": more, "next_page": f"page_{offset + limit}" if more else None}, {}

    def _analytics_refusal(self, beta: str) -> tuple[int, Any, dict[str, str]] | None:
        state = self.state
        if not state.analytics:
            status = state.analytics_disabled_status
            kind = {403: "permission_error", 404: "not_found_error"}.get(status, "invalid_request_error")
            return status, _error(kind, "the Usage & Cost Analytics API is not enabled for this organization"), {}
        if ANALYTICS_BETA not in [b.strip() for b in beta.split(",")]:
            return 400, _error("invalid_request_error", f"this endpoint needs the anthropic-beta: {ANALYTICS_BETA}"), {}
        return None


def _add(into: dict[str, Any], row: dict[str, Any]) -> None:
    """Sum `row`'s numbers (nested objects too) into `into`."""
    for k, v in row.items():
        if isinstance(v, dict):
            _add(into.setdefault(k, {}), v)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            into[k] = into.get(k, 0) + v


def _regroup(bucket: dict[str, Any], asked: Sequence[str], dimensions: Sequence[str]) -> dict[str, Any]:
    """The bucket's results summed over every dimension not in `asked` (answered as null)."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in bucket.get("results", []):
        key = tuple(row.get(g) for g in asked)
        out = merged.get(key)
        if out is None:
            out = merged[key] = {d: None for d in dimensions} | dict(zip(asked, key, strict=True))
        _add(out, {k: v for k, v in row.items() if k not in dimensions})
    return {**bucket, "results": list(merged.values())}


class AdminApiEmulator:
    """The report endpoints (analytics and legacy) on a free loopback port; a context manager (starts and stops
    the server). Faults injected for `usage` or `cost` hit whichever API is asked first."""

    def __init__(
        self,
        *,
        usage_buckets: Sequence[dict[str, Any]] = (),
        cost_buckets: Sequence[dict[str, Any]] = (),
        admin_key: str = DEFAULT_ADMIN_KEY,
        page_size: int = 7,
        analytics: bool = True,
        analytics_disabled_status: int = 404,
    ) -> None:
        """`analytics=False` answers the analytics endpoints with `analytics_disabled_status` (404, 403 or 400)."""
        self.admin_key = admin_key
        self._state = _State(
            list(usage_buckets),
            list(cost_buckets),
            admin_key,
            page_size,
            analytics=analytics,
            analytics_disabled_status=analytics_disabled_status,
        )
        handler = type("Handler", (_Handler,), {"state": self._state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests answered so far."""
        with self._state.lock:
            return list(self._state.requests)

    def fail_next(
        self, endpoint: str, *, status: int, retry_after: float | None = None, times: int = 1, body: Any = None
    ) -> None:
        """Answer the next `times` requests to `endpoint` (`usage`, `cost` or `any`) with `status`.

        `body` (any JSON value) replaces the answer, e.g. `status=200, body={"data": 5}` for a report of the
        wrong shape.
        """
        with self._state.lock:
            self._state.faults.append(_Fault(endpoint, status, retry_after, times, body))

    def __enter__(self) -> AdminApiEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="admin-api-emulator", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
