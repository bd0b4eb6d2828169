"""The verdict uses the processing queue and the deadline guard; the portfolio carries the queue total and spend cap."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from costmodel.recommend import evaluate_workflow
from costmodel.workflow import SlaSpec
from tests.costmodel.core_support import AS_OF_FLAG, PRESETS, check_workflow, run_cli

SAMPLES = 5_000
GUARD_SAMPLES = 20_000


def _two_million(**overrides: Any) -> Any:
    """The issue's check figure: 2,000,000 requests/day, a 50 h SLA, 2 KB requests (fits on time alone)."""
    fields: dict[str, Any] = {
        "requests_per_day": 2_000_000.0,
        "input_tokens": 500.0,
        "output_tokens": 100.0,
        "sla": SlaSpec(sla_hours=50, avg_request_bytes=2_000),
    }
    fields.update(overrides)
    return check_workflow(**fields)


def test_a_plan_that_overflows_the_queue_is_not_a_batch_verdict(catalog: Any) -> None:
    result = evaluate_workflow(_two_million(), catalog, sla_samples=SAMPLES)
    rec = result.recommendation
    assert rec.verdict == "sync"
    assert "queue overflow" in rec.reasons[0]
    assert "500,000" in rec.reasons[0]
    assert "organisations" in rec.reasons[0]  # the fix travels with the reason
    assert "synchronously" in rec.reasons[0]
    assert result.sla is not None
    assert not result.sla.feasible  # the plan the result carries says so too
    assert result.queue is not None
    assert not result.queue.queue_feasible
    assert result.queue.worst_case_in_flight_requests >= 2_000_000
    assert not any(r.startswith("submit every") for r in rec.reasons)


def test_without_an_sla_the_queue_is_checked_at_the_most_frequent_schedule(catalog: Any) -> None:
    result = evaluate_workflow(_two_million(sla=None), catalog, sla_samples=SAMPLES)
    assert result.queue is not None
    assert result.queue.interval_hours == 0.25
    assert not result.queue.queue_feasible
    assert result.recommendation.verdict == "sync"
    assert "queue overflow" in result.recommendation.reasons[0]


def test_the_tier_decides_and_an_unknown_tier_is_checked_against_scale_with_a_note(catalog: Any) -> None:
    from costmodel.capacity import CapacitySettings

    workflow = check_workflow(requests_per_day=200_000.0, sla=SlaSpec(sla_hours=30))
    default = evaluate_workflow(workflow, catalog, sla_samples=SAMPLES)
    assert default.recommendation.verdict == "batch"
    assert default.queue is not None
    assert default.queue.queue_feasible
    assert default.queue.limits.tier == "scale"
    assert "tier not given" in default.queue.reason
    start = evaluate_workflow(workflow, catalog, sla_samples=SAMPLES, capacity=CapacitySettings(tier="start"))
    assert start.recommendation.verdict == "sync"
    assert "start tier" in start.recommendation.reasons[0]
    assert "tier not given" not in start.recommendation.reasons[0]
    custom = evaluate_workflow(
        workflow, catalog, sla_samples=SAMPLES, capacity=CapacitySettings(queue_limit_requests=1_000_000)
    )
    assert custom.recommendation.verdict == "batch"


def test_seeds_still_fit_the_default_queue(catalog: Any) -> None:
    from commands.files import load_scenario
    from costmodel.scenario import evaluate_scenario

    result = evaluate_scenario(load_scenario(PRESETS / "portfolio.json"), catalog, sla_samples=SAMPLES)
    for r in result.results:
        assert r.queue is None or r.queue.queue_feasible, r.workflow.name
    assert result.portfolio.queue is not None
    assert result.portfolio.queue.queue_feasible
    assert result.portfolio.spend_cap_warning is None


def _guarded(catalog: Any, workflow: Any, **guard: float) -> Any:
    from costmodel.guard import GuardSettings

    return evaluate_workflow(
        workflow, catalog, sla_samples=SAMPLES, guard=GuardSettings(**guard), guard_samples=GUARD_SAMPLES
    )


def test_the_batch_verdict_compares_the_cost_including_rescues(catalog: Any) -> None:
    workflow = check_workflow(sla=SlaSpec(sla_hours=8, kind="soft", max_miss_probability=0.05))
    plain = evaluate_workflow(workflow, catalog, sla_samples=SAMPLES)
    guarded = _guarded(catalog, workflow)
    assert plain.recommendation.verdict == guarded.recommendation.verdict == "batch"
    g, c = guarded.guard, guarded.comparison
    assert g is not None
    assert 0 < g.rescue_probability < 1
    extra = g.rescue_probability * c.requests_per_month * (c.sync_item_usd - c.batch_item_usd)
    rec = guarded.recommendation
    assert rec.planned_cost_per_month_usd == pytest.approx(c.batch_cost_per_month_usd + extra)
    assert rec.planned_cost_per_month_usd == pytest.approx(g.batch_cost_with_rescue_per_month_usd)
    saved = plain.recommendation.planned_savings_per_month_usd - extra
    assert rec.planned_savings_per_month_usd == pytest.approx(saved)
    said = " ".join(rec.reasons)
    assert "rescue" in said
    assert f"{g.rescue_probability:.2%}" in said


def test_a_guard_that_rescues_everything_makes_the_verdict_sync(catalog: Any) -> None:
    workflow = check_workflow(sla=SlaSpec(sla_hours=30))
    assert evaluate_workflow(workflow, catalog, sla_samples=SAMPLES).recommendation.verdict == "batch"
    guarded = _guarded(catalog, workflow, sync_drain_hours=40.0)  # cutoff before the submission: all rescued
    assert guarded.guard is not None
    assert guarded.guard.rescue_probability == 1.0
    rec = guarded.recommendation
    assert rec.verdict == "sync"
    assert "rescue" in rec.reasons[0]


def test_the_hybrid_verdict_rescues_only_its_batch_part(catalog: Any) -> None:
    workflow = check_workflow(urgent_share=0.2, sla=SlaSpec(sla_hours=8, kind="soft", max_miss_probability=0.05))
    plain = evaluate_workflow(workflow, catalog, sla_samples=SAMPLES)
    guarded = _guarded(catalog, workflow)
    rec, g, c = guarded.recommendation, guarded.guard, guarded.comparison
    assert rec.verdict == "hybrid"
    assert g is not None
    extra = g.rescue_probability * 0.8 * c.requests_per_month * (c.sync_item_usd - c.batch_item_usd)
    assert rec.planned_cost_per_month_usd == pytest.approx(plain.recommendation.planned_cost_per_month_usd + extra)
    assert rec.planned_cost_per_month_usd == pytest.approx(g.batch_cost_with_rescue_per_month_usd)
    assert "rescue" in " ".join(rec.reasons)


def test_no_guard_without_an_sla(catalog: Any) -> None:
    assert _guarded(catalog, check_workflow()).guard is None


def _scenario(capacity: dict[str, Any] | None, *, per_day: float = 300_000.0) -> Any:
    from costmodel.scenario import scenario_from_json

    workflow = {"input_tokens": 1_000, "output_tokens": 100, "requests_per_day": per_day,
                "custom_prices": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 15.0},
                "sla": {"sla_hours": 30}}  # fmt: skip
    data: dict[str, Any] = {"name": "two big", "workflows": [dict(workflow, name="a"), dict(workflow, name="b")]}
    if capacity is not None:
        data["capacity"] = capacity
    return scenario_from_json(json.dumps(data))


def test_workflows_share_one_queue_in_the_portfolio(catalog: Any) -> None:
    from costmodel.scenario import evaluate_scenario

    result = evaluate_scenario(_scenario(None), catalog, sla_samples=SAMPLES)
    assert [r.recommendation.verdict for r in result.results] == ["batch", "batch"]  # each fits on its own
    q = result.portfolio.queue
    assert q is not None
    assert q.worst_case_in_flight_requests == pytest.approx(sum(r.queue.worst_case_in_flight_requests
                                                                for r in result.results))  # fmt: skip
    assert not q.queue_feasible
    assert "500,000" in q.reason
    assert q.fixes
    half = evaluate_scenario(_scenario(None, per_day=150_000.0), catalog, sla_samples=SAMPLES)
    assert half.portfolio.queue is not None
    assert half.portfolio.queue.queue_feasible


def test_the_portfolio_warns_with_the_day_the_spend_cap_is_reached(catalog: Any) -> None:
    from costmodel.scenario import evaluate_scenario

    result = evaluate_scenario(_scenario({"tier": "start"}, per_day=20_000.0), catalog, sla_samples=SAMPLES)
    p = result.portfolio
    assert p.planned_cost_per_month_usd > 500
    assert p.spend_cap_warning is not None
    assert p.spend_cap_warning.cap_reached_on_day == math.ceil(500 / (p.planned_cost_per_month_usd / 30))
    assert evaluate_scenario(_scenario({"tier": "scale"}, per_day=20_000.0), catalog,
                             sla_samples=SAMPLES).portfolio.spend_cap_warning is None  # fmt: skip


def test_scenario_capacity_round_trips_and_old_files_still_load() -> None:
    from commands.files import load_scenario
    from costmodel.scenario import ScenarioError, scenario_from_json, scenario_to_json

    old = load_scenario(PRESETS / "portfolio.json")
    assert old.capacity.tier is None
    start = _scenario({"tier": "start", "monthly_spend_cap_usd": 300})
    assert scenario_from_json(scenario_to_json(start)) == start
    assert start.capacity.limits().monthly_spend_cap_usd == 300
    with pytest.raises(ScenarioError, match=r"capacity\.tier"):
        _scenario({"tier": "huge"})
    with pytest.raises(ScenarioError, match="queue limit"):
        _scenario({"tier": "custom"})


def test_cli_recommend_checks_the_queue(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["recommend", "--input-tokens", "500", "--output-tokens", "100", "--requests-per-day", "2000000",
             "--sla-hours", "50", "--avg-request-bytes", "2000", "--input-price", "3",
             "--output-price", "15"]  # fmt: skip
    code, out, err = run_cli(capsys, *flags, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "sync"
    assert data["queue_feasible"] is False
    assert data["queue_limit_requests"] == 500_000
    assert data["worst_case_in_flight_requests"] >= 2_000_000
    for key in ("typical_in_flight_requests", "max_requests_per_day", "queue_fixes"):
        assert key in data
    code, out, _ = run_cli(capsys, *flags, "--queue-limit", "5000000", "--json")
    assert json.loads(out)["verdict"] == "batch"
    code, out, _ = run_cli(capsys, *flags, "--tier", "start")
    assert "Processing queue" in out
    assert "queue fits" in out


def test_cli_evaluate_shows_the_queue_per_workflow_and_in_total(capsys: pytest.CaptureFixture[str]) -> None:
    portfolio = str(PRESETS / "portfolio.json")
    code, out, err = run_cli(capsys, "evaluate", portfolio, *AS_OF_FLAG, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert all("queue_feasible" in w for w in data["workflows"])
    assert data["portfolio"]["queue"]["queue_feasible"] is True
    code, out, _ = run_cli(capsys, "evaluate", portfolio, *AS_OF_FLAG, "--queue-limit", "10", "--json")
    data = json.loads(out)
    assert False in [w["queue_feasible"] for w in data["workflows"]]
    assert "batch" not in [w["verdict"] for w in data["workflows"]]
    assert data["portfolio"]["queue"]["workflows"] == []  # no batch workflow left in the queue
    code, out, _ = run_cli(capsys, "evaluate", portfolio, *AS_OF_FLAG)
    assert "Processing queue" in out


def test_cli_capacity_flags_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    portfolio = str(PRESETS / "portfolio.json")
    for argv in (["evaluate", portfolio, "--queue-limit", "0"],
                 ["recommend", "--input-tokens", "1", "--output-tokens", "1", "--requests-per-day", "1",
                  "--input-price", "3", "--output-price", "15", "--queue-limit", "-5"]):  # fmt: skip
        code, _, err = run_cli(capsys, *argv)
        assert code == 2
        assert err.startswith("error: --queue-limit")
        assert len(err.strip().splitlines()) == 1


def _guarded_scenario(guard: dict[str, Any] | None) -> Any:
    from costmodel.scenario import scenario_from_json

    workflow = {"name": "tight", "input_tokens": 15_000, "output_tokens": 800, "requests_per_day": 500,
                "custom_prices": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 15.0},
                "sla": {"sla_hours": 8, "kind": "soft", "max_miss_probability": 0.05}}  # fmt: skip
    data: dict[str, Any] = {"name": "guarded", "workflows": [workflow]}
    if guard is not None:
        data["deadline_guard"] = guard
    return scenario_from_json(json.dumps(data))


def test_a_scenario_can_ask_for_the_deadline_guard(catalog: Any) -> None:
    from costmodel.scenario import evaluate_scenario, scenario_from_json, scenario_to_json

    plain = evaluate_scenario(_guarded_scenario(None), catalog, sla_samples=SAMPLES)
    assert plain.results[0].guard is None
    scenario = _guarded_scenario({"sync_drain_hours": 0.25})
    assert scenario_from_json(scenario_to_json(scenario)) == scenario
    guarded = evaluate_scenario(scenario, catalog, sla_samples=SAMPLES)
    (r,) = guarded.results
    assert r.guard is not None
    assert r.guard.sync_drain_hours == 0.25
    assert r.recommendation.planned_cost_per_month_usd == pytest.approx(r.guard.batch_cost_with_rescue_per_month_usd)
    assert guarded.portfolio.planned_cost_per_month_usd > plain.portfolio.planned_cost_per_month_usd


def test_cli_evaluate_rescue_to_sync(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    from costmodel.scenario import scenario_to_json

    path = tmp_path / "guarded.json"
    path.write_text(scenario_to_json(_guarded_scenario(None)))
    code, out, err = run_cli(capsys, "evaluate", str(path), *AS_OF_FLAG, "--rescue-to-sync", "--json")
    assert code == 0, err
    (w,) = json.loads(out)["workflows"]
    assert 0 < w["rescue_probability"] < 1
    assert w["rescue_cutoff_hours"] > 0
    assert w["expected_rescue_cost_per_month_usd"] > 0
    code, out, _ = run_cli(capsys, "evaluate", str(path), *AS_OF_FLAG, "--json")
    assert json.loads(out)["workflows"][0]["rescue_probability"] is None
