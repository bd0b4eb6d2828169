"""Live pilot page, issue 12: before a sample set is chosen, how many requests the pilot needs (samplesize)."""

from __future__ import annotations

from costmodel.cost import compare
from costmodel.samplesize import pilot_size_advice
from costmodel.scenario import Scenario
from costmodel.workflow import Workflow, resolve_pricing
from tests.pilot.page_support import fresh_page_state, page, shown_text
from ui import data, pilot_size
from ui.state import SCENARIO

__all__ = ["fresh_page_state"]

NEAR = Workflow(
    name="near break-even",
    model="claude-sonnet-4-6",
    requests_per_day=2_000,
    input_tokens=3_000,
    output_tokens=600,
    success_rate=0.55,  # the break-even is 50 %: a pilot must be large to tell 55 % from it
)


def test_advice_for_the_current_workflow_before_a_sample_set() -> None:
    at = page()
    at.session_state[SCENARIO] = Scenario(name="one", workflows=(NEAR,))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    break_even = compare(NEAR, resolve_pricing(NEAR, data.catalog())).break_even.success_rate
    assert break_even is not None
    assert 0 < break_even < 1
    expected = pilot_size_advice(0.55, half_width=0.02, break_even_success_rate=break_even)
    text = " ".join(shown_text(at))
    assert f"{expected.requests_for_precision:,} requests" in text
    assert expected.requests_to_decide is not None
    assert f"{expected.requests_to_decide:,} requests" in text, "and the requests to settle batch vs sync"
    assert "near break-even" in text, "the advice names the workflow it rests on"


def test_precision_changes_the_requests_needed() -> None:
    at = page().run()
    at.number_input(key=pilot_size.PRECISION_KEY).set_value(5.0).run()
    assert not at.exception
    rate = pilot_size.DEFAULT_EXPECTED_SUCCESS_RATE
    n = pilot_size_advice(rate, half_width=0.05).requests_for_precision
    assert any("±5 points" in t and f"{n:,} requests" in t for t in shown_text(at))
