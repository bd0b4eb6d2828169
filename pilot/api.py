"""The Anthropic SDK seam: building a client lazily and sorting errors into transient and permanent.

`anthropic` is imported only here and only when a pilot actually talks to an API (~3 s).
The key is passed straight to the SDK and never kept anywhere else.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_BASE_URL",
    "PermanentApiError",
    "TransientApiError",
    "classify",
    "endpoint_label",
    "is_simulated",
    "make_client",
    "with_retries",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
T = TypeVar("T")


class PermanentApiError(RuntimeError):
    """An error retrying cannot fix (401, 403, 400, 404, 413); the message says what to do."""


class TransientApiError(RuntimeError):
    """Transient errors persisted through every retry; running the command again resumes."""


def endpoint_label(base_url: str | None) -> str:
    """The endpoint as stored and shown: scheme, host, port and path, never credentials or a query."""
    url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def is_simulated(endpoint: str) -> bool:
    """True for a loopback endpoint: the local emulator, never Anthropic."""
    return (urlsplit(endpoint).hostname or "") in ("127.0.0.1", "localhost", "::1")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one verified TLS context of this process, shared by every client it makes.

    The SDK's own client would build a new one each time, loading the CA bundle: ~40 ms of CPU, and the runner, each
    command and each poll of the Live pilot page make a client. It is the context the SDK would build (httpx2's
    default: certificate and host name checked, the CA bundle or `SSL_CERT_FILE` as httpx2 reads them)."""
    import httpx2

    return httpx2.create_ssl_context()


def make_client(*, api_key: str, base_url: str, timeout: float = 60.0, http_client: Any = None) -> Any:
    """An `anthropic.Anthropic` client with SDK retries off: `with_retries` does them, visibly.

    Its HTTP client has the SDK's defaults (`DefaultHttpxClient`) on the shared `tls_context()`; closing the client
    closes it. `http_client` (an `httpx2.Client`, e.g. on a `MockTransport`) replaces it, and stays its owner's.
    """
    import anthropic

    if http_client is None:
        http_client = anthropic.DefaultHttpxClient(base_url=base_url, timeout=timeout, verify=tls_context())
    return anthropic.Anthropic(
        api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout, http_client=http_client
    )


@dataclass(frozen=True)
class Classified:
    transient: bool
    retry_after_seconds: float | None
    message: str
    response_received: bool
    """True when the server answered (the call certainly did not take effect for 4xx, 429)."""
    status: int | None


def _retry_after(headers: Any) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return None


_PERMANENT_ADVICE = {
    400: "the API rejected the request; fix the input (run `pilot validate`) and submit again",
    401: "the API key was rejected; set a valid key in ANTHROPIC_API_KEY (or the page's key field) and retry",
    403: "this key may not use the Message Batches API; use a key from a workspace with batch access",
    404: "not found; the batch may have been deleted, or belongs to another endpoint or workspace",
    413: "the batch body is too large; split the input into smaller files and submit again",
}


def classify(exc: BaseException) -> Classified | None:
    """How to treat an exception from the SDK; None for exceptions that are bugs, not API errors."""
    import anthropic
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        detail = f"{status} {error.get('type', 'error')}: {error.get('message', '')}".strip()
        if status in (408, 409, 429) or status >= 500:
            return Classified(True, _retry_after(exc.response.headers), f"HTTP {detail}", True, status)
        advice = _PERMANENT_ADVICE.get(status, "the API refused the request; check the message and the input")
        return Classified(False, None, f"HTTP {detail} — {advice}", True, status)
    if isinstance(exc, anthropic.APITimeoutError):
        return Classified(True, None, "the request timed out", False, None)
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        return Classified(True, None, f"connection problem ({type(exc).__name__})", False, None)
    return None


def with_retries(
    fn: Callable[[], T],
    *,
    what: str,
    sleep: Callable[[float], None],
    attempts: int = 6,
    base_delay_seconds: float = 2.0,
    max_delay_seconds: float = 60.0,
    on_retry: Callable[[str], None] | None = None,
) -> T:
    """Call `fn`, retrying transient API errors with exponential backoff (honouring retry-after).

    Raises `PermanentApiError` at once for permanent errors, `TransientApiError` after `attempts`.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            c = classify(exc)
            if c is None:
                raise
            if not c.transient:
                raise PermanentApiError(f"{what}: {c.message}") from None
            if attempt == attempts - 1:
                raise TransientApiError(
                    f"{what}: {c.message}; still failing after {attempts} attempts — run the command again to resume"
                ) from None
            delay = c.retry_after_seconds
            if delay is None:
                delay = min(max_delay_seconds, base_delay_seconds * 2**attempt)
            if on_retry is not None:
                on_retry(f"{what}: {c.message}; retrying in {delay:.1f} s")
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
