"""Invalid input raises an error that names the field and says how to fix it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from costmodel.errors import problem_lines
from costmodel.prices import CustomPrices
from costmodel.scenario import ScenarioError, scenario_from_json
from costmodel.sla import SlaInputs
from costmodel.workflow import SlaSpec, Workflow, WorkflowError, resolve_pricing
from tests.costmodel.core_support import check_workflow


def _problems(factory: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        factory(**kwargs)
    return problem_lines(info.value)


@pytest.mark.parametrize(
    ("overrides", "field", "fix"),
    [
        ({"requests_per_day": -5.0}, "requests_per_day", "greater than or equal to 0"),
        ({"requests_per_day": None, "requests_per_month": -1.0}, "requests_per_month", "greater than or equal to 0"),
        ({"input_tokens": -1.0}, "input_tokens", "greater than or equal to 0"),
        ({"output_tokens": -1.0}, "output_tokens", "greater than or equal to 0"),
        ({"success_rate": 0.0}, "success_rate", "greater than 0"),
        ({"success_rate": -0.1}, "success_rate", "greater than 0"),
        ({"success_rate": 1.5}, "success_rate", "less than or equal to 1"),
        ({"billed_failure_share": 2.0}, "billed_failure_share", "less than or equal to 1"),
        ({"cache_hit_rate": -0.5}, "cache_hit_rate", "greater than or equal to 0"),
        ({"max_batch_rounds": 0}, "max_batch_rounds", "greater than or equal to 1"),
        ({"days_per_month": 40.0}, "days_per_month", "less than or equal to 31"),
        ({"retry_route": "carrier pigeon"}, "retry_route", "'sync' or 'batch'"),
        ({"input_tokens": float("nan")}, "input_tokens", "finite"),
    ],
)
def test_workflow_field_errors_name_the_field_and_the_bound(overrides: dict[str, Any], field: str, fix: str) -> None:
    lines = _problems(check_workflow, **overrides)
    assert len(lines) == 1
    assert lines[0].startswith(field)
    assert fix in lines[0]


def test_field_help_appends_the_flag_to_change() -> None:
    with pytest.raises(ValidationError) as info:
        check_workflow(requests_per_day=-5.0)
    (line,) = problem_lines(info.value, field_help={"requests_per_day": "set --requests-per-day"})
    assert line.startswith("requests_per_day = -5.0:")
    assert line.endswith("(set --requests-per-day)")


def test_several_problems_give_one_line_each() -> None:
    lines = _problems(check_workflow, requests_per_day=-1.0, success_rate=3.0, output_tokens=-2.0)
    assert len(lines) == 3
    assert {line.split(" ")[0] for line in lines} == {"requests_per_day", "success_rate", "output_tokens"}


def test_cached_above_input_says_the_prefix_is_part_of_the_input() -> None:
    (line,) = _problems(check_workflow, input_tokens=1_000, cached_input_tokens=2_000)
    assert "cached_input_tokens" in line
    assert "cannot exceed input_tokens" in line
    assert "(2000)" in line.replace(",", "")
    assert "(1000)" in line.replace(",", "")


def test_missing_volume_says_which_fields_to_give() -> None:
    (line,) = _problems(check_workflow, requests_per_day=None)
    assert "requests_per_day or requests_per_month" in line


def test_conflicting_volumes_say_to_give_one() -> None:
    (line,) = _problems(check_workflow, requests_per_day=500, requests_per_month=1_000)
    assert "give only one" in line
    # consistent figures are accepted
    assert check_workflow(requests_per_day=500, requests_per_month=15_000).monthly_requests == 15_000


@pytest.mark.parametrize("sla_hours", [0.0, -3.0])
def test_sla_must_be_positive(sla_hours: float) -> None:
    (line,) = _problems(SlaSpec, sla_hours=sla_hours)
    assert line.startswith("sla_hours")
    assert "greater than 0" in line
    (line,) = _problems(SlaInputs, sla_hours=sla_hours)
    assert line.startswith("sla_hours")


def test_p90_below_median_is_explained() -> None:
    (line,) = _problems(SlaSpec, sla_hours=30, median_processing_hours=2, p90_processing_hours=1)
    assert "p90_processing_hours must be at least median_processing_hours" in line


def test_negative_custom_price_names_the_price() -> None:
    (line,) = _problems(CustomPrices, input_usd_per_mtok=-3, output_usd_per_mtok=15)
    assert line.startswith("input_usd_per_mtok")


def test_output_above_model_limit(catalog: Any) -> None:
    w = Workflow(model="claude-opus-4-1", requests_per_day=100, input_tokens=1_000, output_tokens=40_000)
    with pytest.raises(WorkflowError) as info:
        resolve_pricing(w, catalog)
    message = str(info.value)
    assert message.startswith("output_tokens:")
    assert "32,000" in message  # Opus 4.1's max_tokens
    assert "lower it or pick another model" in message
    # at the limit is fine
    assert resolve_pricing(w.model_copy(update={"output_tokens": 32_000}), catalog).model_id == "claude-opus-4-1"


def test_output_above_custom_limit(catalog: Any) -> None:
    w = check_workflow(
        custom_prices=CustomPrices(input_usd_per_mtok=1, output_usd_per_mtok=2, max_output_tokens=1_000),
        output_tokens=1_001,
    )
    with pytest.raises(WorkflowError, match="output_tokens"):
        resolve_pricing(w, catalog)


def test_input_above_context_window(catalog: Any) -> None:
    w = Workflow(model="claude-haiku-4-5", requests_per_day=100, input_tokens=250_000, output_tokens=10)
    with pytest.raises(WorkflowError, match=r"^input_tokens: .*context window of 200,000"):
        resolve_pricing(w, catalog)


def test_unknown_model_without_custom_prices(catalog: Any) -> None:
    w = Workflow(model="claude-imaginary-9", requests_per_day=100, input_tokens=1_000, output_tokens=10)
    with pytest.raises(WorkflowError) as info:
        resolve_pricing(w, catalog)
    message = str(info.value)
    assert message.startswith("model: unknown model 'claude-imaginary-9'")
    assert "claude-sonnet-4-6" in message  # lists the choices
    assert "custom prices" in message  # and the other way out
    # custom prices make any model name acceptable
    custom = w.model_copy(update={"custom_prices": CustomPrices(input_usd_per_mtok=1, output_usd_per_mtok=2)})
    assert resolve_pricing(custom, catalog).model_id == "custom"


def test_unknown_field_in_scenario_file() -> None:
    text = (
        '{"name": "s", "workflows": [{"requests_per_day": 10, "input_tokens": 1, "output_tokens": 1,'
        ' "sucess_rate": 0.9}]}'
    )
    with pytest.raises(ScenarioError) as info:
        scenario_from_json(text, source="plan.json")
    assert info.value.problems == ["workflows[0].sucess_rate = 0.9: unknown field; check its spelling or remove it"]
    assert str(info.value).startswith("plan.json: ")


def test_scenario_problems_point_into_nested_fields() -> None:
    text = (
        '{"name": "s", "finance": {"monthly_growth": 9},'
        ' "workflows": [{"requests_per_day": -1, "input_tokens": 1, "output_tokens": 1, "sla": {"sla_hours": 0}}]}'
    )
    with pytest.raises(ScenarioError) as info:
        scenario_from_json(text)
    locations = sorted(p.split(" ")[0] for p in info.value.problems)
    assert locations == ["finance.monthly_growth", "workflows[0].requests_per_day", "workflows[0].sla.sla_hours"]


def test_models_are_frozen() -> None:
    w = check_workflow()
    with pytest.raises(ValidationError):
        w.success_rate = 0.5  # type: ignore[misc]


def test_empty_workflow_list_is_still_reported() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_json('{"name": "s", "workflows": []}')
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith("workflows: ")
    assert "at least 1 item" in info.value.problems[0]
