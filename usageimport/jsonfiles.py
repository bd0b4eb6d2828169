"""JSON imports: saved Admin API usage and cost report pages, and JSON/JSONL per-request logs.

A report file holds one page (`{data, has_more, next_page}`), a list of pages, or one page per
line; a Usage & Cost Analytics page of flat rows (`data: [{starting_at, model, ...}]`) is regrouped
into the legacy buckets first (`normalize_page`). A log file holds one request per line (or a JSON
list of them), flat or with Anthropic's nested `usage` object
(`usage.cache_creation.ephemeral_1h_input_tokens` …); nested keys are joined with `_` and matched
through the same header aliases as CSV columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel import safejson
from usageimport.columns import USAGE_ALIASES, find_columns
from usageimport.tables import ImportResult, UsageImportError

__all__ = ["add_cost_pages", "add_usage_pages", "is_report_page", "normalize_page", "read_json"]


def is_report_page(obj: object) -> bool:
    """True for an Admin API report page: `{"data": [{"starting_at", "results": [...]}, ...]}`."""
    return (isinstance(obj, dict) and isinstance(obj.get("data"), list) and "has_more" in obj) or (
        isinstance(obj, dict)
        and isinstance(obj.get("data"), list)
        and all(isinstance(b, dict) and "results" in b for b in obj["data"])
        and bool(obj["data"])
    )


def _is_cost_page(page: dict[str, Any]) -> bool:
    for bucket in normalize_page(page).get("data", []):
        results = bucket.get("results") if isinstance(bucket, dict) else None
        for r in results if isinstance(results, list) else []:
            return isinstance(r, dict) and "amount" in r
    return False


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "text"}.get(type(value), type(value).__name__)


def _results(pages: Iterable[Any], source: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(bucket start, result) for every result of every page; a page of the wrong shape is one clear error.

    Shape: `{"data": [{"starting_at": ..., "results": [{...}, ...]}, ...], "has_more": ..., "next_page": ...}`.
    """
    for p, page in enumerate(pages, start=1):
        where = f"{source}: page {p}"
        if not isinstance(page, dict):
            raise UsageImportError([f"{where}: expected a report page (an object with data), got {_kind(page)}"])
        page = normalize_page(page)  # analytics pages of flat rows → buckets
        data = page.get("data", [])
        if not isinstance(data, list):
            raise UsageImportError([f"{where}: data is {_kind(data)}; a report page's data is a list of buckets"])
        for b, bucket in enumerate(data):
            results = (bucket.get("results") or []) if isinstance(bucket, dict) else None
            if not isinstance(results, list):
                raise UsageImportError(
                    [f"{where}: data[{b}] is not a bucket with a results list; is this an Admin API report?"]
                )
            for r, result in enumerate(results or []):
                if not isinstance(result, dict):
                    raise UsageImportError([f"{where}: data[{b}].results[{r}] is {_kind(result)}, not an object"])
                for nested in ("cache_creation", "server_tool_use"):
                    if not isinstance(result.get(nested) or {}, dict):
                        raise UsageImportError([f"{where}: data[{b}].results[{r}].{nested} is not an object"])
                yield bucket.get("starting_at"), result


_BUCKET_START = ("starting_at", "bucket_start", "start", "date")


def normalize_page(page: dict[str, Any]) -> dict[str, Any]:
    """An analytics page in the legacy shape: flat rows regrouped into daily buckets, a nested `usage` merged.

    A page already in the legacy shape (buckets with `results`), or of a shape neither form explains,
    is returned as is (the importer then names what is wrong with it).
    """
    data = page.get("data")
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        return page
    if any("results" in r for r in data):
        if all(isinstance(b.get("results"), list) for b in data):
            return {**page, "data": [{**b, "results": [_merge_usage(r) for r in b["results"]]} for b in data]}
        return page
    if not all(any(k in r for k in _BUCKET_START) for r in data):
        return page
    buckets: dict[Any, dict[str, Any]] = {}
    for row in data:
        start_key = next(k for k in _BUCKET_START if k in row)
        start = row[start_key]
        bucket = buckets.setdefault(
            start, {"starting_at": start, "ending_at": row.get("ending_at") or row.get("bucket_end"), "results": []}
        )
        rest = {k: v for k, v in row.items() if k not in (start_key, "ending_at", "bucket_end")}
        bucket["results"].append(_merge_usage(rest))
    return {**page, "data": list(buckets.values())}


def _merge_usage(row: Any) -> Any:
    """A row with a nested `usage` object gets its fields at the top (the row's own fields win)."""
    if isinstance(row, dict) and isinstance(row.get("usage"), dict):
        return {**row["usage"], **{k: v for k, v in row.items() if k != "usage"}}
    return row


def _flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def add_usage_pages(pages: Iterable[dict[str, Any]], result: ImportResult, *, source: str) -> int:
    """Import usage report pages; returns the number of result rows."""
    records: list[dict[str, Any]] = []
    for starting_at, r in _results(pages, source):
        cache = r.get("cache_creation") or {}
        tools = r.get("server_tool_use") or {}
        records.append(
            {
                "time": starting_at,
                "model": r.get("model") or "(no model group)",
                "tier": r.get("service_tier"),
                "context_window": r.get("context_window"),
                "speed": r.get("speed"),
                "inference_geo": r.get("inference_geo"),
                "uncached_input_tokens": r.get("uncached_input_tokens"),
                "cache_write_5m_tokens": cache.get("ephemeral_5m_input_tokens"),
                "cache_write_1h_tokens": cache.get("ephemeral_1h_input_tokens"),
                "cache_read_tokens": r.get("cache_read_input_tokens"),
                "output_tokens": r.get("output_tokens"),
                "web_search_requests": tools.get("web_search_requests"),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=_USAGE_RECORD_COLUMNS)
    headers = {c: c for c in frame.columns}
    if frame["context_window"].isna().all():
        frame = frame.drop(columns="context_window")
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    result.add_usage(frame, lines, source=source, headers=headers, per_request=False)
    result.note(
        f"{source}: usage reports do not count requests: average tokens per request (for a scenario) need a request log"
    )
    return len(frame)


_USAGE_RECORD_COLUMNS = [
    "time",
    "model",
    "tier",
    "context_window",
    "speed",
    "inference_geo",
    "uncached_input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
    "web_search_requests",
]


def add_cost_pages(pages: Iterable[dict[str, Any]], result: ImportResult, *, source: str) -> int:
    """Import cost report pages (`amount` is a decimal string in cents); returns the number of rows."""
    records = []
    for starting_at, r in _results(pages, source):
        amount = r.get("amount")
        currency = str(r.get("currency") or "USD").upper()[:12]
        if currency != "USD":
            raise UsageImportError([f"{source}: amounts in {currency}; only USD cost reports are supported"])
        try:
            usd = float(amount) / 100 if amount is not None else None
        except (TypeError, ValueError):
            usd = amount  # left as text: reported as "not a number" with its row
        records.append(
            {
                "time": starting_at,
                "model": r.get("model"),
                "tier": r.get("service_tier"),
                "amount_usd": usd,
                "token_type": r.get("token_type"),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=["time", "model", "tier", "amount_usd", "token_type"])
    headers = {c: c for c in frame.columns}
    headers["amount_usd"] = "amount"
    result.add_billed(frame, np.arange(1, len(frame) + 1, dtype=np.int64), source=source, headers=headers)
    return len(frame)


def _log_frame(records: list[dict[str, Any]], lines: list[int], source: str) -> tuple[pd.DataFrame, dict[str, str]]:
    flat = [_flatten(r) for r in records]
    frame = pd.DataFrame.from_records(flat)
    found = find_columns(list(frame.columns), USAGE_ALIASES)
    problems = []
    for need in ("time", "model", "output_tokens"):
        if need not in found:
            problems.append(f"{source}: no {need} field (looked for {', '.join(USAGE_ALIASES[need])})")
    if problems:
        raise UsageImportError(problems)
    frame = frame[list(found.values())].rename(columns={v: k for k, v in found.items()})
    return frame, found


def _pages(text: str, source: str) -> Iterator[tuple[int, Any]]:
    """(line, object) for a whole-file JSON document or for each JSONL line; bad lines yield an error."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise UsageImportError([f"{source}: the file is empty"])
    try:
        whole = safejson.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    if whole is not None:
        items = whole if isinstance(whole, list) else [whole]
        yield from enumerate(items, start=1)
        return
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            yield number, None
            continue
        try:
            yield number, safejson.loads(line)
        except json.JSONDecodeError as exc:
            yield number, exc


def read_json(path: str | Path, result: ImportResult, *, source: str | None = None) -> str:
    """Import a JSON or JSONL file (report pages or request logs); returns the detected kind."""
    path = Path(path)
    name = source or path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageImportError([f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    return read_json_text(text, result, source=name)


def read_json_text(text: str, result: ImportResult, *, source: str) -> str:
    """Import JSON/JSONL text (see `read_json`)."""
    items = list(_pages(text, source))
    objects = [obj for _, obj in items if isinstance(obj, dict)]
    if objects and all(is_report_page(obj) for obj in objects):
        bad = [(n, obj) for n, obj in items if isinstance(obj, Exception)]
        if bad:
            raise UsageImportError([f"{source} line {n}: not valid JSON ({obj})" for n, obj in bad])
        kind = "cost_report" if any(_is_cost_page(p) for p in objects) else "usage_report"
        if kind == "cost_report":
            add_cost_pages(objects, result, source=source)
        else:
            add_usage_pages(objects, result, source=source)
        result.sources.append(f"{source} ({kind.replace('_', ' ')})")
        return kind
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, obj in items:
        if obj is None:
            result.blank_lines += 1
        elif isinstance(obj, Exception):
            last = number == items[-1][0]
            if isinstance(obj, safejson.JsonInputError):
                reason = f"not usable JSON: {obj.msg}"
            elif last:
                reason = "truncated line: not complete JSON"
            else:
                reason = f"not valid JSON ({getattr(obj, 'msg', obj)})"
            result.skip(source, number, "", reason)
        elif not isinstance(obj, dict):
            result.skip(source, number, "", "not a JSON object")
        else:
            records.append(obj)
            lines.append(number)
    if not records:
        first = f"{source}: no usable records (expected report pages or one request per line)"
        raise UsageImportError([first, *result.skipped_lines()[:5]])
    frame, found = _log_frame(records, lines, source)
    result.add_usage(frame, np.asarray(lines, dtype=np.int64), source=source, headers=found, per_request=True)
    result.sources.append(f"{source} (request log)")
    return "request_log"
