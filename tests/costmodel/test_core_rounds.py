"""A workflow never asks the SLA plan for more batch rounds than it covers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from costmodel import Workflow
from costmodel.limits import MAX_BATCH_ROUNDS
from costmodel.sla import SlaInputs


def _workflow(**fields: object) -> Workflow:
    return Workflow(requests_per_day=500, input_tokens=2_000, output_tokens=150, **fields)  # type: ignore[arg-type]


def test_rounds_beyond_what_the_sla_plan_covers_are_refused_with_the_fields_to_change() -> None:
    # 10 batch retry rounds x 50 tool turns = 500 rounds; SlaInputs took at most 100, so pages and
    # commands failed later with "batch_rounds = 500" naming a field the user never set.
    with pytest.raises(ValidationError, match=r"max_batch_rounds × tool_turns is 500 batch rounds"):
        _workflow(retry_route="batch", max_batch_rounds=10, tool_turns=50)


def test_the_workflow_limit_and_the_sla_limit_are_one_number() -> None:
    w = _workflow(retry_route="batch", max_batch_rounds=2, tool_turns=MAX_BATCH_ROUNDS // 2)
    assert w.batch_rounds == MAX_BATCH_ROUNDS
    SlaInputs(sla_hours=10_000, requests_per_day=1, batch_rounds=w.batch_rounds)  # accepted: the same bound
    with pytest.raises(ValidationError):
        SlaInputs(sla_hours=10_000, requests_per_day=1, batch_rounds=MAX_BATCH_ROUNDS + 1)
