"""One command line (issue 9): one parser for every command, one error line and one exit-code table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> dict[tuple[str, ...], list[str]]:
    """Every command's argv prefix → what it needs to parse (positionals `x`, required options their first choice)."""
    from tests.commands.test_cli_fuzz import all_commands

    needs: dict[tuple[str, ...], list[str]] = {}
    for c in all_commands():
        argv = ["x" for a in c.positionals if a.nargs is None]
        for a in c.options:
            if a.required:
                argv += [a.option_strings[0], str(next(iter(a.choices or ["x"])))]
        needs[c.prefix] = argv
    return needs


COMMANDS = _commands()


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_an_unknown_flag_under_any_command_is_one_line_naming_it_and_that_commands_help(path: tuple[str, ...]) -> None:
    code, out, err = run_cli([*path, *COMMANDS[path], "--no-such-flag"])
    assert code == 2
    assert out == ""
    prog = " ".join(("python -m costmodel", *path))
    assert err == f"error: unrecognized arguments: --no-such-flag (see `{prog} --help`)\n"


def test_pilot_and_usage_are_subcommands_of_the_one_parser() -> None:
    from commands.plan import build_parser
    from tests.commands.test_cli_fuzz import _subparsers

    top = _subparsers(build_parser())
    assert {"compare", "sla", "recommend", "models", "evaluate", "export", "pilot", "usage"} <= set(top)
    assert {"validate", "estimate", "submit", "wait", "report", "calibrate"} <= set(_subparsers(top["pilot"]))
    assert any("--batchable-share" in a.option_strings for a in top["usage"]._actions)


@pytest.mark.parametrize("argv", [["pilot"], ["pilot", "bogus"], ["usage", "--as-of", "yesterday"]])
def test_a_bad_subcommand_or_value_is_one_line_exit_2(argv: list[str]) -> None:
    code, _, err = run_cli(argv)
    assert code == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "usage:" not in err


def test_help_under_a_nested_command_exits_0_with_its_flags() -> None:
    code, out, _ = run_cli(["pilot", "estimate", "--help"])
    assert code == 0
    assert "--budget-usd" in out
    assert "python -m costmodel pilot estimate" in out


USAGE_LOG = str(ROOT / "data" / "usage" / "console_cost_2026-10.csv")
WORKFLOW = ["--input-tokens", "1000", "--output-tokens", "100", "--requests-per-day", "10"]


@pytest.mark.parametrize(
    ("flag", "line"),
    [
        ("--success-rate", "error: success_rate = 2.0: Input should be less than or equal to 1 (set --success-rate)"),
        ("--billed-failure-share", "error: billed_failure_share = 2.0: Input should be less than or equal to 1 "
         "(set --billed-failure-share)"),
    ],
)  # fmt: skip
def test_a_what_if_flag_out_of_range_gets_the_same_line_under_every_command(flag: str, line: str) -> None:
    for argv in (["compare", *WORKFLOW], ["recommend", *WORKFLOW], ["usage", USAGE_LOG]):
        code, _, err = run_cli([*argv, flag, "2"])
        assert (code, err) == (2, line + "\n"), argv


def test_flag_defaults_and_help_come_from_the_model_fields() -> None:
    from commands.plan import build_parser
    from costmodel.guard import GuardSettings
    from costmodel.workflow import SlaSpec, Workflow
    from tests.commands.test_cli_fuzz import _subparsers

    commands = _subparsers(build_parser())
    for command in ("sla", "recommend"):
        actions = {a.dest: a for a in commands[command]._actions}
        for field in ("max_miss_probability", "worst_case_hours", "safety_margin_hours", "median_processing_hours"):
            assert actions[field].default == SlaSpec.model_fields[field].default, (command, field)
            assert (SlaSpec.model_fields[field].description or "?").replace("%", "%%") in (actions[field].help or "")
        assert actions["sync_drain_hours"].default == GuardSettings.model_fields["sync_drain_hours"].default
    for command in ("compare", "recommend", "usage"):
        actions = {a.dest: a for a in commands[command]._actions}
        assert actions["max_batch_rounds"].default == Workflow.model_fields["max_batch_rounds"].default
        assert (Workflow.model_fields["success_rate"].description or "?") in (actions["success_rate"].help or "")


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_takes_a_pricing_date_and_json(path: tuple[str, ...]) -> None:
    from tests.commands.test_cli_fuzz import all_commands

    (command,) = [c for c in all_commands() if c.prefix == path]
    flags = {f for a in command.options for f in a.option_strings}
    assert {"--as-of", "--json"} <= flags


def test_pilot_estimate_prices_on_the_as_of_date() -> None:
    sample = str(ROOT / "data" / "pilot" / "sample_requests.jsonl")
    code, out, err = run_cli(["pilot", "estimate", sample, "--json", "--as-of", "2025-06-01"])
    assert code == 0, err
    assert "prices as of 2025-06-01" in json.loads(out)["estimate"]["price_source"]
    code, _, err = run_cli(["pilot", "estimate", sample, "--as-of", "June"])
    assert (code, err) == (2, "error: argument --as-of: 'June' is not a date (YYYY-MM-DD) "
                              "(see `python -m costmodel pilot estimate --help`)\n")  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [
        ["pilot", "validate", "MISSING"],
        ["pilot", "estimate", "MISSING"],
        ["evaluate", "MISSING"],
        ["export", "MISSING", "--format", "csv"],
        ["usage", "MISSING"],
        ["usage", USAGE_LOG, "--plan", "MISSING"],
    ],
    ids=" ".join,
)
def test_a_missing_file_is_one_error_line_naming_it_exit_2_under_every_command(argv: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = run_cli([str(missing) if a == "MISSING" else a for a in argv])
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert "nope.json" in err


def test_workflow_flags_take_default_and_help_from_the_workflow_fields() -> None:
    from commands.parser import FLAG_FOR_FIELD
    from commands.plan import build_parser
    from costmodel.workflow import Workflow
    from tests.commands.test_cli_fuzz import _subparsers

    field_of = {flag: field for field, flag in FLAG_FOR_FIELD.items() if field in Workflow.model_fields}
    # no flag default: the model's own applies (a required field, or one whose default is labelled an assumption)
    model_applies = {"model", "input_tokens", "output_tokens", "batch_cache_hit_rate", "requests_per_day",
                     "requests_per_month"}  # fmt: skip
    for command in ("compare", "recommend"):
        for action in _subparsers(build_parser())[command]._actions:
            field = next((field_of[o] for o in action.option_strings if o in field_of), None)
            if field is None or field in ("urgent_share",):
                continue
            doc = (Workflow.model_fields[field].description or "?").replace("%", "%%")
            assert (action.help or "").startswith(doc), (command, field)
            if field not in model_applies:
                assert action.default == Workflow.model_fields[field].default, (command, field)


def test_a_clock_deadline_flag_beside_sla_hours_is_refused_not_ignored() -> None:
    code, out, err = run_cli(["sla", "--sla-hours", "30", "--arrivals-from", "log.csv", "--timezone", "UTC"])
    assert (code, out) == (2, "")
    assert err == (
        "error: --timezone, --arrivals-from: only for a clock deadline; add --deadline HH:MM --timezone ZONE "
        "(instead of --sla-hours), or leave it out\n"
    )


def test_the_parser_is_built_once_per_process_not_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` used to build all 14 commands' ~240 flags on every call (~10 ms, most of an in-process call)."""
    from commands.parser import Parser

    run_cli(["models", "--json"])  # the first call may build it
    built = []
    original = Parser.__init__

    def counting(self: Parser, *args: object, **kwargs: object) -> None:
        built.append(kwargs.get("prog"))
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Parser, "__init__", counting)
    for argv in (["models", "--json"], ["compare", "--json"], ["pilot", "list"], ["usage", "--help"]):
        run_cli(argv)
    assert built == []


def test_one_call_leaves_nothing_behind_for_the_next() -> None:
    """The one parser is reused: flags, subcommands and errors of one call never reach the next call's answer."""
    base = ["compare", "--json", "--requests-per-day", "100", "--input-tokens", "1000", "--output-tokens", "200"]
    first = run_cli(base)
    other = ["--requests-per-day", "7", "--success-rate", "0.5", "--model", "claude-haiku-4-5", "--days-per-month", "9"]
    run_cli([*base, *other])
    run_cli(["pilot", "--ledger", "/nonexistent/x.sqlite3", "list"])
    run_cli(["compare", "--no-such-flag"])
    run_cli(["sla", "--sla-hours", "nan"])
    assert run_cli(base) == first
    assert first[0] == 0
