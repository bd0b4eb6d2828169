"""Recommendation: DESIGN.md's reference verdicts on the presets, and each rule on its own."""

from __future__ import annotations

from typing import Any

import pytest

from commands.files import load_scenario
from costmodel.recommend import evaluate_workflow, sla_inputs_for
from costmodel.workflow import SlaSpec
from tests.costmodel.core_support import PRESETS, check_workflow

SAMPLES = 20_000


def _preset_result(stem: str, catalog: Any):  # type: ignore[no-untyped-def]
    scenario = load_scenario(PRESETS / f"{stem}.json")
    (workflow,) = scenario.workflows
    return evaluate_workflow(workflow, catalog, sla_samples=SAMPLES)


@pytest.mark.parametrize(
    ("stem", "verdict", "decisive"),
    [
        ("pre-merge-check", "sync", "blocking"),
        ("nightly-test-generation", "batch", "batch saves"),
        ("weekly-security-audit", "batch", "batch saves"),
        ("overnight-tech-debt-report", "batch", "batch saves"),
        ("iterative-code-review", "sync", "6-turn client-side tool loop"),
        ("support-analytics", "hybrid", "15.0% of items are urgent"),
    ],
)
def test_reference_verdicts(stem: str, verdict: str, decisive: str, catalog: Any) -> None:
    result = _preset_result(stem, catalog)
    rec = result.recommendation
    assert rec.verdict == verdict
    assert decisive in rec.reasons[0]
    if verdict == "sync":
        assert rec.planned_cost_per_month_usd == pytest.approx(result.comparison.sync_cost_per_month_usd)
        assert rec.planned_savings_per_month_usd == 0
    else:
        assert rec.planned_savings_per_month_usd > 0


def test_batch_verdicts_have_a_submission_plan(catalog: Any) -> None:
    for stem in ("nightly-test-generation", "weekly-security-audit", "overnight-tech-debt-report"):
        result = _preset_result(stem, catalog)
        assert result.sla is not None
        assert result.sla.feasible
        assert any(r.startswith("submit every") for r in result.recommendation.reasons)


def _verdict(catalog: Any, **overrides: Any):  # type: ignore[no-untyped-def]
    return evaluate_workflow(check_workflow(**overrides), catalog, sla_samples=SAMPLES)


def test_plain_check_workflow_goes_batch(catalog: Any) -> None:
    rec = _verdict(catalog).recommendation
    assert rec.verdict == "batch"
    assert rec.planned_cost_per_month_usd == pytest.approx(427.5)
    assert rec.planned_savings_per_month_usd == pytest.approx(427.5)
    assert "batch saves $427.50/month cash (50.0%)" in rec.reasons[0]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"streaming": True}, "cannot stream"),
        ({"blocking": True}, "blocking"),
        ({"requests_per_day": 99.0}, "low volume: 99 requests/day is under 100"),
        ({"delay_cost_per_item_hour_usd": 0.1}, "batch would cost $1,072.50/month more than sync"),
        ({"sla": SlaSpec(sla_hours=20)}, "not guaranteed"),
        ({"tool_turns": 3, "sla": SlaSpec(sla_hours=48)}, "3-turn client-side tool loop needs 3 sequential batch"),
    ],
)
def test_rules_that_keep_work_sync(overrides: dict[str, Any], reason: str, catalog: Any) -> None:
    rec = _verdict(catalog, **overrides).recommendation
    assert rec.verdict == "sync"
    assert any(reason in r for r in rec.reasons), rec.reasons
    per_day = overrides.get("requests_per_day", 500.0)
    steps = overrides.get("tool_turns", 1)  # each tool turn is a billed request
    assert rec.planned_cost_per_month_usd == pytest.approx(per_day * 30 * 0.057 * steps)
    assert rec.planned_savings_per_month_usd == 0


def test_low_volume_threshold_is_exclusive(catalog: Any) -> None:
    assert _verdict(catalog, requests_per_day=100.0).recommendation.verdict == "batch"


def test_infeasible_hard_sla_says_why_and_how_to_fix(catalog: Any) -> None:
    result = _verdict(catalog, sla=SlaSpec(sla_hours=20))
    assert result.sla is not None
    assert not result.sla.feasible
    # 24 h worst case + 0 h downstream + 2 h margin = 26 h > 20 h
    assert "26 h" in result.sla.reason
    assert any("lengthen the SLA to at least 26.25 h" in f for f in result.sla.fixes)
    assert any("soft SLA" in f for f in result.sla.fixes)


def test_soft_sla_within_budget_goes_batch(catalog: Any) -> None:
    # a 24 h soft SLA cannot hold in the worst case, but typical turnaround (median 15 min) fits a 1 % budget
    result = _verdict(catalog, sla=SlaSpec(sla_hours=24, kind="soft", max_miss_probability=0.01))
    assert result.sla is not None
    assert not result.sla.worst_case_feasible
    assert result.sla.feasible
    assert result.sla.typical is not None
    assert result.sla.typical.miss_probability <= 0.01
    assert result.recommendation.verdict == "batch"
    assert any("as a soft SLA it meets the 1.00% miss budget" in r for r in result.recommendation.reasons)


def test_same_sla_hard_stays_sync(catalog: Any) -> None:
    assert _verdict(catalog, sla=SlaSpec(sla_hours=24, kind="hard")).recommendation.verdict == "sync"


def test_soft_sla_over_budget_stays_sync(catalog: Any) -> None:
    # 4 h with median 2 h, p90 6 h turnaround: far more than 0.1 % of items miss
    spec = SlaSpec(sla_hours=4, kind="soft", max_miss_probability=0.001, median_processing_hours=2,
                   p90_processing_hours=6)  # fmt: skip
    result = _verdict(catalog, sla=spec)
    assert result.recommendation.verdict == "sync"
    assert result.sla is not None
    assert not result.sla.feasible


def test_feasible_hard_sla_gives_the_window(catalog: Any) -> None:
    rec = _verdict(catalog, sla=SlaSpec(sla_hours=30)).recommendation
    assert rec.verdict == "batch"
    assert "submit every 4 h (6 submissions a day)" in rec.reasons


def test_tool_turns_without_an_sla_problem_is_only_a_note(catalog: Any) -> None:
    rec = _verdict(catalog, tool_turns=2, sla=SlaSpec(sla_hours=96)).recommendation
    assert rec.verdict == "batch"
    assert any("2-turn" in r for r in rec.reasons)


def test_hybrid_cost_by_hand(catalog: Any) -> None:
    # 20 % urgent on sync, 80 % on batch: 0.2 × 855 + 0.8 × 427.50 = 513; overheads in full
    rec = _verdict(catalog, urgent_share=0.2).recommendation
    assert rec.verdict == "hybrid"
    assert rec.planned_cost_per_month_usd == pytest.approx(513.0)
    assert rec.planned_savings_per_month_usd == pytest.approx(342.0)
    with_ops = _verdict(catalog, urgent_share=0.2, ops_hours_per_month=1, hourly_rate_usd=50).recommendation
    assert with_ops.planned_cost_per_month_usd == pytest.approx(563.0)


def test_sla_inputs_multiply_rounds_and_drop_urgent_share() -> None:
    w = check_workflow(
        retry_route="batch", max_batch_rounds=2, tool_turns=3, urgent_share=0.25, sla=SlaSpec(sla_hours=200)
    )
    inputs = sla_inputs_for(w)
    assert inputs is not None
    assert inputs.batch_rounds == 6
    assert inputs.requests_per_day == pytest.approx(375)
    assert sla_inputs_for(check_workflow()) is None
