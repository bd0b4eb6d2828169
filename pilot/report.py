"""A pilot's report, accumulated from its result records one at a time.

Pure: no I/O, no clock, no SDK; the shell (`pilot.runner`, `commands.pilot`, the Live pilot page) reads files,
talks to the API and passes `now` in.

first-pass success rate: usable results / requests in the pilot [share];
turnaround: batch `created_at` → `ended_at` [h].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from costmodel._base import NonNegFloat, Share, StrictModel
from costmodel.limits import WEB_SEARCH_USD_PER_USE
from costmodel.measurement import PilotMeasurement
from costmodel.prices import Catalog, ModelPricing
from pilot.checks import OutputCheck, check_output, result_text

__all__ = ["PilotReport", "ReportAccumulator"]

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
            self._pricing[model] = self._catalog.find(model)
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
