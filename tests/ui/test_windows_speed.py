"""Submission windows reruns without simulating again: the plan, the typical-case charts and the figures are cached
on their inputs (issue 11's speed budget: every page reruns within 50 ms median)."""

from __future__ import annotations

from typing import Any

import pytest

import costmodel.sla
from ui import data, widgets

from . import helpers

PAGE = "app_pages/submission_windows.py"


@pytest.fixture
def simulations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every typical-case simulation the page runs (`costmodel.sla.simulate_latency` calls)."""
    calls: list[Any] = []
    real = costmodel.sla.simulate_latency

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(costmodel.sla, "simulate_latency", counting)
    data.clear_shared()  # the plan and the typical-case charts are kept there
    return calls


def test_a_rerun_with_the_same_inputs_simulates_nothing(simulations: list[Any]) -> None:
    at = helpers.run_page(PAGE)
    first = len(simulations)
    assert first > 0
    for _ in range(3):
        at.run()
    helpers.assert_clean(at)
    assert len(simulations) == first


def test_going_back_to_earlier_inputs_simulates_nothing(simulations: list[Any]) -> None:
    at = helpers.run_page(PAGE)
    sla = at.number_input(key=widgets.sla_key("sla_hours"))
    before = sla.value
    sla.set_value(before + 6).run()
    helpers.assert_clean(at)
    seen = len(simulations)
    at.number_input(key=widgets.sla_key("sla_hours")).set_value(before).run()
    at.number_input(key=widgets.sla_key("sla_hours")).set_value(before + 6).run()
    helpers.assert_clean(at)
    assert len(simulations) == seen
