"""The Message Batches request format: validate request lines, bound their input offline, split them into
batches, and build requests from rows of text.

Pure: no I/O, no clock, no SDK; the shell (`pilot.runner`, `commands.pilot`, the Live pilot page) reads files,
talks to the API and passes `now` in.

Glossary (per request): input tokens = uncached input + cache writes + cache reads [tokens].
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, model_validator

from costmodel import safejson
from costmodel._base import StrictModel
from costmodel.limits import (
    CUSTOM_ID_PATTERN,
    MAX_BATCH_BYTES,
    MAX_REQUESTS_PER_BATCH,
    TOOL_SYSTEM_PROMPT_TOKENS,
)

__all__ = [
    "LineProblem",
    "PromptTemplate",
    "RequestStats",
    "TextRow",
    "ValidationResult",
    "batch_request_body_bytes",
    "build_requests",
    "offline_input_gap",
    "offline_input_tokens",
    "split_ranges",
    "validate_numbered_lines",
    "validate_request",
    "validate_request_lines",
]

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
