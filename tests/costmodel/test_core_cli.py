"""`python -m costmodel`: every command in human and JSON form; bad input is one line per problem, no traceback."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import main
from tests.costmodel.core_support import AS_OF, AS_OF_FLAG, CHECK_FLAGS, PRESETS, ROOT

COMPARE_KEYS = {
    "sync_cost_per_month_usd", "batch_cost_per_month_usd", "net_savings_per_month_usd", "savings_share",
    "break_even_success_rate", "assumptions",
}  # fmt: skip
SLA_KEYS = {
    "feasible", "reason", "max_interval_hours", "recommended_interval_hours", "submissions_per_day",
    "requests_per_submission", "batches_per_submission", "worst_case_latency_hours", "miss_probability",
    "p50_hours", "p90_hours", "p99_hours",
}  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    code, out, err = _run(capsys, *argv, *AS_OF_FLAG, "--json")
    assert code == 0, err
    return json.loads(out)


# --- each command, JSON and human ---------------------------------------------------------------


def test_compare_json_keys_and_traceability(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "compare", *CHECK_FLAGS)
    assert data.keys() >= COMPARE_KEYS
    assert isinstance(data["assumptions"], list)
    assert data["assumptions"]
    assert AS_OF.isoformat() in data["price_source"]


def test_compare_with_catalog_model(capsys: pytest.CaptureFixture[str]) -> None:
    # claude-sonnet-4-6 at $3/$15 (batch $1.50/$7.50): the check figures again, from the catalog
    data = _json(capsys, "compare", "--model", "claude-sonnet-4-6", "--requests-per-day", "500",
                 "--input-tokens", "15000", "--output-tokens", "800")  # fmt: skip
    assert data["sync_cost_per_month_usd"] == pytest.approx(855.0)
    assert data["batch_cost_per_month_usd"] == pytest.approx(427.5)
    assert data["price_source_detail"]["name"] == "genai-prices"


def test_compare_every_flag_reaches_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys, "compare", *CHECK_FLAGS, "--requests-per-day", "400", "--days-per-month", "20",
        "--success-rate", "0.9", "--billed-failure-share", "0.5", "--retry", "batch", "--max-batch-rounds", "2",
        "--refinement-hours", "6", "--amortize-months", "6", "--ops-hours-per-month", "2", "--hourly-rate", "50",
        "--delay-cost-per-item-hour", "0.001", "--wait-hours", "4",
    )  # fmt: skip
    n = 400 * 20
    beta = 0.9 + 0.1 * 0.5
    batch_item = 0.0285 * beta * (1 + 0.1) + 0.01 * 0.057
    overhead = 50 * (6 / 6 + 2)
    waiting = n * 0.001 * 4
    assert data["requests_per_month"] == n
    assert data["batch_cost_per_month_usd"] == pytest.approx(n * batch_item + overhead)  # cash: no waiting
    assert data["overhead_per_month_usd"] == pytest.approx(overhead)
    assert data["waiting_cost_per_month_usd"] == pytest.approx(waiting)


def test_compare_cache_flags(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "compare", *CHECK_FLAGS, "--cached-input-tokens", "10000", "--cache-hit-rate", "1",
                 "--batch-cache-hit-rate", "0", "--batch-cache-ttl", "1h")  # fmt: skip
    # sync: 5,000 uncached × $3 + 10,000 reads × $0.30 + 800 × $15; batch: 1-h writes at $6 × 0.5
    assert data["request_costs"]["sync_usd"] == pytest.approx((15_000 + 3_000 + 12_000) / 1e6)
    assert data["request_costs"]["batch_usd"] == pytest.approx((7_500 + 30_000 + 6_000) / 1e6)


def test_compare_per_month_volume(capsys: pytest.CaptureFixture[str]) -> None:
    flags = [f for f in CHECK_FLAGS if f not in ("--requests-per-day", "500")]
    data = _json(capsys, "compare", *flags, "--requests-per-month", "15000")
    assert data["sync_cost_per_month_usd"] == pytest.approx(855.0)


def test_compare_human(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "compare", *CHECK_FLAGS, *AS_OF_FLAG)
    assert code == 0
    assert "Sync vs batch" in out
    assert "$855.00" in out
    assert "$427.50" in out
    assert "Assumptions" in out


def test_sla_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "sla", "--sla-hours", "30", "--requests-per-day", "240000", "--avg-request-bytes", "20000")
    assert data.keys() >= SLA_KEYS
    # 240,000/day × 4 h / 24 h = 40,000 requests × 20,000 B = 800,000,000 B; 256 MB = 268,435,456 B → 3 batches
    assert data["requests_per_submission"] == pytest.approx(40_000)
    assert data["batches_per_submission"] == 3
    # 1,500,000/day → 250,000 requests of 100 B: the 100,000-request limit decides → 3 batches
    by_count = _json(capsys, "sla", "--sla-hours", "30", "--requests-per-day", "1500000", "--avg-request-bytes", "100")
    assert by_count["batches_per_submission"] == 3
    assert by_count["requests_per_submission"] == pytest.approx(250_000)
    assert data["worst_case_latency_hours"] == pytest.approx(28.0)
    assert 0 <= data["miss_probability"] <= 1
    assert data["p50_hours"] <= data["p90_hours"] <= data["p99_hours"]


def test_sla_infeasible_json_and_human(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "sla", "--sla-hours", "48", "--batch-rounds", "2", "--requests-per-day", "100")
    assert data["feasible"] is False
    assert data["recommended_interval_hours"] is None
    assert "not guaranteed" in data["reason"]
    assert data["fixes"]
    code, out, _ = _run(capsys, "sla", "--sla-hours", "48", "--batch-rounds", "2")
    assert code == 0
    assert "NO" in out
    assert "What would fix it" in out


def test_sla_chosen_interval(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "sla", "--sla-hours", "30", "--interval-hours", "6")
    assert data["feasible"] is False  # 6 h > I_max = 4 h
    assert data["worst_case_latency_hours"] == pytest.approx(30.0)
    assert "longer than the 4 h maximum" in data["reason"]


@pytest.mark.parametrize(
    ("extra", "verdict"),
    [([], "batch"), (["--blocking"], "sync"), (["--streaming"], "sync"), (["--urgent-share", "0.3"], "hybrid"),
     (["--sla-hours", "20"], "sync"), (["--sla-hours", "24", "--sla-kind", "soft"], "batch"),
     (["--tool-turns", "3", "--sla-hours", "30"], "sync")],
)  # fmt: skip
def test_recommend_json(capsys: pytest.CaptureFixture[str], extra: list[str], verdict: str) -> None:
    data = _json(capsys, "recommend", *CHECK_FLAGS, *extra)
    assert data["verdict"] == verdict
    assert isinstance(data["reasons"], list)
    assert data["reasons"]


def test_recommend_human(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "recommend", *CHECK_FLAGS, "--blocking", "--sla-hours", "1", *AS_OF_FLAG)
    assert code == 0
    assert out.startswith("Verdict: SYNC")
    assert "blocking" in out
    assert "Submission windows" in out


def test_models_json_and_human(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "models")
    by_id = {m["model_id"]: m for m in data["models"]}
    assert by_id["claude-sonnet-4-6"]["batch"]["input_usd_per_mtok"] == pytest.approx(1.5)
    assert "claude-opus-4-1" not in by_id  # retired: shown only when asked for
    retired = {m["model_id"]: m for m in _json(capsys, "models", "--include-retired")["models"]}
    assert retired["claude-opus-4-1"]["batch_rate_published"] is False
    assert retired["claude-opus-4-1"]["retired"] is True
    assert "claude-2" not in by_id
    assert "genai-prices" in data["price_source"]
    assert "claude-2" in {m["model_id"] for m in _json(capsys, "models", "--all")["models"]}
    code, out, _ = _run(capsys, "models", "--include-retired", *AS_OF_FLAG)
    assert code == 0
    assert "assumed 50.0% off" in out  # costmodel.formatting.share
    assert "above 100,000 input tokens: tier prices" in out
    assert f"prices as of {AS_OF.isoformat()}" in out


def test_evaluate_json_and_human(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(PRESETS / "portfolio.json")
    data = _json(capsys, "evaluate", path)
    verdicts = {w["name"]: w["verdict"] for w in data["workflows"]}
    assert verdicts["Pre-merge code check"] == "sync"
    assert verdicts["Nightly test generation"] == "batch"
    assert verdicts["Support-conversation analytics"] == "hybrid"
    portfolio = data["portfolio"]
    assert portfolio["savings_per_month_usd"] == pytest.approx(
        sum(r["savings_per_month_usd"] for r in portfolio["rows"])
    )
    assert len(portfolio["projection"]) == 12
    assert portfolio["margin"]["gross_margin_after"] > portfolio["margin"]["gross_margin_before"]
    code, out, _ = _run(capsys, "evaluate", path, *AS_OF_FLAG)
    assert code == 0
    assert out.startswith("Scenario: Engineering & operations portfolio")
    assert "gross margin 80.0% →" in out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys)
    assert code == 2
    assert "compare" in out


# --- bad input: exit 2, one line per problem on stderr, never a traceback -----------------------


def _bad_cases(tmp: Path) -> list[tuple[list[str], list[str]]]:
    broken = tmp / "broken.json"
    broken.write_text('{"name": "x", "workflows": [')
    typo = tmp / "typo.json"
    typo.write_text(json.dumps({"name": "x", "workflows": [
        {"requests_per_day": 10, "input_tokens": 1, "output_tokens": 1, "sucess_rate": 0.9}]}))  # fmt: skip
    wf = ["--input-tokens", "100", "--output-tokens", "10"]
    big = ["--input-tokens", "10", "--output-tokens", "40000"]
    return [
        (["evaluate", str(tmp / "missing.json")], [f"{tmp / 'missing.json'}: no such file; check the path"]),
        (["evaluate", str(broken)], ["not valid JSON"]),
        (["compare", "--requests-per-day", "-5", *wf], ["requests_per_day = -5.0", "(set --requests-per-day)"]),
        (["compare", "--model", "claude-nope", "--requests-per-day", "500", *wf], ["unknown model 'claude-nope'"]),
        (["compare", "--requests-per-day", "5", "--requests-per-month", "100", *wf], ["not allowed with"]),
        (["compare", "--requests-per-day", "500", *wf, "--success-rate", "1.5"], ["success_rate = 1.5", "equal to 1"]),
        (["evaluate", str(typo)], ["workflows[0].sucess_rate = 0.9: unknown field"]),
        (["sla", "--sla-hours", "0"], ["sla_hours = 0.0"]),
        (["recommend", "--requests-per-day", "500", *wf, "--sla-hours", "-1"], ["sla_hours = -1.0"]),
        (
            ["compare", "--model", "claude-opus-4-1", "--requests-per-day", "500", *big],
            ["output_tokens: 40000 is above"],
        ),
    ]


def _check_bad(argv: list[str], expected: list[str], code: int, stdout: str, stderr: str) -> None:
    shown = f"{argv}: {stderr}"
    assert code == 2, shown
    assert "Traceback" not in stderr + stdout, shown
    assert stdout == "", shown
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, shown
    assert lines[0].startswith("error: "), shown
    for fragment in expected:
        assert fragment in lines[0], shown


SUBPROCESS_CASES = 5
"""The first cases (missing file, invalid JSON, negative volume, unknown model, exclusive volume flags) run in
fresh interpreters, as a user runs them; all run in-process too (same checks)."""


def test_bad_input_in_a_fresh_interpreter_exits_2_without_traceback(tmp_path: Path) -> None:
    cases = _bad_cases(tmp_path)[:SUBPROCESS_CASES]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "costmodel", *argv, *AS_OF_FLAG],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for argv, _ in cases
    ]
    for (argv, expected), proc in zip(cases, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=120)
        _check_bad(argv, expected, proc.returncode, stdout, stderr)


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, expected in _bad_cases(tmp_path):
        code, out, err = _run(capsys, *argv, *AS_OF_FLAG)
        _check_bad(argv, expected, code, out, err)


def test_several_problems_are_several_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "compare", "--requests-per-day", "-1", "--input-tokens", "5", "--output-tokens",
                          "-1", "--success-rate", "2", *AS_OF_FLAG)  # fmt: skip
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("error: ") for line in lines)


def test_missing_inputs_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "compare", *AS_OF_FLAG)
    assert code == 2
    assert "missing --input-tokens" in err
    assert "missing --output-tokens" in err
    assert "missing volume" in err


NUMBERS = st.sampled_from(["-1", "0", "0.5", "1", "2", "24", "1e6", "nan", "inf", "-inf", "abc"])
COMPARE_FLAGS = [
    "--days-per-month", "--cached-input-tokens", "--cache-hit-rate", "--batch-cache-hit-rate", "--success-rate",
    "--billed-failure-share", "--max-batch-rounds", "--refinement-hours", "--ops-hours-per-month", "--hourly-rate",
    "--amortize-months", "--delay-cost-per-item-hour", "--wait-hours", "--batch-discount", "--input-price",
    "--output-price", "--sla-hours", "--max-miss-probability", "--safety-margin-hours", "--downstream-hours",
    "--median-processing-hours", "--p90-processing-hours", "--expired-share", "--tool-turns", "--urgent-share",
]  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    command=st.sampled_from(["compare", "recommend"]),
    flags=st.lists(st.tuples(st.sampled_from(COMPARE_FLAGS), NUMBERS), min_size=1, max_size=4),
)
def test_fuzzed_flags_never_fail_unexpectedly(command: str, flags: list[tuple[str, str]]) -> None:
    argv = [command, "--requests-per-day", "500", "--input-tokens", "15000", "--output-tokens", "800", *AS_OF_FLAG]
    for flag, value in flags:
        if command == "compare" and flag in COMPARE_FLAGS[16:]:
            continue  # recommend-only flags
        if flag in ("--max-batch-rounds", "--tool-turns") and value not in ("-1", "0", "1", "2", "24", "abc"):
            value = "2"
        argv += [flag, value]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    assert code in (0, 2), (argv, err.getvalue())
    assert "unexpected failure" not in err.getvalue(), argv
    if code == 2:
        assert err.getvalue().strip(), argv
        assert all(line.startswith("error: ") for line in err.getvalue().strip().splitlines()), argv


@pytest.mark.parametrize(
    "argv",
    [
        ["models"],
        ["usage", "data/usage/console_usage_2026-10.csv"],
        ["pilot", "validate", "data/pilot/sample_requests.jsonl"],
    ],
    ids=["models", "usage", "pilot"],
)
def test_a_reader_that_stops_early_is_not_an_error(argv: list[str]) -> None:
    """`python -m costmodel … | head`: the closed pipe ends the command quietly with exit 0."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "costmodel", *argv], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader goes away before the first line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert b"error" not in err.lower()
