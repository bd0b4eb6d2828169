"""A local emulator of Anthropic's Message Batches API, messages and count_tokens, for tests and rehearsals.

SIMULATED: nothing here reaches Anthropic; results are made up, deterministically from a seed.
Binds 127.0.0.1 only. The real `anthropic` SDK accepts it as `base_url`.

    with Emulator(turnaround_seconds=2, seed=7) as emu:
        client = anthropic.Anthropic(api_key="sk-test", base_url=emu.base_url)

Time: batches end `turnaround_seconds` after creation on the emulator's clock; pass
`clock=ManualClock()` and call `emu.clock.advance(s)` to control it in tests.

Faults: `emu.inject(endpoint, fault, times=1, ...)` queues a fault for the next matching
request(s); endpoints are create, retrieve, list, cancel, delete, results, messages,
count_tokens or any; faults are an HTTP status (429, 500, 529, 401, ...), `drop` (results:
close the connection part-way through the body; others: close without a response) and
`slow_create` (create the batch, then answer only after `delay_seconds`, so a client
with a shorter timeout gives up although the batch exists). Results faults that keep the
connection: `cut` (end the stream cleanly after `after_lines` lines), `garbage`, `nul` and
`no_custom_id` (one bad line — not JSON, a block of NUL bytes, an object without
`custom_id` — after `after_lines` lines) and `duplicate` (every line sent twice).

Ids: batch ids are random (`msgbatch_` + 24 characters, like the API's) and never repeat,
even across restarts on the same port with the same seed; the seed fixes result types and
outputs, not ids. Every response carries a `Date` header from the emulator's clock, as the
API's responses carry the server's time.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from costmodel import safejson
from costmodel.limits import CUSTOM_ID_PATTERN, MAX_BATCH_BYTES, MAX_REQUESTS_PER_BATCH
from pilot.requests import WEB_SEARCH_RESULT_TOKENS_PER_USE

__all__ = ["Emulator", "EmulatorConfig", "ManualClock"]

_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)
_BATCH_PATH = re.compile(r"^/v1/messages/batches/([A-Za-z0-9_-]+)(/cancel|/results)?$")
ENDPOINTS = frozenset({"create", "retrieve", "list", "cancel", "delete", "results", "messages", "count_tokens", "any"})
RESULTS_FAULTS = frozenset({"cut", "garbage", "nul", "no_custom_id", "duplicate"})
_BAD_LINES = {
    "garbage": b"<html>502 Bad Gateway</html> not json",
    "nul": b"\x00" * 512,
    "no_custom_id": b'{"result": {"type": "succeeded"}}',
}
_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class ManualClock:
    """A clock tests move by hand [s since the epoch]."""

    def __init__(self, start: float | None = None) -> None:
        self._now = float(int(time.time())) if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@dataclass
class EmulatorConfig:
    """How the simulated batches behave."""

    seed: int = 0
    """Seeds result types and outputs: same seed and calls, same answers (batch ids are random)."""
    turnaround_seconds: float = 2.0
    """Creation → ended [s on the emulator's clock]."""
    result_mix: dict[str, float] = field(default_factory=lambda: {"succeeded": 1.0})
    """Weights of result types: succeeded, errored, expired, canceled."""
    bad_output_share: float = 0.0
    """Share of succeeded results whose text is not JSON (to exercise output checks) [share]."""
    api_key: str | None = None
    """If set, only this key is accepted (401 otherwise); any non-empty key when None."""
    results_chunk_lines: int = 200
    """Result lines per chunk written to the socket."""


@dataclass
class _Fault:
    endpoint: str
    fault: str
    remaining: int
    retry_after: float = 1.0
    delay_seconds: float = 2.0
    after_lines: int = 1


@dataclass
class _Batch:
    id: str
    created: float
    requests: list[dict[str, Any]]
    outcomes: list[str]
    seq: int = 0
    """Creation order in this emulator run: seeds outputs, so ids may be random."""
    cancel_at: float | None = None
    deleted: bool = False

    def ended_at(self, turnaround: float) -> float:
        end = self.created + turnaround
        return min(end, self.cancel_at) if self.cancel_at is not None else end


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat().replace("+00:00", "Z")


# --- simulated token counting and billing: at least as pessimistic as the real API --------------------

_SIM_LETTER_PAIRS = re.compile(r"[A-Za-z]{1,2}")
"""Within a run of ASCII letters, greedy pairs: ⌈letters/2⌉ matches a run."""
_SIM_SPACE_RUNS = re.compile(r"[ \t\r\n]+")
_SIM_LETTERS_AND_SPACES = re.compile(r"[A-Za-z \t\r\n]+")
_SIM_IMAGE_TOKENS = 4_800
"""A base64 image: the most a high-resolution model bills for one image (older models: ≈1,600) [tokens]."""
_SIM_REMOTE_TOKENS = 20_000
"""Simulated size of an image or document fetched from a URL or a file id [tokens]."""
_SIM_PDF_PAGE_TOKENS = 5_000
"""A PDF page: up to ≈3,000 tokens of text plus its page image (≈1,600); a base64 PDF bills the larger of
its decoded bytes and this per page (at least one) [tokens]."""
_SIM_PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")
_SIM_TOOL_PROMPT_TOKENS = 346
"""The tool-use system prompt (tool_choice auto/none, the larger documented figure) [tokens]."""
_SIM_BUILTIN_TOOL_TOKENS = {"bash_": 245, "text_editor_": 700, "computer_": 1_234, "memory_": 700, "web_": 700}
"""Hidden definitions of Anthropic-schema tools by type prefix, as documented (memory, web: simulated) [tokens]."""
_SIM_FULL_OUTPUT_SHARE = 0.25
"""Share of sampling iterations that use their whole max_tokens (thinking included) [share]."""
_SIM_CACHE_HIT_SHARE = 0.3
"""Share of requests with a cache breakpoint that read their prefix instead of writing it [share]."""


def _sim_text_tokens(text: str) -> int:
    """Tokens of a text: ASCII words 2 letters a token (English averages ≈4; gibberish less), one per
    digit, one per space run, punctuation one each, and every non-ASCII character one token per UTF-8
    byte (real tokenizers spend ≈1-3 a character on CJK and emoji), so pathological text reaches its byte
    count [tokens].

    Counted by the regex engine, not a Python loop over runs (2-16 times faster on long documents): what is left
    once letters and spaces are gone (digits, punctuation, non-ASCII) bills its UTF-8 bytes."""
    letter_tokens = _SIM_LETTER_PAIRS.subn("", text)[1]
    space_tokens = _SIM_SPACE_RUNS.subn("", text)[1]
    rest = _SIM_LETTERS_AND_SPACES.sub("", text)
    return letter_tokens + space_tokens + len(rest.encode("utf-8", errors="surrogatepass"))


def _sim_value_tokens(value: Any) -> int:
    """A string by its text, anything else by its JSON text [tokens]."""
    if value is None:
        return 0
    return _sim_text_tokens(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _sim_source_tokens(kind: Any, source: Any) -> int:
    source = source if isinstance(source, dict) else {}
    source_type = source.get("type")
    if source_type == "text":
        return _sim_value_tokens(source.get("data"))
    if source_type == "content":
        blocks = source.get("content")
        return sum(_sim_block_tokens(block) for block in blocks) if isinstance(blocks, list) else 0
    if source_type == "base64" and kind == "image":
        return _SIM_IMAGE_TOKENS
    if source_type == "base64":
        try:
            data = base64.b64decode(str(source.get("data") or ""))
        except ValueError:
            data = str(source.get("data")).encode()
        return max(len(data), _SIM_PDF_PAGE_TOKENS * max(1, len(_SIM_PDF_PAGE.findall(data))))
    return _SIM_REMOTE_TOKENS


def _sim_block_tokens(block: Any) -> int:
    """One content block with its framing [tokens]."""
    if not isinstance(block, dict):
        return 3 + _sim_value_tokens(block)
    kind = block.get("type")
    if kind in ("image", "document"):
        extra = _sim_value_tokens(block.get("title")) + _sim_value_tokens(block.get("context"))
        return 3 + extra + _sim_source_tokens(kind, block.get("source"))
    if kind == "text":
        return 3 + _sim_value_tokens(block.get("text"))
    if kind == "tool_result":
        content = block.get("content")
        if isinstance(content, list):
            return 3 + sum(_sim_block_tokens(b) for b in content)
        return 3 + _sim_value_tokens(content)
    rest = {k: v for k, v in block.items() if k not in ("type", "cache_control", "signature")}
    return 3 + _sim_value_tokens(rest)


def _sim_ttl(part: Any) -> str | None:
    control = part.get("cache_control") if isinstance(part, dict) else None
    if not isinstance(control, dict):
        return None
    return "1h" if control.get("ttl") == "1h" else "5m"


def _sim_prompt_segments(params: dict[str, Any]) -> list[tuple[int, str | None]]:
    """The prompt in the API's order (tools, system, messages) as (tokens, cache TTL of a breakpoint there)."""
    segments: list[tuple[int, str | None]] = [(3, None)]
    tools = params.get("tools")
    if isinstance(tools, list) and tools:
        segments.append((_SIM_TOOL_PROMPT_TOKENS, None))
        for tool in tools:
            kind = tool.get("type") if isinstance(tool, dict) else None
            prefixes = _SIM_BUILTIN_TOOL_TOKENS.items()
            hidden = max((n for p, n in prefixes if isinstance(kind, str) and kind.startswith(p)), default=0)
            segments.append((3 + hidden + _sim_value_tokens(tool), _sim_ttl(tool)))
    system = params.get("system")
    blocks = system if isinstance(system, list) else ([] if system is None else [{"type": "text", "text": system}])
    segments.extend((_sim_block_tokens(block), _sim_ttl(block)) for block in blocks)
    messages = params.get("messages")
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        segments.append((4, None))
        segments.extend((_sim_block_tokens(block), _sim_ttl(block)) for block in blocks)
    automatic = _sim_ttl(params)
    if automatic is not None:
        segments[-1] = (segments[-1][0], automatic)
    return segments


def fake_token_count(params: dict[str, Any]) -> int:
    """Simulated input tokens of a request's prompt, as count_tokens reports them and a batch bills them [tokens].

    At least as pessimistic as the real API (see `_sim_text_tokens`, `_SIM_*`): a test that the planner's
    worst case holds against these bills means something for the real one.
    """
    return max(1, sum(tokens for tokens, _ in _sim_prompt_segments(params)))


def _sim_server_tool_results(params: dict[str, Any], rng: random.Random) -> tuple[list[int], int]:
    """Input each server-tool use adds (in order), and the web searches made; uses up to each tool's max_uses."""
    results: list[int] = []
    searches = 0
    tools = params.get("tools")
    for tool in tools if isinstance(tools, list) else []:
        kind = tool.get("type") if isinstance(tool, dict) else None
        if not isinstance(kind, str) or not kind.startswith(("web_search_", "web_fetch_")):
            continue
        max_uses = _sim_int(tool.get("max_uses"), 1)
        uses = max_uses if rng.random() < 0.3 else rng.randint(0, max_uses)
        search = kind.startswith("web_search_")
        each = WEB_SEARCH_RESULT_TOKENS_PER_USE if search else _sim_int(tool.get("max_content_tokens"), 0)
        results.extend(rng.randint(each // 2, each) for _ in range(uses))
        if search:
            searches += uses
    return results, searches


def _sim_int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000_000 else default


def _sim_usage(params: dict[str, Any], rng: random.Random, first_output: int) -> dict[str, Any]:
    """Usage of one request: cache writes at every breakpoint's TTL (or a read), a server-tool loop that
    re-reads the prompt, results and output so far on each iteration, output up to max_tokens per iteration."""
    segments = _sim_prompt_segments(params)
    prompt = max(1, sum(tokens for tokens, _ in segments))
    marks = [i for i, (_, ttl) in enumerate(segments) if ttl is not None]
    prefix = sum(tokens for tokens, _ in segments[: marks[-1] + 1]) if marks else 0
    hit = bool(marks) and rng.random() < _SIM_CACHE_HIT_SHARE
    ttl_1h = any(segments[i][1] == "1h" for i in marks)
    max_tokens = int(params.get("max_tokens") or 1)
    results, searches = _sim_server_tool_results(params, rng)
    uncached = write_5m = write_1h = read = output = 0
    for iteration in range(len(results) + 1):
        drawn = first_output if iteration == 0 else max(1, min(max_tokens, rng.randint(20, 200)))
        step_output = max_tokens if rng.random() < _SIM_FULL_OUTPUT_SHARE else drawn
        context = sum(results[:iteration]) + output  # results and output so far are read again
        read += prefix if hit else 0
        write_1h += prefix if ttl_1h and not hit else 0
        write_5m += prefix if marks and not ttl_1h and not hit else 0
        uncached += prompt - prefix + context
        output += step_output
    return {
        "input_tokens": uncached,
        "output_tokens": output,
        "cache_creation_input_tokens": write_5m + write_1h,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
        "server_tool_use": {"web_search_requests": searches},
        "service_tier": "batch",
    }


class Emulator:
    """The emulator server on 127.0.0.1; a context manager that starts and stops it."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        port: int = 0,
        clock: Callable[[], float] | None = None,
        **overrides: Any,
    ) -> None:
        self.config = config or EmulatorConfig()
        for key, value in overrides.items():
            if not hasattr(self.config, key):
                raise TypeError(f"unknown emulator setting {key!r}")
            setattr(self.config, key, value)
        self.clock: Any = clock or time.time
        self._rng = random.Random(self.config.seed)
        self._lock = threading.RLock()
        self._batches: dict[str, _Batch] = {}
        self._order: list[str] = []
        self._faults: list[_Fault] = []
        self.request_log: list[tuple[str, str]] = []
        """(method, path) of every request received, for tests."""
        self.seen_keys: set[str] = set()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.emulator = self
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Emulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="batch-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- control -------------------------------------------------------------------------------

    def inject(
        self,
        endpoint: str,
        fault: int | str,
        *,
        times: int = 1,
        retry_after: float = 1.0,
        delay_seconds: float = 2.0,
        after_lines: int = 1,
    ) -> None:
        """Queue a fault for the next `times` requests to `endpoint` (see the module docstring)."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}: one of {', '.join(sorted(ENDPOINTS))}")
        with self._lock:
            self._faults.append(_Fault(endpoint, str(fault), times, retry_after, delay_seconds, after_lines))

    def clear_faults(self) -> None:
        """Drop every queued fault (the network heals)."""
        with self._lock:
            self._faults.clear()

    def batch_ids(self) -> list[str]:
        """Every batch created, oldest first (deleted ones included)."""
        with self._lock:
            return list(self._order)

    def _take_fault(self, endpoint: str) -> _Fault | None:
        with self._lock:
            for f in self._faults:
                if f.remaining > 0 and f.endpoint in (endpoint, "any"):
                    f.remaining -= 1
                    return f
        return None

    # --- model ---------------------------------------------------------------------------------

    @staticmethod
    def _new_id(prefix: str) -> str:
        """A fresh random id: never reissued, not even by a restarted emulator with the same seed."""
        return prefix + "".join(secrets.choice(_ID_CHARS) for _ in range(24))

    def create_batch(self, requests: list[dict[str, Any]]) -> _Batch:
        with self._lock:
            mix = self.config.result_mix
            kinds = list(mix)
            weights = [mix[k] for k in kinds]
            outcomes = self._rng.choices(kinds, weights=weights, k=len(requests))
            batch = _Batch(
                id=self._new_id("msgbatch_"),
                created=self.clock(),
                requests=requests,
                outcomes=outcomes,
                seq=len(self._order),
            )
            self._batches[batch.id] = batch
            self._order.append(batch.id)
            return batch

    def describe(self, batch_id: str) -> dict[str, Any]:
        """A batch as the API shows it, plus its `custom_ids` and whether a cancel reached it (for tests)."""
        with self._lock:
            batch = self._batches[batch_id]
            return {
                **self.batch_json(batch),
                "custom_ids": [r.get("custom_id") for r in batch.requests],
                "cancel_requested": batch.cancel_at is not None,
            }

    def batch_json(self, batch: _Batch) -> dict[str, Any]:
        now = self.clock()
        ended_at = batch.ended_at(self.config.turnaround_seconds)
        ended = now >= ended_at
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            for i in range(len(batch.requests)):
                counts[self.final_type(batch, i)] += 1
        else:
            counts["processing"] = len(batch.requests)
        status = "ended" if ended else ("canceling" if batch.cancel_at is not None else "in_progress")
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": _rfc3339(batch.created),
            "expires_at": _rfc3339(batch.created + 24 * 3600),
            "ended_at": _rfc3339(ended_at) if ended else None,
            "cancel_initiated_at": _rfc3339(batch.cancel_at) if batch.cancel_at is not None else None,
            "archived_at": None,
            "results_url": f"/v1/messages/batches/{batch.id}/results" if ended else None,
        }

    def final_type(self, batch: _Batch, index: int) -> str:
        if batch.cancel_at is not None and batch.cancel_at < batch.created + self.config.turnaround_seconds:
            return "canceled"
        params = batch.requests[index].get("params")
        if _params_problem(params) is not None:
            return "errored"
        return batch.outcomes[index]

    def result_line(self, batch: _Batch, index: int) -> dict[str, Any]:
        request = batch.requests[index]
        kind = self.final_type(batch, index)
        params = request.get("params") or {}
        if kind == "succeeded":
            result: dict[str, Any] = {
                "type": "succeeded",
                "message": self.fake_message(params, f"b{batch.seq}", index),
            }
        elif kind == "errored":
            problem = _params_problem(params) or "simulated server error while processing this request"
            error_type = "invalid_request_error" if _params_problem(params) else "api_error"
            result = {
                "type": "errored",
                "error": {
                    "type": "error",
                    "error": {"type": error_type, "message": problem},
                    "request_id": f"req_emu_{batch.id[-8:]}_{index}",
                },
            }
        else:
            result = {"type": kind}
        return {"custom_id": request["custom_id"], "result": result}

    def fake_message(self, params: dict[str, Any], salt: str, index: int) -> dict[str, Any]:
        rng = random.Random(f"{self.config.seed}:{salt}:{index}")
        max_tokens = int(params.get("max_tokens") or 1)
        output_tokens = max(1, min(max_tokens, rng.randint(20, 200)))
        if rng.random() < self.config.bad_output_share:
            text = "Sorry, here is a summary without JSON."
        else:
            # Keys the shipped sample prompts ask for, so output checks on them pass in rehearsals.
            text = json.dumps(
                {
                    "summary": f"simulated summary {index}",
                    "category": rng.choice(["billing", "delivery", "account", "product"]),
                    "priority": rng.choice(["low", "medium", "high"]),
                    "sentiment": rng.choice(["positive", "neutral", "negative"]),
                    "topic": rng.choice(["refund", "login", "warranty", "pricing"]),
                }
            )
        usage = _sim_usage(params, rng, output_tokens)
        return {
            "id": f"msg_emu_{salt[-8:]}_{index}",
            "type": "message",
            "role": "assistant",
            "model": params.get("model", "claude-sonnet-4-6"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "max_tokens" if usage["output_tokens"] == max_tokens else "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }


def _params_problem(params: Any) -> str | None:
    """What the API would reject in one request's params (reported as an errored result)."""
    if not isinstance(params, dict):
        return "params: expected an object"
    for key in ("model", "max_tokens", "messages"):
        if key not in params:
            return f"{key}: Field required"
    max_tokens = params["max_tokens"]
    if not isinstance(max_tokens, int) or max_tokens < 1:
        return "max_tokens: must be at least 1"
    if params.get("stream"):
        return "stream: streaming is not supported in batches"
    if params.get("speed") is not None:
        return "speed: fast mode is not supported in batches"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    emulator: Emulator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Dropped(Exception):
    """The handler closed the connection on purpose (fault injection)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the request log instead
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header on the emulator's clock (a client must trust the server's time, not its own)."""
        return super().date_time_string(self.emu.clock() if timestamp is None else timestamp)

    @property
    def emu(self) -> Emulator:
        return self.server.emulator

    # --- plumbing ------------------------------------------------------------------------------

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", f"req_emu_{uuid.uuid4().hex[:12]}")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        error_type = _ERROR_TYPES.get(status, "api_error")
        body = {
            "type": "error",
            "error": {"type": error_type, "message": message},
            "request_id": "req_emu_error",
        }
        self._send_json(status, body, headers)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        raise _Dropped

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        key = auth[len("Bearer ") :] if auth.startswith("Bearer ") else self.headers.get("x-api-key", "")
        if key:
            self.emu.seen_keys.add(key)
        expected = self.emu.config.api_key
        return bool(key) and (expected is None or key == expected)

    def _apply_fault(self, endpoint: str) -> _Fault | None:
        fault = self.emu._take_fault(endpoint)
        if fault is None:
            return None
        if fault.fault.isdigit():
            status = int(fault.fault)
            headers = {}
            if status in (429, 529, 500):
                headers = {"retry-after": f"{fault.retry_after:g}"}
            self._error(status, f"simulated {status} ({_ERROR_TYPES.get(status, 'error')})", headers)
            raise _Handled
        if fault.fault == "drop" and endpoint not in ("results", "create"):  # create drops after creating
            self._read_body()
            self._drop()
        return fault

    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path
        self.emu.request_log.append((method, path))
        try:
            if not self._authorized():
                self._read_body()
                self._error(401, "invalid x-api-key")
                return
            if method == "POST" and path == "/v1/messages/batches":
                self._create()
            elif method == "GET" and path == "/v1/messages/batches":
                self._list()
            elif method == "POST" and path == "/v1/messages":
                self._messages()
            elif method == "POST" and path == "/v1/messages/count_tokens":
                self._count_tokens()
            else:
                match = _BATCH_PATH.match(path)
                if match is None:
                    self._read_body()
                    self._error(404, f"no route {method} {path}")
                    return
                batch_id, suffix = match.group(1), match.group(2)
                if method == "GET" and suffix is None:
                    self._retrieve(batch_id)
                elif method == "POST" and suffix == "/cancel":
                    self._cancel(batch_id)
                elif method == "DELETE" and suffix is None:
                    self._delete(batch_id)
                elif method == "GET" and suffix == "/results":
                    self._results(batch_id)
                else:
                    self._read_body()
                    self._error(404, f"no route {method} {path}")
        except (_Handled, _Dropped):
            pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # --- endpoints -----------------------------------------------------------------------------

    def _batch_or_404(self, batch_id: str) -> _Batch | None:
        batch = self.emu._batches.get(batch_id)
        if batch is None or batch.deleted:
            self._error(404, f"message batch {batch_id} not found")
            return None
        return batch

    def _create(self) -> None:
        body = self._read_body()
        fault = self._apply_fault("create")
        if len(body) > MAX_BATCH_BYTES:
            self._error(413, "request body exceeds 256 MB: split the batch")
            return
        try:
            payload = safejson.loads(body)
        except ValueError:
            self._error(400, "body is not valid JSON")
            return
        requests = payload.get("requests") if isinstance(payload, dict) else None
        if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_REQUESTS_PER_BATCH:
            self._error(400, f"requests: give 1 to {MAX_REQUESTS_PER_BATCH} requests")
            return
        seen: set[str] = set()
        for i, request in enumerate(requests):
            custom_id = request.get("custom_id") if isinstance(request, dict) else None
            if not isinstance(custom_id, str) or not _CUSTOM_ID.fullmatch(custom_id):
                self._error(400, f"requests.{i}.custom_id: must match {CUSTOM_ID_PATTERN}")
                return
            if custom_id in seen:
                self._error(400, f"requests.{i}.custom_id: duplicate custom_id {custom_id!r}")
                return
            seen.add(custom_id)
        batch = self.emu.create_batch(requests)
        if fault is not None and fault.fault == "slow_create":
            time.sleep(fault.delay_seconds)
        if fault is not None and fault.fault == "drop":
            self._drop()
        self._send_json(200, self.emu.batch_json(batch))

    def _retrieve(self, batch_id: str) -> None:
        self._apply_fault("retrieve")
        batch = self._batch_or_404(batch_id)
        if batch is not None:
            self._send_json(200, self.emu.batch_json(batch))

    def _list(self) -> None:
        self._apply_fault("list")
        query = parse_qs(urlsplit(self.path).query)
        limit = max(1, min(1000, int(query.get("limit", ["20"])[0])))
        with self.emu._lock:
            ids = [i for i in reversed(self.emu._order) if not self.emu._batches[i].deleted]
        if "after_id" in query:
            after = query["after_id"][0]
            ids = ids[ids.index(after) + 1 :] if after in ids else []
        elif "before_id" in query:
            before = query["before_id"][0]
            ids = ids[: ids.index(before)] if before in ids else []
            ids = ids[-limit:]
        page = ids[:limit]
        data = [self.emu.batch_json(self.emu._batches[i]) for i in page]
        self._send_json(
            200,
            {
                "data": data,
                "has_more": len(ids) > len(page),
                "first_id": page[0] if page else None,
                "last_id": page[-1] if page else None,
            },
        )

    def _cancel(self, batch_id: str) -> None:
        self._read_body()
        self._apply_fault("cancel")
        batch = self._batch_or_404(batch_id)
        if batch is None:
            return
        with self.emu._lock:
            now = self.emu.clock()
            if batch.cancel_at is None and now < batch.created + self.emu.config.turnaround_seconds:
                batch.cancel_at = now
        body = self.emu.batch_json(batch)
        if body["processing_status"] == "ended" and batch.cancel_at is not None and batch.cancel_at == now:
            body["processing_status"] = "canceling"  # the cancel call itself reports canceling, as the API does
            body["ended_at"] = None
            body["results_url"] = None
            body["request_counts"] = {
                **dict.fromkeys(body["request_counts"], 0),
                "processing": len(batch.requests),
            }
        self._send_json(200, body)

    def _delete(self, batch_id: str) -> None:
        self._apply_fault("delete")
        batch = self._batch_or_404(batch_id)
        if batch is None:
            return
        if self.emu.batch_json(batch)["processing_status"] != "ended":
            self._error(400, "a batch can be deleted only once it has ended; cancel it first")
            return
        batch.deleted = True
        self._send_json(200, {"id": batch.id, "type": "message_batch_deleted"})

    def _results(self, batch_id: str) -> None:
        fault = self._apply_fault("results")
        batch = self._batch_or_404(batch_id)
        if batch is None:
            return
        if self.emu.batch_json(batch)["processing_status"] != "ended":
            self._error(400, "results are available once the batch has ended")
            return
        # Results come back in an order of their own, like the real API: match by custom_id.
        order = list(range(len(batch.requests)))
        random.Random(f"{self.emu.config.seed}:{batch.seq}:order").shuffle(order)
        kind = fault.fault if fault is not None else None
        drop_after = fault.after_lines if fault is not None and kind == "drop" else None
        self.send_response(200)
        self.send_header("Content-Type", "application/binary")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk: list[bytes] = []
        for lines_sent, index in enumerate(order):
            if fault is not None and lines_sent == fault.after_lines:
                if kind == "cut":
                    break  # the stream ends cleanly, with lines missing
                if kind in _BAD_LINES:
                    chunk.append(_BAD_LINES[kind] + b"\n")
            if drop_after is not None and lines_sent >= drop_after:
                self._flush_chunk(chunk)
                # half a line, then the connection goes away without the closing chunk
                partial = json.dumps(self.emu.result_line(batch, index)).encode()[:20]
                self._write_chunk(partial)
                self._drop()
            chunk.append(json.dumps(self.emu.result_line(batch, index)).encode() + b"\n")
            if kind == "duplicate":
                chunk.append(chunk[-1])
            if len(chunk) >= self.emu.config.results_chunk_lines:
                self._flush_chunk(chunk)
        self._flush_chunk(chunk)
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _flush_chunk(self, chunk: list[bytes]) -> None:
        self._write_chunk(b"".join(chunk))
        chunk.clear()

    def _messages(self) -> None:
        body = self._read_body()
        self._apply_fault("messages")
        try:
            params = safejson.loads(body)
        except ValueError:
            self._error(400, "body is not valid JSON")
            return
        problem = _params_problem(params)
        if problem is not None and not problem.startswith(("stream", "speed")):
            self._error(400, problem)
            return
        message = self.emu.fake_message(params, "sync" + uuid.uuid4().hex[:8], 0)
        message["usage"]["service_tier"] = "standard"
        self._send_json(200, message)

    def _count_tokens(self) -> None:
        body = self._read_body()
        self._apply_fault("count_tokens")
        try:
            params = safejson.loads(body)
        except ValueError:
            self._error(400, "body is not valid JSON")
            return
        if not isinstance(params, dict) or "messages" not in params or "model" not in params:
            self._error(400, "model and messages are required")
            return
        self._send_json(200, {"input_tokens": fake_token_count(params)})


class _Handled(Exception):
    """A fault response was sent; stop handling this request."""
