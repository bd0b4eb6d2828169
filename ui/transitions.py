"""Honest transitions: what an action is about to change, said before it happens (pure: no Streamlit).

- Applying a pilot measurement: the fields it changes, before → after, for the user to confirm.
- A preset's assumptions the inputs do not show at first (closed sections): listed, with one click to clear.
- A blank workflow to start from, with none of a preset's hidden settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from costmodel import formatting
from costmodel.workflow import SlaSpec, Workflow

__all__ = [
    "BLANK_WORKFLOW",
    "HIDDEN_ASSUMPTION_FIELDS",
    "Change",
    "cleared",
    "hidden_assumptions",
    "workflow_changes",
]

BLANK_WORKFLOW = Workflow(name="New workflow", requests_per_day=1_000, input_tokens=2_000, output_tokens=500)
"""A new workflow's starting point: every assumption at its neutral default (no caching, no overheads, no
urgent share, no SLA); type your own volume and tokens over it."""

HIDDEN_ASSUMPTION_FIELDS = (
    "cached_input_tokens", "cache_hit_rate", "batch_cache_hit_rate", "refinement_hours", "ops_hours_per_month",
    "hourly_rate_usd", "amortize_months", "delay_cost_per_item_hour_usd", "blocking", "streaming", "tool_turns",
    "urgent_share", "failures_on_sync_too",
)  # fmt: skip
"""Workflow fields whose sections start closed: a preset's values there change the numbers out of sight."""

_LABELS = {
    "success_rate": "first-pass success rate",
    "input_tokens": "input tokens / request",
    "output_tokens": "output tokens / request",
    "cached_input_tokens": "cacheable prefix tokens",
    "batch_cache_hit_rate": "batch cache hit rate",
    "cache_hit_rate": "sync cache hit rate",
    "billed_failure_share": "billed share of a failed attempt",
    "median_processing_hours": "median turnaround",
    "p90_processing_hours": "p90 turnaround",
    "expired_share": "expired share",
}


@dataclass(frozen=True)
class Change:
    """One field an action changes: its label and its value before and after, formatted for people."""

    field: str
    """Model field name (`sla.` prefix for SLA fields)."""
    label: str
    """What people call it."""
    before: str
    """Shown value now."""
    after: str
    """Shown value after the action."""


def _show(field: str, value: Any) -> str:
    if value is None:
        return formatting.NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.endswith("_hours"):
        return formatting.hours(value)
    if field.endswith("_usd"):
        return formatting.usd(value)
    if field.endswith(("_rate", "_share")):
        return formatting.share(value)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() or value >= 100 else f"{value:,.4g}"
    return str(value)


def workflow_changes(before: Workflow, after: Workflow) -> list[Change]:
    """Every field whose value differs between two workflows (SLA fields included), in the model's order."""
    changes = []
    old, new = before.model_dump(exclude={"sla"}), after.model_dump(exclude={"sla"})
    for field in Workflow.model_fields:
        if field in old and old[field] != new[field]:
            label = _LABELS.get(field, field.replace("_", " "))
            changes.append(Change(field, label, _show(field, old[field]), _show(field, new[field])))
    if before.sla != after.sla:
        old_sla = before.sla.model_dump() if before.sla else {}
        new_sla = after.sla.model_dump() if after.sla else {}
        for field in SlaSpec.model_fields:
            if old_sla.get(field) != new_sla.get(field):
                label = _LABELS.get(field, field.replace("_", " "))
                changes.append(
                    Change(f"sla.{field}", label, _show(field, old_sla.get(field)), _show(field, new_sla.get(field)))
                )
    return changes


def hidden_assumptions(workflow: Workflow, *, overhead_per_month_usd: float) -> list[str]:
    """The workflow's non-default settings in sections that start closed, in words: `prompt caching 60 %`…"""
    w = workflow
    found = []
    if w.cached_input_tokens > 0 and (w.cache_hit_rate > 0 or w.batch_cache_hit_rate > 0):
        found.append(
            f"prompt caching of a {w.cached_input_tokens:,.0f}-token prefix ({formatting.share(w.cache_hit_rate)} "
            f"hits on sync, {formatting.share(w.batch_cache_hit_rate)} on batch)"
        )
    if overhead_per_month_usd > 0:
        found.append(f"overheads {formatting.usd(overhead_per_month_usd)}/month")
    if w.delay_cost_per_item_hour_usd > 0:
        found.append(f"cost of waiting {formatting.usd(w.delay_cost_per_item_hour_usd)} per item-hour")
    if w.urgent_share > 0:
        found.append(f"urgent share {formatting.share(w.urgent_share)}")
    if w.blocking:
        found.append("blocking (someone waits on each result)")
    if w.streaming:
        found.append("responses must stream")
    if w.tool_turns > 1:
        found.append(f"{w.tool_turns} client tool turns")
    if w.failures_on_sync_too:
        found.append("failures happen on sync too")
    return found


def cleared(workflow: Workflow) -> Workflow:
    """`workflow` with every hidden assumption back at its neutral default; what the user sees stays."""
    defaults = {name: Workflow.model_fields[name].default for name in HIDDEN_ASSUMPTION_FIELDS}
    return Workflow.model_validate({**workflow.model_dump(), **defaults})
