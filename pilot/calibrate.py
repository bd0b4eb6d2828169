"""`pilot calibrate`: the turnaround learned from every ended batch in the ledger (the fit itself is pure).

The shell part: read the ledger's batch parts into `ObservedBatch` records, call
`costmodel.turnaround.fit_turnaround` and `calibration_curve`, print.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from costmodel import formatting as fmt
from costmodel.turnaround import ObservedBatch, TurnaroundFit, calibration_curve, fit_turnaround
from pilot.ledger import Ledger

__all__ = ["calibration_payload", "observed_batches", "run"]


def observed_batches(ledger: Ledger, *, include_simulated: bool = False) -> tuple[list[ObservedBatch], int]:
    """Every ended, uncancelled batch part in the ledger, and how many simulated ones were left out."""
    batches: list[ObservedBatch] = []
    skipped_simulated = 0
    for pilot in ledger.pilots():
        parts = [
            p
            for p in ledger.parts(pilot.pilot_id)
            if p.processing_status == "ended" and p.batch_created_at is not None and p.ended_at is not None
            # a cancelled batch ended early on purpose: its turnaround says nothing about the API
            and not p.counts.get("canceled", 0)
        ]
        if pilot.simulated and not include_simulated:
            skipped_simulated += len(parts)
            continue
        models = list(pilot.estimate.get("models") or [])
        model = models[0] if len(models) == 1 else "mixed" if models else "unknown"
        for part in parts:
            assert part.batch_created_at is not None and part.ended_at is not None  # noqa: PT018 (narrowing)
            requests = sum(part.counts.values()) or part.request_count
            batches.append(
                ObservedBatch(
                    created_at=part.batch_created_at,
                    ended_at=part.ended_at,
                    requests=requests,
                    expired=part.counts.get("expired", 0),
                    model=model,
                )
            )
    return batches, skipped_simulated


def calibration_payload(batches: list[ObservedBatch], fit: TurnaroundFit, skipped_simulated: int) -> dict[str, Any]:
    """The fit, the batches behind it, its uncertainty and the calibration chart data, as JSON-ready data."""
    curve = calibration_curve(
        batches, median_hours=fit.median_hours, p90_hours=fit.p90_hours, expired_share=fit.expired_share
    )
    return {
        "use_fit": fit.use_fit,
        "message": fit.message,
        "batches": fit.overall.batches,
        "requests": fit.overall.requests,
        "min_batches": fit.min_batches,
        "median_processing_hours": fit.median_hours,
        "p90_processing_hours": fit.p90_hours,
        "expired_share": fit.expired_share,
        "overall": fit.overall.model_dump(mode="json"),
        "by_model": [g.model_dump(mode="json") for g in fit.by_model],
        "by_hour": [g.model_dump(mode="json") for g in fit.by_hour],
        "calibration": [p.model_dump(mode="json") for p in curve],
        "simulated_batches_left_out": skipped_simulated,
    }


def _ci(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f" ({fmt.hours_range(*interval)})"


def run(args: argparse.Namespace, ledger: Ledger) -> int:
    """Print the learned turnaround (table, or JSON with `--json`); 0 whether or not there is enough data."""
    batches, skipped = observed_batches(ledger, include_simulated=args.include_simulated)
    fit = fit_turnaround(batches, min_batches=args.min_batches)
    payload = calibration_payload(batches, fit, skipped)
    if args.json:
        print(json.dumps(payload, indent=2))
        return 0
    lines = [
        "Turnaround learned from the ledger" if fit.use_fit else "Turnaround: defaults remain",
        f"  {fit.message}",
        f"  use in the plan: --median-processing-hours {fit.median_hours:.4g} --p90-processing-hours "
        f"{fit.p90_hours:.4g} --expired-share {fit.expired_share:.4g}",
    ]
    if skipped:
        lines.append(f"  {skipped} simulated batch(es) left out (emulator timings are made up; --include-simulated)")
    groups = [fit.overall, *fit.by_model, *fit.by_hour] if fit.overall.batches else []
    if groups:
        lines += ["", f"  {'group':<28} {'batches':>7}  {'median (95 % CI)':<26} {'p90 (95 % CI)':<26} expired"]
        for g in groups:
            if not g.enough:
                lines.append(f"  {g.group:<28} {g.batches:>7}  not enough data ({fit.min_batches} batches needed)")
                continue
            share = fmt.probability(g.expired_share)
            lines.append(
                f"  {g.group:<28} {g.batches:>7}  {fmt.hours(g.median_hours) + _ci(g.median_ci_hours):<26} "
                f"{fmt.hours(g.p90_hours) + _ci(g.p90_ci_hours):<26} {share}"
            )
    if batches:
        lines += ["", "  P(batch done within t): predicted vs observed"]
        curve = payload["calibration"]
        for point in curve[:: max(1, len(curve) // 8)]:
            predicted, observed = fmt.share(point["predicted"]), fmt.share(point["observed"])
            lines.append(f"    {fmt.hours(point['hours']):>8}  {predicted:>7}  {observed:>7}")
    print("\n".join(lines))
    return 0
