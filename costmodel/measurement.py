"""What a pilot measured, in the planner's terms (`PilotMeasurement`), and how it enters a workflow.

The pilot itself (request format, spend, checks, report) lives in the `pilot` package; only its
measurement belongs to the planner.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from costmodel._base import NonNegFloat, PosFloat, Share, StrictModel, SuccessRate
from costmodel.workflow import Workflow

__all__ = ["PilotMeasurement"]

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
