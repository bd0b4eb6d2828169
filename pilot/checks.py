"""Output checks: what makes a succeeded batch result usable, and the text of a result.

Pure: no I/O, no clock, no SDK; the shell (`pilot.runner`, `commands.pilot`, the Live pilot page) reads files,
talks to the API and passes `now` in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import model_validator

from costmodel import safejson
from costmodel._base import StrictModel

__all__ = ["OutputCheck", "check_output", "result_text"]

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
