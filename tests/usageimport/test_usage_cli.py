"""`python -m costmodel usage` (commands.usage.main): reports, JSON, exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from commands.usage import main
from emulator.admin_api import AdminApiEmulator
from tests.usageimport import samples


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return samples.write_all(tmp_path_factory.mktemp("cli"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_text_report_per_model_and_total(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([str(files["console_usage"]), str(files["console_cost"])], capsys)
    assert code == 0, err
    assert "claude-sonnet-4-5" in out
    assert "claude-haiku-4-5" in out
    assert "total" in out
    assert "billed $" in out
    assert "Prices: genai-prices" in out
    assert "Period: 2026-10-01 … 2026-10-31 (31 days)" in out


def test_json_carries_assumptions_price_source_and_savings(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run([str(files["log_csv"]), "--json", "--batchable-share", "0.5", "--success-rate", "0.9"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["price_source"].startswith("genai-prices")
    assert "batchable share of standard-tier traffic: 50.0%" in data["assumptions"]
    assert any("90.0%" in a for a in data["assumptions"])
    total = data["total"]
    assert total["savings_usd"] == pytest.approx(total["actual_usd"] - total["whatif_usd"])
    assert sum(m["actual_usd"] for m in data["by_model"]) == pytest.approx(total["actual_usd"])
    assert {t["key"] for t in data["by_tag"]} == set(samples.TAGS)


def test_batchable_share_zero_means_no_savings(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run([str(files["admin_usage"]), "--json", "--batchable-share", "0"], capsys)
    assert json.loads(out)["total"]["savings_usd"] == 0


def test_to_scenario_then_plan_round_trip(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "imported.json"
    code, out, _ = run([str(files["log_jsonl"]), "--to-scenario", str(scenario)], capsys)
    assert code == 0
    assert f"Scenario written to {scenario}" in out
    code, out, _ = run([str(files["log_jsonl"]), "--plan", str(scenario), "--json"], capsys)
    assert code == 0
    rows = json.loads(out)["plan_vs_actual"]
    assert {r["workflow"] for r in rows} == set(samples.TAGS)
    assert not any(r["flagged"] for r in rows)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give at least one FILE"),
        (["missing.csv"], "missing.csv: no such file"),
        (["{log}", "--success-rate", "0"], "success_rate = 0.0: Input should be greater than 0 (set --success-rate)"),
        (["{log}", "--batchable-share", "1.5"], "not a share between 0 and 1"),
        (["{log}", "--model-share", "oops"], "write NAME=SHARE"),
        (["{log}", "--bogus"], "unrecognized arguments: --bogus"),
        (["--fetch"], "--fetch needs --start and --end"),
        (["{usage}", "--to-scenario", "{out}"], "does not count requests"),
        (["{log}", "--plan", "{missing_plan}"], "nope.json: no such file; check the path"),
        (["{bad}"], "bad.csv: no output token column"),
    ],
)
def test_bad_input_exits_2_with_one_line_per_problem(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,model,input_tokens\n2026-10-01,x,1\n", encoding="utf-8")
    values = {
        "log": files["log_csv"],
        "usage": files["console_usage"],
        "out": tmp_path / "s.json",
        "missing_plan": tmp_path / "nope.json",
        "bad": bad,
    }
    code, out, err = run([a.format(**values) for a in argv], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), err
    assert any(message in line for line in lines), err
    assert not out


def test_two_bad_files_give_two_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([str(tmp_path / "a.csv"), str(tmp_path / "b.csv")], capsys)
    assert code == 2
    want = [f"error: {tmp_path / name}: no such file; check the path" for name in ("a.csv", "b.csv")]
    assert err.strip().splitlines() == want


def test_skipped_rows_are_listed_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "timestamp,model,input_tokens,output_tokens\n2026-10-01,claude-haiku-4-5,1,1\n2026-10-02,claude-haiku-4-5,x,1\n",
        encoding="utf-8",
    )
    code, out, err = run([str(path)], capsys)
    assert code == 0
    assert "skipped 1" in out
    assert "skipped: log.csv line 3, column input_tokens: 'x' is not a number" in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "python -m costmodel usage" in out


def test_fetch_uses_the_env_key_and_never_prints_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "sk-ant-admin01-CLI-SECRET-5678"
    daily = samples.daily_usage()
    scenario = tmp_path / "s.json"
    with AdminApiEmulator(
        usage_buckets=samples.usage_buckets(daily),
        cost_buckets=samples.cost_buckets(daily, samples.row_prices(daily)),
        admin_key=key,
    ) as api:
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", key)
        argv = ["--fetch", "--start", "2026-10-01", "--end", "2026-10-31", "--admin-base-url", api.base_url]
        code, out, err = run([*argv, "--json"], capsys)
        assert code == 0, err
        assert json.loads(out)["total"]["billed_usd"] > 0
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", key + "-wrong")
        bad_code, bad_out, bad_err = run(argv, capsys)
    assert bad_code == 2
    assert "401" in bad_err
    for text in (out, err, bad_out, bad_err):
        assert "SECRET" not in text
    assert not scenario.exists()


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r", " \t"])
def test_admin_key_with_a_pasted_line_ending_works(
    ending: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "sk-ant-admin01-CLI-SECRET-5678"
    daily = samples.daily_usage()
    with AdminApiEmulator(usage_buckets=samples.usage_buckets(daily), admin_key=key) as api:
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", key + ending)
        argv = ["--fetch", "--start", "2026-10-01", "--end", "2026-10-31", "--admin-base-url", api.base_url, "--json"]
        code, out, err = run(argv, capsys)
    assert code == 0, err
    assert json.loads(out)["total"]["actual_usd"] > 0
    assert "SECRET" not in out + err


@pytest.mark.parametrize("inside", ["\r", "\n", "\x1b", "\x7f", " ", "\u201c"])
def test_admin_key_with_a_control_character_inside_is_refused_without_the_key(
    inside: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with AdminApiEmulator() as api:
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", f"sk-ant-admin01-CLI{inside}SECRET-5678")
        argv = ["--fetch", "--start", "2026-10-01", "--end", "2026-10-31", "--admin-base-url", api.base_url]
        code, out, err = run(argv, capsys)
        assert api.requests == []  # refused before anything is sent
    assert code == 2
    assert "ANTHROPIC_ADMIN_KEY" in err or "admin key" in err
    assert "position 19" in err
    assert "SECRET" not in out + err
    assert len(err.strip().splitlines()) == 1


def test_as_of_is_used_for_prices(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run([str(files["log_csv"]), "--json", "--as-of", date(2026, 11, 15).isoformat()], capsys)
    assert "prices as of 2026-11-15" in json.loads(out)["price_source"]


def test_python_m_costmodel_usage_dispatches_here(files: dict[str, Path]) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    good = subprocess.run(
        [sys.executable, "-m", "costmodel", "usage", str(files["console_usage"]), "--json"],
        capture_output=True, text=True, cwd=root, check=False,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["total"]["actual_usd"] > 0
    bad = subprocess.run(
        [sys.executable, "-m", "costmodel", "usage", "nope.csv"], capture_output=True, text=True, cwd=root, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: nope.csv: no such file; check the path"


def test_an_unreachable_admin_api_is_a_failed_operation_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from usageimport.fetch import fetch_reports

    monkeypatch.setitem(fetch_reports.__kwdefaults__, "sleep", lambda seconds: None)
    with AdminApiEmulator() as api:
        url = api.base_url  # closed on exit: nothing listens there any more
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-CLI-SECRET-5678")
    code, out, err = run(["--fetch", "--start", "2026-10-01", "--end", "2026-10-31", "--admin-base-url", url], capsys)
    assert code == 1
    assert "cannot reach the Admin API" in err
    assert len(err.strip().splitlines()) == 1
    assert "SECRET" not in out + err


NO_TIER_CSV = "date,model,service_tier,input_tokens,output_tokens\n" + "".join(
    f"2026-10-01,claude-sonnet-4-6,{tier},1000000,0\n" for tier in ("standard", "")
)
MODES_CSV = """date,model,service_tier,speed,inference_geo,input_tokens,output_tokens
2026-10-01,claude-opus-4-6,standard,fast,global,1000000,0
2026-10-01,claude-sonnet-4-6,standard,standard,us,1000000,0
"""


def text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str], csv: str) -> tuple[str, dict[str, Any]]:
    """The text report and the JSON of one usage CSV (both must exit 0)."""
    path = tmp_path / "usage.csv"
    path.write_text(csv)
    code, out, err = run([str(path)], capsys)
    assert code == 0, err
    code, data, err = run([str(path), "--json"], capsys)
    assert code == 0, err
    return out, json.loads(data)


def test_rows_without_a_tier_are_reported_apart_in_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, data = text_and_json(tmp_path, capsys, NO_TIER_CSV)
    assert "Warning: tier unknown: 1 row (50.0% of spend, $3.00)" in out
    assert data["tier_unknown"] == {
        "rows": 1,
        "actual_usd": pytest.approx(3.0),
        "share_of_spend": pytest.approx(0.5),
        "treatment": "not discounted, not moved",
    }
    assert data["warnings"][0].startswith("tier unknown")
    assert {t["key"]: t["savings_usd"] for t in data["by_tier"]}["unknown"] == 0


def test_fast_and_us_rows_are_named_in_text_and_counted_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, data = text_and_json(tmp_path, capsys, MODES_CSV)
    assert "Fast mode: 1 rows at fast rates, never moved to batch; inference_geo us: 1 rows at 1.1× on tokens" in out
    assert (data["fast_mode_rows"], data["inference_geo_us_rows"]) == (1, 1)
    assert data["total"]["actual_usd"] == pytest.approx(30.0 + 3.3)  # Opus 4.6 fast 6 × $5; Sonnet 4.6 1.1 × $3


@pytest.mark.parametrize(
    ("choice", "analytics", "code", "apis"),
    [
        ("auto", False, 0, {"analytics", "legacy"}),  # the fallback
        ("legacy", True, 0, {"legacy"}),
        ("analytics", False, 2, {"analytics"}),  # asked for analytics only: no fallback, one line
    ],
)
def test_admin_api_choice(
    choice: str,
    analytics: bool,
    code: int,
    apis: set[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = "sk-ant-admin01-CLI-choice"
    with AdminApiEmulator(
        usage_buckets=samples.usage_buckets(samples.daily_usage()), admin_key=key, analytics=analytics
    ) as api:
        monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", key)
        argv = ["--fetch", "--start", "2026-10-01", "--end", "2026-10-31", "--admin-base-url", api.base_url]
        got, out, err = run([*argv, "--admin-api", choice, "--json"], capsys)
    assert got == code, err
    assert {r.api for r in api.requests} == apis
    if code:
        assert err.strip() == (
            "error: organizations/analytics/usage: the Usage & Cost Analytics API is not enabled for this "
            "organisation; fetch from the legacy reports instead"
        )
    else:
        assert json.loads(out)["total"]["actual_usd"] > 0
