"""JSON from untrusted text, bounded: nesting depth checked before parsing, lone surrogates refused.

`json.loads` recurses once per nesting level, so 1,000 nested brackets (an 87-character shared
link, an upload, a scenario file) raise RecursionError instead of a JSON error; and a `\\ud800`
escape parses into a string that later fails to encode as UTF-8. `loads` turns both into a
`JsonInputError`, a `json.JSONDecodeError`, so every caller's existing JSON error handling
(and its one-line message, `exc.msg`) covers them. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "JsonInputError", "json_depth", "loads"]

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted [levels]; real requests, reports and scenarios use under 20."""

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled loop: no catastrophic backtracking
_BRACKETS = re.compile(r"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class JsonInputError(json.JSONDecodeError):
    """JSON that parses badly or dangerously; `msg` says what is wrong and how to fix it."""


def json_depth(text: str) -> int:
    """Deepest nesting of `[` and `{` in `text`, brackets inside strings ignored [levels]."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def _first_lone_surrogate(value: Any) -> str | None:
    """The first string (key or value) in `value` that cannot be encoded as UTF-8, if any."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _lone_escape_position(text: str) -> int:
    """Where the first unpaired surrogate escape starts in `text` [characters] (0 when none is found)."""
    for match in _SURROGATE_ESCAPE.finditer(text):
        high = match.group()[3].lower() in "89ab"
        if high:
            low = _SURROGATE_ESCAPE.match(text, match.end())
            if low is None or low.group()[3].lower() in "89ab":
                return match.start()
        else:
            before = _SURROGATE_ESCAPE.match(text, max(match.start() - 6, 0))
            if before is None or before.end() != match.start() or before.group()[3].lower() not in "89ab":
                return match.start()
    return 0


def loads(text: str | bytes | bytearray, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that refuses nesting deeper than `max_depth` and unpaired `\\uD800`-`\\uDFFF` escapes.

    Raises `JsonInputError` (a `json.JSONDecodeError`) for those, `json.JSONDecodeError` for bad
    JSON, and `UnicodeDecodeError` for bytes that are not UTF-8 (as `json.loads` does).
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    # cheap test first: a document with fewer brackets than the limit cannot be too deep
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise JsonInputError(
            f"nested deeper than {max_depth} levels of [ ] and {{ }}; flatten the data", text, 0
        )
    try:
        value = json.loads(text)
    except RecursionError:  # a last line of defence when the stack is already deep
        message = f"nested too deeply to read; flatten the data (at most {max_depth} levels)"
        raise JsonInputError(message, text, 0) from None
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _first_lone_surrogate(value) is not None:
        pos = _lone_escape_position(text)
        raise JsonInputError(
            f"an unpaired surrogate escape ({text[pos : pos + 6]}) is not a character; "
            "write the character itself (UTF-8) or a valid \\uD83D\\uDE00-style pair",
            text,
            pos,
        )
    return value
