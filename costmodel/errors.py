"""Turn validation errors into one clear line per problem: which field, what is wrong, what it should be."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

__all__ = ["file_reason", "problem_lines", "unreadable_file"]


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif str(item).startswith(("function-", "tagged-union")):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "input"


def problem_lines(exc: ValidationError | ValueError, *, field_help: dict[str, str] | None = None) -> list[str]:
    """One line per problem, e.g. `success_rate = 1.5: must be ≤ 1 (first-pass success rate …)`.

    `field_help` maps a field name to a hint appended to its line (e.g. the CLI flag to change).
    """
    if not isinstance(exc, ValidationError):
        return [str(exc)]
    lines = []
    errors = exc.errors(include_url=False)
    nested = [tuple(e.get("loc", ())) for e in errors]
    for err in errors:
        raw = tuple(err.get("loc", ()))
        if err.get("type") == "too_short" and any(len(o) > len(raw) and o[: len(raw)] == raw for o in nested):
            # pydantic counts only the items that validated: an invalid item is its own problem, not a short list
            continue
        loc = _location(raw)
        msg = str(err.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        given = err.get("input")
        shown = "" if isinstance(given, dict | list) or given is None or loc == "input" else f" = {given!r}"
        hint = ""
        leaf = loc.split(".")[-1].split("[")[0]
        if field_help and leaf in field_help:
            hint = f" ({field_help[leaf]})"
        if err.get("type") == "extra_forbidden":
            msg = "unknown field; check its spelling or remove it"
        lines.append(f"{loc}{shown}: {msg}{hint}")
    return lines


def file_reason(exc: OSError | None = None) -> str:
    """Why a file cannot be read, in the one wording every command and page uses (None: it does not exist)."""
    if exc is None or isinstance(exc, FileNotFoundError):
        return "no such file; check the path"
    if isinstance(exc, IsADirectoryError):
        return "is a folder; give a file"
    if isinstance(exc, PermissionError):
        return "cannot read it (permission denied)"
    return f"cannot read it ({exc.strerror or exc})"


def unreadable_file(path: object, exc: OSError | None = None) -> str:
    """`<path>: <why>`: the one line for a file that cannot be read (see `file_reason`)."""
    return f"{path}: {file_reason(exc)}"
