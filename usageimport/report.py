"""Render an analysis: a text table for the terminal, JSON for machines, CSV for exports.

Every rendering carries the assumptions and the price source with the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from costmodel import formatting as fmt
from reports.safe import csv_text
from usageimport.analysis import Analysis
from usageimport.summary import GroupTotals, PlanVsActualRow

__all__ = ["analysis_json", "analysis_text", "day_label", "groups_csv", "plan_csv", "usage_assumptions"]

_EPOCH = date(1970, 1, 1)


def day_label(day: int | None) -> str:
    """ISO date of a day number [days since 1970-01-01]."""
    return "" if day is None else (_EPOCH + timedelta(days=day)).isoformat()


def _group_table(title: str, groups: Sequence[GroupTotals], total: GroupTotals | None) -> list[str]:
    has_billed = any(g.billed_usd is not None for g in groups) or (total is not None and total.billed_usd is not None)
    head = f"{title:<30} {'actual $':>14} {'of which batch $':>17} {'batch what-if $':>16} {'savings $':>14}"
    if has_billed:
        head += f" {'billed $':>14} {'billed − actual':>16}"
    lines = [head, "-" * len(head)]
    for g in [*groups, *([total] if total is not None else [])]:
        row = (
            f"{g.key:<30} {fmt.usd(g.actual_usd):>14} {fmt.usd(g.batch_usd):>17} "
            f"{fmt.usd(g.whatif_usd):>16} {fmt.usd(g.savings_usd):>14}"
        )
        if has_billed:
            row += f" {fmt.usd(g.billed_usd):>14} {fmt.usd(g.billed_difference_usd):>16}"
        lines.append(row)
    return lines


def analysis_text(analysis: Analysis, plan_rows: Sequence[PlanVsActualRow] | None = None) -> str:
    """The terminal report."""
    s, r = analysis.summary, analysis.result
    lines = [f"Imported: {', '.join(r.sources)}"]
    lines.append(
        f"Rows: {r.usage_rows:,} usage, {r.billed_rows:,} cost; skipped {r.skipped_count:,}; "
        f"blank lines {r.blank_lines:,}"
    )
    if s.first_day is not None:
        lines.append(f"Period: {day_label(s.first_day)} … {day_label(s.last_day)} ({s.period_days} days)")
    lines.append("")
    lines += _group_table("Model", s.by_model, s.total)
    if s.by_tag:
        lines.append("")
        lines += _group_table("Workflow tag", s.by_tag, None)
    if s.total.actual_usd > 0:
        lines.append("")
        lines.append(
            f"Batch what-if: {fmt.usd(s.total.whatif_usd)} instead of {fmt.usd(s.total.actual_usd)} "
            f"(savings {fmt.usd(s.total.savings_usd)}, {fmt.share(s.total.savings_share)})"
        )
    if s.fast_rows or s.geo_rows:
        lines.append(
            f"Fast mode: {s.fast_rows:,} rows at fast rates, never moved to batch; "
            f"inference_geo us: {s.geo_rows:,} rows at 1.1× on tokens"
        )
    if analysis.warnings():
        lines.append("")
        lines += [f"Warning: {w}" for w in analysis.warnings()]
    if s.unknown_models:
        lines.append("")
        for name, rows in sorted(s.unknown_models.items()):
            lines.append(f"Unknown model {name!r}: {rows:,} rows not priced (not in the totals)")
    if s.billed_unmatched_usd:
        unmatched = fmt.usd(s.billed_unmatched_usd)
        lines.append(f"Billed amounts without a known model (in the billed total only): {unmatched}")
    if r.other_tier_values:
        values = ", ".join(f"{k!r} ({v:,} rows)" for k, v in sorted(r.other_tier_values.items()))
        lines.append(f"Other service tiers, priced at standard rates and not moved to batch: {values}")
    if plan_rows:
        lines.append("")
        lines += _plan_table(plan_rows)
    lines.append("")
    lines.append("Assumptions:")
    lines += [f"  - {a}" for a in analysis.assumptions()]
    lines.append(f"Prices: {s.price_source}")
    return "\n".join(lines)


def _plan_table(rows: Sequence[PlanVsActualRow]) -> list[str]:
    head = (
        f"{'Plan vs actual (per month)':<30} {'plan req':>11} {'actual req':>11} {'Δ':>7} "
        f"{'plan $':>12} {'actual $':>12} {'Δ':>7}  flag"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        actual_req = fmt.count(r.actual_requests_per_month)
        lines.append(
            f"{r.workflow[:30]:<30} {fmt.count(r.planned_requests_per_month):>11} {actual_req:>11} "
            f"{fmt.change(r.volume_deviation):>7} {fmt.usd(r.planned_spend_per_month_usd):>12} "
            f"{fmt.usd(r.actual_spend_per_month_usd):>12} {fmt.change(r.spend_deviation):>7}  "
            f"{'OFF >20 %' if r.flagged else 'ok'}" + ("" if r.matched_by != "none" else "  (no matching usage)")
        )
    return lines


def analysis_json(analysis: Analysis, plan_rows: Sequence[PlanVsActualRow] | None = None) -> dict[str, Any]:
    """Everything as JSON-ready data, assumptions and price source included."""
    s, r = analysis.summary, analysis.result
    return {
        "sources": r.sources,
        "period": {"first_day": day_label(s.first_day), "last_day": day_label(s.last_day), "days": s.period_days},
        "rows": {
            "usage": r.usage_rows,
            "cost": r.billed_rows,
            "skipped": r.skipped_count,
            "blank_lines": r.blank_lines,
        },
        "skipped": [{"source": k.source, "line": k.line, "column": k.column, "reason": k.reason} for k in r.skipped],
        "total": _group_json(s.total),
        "by_model": [_group_json(g) for g in s.by_model],
        "by_tier": [_group_json(g) for g in s.by_tier],
        "by_tag": [_group_json(g) for g in s.by_tag],
        "unknown_models": s.unknown_models,
        "other_service_tiers": r.other_tier_values,
        "tier_unknown": {
            "rows": s.unknown_tier_rows,
            "actual_usd": s.unknown_tier_usd,
            "share_of_spend": s.unknown_tier_share,
            "treatment": "not discounted, not moved",
        },
        "fast_mode_rows": s.fast_rows,
        "inference_geo_us_rows": s.geo_rows,
        "warnings": list(analysis.warnings()),
        "long_context_rows": s.long_context_rows,
        "billed_unmatched_usd": s.billed_unmatched_usd,
        "plan_vs_actual": None if plan_rows is None else [p.model_dump() for p in plan_rows],
        "assumptions": list(analysis.assumptions()),
        "price_source": s.price_source,
    }


def _group_json(g: GroupTotals) -> dict[str, Any]:
    data = g.model_dump()
    data["billed_difference_usd"] = g.billed_difference_usd
    return data


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A CSV pandas opens as is (assumptions in `usage_assumptions`), money to the cent, no cell a formula."""
    cents = [c.endswith("_usd") for c in columns]
    rounded = [[round(v, 2) if money and isinstance(v, float) else v for v, money in zip(row, cents, strict=True)]
               for row in rows]  # fmt: skip
    return csv_text(columns, rounded)


def usage_assumptions(analysis: Analysis) -> str:
    """The CSV downloads' sidecar: price source, warnings, pricing assumptions and import notes, one per line."""
    warnings = [f"warning: {w}" for w in analysis.warnings()]
    return "\n".join([f"prices: {analysis.summary.price_source}", *warnings, *analysis.assumptions()]) + "\n"


def groups_csv(analysis: Analysis) -> str:
    """Per model, tier and tag totals as CSV; the assumptions and price source are in `usage_assumptions`."""
    s = analysis.summary
    columns = [
        "group",
        "key",
        "rows",
        "requests",
        "input_tokens",
        "output_tokens",
        "actual_usd",
        "batch_usd",
        "whatif_usd",
        "savings_usd",
        "billed_usd",
    ]
    rows = [
        [kind, *(getattr(g, c) for c in columns[1:])]
        for kind, groups in (("model", s.by_model), ("tier", s.by_tier), ("tag", s.by_tag), ("total", [s.total]))
        for g in groups
    ]
    return _csv(columns, rows)


def plan_csv(analysis: Analysis, plan_rows: Sequence[PlanVsActualRow]) -> str:
    """Plan vs actual as CSV; the assumptions and price source are in `usage_assumptions`."""
    columns = list(PlanVsActualRow.model_fields)
    rows = [[getattr(r, c) for c in columns] for r in plan_rows]
    return _csv(columns, rows)
