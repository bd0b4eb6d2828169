"""`python -m costmodel pilot ...`: validate, estimate, submit, watch and measure a pilot batch.

The key comes from ANTHROPIC_API_KEY and the endpoint from ANTHROPIC_BASE_URL (a loopback
address means the local emulator: output is labelled SIMULATED). Bad input (flags, files, the
key's format) exits 2 and a failed operation exits 1, each with one line per problem on stderr,
never a traceback; no message ever contains the key.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

from commands.errors import EXIT_BAD_INPUT, EXIT_OK, CliError, print_errors, scrubbed
from commands.errors import EXIT_FAILED as EXIT_PROBLEM
from commands.parser import add_pricing_date
from costmodel import formatting as fmt
from costmodel.formatting import hours
from pilot.checks import OutputCheck
from pilot.report import PilotReport
from pilot.requests import PromptTemplate
from pilot.spend import DEFAULT_BUDGET_USD, SpendEstimate

__all__ = ["main"]

API_KEY_ENV = "ANTHROPIC_API_KEY"
MAX_BUDGET_USD = 10_000.0
"""Largest --budget-usd accepted [USD]: a pilot is a few hundred requests; more is a typo, not a pilot."""
MAX_POLL_SECONDS = 3_600.0
"""Longest --poll-seconds [s]: the batch clock is read at least hourly."""
MAX_WAIT_SECONDS = 7 * 86_400.0
"""Longest --max-wait-seconds [s]: a batch ends (or expires) within 24 h; a week covers retries and restarts."""


def _fail(*lines: str, code: int = EXIT_PROBLEM) -> CliError:
    """Stop with these lines on stderr (exit 1, or `code`)."""
    return CliError(lines, code=code)


def _bounded(low: float, high: float, *, above_low: bool = False, unit: str = "") -> Any:
    """An argparse type: a finite number in [low, high] (or (low, high] with `above_low`)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        too_low = value <= low if above_low else value < low
        if not math.isfinite(value) or too_low or value > high:
            bracket = "(" if above_low else "["
            raise argparse.ArgumentTypeError(f"{text} is not a finite number in {bracket}{low:g}, {high:,.0f}]{unit}")
        return value

    return parse


PARSER_TEXT: dict[str, Any] = {
    "help": "live pilot batches: validate, estimate, submit, wait, report",
    "description": "Run a live pilot batch through the Message Batches API and measure it for the plan.",
    "epilog": "ANTHROPIC_API_KEY selects the key and ANTHROPIC_BASE_URL the endpoint "
    "(a 127.0.0.1 endpoint is the local SIMULATED emulator: `python -m emulator`).",
}
"""The `pilot` subcommand's texts in the one parser (`commands.plan.build_parser`)."""


def add_commands(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The pilot's subcommands and flags, on the `pilot` parser of the one command line."""
    ledger_help = "ledger file (default: $BATCH_PLANNER_HOME/ledger.sqlite3, else the per-user data directory)"
    parser.add_argument("--ledger", type=Path, default=None, help=ledger_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--ledger", type=Path, default=argparse.SUPPRESS, help=ledger_help)
    add_pricing_date(common, default="today, the UTC date; prices the estimates and reports")
    sub = parser.add_subparsers(dest="pilot_command", required=True, metavar="COMMAND")

    def add(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kwargs)

    def source(p: argparse.ArgumentParser) -> None:
        p.add_argument("input", type=Path, help="Message Batches JSONL, or texts (CSV/JSONL) with --template")
        p.add_argument("--template", type=Path, help="prompt template JSON (model, max_tokens, user_template, ...)")

    def as_json(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="machine-readable output")

    def pilot_ref(p: argparse.ArgumentParser) -> None:
        p.add_argument("pilot", help="pilot id (see `list`) or `latest`")

    def count_tokens(p: argparse.ArgumentParser) -> None:
        p.add_argument("--count-tokens", action="store_true", help="use Anthropic's free token counting (needs a key)")

    def budget(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--budget-usd",
            type=_bounded(0.0, MAX_BUDGET_USD, unit=" USD"),
            default=DEFAULT_BUDGET_USD,
            help=f"refuse if the worst case exceeds this [USD, at most {MAX_BUDGET_USD:,.0f}]",
        )

    p = add("validate", help="check a sample set line by line; nothing is sent")
    source(p)
    as_json(p)

    p = add("estimate", help="input tokens and worst-case spend at batch prices, and how big the pilot should be")
    source(p)
    budget(p)
    count_tokens(p)
    _pilot_size_flags(p)
    as_json(p)

    p = add("submit", help="validate, estimate, confirm and submit a pilot")
    source(p)
    budget(p)
    p.add_argument("--yes", action="store_true", help="skip the interactive confirmation")
    count_tokens(p)
    p.add_argument("--label", default="", help="a name for the pilot")
    p.add_argument("--check", choices=["none", "json", "json_keys", "regex"], default="none", help="output check")
    p.add_argument("--require-keys", default="", help="comma-separated keys for --check json_keys")
    p.add_argument("--pattern", default="", help="regular expression for --check regex")
    as_json(p)

    for name, text in (("status", "the pilot's state and elapsed time against 24 h"), ("report", "measured figures")):
        p = add(name, help=text)
        pilot_ref(p)
        as_json(p)

    p = add("wait", help="poll until the pilot's batches end, then download results")
    pilot_ref(p)
    p.add_argument(
        "--poll-seconds",
        type=_bounded(0.0, MAX_POLL_SECONDS, above_low=True, unit=" s"),
        default=60.0,
        help="seconds between polls (default 60, at most 3,600)",
    )
    p.add_argument(
        "--max-wait-seconds",
        type=_bounded(0.0, MAX_WAIT_SECONDS, unit=" s"),
        default=None,
        help="give up waiting after this long [s]",
    )
    as_json(p)

    p = add("results", help="download results to the ledger directory (and copy them to --out)")
    pilot_ref(p)
    p.add_argument("--out", type=Path, help="also copy the results JSONL here")
    as_json(p)

    p = add("list", help="every pilot in the ledger")
    as_json(p)

    p = add("calibrate", help="the turnaround learned from every ended batch in the ledger, with its uncertainty")
    p.add_argument("--min-batches", type=int, default=5, help="ended batches needed for a fit (5)")
    p.add_argument("--include-simulated", action="store_true", help="count emulator batches (made-up timings)")
    as_json(p)

    p = add("cancel", help="cancel the pilot's unfinished batches")
    pilot_ref(p)
    as_json(p)

    p = add("retry-failed", help="a new pilot with only the failed and expired requests, submitted")
    pilot_ref(p)
    budget(p)
    p.add_argument("--yes", action="store_true", help="skip the interactive confirmation")
    as_json(p)
    return parser


# --- helpers ------------------------------------------------------------------------------------------


def _catalog(args: argparse.Namespace) -> Any:
    """The price catalog on `--as-of` (default: today, `commands.clock.today`)."""
    from commands.clock import today
    from commands.prices import catalog

    return catalog(args.as_of or today())


def _ledger(args: argparse.Namespace) -> Any:
    from pilot.ledger import Ledger, default_ledger_path

    return Ledger(args.ledger or default_ledger_path())


def _api_key() -> str | None:
    """ANTHROPIC_API_KEY without a pasted line ending; a key with a control character inside is bad input."""
    from costmodel.apikeys import KeyFormatError, clean_api_key

    try:
        return clean_api_key(os.environ.get(API_KEY_ENV), source=API_KEY_ENV)
    except KeyFormatError as exc:
        raise _fail(str(exc), code=EXIT_BAD_INPUT) from None


def _runner(args: argparse.Namespace, *, base_url: str | None = None) -> Any:
    from pilot.runner import Runner

    def log(message: str) -> None:
        print(scrubbed(message), file=sys.stderr, flush=True)

    return Runner(
        _ledger(args),
        api_key=_api_key(),
        base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL") or None,
        log=log,
    )


def _runner_for(args: argparse.Namespace) -> tuple[Any, str]:
    """A runner on the endpoint the pilot was submitted to, and the resolved pilot id."""
    probe = _runner(args)
    pilot_id = probe.resolve(args.pilot)
    endpoint = probe.ledger.pilot(pilot_id).endpoint
    probe.close()
    return _runner(args, base_url=endpoint), pilot_id


def _template(args: argparse.Namespace) -> PromptTemplate | None:
    from pilot.files import load_template

    return load_template(args.template) if getattr(args, "template", None) else None


def _check(args: argparse.Namespace) -> OutputCheck:
    keys = tuple(k.strip() for k in args.require_keys.split(",") if k.strip())
    try:
        return OutputCheck(kind=args.check, required_keys=keys, pattern=args.pattern)
    except ValueError as exc:
        raise _fail(f"--check: {_pydantic_message(exc)}", code=EXIT_BAD_INPUT) from None


def _pydantic_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in errors())
    return str(exc)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _target_line(endpoint: str, simulated: bool) -> str:
    return f"target: SIMULATED local emulator at {endpoint}" if simulated else f"target: Anthropic API at {endpoint}"


def _estimate_lines(estimate: SpendEstimate, budget_usd: float) -> list[str]:
    from pilot.spend import budget_decision

    decision = budget_decision(estimate, budget_usd)
    return [
        f"requests: {estimate.request_count:,} in {estimate.batch_count} batch(es); "
        f"models: {', '.join(estimate.models)}",
        f"input tokens: {estimate.input_tokens:,} ({estimate.input_tokens_source})",
        f"output bound: {estimate.max_output_tokens:,} tokens (max_tokens, or a larger thinking budget, "
        "per sampling iteration)",
        f"worst case at batch prices: {fmt.usd_small(estimate.worst_case_batch_usd)} "
        f"(sync would be {fmt.usd_small(estimate.worst_case_sync_usd)})",
        *(
            [
                f"web search fees: {fmt.usd_small(estimate.web_search_usd)} ({estimate.web_search_uses:,} searches, "
                "no batch discount), included in the worst case"
            ]
            if estimate.web_search_uses
            else []
        ),
        *(f"assumes {assumption}" for assumption in estimate.assumptions),
        f"budget: {decision.reason}",
        f"prices: {estimate.price_source}",
    ]


def _status_lines(status: Any) -> list[str]:
    lines = [
        f"{status.pilot.pilot_id}  [{status.label}]  {status.state}  "
        f"{status.pilot.request_count} requests  label: {status.pilot.label}"
    ]
    for part, clock in zip(status.parts, status.clocks, strict=True):
        where = part.batch_id or "(not sent)"
        counts = ", ".join(f"{k} {v}" for k, v in sorted(part.counts.items()) if v)
        timing = clock.describe() if clock is not None else ""
        line = f"  batch {part.part}: {where}  {part.state}  {timing}"
        if counts:
            line += f"  [{counts}]"
        if part.error:
            line += f"  error: {part.error}"
        lines.append(line)
    return lines


def _emit_status(args: argparse.Namespace, status: Any) -> None:
    if args.json:
        _print_json(status.as_dict())
    else:
        print("\n".join(_status_lines(status)))


def _report_lines(report: PilotReport) -> list[str]:
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    errors = ", ".join(f"{k} {v}" for k, v in report.error_types.items()) or "none"
    turnaround = ", ".join(hours(h) for h in report.turnaround_hours) or fmt.NONE
    return [
        f"results: {report.result_count} of {report.request_count} requests ({counts})",
        f"error types: {errors}",
        f"usable: {report.usable_count} — first-pass success rate {fmt.share(report.first_pass_success_rate)} "
        f"({report.output_check})",
        f"turnaround (created → ended): {turnaround}",
        f"tokens per succeeded request: input {report.uncached_input_tokens_per_request:,.1f} uncached + "
        f"{report.cache_write_tokens_per_request:,.1f} cache write + {report.cache_read_tokens_per_request:,.1f} "
        f"cache read; output {report.output_tokens_per_request:,.1f}",
        f"cost: batch {fmt.usd_small(report.batch_cost_usd)}; same usage sync {fmt.usd_small(report.sync_cost_usd)}; "
        f"savings {fmt.usd_small(report.savings_usd)} ({fmt.share(report.savings_share)})",
        f"prices: {report.price_source}",
    ] + (
        [
            f"left out: {report.skipped_lines} unreadable line(s) and {report.duplicate_results} repeated "
            "result(s) in the results file (each request counts once)"
        ]
        if report.skipped_lines or report.duplicate_results
        else []
    )


def _confirm(args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise _fail("not submitted: confirm with --yes (no terminal to ask on)")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise _fail("not submitted: not confirmed")


# --- commands -----------------------------------------------------------------------------------------


def _validation_failure(result: Any, source: Path) -> CliError:
    return _fail(*(f"{source}: {problem}" for problem in result.problems), code=EXIT_BAD_INPUT)


def cmd_validate(args: argparse.Namespace) -> int:
    from pilot.files import validate_source

    result = validate_source(args.input, _template(args))
    if args.json:
        _print_json(
            {
                "ok": result.ok,
                "problems": [p.model_dump() for p in result.problems],
                "request_count": len(result.requests),
                "batches": [list(r) for r in result.batches()],
                "total_bytes": result.total_body_bytes,
            }
        )
        return EXIT_OK if result.ok else EXIT_PROBLEM
    if not result.ok:
        raise _validation_failure(result, args.input)
    print(
        f"OK: {len(result.requests):,} requests, {len(result.batches())} batch(es), {result.total_body_bytes:,} bytes"
    )
    return EXIT_OK


def cmd_estimate(args: argparse.Namespace) -> int:
    from pilot.runner import ValidationFailed
    from pilot.spend import budget_decision

    size = _pilot_size(args)
    with _runner(args) as runner:
        try:
            _, estimate = runner.estimate(
                args.input, _catalog(args), template=_template(args), count_tokens=args.count_tokens
            )
        except ValidationFailed as exc:
            raise _validation_failure(exc.result, args.input) from None
    size = _pilot_size_for_set(size, estimate.request_count)
    if args.json:
        decision = budget_decision(estimate, args.budget_usd)
        _print_json({"estimate": estimate.model_dump(mode="json"), "budget": decision.model_dump(mode="json"),
                     "pilot_size": size.model_dump(mode="json")})  # fmt: skip
    else:
        print("\n".join([*_estimate_lines(estimate, args.budget_usd), f"pilot size: {size.statement}"]))
    return EXIT_OK


ASSUMED_SUCCESS_RATE = 0.9
"""Expected first-pass success rate for the pilot-size advice when nothing better is given [share]."""


def _pilot_size_flags(p: argparse.ArgumentParser) -> None:
    """How big the pilot should be (issue 12): the success rate expected, the precision wanted, the break-even."""
    from costmodel.samplesize import DEFAULT_HALF_WIDTH

    g = p.add_argument_group("pilot size")
    g.add_argument("--expected-success-rate", type=float, default=None,
                   help=f"first-pass success rate you expect (default {ASSUMED_SUCCESS_RATE}, an assumption)")
    g.add_argument("--success-from-pilot", metavar="K/N", default=None,
                   help="an earlier pilot's K usable of N requests: the expected rate and the requests measured")
    g.add_argument("--precision", type=float, default=DEFAULT_HALF_WIDTH,
                   help=f"pin the success rate to ± this at 90 %% ({DEFAULT_HALF_WIDTH:g})")  # fmt: skip
    g.add_argument("--break-even", type=float, default=None,
                   help="the plan's break-even success rate: also size the pilot to settle batch vs sync")  # fmt: skip


def _pilot_size(args: argparse.Namespace) -> Any:
    """The pilot-size advice for `estimate` (bad flags exit 2 before the sample set is read)."""
    from costmodel.samplesize import pilot_size_advice
    from costmodel.uncertainty import PilotCounts, parse_distribution, point_of

    expected, already, assumed = args.expected_success_rate, 0, False
    if args.success_from_pilot is not None:
        try:
            counts = parse_distribution(args.success_from_pilot)
        except ValueError as exc:
            raise _fail(f"--success-from-pilot: {exc}", code=EXIT_BAD_INPUT) from None
        if not isinstance(counts, PilotCounts):
            raise _fail("--success-from-pilot takes K/N: usable results of requests, e.g. 190/200", code=EXIT_BAD_INPUT)
        expected, already = point_of(counts), counts.requests
    if expected is None:
        expected, assumed = ASSUMED_SUCCESS_RATE, True
    for flag, value in (("--expected-success-rate", expected), ("--break-even", args.break_even)):
        if value is not None and not 0 < value <= 1:
            raise _fail(f"{flag} = {value!r}: give a first-pass success rate in (0, 1]", code=EXIT_BAD_INPUT)
    try:
        advice = pilot_size_advice(
            expected, half_width=args.precision, break_even_success_rate=args.break_even, requests_already=already
        )
    except ValueError as exc:
        raise _fail(f"--precision: {exc}", code=EXIT_BAD_INPUT) from None
    if assumed:
        note = (
            f"; the expected {fmt.share(expected)} is an assumption: pass --expected-success-rate or "
            "--success-from-pilot"
        )
        advice = advice.model_copy(update={"statement": advice.statement + note})
    return advice


def _pilot_size_for_set(advice: Any, set_size: int) -> Any:
    """The advice with what this sample set's size means for it."""
    needed = max(advice.requests_for_precision, advice.requests_to_decide or 0) - advice.requests_already
    fit = "enough" if set_size >= needed else f"{needed - set_size:,} short"
    statement = f"{advice.statement}; this sample set has {set_size:,} requests ({fit})"
    return advice.model_copy(update={"statement": statement})


def cmd_submit(args: argparse.Namespace) -> int:
    from pilot.runner import ValidationFailed
    from pilot.spend import budget_decision

    check = _check(args)
    template = _template(args)
    with _runner(args) as runner:
        catalog = _catalog(args)
        try:
            _, estimate = runner.estimate(args.input, catalog, template=template, count_tokens=args.count_tokens)
        except ValidationFailed as exc:
            raise _validation_failure(exc.result, args.input) from None
        if not args.json:
            print(_target_line(runner.endpoint, runner.simulated))
            print("\n".join(_estimate_lines(estimate, args.budget_usd)))
        decision = budget_decision(estimate, args.budget_usd)
        if not decision.allowed:
            raise _fail(f"not submitted: {decision.reason}")
        worst_text = fmt.usd_small(estimate.worst_case_batch_usd)
        _confirm(args, f"Submit {estimate.request_count} requests (worst case {worst_text})?")
        pilot_id = runner.prepare(
            args.input,
            catalog,
            template=template,
            budget_usd=args.budget_usd,
            check=check,
            label=args.label,
            count_tokens=args.count_tokens,
        )
        status = runner.submit(pilot_id)
    if args.json:
        _print_json(status.as_dict())
    else:
        print("\n".join(_status_lines(status)))
        print(f"next: python -m costmodel pilot wait {pilot_id}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    runner, pilot_id = _runner_for(args)
    with runner:
        status = runner.status(pilot_id)
        if status.pending:
            status = runner.refresh(pilot_id)
    _emit_status(args, status)
    return EXIT_OK


def cmd_wait(args: argparse.Namespace) -> int:
    runner, pilot_id = _runner_for(args)
    interactive = sys.stderr.isatty()

    def progress(status: Any) -> None:
        clock = next((c for c in status.clocks if c is not None), None)
        timing = clock.describe() if clock is not None else status.state
        processing = sum(p.counts.get("processing", 0) for p in status.parts)
        line = f"[{status.label}] {status.pilot.pilot_id}: {status.state}; {timing}; {processing} processing"
        print(("\r" + line) if interactive else line, end="" if interactive else "\n", file=sys.stderr, flush=True)

    with runner:
        status = runner.wait(
            pilot_id, poll_seconds=args.poll_seconds, max_wait_seconds=args.max_wait_seconds, on_progress=progress
        )
        if interactive:
            print(file=sys.stderr)
        if status.state == "ended":
            runner.download(pilot_id)
            status = runner.status(pilot_id)
    if args.json:
        _print_json(status.as_dict())
    else:
        print("\n".join(_status_lines(status)))
        if status.state == "complete":
            print(f"next: python -m costmodel pilot report {pilot_id}")
    return EXIT_OK if not status.pending else EXIT_PROBLEM


def cmd_results(args: argparse.Namespace) -> int:
    runner, pilot_id = _runner_for(args)
    with runner:
        status = runner.refresh(pilot_id) if runner.status(pilot_id).pending else runner.status(pilot_id)
        if status.state not in ("ended", "complete"):
            raise _fail(f"pilot {pilot_id} is {status.state}: results are available once its batches end")
        path = runner.download(pilot_id)
        complete = runner.status(pilot_id).state == "complete"
    if args.out:
        shutil.copyfile(path, args.out)
    with path.open(encoding="utf-8") as handle:
        lines = sum(1 for _ in handle)
    missing = status.pilot.request_count - lines
    if args.json:
        _print_json(
            {
                "pilot_id": pilot_id,
                "results_path": str(path),
                "copied_to": str(args.out or ""),
                "lines": lines,
                "complete": complete,
            }
        )
    else:
        print(f"{lines} results in {path}" + (f" (copied to {args.out})" if args.out else ""))
    if not complete:
        _say(f"{max(missing, 0)} result(s) not received yet (the stream was cut): run `pilot results` again")
        return EXIT_PROBLEM
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    runner, pilot_id = _runner_for(args)
    with runner:
        status = runner.status(pilot_id)
        if status.state == "ended":
            runner.download(pilot_id)
        report = runner.report(pilot_id, _catalog(args))
    try:
        measurement: dict[str, Any] | None = report.measurement().model_dump(mode="json")
    except ValueError as exc:
        measurement = None
        note = str(exc)
    if args.json:
        _print_json(
            {
                "pilot_id": pilot_id,
                "simulated": status.pilot.simulated,
                "report": report.model_dump(mode="json"),
                "measurement": measurement,
            }
        )
    else:
        print(f"{pilot_id}  [{status.label}]")
        print("\n".join(_report_lines(report)))
        if measurement is None:
            print(f"measurement: {note}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from pilot.ledger import Ledger, default_ledger_path
    from pilot.runner import overall_state

    ledger = Ledger(args.ledger or default_ledger_path())
    rows = []
    for pilot in ledger.pilots():
        parts = ledger.parts(pilot.pilot_id)
        rows.append(
            {
                "pilot_id": pilot.pilot_id,
                "created_at": pilot.created_at.isoformat(),
                "label": pilot.label,
                "state": overall_state(parts),
                "simulated": pilot.simulated,
                "endpoint": pilot.endpoint,
                "request_count": pilot.request_count,
                "batch_ids": [p.batch_id for p in parts if p.batch_id],
                "parent_pilot_id": pilot.parent_pilot_id,
            }
        )
    if args.json:
        _print_json(rows)
    elif not rows:
        print(f"no pilots in {ledger.path}")
    else:
        for r in rows:
            target = "SIMULATED" if r["simulated"] else "API"
            print(f"{r['pilot_id']}  {r['state']:<11} {target:<9} {r['request_count']:>6} requests  {r['label']}")
    return EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    from pilot.calibrate import run
    from pilot.ledger import Ledger, default_ledger_path

    if args.min_batches < 2:
        raise _fail(f"--min-batches {args.min_batches}: at least 2 batches are needed for a spread",
                    code=EXIT_BAD_INPUT)  # fmt: skip
    return run(args, Ledger(args.ledger or default_ledger_path()))


def cmd_cancel(args: argparse.Namespace) -> int:
    runner, pilot_id = _runner_for(args)
    with runner:
        status = runner.cancel(pilot_id)
    _emit_status(args, status)
    return EXIT_OK


def cmd_retry_failed(args: argparse.Namespace) -> int:
    runner, pilot_id = _runner_for(args)
    with runner:
        new_id = runner.retry_failed(pilot_id, _catalog(args), budget_usd=args.budget_usd)
        new = runner.status(new_id)
        if not args.json:
            print(_target_line(runner.endpoint, runner.simulated))
            made = "new pilot" if new.state == "prepared" else "retry pilot (made before)"
            print(f"{made} {new_id}: {new.pilot.request_count} failed or expired requests of {pilot_id}")
        worst = float(new.pilot.estimate["worst_case_batch_usd"])
        _confirm(args, f"Submit {new.pilot.request_count} requests (worst case {fmt.usd_small(worst)})?")
        status = runner.submit(new_id)
    _emit_status(args, status)
    return EXIT_OK


COMMANDS = {
    "validate": cmd_validate,
    "estimate": cmd_estimate,
    "submit": cmd_submit,
    "status": cmd_status,
    "wait": cmd_wait,
    "results": cmd_results,
    "report": cmd_report,
    "list": cmd_list,
    "calibrate": _calibrate,
    "cancel": cmd_cancel,
    "retry-failed": cmd_retry_failed,
}


def _say(*lines: str) -> None:
    for line in lines:
        print(scrubbed(line), file=sys.stderr)


def main(argv: list[str]) -> int:
    """`python -m costmodel pilot ARGV` through the one command line; returns the exit code."""
    from commands import main as run_command_line

    return run_command_line(["pilot", *argv])


def run(args: argparse.Namespace) -> int:
    """Run one parsed pilot command; returns the exit code (0 ok, 1 a failed operation, 2 bad input)."""
    from pilot.api import PermanentApiError, TransientApiError
    from pilot.files import SourceError
    from pilot.runner import PilotError

    try:
        return COMMANDS[args.pilot_command](args)
    except CliError as exc:
        print_errors(exc.lines)
        return exc.code
    except SourceError as exc:
        print_errors([str(exc)])
        return EXIT_BAD_INPUT
    except (PilotError, PermanentApiError, TransientApiError) as exc:
        print_errors([str(exc)])
    except KeyboardInterrupt:
        print_errors(["interrupted; the ledger keeps the pilot's state — run the command again to resume"])
    except BrokenPipeError:  # output piped into e.g. `head`: the command line ends quietly
        raise
    except sqlite3.Error as exc:  # the ledger reports its own problems; this is the last line of defence
        ledger = args.ledger or "file"
        print_errors([f"ledger {ledger}: cannot be used ({exc}); move it aside or pass another --ledger"])
    except OSError as exc:
        from costmodel.errors import unreadable_file

        filename = getattr(exc, "filename", None)
        print_errors([unreadable_file(filename, exc) if filename else str(exc.strerror or exc)])
    # anything else reaches the one entry's last line of defence (commands.plan.main): one scrubbed line, exit 1
    return EXIT_PROBLEM
