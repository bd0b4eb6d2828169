"""The Assumptions & method glossary: built from the core's field docstrings, every field with its unit."""

from __future__ import annotations

import pytest

from costmodel.prices import CustomPrices
from costmodel.workflow import SlaSpec, Workflow
from ui.glossary import field_rows, unit_of


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("Volume [requests/day]; give this", "requests/day"),
        ("no unit here", ""),
        ("Loaded cost [USD/h].", "USD/h"),
        ("Share [share]", "share"),
    ],
)
def test_unit_of(text: str, unit: str) -> None:
    assert unit_of(text) == unit


@pytest.mark.parametrize("model_cls", [Workflow, SlaSpec, CustomPrices])
def test_every_field_has_a_row_and_a_meaning(model_cls: type) -> None:
    rows = field_rows(model_cls)
    assert [r["Variable"] for r in rows] == list(model_cls.model_fields)
    assert all(r["Meaning"] for r in rows), "every field documents its meaning"


def test_units_and_defaults_come_from_the_core() -> None:
    rows = {r["Variable"]: r for r in field_rows(Workflow)}
    assert rows["hourly_rate_usd"]["Unit"] == "USD/h"
    assert rows["requests_per_day"]["Unit"] == "requests/day"
    assert "[" not in rows["requests_per_day"]["Meaning"]
    assert rows["success_rate"]["Default"] == "1"
    assert rows["input_tokens"]["Default"] == "required"
    assert rows["sla"]["Default"] == "—"
