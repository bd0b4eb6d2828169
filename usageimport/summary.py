"""Reports on imported usage: totals by model, tier, tag and day, billed vs priced, and plan vs actual.

Pure (numpy only): the priced rows come from `costmodel.usage.price_usage`, the planner's vectorised
pricing; nothing here reads files, talks to the network or reads the clock. Amounts are USD, token
counts tokens, shares in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from costmodel import formatting as fmt
from costmodel._base import StrictModel
from costmodel.limits import INFERENCE_GEO_MULTIPLIERS, WEB_SEARCH_USD_PER_USE
from costmodel.prices import Catalog
from costmodel.usage import (
    DAYS_PER_MONTH,
    TIER_BATCH,
    TIER_UNKNOWN,
    TIERS,
    FloatArray,
    IntArray,
    PricedUsage,
    UsageError,
    WhatIfAssumptions,
)

if TYPE_CHECKING:
    from costmodel.workflow import Workflow

__all__ = [
    "PLAN_TOLERANCE",
    "BilledColumns",
    "GroupTotals",
    "PlanVsActualRow",
    "UsageSummary",
    "plan_vs_actual",
    "summarize",
]

PLAN_TOLERANCE = 0.2
"""Plan vs actual: a workflow is flagged when volume or spend is more than this share off [share]."""


@dataclass(frozen=True)
class BilledColumns:
    """Billed amounts from a cost report, per row."""

    model_codes: IntArray
    """Index into `model_names`; -1 = not a model cost (e.g. a workspace-level charge)."""
    model_names: tuple[str, ...]
    """Model ids as written in the cost report."""
    tier_codes: IntArray
    """Service tier per row."""
    days: IntArray
    """UTC day [days since 1970-01-01]."""
    amount_usd: FloatArray
    """Billed amount [USD] (cost reports give cents; the shell converts)."""


# --- summaries ---------------------------------------------------------------------------------


class GroupTotals(StrictModel):
    """Totals for one model, tag, tier or the whole import."""

    key: str
    """Model id, tag, tier name, or `total`."""
    rows: int
    """Rows in the group."""
    requests: float | None
    """Requests, when every row of the group counts them [requests]."""
    input_tokens: float
    """Total input, cache included [tokens]."""
    output_tokens: float
    """Output [tokens]."""
    standard_usd: float
    """Actual spend of rows not on batch: standard, other and tier-unknown rows [USD]."""
    batch_usd: float
    """Actual spend of rows that already ran on batch [USD]."""
    batch_token_share: float
    """Share of the group's input tokens that ran on batch [share]."""
    actual_usd: float
    """Actual spend at catalog prices [USD]."""
    whatif_usd: float
    """Spend under the batch what-if [USD]."""
    savings_usd: float
    """actual − what-if [USD]."""
    billed_usd: float | None = None
    """Billed amount from a cost report, where one was imported [USD]."""

    @property
    def savings_share(self) -> float:
        """Savings / actual spend (0 when nothing was spent) [share]."""
        return self.savings_usd / self.actual_usd if self.actual_usd > 0 else 0.0

    @property
    def billed_difference_usd(self) -> float | None:
        """billed − catalog-priced actual [USD]."""
        return None if self.billed_usd is None else self.billed_usd - self.actual_usd


class UsageSummary(StrictModel):
    """Everything the CLI prints and the page shows about an import, with its assumptions."""

    total: GroupTotals
    """All known-model rows."""
    by_model: tuple[GroupTotals, ...]
    """Per catalog model id (unknown models by their name, priced at 0 and listed in `unknown_models`)."""
    by_tier: tuple[GroupTotals, ...]
    """Per service tier."""
    by_tag: tuple[GroupTotals, ...]
    """Per workflow tag (`(untagged)` for rows without one); empty when the source has no tags."""
    daily_days: tuple[int, ...]
    """Days of the daily series [days since 1970-01-01]."""
    daily_models: tuple[str, ...]
    """Models of the daily series."""
    daily_actual_usd: tuple[tuple[float, ...], ...]
    """Actual spend [USD], one tuple per model over `daily_days`."""
    daily_whatif_usd: tuple[float, ...]
    """What-if spend over `daily_days`, all models [USD]."""
    first_day: int | None
    """First UTC day of the import [days since 1970-01-01]."""
    last_day: int | None
    """Last UTC day of the import [days since 1970-01-01]."""
    unknown_models: dict[str, int]
    """Model names the catalog does not know → rows (not priced, not in totals)."""
    long_context_rows: int
    """Rows priced at long-context rates."""
    billed_unmatched_usd: float = 0.0
    """Billed amounts not attributable to a known model [USD]."""
    unknown_tier_rows: int = 0
    """Rows with no service tier: priced at standard rates, not discounted and not moved [rows]."""
    unknown_tier_usd: float = 0.0
    """Their spend at standard rates [USD] (up to half of it too much, if they ran on batch)."""
    unknown_tier_share: float = 0.0
    """`unknown_tier_usd` / actual spend [share]."""
    fast_rows: int = 0
    """Rows priced at fast-mode rates (never moved to batch) [rows]."""
    geo_rows: int = 0
    """Rows priced with the `inference_geo: us` multiplier [rows]."""
    warnings: tuple[str, ...] = ()
    """What the import cannot know or had to assume about the figures, one sentence each."""
    assumptions: tuple[str, ...]
    """Every assumption behind the figures."""
    price_source: str
    """Price source line."""

    @property
    def period_days(self) -> int:
        """Days spanned by the import, first to last inclusive [days]."""
        return 0 if self.first_day is None or self.last_day is None else self.last_day - self.first_day + 1


def _group(
    priced: PricedUsage,
    codes: IntArray,
    keys: Sequence[str],
    known: npt.NDArray[np.bool_],
    billed: Sequence[float | None] | None = None,
) -> list[GroupTotals]:
    """Totals per code (bincount); rows of unknown models count in `rows` but add no money."""
    c = priced.columns
    n = len(keys)

    def s(weights: FloatArray, mask: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        w = weights if mask is None else np.where(mask, weights, 0.0)
        out: FloatArray = np.bincount(codes, weights=w, minlength=n)[:n].astype(np.float64)
        return out

    money = {
        "actual": s(np.nan_to_num(priced.actual_usd)),
        "whatif": s(np.nan_to_num(priced.whatif_usd)),
        "batch": s(np.nan_to_num(priced.actual_usd), known & (c.tier_codes == TIER_BATCH)),
    }
    requests = s(np.nan_to_num(c.requests))
    requests_missing = s(np.isnan(c.requests).astype(np.float64))
    rows: IntArray = np.bincount(codes, minlength=n)[:n]
    total_input = c.total_input_tokens()
    input_tokens = s(total_input)
    batch_input = s(total_input, c.tier_codes == TIER_BATCH)
    output_tokens = s(c.output_tokens)
    result = []
    for i, key in enumerate(keys):
        if rows[i] == 0:
            continue
        result.append(
            GroupTotals(
                key=key,
                rows=int(rows[i]),
                requests=None if requests_missing[i] > 0 else float(requests[i]),
                input_tokens=float(input_tokens[i]),
                output_tokens=float(output_tokens[i]),
                standard_usd=float(money["actual"][i] - money["batch"][i]),
                batch_usd=float(money["batch"][i]),
                batch_token_share=float(batch_input[i] / input_tokens[i]) if input_tokens[i] > 0 else 0.0,
                actual_usd=float(money["actual"][i]),
                whatif_usd=float(money["whatif"][i]),
                savings_usd=float(money["actual"][i] - money["whatif"][i]),
                billed_usd=None if billed is None else billed[i],
            )
        )
    return result


def _model_keys(priced: PricedUsage) -> tuple[list[str], IntArray]:
    """Group keys per row: the catalog id (dated ids merge), or the raw name for unknown models."""
    names = [rid or name for rid, name in zip(priced.resolved_model_ids, priced.columns.model_names, strict=True)]
    keys = sorted(set(names))
    key_of_code = np.array([keys.index(n) for n in names] or [0], dtype=np.int64)
    return keys, key_of_code[priced.columns.model_codes] if priced.columns.n_rows else np.zeros(0, np.int64)


def summarize(
    priced: PricedUsage,
    assumptions: WhatIfAssumptions,
    *,
    price_source: str,
    billed: BilledColumns | None = None,
    catalog: Catalog | None = None,
) -> UsageSummary:
    """Totals by model, tier, tag and day; billed amounts (if a cost report came along) by model."""
    c = priced.columns
    known = ~np.isnan(priced.actual_usd)
    model_keys, model_rows = _model_keys(priced)
    billed_by_model: list[float | None] | None = None
    billed_unmatched = 0.0
    if billed is not None:
        billed_ids = [_resolved_id(name, catalog) for name in billed.model_names]
        per_key = dict.fromkeys(model_keys, 0.0)
        for code, amount in zip(billed.model_codes.tolist(), billed.amount_usd.tolist(), strict=True):
            rid = billed_ids[code] if code >= 0 else None
            if rid in per_key:
                per_key[rid] += amount
            else:
                billed_unmatched += amount
        billed_by_model = [per_key[k] for k in model_keys]
    by_model = _group(priced, model_rows, model_keys, known, billed_by_model)
    by_tier = _group(priced, c.tier_codes, TIERS, known)
    by_tag: list[GroupTotals] = []
    if c.tag_names and c.n_rows and (c.tag_codes >= 0).any():
        tag_keys = [*c.tag_names, "(untagged)"]
        tag_rows = np.where(c.tag_codes >= 0, c.tag_codes, len(c.tag_names))
        by_tag = _group(priced, tag_rows, tag_keys, known)
    total_billed = None if billed is None else float(billed.amount_usd.sum())
    total = _group(priced, np.zeros(c.n_rows, np.int64), ["total"], known, None if billed is None else [total_billed])
    if not total:
        total = [
            GroupTotals(
                key="total",
                rows=0,
                requests=None,
                input_tokens=0,
                output_tokens=0,
                standard_usd=0,
                batch_usd=0,
                batch_token_share=0,
                actual_usd=0,
                whatif_usd=0,
                savings_usd=0,
                billed_usd=total_billed,
            )
        ]
    unknown: dict[str, int] = {}
    unknown_counts = np.bincount(c.model_codes[~known], minlength=len(c.model_names))
    for name, count in zip(c.model_names, unknown_counts, strict=False):
        if count:
            unknown[name] = int(count)
    first = int(c.days.min()) if c.n_rows else None
    last = int(c.days.max()) if c.n_rows else None
    days, models, daily, daily_whatif = _daily(priced, model_keys, model_rows, first, last)
    notes = list(assumptions.describe())
    notes.append("rows that already ran on batch keep their actual cost: they are never discounted again")
    notes.append("priority and unrecognised service tiers are priced at standard rates and not moved to batch")
    notes.append(
        "rows with no service tier (tier unknown) are priced at standard rates, not discounted and not moved: "
        "they may have run on batch already"
    )
    notes.append(
        "fast-mode rows (speed fast) are priced at fast rates and never moved to batch (no fast mode in batches)"
    )
    notes.append(
        f"inference_geo us rows pay {INFERENCE_GEO_MULTIPLIERS['us']:g}× on tokens (not on web search) "
        "on models that support it"
    )
    search_usd = fmt.usd(WEB_SEARCH_USD_PER_USE * 1000)
    notes.append(f"web search at {search_usd} per 1,000 searches on both APIs (no batch rate)")
    notes.append(
        "long-context prices: per request from its total input for request logs; for aggregated report rows "
        "from the report's context_window where given, else base prices"
    )
    notes.append("the batch what-if keeps the observed sync spend as the baseline (failures_on_sync_too off)")
    if unknown:
        notes.append(
            f"{sum(unknown.values())} rows of unknown models ({', '.join(sorted(unknown))}) are not priced "
            "and not in the totals"
        )
    unknown_tier = known & (c.tier_codes == TIER_UNKNOWN)
    unknown_tier_usd = float(priced.actual_usd[unknown_tier].sum())
    actual_total = total[0].actual_usd
    unknown_tier_share = unknown_tier_usd / actual_total if actual_total > 0 else 0.0
    warnings = _warnings(priced, int(unknown_tier.sum()), unknown_tier_usd, unknown_tier_share)
    return UsageSummary(
        total=total[0],
        by_model=tuple(by_model),
        by_tier=tuple(by_tier),
        by_tag=tuple(by_tag),
        daily_days=days,
        daily_models=models,
        daily_actual_usd=daily,
        daily_whatif_usd=daily_whatif,
        first_day=first,
        last_day=last,
        unknown_models=unknown,
        long_context_rows=priced.long_context_rows,
        billed_unmatched_usd=billed_unmatched,
        unknown_tier_rows=int(unknown_tier.sum()),
        unknown_tier_usd=unknown_tier_usd,
        unknown_tier_share=unknown_tier_share,
        fast_rows=priced.fast_rows,
        geo_rows=priced.geo_rows,
        warnings=warnings,
        assumptions=tuple(notes),
        price_source=price_source,
    )


def _warnings(priced: PricedUsage, unknown_rows: int, unknown_usd: float, unknown_share: float) -> tuple[str, ...]:
    """One sentence per thing the import cannot know, with the spend it affects."""
    out = []
    if unknown_rows:
        out.append(
            f"tier unknown: {unknown_rows:,} row{'s' if unknown_rows != 1 else ''} "
            f"({fmt.share(unknown_share)} of spend, {fmt.usd(unknown_usd)}) have no service tier: "
            "priced at standard rates, not discounted, not moved to batch; if they ran on batch their actual cost "
            "is half that. Import a source with the service tier to price them exactly"
        )
    if priced.fast_unpriced_rows:
        out.append(
            f"{priced.fast_unpriced_rows:,} fast-mode rows are on a model without fast prices: priced at standard rates"
        )
    if priced.geo_unsupported_rows:
        out.append(
            f"{priced.geo_unsupported_rows:,} inference_geo us rows are on a model without data residency pricing: "
            "priced without the multiplier"
        )
    return tuple(out)


def _resolved_id(name: str, catalog: Catalog | None) -> str:
    found = None if catalog is None else catalog.find(name)
    return name if found is None else found.model_id


def _daily(
    priced: PricedUsage, model_keys: Sequence[str], model_rows: IntArray, first: int | None, last: int | None
) -> tuple[tuple[int, ...], tuple[str, ...], tuple[tuple[float, ...], ...], tuple[float, ...]]:
    if first is None or last is None:
        return (), (), (), ()
    n_days = last - first + 1
    n_models = len(model_keys)
    cell = (priced.columns.days - first) * n_models + model_rows
    actual = np.bincount(cell, weights=np.nan_to_num(priced.actual_usd), minlength=n_days * n_models)
    grid = actual.reshape(n_days, n_models)
    whatif = np.bincount(priced.columns.days - first, weights=np.nan_to_num(priced.whatif_usd), minlength=n_days)
    present = grid.sum(axis=0) > 0
    models = tuple(k for k, p in zip(model_keys, present, strict=True) if p)
    series = tuple(tuple(float(v) for v in grid[:, j]) for j in range(n_models) if present[j])
    return tuple(range(first, last + 1)), models, series, tuple(float(v) for v in whatif)


# --- plan vs actual ------------------------------------------------------------------------------


class PlanVsActualRow(StrictModel):
    """One workflow (or workflows sharing a model) of a plan against the imported month."""

    workflow: str
    """Workflow name(s) from the plan."""
    matched_by: Literal["tag", "model", "none"]
    """How imported usage was matched: by workflow tag = name, by model, or not at all."""
    key: str
    """The tag or model id matched."""
    planned_requests_per_month: float
    """Plan volume [requests/month]."""
    actual_requests_per_month: float | None
    """Imported volume scaled to a month; None when the source does not count requests [requests/month]."""
    planned_spend_per_month_usd: float
    """Plan spend at the imported tier mix: sync cost × (1 − b) + batch cost × b [USD/month]."""
    actual_spend_per_month_usd: float
    """Imported spend scaled to a month [USD/month]."""
    planned_batch_share: float
    """Share of the plan priced at its batch cost, set to the imported batch share of input tokens [share]."""
    volume_deviation: float | None
    """actual / planned − 1 for volume [share]."""
    spend_deviation: float | None
    """actual / planned − 1 for spend [share]."""
    flagged: bool
    """True when volume or spend is more than the tolerance off."""


def _deviation(actual: float | None, planned: float) -> float | None:
    if actual is None:
        return None
    if planned == 0:
        return 0.0 if actual == 0 else float("inf")
    return actual / planned - 1


def plan_vs_actual(
    workflows: Sequence[Workflow],
    summary: UsageSummary,
    catalog: Catalog,
    *,
    tolerance: float = PLAN_TOLERANCE,
) -> tuple[PlanVsActualRow, ...]:
    """Each plan workflow against the import, both per month; flags anything more than `tolerance` off.

    Matching: when the import has workflow tags, a workflow matches the tag equal to its name (or to
    the part before ` · `, as `workflows_from_usage` names a tag split over several models);
    otherwise workflows are matched by model, and workflows sharing a model are compared together.
    The imported period is scaled to an average month (30.44 days).
    """
    from costmodel.cost import compare
    from costmodel.workflow import resolve_pricing

    if summary.period_days == 0:
        raise UsageError("the import has no rows: nothing to compare the plan with")
    months = summary.period_days / DAYS_PER_MONTH
    groups: dict[tuple[str, str], list[Workflow]] = {}
    by_tag = {g.key: g for g in summary.by_tag}
    by_model = {g.key: g for g in summary.by_model}
    for w in workflows:
        if by_tag:
            tag = w.name if w.name in by_tag else w.name.split(" · ")[0]
            groups.setdefault(("tag", tag), []).append(w)
        else:
            groups.setdefault(("model", resolve_pricing(w, catalog).model_id), []).append(w)
    rows = []
    for (kind, key), members in groups.items():
        comparisons = [compare(w, resolve_pricing(w, catalog)) for w in members]
        actual = (by_tag if kind == "tag" else by_model).get(key)
        planned_requests = sum(w.monthly_requests for w in members)
        b = 0.0 if actual is None else actual.batch_token_share
        planned_spend = sum((1 - b) * c.sync_cost_per_month_usd + b * c.batch_cost_per_month_usd for c in comparisons)
        actual_requests = 0.0 if actual is None else None if actual.requests is None else actual.requests / months
        actual_spend = 0.0 if actual is None else actual.actual_usd / months
        volume_dev = _deviation(actual_requests, planned_requests)
        spend_dev = _deviation(actual_spend, planned_spend)
        flagged = any(d is not None and abs(d) > tolerance for d in (volume_dev, spend_dev))
        rows.append(
            PlanVsActualRow(
                workflow=" + ".join(w.name for w in members),
                matched_by="none" if actual is None else "tag" if kind == "tag" else "model",
                key=key,
                planned_requests_per_month=planned_requests,
                actual_requests_per_month=actual_requests,
                planned_spend_per_month_usd=planned_spend,
                actual_spend_per_month_usd=actual_spend,
                planned_batch_share=b,
                volume_deviation=volume_dev,
                spend_deviation=spend_dev,
                flagged=flagged,
            )
        )
    return tuple(rows)
