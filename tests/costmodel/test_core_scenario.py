"""Scenarios: presets load and evaluate, bare workflows load, bad files fail with readable lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from commands.files import load_scenario
from costmodel.scenario import ScenarioError, evaluate_scenario, scenario_from_json, scenario_to_json
from tests.costmodel.core_support import PRESETS, check_workflow

PRESET_FILES = sorted(PRESETS.glob("*.json"))


def test_presets_exist() -> None:
    names = {p.stem for p in PRESET_FILES}
    expected = {
        "contract-review", "insurance-claim-triage", "research-briefs", "claims-triage-small", "support-analytics",
        "pre-merge-check", "nightly-test-generation", "weekly-security-audit", "overnight-tech-debt-report",
    }  # fmt: skip
    assert expected <= names


@pytest.mark.parametrize("path", PRESET_FILES, ids=[p.stem for p in PRESET_FILES])
def test_every_preset_loads_and_evaluates(path: Path, catalog: Any) -> None:
    scenario = load_scenario(path)
    result = evaluate_scenario(scenario, catalog, sla_samples=5_000)
    assert len(result.results) == len(scenario.workflows)
    assert len(result.portfolio.rows) == len(scenario.workflows)
    for r in result.results:
        assert r.recommendation.verdict in {"sync", "batch", "hybrid"}
        assert r.recommendation.reasons
        assert r.comparison.sync_cost_per_month_usd > 0
        assert r.comparison.price_source.as_of == catalog.source.as_of
    assert result.portfolio.sync_cost_per_month_usd == pytest.approx(
        sum(r.comparison.sync_cost_per_month_usd for r in result.results)
    )
    # a preset is a saved scenario: it survives a save/load unchanged
    assert scenario_from_json(scenario_to_json(scenario)) == scenario


@pytest.mark.parametrize(
    ("stem", "per_day", "per_month", "input_tokens", "output_tokens"),
    [
        ("contract-review", 500, None, 15_000, 800),
        ("insurance-claim-triage", None, 50_000, 2_000, 150),
        ("claims-triage-small", None, 5_000, 2_000, 300),
    ],
)
def test_presets_carry_design_inputs(
    stem: str, per_day: float | None, per_month: float | None, input_tokens: float, output_tokens: float
) -> None:
    (w,) = load_scenario(PRESETS / f"{stem}.json").workflows
    assert w.requests_per_day == per_day
    assert w.requests_per_month == per_month
    assert (w.input_tokens, w.output_tokens) == (input_tokens, output_tokens)


def test_research_briefs_is_200_a_week_in_3_steps() -> None:
    (w,) = load_scenario(PRESETS / "research-briefs.json").workflows
    assert w.monthly_requests == pytest.approx(200 * 52 / 12, rel=0.01)
    assert w.tool_turns == 3


def test_bare_workflow_loads_as_a_one_workflow_scenario() -> None:
    w = check_workflow(name="bare one")
    scenario = scenario_from_json(w.model_dump_json())
    assert scenario.name == "bare one"
    assert scenario.workflows == (w,)


def test_bare_workflow_file(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"requests_per_day": 120, "input_tokens": 900, "output_tokens": 50}))
    scenario = load_scenario(path)
    assert scenario.name == "workflow"
    assert scenario.workflows[0].monthly_requests == 3_600


def test_bad_json_is_one_readable_line() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_json('{"name": "x",\n "workflows": [}', source="broken.json")
    (problem,) = info.value.problems
    assert problem.startswith("not valid JSON")
    assert "line 2" in problem
    assert str(info.value).startswith("broken.json: not valid JSON")


def test_not_utf8_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="not valid JSON"):
        scenario_from_json(b"\xff\xfe{")


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(ScenarioError) as info:
        load_scenario(missing)
    assert info.value.problems == ["no such file; check the path"]
    assert str(missing) in str(info.value)


def test_json_of_the_wrong_shape() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_json("[1, 2]")
    assert info.value.problems
    with pytest.raises(ScenarioError) as info:
        scenario_from_json('{"name": "x", "schema_version": 2, "workflows": []}')
    assert any(p.startswith("schema_version") for p in info.value.problems)


def test_evaluate_scenario_names_the_failing_workflow(catalog: Any) -> None:
    from costmodel.scenario import Scenario
    from costmodel.workflow import WorkflowError

    ok = check_workflow(name="fine")
    bad = check_workflow(name="too long", custom_prices=None, model="claude-3-haiku", output_tokens=5_000)
    with pytest.raises(WorkflowError, match=r"^workflows\[1\] \(too long\): output_tokens"):
        evaluate_scenario(Scenario(name="s", workflows=(ok, bad)), catalog)
