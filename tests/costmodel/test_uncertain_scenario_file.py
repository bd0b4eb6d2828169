"""Saved scenarios carry their distributions: to_json then from_json gives the same scenario and distributions."""

from __future__ import annotations

import json

import pytest

from costmodel.scenario import Scenario
from costmodel.uncertainty import (
    PilotCounts,
    UniformRange,
    uncertain_scenario_from_json,
    uncertain_scenario_to_json,
)
from costmodel.workflow import SlaSpec, Workflow

BASE = Workflow(name="review", requests_per_day=500, input_tokens=15_000, output_tokens=800, success_rate=0.95,
                sla=SlaSpec(sla_hours=30))  # fmt: skip
SCENARIO = Scenario(name="two", workflows=(BASE, BASE.model_copy(update={"name": "other"})))


def test_distributions_round_trip_through_the_file() -> None:
    spread = {
        "success_rate": PilotCounts(usable=190, requests=200),
        "output_tokens": UniformRange(lo=600, hi=1100),
        "median_processing_hours": UniformRange(lo=0.2, hi=0.6),
    }
    text = uncertain_scenario_to_json(SCENARIO, {1: spread})
    data = json.loads(text)
    assert data["workflows"][1]["success_rate"] == {"beta": [190, 200]}
    assert data["workflows"][1]["sla"]["median_processing_hours"] == {"range": [0.2, 0.6]}
    assert data["workflows"][0]["success_rate"] == 0.95, "a point stays a plain number"
    back = uncertain_scenario_from_json(text)
    assert back.workflows[0].uncertain == {}
    assert back.workflows[1].uncertain == spread
    assert back.scenario.workflows[0] == BASE


def test_without_distributions_the_file_is_the_plain_scenario() -> None:
    assert json.loads(uncertain_scenario_to_json(SCENARIO, {})) == json.loads(SCENARIO.model_dump_json())


@pytest.mark.parametrize(
    ("spread", "message"),
    [({5: {"success_rate": "0.9:0.98"}}, "workflow 5"), ({0: {"days_per_month": "20:30"}}, "days_per_month")],
)
def test_bad_requests_are_named(spread, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        uncertain_scenario_to_json(SCENARIO, spread)
