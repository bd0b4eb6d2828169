"""The live pilot's pure logic: validate batch requests, estimate spend, check outputs, measure results.

No I/O, no clock, no SDK: the shell (`pilot/`) reads files, talks to the API and passes `now` in.

Glossary (per request unless said otherwise):
- input tokens: uncached input + cache writes + cache reads [tokens]
- worst case: an upper bound on what a request can bill: its input ceiling (1 token per UTF-8 byte
  offline, or Anthropic's count) at the dearest input rate it could hit (the 1-hour cache write when it
  has a `cache_control` breakpoint) and tier, `max_tokens` (or a larger thinking budget) of output, and
  every allowed server-tool use with its fee and results (see `estimate_spend`) [USD]
- first-pass success rate: usable results / requests in the pilot [share]
- turnaround: batch `created_at` → `ended_at` [h]
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, model_validator

from costmodel import safejson
from costmodel._base import NonNegFloat, PosFloat, Share, StrictModel, SuccessRate
from costmodel.limits import (
    CUSTOM_ID_PATTERN,
    INFERENCE_GEO_MULTIPLIERS,
    MAX_BATCH_BYTES,
    MAX_REQUESTS_PER_BATCH,
    TOOL_SYSTEM_PROMPT_TOKENS,
    WEB_SEARCH_USD_PER_USE,
    WORST_CASE_PROCESSING_HOURS,
)
from costmodel.prices import Catalog, ModelPricing, UnknownModelError
from costmodel.workflow import Workflow

__all__ = [
    "DEFAULT_BUDGET_USD",
    "BatchClock",
    "BudgetDecision",
    "LineProblem",
    "OutputCheck",
    "PilotMeasurement",
    "PilotReport",
    "PromptTemplate",
    "ReportAccumulator",
    "RequestStats",
    "SpendEstimate",
    "TextRow",
    "ValidationResult",
    "batch_clock",
    "batch_request_body_bytes",
    "budget_decision",
    "build_requests",
    "catalog_problems",
    "check_output",
    "estimate_spend",
    "format_hours",
    "offline_gap_problems",
    "offline_input_gap",
    "offline_input_tokens",
    "request_token_ceilings",
    "result_text",
    "split_ranges",
    "validate_numbered_lines",
    "validate_request",
    "validate_request_lines",
]

DEFAULT_BUDGET_USD = 5.0
"""Default cap on a pilot's worst-case spend [USD]."""

_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)
_REQUEST_KEYS = frozenset({"custom_id", "params"})
_ROLES = frozenset({"user", "assistant"})

# --- the offline input ceiling: every figure below is an upper bound, never an average -------------
OFFLINE_TOKENS_PER_REQUEST = 32
"""Framing of a request (turn markers, stop sequences) in the offline ceiling [tokens]."""
OFFLINE_TOKENS_PER_MESSAGE = 16
"""Framing per message and for the system prompt in the offline ceiling [tokens]."""
OFFLINE_TOKENS_PER_BLOCK = 16
"""Framing per content block, tool definition or tool result in the offline ceiling [tokens]."""
OFFLINE_TOKENS_PER_DOCUMENT = 64
"""Framing a document block adds around its text (source and citation markers) [tokens]."""
OFFLINE_TOKENS_PER_EXTRA_PARAM = 512
"""Allowance for a request parameter the ceiling does not know (it may add a system prompt, as structured
outputs do), on top of its JSON bytes [tokens]."""
IMAGE_TOKENS_CEILING = 8_000
"""One image, whatever its bytes [tokens]. Anthropic bills ≈ width × height / 750 after resizing to a long edge
of at most 1,568 px (≈1,600 tokens); models with high-resolution vision reach ≈4,800. Decoded bytes are no
bound (a large blank PNG is a few hundred bytes), so a fixed ceiling with a wide margin."""
TOOL_USE_SYSTEM_PROMPT_TOKENS = max(TOOL_SYSTEM_PROMPT_TOKENS.values())
"""The tool-use system prompt of a request that defines tools: the larger documented figure (auto/none) [tokens]."""
BUILTIN_CLIENT_TOOL_TOKENS: dict[str, int] = {
    "bash_": 1_000,
    "text_editor_": 1_500,
    "computer_": 2_500,
    "memory_": 1_500,
}
"""Allowance for the hidden definition of an Anthropic-schema client tool, by type prefix [tokens]
(documented: bash ≈245, text editor ≈700, computer use ≈735 plus a ≈499-token system prompt; memory: none)."""
SERVER_TOOL_DEFINITION_TOKENS = 2_000
"""Allowance for the hidden definition and instructions of a server tool (web search, web fetch) [tokens]."""
WEB_SEARCH_RESULT_TOKENS_PER_USE = 25_000
"""Stated bound on the input one web search adds (its results) [tokens]. Anthropic publishes no maximum: this
is an assumption (a search returns about ten results of page excerpts), listed with every estimate it affects."""

OFFLINE_ESTIMATE_LABEL = (
    "offline estimate: an upper bound (1 token per UTF-8 byte of text, plus framing and documented image and "
    "tool allowances); not Anthropic's count"
)
COUNT_TOKENS_LABEL = "Anthropic token-counting endpoint (free): the API's own count of each prompt"

# --- validation -------------------------------------------------------------------------------


class LineProblem(StrictModel):
    """One problem with one line of a request file."""

    line: int = Field(ge=0)
    """1-based line number in the file; 0 for problems with the file as a whole."""
    message: str
    """What is wrong and how to fix it."""

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True, slots=True)
class RequestStats:
    """What the estimate needs from one valid request (kept small: 100,000 of these fit easily)."""

    line: int
    """1-based line number [line]."""
    custom_id: str
    model: str
    max_tokens: int
    """Output bound [tokens]."""
    input_tokens_offline: int | None
    """Offline ceiling of the prompt's input tokens; None when some content has no offline bound [tokens]."""
    uses_cache_control: bool
    """The request marks a prompt-cache breakpoint (input may be billed as cache writes)."""
    body_bytes: int
    """Size of this request in the batch body, JSON-encoded [bytes]."""
    offline_gap: str | None = None
    """Why `input_tokens_offline` is None, and how to get a count instead."""
    output_tokens_ceiling: int = 0
    """Output of one sampling iteration at most: max_tokens, or a larger thinking budget [tokens]."""
    server_tool_iterations: int = 1
    """Sampling iterations a server-tool loop may run: 1 + the server tools' max_uses [iterations]."""
    server_tool_result_tokens: int = 0
    """Input every allowed server-tool use may add (search results, fetched content) [tokens]."""
    web_search_uses: int = 0
    """Web searches the request may make: its web search tools' max_uses [searches]."""
    inference_geo: str | None = None
    """`inference_geo` (data residency), which multiplies token prices."""

@dataclass
class ValidationResult:
    """Problems found in a request file, and what the estimate and split need from its valid lines."""

    problems: list[LineProblem] = field(default_factory=list)
    requests: list[RequestStats] = field(default_factory=list)
    """Valid requests in file order."""
    lines_read: int = 0
    """Non-blank lines read [lines]."""

    @property
    def ok(self) -> bool:
        """True when nothing stands in the way of a submission."""
        return not self.problems and bool(self.requests)

    @property
    def total_body_bytes(self) -> int:
        return sum(r.body_bytes for r in self.requests)

    def batches(self) -> list[tuple[int, int]]:
        """Index ranges `[start, end)` into `requests`, one per batch, within the API's limits."""
        return split_ranges([r.body_bytes for r in self.requests])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))


def _is_type(tool_type: Any, prefix: str) -> bool:
    return isinstance(tool_type, str) and tool_type.startswith(prefix)


_NO_INPUT_PARAMS = frozenset(
    {
        "model", "max_tokens", "messages", "system", "tools", "tool_choice", "stream", "speed", "temperature",
        "top_p", "top_k", "metadata", "stop_sequences", "thinking", "service_tier", "inference_geo",
        "cache_control", "context_management",
    }
)  # fmt: skip
"""Request parameters that add no prompt text of their own (the rest get their bytes and an allowance)."""

_COUNT_HINT = "turn on token counting (Anthropic's free count_tokens endpoint) or"


class _InputCeiling:
    """Walks one request's params and adds up the offline input ceiling (see `offline_input_tokens`)."""

    def __init__(self) -> None:
        self.tokens = OFFLINE_TOKENS_PER_REQUEST
        self.cache = False
        self.gaps: list[str] = []

    def text(self, value: Any) -> None:
        """A string's UTF-8 bytes; anything else by its ASCII-escaped JSON, which is longer than its UTF-8."""
        if isinstance(value, str):
            self.tokens += _utf8_bytes(value)
        elif value is not None:
            self.tokens += len(json.dumps(value))

    def content(self, content: Any, where: str) -> None:
        if not isinstance(content, list):
            self.text(content)
            return
        for j, block in enumerate(content):
            self.block(block, f"{where}[{j}]")

    def block(self, block: Any, where: str) -> None:
        self.tokens += OFFLINE_TOKENS_PER_BLOCK
        if not isinstance(block, dict):
            self.text(block)
            return
        self.cache = self.cache or block.get("cache_control") is not None
        kind = block.get("type")
        if kind == "text":
            self.text(block.get("text"))
            self.text(block.get("citations"))
        elif kind == "image":
            self.image(block.get("source"), where)
        elif kind == "document":
            self.document(block, where)
        elif kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
            self.text(block.get("name"))
            self.text(block.get("input"))
        elif kind == "tool_result":
            self.content(block.get("content"), f"{where}.content")
        elif kind == "thinking":
            self.text(block.get("thinking"))
        elif kind == "redacted_thinking":
            self.text(block.get("data"))
        elif kind == "search_result":
            self.text(block.get("title"))
            self.text(block.get("source"))
            self.content(block.get("content"), f"{where}.content")
        else:
            self.gaps.append(f"{where}: a {kind!r} block has no offline bound; {_COUNT_HINT} remove it")

    def image(self, source: Any, where: str) -> None:
        kind = source.get("type") if isinstance(source, dict) else None
        if kind == "base64":
            self.tokens += IMAGE_TOKENS_CEILING
        else:
            self.gap(where, "an image", kind, "inline it as base64")

    def gap(self, where: str, what: str, source_type: Any, fix: str) -> None:
        origin = {"url": "from a URL", "file": "from a file id"}.get(source_type, f"of source type {source_type!r}")
        self.gaps.append(f"{where}: {what} {origin} has no offline bound; {_COUNT_HINT} {fix}")

    def document(self, block: dict[str, Any], where: str) -> None:
        self.tokens += OFFLINE_TOKENS_PER_DOCUMENT
        self.text(block.get("title"))
        self.text(block.get("context"))
        source = block.get("source")
        kind = source.get("type") if isinstance(source, dict) else None
        if isinstance(source, dict) and kind == "text":
            self.text(source.get("data"))
        elif isinstance(source, dict) and kind == "content":
            self.content(source.get("content"), f"{where}.source.content")
        elif kind == "base64":
            self.gaps.append(
                f"{where}: a PDF has no offline bound (each page is billed as its text plus an image of the page); "
                f"{_COUNT_HINT} send its text as a text document"
            )
        else:
            self.gap(where, "a document", kind, "inline its text")

    def tool(self, tool: Any) -> None:
        self.tokens += OFFLINE_TOKENS_PER_BLOCK
        self.text(tool)
        if not isinstance(tool, dict):
            return
        self.cache = self.cache or tool.get("cache_control") is not None
        kind = tool.get("type")
        for prefix, allowance in BUILTIN_CLIENT_TOOL_TOKENS.items():
            if _is_type(kind, prefix):
                self.tokens += allowance
        if _is_type(kind, "web_search_") or _is_type(kind, "web_fetch_"):
            self.tokens += SERVER_TOOL_DEFINITION_TOKENS


def _input_ceiling(params: Mapping[str, Any]) -> _InputCeiling:
    acc = _InputCeiling()
    acc.cache = params.get("cache_control") is not None
    system = params.get("system")
    if system is not None:
        acc.tokens += OFFLINE_TOKENS_PER_MESSAGE
        acc.content(system, "params.system")
    messages = params.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else []):
        if isinstance(message, dict):
            acc.tokens += OFFLINE_TOKENS_PER_MESSAGE
            acc.content(message.get("content"), f"params.messages[{i}].content")
    tools = params.get("tools")
    if isinstance(tools, list) and tools:
        acc.tokens += TOOL_USE_SYSTEM_PROMPT_TOKENS
        for tool in tools:
            acc.tool(tool)
    acc.text(params.get("tool_choice"))
    for key in sorted(set(params) - _NO_INPUT_PARAMS):
        acc.tokens += OFFLINE_TOKENS_PER_EXTRA_PARAM
        acc.text(params[key])
    return acc


def offline_input_tokens(params: Mapping[str, Any]) -> tuple[int | None, bool]:
    """Offline ceiling of one request's input tokens, and whether it uses `cache_control` [tokens].

    An upper bound for any script, not an estimate: no tokenizer emits more tokens than the UTF-8 bytes
    it reads, so text (messages, system, text documents, tool inputs and results, thinking) counts one token
    per byte, JSON (tool definitions, tool_choice, unknown parameters) one per byte of its ASCII-escaped form,
    plus generous framing per request, message, block and document (`OFFLINE_TOKENS_PER_*`), the tool-use
    system prompt, allowances for built-in and server tool definitions, and `IMAGE_TOKENS_CEILING` per base64
    image. None when some content has no offline bound (images or documents by URL or file id, PDFs, unknown
    block types): the token-counting endpoint can count those (see `offline_input_gap`).
    """
    acc = _input_ceiling(params)
    return (None if acc.gaps else acc.tokens), acc.cache


def offline_input_gap(params: Mapping[str, Any]) -> str | None:
    """Why `offline_input_tokens` has no ceiling for these params, and how to fix it; None when it has one."""
    return _gap_text(_input_ceiling(params).gaps)


def _gap_text(gaps: Sequence[str]) -> str | None:
    if not gaps:
        return None
    return gaps[0] + (f" (and {len(gaps) - 1} more such block(s))" if len(gaps) > 1 else "")


@dataclass(frozen=True, slots=True)
class _ServerTools:
    iterations: int = 1
    result_tokens: int = 0
    web_search_uses: int = 0


def _positive_int(value: Any) -> bool:
    return _is_int(value) and value >= 1


def _server_tools(params: Mapping[str, Any]) -> tuple[_ServerTools, list[str]]:
    """What the server tools may add (uses, results, iterations), and the tools whose cost has no bound."""
    problems: list[str] = []
    uses = result_tokens = searches = 0
    tools = params.get("tools")
    if tools is not None and not isinstance(tools, list):
        problems.append("params.tools must be a list of tool definitions")
    for i, tool in enumerate(tools if isinstance(tools, list) else []):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or kind in (None, "custom"):
            continue
        where = f"params.tools[{i}]"
        if _is_type(kind, "web_search_"):
            if not _positive_int(tool.get("max_uses")):
                problems.append(
                    f'{where}: a web search tool needs "max_uses" (searches per request), or its fees have '
                    'no bound; add e.g. "max_uses": 3'
                )
                continue
            uses += tool["max_uses"]
            searches += tool["max_uses"]
            result_tokens += tool["max_uses"] * WEB_SEARCH_RESULT_TOKENS_PER_USE
        elif _is_type(kind, "web_fetch_"):
            if not (_positive_int(tool.get("max_uses")) and _positive_int(tool.get("max_content_tokens"))):
                problems.append(
                    f'{where}: a web fetch tool needs "max_uses" and "max_content_tokens", or the content it '
                    'fetches has no bound; add e.g. "max_uses": 2, "max_content_tokens": 20000'
                )
                continue
            uses += tool["max_uses"]
            result_tokens += tool["max_uses"] * tool["max_content_tokens"]
        elif _is_type(kind, "code_execution_"):
            problems.append(
                f"{where}: code execution cannot be bounded before the run (container time and the output it "
                "adds are billed as they come); remove the tool from pilot requests"
            )
        elif not any(_is_type(kind, prefix) for prefix in BUILTIN_CLIENT_TOOL_TOKENS):
            problems.append(
                f"{where}.type {kind!r} is not a tool whose cost the pilot can bound; remove it or define a custom tool"
            )
    for key in ("mcp_servers", "container"):
        if params.get(key) is not None:
            problems.append(f"params.{key} brings in remote tools or files whose cost has no bound; remove {key}")
    return _ServerTools(iterations=1 + uses, result_tokens=result_tokens, web_search_uses=searches), problems


def _output_ceiling(params: Mapping[str, Any]) -> int:
    """max_tokens, or a thinking budget above it (thinking is billed as output) [tokens]."""
    ceiling = int(params["max_tokens"])
    thinking = params.get("thinking")
    budget = thinking.get("budget_tokens") if isinstance(thinking, dict) else None
    return max(ceiling, budget) if isinstance(budget, int) and not isinstance(budget, bool) else ceiling


def _request_stats(line: int, custom_id: str, params: Mapping[str, Any], body_bytes: int) -> RequestStats:
    """The estimate's view of one valid request."""
    acc = _input_ceiling(params)
    tools, _ = _server_tools(params)
    geo = params.get("inference_geo")
    return RequestStats(
        line=line,
        custom_id=custom_id,
        model=params["model"],
        max_tokens=params["max_tokens"],
        input_tokens_offline=None if acc.gaps else acc.tokens,
        uses_cache_control=acc.cache,
        body_bytes=body_bytes,
        offline_gap=_gap_text(acc.gaps),
        output_tokens_ceiling=_output_ceiling(params),
        server_tool_iterations=tools.iterations,
        server_tool_result_tokens=tools.result_tokens,
        web_search_uses=tools.web_search_uses,
        inference_geo=geo if isinstance(geo, str) else None,
    )

def validate_request(obj: Any) -> list[str]:
    """Problems with one decoded batch request `{"custom_id", "params"}` (custom_id uniqueness aside)."""
    if not isinstance(obj, dict):
        return ['each line must be a JSON object {"custom_id": ..., "params": {...}}']
    problems: list[str] = []
    unknown = sorted(set(obj) - _REQUEST_KEYS)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}: a request has only custom_id and params")
    custom_id = obj.get("custom_id")
    if custom_id is None:
        problems.append("custom_id is missing: give each request a unique id of 1-64 letters, digits, _ or -")
    elif not isinstance(custom_id, str) or not _CUSTOM_ID.fullmatch(custom_id):
        problems.append(f"custom_id {custom_id!r} is invalid: use 1-64 characters from a-z, A-Z, 0-9, _ and -")
    params = obj.get("params")
    if params is None:
        problems.append("params is missing: give model, max_tokens and messages")
        return problems
    if not isinstance(params, dict):
        problems.append("params must be a JSON object with model, max_tokens and messages")
        return problems
    model = params.get("model")
    if model is None:
        problems.append("params.model is missing: name a Claude model, e.g. claude-sonnet-4-6")
    elif not isinstance(model, str) or not model.strip():
        problems.append("params.model must be a non-empty string")
    if "max_tokens" not in params:
        problems.append("params.max_tokens is missing: set the output bound, e.g. 1024")
    elif not _is_int(params["max_tokens"]):
        problems.append(f"params.max_tokens must be a whole number, not {params['max_tokens']!r}")
    elif params["max_tokens"] < 1:
        problems.append(f"params.max_tokens is {params['max_tokens']}: batches need at least 1")
    messages = params.get("messages")
    if messages is None:
        problems.append("params.messages is missing: give at least one user message")
    elif not isinstance(messages, list) or not messages:
        problems.append("params.messages must be a non-empty list of {role, content} messages")
    else:
        for i, message in enumerate(messages):
            if not isinstance(message, dict):
                problems.append(f"params.messages[{i}] must be an object with role and content")
                continue
            if message.get("role") not in _ROLES:
                problems.append(f"params.messages[{i}].role must be 'user' or 'assistant'")
            content = message.get("content")
            if content is None or content == "" or content == []:
                problems.append(f"params.messages[{i}].content is empty")
            elif not isinstance(content, (str, list)):
                problems.append(f"params.messages[{i}].content must be a string or a list of blocks")
    if params.get("stream") is True:
        problems.append("params.stream is true: batches cannot stream; remove stream")
    if params.get("speed") is not None:
        problems.append(f"params.speed is {params['speed']!r}: fast mode is not available in batches; remove speed")
    problems.extend(_server_tools(params)[1])  # a budget cap needs a bound on every tool's cost
    return problems


def batch_request_body_bytes(line: str | bytes) -> int:
    """Bytes one request adds to the batch body: its JSON plus a separating comma [bytes]."""
    return (len(line) if isinstance(line, bytes) else len(line.encode("utf-8"))) + 1


def validate_request_lines(lines: Iterable[str | bytes]) -> ValidationResult:
    """Validate a Message Batches JSONL file line by line (1-based line numbers; blank lines skipped).

    Checks JSON, the request shape, custom_id format and uniqueness, required params and
    parameters batches reject. Oversize files are not a problem: `ValidationResult.batches()`
    splits them within the request and byte limits.
    """
    return validate_numbered_lines(enumerate(lines, start=1))


def validate_numbered_lines(lines: Iterable[tuple[int, str | bytes]]) -> ValidationResult:
    """`validate_request_lines` for lines that carry their own line numbers (e.g. built from a CSV)."""
    result = ValidationResult()
    seen: dict[str, int] = {}
    for number, raw in lines:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        stripped = text.strip()
        if not stripped:
            continue
        result.lines_read += 1
        try:
            obj = safejson.loads(stripped)
        except json.JSONDecodeError as exc:  # safejson: too deep or a lone surrogate escape too
            result.problems.append(
                LineProblem(line=number, message=f"not valid JSON ({exc.msg} at column {exc.colno})")
            )
            continue
        messages = validate_request(obj)
        custom_id = obj.get("custom_id") if isinstance(obj, dict) else None
        if isinstance(custom_id, str):
            first = seen.get(custom_id)
            if first is not None:
                messages.append(f"custom_id {custom_id!r} is already used on line {first}: ids must be unique")
            else:
                seen[custom_id] = number
        if messages:
            result.problems.extend(LineProblem(line=number, message=m) for m in messages)
            continue
        params = obj["params"]
        body_bytes = batch_request_body_bytes(stripped)
        if body_bytes + 20 > MAX_BATCH_BYTES:
            result.problems.append(
                LineProblem(line=number, message=f"request is {body_bytes:,} bytes: larger than a whole batch may be")
            )
            continue
        result.requests.append(_request_stats(number, obj["custom_id"], params, body_bytes))
    if result.lines_read == 0:
        result.problems.append(LineProblem(line=0, message="the file has no requests"))
    return result


_BODY_OVERHEAD_BYTES = len(b'{"requests":[]}')


def split_ranges(
    request_bytes: Sequence[int],
    *,
    max_requests: int = MAX_REQUESTS_PER_BATCH,
    max_bytes: int = MAX_BATCH_BYTES,
) -> list[tuple[int, int]]:
    """Consecutive index ranges `[start, end)` such that each batch stays within both limits.

    `request_bytes[i]` is the size request `i` adds to the body (see `batch_request_body_bytes`).
    """
    ranges: list[tuple[int, int]] = []
    start = 0
    size = _BODY_OVERHEAD_BYTES
    for i, n in enumerate(request_bytes):
        if i > start and (i - start >= max_requests or size + n > max_bytes):
            ranges.append((start, i))
            start, size = i, _BODY_OVERHEAD_BYTES
        size += n
    if start < len(request_bytes):
        ranges.append((start, len(request_bytes)))
    return ranges


# --- building requests from texts ---------------------------------------------------------------

TEXT_PLACEHOLDER = "{text}"


class PromptTemplate(StrictModel):
    """How to turn rows of text into batch requests."""

    model: str = Field(min_length=1)
    """Model id for every request, e.g. `claude-haiku-4-5`."""
    max_tokens: int = Field(ge=1)
    """Output bound per request [tokens]."""
    user_template: str = Field(min_length=1)
    """User message; `{text}` is replaced by the row's text (other braces are kept as they are)."""
    system: str = ""
    """System prompt; empty for none."""
    text_column: str = "text"
    """Column (CSV) or key (JSONL) holding the text."""
    id_column: str = "id"
    """Column or key holding an id used as custom_id; rows without one get `row-<line>`."""

    @model_validator(mode="after")
    def _placeholder(self) -> PromptTemplate:
        if TEXT_PLACEHOLDER not in self.user_template:
            raise ValueError("user_template must contain {text} where each row's text goes")
        return self


@dataclass(frozen=True)
class TextRow:
    """One row of a texts file, as read by the shell."""

    line: int
    """1-based line number in the file (the header is line 1 in a CSV) [line]."""
    text: str | None
    row_id: str | None = None


def build_requests(rows: Iterable[TextRow], template: PromptTemplate) -> Iterator[tuple[int, dict[str, Any]]]:
    """`(line, request)` per row: custom_id from the id column (or `row-<line>`), params from the template.

    Rows without text still yield a request with empty content, so validation reports them by line.
    """
    for row in rows:
        custom_id = row.row_id if row.row_id else f"row-{row.line}"
        params: dict[str, Any] = {
            "model": template.model,
            "max_tokens": template.max_tokens,
            "messages": [{"role": "user", "content": template.user_template.replace(TEXT_PLACEHOLDER, row.text or "")}],
        }
        if not row.text:
            params["messages"][0]["content"] = ""
        if template.system:
            params["system"] = template.system
        yield row.line, {"custom_id": custom_id, "params": params}


# --- estimate and budget ------------------------------------------------------------------------


def catalog_problems(requests: Iterable[RequestStats], catalog: Catalog) -> list[LineProblem]:
    """Per-line problems only the price catalog can see: unknown models, max_tokens above the model's limit.

    Limits the catalog only assumes (models newer than the dated limits table) are not enforced.
    """
    problems: list[LineProblem] = []
    pricings: dict[str, ModelPricing | None] = {}
    for req in requests:
        if req.model not in pricings:
            try:
                pricings[req.model] = catalog.get(req.model)
            except UnknownModelError:
                pricings[req.model] = None
        pricing = pricings[req.model]
        if pricing is None:
            problems.append(
                LineProblem(
                    line=req.line,
                    message=f"params.model {req.model!r} is not a model the price catalog knows; "
                    "use a current Claude model id (e.g. claude-haiku-4-5)",
                )
            )
        elif not pricing.max_output_tokens_assumed and req.max_tokens > pricing.max_output_tokens:
            problems.append(
                LineProblem(
                    line=req.line,
                    message=f"params.max_tokens {req.max_tokens:,} is above {pricing.display_name}'s limit of "
                    f"{pricing.max_output_tokens:,}; lower it",
                )
            )
    return problems


class SpendEstimate(StrictModel):
    """Input tokens and worst-case spend of a request set, at batch prices."""

    request_count: int = Field(ge=0)
    """Requests [requests]."""
    batch_count: int = Field(ge=0)
    """Batches the set is split into [batches]."""
    input_tokens: int = Field(ge=0)
    """Total input tokens at most, prompts from `input_tokens_source` plus what server-tool loops may add [tokens]."""
    input_tokens_source: str
    """`COUNT_TOKENS_LABEL` (the API's count) or `OFFLINE_ESTIMATE_LABEL` (an offline upper bound)."""
    max_output_tokens: int = Field(ge=0)
    """Output at most: max_tokens (or a larger thinking budget) per sampling iteration [tokens]."""
    worst_case_batch_usd: NonNegFloat
    """An upper bound on what the set can bill at batch prices: see `estimate_spend` [USD]."""
    worst_case_sync_usd: NonNegFloat
    """The same at synchronous prices, for comparison [USD]."""
    input_only_batch_usd: NonNegFloat
    """The prompts alone as uncached input at batch prices, no output [USD]."""
    web_search_usd: NonNegFloat = 0.0
    """Web search fees in the worst case: every allowed search, no batch discount [USD]."""
    web_search_uses: int = Field(default=0, ge=0)
    """Web searches the requests may make: the sum of their web search tools' max_uses [searches]."""
    models: tuple[str, ...]
    """Models the requests name."""
    price_source: str
    """Price-source line (`PriceSource.label()`)."""
    assumptions: tuple[str, ...] = ()
    """Stated bounds the worst case rests on where Anthropic documents none."""


def offline_gap_problems(requests: Iterable[RequestStats]) -> list[LineProblem]:
    """One problem per request whose input has no offline ceiling: estimate those with counted tokens."""
    return [LineProblem(line=r.line, message=r.offline_gap) for r in requests if r.offline_gap is not None]


def request_token_ceilings(req: RequestStats, prompt_tokens: int) -> tuple[int, int]:
    """Input and output ceilings of one request whose prompt is at most `prompt_tokens` [tokens].

    Without server tools: the prompt, and max_tokens (or a larger thinking budget). A server-tool loop
    may run one sampling iteration per allowed use plus one; each iteration may re-read the prompt, every
    result so far and the output so far, and produce output up to the per-iteration ceiling.
    """
    per_iteration_output = max(req.max_tokens, req.output_tokens_ceiling)
    output = per_iteration_output * req.server_tool_iterations
    if req.server_tool_iterations <= 1:
        return prompt_tokens, output
    return req.server_tool_iterations * (prompt_tokens + req.server_tool_result_tokens + output), output


def _worst_case_cost(
    pricing: ModelPricing, api: Literal["sync", "batch"], req: RequestStats, input_tokens: int, output_tokens: int
) -> float:
    """The dearest bill `input_tokens` and `output_tokens` can make for `req` [USD].

    Every input token at the dearest input rate it could hit (the 1-hour cache write when the request has
    a breakpoint), prices at the long-context tier when the input ceiling crosses it (or base prices, if
    dearer), the data-residency multiplier on tokens, and every allowed web search at its full fee.
    """
    costs = []
    for prices in (pricing.prices_for(api), pricing.prices_for(api, float(input_tokens))):
        input_rate = prices.input_usd_per_mtok
        if req.uses_cache_control:
            input_rate = max(input_rate, prices.cache_write_5m_usd_per_mtok, prices.cache_write_1h_usd_per_mtok)
        costs.append((input_tokens * input_rate + output_tokens * prices.output_usd_per_mtok) / 1_000_000)
    geo = 1.0
    if req.inference_geo is not None:
        geo = INFERENCE_GEO_MULTIPLIERS.get(req.inference_geo, max(INFERENCE_GEO_MULTIPLIERS.values()))
    return max(costs) * geo + req.web_search_uses * WEB_SEARCH_USD_PER_USE


def estimate_spend(
    requests: Sequence[RequestStats],
    catalog: Catalog,
    *,
    counted_input_tokens: Sequence[int] | None = None,
) -> SpendEstimate:
    """Worst-case spend of `requests` at batch prices: an upper bound on what they can bill.

    Prompts are bounded by their offline ceiling (`offline_input_tokens`), or by `counted_input_tokens`
    (one per request, from Anthropic's token-counting endpoint, which is authoritative) when given; see
    `request_token_ceilings` and `_worst_case_cost` for the rest. Raises ValueError when a request has
    no offline ceiling and no count, and `UnknownModelError` naming the line of the first unknown model.
    """
    if counted_input_tokens is not None and len(counted_input_tokens) != len(requests):
        raise ValueError("counted_input_tokens must have one entry per request")
    pricings: dict[str, ModelPricing] = {}
    batch_usd = sync_usd = input_usd = search_usd = 0.0
    input_total = output_total = 0
    for i, req in enumerate(requests):
        pricing = pricings.get(req.model)
        if pricing is None:
            try:
                pricing = catalog.get(req.model)
            except UnknownModelError as exc:
                raise UnknownModelError(f"line {req.line}: {exc}") from None
            pricings[req.model] = pricing
        prompt = counted_input_tokens[i] if counted_input_tokens is not None else req.input_tokens_offline
        if prompt is None:
            raise ValueError(f"line {req.line}: {req.offline_gap}")
        input_tokens, output_tokens = request_token_ceilings(req, prompt)
        input_total += input_tokens
        output_total += output_tokens
        batch_usd += _worst_case_cost(pricing, "batch", req, input_tokens, output_tokens)
        sync_usd += _worst_case_cost(pricing, "sync", req, input_tokens, output_tokens)
        input_usd += float(pricing.request_cost_usd("batch", uncached_input_tokens=float(prompt), output_tokens=0.0))
        search_usd += req.web_search_uses * WEB_SEARCH_USD_PER_USE
    assumptions: tuple[str, ...] = ()
    if any(r.web_search_uses for r in requests):
        assumptions = (f"a web search adds at most {WEB_SEARCH_RESULT_TOKENS_PER_USE:,} input tokens",)
    return SpendEstimate(
        request_count=len(requests),
        batch_count=len(split_ranges([r.body_bytes for r in requests])),
        input_tokens=input_total,
        input_tokens_source=COUNT_TOKENS_LABEL if counted_input_tokens is not None else OFFLINE_ESTIMATE_LABEL,
        max_output_tokens=output_total,
        worst_case_batch_usd=batch_usd,
        worst_case_sync_usd=sync_usd,
        input_only_batch_usd=input_usd,
        web_search_usd=search_usd,
        web_search_uses=sum(r.web_search_uses for r in requests),
        models=tuple(sorted(pricings)),
        price_source=catalog.source.label(),
        assumptions=assumptions,
    )

class BudgetDecision(StrictModel):
    """Whether a submission fits the spending cap."""

    allowed: bool
    budget_usd: NonNegFloat
    """The cap [USD]."""
    worst_case_usd: NonNegFloat
    """Worst-case spend of the submission [USD]."""
    reason: str
    """One line for the user."""


def _budget_text(budget_usd: float) -> str:
    """The cap as the user typed it: cents, or more digits for sub-cent caps (never `$0.00` for $0.001)."""
    text = f"{budget_usd:,.2f}"
    if budget_usd > 0 and round(budget_usd, 2) != budget_usd:
        text = f"{budget_usd:,.6f}".rstrip("0")
    return f"${text}"


def budget_decision(estimate: SpendEstimate, budget_usd: float) -> BudgetDecision:
    """Allow a submission only if its worst case (full max_tokens at batch prices) fits `budget_usd`."""
    if not math.isfinite(budget_usd) or budget_usd < 0:
        raise ValueError("budget_usd must be a finite amount of at least 0")
    worst = estimate.worst_case_batch_usd
    if worst <= budget_usd:
        reason = f"worst case ${worst:,.4f} is within the {_budget_text(budget_usd)} budget"
        return BudgetDecision(allowed=True, budget_usd=budget_usd, worst_case_usd=worst, reason=reason)
    reason = (
        f"worst case ${worst:,.4f} exceeds the {_budget_text(budget_usd)} budget: lower max_tokens, send fewer "
        "requests, or raise the budget"
    )
    return BudgetDecision(allowed=False, budget_usd=budget_usd, worst_case_usd=worst, reason=reason)


# --- output checks ------------------------------------------------------------------------------

CheckKind = Literal["none", "json", "json_keys", "regex"]


class OutputCheck(StrictModel):
    """What makes a succeeded result usable."""

    kind: CheckKind = "none"
    """`none`: API success is enough; `json`: the text parses as JSON; `json_keys`: a JSON object with
    `required_keys`; `regex`: `pattern` is found in the text."""
    required_keys: tuple[str, ...] = ()
    """Keys the JSON object must have (kind `json_keys`)."""
    pattern: str = ""
    """Regular expression searched in the text (kind `regex`)."""

    @model_validator(mode="after")
    def _consistent(self) -> OutputCheck:
        if self.kind == "json_keys" and not self.required_keys:
            raise ValueError("a json_keys check needs at least one required key")
        if self.kind == "regex":
            if not self.pattern:
                raise ValueError("a regex check needs a pattern")
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        return self

    def describe(self) -> str:
        """One line for reports."""
        if self.kind == "none":
            return "usable = API success (no output check)"
        if self.kind == "json":
            return "usable = output is valid JSON"
        if self.kind == "json_keys":
            return f"usable = output is a JSON object with keys {', '.join(self.required_keys)}"
        return f"usable = output matches /{self.pattern}/"


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```"):
        inner = stripped[3:-3]
        newline = inner.find("\n")
        return inner[newline + 1 :] if newline >= 0 else inner
    return stripped


def check_output(text: str, check: OutputCheck) -> bool:
    """True when `text` passes `check` (a JSON check tolerates one surrounding ``` fence)."""
    if check.kind == "none":
        return True
    if check.kind == "regex":
        return re.search(check.pattern, text) is not None
    try:
        value = safejson.loads(_strip_fence(text))
    except ValueError:
        return False
    if check.kind == "json":
        return True
    return isinstance(value, dict) and all(key in value for key in check.required_keys)


def result_text(record: Mapping[str, Any]) -> str:
    """The text blocks of a succeeded result's message, joined."""
    message = record.get("result", {}).get("message") or {}
    parts = [b.get("text", "") for b in message.get("content") or [] if isinstance(b, dict) and b.get("type") == "text"]
    return "".join(parts)


# --- clock --------------------------------------------------------------------------------------


class BatchClock(StrictModel):
    """Elapsed time against the 24 h window, computed from `now`."""

    elapsed_hours: NonNegFloat
    """created_at → ended_at, or → now while running [h]."""
    window_hours: PosFloat
    """The API's processing window [h]."""
    remaining_hours: NonNegFloat
    """Until the batch must end (expires_at), 0 once ended [h]."""
    window_share: Share
    """elapsed / window, capped at 1 [share]."""
    ended: bool
    deadline: datetime
    """created_at + window: by then every request has a result [UTC]."""

    def describe(self) -> str:
        """One line, e.g. `running 30.0 min of 24 h (2%); ends by 2026-11-22 10:00 UTC at the latest`."""
        if self.ended:
            return f"ended after {format_hours(self.elapsed_hours)} of the {self.window_hours:g} h window"
        return (
            f"running {format_hours(self.elapsed_hours)} of {self.window_hours:g} h "
            f"({self.window_share:.0%}); ends by {self.deadline:%Y-%m-%d %H:%M} UTC at the latest"
        )


def format_hours(hours: float) -> str:
    """A duration for people: seconds, minutes or hours, whichever reads best."""
    if hours < 1 / 60:
        return f"{hours * 3600:.0f} s"
    if hours < 1:
        return f"{hours * 60:.1f} min"
    return f"{hours:.2f} h"


def batch_clock(
    created_at: datetime,
    now: datetime,
    *,
    ended_at: datetime | None = None,
    window_hours: float = WORST_CASE_PROCESSING_HOURS,
) -> BatchClock:
    """Elapsed and remaining time of a batch; a pure function of `now` (timezone-aware datetimes)."""
    end = ended_at if ended_at is not None else now
    elapsed = max(0.0, (end - created_at).total_seconds() / 3600)
    deadline = created_at + timedelta(hours=window_hours)
    remaining = 0.0 if ended_at is not None else max(0.0, (deadline - now).total_seconds() / 3600)
    return BatchClock(
        elapsed_hours=elapsed,
        window_hours=window_hours,
        remaining_hours=remaining,
        window_share=min(1.0, elapsed / window_hours),
        ended=ended_at is not None,
        deadline=deadline,
    )


# --- report -------------------------------------------------------------------------------------

ResultType = Literal["succeeded", "errored", "canceled", "expired"]
RESULT_TYPES: tuple[ResultType, ...] = ("succeeded", "errored", "canceled", "expired")


class PilotReport(StrictModel):
    """Figures measured from one pilot's stored results."""

    request_count: int = Field(ge=0)
    """Requests submitted [requests]."""
    result_count: int = Field(ge=0)
    """Results read (equals `request_count` when every custom_id is accounted for) [results]."""
    counts: dict[str, int]
    """Results by type: succeeded, errored, canceled, expired [results]."""
    error_types: dict[str, int]
    """Errored results by error type, e.g. invalid_request_error [results]."""
    usable_count: int = Field(ge=0)
    """Succeeded results that passed the output check [results]."""
    output_check: str
    """What "usable" meant."""
    first_pass_success_rate: Share
    """usable / requests [share]."""
    turnaround_hours: tuple[float, ...]
    """created → ended per batch [h]."""
    uncached_input_tokens_per_request: NonNegFloat
    """Average over succeeded results [tokens]."""
    cache_write_tokens_per_request: NonNegFloat
    """Average over succeeded results [tokens]."""
    cache_read_tokens_per_request: NonNegFloat
    """Average over succeeded results [tokens]."""
    output_tokens_per_request: NonNegFloat
    """Average over succeeded results [tokens]."""
    cache_hit_share: Share
    """Succeeded results that read from the prompt cache [share]."""
    batch_cost_usd: NonNegFloat
    """What the pilot cost at batch prices (errored, canceled, expired are not billed) [USD]."""
    sync_cost_usd: NonNegFloat
    """The same usage at synchronous prices [USD]."""
    savings_usd: float
    """sync − batch [USD]."""
    models: tuple[str, ...]
    """Models seen in the results."""
    unpriced_models: tuple[str, ...] = ()
    """Models the catalog does not know: their usage is left out of the costs."""
    price_source: str
    """Price-source line."""
    skipped_lines: int = Field(default=0, ge=0)
    """Stored lines that were not a readable result of this pilot, left out of every figure [lines]."""
    duplicate_results: int = Field(default=0, ge=0)
    """Further results for a custom_id already counted, left out: each request counts once [results]."""

    @property
    def input_tokens_per_request(self) -> float:
        """Total input per succeeded request: uncached + cache writes + cache reads [tokens]."""
        return (
            self.uncached_input_tokens_per_request
            + self.cache_write_tokens_per_request
            + self.cache_read_tokens_per_request
        )

    @property
    def savings_share(self) -> float:
        """savings / sync cost [share]; 0 when nothing was billed."""
        return self.savings_usd / self.sync_cost_usd if self.sync_cost_usd else 0.0

    def measurement(self) -> PilotMeasurement:
        """The figures the planner uses. Raises ValueError when nothing was usable (the plan needs s > 0)."""
        if self.usable_count == 0:
            raise ValueError(
                "no usable results: a plan needs a success rate above 0; "
                "fix the prompt or the output check and run another pilot"
            )
        failures = self.request_count - self.usable_count
        billed_failures = self.counts.get("succeeded", 0) - self.usable_count
        turnaround = self.turnaround_hours or (0.0,)
        ordered = sorted(max(t, 1 / 3600) for t in turnaround)
        cached = self.cache_write_tokens_per_request + self.cache_read_tokens_per_request
        return PilotMeasurement(
            success_rate=self.first_pass_success_rate,
            input_tokens=self.input_tokens_per_request,
            output_tokens=self.output_tokens_per_request,
            cached_input_tokens=cached if cached > 0 else None,
            batch_cache_hit_rate=self.cache_hit_share if cached > 0 else None,
            billed_failure_share=billed_failures / failures if failures > 0 else None,
            median_processing_hours=_nearest_rank(ordered, 0.5),
            p90_processing_hours=_nearest_rank(ordered, 0.9),
            expired_share=self.counts.get("expired", 0) / self.request_count if self.request_count else 0.0,
            request_count=self.request_count,
            batch_count=len(self.turnaround_hours),
        )


def _nearest_rank(ordered: Sequence[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class ReportAccumulator:
    """Builds a `PilotReport` from result records fed one at a time (never the whole set in memory).

    A record is one line of the results file as a dict: `{"custom_id", "result": {"type", ...}}`.
    Each custom_id counts once (later records for it are counted as duplicates and left out),
    so the first-pass success rate stays in [0, 1] whatever the file holds.
    """

    def __init__(self, catalog: Catalog, check: OutputCheck | None = None) -> None:
        self._catalog = catalog
        self._check = check or OutputCheck()
        self._pricing: dict[str, ModelPricing | None] = {}
        self.counts: dict[str, int] = dict.fromkeys(RESULT_TYPES, 0)
        self.error_types: dict[str, int] = {}
        self.usable = 0
        self.results = 0
        self._uncached = self._write = self._read = self._output = 0.0
        self._cache_hits = 0
        self.batch_usd = 0.0
        self.sync_usd = 0.0
        self._unpriced: set[str] = set()
        self._seen: set[str] = set()
        self.skipped = 0
        self.duplicates = 0

    def skip(self) -> None:
        """Count one stored line that is not a readable result of this pilot."""
        self.skipped += 1

    def _pricing_for(self, model: str) -> ModelPricing | None:
        if model not in self._pricing:
            try:
                self._pricing[model] = self._catalog.get(model)
            except UnknownModelError:
                self._pricing[model] = None
        return self._pricing[model]

    def add(self, record: Mapping[str, Any]) -> None:
        """Count one result record (a repeated custom_id, or a record without one, is only tallied)."""
        custom_id = record.get("custom_id") if isinstance(record, Mapping) else None
        result = record.get("result") if isinstance(record, Mapping) else None
        if not isinstance(custom_id, str) or not isinstance(result, Mapping):
            self.skipped += 1
            return
        if custom_id in self._seen:
            self.duplicates += 1
            return
        self._seen.add(custom_id)
        self.results += 1
        kind = str(result.get("type", "unknown"))
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind == "errored":
            error = (result.get("error") or {}).get("error") or {}
            error_type = str(error.get("type") or "unknown_error")
            self.error_types[error_type] = self.error_types.get(error_type, 0) + 1
            return
        if kind != "succeeded":
            return
        if check_output(result_text(record), self._check):
            self.usable += 1
        message = result.get("message") or {}
        usage = message.get("usage") or {}
        uncached = float(usage.get("input_tokens") or 0)
        output = float(usage.get("output_tokens") or 0)
        read = float(usage.get("cache_read_input_tokens") or 0)
        detail = usage.get("cache_creation") or {}
        write_1h = float(detail.get("ephemeral_1h_input_tokens") or 0)
        write_total = float(usage.get("cache_creation_input_tokens") or 0)
        write_5m = max(0.0, write_total - write_1h)
        self._uncached += uncached
        self._output += output
        self._read += read
        self._write += write_total
        if read > 0:
            self._cache_hits += 1
        model = str(message.get("model") or "")
        pricing = self._pricing_for(model)
        if pricing is None:
            self._unpriced.add(model)
            return
        tokens = {
            "uncached_input_tokens": uncached,
            "output_tokens": output,
            "cache_write_5m_tokens": write_5m,
            "cache_write_1h_tokens": write_1h,
            "cache_read_tokens": read,
        }
        tools = usage.get("server_tool_use")
        searches = float((tools.get("web_search_requests") if isinstance(tools, dict) else 0) or 0)
        fees = searches * WEB_SEARCH_USD_PER_USE  # per search, the same in batches
        self.batch_usd += float(pricing.request_cost_usd("batch", **tokens)) + fees
        self.sync_usd += float(pricing.request_cost_usd("sync", **tokens)) + fees

    def finish(self, *, request_count: int, turnaround_hours: Sequence[float]) -> PilotReport:
        """The report for a pilot of `request_count` requests whose batches took `turnaround_hours`."""
        succeeded = self.counts.get("succeeded", 0)
        per = 1.0 / succeeded if succeeded else 0.0
        models = tuple(sorted(m for m in self._pricing if m))
        return PilotReport(
            request_count=request_count,
            result_count=self.results,
            counts=dict(self.counts),
            error_types=dict(sorted(self.error_types.items())),
            usable_count=self.usable,
            output_check=self._check.describe(),
            # results are unique custom_ids, so usable <= results; the max keeps the rate <= 1 even
            # when a caller passes fewer requests than results
            first_pass_success_rate=self.usable / max(request_count, self.results) if self.usable else 0.0,
            turnaround_hours=tuple(turnaround_hours),
            uncached_input_tokens_per_request=self._uncached * per,
            cache_write_tokens_per_request=self._write * per,
            cache_read_tokens_per_request=self._read * per,
            output_tokens_per_request=self._output * per,
            cache_hit_share=self._cache_hits * per,
            batch_cost_usd=self.batch_usd,
            sync_cost_usd=self.sync_usd,
            savings_usd=self.sync_usd - self.batch_usd,
            models=models,
            unpriced_models=tuple(sorted(m or "(no model)" for m in self._unpriced)),
            price_source=self._catalog.source.label(),
            skipped_lines=self.skipped,
            duplicate_results=self.duplicates,
        )


# --- measurement → plan -------------------------------------------------------------------------


class PilotMeasurement(StrictModel):
    """What a pilot measured, in the planner's terms; `apply_to` puts it into a workflow."""

    success_rate: SuccessRate = 1.0
    """First-pass success rate: usable results / requests [share]."""
    input_tokens: NonNegFloat
    """Total input per request, cache included [tokens]."""
    output_tokens: NonNegFloat
    """Output per request [tokens]."""
    cached_input_tokens: NonNegFloat | None = None
    """Cache writes + reads per request, when the pilot used prompt caching [tokens]."""
    batch_cache_hit_rate: Share | None = None
    """Share of requests that read from the cache, when the pilot used prompt caching [share]."""
    billed_failure_share: Share | None = None
    """Share of failures that were billed (succeeded but unusable), when there were failures [share]."""
    median_processing_hours: PosFloat
    """Median batch turnaround over the pilot's batches [h]."""
    p90_processing_hours: PosFloat
    """90th-percentile batch turnaround (nearest rank) over the pilot's batches [h]."""
    expired_share: Share = 0.0
    """Requests that expired [share]."""
    request_count: int = Field(default=0, ge=0)
    """Requests the figures rest on [requests]."""
    batch_count: int = Field(default=0, ge=0)
    """Batches the turnaround rests on (one batch: median = p90 = that batch) [batches]."""

    def apply_to(self, workflow: Workflow) -> Workflow:
        """A copy of `workflow` with the measured success rate, tokens and, if it has an SLA, timing.

        A workflow without an SLA gets none: an SLA is a business decision a pilot cannot make.
        """
        update: dict[str, Any] = {
            "success_rate": self.success_rate,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }
        if self.cached_input_tokens is not None:
            update["cached_input_tokens"] = min(self.cached_input_tokens, self.input_tokens)
        if self.batch_cache_hit_rate is not None:
            update["batch_cache_hit_rate"] = self.batch_cache_hit_rate
        if self.billed_failure_share is not None:
            update["billed_failure_share"] = self.billed_failure_share
        if workflow.sla is not None:
            update["sla"] = workflow.sla.model_copy(
                update={
                    "median_processing_hours": self.median_processing_hours,
                    "p90_processing_hours": max(self.p90_processing_hours, self.median_processing_hours),
                    "expired_share": self.expired_share,
                }
            )
        # model_copy skips validation; validate the result so an inconsistent copy cannot escape.
        return Workflow.model_validate(workflow.model_copy(update=update).model_dump())
