"""The one argument parser class: a bad flag or value is one line naming it and the help to read, exit 2."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from typing import Any, NoReturn

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from commands.errors import CliError

__all__ = [
    "FIELD_HELP", "FLAG_FOR_FIELD", "Parser", "add_pricing_date", "add_what_if_flags", "day", "field_default",
    "field_help",
]  # fmt: skip

# CLI flag for each model field, so a validation error says what to change
FLAG_FOR_FIELD = {
    "model": "--model",
    "requests_per_day": "--requests-per-day",
    "requests_per_month": "--requests-per-month",
    "days_per_month": "--days-per-month",
    "input_tokens": "--input-tokens",
    "output_tokens": "--output-tokens",
    "cached_input_tokens": "--cached-input-tokens",
    "cache_hit_rate": "--cache-hit-rate",
    "batch_cache_hit_rate": "--batch-cache-hit-rate",
    "success_rate": "--success-rate",
    "billed_failure_share": "--billed-failure-share",
    "retry_route": "--retry",
    "max_batch_rounds": "--max-batch-rounds",
    "refinement_hours": "--refinement-hours",
    "ops_hours_per_month": "--ops-hours-per-month",
    "hourly_rate_usd": "--hourly-rate",
    "amortize_months": "--amortize-months",
    "delay_cost_per_item_hour_usd": "--delay-cost-per-item-hour",
    "batch_wait_hours": "--wait-hours",
    "input_usd_per_mtok": "--input-price",
    "output_usd_per_mtok": "--output-price",
    "batch_discount": "--batch-discount",
    "sla_hours": "--sla-hours",
    "max_miss_probability": "--max-miss-probability",
    "worst_case_hours": "--worst-case-hours",
    "downstream_hours": "--downstream-hours",
    "safety_margin_hours": "--safety-margin-hours",
    "batch_rounds": "--batch-rounds",
    "avg_request_bytes": "--avg-request-bytes",
    "tool_turns": "--tool-turns",
    "tool_choice": "--tool-choice",
    "thinking_tokens": "--thinking-tokens",
    "web_searches_per_request": "--web-searches-per-request",
    "code_execution_hours_per_request": "--code-execution-hours-per-request",
    "inference_geo": "--inference-geo",
    "speed": "--speed",
    "batch_output_beta": "--batch-output-beta",
    "sync_cache_ttl": "--sync-cache-ttl",
    "batch_cache_ttl": "--batch-cache-ttl",
    "urgent_share": "--urgent-share",
    "median_processing_hours": "--median-processing-hours",
    "p90_processing_hours": "--p90-processing-hours",
    "expired_share": "--expired-share",
    "monthly_spend_cap_usd": "--spend-cap-usd",
    "queue_limit_requests": "--queue-limit",
}
FIELD_HELP = {field: f"set {flag}" for field, flag in FLAG_FOR_FIELD.items()}
"""What a validation error adds after a field's problem: the flag to change."""

_DEEPEST = "_cli_prog"
"""Namespace attribute: the innermost (sub)command parsed, so an unknown flag points at its help."""


class Parser(argparse.ArgumentParser):
    """argparse that raises `CliError` with one line (no usage block, no SystemExit) for any bad argument."""

    def error(self, message: str) -> NoReturn:
        raise CliError([f"{message} (see `{self.prog} --help`)"])

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if not hasattr(parsed, _DEEPEST):  # a subcommand's parser returns first: it names the help to read
            setattr(parsed, _DEEPEST, self.prog)
        return parsed, extras

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> Any:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            prog = getattr(parsed, _DEEPEST, self.prog)
            raise CliError([f"unrecognized arguments: {' '.join(extras)} (see `{prog} --help`)"])
        return parsed


# --- flags derived from the model fields ---------------------------------------------------------


def field_default(model: type[BaseModel], name: str) -> Any:
    """The model field's default: the flag's default, so the command line never restates it."""
    default = model.model_fields[name].default
    return None if default is PydanticUndefined else default


def field_help(model: type[BaseModel], name: str) -> str:
    """The model field's docstring (pydantic keeps it as the description) as flag help, with its default."""
    text = (model.model_fields[name].description or name.replace("_", " ")).replace("%", "%%")
    default = field_default(model, name)
    if default is None or isinstance(default, BaseModel):
        return text
    return f"{text} Default: {default:g}." if isinstance(default, float) else f"{text} Default: {default}."


def add_what_if_flags(group: Any) -> None:
    """The what-if flags (first-pass success, billed failures, retry route and rounds), one definition for every
    command that takes them (`compare`, `recommend`, `usage`); defaults and help from `Workflow`'s fields."""
    from costmodel.workflow import Workflow

    for field, kwargs in (
        ("success_rate", {"type": float}),
        ("billed_failure_share", {"type": float}),
        ("retry_route", {"choices": ["sync", "batch"], "dest": "retry"}),
        ("max_batch_rounds", {"type": int}),
    ):
        group.add_argument(
            FLAG_FOR_FIELD[field], default=field_default(Workflow, field), help=field_help(Workflow, field), **kwargs
        )


def day(text: str) -> date:
    """An argparse type: a calendar day written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_pricing_date(parser: Any, *, default: str = "today, the UTC date") -> None:
    """`--as-of YYYY-MM-DD`: the date whose prices price the figures; every command takes it (default: today,
    `commands.clock.today`)."""
    parser.add_argument(
        "--as-of", type=day, default=None, metavar="YYYY-MM-DD", help=f"price date (default: {default})"
    )
