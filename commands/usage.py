"""`python -m costmodel usage`: price real usage, show what batch would have cost, compare with a plan.

    python -m costmodel usage data/usage/console_usage_2026-10.csv
    python -m costmodel usage usage.json cost.json --batchable-share 0.6 --json
    ANTHROPIC_ADMIN_KEY=sk-ant-admin... python -m costmodel usage --fetch --start 2026-10-01 --end 2026-10-31
    python -m costmodel usage log.jsonl --to-scenario imported.json --plan plan.json

Bad input exits 2 with one line per problem on stderr; nothing here prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from commands.errors import EXIT_BAD_INPUT, EXIT_FAILED, CliError, print_errors
from commands.parser import FIELD_HELP, add_pricing_date, add_what_if_flags, day

ADMIN_KEY_ENV = "ANTHROPIC_ADMIN_KEY"
EXIT_UNEXPECTED = EXIT_FAILED
"""A failed operation (e.g. the Admin API unreachable) or an unexpected failure."""


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def _pair(text: str) -> tuple[str, float]:
    name, sep, value = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=SHARE, e.g. claude-sonnet-4-5=0.6")
    return name, _share(value)


PARSER_TEXT: dict[str, Any] = {
    "help": "import real usage (Admin API, Console CSV, request logs) and price it on batch",
    "description": "Price imported Anthropic usage (Admin API reports, Console CSV exports, request logs): "
    "actual spend, the same standard-tier traffic on batch, savings per model and in total.",
}
"""The `usage` subcommand's texts in the one parser (`commands.plan.build_parser`)."""


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The usage import's flags, on the `usage` parser of the one command line."""
    p.add_argument("files", nargs="*", metavar="FILE", help="usage/cost CSV, report JSON, request log CSV/JSONL")
    p.add_argument("--json", action="store_true", help="print JSON (with assumptions and price source)")
    p.add_argument("--batchable-share", type=_share, default=1.0, help="share of standard traffic that could wait")
    p.add_argument("--model-share", type=_pair, action="append", default=[], metavar="MODEL=SHARE")
    p.add_argument("--tag-share", type=_pair, action="append", default=[], metavar="TAG=SHARE")
    add_what_if_flags(p.add_argument_group("what if (how the traffic would run on batch)"))
    add_pricing_date(p, default="the last day of the usage")
    p.add_argument("--fetch", action="store_true", help=f"fetch reports from the Admin API (key in ${ADMIN_KEY_ENV})")
    p.add_argument("--start", type=day, help="first UTC day to fetch")
    p.add_argument("--end", type=day, help="last UTC day to fetch (inclusive)")
    p.add_argument(
        "--admin-api",
        choices=("auto", "analytics", "legacy"),
        default="auto",
        help="which Admin API to fetch from: auto = the Usage & Cost Analytics API, the legacy reports where it is "
        "not enabled (default)",
    )
    p.add_argument("--admin-base-url", default=None, help=argparse.SUPPRESS)
    p.add_argument("--plan", type=Path, help="scenario JSON to compare with the imported usage")
    p.add_argument("--to-scenario", type=Path, metavar="OUT.json", help="write the imported month as a scenario")
    p.add_argument("--scenario-name", default="Imported usage", help="name of the scenario written")
    return p


def main(argv: list[str]) -> int:
    """`python -m costmodel usage ARGV` through the one command line; returns the exit code."""
    from commands import main as run_command_line

    return run_command_line(["usage", *argv])


def run(args: argparse.Namespace) -> int:
    """Run the parsed usage command; returns the exit code."""
    try:
        return _run(args)
    except CliError as exc:
        for line in exc.lines:
            _err(line)
        return exc.code
    except BrokenPipeError:  # output piped into e.g. `head`: the command line ends quietly
        raise
    except Exception as exc:  # the promise: never a traceback
        from costmodel.usage import UsageError
        from usageimport.tables import UsageImportError

        if isinstance(exc, UsageImportError):
            from usageimport.fetch import FetchFailed

            for line in exc.problems:
                _err(line)
            return EXIT_UNEXPECTED if isinstance(exc, FetchFailed) else EXIT_BAD_INPUT
        if isinstance(exc, ValidationError):
            from costmodel.errors import problem_lines

            for line in problem_lines(exc, field_help=FIELD_HELP):
                _err(line)
            return EXIT_BAD_INPUT
        if isinstance(exc, UsageError | ValueError | OSError):
            problems = getattr(exc, "problems", None)
            for line in problems if problems else [str(exc)]:
                _err(line)
            return EXIT_BAD_INPUT
        raise  # the one entry's last line of defence (commands.plan.main): one scrubbed line, exit 1


def _err(line: str) -> None:
    print_errors([line])


def _run(args: argparse.Namespace) -> int:
    from commands.clock import today
    from commands.prices import catalog
    from costmodel.usage import WhatIfAssumptions
    from usageimport.analysis import analyze, default_as_of, load_files
    from usageimport.tables import ImportResult, UsageImportError

    if not args.files and not args.fetch:
        raise CliError(["give at least one FILE, or --fetch with --start and --end"])
    assumptions = WhatIfAssumptions(
        batchable_share=args.batchable_share,
        batchable_share_by_model=dict(args.model_share),
        batchable_share_by_tag=dict(args.tag_share),
        success_rate=args.success_rate,
        billed_failure_share=args.billed_failure_share,
        retry_route=args.retry,
        max_batch_rounds=args.max_batch_rounds,
    )
    result = load_files(args.files) if args.files else ImportResult()
    if args.fetch:
        _fetch(args, result)
    if result.usage_rows == 0 and result.billed_rows == 0:
        raise UsageImportError(["no usable rows in the input", *result.skipped_lines()[:20]])
    as_of = args.as_of or default_as_of(result, today())
    analysis = analyze(result, as_of=as_of, assumptions=assumptions, catalog=catalog(as_of, include_retired=True))
    plan_rows = None
    if args.plan is not None:
        from commands.files import load_scenario
        from costmodel.scenario import ScenarioError

        try:
            plan = load_scenario(args.plan)
        except ScenarioError as exc:
            raise CliError([f"--plan {args.plan}: {problem}" for problem in exc.problems]) from None
        plan_rows = analysis.plan_vs_actual(plan.workflows)
    if args.to_scenario is not None:
        from costmodel.scenario import scenario_to_json
        from costmodel.usage import scenario_from_usage

        scenario = scenario_from_usage(
            result.usage_columns(),
            analysis.catalog,
            name=args.scenario_name,
            description=f"built from {', '.join(result.sources)}",
        )
        args.to_scenario.write_text(scenario_to_json(scenario), encoding="utf-8")
    if args.json:
        from usageimport.report import analysis_json

        print(json.dumps(analysis_json(analysis, plan_rows), indent=2))
    else:
        from usageimport.report import analysis_text

        print(analysis_text(analysis, plan_rows))
        if args.to_scenario is not None:
            print(f"\nScenario written to {args.to_scenario}")
    for line in result.skipped_lines()[:20]:
        print(f"skipped: {line}", file=sys.stderr)
    return 0


def _fetch(args: argparse.Namespace, result: Any) -> None:
    from usageimport.fetch import DEFAULT_BASE_URL, fetch_into, fetch_reports

    if args.start is None or args.end is None:
        raise CliError(["--fetch needs --start and --end (UTC days, YYYY-MM-DD)"])
    key = os.environ.get(ADMIN_KEY_ENV, "")
    reports = fetch_reports(
        admin_key=key,
        start=args.start,
        end=args.end,
        base_url=args.admin_base_url or DEFAULT_BASE_URL,
        api=args.admin_api,
    )
    fetch_into(result, reports)


