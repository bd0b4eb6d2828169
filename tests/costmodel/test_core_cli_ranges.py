"""Ranges on the command line (issue 12): range flags, `<key>_range` in JSON, the ranges section, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commands import main
from tests.costmodel.core_support import AS_OF_FLAG, CHECK_FLAGS, PRESETS

RANGE_KEYS = (
    "sync_cost_per_month_usd", "batch_cost_per_month_usd", "net_savings_per_month_usd", "net_benefit_per_month_usd",
    "net_savings_per_year_usd", "waiting_cost_per_month_usd", "savings_share", "break_even_success_rate",
)  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main([*argv, *AS_OF_FLAG])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_pilot_counts_add_a_range_beside_each_point_key(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "compare", *CHECK_FLAGS, "--success-from-pilot", "190/200")
    # the point figures are the pilot's measured rate, s = 0.95: the design's check figure
    assert data["net_savings_per_month_usd"] == pytest.approx(384.75, abs=0.005)
    for key in RANGE_KEYS:
        rng = data[f"{key}_range"]
        assert set(rng) == {"p10", "p50", "p90"}
    net = data["net_savings_per_month_usd_range"]
    assert net["p10"] < net["p50"] < net["p90"]
    assert (net["p10"], net["p50"], net["p90"]) == pytest.approx((362.5, 382.3, 397.5), abs=1.5)
    assert data["probability_batch_saves"] == 1.0
    assert data["uncertain_inputs"][0]["field"] == "success_rate"
    assert data["uncertain_inputs"][0]["json_value"] == {"beta": [190, 200]}
    assert data["pilot_size"]["requests_for_precision"] == 322
    assert data["pilot_size"]["requests_already"] == 200
    assert data["draws"] == 10_000


def test_plain_numbers_leave_the_output_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "compare", *CHECK_FLAGS, "--success-rate", "0.95")
    assert not [k for k in data if k.endswith("_range")]
    assert "probability_batch_saves" not in data
    assert data["net_savings_per_month_usd"] == pytest.approx(384.75, abs=0.005)


def test_range_flags_take_midpoints_as_the_point_figures(capsys: pytest.CaptureFixture[str]) -> None:
    flags = [f for f in CHECK_FLAGS if f not in ("--output-tokens", "800")]
    data = _json(capsys, "compare", *flags, "--output-tokens", "600:1100", "--success-rate", "0.9:0.98")
    assert {i["field"] for i in data["uncertain_inputs"]} == {"output_tokens", "success_rate"}
    # point: s = 0.94, 850 output tokens
    c_sync = (15_000 * 3 + 850 * 15) / 1e6
    want = 15_000 * (0.94 * c_sync - c_sync / 2)
    assert data["net_savings_per_month_usd"] == pytest.approx(want, abs=0.005)
    assert data["tornado"]["bars"][0]["field"] in ("output_tokens", "success_rate")


def test_recommend_names_the_decisive_input_and_ranges_the_sla_risk(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "recommend", *CHECK_FLAGS, "--success-from-pilot", "190/200", "--hourly-rate", "100",
                 "--ops-hours-per-month", "3.249", "--sla-hours", "6", "--sla-kind", "soft",
                 "--max-miss-probability", "0.5", "--safety-margin-hours", "0",
                 "--median-processing-hours", "0.2:1")  # fmt: skip
    assert data["verdict"] == "batch"
    assert data["reasons"][-1] == (
        "batch pays unless first-pass success falls below 88.0%; your pilot puts it at 92.4%–96.5%"
    )
    assert data["comparison"]["net_savings_per_month_usd_range"]["p50"] == pytest.approx(57.35, abs=1.5)
    planned = data["planned_savings_per_month_usd_range"]
    assert planned["p10"] < planned["p90"]
    miss = data["miss_probability_range"]
    assert miss["p10"] < miss["p50"] < miss["p90"]


def test_the_text_shows_a_ranges_section(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "compare", *CHECK_FLAGS, "--success-from-pilot", "190/200")
    assert code == 0
    assert "Ranges (10,000 draws" in out
    assert "P(batch saves money) 100.0%" in out
    assert "pilot 190/200 usable: Beta(191, 11)" in out
    assert "a pilot needs about 322 requests (122 more than your 200)" in out


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--success-rate", "0.9:1.2"], "--success-rate: range 0.9 – 1.2 (uniform) goes outside (0, 1]"),
        (["--success-rate", "abc"], "cannot read 'abc'"),
        (["--success-rate", "0.98:0.9"], "runs backwards"),
        (["--success-from-pilot", "0.9:0.95"], "--success-from-pilot takes pilot counts"),
        (["--success-from-pilot", "190/200", "--success-rate", "0.9:0.95"], "not both"),
        (["--draws", "5", "--success-rate", "0.9:0.95"], "--draws = 5"),
        (["--output-tokens", "10/20"], "describe a share"),
        (["--batch-cache-hit-rate", "0.2:1.5"], "--batch-cache-hit-rate: range 0.2 – 1.5 (uniform) goes outside"),
    ],
)
def test_bad_ranges_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], extra: list[str], fragment: str
) -> None:
    flags = list(CHECK_FLAGS)
    if "--output-tokens" in extra:
        i = flags.index("--output-tokens")
        del flags[i : i + 2]
    code, _, err = _run(capsys, "compare", *flags, *extra)
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_output_range_over_the_models_limit_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "compare", "--model", "claude-sonnet-4-6", "--requests-per-day", "500",
                        "--input-tokens", "15000", "--output-tokens", "1000:900000")  # fmt: skip
    assert code == 2
    assert "output_tokens" in err
    assert "limit" in err


# --- evaluate: scenario files with inline distributions ----------------------------------------------

RANGED_SCENARIO = {
    "name": "ranges",
    "finance": {"monthly_growth": {"range": [0, 0.05]}, "revenue_per_month_usd": 100_000, "cogs_per_month_usd": 20_000},
    "workflows": [
        {"name": "contract review", "custom_prices": {"input_usd_per_mtok": 3, "output_usd_per_mtok": 15},
         "requests_per_day": 500, "input_tokens": 15_000, "output_tokens": {"range": [600, 1100]},
         "success_rate": {"beta": [190, 200]}},
        {"name": "triage", "requests_per_month": 50_000, "input_tokens": 2_000, "cached_input_tokens": 1_500,
         "output_tokens": 150, "batch_cache_hit_rate": "0.3:0.9"},
    ],
}  # fmt: skip


def test_evaluate_reads_inline_distributions_and_ranges_the_portfolio(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ranged.json"
    path.write_text(json.dumps(RANGED_SCENARIO))
    data = _json(capsys, "evaluate", str(path))
    portfolio = data["portfolio"]
    savings = portfolio["savings_per_month_usd_range"]
    assert savings["p10"] < portfolio["savings_per_month_usd"] < savings["p90"]
    assert len(portfolio["projection_ranges"]) == 12
    first, last = portfolio["projection_ranges"][0], portfolio["projection_ranges"][-1]
    # growth is uncertain: month 1 spreads only as much as this month's savings, month 12 more
    spread = [m["savings_usd"]["p90"] - m["savings_usd"]["p10"] for m in (first, last)]
    assert spread[1] > spread[0]
    assert portfolio["monthly_growth_distribution"] == {"range": [0.0, 0.05]}
    assert portfolio["gross_margin_after_range"]["p10"] <= portfolio["gross_margin_after_range"]["p90"]
    review = data["workflows"][0]
    comparison = review["comparison"]
    assert comparison["net_savings_per_month_usd_range"]["p10"] < comparison["net_savings_per_month_usd"]
    assert {i["field"] for i in review["uncertain_inputs"]} == {"success_rate", "output_tokens"}
    assert review["probability_batch_saves"] == 1.0
    code, out, _ = _run(capsys, "evaluate", str(path))
    assert code == 0
    assert "Ranges (10,000 draws per workflow" in out


def test_evaluate_a_plain_scenario_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "evaluate", str(PRESETS / "portfolio.json"))
    assert not [k for k in data["portfolio"] if k.endswith("_range")]
    assert "draws" not in data


def test_evaluate_names_a_bad_distribution_by_workflow_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = json.loads(json.dumps(RANGED_SCENARIO))
    bad["workflows"][1]["batch_cache_hit_rate"] = {"range": [0.3, 1.4]}
    bad["workflows"][0]["success_rate"] = {"gauss": [1, 2]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    code, _, err = _run(capsys, "evaluate", str(path))
    assert code == 2
    assert "Traceback" not in err
    assert "workflows[0].success_rate" in err
    assert "unknown distribution 'gauss'" in err


def test_a_guarded_recommend_ranges_waiting_and_planned_savings_to_the_cent_with_point_inputs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _json(capsys, "recommend", *CHECK_FLAGS, "--success-rate", "0.95:0.95", "--sla-hours", "16",
                 "--sla-kind", "soft", "--max-miss-probability", "0.05", "--delay-cost-per-item-hour", "0.001",
                 "--wait-hours", "4", "--rescue-to-sync")  # fmt: skip
    assert data["verdict"] == "batch"
    assert data["expected_rescue_cost_per_month_usd"] > 0, "the plan must price rescues"
    planned = data["planned_savings_per_month_usd_range"]
    waiting = data["comparison"]["waiting_cost_per_month_usd_range"]
    for q in ("p10", "p50", "p90"):
        assert planned[q] == pytest.approx(data["planned_savings_per_month_usd"], abs=0.005)
        assert waiting[q] == pytest.approx(data["comparison"]["waiting_cost_per_month_usd"], abs=0.005)
    assert data["comparison"]["waiting_cost_per_month_usd"] > 0


def test_evaluate_ranges_each_workflows_planned_savings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = {"name": "two", "workflows": [
        {"name": "a", "custom_prices": {"input_usd_per_mtok": 3, "output_usd_per_mtok": 15}, "requests_per_day": 500,
         "input_tokens": 15000, "output_tokens": {"range": [600, 1000]}},
    ]}  # fmt: skip
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario))
    data = _json(capsys, "evaluate", str(path), "--draws", "2000")
    entry = data["workflows"][0]
    planned = entry["planned_savings_per_month_usd_range"]
    assert planned["p10"] < entry["planned_savings_per_month_usd"] < planned["p90"]
    assert "waiting_cost_per_month_usd_range" in entry["comparison"]
