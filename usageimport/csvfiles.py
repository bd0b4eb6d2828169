"""CSV imports: Console usage and cost exports and per-request logs, header-driven and chunked.

Only the columns the import uses are read (`usecols`), in chunks, so memory grows with the
used columns, not the file. Line numbers in messages are file lines (1 = the header); blank
lines are read as empty rows so the numbering stays true, then ignored and counted.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from usageimport.columns import COST_ALIASES, TOKEN_COLUMNS, USAGE_ALIASES, find_columns, normalize_header
from usageimport.tables import ImportResult, UsageImportError

__all__ = ["CHUNK_ROWS", "detect_csv_kind", "read_csv"]

CHUNK_ROWS = 250_000
"""Rows per chunk when reading CSV [rows]."""


def _header(handle: IO[str], source: str) -> list[str]:
    for line in handle:
        if line.strip():
            return next(csv.reader([line]))
    raise UsageImportError([f"{source}: the file is empty (no header line)"])


_DATE_HEADERS = frozenset({"usage_date_utc", "usage_date", "date_utc", "date", "day", "starting_at"})


def detect_csv_kind(headers: list[str]) -> str:
    """`usage_export` (Console usage), `cost_export` (Console cost) or `request_log`, from the header."""
    usage = find_columns(headers, USAGE_ALIASES)
    cost = find_columns(headers, COST_ALIASES)
    has_tokens = any(c in usage for c in TOKEN_COLUMNS)
    if not has_tokens and ("amount_usd" in cost or "amount_cents" in cost):
        return "cost_export"
    # daily (aggregated) exports name a date column; request logs a timestamp
    time_header = normalize_header(usage.get("time", ""))
    if "requests" in usage or time_header in _DATE_HEADERS:
        return "usage_export"
    return "request_log"


def _truncated_last_line(path: Path, n_fields: int) -> bool:
    """True when the file ends without a newline and its last line has fewer fields than the header."""
    with path.open("rb") as f:
        f.seek(0, io.SEEK_END)
        size = f.tell()
        if size == 0:
            return False
        f.seek(max(0, size - 65_536))
        tail = f.read()
    if tail.endswith((b"\n", b"\r")):
        return False
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    fields = next(csv.reader([last]), [])
    return 0 < len(fields) < n_fields


def read_csv(path: str | Path, result: ImportResult, *, source: str | None = None, chunk_rows: int = CHUNK_ROWS) -> str:
    """Import one CSV file into `result`; returns the detected kind. Raises UsageImportError for a bad file."""
    path = Path(path)
    name = source or path.name
    try:
        return _read_csv(path, result, name, chunk_rows)
    except csv.Error as exc:  # the csv module reads the header and the lines pandas cannot judge alone
        if "field larger than field limit" in str(exc):
            raise UsageImportError(
                [f"{name}: a field is longer than {csv.field_size_limit():,} characters; is this a usage export?"]
            ) from None
        raise UsageImportError([f"{name}: cannot read the CSV ({exc}); check its quoting"]) from None


def _read_csv(path: Path, result: ImportResult, name: str, chunk_rows: int) -> str:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            headers = _header(handle, name)
    except UnicodeDecodeError as exc:
        raise UsageImportError(
            [f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV"]
        ) from None
    kind = detect_csv_kind(headers)
    aliases = COST_ALIASES if kind == "cost_export" else USAGE_ALIASES
    found = find_columns(headers, aliases)
    _require(found, kind, name)
    wanted = {original: canonical for canonical, original in found.items()}
    truncated = _truncated_last_line(path, len(headers))
    header_line = _header_line_number(path)
    wide = _wide_lines(path, len(headers), header_line)
    try:
        reader = pd.read_csv(
            path,
            encoding="utf-8-sig",
            usecols=lambda h: h in wanted,
            thousands=",",
            skip_blank_lines=False,
            skiprows=header_line - 1,
            chunksize=chunk_rows,
            engine="c",
            low_memory=False,
        )
        first_line = header_line + 1
        parts: list[tuple[pd.DataFrame, np.ndarray]] = []
        with reader:
            for chunk in reader:
                lines = np.arange(first_line, first_line + len(chunk), dtype=np.int64)
                first_line += len(chunk)
                parts.append(_without_wide_lines(chunk.rename(columns=wanted), lines, wide, result, name))
                if len(parts) > 1:  # keep at most one chunk back, for the truncated-line check
                    _add(result, *parts.pop(0), kind=kind, source=name, found=found)
        if parts:
            frame, lines = parts.pop()
            if truncated and len(frame):
                result.skip(name, int(lines[-1]), "", "truncated line: fewer fields than the header")
                frame, lines = frame.iloc[:-1], lines[:-1]
            _add(result, frame, lines, kind=kind, source=name, found=found)
    except pd.errors.ParserError as exc:
        raise UsageImportError([f"{name}: {_parser_message(exc)}"]) from None
    except pd.errors.EmptyDataError:
        raise UsageImportError([f"{name}: the file is empty"]) from None
    result.sources.append(f"{name} ({kind.replace('_', ' ')})")
    return kind


def _wide_lines(path: Path, n_fields: int, header_line: int, block_bytes: int = 1 << 22) -> frozenset[int]:
    """Lines (1-based) with more fields than the header: an unquoted comma (e.g. `1,000`) shifts every
    column after it, and pandas' `usecols` would drop the extra fields silently.

    Counts commas per line with numpy in blocks; only lines with quotes are re-read with `csv`.
    """
    wide: set[int] = set()
    first_line = 1
    carry = b""
    with path.open("rb") as f:
        while True:
            block = f.read(block_bytes)
            data = carry + block
            if not data:
                break
            if block:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
            else:
                carry = b""
            arr = np.frombuffer(data, dtype=np.uint8)
            newlines = np.flatnonzero(arr == ord("\n"))
            ends = newlines if data.endswith(b"\n") else np.append(newlines, len(arr))
            starts = np.concatenate(([0], ends[:-1] + 1))
            # running counts (int32: a block is a few MB) differenced at line bounds
            comma_run = np.concatenate(([0], np.cumsum(arr == ord(","), dtype=np.int32)))
            quote_run = np.concatenate(([0], np.cumsum(arr == ord('"'), dtype=np.int32)))
            commas = comma_run[ends] - comma_run[starts]
            quotes = quote_run[ends] - quote_run[starts]
            for i in np.flatnonzero(commas >= n_fields):
                line = first_line + int(i)
                if line <= header_line:
                    continue
                if quotes[i] == 0:
                    wide.add(line)
                    continue
                end = int(starts[i + 1]) if i + 1 < len(starts) else len(data)
                text = data[int(starts[i]) : end].decode("utf-8", errors="replace")
                if len(next(csv.reader([text]), [])) > n_fields:
                    wide.add(line)
            first_line += len(starts)
            if not block:
                break
    return frozenset(wide)


def _without_wide_lines(
    chunk: pd.DataFrame, lines: np.ndarray, wide: frozenset[int], result: ImportResult, source: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """Skip the chunk's lines that have more fields than the header, with their reason."""
    if not wide:
        return chunk, lines
    bad = np.isin(lines, np.fromiter(wide, dtype=np.int64))
    for line in lines[bad]:
        result.skip(source, int(line), "", "more fields than the header (an unquoted comma, e.g. in 1,000?)")
    return (chunk.loc[~bad], lines[~bad]) if bad.any() else (chunk, lines)


def _header_line_number(path: Path) -> int:
    """1-based line of the header (leading blank lines allowed)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                return number
    return 1


def _add(
    result: ImportResult, frame: pd.DataFrame, lines: np.ndarray, *, kind: str, source: str, found: dict[str, str]
) -> None:
    if kind == "cost_export":
        if "amount_usd" not in frame.columns:
            frame = frame.assign(amount_usd=pd.to_numeric(frame["amount_cents"], errors="coerce") / 100)
            found = {**found, "amount_usd": found["amount_cents"]}
        result.add_billed(frame, lines, source=source, headers=found)
    else:
        result.add_usage(frame, lines, source=source, headers=found, per_request=kind == "request_log")


def _require(found: dict[str, str], kind: str, source: str) -> None:
    problems = []
    if "time" not in found:
        problems.append(f"{source}: no date or timestamp column (looked for {', '.join(USAGE_ALIASES['time'])})")
    if kind == "cost_export":
        pass
    else:
        if "model" not in found:
            problems.append(f"{source}: no model column (looked for {', '.join(USAGE_ALIASES['model'])})")
        if "output_tokens" not in found:
            problems.append(
                f"{source}: no output token column (looked for {', '.join(USAGE_ALIASES['output_tokens'])})"
            )
        if not any(c in found for c in TOKEN_COLUMNS if c != "output_tokens"):
            problems.append(
                f"{source}: no input token column (looked for {', '.join(USAGE_ALIASES['uncached_input_tokens'])})"
            )
    if problems:
        raise UsageImportError(problems)


def _parser_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1]
    text = text.replace("Error tokenizing data. C error: ", "")
    return f"cannot read the CSV ({text}); check that line's quoting and number of commas"
