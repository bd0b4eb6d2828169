"""Ranges on the command line: uncertain inputs as flags, P10/P50/P90 in the text and the JSON (issue 12).

`compare` and `recommend` take `--success-rate 0.9:0.98`, `--success-from-pilot 190/200`,
`--output-tokens 600:1100` (any of `RANGE_FLAGS`: a number, `lo:hi`, `lo:mode:hi`, or `k/n` for a
share). With any input uncertain, `--json` adds next to each point key `<key>_range` =
{p10, p50, p90}, plus `probability_batch_saves`, `probability_verdict_flips`, the uncertain inputs
with their distributions, the tornado, and the pilot-size advice. Plain numbers change nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from costmodel.samplesize import DEFAULT_HALF_WIDTH

__all__ = [
    "RANGE_FLAGS", "add_draw_flags", "add_range_flags", "check_draws", "evaluate_ranges", "ranges_section",
    "take_ranges",
]  # fmt: skip

RANGE_FLAGS = {
    "success_rate": "--success-rate",
    "billed_failure_share": "--billed-failure-share",
    "cache_hit_rate": "--cache-hit-rate",
    "batch_cache_hit_rate": "--batch-cache-hit-rate",
    "input_tokens": "--input-tokens",
    "output_tokens": "--output-tokens",
    "requests_per_day": "--requests-per-day",
    "requests_per_month": "--requests-per-month",
    "median_processing_hours": "--median-processing-hours",
}
"""Flags that take a range or a distribution, by workflow field (their dest is the field name)."""
MAX_DRAWS = 1_000_000
WORKFLOW_RANGE_KEYS = (
    "sync_cost_per_month_usd", "batch_tokens_per_month_usd", "batch_cost_per_month_usd", "net_savings_per_month_usd",
    "net_savings_per_year_usd", "net_benefit_per_month_usd", "waiting_cost_per_month_usd", "savings_share",
    "break_even_success_rate",
)  # fmt: skip
"""Comparison keys that get a `<key>_range` beside them."""


def _number_or_distribution(text: str) -> Any:
    """A float for a plain number (so nothing else changes), else the distribution."""
    from costmodel.uncertainty import PointValue, parse_distribution

    try:
        d = parse_distribution(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return d.value if isinstance(d, PointValue) else d


def add_range_flags(p: argparse.ArgumentParser) -> None:
    """Let the workflow flags in `RANGE_FLAGS` take ranges; add `--success-from-pilot`, `--draws`, `--seed`."""
    for action in p._actions:
        if action.dest in RANGE_FLAGS:
            action.type = _number_or_distribution
            action.help = (action.help or "") + " (or a range lo:hi, lo:mode:hi" + (
                ", or pilot counts k/n)" if action.dest in ("success_rate", "billed_failure_share") else ")"
            )
    g = p.add_argument_group("ranges (uncertain inputs)")
    g.add_argument(
        "--success-from-pilot",
        metavar="K/N",
        type=_number_or_distribution,
        help="first-pass success from a pilot: K usable of N requests, Beta(K+1, N-K+1)",
    )
    add_draw_flags(g)
    g.add_argument(
        "--pilot-precision", type=float, default=DEFAULT_HALF_WIDTH,
        help=f"pilot-size advice: ± this on the success rate ({DEFAULT_HALF_WIDTH:g})",
    )


def add_draw_flags(g: Any) -> None:
    """`--draws` and `--seed` (defaults resolve in `check_draws`, so building the parser never loads numpy)."""
    g.add_argument("--draws", type=int, default=None, help="Monte Carlo draws (10,000)")
    g.add_argument("--seed", type=int, default=None, help="random seed (same seed, same ranges)")


def check_draws(args: argparse.Namespace) -> list[str]:
    """Fill in the draw defaults; the problems with `--draws` / `--seed`, one line each."""
    from costmodel.uncertainty import DEFAULT_DRAWS, DEFAULT_SEED

    args.draws = DEFAULT_DRAWS if getattr(args, "draws", None) is None else args.draws
    args.seed = DEFAULT_SEED if getattr(args, "seed", None) is None else args.seed
    problems = []
    if not 1_000 <= args.draws <= MAX_DRAWS:
        problems.append(f"--draws = {args.draws}: give 1,000 to {MAX_DRAWS:,} Monte Carlo draws")
    if args.seed < 0:
        problems.append(f"--seed = {args.seed}: give a seed of 0 or more")
    return problems


def take_ranges(args: argparse.Namespace) -> dict[str, Any]:
    """The uncertain inputs given as flags; each flag's value becomes its point value (for the point figures)."""
    from commands.errors import CliError
    from costmodel.uncertainty import PilotCounts, bounds_problem, point_of

    uncertain: dict[str, Any] = {}
    problems = check_draws(args)
    for field, flag in RANGE_FLAGS.items():
        value = getattr(args, field, None)
        if value is not None and not isinstance(value, int | float):
            problem = bounds_problem(field, value)
            if problem:
                problems.append(f"{flag}: {problem}")
            uncertain[field] = value
            setattr(args, field, point_of(value))
    pilot = getattr(args, "success_from_pilot", None)
    if pilot is not None:
        if not isinstance(pilot, PilotCounts):
            raise CliError(["--success-from-pilot takes pilot counts K/N, e.g. 190/200 (usable of requests)"])
        if "success_rate" in uncertain:
            raise CliError(["give either --success-rate as a range or --success-from-pilot, not both"])
        uncertain["success_rate"] = pilot
        args.success_rate = point_of(pilot)
    if not 0 < getattr(args, "pilot_precision", DEFAULT_HALF_WIDTH) < 1:
        problems.append(f"--pilot-precision = {args.pilot_precision}: give a share in (0, 1), e.g. 0.02")
    if problems:
        raise CliError(problems)
    return uncertain


def _uncertain_workflow(workflow: Any, uncertain: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from commands.errors import CliError
    from commands.parser import FIELD_HELP
    from costmodel.errors import problem_lines
    from costmodel.uncertainty import UncertainWorkflow

    try:
        return UncertainWorkflow(workflow=workflow, uncertain=uncertain)
    except ValidationError as exc:
        lines = problem_lines(exc, field_help=FIELD_HELP)
        lines = [line.removeprefix("input: ").removeprefix("uncertain.") for line in lines]
        raise CliError(lines) from None


def _range_json(r: Any) -> Any:
    return None if r is None else r.model_dump(mode="json")


def ranges_section(
    args: argparse.Namespace,
    uncertain: dict[str, Any],
    workflow: Any,
    pricing: Any,
    *,
    comparison_payload: dict[str, Any],
    sla_plan: Any = None,
    result: Any = None,
) -> tuple[dict[str, Any], list[str]]:
    """Add `<key>_range` beside the comparison's point keys; return the top-level additions and text lines.

    `result` (a WorkflowResult) adds the planned savings under the verdict as a range.
    """
    from commands.errors import CliError
    from costmodel.samplesize import pilot_size_advice
    from costmodel.sensitivity import tornado
    from costmodel.uncertainty import PilotCounts, point_of, ranges_of, simulate
    from costmodel.workflow import WorkflowError

    uw = _uncertain_workflow(workflow, uncertain)
    try:
        sim = simulate(uw, pricing, draws=args.draws, seed=args.seed)
    except WorkflowError as exc:
        raise CliError([str(exc)]) from None
    plan: dict[str, Any] = {} if result is None else {
        "verdict": result.recommendation.verdict, "rescue_probability": result.rescue_probability,
    }  # fmt: skip
    r = ranges_of(sim, sla_plan=sla_plan, **plan)
    for key in WORKFLOW_RANGE_KEYS:
        comparison_payload[f"{key}_range"] = _range_json(getattr(r, key))
    t = tornado(sim)
    success = uw.uncertain.get("success_rate")
    p = point_of(success) if success is not None else uw.workflow.success_rate
    already = success.requests if isinstance(success, PilotCounts) else 0
    be = r.break_even_success_rate.p50
    advice = pilot_size_advice(
        p, half_width=args.pilot_precision, break_even_success_rate=be if be and 0 < be < 1 else None,
        requests_already=already,
    )  # fmt: skip
    top: dict[str, Any] = {
        "probability_batch_saves": r.probability_batch_saves,
        "probability_verdict_flips": r.probability_verdict_flips,
        "draws": r.draws,
        "seed": r.seed,
        "uncertain_inputs": [i.model_dump(mode="json") for i in r.uncertain_inputs],
        "tornado": t.model_dump(mode="json"),
        "decisive_input_reason": t.reason,
        "pilot_size": advice.model_dump(mode="json"),
        "miss_probability_range": _range_json(r.miss_probability),
    }
    if result is not None:
        top["planned_savings_per_month_usd_range"] = _range_json(r.planned_savings_per_month_usd)

    def row(label: str, rng: Any, fmt: Any) -> str:
        return f"  {label:<30} {fmt(rng.p10):>12} {fmt(rng.p50):>12} {fmt(rng.p90):>12}"

    from costmodel.formatting import share, usd

    lines = ["", f"Ranges ({r.draws:,} draws, seed {r.seed}): P10 / P50 (median) / P90",
             f"  {'':<30} {'P10':>12} {'P50':>12} {'P90':>12}",
             row("sync per month", r.sync_cost_per_month_usd, usd),
             row("batch cash per month", r.batch_cost_per_month_usd, usd),
             row("net savings (cash) per month", r.net_savings_per_month_usd, usd),
             row("net benefit per month", r.net_benefit_per_month_usd, usd),
             row("cost of waiting per month", r.waiting_cost_per_month_usd, usd),
             *([] if r.planned_savings_per_month_usd is None
               else [row("planned savings per month", r.planned_savings_per_month_usd, usd)]),
             row("break-even success rate", r.break_even_success_rate, share)]  # fmt: skip
    if r.miss_probability is not None:
        from costmodel.formatting import probability

        lines.append(row("P(miss SLA), typical", r.miss_probability, probability))
    lines += [
        f"  P(batch saves money) {share(r.probability_batch_saves)}; "
        f"P(the verdict flips) {share(r.probability_verdict_flips)}",
        "",
        "Uncertain inputs",
        *[f"  - {i.field}: {i.distribution}" for i in r.uncertain_inputs],
        "",
        "What drives it (net savings with each input at its P10 / P90, the others at their medians)",
        *[
            f"  {b.label:<34} {usd(b.net_savings_at_low_usd):>12} {usd(b.net_savings_at_high_usd):>12}"
            f"   swing {usd(b.swing_usd)}"
            for b in t.bars
        ],
    ]
    if t.reason:
        lines += ["", f"  {t.reason}"]
    lines += ["", "Pilot size", f"  {advice.statement}"]
    return top, lines


# --- evaluate: scenario files with inline distributions ----------------------------------------------


PORTFOLIO_RANGE_KEYS = (
    "sync_cost_per_month_usd", "planned_cost_per_month_usd", "savings_per_month_usd", "savings_per_year_usd",
)  # fmt: skip


def evaluate_ranges(
    args: argparse.Namespace, ranged: Any, result: Any, catalog: Any, payload: dict[str, Any]
) -> list[str]:
    """Portfolio and per-workflow ranges for `evaluate`, added to `payload` in place; the text lines to print."""
    from commands.errors import CliError
    from costmodel.formatting import share, usd
    from costmodel.uncertainty import portfolio_ranges, to_json_value
    from costmodel.workflow import WorkflowError, resolve_pricing

    problems = check_draws(args)
    if problems:
        raise CliError(problems)
    pricings = [resolve_pricing(w, catalog) for w in ranged.scenario.workflows]
    try:
        pr = portfolio_ranges(ranged.workflows, list(result.results), pricings, ranged.scenario.finance,
                              monthly_growth=ranged.monthly_growth, draws=args.draws, seed=args.seed)  # fmt: skip
    except WorkflowError as exc:
        raise CliError([f"{args.file}: {exc}"]) from None
    portfolio = payload["portfolio"]
    for key in PORTFOLIO_RANGE_KEYS:
        portfolio[f"{key}_range"] = _range_json(getattr(pr, key))
    portfolio["projection_ranges"] = [m.model_dump(mode="json") for m in pr.projection]
    portfolio["gross_margin_after_range"] = _range_json(pr.gross_margin_after)
    portfolio["probability_portfolio_saves"] = pr.probability_portfolio_saves
    portfolio["monthly_growth_distribution"] = None if ranged.monthly_growth is None else to_json_value(
        ranged.monthly_growth
    )
    for entry, wr in zip(payload["workflows"], pr.workflows, strict=True):
        for key in WORKFLOW_RANGE_KEYS:
            entry["comparison"][f"{key}_range"] = _range_json(getattr(wr, key))
        entry["planned_savings_per_month_usd_range"] = _range_json(wr.planned_savings_per_month_usd)
        entry["probability_batch_saves"] = wr.probability_batch_saves
        entry["probability_verdict_flips"] = wr.probability_verdict_flips
        entry["uncertain_inputs"] = [i.model_dump(mode="json") for i in wr.uncertain_inputs]
        entry["sla_miss_probability_range"] = _range_json(wr.miss_probability)
    payload["draws"], payload["seed"] = pr.draws, pr.seed
    s, last = pr.savings_per_month_usd, pr.projection[-1].cumulative_savings_usd
    lines = [
        "",
        f"Ranges ({pr.draws:,} draws per workflow, seed {pr.seed}; each verdict fixed at its point figures)",
        f"  portfolio savings per month  P10 {usd(s.p10)}  P50 {usd(s.p50)}  P90 {usd(s.p90)}",
        f"  savings over {len(pr.projection)} months     P10 {usd(last.p10)}  P50 {usd(last.p50)}  P90 {usd(last.p90)}",
        f"  P(the plan saves money) {share(pr.probability_portfolio_saves)}",
    ]
    if pr.gross_margin_after is not None:
        g = pr.gross_margin_after
        lines.append(f"  gross margin with the plan  P10 {share(g.p10)}  P50 {share(g.p50)}  P90 {share(g.p90)}")
    for wr in pr.workflows:
        if wr.uncertain_inputs:
            n = wr.net_savings_per_month_usd
            lines.append(
                f"  {wr.workflow_name}: net savings {usd(n.p10)} / {usd(n.p50)} / {usd(n.p90)}; "
                f"P(batch saves) {share(wr.probability_batch_saves)}; "
                + ", ".join(f"{i.field} {i.distribution}" for i in wr.uncertain_inputs)
            )
    return lines
