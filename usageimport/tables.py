"""Canonical import tables: parsed chunks from any source become one `UsageColumns` and `BilledColumns`.

Every parser feeds pandas frames with canonical column names (see `columns.py`) plus the
file line of each row; this module validates them row by row (vectorised), records every
skipped row with its reason, and accumulates numpy columns with global model/tag code tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from costmodel.usage import LC_BASE, LC_LONG, LC_PER_REQUEST, TIER_OTHER, UsageColumns
from usageimport.columns import NUMBER_COLUMNS, TIER_UNKNOWN_CODE, TOKEN_COLUMNS, context_window_start, tier_code
from usageimport.summary import BilledColumns

__all__ = ["EARLIEST_DAY", "LATEST_DAY", "MAX_SPAN_DAYS", "ImportResult", "SkippedRow", "UsageImportError"]

_MAX_LISTED_SKIPS = 200
_EPOCH_DAY_NS = 86_400
_EPOCH = date(1970, 1, 1)
EARLIEST_DAY = date(2020, 1, 1)
"""Earliest usage date accepted: before Anthropic's API existed, a date this old is a typo or a placeholder."""
LATEST_DAY = date(2100, 12, 31)
"""Latest usage date accepted (later ones are typos or placeholders such as 9999-12-31)."""
MAX_SPAN_DAYS = 400
"""Longest period one import may span [days]: a month or a year of usage is the use; 0001-01-01 … 9999-12-31
would make a 3.6-million-day daily series (a 42 s page rerun)."""
MAX_NAME_CHARS = 200
"""Longest model name or workflow tag accepted [characters]; longer is not a name (a shifted column?)."""
MAX_CELL_VALUE = 1e15
"""Largest token count, request count or amount one row may carry: a quadrillion tokens is no day's usage,
and sums of larger values overflow to inf."""
_SHOWN_CHARS = 60
"""Longest cell value quoted in a skipped-row reason [characters]."""


def _shown(value: object) -> str:
    """`repr(value)`, cut to a readable length (a 128 KiB field is not echoed whole)."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 1]}…"


def _flags_or_none(flags: np.ndarray) -> np.ndarray | None:
    """None when no row is flagged (the core reads None as all False)."""
    return flags if flags.any() else None


def _day(day_number: int) -> date:
    return _EPOCH + timedelta(days=day_number)


class UsageImportError(ValueError):
    """A file or response that cannot be imported; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class SkippedRow:
    """A row left out of the import, and why."""

    source: str
    """File name or URL path."""
    line: int
    """Line in the file (1 = header) or record number [line]."""
    column: str
    """Column (header as written) that made the row unusable, or `` for the whole row."""
    reason: str
    """What was wrong, in words."""

    def message(self) -> str:
        """`file.csv line 7, column output_tokens: 'abc' is not a number`."""
        column = f", column {self.column}" if self.column else ""
        return f"{self.source} line {self.line}{column}: {self.reason}"


def _codes(values: pd.Series, table: dict[str, int]) -> np.ndarray:
    """Global codes for string values (factorized once per chunk, mapped through `table`)."""
    local_codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapping = np.empty(len(uniques) + 1, dtype=np.int64)
    mapping[-1] = -1
    for i, u in enumerate(uniques):
        mapping[i] = table.setdefault(str(u).strip(), len(table))
    return np.asarray(mapping[local_codes], dtype=np.int64)


@dataclass
class ImportResult:
    """Everything imported so far: usage rows, billed amounts, skipped rows and notes."""

    sources: list[str] = field(default_factory=list)
    """Files (or fetches) imported, with their detected format."""
    skipped: list[SkippedRow] = field(default_factory=list)
    """Rows left out, with reasons (the first 200 kept in full)."""
    skipped_count: int = 0
    """All rows left out [rows]."""
    blank_lines: int = 0
    """Empty lines ignored [lines]."""
    notes: list[str] = field(default_factory=list)
    """Assumptions the import made (e.g. cache writes without a TTL counted as 5-minute)."""
    warnings: list[str] = field(default_factory=list)
    """What the source cannot show, to be shown with the figures (e.g. a legacy report without speed or geo)."""
    _model_table: dict[str, int] = field(default_factory=dict)
    _tag_table: dict[str, int] = field(default_factory=dict)
    _usage_parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    _billed_model_table: dict[str, int] = field(default_factory=dict)
    _billed_parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    other_tier_values: dict[str, int] = field(default_factory=dict)
    """Service tier values that are neither standard nor batch → rows."""
    request_quarters: dict[int, int] = field(default_factory=dict)
    """Request-log rows imported per UTC quarter-hour (quarter-hours since 1970-01-01 → requests): the arrival
    profile in any time zone, exactly (every zone's offset is whole quarter-hours)."""

    # --- recording -----------------------------------------------------------------------------

    def skip(self, source: str, line: int, column: str, reason: str, count: int = 1) -> None:
        """Record a skipped row (only the first rows are kept in full; all are counted)."""
        self.skipped_count += count
        if len(self.skipped) < _MAX_LISTED_SKIPS:
            self.skipped.append(SkippedRow(source, line, column, reason))

    def note(self, text: str) -> None:
        """Record an assumption once."""
        if text not in self.notes:
            self.notes.append(text)

    @property
    def usage_rows(self) -> int:
        """Usage rows imported [rows]."""
        return sum(len(p["model"]) for p in self._usage_parts)

    @property
    def billed_rows(self) -> int:
        """Cost-report rows imported [rows]."""
        return sum(len(p["model"]) for p in self._billed_parts)

    def _days(
        self, frame: pd.DataFrame, lines: np.ndarray, source: str, headers: dict[str, str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """UTC day and UTC quarter-hour per row (both since 1970-01-01), and a mask of rows whose time parsed."""
        raw = frame["time"]
        parsed = pd.to_datetime(raw, utc=True, format="ISO8601", errors="coerce")
        ok = np.array(parsed.notna().to_numpy(), dtype=bool)
        for i in np.flatnonzero(~ok):
            value = raw.iloc[i]
            reason = "no date" if pd.isna(value) or str(value).strip() == "" else f"{_shown(value)} is not a date"
            self.skip(source, int(lines[i]), headers["time"], reason)
        naive = parsed.dt.tz_localize(None).to_numpy()
        days = np.zeros(len(frame), dtype=np.int64)
        days[ok] = naive[ok].astype("datetime64[D]").astype(np.int64)
        quarters = np.zeros(len(frame), dtype=np.int64)
        quarters[ok] = naive[ok].astype("datetime64[m]").astype(np.int64) // 15
        earliest, latest = (d.toordinal() - _EPOCH.toordinal() for d in (EARLIEST_DAY, LATEST_DAY))
        outside = ok & ((days < earliest) | (days > latest))
        for i in np.flatnonzero(outside):
            self.skip(
                source,
                int(lines[i]),
                headers["time"],
                f"{_day(int(days[i]))} is outside {EARLIEST_DAY} … {LATEST_DAY} (a typo or a placeholder date?)",
            )
        return days, quarters, ok & ~outside

    def _numbers(
        self, frame: pd.DataFrame, name: str, lines: np.ndarray, source: str, headers: dict[str, str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """A numeric column as float64 (thousands separators allowed) and a mask of valid rows."""
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col.dtype):
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.zeros(len(col), dtype=bool)
        else:
            text = col.astype("string").str.strip().str.replace(",", "", regex=False).str.replace("_", "", regex=False)
            values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.isnan(values) & text.notna().to_numpy() & (text.fillna("") != "").to_numpy()
            for i in np.flatnonzero(bad):
                self.skip(source, int(lines[i]), headers[name], f"{_shown(col.iloc[i])} is not a number")
        negative = values < 0
        for i in np.flatnonzero(negative & ~bad):
            self.skip(source, int(lines[i]), headers[name], f"{values[i]:g} is negative")
        huge = ~np.isnan(values) & ~(values <= MAX_CELL_VALUE) & ~negative  # inf included
        for i in np.flatnonzero(huge & ~bad):
            self.skip(source, int(lines[i]), headers[name], f"{values[i]:g} is too large (at most {MAX_CELL_VALUE:g})")
        return values, ~(bad | negative | huge)

    # --- usage ---------------------------------------------------------------------------------

    def add_usage(
        self,
        frame: pd.DataFrame,
        lines: np.ndarray,
        *,
        source: str,
        headers: dict[str, str],
        per_request: bool,
    ) -> None:
        """Validate and keep a chunk of usage rows (canonical columns; `headers` maps them to the file's)."""
        if len(frame) == 0:
            return
        numbers = [c for c in NUMBER_COLUMNS if c in frame.columns]
        blank = frame[[c for c in ("time", "model", *numbers) if c in frame.columns]].isna().all(axis=1).to_numpy()
        if blank.any():
            self.blank_lines += int(blank.sum())
            frame, lines = frame.loc[~blank], lines[~blank]
            if len(frame) == 0:
                return
        days, quarters, ok = self._days(frame, lines, source, headers)
        model_text = frame["model"].astype("string").str.strip()
        has_model = (model_text.notna() & (model_text != "")).to_numpy()
        for i in np.flatnonzero(~has_model & ok):
            self.skip(source, int(lines[i]), headers["model"], "no model")
        ok &= has_model
        model_text, long_model = self._bounded_names(model_text, "model", lines, ok, source, headers)
        ok &= ~long_model
        tag_text = None
        if "tag" in frame.columns:
            tag_text, long_tag = self._bounded_names(
                frame["tag"].astype("string").str.strip(), "tag", lines, ok, source, headers
            )
            ok &= ~long_tag
        values: dict[str, np.ndarray] = {}
        for name in numbers:
            values[name], valid = self._numbers(frame, name, lines, source, headers)
            ok &= valid
        output_missing = np.isnan(values["output_tokens"])
        any_token = np.zeros(len(frame), dtype=bool)
        for name in TOKEN_COLUMNS:
            if name in values:
                any_token |= ~np.isnan(values[name])
        for i in np.flatnonzero(ok & ~any_token):
            self.skip(source, int(lines[i]), "", "no token counts")
        ok &= any_token
        for i in np.flatnonzero(ok & output_missing & per_request):
            self.skip(source, int(lines[i]), headers["output_tokens"], "no output token count (truncated line?)")
        if per_request:
            ok &= ~output_missing
        zeros = np.zeros(len(frame))
        column = {name: np.nan_to_num(values.get(name, zeros)) for name in TOKEN_COLUMNS}
        if "cache_write_total_tokens" in values:
            total = column["cache_write_total_tokens"]
            if "cache_write_5m_tokens" not in values:
                column["cache_write_5m_tokens"] = np.maximum(total - column["cache_write_1h_tokens"], 0.0)
                if "cache_write_1h_tokens" not in values:
                    self.note(
                        f"{source}: cache writes without a TTL split are counted as 5-minute writes "
                        "(the API's default TTL)"
                    )
        default_requests = 1.0 if per_request else np.nan
        requests = values["requests"] if "requests" in values else np.full(len(frame), default_requests)
        if per_request:
            hint = np.full(len(frame), LC_PER_REQUEST, dtype=np.int64)
        elif "context_window" in frame.columns:
            # a group starting above 0 (`200k-1M`, Haiku 5.5's `100k-…`) holds only requests past the step
            local, uniques = pd.factorize(frame["context_window"].astype("string"), use_na_sentinel=True)
            starts = [context_window_start(u) for u in uniques]
            by_value = np.array([LC_LONG if (x or 0) > 0 else LC_BASE for x in starts] + [LC_BASE], dtype=np.int64)
            hint = by_value[local]
        else:
            hint = np.full(len(frame), LC_BASE, dtype=np.int64)
            self.note(f"{source}: aggregated rows without a context_window are priced at base (≤200k-token) rates")
        tiers = self._tiers(frame)
        if "tier" not in frame.columns:
            self.note(
                f"{source}: no service tier column: its rows are 'tier unknown' (priced at standard rates, "
                "not discounted, not moved to batch)"
            )
        fast = self._flag(frame, "speed", "fast")
        geo_us = self._flag(frame, "inference_geo", "us")
        tags = (
            _codes(tag_text.replace("", pd.NA), self._tag_table)
            if tag_text is not None
            else np.full(len(frame), -1, dtype=np.int64)
        )
        part = {
            "model": _codes(model_text, self._model_table)[ok],
            "tier": tiers[ok],
            "tag": tags[ok],
            "day": days[ok],
            "requests": requests[ok],
            "hint": hint[ok],
            "web_search_requests": np.nan_to_num(values.get("web_search_requests", zeros))[ok],
            "fast": fast[ok],
            "geo_us": geo_us[ok],
        }
        for name in ("uncached_input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens"):
            part[name] = column[name][ok]
        part["cache_read_tokens"] = column["cache_read_tokens"][ok]
        part["output_tokens"] = column["output_tokens"][ok]
        self._usage_parts.append(part)
        if per_request:
            seen, counts = np.unique(quarters[ok], return_counts=True)
            for quarter, count in zip(seen.tolist(), counts.tolist(), strict=True):
                self.request_quarters[quarter] = self.request_quarters.get(quarter, 0) + count

    def _bounded_names(
        self, names: pd.Series, column: str, lines: np.ndarray, ok: np.ndarray, source: str, headers: dict[str, str]
    ) -> tuple[pd.Series, np.ndarray]:
        """Names with those over MAX_NAME_CHARS blanked (never put in a name table), and a mask of them."""
        lengths = names.str.len().fillna(0).to_numpy()
        long = lengths > MAX_NAME_CHARS
        for i in np.flatnonzero(long & ok):
            reason = f"{column} is {int(lengths[i]):,} characters (at most {MAX_NAME_CHARS})"
            self.skip(source, int(lines[i]), headers[column], reason)
        return (names.mask(long) if long.any() else names), long

    @staticmethod
    def _flag(frame: pd.DataFrame, column: str, value: str) -> np.ndarray:
        """True where `column` (e.g. speed, inference_geo) reads `value`, case-insensitively."""
        if column not in frame.columns:
            return np.zeros(len(frame), dtype=bool)
        text = frame[column].astype("string").str.strip().str.lower()
        return np.asarray((text == value).fillna(False).to_numpy(), dtype=bool)

    def _tiers(self, frame: pd.DataFrame) -> np.ndarray:
        """Tier code per row; no tier column or an empty cell is `tier unknown`, never standard."""
        if "tier" not in frame.columns:
            return np.full(len(frame), TIER_UNKNOWN_CODE, dtype=np.int64)
        local, uniques = pd.factorize(frame["tier"].astype("string"), use_na_sentinel=True)
        mapping = np.array([tier_code(u) for u in uniques] + [TIER_UNKNOWN_CODE], dtype=np.int64)
        codes = np.asarray(mapping[local], dtype=np.int64)
        for i, u in enumerate(uniques):
            if mapping[i] == TIER_OTHER:
                self.other_tier_values[str(u)] = self.other_tier_values.get(str(u), 0) + int((local == i).sum())
        return codes

    # --- billed --------------------------------------------------------------------------------

    def add_billed(self, frame: pd.DataFrame, lines: np.ndarray, *, source: str, headers: dict[str, str]) -> None:
        """Validate and keep a chunk of cost rows (canonical `time`, `amount_usd`, optional model/tier)."""
        if len(frame) == 0:
            return
        blank = frame[[c for c in ("time", "amount_usd") if c in frame.columns]].isna().all(axis=1).to_numpy()
        if blank.any():
            self.blank_lines += int(blank.sum())
            frame, lines = frame.loc[~blank], lines[~blank]
        days, _, ok = self._days(frame, lines, source, headers)
        amount = frame["amount_usd"]
        if not pd.api.types.is_numeric_dtype(amount.dtype):
            frame = frame.assign(amount_usd=amount.astype("string").str.replace("$", "", regex=False))
        values, valid_amount = self._numbers(frame, "amount_usd", lines, source, headers)
        missing = np.isnan(values) & valid_amount
        for i in np.flatnonzero(missing & ok):
            self.skip(source, int(lines[i]), headers["amount_usd"], "no amount")
        ok &= valid_amount & ~missing
        if "model" in frame.columns:
            model = frame["model"].astype("string").str.strip().replace("", pd.NA)
            codes = _codes(model, self._billed_model_table)
        else:
            codes = np.full(len(frame), -1, dtype=np.int64)
        self._billed_parts.append(
            {"model": codes[ok], "tier": self._tiers(frame)[ok], "day": days[ok], "amount_usd": values[ok]}
        )

    # --- results -------------------------------------------------------------------------------

    def usage_columns(self) -> UsageColumns:
        """All usage rows as numpy columns for the core."""

        def cat(name: str, dtype: type) -> np.ndarray:
            parts = [p[name] for p in self._usage_parts]
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        return UsageColumns(
            model_codes=cat("model", np.int64),
            model_names=tuple(self._model_table),
            tier_codes=cat("tier", np.int64),
            uncached_input_tokens=cat("uncached_input_tokens", np.float64),
            cache_write_5m_tokens=cat("cache_write_5m_tokens", np.float64),
            cache_write_1h_tokens=cat("cache_write_1h_tokens", np.float64),
            cache_read_tokens=cat("cache_read_tokens", np.float64),
            output_tokens=cat("output_tokens", np.float64),
            web_search_requests=cat("web_search_requests", np.float64),
            requests=cat("requests", np.float64),
            long_context_hint=cat("hint", np.int64),
            days=cat("day", np.int64),
            tag_codes=cat("tag", np.int64),
            tag_names=tuple(self._tag_table),
            fast=_flags_or_none(cat("fast", bool)),
            geo_us=_flags_or_none(cat("geo_us", bool)),
        )

    def billed_columns(self) -> BilledColumns | None:
        """Billed amounts, or None when no cost report was imported."""
        if not self._billed_parts:
            return None
        parts = self._billed_parts
        return BilledColumns(
            model_codes=np.concatenate([p["model"] for p in parts]),
            model_names=tuple(self._billed_model_table),
            tier_codes=np.concatenate([p["tier"] for p in parts]),
            days=np.concatenate([p["day"] for p in parts]),
            amount_usd=np.concatenate([p["amount_usd"] for p in parts]),
        )

    def span_problem(self) -> str | None:
        """Why the import spans too long a period to analyse (over MAX_SPAN_DAYS), or None."""
        days = [p["day"] for p in (*self._usage_parts, *self._billed_parts) if len(p["day"])]
        if not days:
            return None
        first, last = min(int(d.min()) for d in days), max(int(d.max()) for d in days)
        span = last - first + 1
        if span <= MAX_SPAN_DAYS:
            return None
        return (
            f"the usage spans {span:,} days ({_day(first)} … {_day(last)}); import at most {MAX_SPAN_DAYS} days "
            "at a time: split the files by date, or check the dates for typos"
        )

    def skipped_lines(self) -> list[str]:
        """One line per skipped row (the first ones), then how many more."""
        lines = [s.message() for s in self.skipped]
        if self.skipped_count > len(self.skipped):
            lines.append(f"… and {self.skipped_count - len(self.skipped)} more skipped rows")
        return lines
