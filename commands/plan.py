"""`python -m costmodel`: the planner on the command line.

Human-readable tables by default, `--json` for machines (stable keys, USD floats, every
result with its assumptions and price source). Bad input exits 2 with one line per problem.
The shell: it reads the clock (today's prices) and files, and prints.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from commands.clock import today
from commands.errors import EXIT_BAD_INPUT, EXIT_FAILED, CliError, print_errors
from commands.parser import (
    FIELD_HELP,
    FLAG_FOR_FIELD,
    Parser,
    add_pricing_date,
    add_what_if_flags,
    day,
    field_default,
    field_help,
)
from costmodel import formatting as fmt
from costmodel.limits import DEFAULT_BATCH_DISCOUNT

__all__ = ["main"]

SLA_FLOAT_FIELDS = (
    "max_miss_probability", "worst_case_hours", "safety_margin_hours", "downstream_hours", "avg_request_bytes",
    "median_processing_hours", "p90_processing_hours", "expired_share",
)  # fmt: skip
"""SlaSpec's number fields, one flag each (`FLAG_FOR_FIELD`): default and help read from the model."""
RESCUE_KEYS = ("rescue_cutoff_hours", "rescue_probability", "expected_rescue_cost_per_month_usd")
"""The deadline guard's figures in JSON output (issue 11), named as DeadlineGuard's fields."""


# --- argument groups ---------------------------------------------------------------------------


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    add_pricing_date(p)
    p.add_argument(
        "--refresh-prices", action="store_true",
        help="fetch the latest genai-prices data first (internet); falls back to the bundled data with a warning",
    )  # fmt: skip


TTL_CHOICES = ["auto", "none", "5m", "1h"]
WORKFLOW_FLAGS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("days_per_month", {"type": float}),
    ("input_tokens", {"type": float}),
    ("output_tokens", {"type": float}),
    ("cached_input_tokens", {"type": float}),
    ("cache_hit_rate", {"type": float}),
    # no flag default: left out when not given, so the model's labelled default (an assumption) applies
    ("batch_cache_hit_rate", {"type": float, "default": None}),
    ("sync_cache_ttl", {"choices": TTL_CHOICES}),
    ("batch_cache_ttl", {"choices": TTL_CHOICES}),
    ("tool_turns", {"type": int}),
    ("tool_choice", {"choices": ["off", "auto", "none", "any", "tool"]}),
    ("thinking_tokens", {"type": float}),
    ("web_searches_per_request", {"type": float}),
    ("code_execution_hours_per_request", {"type": float}),
    ("inference_geo", {"choices": ["global", "us"]}),
    ("speed", {"choices": ["standard", "fast"]}),
    ("batch_output_beta", {"action": "store_true"}),
)
"""Workflow fields taken as flags (`FLAG_FOR_FIELD`) before the what-if flags; default and help from the model."""
COST_FLAGS = ("refinement_hours", "ops_hours_per_month", "hourly_rate_usd", "amortize_months",
              "delay_cost_per_item_hour_usd", "batch_wait_hours")  # fmt: skip
"""Workflow's one-off and running costs of batch, and the cost of waiting: float flags after the what-if flags."""


def _field_flags(g: Any, fields: Any) -> None:
    """One flag per Workflow field: its `FLAG_FOR_FIELD` name, the field's default and docstring."""
    from costmodel.workflow import Workflow

    for field, kwargs in fields:
        options = {"default": field_default(Workflow, field), "help": field_help(Workflow, field), **kwargs}
        g.add_argument(FLAG_FOR_FIELD[field], **options)


def _add_workflow(p: argparse.ArgumentParser) -> None:
    from costmodel.workflow import Workflow

    g = p.add_argument_group("workflow")
    g.add_argument("--name", default="workflow", help="label for the workflow")
    g.add_argument("--model", default=None, help=field_help(Workflow, "model") + " See `models`.")
    g.add_argument("--input-price", type=float, help="custom price, USD per million input tokens")
    g.add_argument("--output-price", type=float, help="custom price, USD per million output tokens")
    g.add_argument("--cache-write-price", type=float, help="custom 5-min cache-write price, USD/MTok")
    g.add_argument("--cache-read-price", type=float, help="custom cache-read price, USD/MTok")
    g.add_argument("--batch-discount", type=float, default=DEFAULT_BATCH_DISCOUNT,
                   help=f"batch discount where none is published ({DEFAULT_BATCH_DISCOUNT:g})")  # fmt: skip
    vol = g.add_mutually_exclusive_group()
    for field in ("requests_per_day", "requests_per_month"):
        vol.add_argument(FLAG_FOR_FIELD[field], type=float, help=field_help(Workflow, field))
    _field_flags(g, WORKFLOW_FLAGS)
    add_what_if_flags(g)
    g.add_argument("--failures-on-sync-too", action="store_true", help="sync fails as often and retries")
    _field_flags(g, ((field, {"type": float}) for field in COST_FLAGS))


def _add_sla(p: argparse.ArgumentParser, *, volume: bool) -> None:
    g = p.add_argument_group("SLA")
    from costmodel.workflow import SlaSpec

    g.add_argument("--sla-hours", type=float, help=field_help(SlaSpec, "sla_hours") + " (or --deadline)")
    g.add_argument("--sla-kind", choices=["hard", "soft"], default=field_default(SlaSpec, "kind"),
                   help=field_help(SlaSpec, "kind"))  # fmt: skip
    for field in SLA_FLOAT_FIELDS:
        g.add_argument(FLAG_FOR_FIELD[field], type=float, default=field_default(SlaSpec, field),
                       help=field_help(SlaSpec, field))  # fmt: skip
    if volume:
        from costmodel.sla import SlaInputs

        for field, kind in (("batch_rounds", int), ("requests_per_day", float), ("interval_hours", float)):
            g.add_argument(f"--{field.replace('_', '-')}", type=kind, default=field_default(SlaInputs, field),
                           help=field_help(SlaInputs, field))  # fmt: skip


def _add_capacity(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("capacity (batch processing-queue limit)")
    g.add_argument("--tier", choices=["start", "build", "scale"], default=None,
                   help="rate-limit tier whose queue limit the plan must fit (default: scale, the largest)")
    g.add_argument("--queue-limit", type=float, default=None, metavar="N",
                   help="requests allowed in the processing queue, instead of the tier's")


def _add_calendar(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("clock deadline (instead of --sla-hours)")
    g.add_argument("--deadline", default=None, metavar="HH:MM", help="results usable by this local time")
    g.add_argument("--timezone", default=None, metavar="ZONE", help="IANA time zone, e.g. Australia/Sydney")
    g.add_argument("--working-days", default=None, metavar="DAYS",
                   help="days work arrives: mon-fri, all (default: all, or those seen in --arrivals-from)")
    arrivals = g.add_mutually_exclusive_group()
    arrivals.add_argument("--arrivals", default=None, metavar="HH:MM-HH:MM", help="daily arrival window (all day)")
    arrivals.add_argument("--arrivals-from", default=None, metavar="LOGFILE",
                          help="learn arrivals by hour from a request log's timestamps (CSV or JSONL)")
    g.add_argument("--submit-at", default=None, metavar="HH:MM,...", help="evaluate this schedule (default: plan one)")
    g.add_argument("--start-date", type=day, default=None, metavar="YYYY-MM-DD",
                   help="first simulated day (default: today); daylight-saving changes follow from it")


def _add_guard(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("deadline guard")
    g.add_argument("--rescue-to-sync", action="store_true",
                   help="at a cutoff before the deadline, cancel what has not finished and run it synchronously")
    from costmodel.guard import GuardSettings

    g.add_argument("--sync-drain-hours", type=float, default=field_default(GuardSettings, "sync_drain_hours"),
                   help=field_help(GuardSettings, "sync_drain_hours"))  # fmt: skip
    g.add_argument("--rescue-buffer-hours", type=float, default=field_default(GuardSettings, "buffer_hours"),
                   help=field_help(GuardSettings, "buffer_hours"))  # fmt: skip


def _add_draws(p: argparse.ArgumentParser) -> None:
    from commands.ranges import add_draw_flags

    add_draw_flags(p.add_argument_group("ranges (inputs given as distributions in the scenario file)"))


def _add_ranges(p: argparse.ArgumentParser) -> None:
    """Uncertain inputs (issue 12): range syntax on the workflow flags, --success-from-pilot, --draws, --seed."""
    from commands.ranges import add_range_flags

    add_range_flags(p)


def _add_spend_cap(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("capacity (processing queue and spend cap)")
    g.add_argument("--tier", choices=["start", "build", "scale"], default=None,
                   help="rate-limit tier: its processing queue and monthly spend cap ($500 / $1,000 / $200,000); "
                        "default: the scenario's capacity.tier, else scale")
    g.add_argument("--spend-cap-usd", type=float, default=None, help="a custom monthly spend cap [USD]")
    g.add_argument("--queue-limit", type=float, default=None, metavar="N",
                   help="requests allowed in the processing queue, instead of the tier's (default tier: scale)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m costmodel",
        description="Batch Planner: when does Anthropic's Message Batches API pay, and how often to submit.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    p = sub.add_parser("compare", help="sync vs batch spend for one workflow")
    _add_workflow(p)
    _add_ranges(p)
    _add_common(p)
    p = sub.add_parser("sla", help="submission windows for an SLA")
    _add_sla(p, volume=True)
    _add_capacity(p)
    _add_calendar(p)
    _add_guard(p)
    _add_common(p)
    p = sub.add_parser("recommend", help="sync, batch or hybrid for one workflow, with reasons")
    _add_workflow(p)
    _add_sla(p, volume=False)
    _add_capacity(p)
    _add_guard(p)
    g = p.add_argument_group("work shape")
    g.add_argument("--blocking", action="store_true", help="someone waits on each result")
    g.add_argument("--streaming", action="store_true", help="responses must stream")
    g.add_argument("--urgent-share", type=float, default=0.0, help="share that must stay sync (hybrid)")
    _add_ranges(p)
    _add_common(p)
    p = sub.add_parser("models", help="the price catalog: sync and batch prices and their source")
    p.add_argument("--all", "--include-retired", dest="all", action="store_true", help="include retired models")
    _add_common(p)
    p = sub.add_parser("evaluate", help="a scenario file: every workflow and the portfolio totals")
    p.add_argument("file", help='scenario JSON (see data/presets/); inputs may be ranges: {"range": [0.9, 0.98]}')
    _add_draws(p)
    _add_spend_cap(p)
    _add_guard(p)
    _add_common(p)
    p = sub.add_parser("export", help="a scenario file as a board-ready CSV, Excel workbook or report")
    p.add_argument("file", help="scenario JSON (see data/presets/); the same exports as the Portfolio page")
    p.add_argument("--format", choices=["csv", "xlsx", "md", "html"], required=True,
                   help="csv (with an -assumptions.txt sidecar), xlsx, md (Markdown report) or html (printable)")
    p.add_argument("--output", metavar="PATH", default=None,
                   help="file to write (default: <scenario name>-<date>.<format> in the current folder)")
    _add_common(p)
    from commands import pilot, usage

    pilot.add_commands(sub.add_parser("pilot", **pilot.PARSER_TEXT))
    usage.add_arguments(sub.add_parser("usage", **usage.PARSER_TEXT))
    return parser


@functools.cache
def _the_parser() -> argparse.ArgumentParser:
    """The one parser, built on a process's first call: building its ~240 flags (each help through gettext) took
    ~10 ms, most of an in-process call. argparse keeps no state between `parse_args` calls; nothing mutates it."""
    return build_parser()


# --- building models ---------------------------------------------------------------------------


def _validate(factory: Any, **kwargs: Any) -> Any:
    try:
        return factory(**kwargs)
    except ValidationError as exc:
        from costmodel.errors import problem_lines

        raise CliError(problem_lines(exc, field_help=FIELD_HELP)) from None


def _sla_spec(args: argparse.Namespace) -> Any:
    from costmodel.workflow import SlaSpec

    if args.sla_hours is None:
        return None
    return _validate(SlaSpec, **_sla_fields(args))


def _sla_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The SLA flags both `sla` and `recommend` take, by model field name."""
    return {
        "sla_hours": args.sla_hours,
        "kind": args.sla_kind,
        "max_miss_probability": args.max_miss_probability,
        "worst_case_hours": args.worst_case_hours,
        "downstream_hours": args.downstream_hours,
        "safety_margin_hours": args.safety_margin_hours,
        "avg_request_bytes": args.avg_request_bytes,
        "median_processing_hours": args.median_processing_hours,
        "p90_processing_hours": args.p90_processing_hours,
        "expired_share": args.expired_share,
    }


def _workflow(args: argparse.Namespace) -> Any:
    from costmodel.prices import CustomPrices
    from costmodel.workflow import DEFAULT_MODEL, Workflow

    problems = []
    if args.input_tokens is None:
        problems.append("missing --input-tokens: the average input tokens per request")
    if args.output_tokens is None:
        problems.append("missing --output-tokens: the average output tokens per request")
    if args.requests_per_day is None and args.requests_per_month is None:
        problems.append("missing volume: give --requests-per-day or --requests-per-month")
    custom = None
    if args.input_price is not None or args.output_price is not None:
        if args.input_price is None or args.output_price is None:
            problems.append("custom prices need both --input-price and --output-price (USD per million tokens)")
        elif args.model is not None:
            problems.append("give either --model or custom prices (--input-price/--output-price), not both")
        else:
            custom = _validate(
                CustomPrices,
                input_usd_per_mtok=args.input_price,
                output_usd_per_mtok=args.output_price,
                cache_write_5m_usd_per_mtok=args.cache_write_price,
                cache_read_usd_per_mtok=args.cache_read_price,
                batch_discount=args.batch_discount,
            )
    if problems:
        raise CliError(problems)
    extra: dict[str, Any] = {}
    for name in ("blocking", "streaming", "tool_turns", "urgent_share"):
        if hasattr(args, name):
            extra[name] = getattr(args, name)
    if hasattr(args, "sla_kind"):
        extra["sla"] = _sla_spec(args)
    return _validate(
        Workflow,
        name=args.name,
        model=args.model or DEFAULT_MODEL,
        custom_prices=custom,
        requests_per_day=args.requests_per_day,
        requests_per_month=args.requests_per_month,
        days_per_month=args.days_per_month,
        input_tokens=args.input_tokens,
        output_tokens=args.output_tokens,
        cached_input_tokens=args.cached_input_tokens,
        cache_hit_rate=args.cache_hit_rate,
        sync_cache_ttl=args.sync_cache_ttl,
        batch_cache_ttl=args.batch_cache_ttl,
        thinking_tokens=args.thinking_tokens,
        tool_choice=args.tool_choice,
        web_searches_per_request=args.web_searches_per_request,
        code_execution_hours_per_request=args.code_execution_hours_per_request,
        inference_geo=args.inference_geo,
        speed=args.speed,
        batch_output_beta=args.batch_output_beta,
        success_rate=args.success_rate,
        billed_failure_share=args.billed_failure_share,
        retry_route=args.retry,
        max_batch_rounds=args.max_batch_rounds,
        failures_on_sync_too=args.failures_on_sync_too,
        refinement_hours=args.refinement_hours,
        ops_hours_per_month=args.ops_hours_per_month,
        hourly_rate_usd=args.hourly_rate,
        amortize_months=args.amortize_months,
        delay_cost_per_item_hour_usd=args.delay_cost_per_item_hour,
        batch_wait_hours=args.wait_hours,
        # left out when not given, so the model's labelled default (an assumption) applies
        **({} if args.batch_cache_hit_rate is None else {"batch_cache_hit_rate": args.batch_cache_hit_rate}),
        **extra,
    )


def _catalog(args: argparse.Namespace, *, batch_discount: float | None = None, include_retired: bool = False) -> Any:
    from commands.prices import catalog

    discount = batch_discount if batch_discount is not None else getattr(args, "batch_discount", DEFAULT_BATCH_DISCOUNT)
    if not 0 <= discount <= 1:
        raise CliError([f"--batch-discount = {discount!r}: must be between 0 and 1 (0.5 = half price)"])
    if getattr(args, "refresh_prices", False):
        from commands.prices import refresh_prices

        problem = refresh_prices()
        if problem:
            print(f"warning: {problem}", file=sys.stderr)
    return catalog(args.as_of or today(), discount, include_retired)


def _pricing(workflow: Any, catalog: Any) -> Any:
    from costmodel.workflow import WorkflowError, resolve_pricing

    try:
        return resolve_pricing(workflow, catalog)
    except WorkflowError as exc:
        raise CliError([str(exc)]) from None


# --- output ------------------------------------------------------------------------------------


def _table(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(text)


def _comparison_payload(c: Any) -> dict[str, Any]:
    data: dict[str, Any] = c.model_dump(mode="json")
    data["break_even_success_rate"] = c.break_even.success_rate
    data["break_even_status"] = c.break_even.status
    data["assumptions"] = list(c.assumptions)
    data["price_source"] = c.price_source.label()
    data["price_source_detail"] = c.price_source.model_dump(mode="json")
    data["price_data_date"] = None if c.price_source.data_date is None else c.price_source.data_date.isoformat()
    data["warnings"] = list(c.warnings)
    data["figure_kinds"] = FIGURE_KINDS
    return data


FIGURE_KINDS = {
    "sync_cost_per_month_usd": "cash",
    "batch_cost_per_month_usd": "cash: tokens, per-use fees, resubmissions, overheads (no waiting)",
    "net_savings_per_month_usd": "cash: sync cash - batch cash",
    "waiting_cost_per_month_usd": "economic, not cash: cost of extra latency",
    "net_benefit_per_month_usd": "economic: cash savings - cost of waiting (what the verdict weighs)",
    "net_savings_per_year_usd": "cash: 12 x this month (no growth)",
}
"""Which figures are cash and which economic, stated in every comparison's JSON."""


def _comparison_text(c: Any) -> str:
    rows = [
        ("model", c.model_id),
        ("items per month", fmt.count(c.requests_per_month)),
        ("requests per item (steps)", f"{c.steps_per_item}"),
        ("one sync attempt", fmt.usd_small(c.request_costs.sync_usd)),
        ("one batch attempt", fmt.usd_small(c.request_costs.batch_usd)),
        ("sync per month", fmt.usd(c.sync_cost_per_month_usd)),
        ("batch tokens per month", fmt.usd(c.batch_tokens_per_month_usd)),
        ("  of which resubmissions", fmt.usd(c.resubmission_cost_per_month_usd)),
        ("overheads per month", fmt.usd(c.overhead_per_month_usd)),
        ("batch cash per month", fmt.usd(c.batch_cost_per_month_usd)),
        ("net savings (cash) per month", fmt.usd(c.net_savings_per_month_usd)),
        ("cost of waiting (not cash)", fmt.usd(c.waiting_cost_per_month_usd)),
        ("net benefit per month", fmt.usd(c.net_benefit_per_month_usd)),
        ("net savings, 12 × this month", fmt.usd(c.net_savings_per_year_usd)),
        ("savings share", fmt.share(c.savings_share)),
        ("break-even success rate", fmt.share(c.break_even.success_rate) if c.break_even.success_rate else fmt.NONE),
    ]
    lines = ["Sync vs batch", _table(rows), "", f"  {c.break_even.statement}"]
    lines += ["", "Warnings", *[f"  ! {w}" for w in c.warnings]] if c.warnings else []
    lines += ["", "Assumptions", *[f"  - {a}" for a in c.assumptions]]
    return "\n".join(lines)


def _sla_payload(plan: Any) -> dict[str, Any]:
    data: dict[str, Any] = plan.model_dump(mode="json")
    t = plan.typical
    data.update(
        {
            "p50_hours": t.p50_hours if t else None,
            "p90_hours": t.p90_hours if t else None,
            "p99_hours": t.p99_hours if t else None,
            "miss_probability": t.miss_probability if t else None,
        }
    )
    return data


def _sla_text(plan: Any, *, max_miss_probability: float) -> str:

    t = plan.typical
    rows = [
        ("feasible", ("yes" if plan.worst_case_feasible else "yes, as a soft SLA (typical case)")
                     if plan.feasible else "NO"),
        *((label[:1].lower() + label[1:], value)
          for label, value in fmt.interval_rows(plan, max_miss_probability=max_miss_probability)),
        ("submissions per day", fmt.NONE if plan.submissions_per_day is None else f"{plan.submissions_per_day:g}"),
        (
            "requests per submission",
            fmt.count(plan.requests_per_submission),
        ),
        ("batches per submission", fmt.count(plan.batches_per_submission)),
        ("worst-case latency", fmt.hours(plan.worst_case_latency_hours)),
        (
            "typical p50 / p90 / p99",
            fmt.NONE if t is None else " / ".join(fmt.hours(h) for h in (t.p50_hours, t.p90_hours, t.p99_hours)),
        ),
        ("P(miss SLA), typical", fmt.probability(None if t is None else t.miss_probability)),
    ]
    lines = ["Submission windows", _table(rows), "", f"  {plan.reason}"]
    if plan.fixes:
        lines += ["", "What would fix it"] + [f"  - {f}" for f in plan.fixes]
    lines += ["", "Assumptions"] + [f"  - {a}" for a in plan.assumptions]
    return "\n".join(lines)


# --- commands ----------------------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace) -> int:
    from costmodel.cost import compare

    uncertain = _take_ranges(args)
    workflow = _workflow(args)
    pricing = _pricing(workflow, _catalog(args))
    c = compare(workflow, pricing)
    payload, text = _comparison_payload(c), _comparison_text(c)
    if uncertain:
        payload, text = _with_ranges(args, uncertain, workflow, pricing, payload, text, payload)
    _emit(args, payload, text)
    return 0


def _take_ranges(args: argparse.Namespace) -> dict[str, Any]:
    from commands.ranges import take_ranges

    return take_ranges(args)


def _with_ranges(
    args: argparse.Namespace, uncertain: dict[str, Any], workflow: Any, pricing: Any, payload: dict[str, Any],
    text: str, comparison_payload: dict[str, Any], **context: Any,
) -> tuple[dict[str, Any], str]:
    """P10/P50/P90 beside the point figures (`<key>_range`) and a ranges section in the text (issue 12)."""
    from commands.ranges import ranges_section

    top, lines = ranges_section(args, uncertain, workflow, pricing, comparison_payload=comparison_payload, **context)
    return {**payload, **top}, "\n".join([text, *lines])


CALENDAR_ONLY = (
    ("--timezone", "timezone"), ("--working-days", "working_days"), ("--arrivals", "arrivals"),
    ("--arrivals-from", "arrivals_from"), ("--submit-at", "submit_at"), ("--start-date", "start_date"),
)  # fmt: skip
"""Flags that only a clock deadline uses: with --sla-hours they would be ignored, so they are refused."""


def cmd_sla(args: argparse.Namespace) -> int:
    from costmodel.sla import SlaInputs, plan_submissions

    if args.deadline is not None or args.sla_hours is None:
        return _cmd_calendar(args)
    ignored = [flag for flag, dest in CALENDAR_ONLY if getattr(args, dest) is not None]
    if ignored:
        raise CliError([f"{', '.join(ignored)}: only for a clock deadline; add --deadline HH:MM --timezone ZONE "
                        "(instead of --sla-hours), or leave it out"])  # fmt: skip
    inputs = _validate(
        SlaInputs,
        **_sla_fields(args),
        batch_rounds=args.batch_rounds,
        requests_per_day=args.requests_per_day,
        interval_hours=args.interval_hours,
    )
    plan = plan_submissions(inputs)
    plan, queue = _with_queue_check(args, inputs, plan)
    payload, text = _sla_payload(plan), _sla_text(plan, max_miss_probability=inputs.max_miss_probability)
    if queue is not None:
        payload.update(_queue_payload(queue))
        text += "\n\n" + _queue_text(queue)
    guard = _guard_section(args, payload, inputs, cutoff_hours=None, interval_hours=plan.interval_hours)
    _emit(args, payload, text + ("\n\n" + guard if guard else ""))
    return 0


def _with_queue_check(args: argparse.Namespace, inputs: Any, plan: Any) -> tuple[Any, Any]:
    """The plan with the processing-queue check folded in (None when there is no interval to check)."""
    from costmodel.capacity import check_queue, plan_with_queue, tier_limits

    if args.queue_limit is not None and not args.queue_limit > 0:
        raise CliError([f"--queue-limit = {args.queue_limit!r}: must be a positive number of requests"])
    interval = plan.interval_hours
    if interval is None:
        return plan, None
    limits = tier_limits(args.tier or "scale", queue_limit_requests=args.queue_limit)
    queue = check_queue(inputs, interval, limits)
    return plan_with_queue(plan, queue), queue


def _queue_payload(queue: Any) -> dict[str, Any]:
    return {
        "tier": queue.limits.tier,
        "queue_limit_requests": queue.queue_limit_requests,
        "worst_case_in_flight_requests": queue.worst_case_in_flight_requests,
        "typical_in_flight_requests": queue.typical_in_flight_requests,
        "max_requests_per_day": queue.max_requests_per_day,
        "queue_feasible": queue.queue_feasible,
        "peak_batch_calls_per_minute": queue.peak_batch_calls_per_minute,
        "batch_calls_fit": queue.batch_calls_fit,
        "queue_reason": queue.reason,
        "queue_fixes": list(queue.fixes),
        "queue_limits_source": queue.limits.source,
        "queue_limits_as_of": None if queue.limits.as_of is None else queue.limits.as_of.isoformat(),
    }


def _queue_text(queue: Any) -> str:
    rows = [
        ("queue limit", f"{fmt.count(queue.queue_limit_requests)} requests ({queue.limits.tier})"),
        ("in flight, worst case", fmt.count(queue.worst_case_in_flight_requests)),
        ("in flight, typical", fmt.count(queue.typical_in_flight_requests)),
        ("max requests per day", fmt.count(queue.max_requests_per_day)),
        ("queue fits", "yes" if queue.queue_feasible else "NO"),
    ]
    as_of = "" if queue.limits.as_of is None else f", as of {queue.limits.as_of.isoformat()}"
    return "\n".join(["Processing queue", _table(rows), "", f"  Limits: {queue.limits.source}{as_of}"])



def _cmd_calendar(args: argparse.Namespace) -> int:
    """`sla --deadline HH:MM --timezone ZONE`: a schedule against a clock deadline."""
    from costmodel.deadlines import CalendarInputs, parse_working_days, plan_calendar
    from costmodel.sla import SlaInputs

    if args.deadline is None or args.timezone is None:
        raise CliError(["missing --sla-hours (hours from arrival to usable), or --deadline HH:MM with --timezone ZONE"])
    problems: list[str] = []
    fields: dict[str, Any] = {"deadline": args.deadline, "timezone": args.timezone}
    if args.arrivals_from is not None:
        profile = _learned_profile(args.arrivals_from, args.timezone, problems)
        if profile is not None:
            fields.update(hourly_profile=profile.weights, working_days=profile.working_days)
    if args.working_days is not None:
        try:
            fields["working_days"] = parse_working_days(args.working_days)
        except ValueError as exc:
            problems.append(f"--working-days: {exc}")
    if args.arrivals is not None:
        start, _, end = args.arrivals.partition("-")
        fields.update(arrival_start=start.strip(), arrival_end=end.strip())
    if args.submit_at is not None:
        fields["submit_at"] = tuple(t.strip() for t in args.submit_at.split(",") if t.strip())
    if problems:
        raise CliError(problems)
    flags = {"deadline": "--deadline", "timezone": "--timezone", "arrival_start": "--arrivals",
             "arrival_end": "--arrivals", "submit_at": "--submit-at", "hourly_profile": "--arrivals-from",
             "working_days": "--working-days"}  # fmt: skip
    try:
        calendar = CalendarInputs(**fields)
    except ValidationError as exc:
        from costmodel.errors import problem_lines

        raise CliError(problem_lines(exc, field_help={k: f"set {v}" for k, v in flags.items()})) from None
    turnaround = _validate(
        SlaInputs, **{**_sla_fields(args), "sla_hours": args.sla_hours or 24.0}, batch_rounds=args.batch_rounds,
        requests_per_day=args.requests_per_day,
    )
    plan = plan_calendar(calendar, turnaround, start=args.start_date or today())
    payload = plan.model_dump(mode="json")
    queue = None
    if args.requests_per_day:
        from costmodel.capacity import tier_limits
        from costmodel.deadlines import check_schedule_queue

        if args.queue_limit is not None and not args.queue_limit > 0:
            raise CliError([f"--queue-limit = {args.queue_limit!r}: must be a positive number of requests"])
        # at the schedule itself (its largest gap and what arrives in it), as the windows page checks it
        limits = tier_limits(args.tier or "scale", queue_limit_requests=args.queue_limit)
        _, queue = check_schedule_queue(calendar, plan.schedule_local, turnaround, limits)
        payload.update(_queue_payload(queue))
    rows = [
        ("deadline", f"{plan.deadline} {plan.timezone}"),
        ("schedule (local)", ", ".join(plan.schedule_local)),
        ("recommended schedule", ", ".join(plan.recommended_schedule_local)),
        ("guaranteed (worst case)", "yes" if plan.guaranteed else "NO"),
        ("P(ready by deadline), typical", fmt.probability(plan.ready_by_deadline_probability)),
        ("cron (local)", plan.cron_local),
        *(("cron (UTC)", line) for line in plan.cron_utc),
    ]
    header = "  arrival day  due        submitted  worst case ready  guaranteed  P(ready)  spare p50 / p90"
    lines = ["Clock deadline", _table(rows), "", header]
    lines += [
        f"  {c.arrival_day:<11}  {c.due:<9}  {c.last_submission:<9}  {c.worst_case_ready:<16}  "
        f"{'yes' if c.guaranteed else 'NO':<10}  {fmt.probability(c.ready_probability):<8}  "
        f"{fmt.hours(c.typical_p50_hours_before_due)} / {fmt.hours(c.typical_p90_hours_before_due)}"
        for c in plan.deadlines
    ]
    lines += ["", f"  {plan.reason}", f"  {plan.dst_note}"]
    if queue is not None:
        lines += ["", _queue_text(queue), f"  {queue.reason}", *(f"  - {fix}" for fix in queue.fixes)]
    if plan.fixes:
        lines += ["", "What would make it guaranteed"] + [f"  - {f}" for f in plan.fixes]
    lines += ["", "Assumptions"] + [f"  - {a}" for a in plan.assumptions]
    lead = min(c.submission_to_due_hours for c in plan.deadlines)
    cutoff = lead - turnaround.downstream_hours - args.sync_drain_hours - args.rescue_buffer_hours
    guard = _guard_section(args, payload, turnaround, cutoff_hours=cutoff,
                           interval_hours=24.0 / len(plan.schedule_local))  # fmt: skip
    _emit(args, payload, "\n".join(lines) + ("\n\n" + guard if guard else ""))
    return 0


def _learned_profile(path: str, timezone_name: str, problems: list[str]) -> Any:
    """The arrival profile of a request log's `timestamp` column (CSV) or key (JSONL); None + a problem if unusable."""
    import csv
    from datetime import datetime

    from costmodel.deadlines import hourly_profile_from_timestamps

    stamps: list[datetime] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            if first.lstrip().startswith("{"):
                rows = (json.loads(line) for line in handle if line.strip())
                texts = [row.get("timestamp") or row.get("created_at") for row in rows if isinstance(row, dict)]
            else:
                texts = [row.get("timestamp") or row.get("created_at") for row in csv.DictReader(handle)]
        for text in texts:
            if text:
                stamps.append(datetime.fromisoformat(str(text).replace("Z", "+00:00")))
        return hourly_profile_from_timestamps(stamps, timezone_name)
    except OSError as exc:
        from costmodel.errors import unreadable_file

        problems.append(f"--arrivals-from {unreadable_file(path, exc)}")
        return None
    except ValueError as exc:
        problems.append(f"--arrivals-from {path}: {exc} (a request log with a timestamp column, CSV or JSONL)")
        return None


def cmd_recommend(args: argparse.Namespace) -> int:
    from costmodel.recommend import evaluate_workflow
    from costmodel.workflow import WorkflowError

    uncertain = _take_ranges(args)
    workflow = _workflow(args)
    try:
        result = evaluate_workflow(workflow, _catalog(args), capacity=_capacity(args), guard=_guard_settings(args))
    except WorkflowError as exc:
        raise CliError([str(exc)]) from None
    r = result.recommendation
    payload = {
        "verdict": r.verdict,
        "reasons": list(r.reasons),
        "planned_cost_per_month_usd": r.planned_cost_per_month_usd,
        "planned_savings_per_month_usd": r.planned_savings_per_month_usd,
        "comparison": _comparison_payload(result.comparison),
        "sla": None if result.sla is None else _sla_payload(result.sla),
        "assumptions": list(result.comparison.assumptions) + (list(result.sla.assumptions) if result.sla else []),
        "price_source": result.comparison.price_source.label(),
    }
    text = [f"Verdict: {r.verdict.upper()}", ""] + [f"  - {reason}" for reason in r.reasons]
    text += ["", _comparison_text(result.comparison)]
    if result.sla is not None:
        text += ["", _sla_text(result.sla, max_miss_probability=workflow.sla.max_miss_probability)]
    if result.queue is not None:
        payload.update(_queue_payload(result.queue))
        text += ["", _queue_text(result.queue), f"  {result.queue.reason}", *(f"  - {f}" for f in result.queue.fixes)]
    if result.sla is not None:
        guard = _guard_section(args, payload, None, cutoff_hours=None, interval_hours=result.sla.interval_hours,
                               comparison=result.comparison, guard=result.guard)  # fmt: skip
        text += ["", guard] if guard else []
    out = "\n".join(text)
    if uncertain:
        out = _recommend_ranges(args, uncertain, result, payload, out)
    _emit(args, payload, out)
    return 0


def _recommend_ranges(
    args: argparse.Namespace, uncertain: dict[str, Any], result: Any, payload: dict[str, Any], text: str
) -> str:
    """Ranges for `recommend`, in place; the verdict's reasons gain the input that matters most (issue 12)."""
    pricing = _pricing(result.workflow, _catalog(args))
    ranged, out = _with_ranges(args, uncertain, result.workflow, pricing, payload, text, payload["comparison"],
                               sla_plan=result.sla, result=result)  # fmt: skip
    payload.update(ranged)
    if ranged["decisive_input_reason"]:
        payload["reasons"] = [*payload["reasons"], ranged["decisive_input_reason"]]
    return out


def cmd_models(args: argparse.Namespace) -> int:
    catalog = _catalog(args, include_retired=args.all)
    models = [m.model_dump(mode="json") for m in catalog.models]
    header = f"{'model':<26} {'sync in':>8} {'sync out':>9} {'batch in':>9} {'batch out':>10}  batch rate"
    lines = ["Prices in USD per million tokens", header, "-" * len(header)]
    for m in catalog.models:
        lines.append(
            f"{m.model_id:<26} {m.sync.input_usd_per_mtok:>8g} {m.sync.output_usd_per_mtok:>9g} "
            f"{m.batch.input_usd_per_mtok:>9g} {m.batch.output_usd_per_mtok:>10g}  "
            + ("published" if m.batch_rate_published else f"assumed {fmt.share(m.batch_discount)} off")
            + ("; RETIRED" if m.retired else "")
            + (f"; above {m.long_context.threshold_input_tokens:,} input tokens: tier prices" if m.long_context else "")
        )
    lines += ["", f"Source: {catalog.source.label()}"]
    _emit(args, {"models": models, "price_source": catalog.source.label()}, "\n".join(lines))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import calendar

    from costmodel.finance import LABEL_12X_THIS_MONTH, LABEL_NEXT_12_MONTHS
    from costmodel.scenario import ScenarioError, evaluate_scenario
    from costmodel.workflow import WorkflowError

    try:
        ranged = _read_scenario(args.file)  # inline distributions allowed (issue 12)
        scenario = ranged.scenario
        month = args.as_of or today()
        result = evaluate_scenario(scenario, _catalog(args, batch_discount=scenario.batch_discount),
                                   capacity=_capacity(args, scenario.capacity), guard=_guard_settings(args),
                                   days_in_month=calendar.monthrange(month.year, month.month)[1])  # fmt: skip
    except ScenarioError as exc:
        raise CliError([f"{args.file}: {p}" for p in exc.problems]) from None
    except WorkflowError as exc:
        raise CliError([f"{args.file}: {exc}"]) from None
    p = result.portfolio
    payload: dict[str, Any] = {
        "scenario": scenario.name,
        "workflows": [
            {
                "name": r.workflow.name,
                "verdict": r.recommendation.verdict,
                "reasons": list(r.recommendation.reasons),
                "planned_savings_per_month_usd": r.recommendation.planned_savings_per_month_usd,
                "comparison": _comparison_payload(r.comparison),
                "sla": None if r.sla is None else _sla_payload(r.sla),
                **(_queue_payload(r.queue) if r.queue is not None else {"queue_feasible": None}),
                **{key: None if r.guard is None else getattr(r.guard, key) for key in RESCUE_KEYS},
            }
            for r in result.results
        ],
        "portfolio": p.model_dump(mode="json"),
        "price_source": result.results[0].comparison.price_source.label(),
    }
    header = f"{'workflow':<40} {'verdict':<7} {'sync/mo':>12} {'batch/mo':>12} {'planned/mo':>12} {'saves/mo':>11}"
    lines = [f"Scenario: {scenario.name}", header, "-" * len(header)]
    for row in p.rows:
        lines.append(
            f"{row.name[:40]:<40} {row.verdict:<7} {fmt.usd(row.sync_cost_per_month_usd):>12} "
            f"{fmt.usd(row.batch_cost_per_month_usd):>12} {fmt.usd(row.planned_cost_per_month_usd):>12} "
            f"{fmt.usd(row.savings_per_month_usd):>11}"
        )
    lines += [
        "-" * len(header),
        f"{'portfolio':<48} {fmt.usd(p.sync_cost_per_month_usd):>12} {'':>12} "
        f"{fmt.usd(p.planned_cost_per_month_usd):>12} {fmt.usd(p.savings_per_month_usd):>11}",
        "",
        f"  savings per year, {LABEL_12X_THIS_MONTH}: {fmt.usd(p.savings_per_year_usd)} "
        f"({fmt.share(p.savings_share)} of all-sync spend)",
        f"  savings, {LABEL_NEXT_12_MONTHS}: {fmt.usd(p.savings_next_12_months_usd)}",
    ]
    if p.waiting_cost_per_month_usd:
        lines.append(f"  cost of waiting (not cash): {fmt.per_month(p.waiting_cost_per_month_usd)}")
    if p.margin is not None:
        lines.append(
            f"  gross margin {fmt.share(p.margin.gross_margin_before)} → {fmt.share(p.margin.gross_margin_after)} "
            f"({p.margin.mode_label})"
        )
    lines += ["", "Why"] + [f"  {r.workflow.name}: {r.recommendation.reasons[0]}" for r in result.results]
    guarded = [r for r in result.results if r.guard is not None and r.recommendation.verdict != "sync"]
    if guarded:
        lines += ["", "Deadline guard (planned costs include the rescues)"] + [
            f"  {r.workflow.name}: rescue {fmt.hours(r.guard.rescue_cutoff_hours)} after each submission, "
            f"{fmt.probability(r.guard.rescue_probability)} of items, "
            f"{fmt.per_month(r.guard.expected_rescue_cost_per_month_usd)}"
            for r in guarded
            if r.guard is not None
        ]
    if p.queue is not None:
        lines += ["", "Processing queue (one per organisation, shared by the batch workflows)", f"  {p.queue.reason}",
                  *(f"  - {fix}" for fix in p.queue.fixes)]  # fmt: skip
    cap = p.spend_cap_warning
    payload["spend_cap_warning"] = None if cap is None else cap.model_dump(mode="json")
    if cap is not None:
        lines += ["", f"WARNING: {cap.message}"]
    if ranged.is_uncertain:
        from commands.ranges import evaluate_ranges

        lines += evaluate_ranges(args, ranged, result, _catalog(args, batch_discount=scenario.batch_discount), payload)
    lines += ["", f"Prices: {payload['price_source']}"]
    _emit(args, payload, "\n".join(lines))
    return 0


EXPORT_BUILDERS = {"csv": "export_csv", "xlsx": "export_excel", "md": "export_report_markdown",
                   "html": "export_report_html"}  # fmt: skip
"""`export --format` → the `reports.portfolio` builder the Portfolio page's download button uses."""


def cmd_export(args: argparse.Namespace) -> int:
    """Write a scenario's export (and the CSV's assumptions sidecar); print the paths written."""
    from pathlib import Path

    from costmodel.scenario import ScenarioError
    from reports import portfolio
    from reports.view import scenario_view

    generated = args.as_of or today()
    try:
        read = _read_scenario(args.file)  # inline distributions export with their ranges (issue 12)
    except ScenarioError as exc:
        raise CliError([f"{args.file}: {p}" for p in exc.problems]) from None
    scenario = read.scenario
    view = scenario_view(read, _catalog(args, batch_discount=scenario.batch_discount))
    target = Path(args.output or f"{portfolio.scenario_name(scenario.name, generated)}.{args.format}")
    if target.is_dir():
        example = target / f"portfolio.{args.format}"
        raise CliError([f"--output {target}: is a folder; give a file name such as {example}"])
    build = getattr(portfolio, EXPORT_BUILDERS[args.format])
    files = {target: build(view, generated=generated)}
    if args.format == "csv":
        sidecar = target.with_name(f"{target.stem}-assumptions.txt")
        files[sidecar] = portfolio.export_assumptions(view, generated=generated)
    written = []
    for path, content in files.items():
        try:
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            print(f"error: cannot write {path!s:.200} ({getattr(exc, 'strerror', None) or exc}); check the folder "
                  "exists and is writable", file=sys.stderr)  # fmt: skip
            return 1
        written.append(str(path))
    payload = {"scenario": scenario.name, "format": args.format, "files": written,
               "price_source": view.price_source.label(), "problems": view.problems}  # fmt: skip
    lines = [*written] + [f"warning: left out of the totals: {p}" for p in view.problems]
    _emit(args, payload, "\n".join(lines))
    return 0


def _read_scenario(path: str) -> Any:
    from commands.files import load_uncertain_scenario

    return load_uncertain_scenario(path)


COMMANDS = {
    "compare": cmd_compare,
    "sla": cmd_sla,
    "recommend": cmd_recommend,
    "models": cmd_models,
    "evaluate": cmd_evaluate,
    "export": cmd_export,
}
FORWARDED = {"pilot": "commands.pilot", "usage": "commands.usage"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 bad input)."""
    try:
        return _main(argv)
    except BrokenPipeError:  # piped into e.g. `head`, which stopped reading: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a forwarded command (pilot, usage) that let one through
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """Last line of defence: one line naming the failure, scrubbed of keys; exit 1 (BATCH_PLANNER_DEBUG=1: raise)."""
    import os

    if os.environ.get("BATCH_PLANNER_DEBUG"):
        raise exc
    print_errors([f"unexpected failure ({type(exc).__name__}: {exc}); rerun with BATCH_PLANNER_DEBUG=1 and report it"])
    return EXIT_FAILED


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _the_parser()
    try:
        args = parser.parse_args(args_list)
    except CliError as exc:
        print_errors(exc.lines)
        return exc.code
    except SystemExit as exc:  # --help printed
        return exc.code if isinstance(exc.code, int) else 0
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    if args.command in FORWARDED:
        import importlib

        return int(importlib.import_module(FORWARDED[args.command]).run(args))
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print_errors(exc.lines)
        return exc.code
    except ValidationError as exc:  # a model built from flags outside _validate: still the user's input
        from costmodel.errors import problem_lines

        for line in problem_lines(exc, field_help=FIELD_HELP):
            print(f"error: {line}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise
    except Exception as exc:  # never a traceback for a user; BATCH_PLANNER_DEBUG=1 shows it
        return _unexpected(exc)



def _guard_settings(args: argparse.Namespace) -> Any:
    """`--rescue-to-sync` with its drain and buffer, validated; None without the flag."""
    if not getattr(args, "rescue_to_sync", False):
        return None
    from costmodel.guard import GuardSettings

    problems = [f"{flag} = {value!r}: must be 0 or more hours" for flag, value in
                (("--sync-drain-hours", args.sync_drain_hours), ("--rescue-buffer-hours", args.rescue_buffer_hours))
                if not value >= 0]  # fmt: skip
    if problems:
        raise CliError(problems)
    return GuardSettings(sync_drain_hours=args.sync_drain_hours, buffer_hours=args.rescue_buffer_hours)


def _capacity(args: argparse.Namespace, base: Any = None) -> Any:
    """The tier from --tier/--queue-limit/--spend-cap-usd over `base` (a scenario's); flags win."""
    from costmodel.capacity import CapacitySettings

    given = {"tier": args.tier, "queue_limit_requests": args.queue_limit,
             "monthly_spend_cap_usd": getattr(args, "spend_cap_usd", None)}  # fmt: skip
    problems = [f"{flag} = {given[key]!r}: must be a positive {what}" for key, flag, what in (
        ("queue_limit_requests", "--queue-limit", "number of requests"),
        ("monthly_spend_cap_usd", "--spend-cap-usd", "amount in USD per month"),
    ) if given[key] is not None and not given[key] > 0]  # fmt: skip
    if problems:
        raise CliError(problems)
    fields = (base or CapacitySettings()).model_dump()
    fields.update({k: v for k, v in given.items() if v is not None})
    return CapacitySettings(**fields)


def _guard_section(args: argparse.Namespace, payload: dict[str, Any], inputs: Any, *, cutoff_hours: float | None,
                   interval_hours: float | None, comparison: Any = None, guard: Any = None) -> str:  # fmt: skip
    """With --rescue-to-sync: the guard's figures added to `payload`; returns its text block ('' without the flag).

    `guard`: one already planned (recommend); otherwise planned here from `inputs` at `cutoff_hours`.
    """
    if _guard_settings(args) is None:
        return ""
    from costmodel.guard import plan_guard, relative_cutoff_hours

    if interval_hours is None or (guard is None and inputs is None):
        payload.update(rescue_cutoff_hours=None, rescue_probability=None, expected_rescue_cost_per_month_usd=None)
        return "Deadline guard\n  no submission interval to guard (the SLA is infeasible)"
    if guard is None:
        drain, buffer = args.sync_drain_hours, args.rescue_buffer_hours
        if cutoff_hours is None:
            cutoff_hours = relative_cutoff_hours(inputs, interval_hours, sync_drain_hours=drain, buffer_hours=buffer)
        costs: dict[str, Any] = {}
        if comparison is not None:
            costs = {
                "requests_per_month": comparison.requests_per_month,
                "sync_item_usd": comparison.sync_item_usd,
                "batch_item_usd": comparison.batch_item_usd,
                "batch_cost_per_month_usd": comparison.batch_cost_per_month_usd,
            }
        guard = plan_guard(inputs, cutoff_hours=cutoff_hours, interval_hours=interval_hours, sync_drain_hours=drain,
                           buffer_hours=buffer, **costs)  # fmt: skip
    payload.update(
        rescue_cutoff_hours=guard.rescue_cutoff_hours,
        rescue_probability=guard.rescue_probability,
        expected_rescue_cost_per_month_usd=guard.expected_rescue_cost_per_month_usd,
        batch_cost_with_rescue_per_month_usd=guard.batch_cost_with_rescue_per_month_usd,
        rescued_requests_per_month=guard.rescued_requests_per_month,
        rescue_reason=guard.reason,
        rescue_assumptions=list(guard.assumptions),
    )
    rows = [
        ("cutoff after submission", fmt.hours(guard.rescue_cutoff_hours)),
        ("P(item rescued)", fmt.probability(guard.rescue_probability)),
        ("rescue spend per month", fmt.usd(guard.expected_rescue_cost_per_month_usd)),
        ("batch with rescues per month", fmt.usd(guard.batch_cost_with_rescue_per_month_usd)),
    ]
    note = "" if comparison is not None else "\n  (prices: run `recommend --rescue-to-sync` for the cost)"
    return f"Deadline guard\n{_table(rows)}\n\n  {guard.reason}{note}"
