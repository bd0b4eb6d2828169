"""Issue 12: a pilot's per-request tokens reach the plan as ranges ("Use in plan" → "Apply pilot measurement")."""

from __future__ import annotations

from typing import Any

import pytest

from costmodel.measurement import PilotMeasurement
from costmodel.uncertainty import Sample, UncertainWorkflow
from ui import pilot_panel
from ui.state import PILOT_MEASUREMENT, PILOT_ORIGIN, PILOT_TOKEN_SAMPLES, SCENARIO, UNCERTAINTY, PilotOrigin

from ..pilot.page_support import fresh_page_state  # noqa: F401 (autouse: the fast sandbox, stopped afterwards)
from . import helpers


def _record(kind: str, usage: Any) -> dict[str, Any]:
    return {"custom_id": "x", "result": {"type": kind, "message": {"usage": usage}}}


def test_token_samples_take_each_succeeded_result() -> None:
    records = [
        _record("succeeded", {"input_tokens": 100, "cache_read_input_tokens": 900, "output_tokens": 50}),
        _record("succeeded", {"input_tokens": 1_200, "cache_creation_input_tokens": 0, "output_tokens": 70}),
        _record("errored", {"input_tokens": 5, "output_tokens": 5}),
        _record("succeeded", {"input_tokens": "lots", "output_tokens": 1}),  # damaged: left out
        {"custom_id": "y", "result": "garbage"},
    ]
    found = pilot_panel.token_samples(records)
    assert found == {
        "input_tokens": Sample(values=(1_000.0, 1_200.0)),
        "output_tokens": Sample(values=(50.0, 70.0)),
    }
    assert pilot_panel.token_samples([]) == {}


PILOT = PilotMeasurement(
    success_rate=0.9, input_tokens=15_100, output_tokens=820, median_processing_hours=0.3, p90_processing_hours=0.9,
    request_count=4, batch_count=1,
)  # fmt: skip
SAMPLES = {
    "input_tokens": Sample(values=(14_000.1, 15_000.2, 16_000.3, 15_400.7)),
    "output_tokens": Sample(values=(700.0, 800.0, 900.0, 880.0)),
}


@pytest.mark.parametrize("samples", [SAMPLES, {}])
def test_applying_the_pilot_holds_its_token_samples(samples: dict[str, Any]) -> None:
    at = helpers.run_page(
        "app_pages/sync_vs_batch.py",
        **{PILOT_MEASUREMENT: PILOT, PILOT_ORIGIN: PilotOrigin(model=None, simulated=False, label="p1"),
           PILOT_TOKEN_SAMPLES: samples},
    )  # fmt: skip
    next(b for b in at.button if b.label == "Apply pilot measurement").click().run()
    next(b for b in at.button if b.label == "Apply these changes").click().run()
    helpers.assert_clean(at)
    held = at.session_state[UNCERTAINTY] if UNCERTAINTY in at.session_state else {}  # noqa: SIM401 (no .get)
    assert held.get(0, {}) == samples
    workflow = at.session_state[SCENARIO].workflows[0]
    assert UncertainWorkflow(workflow=workflow, uncertain=held.get(0, {})).workflow == workflow, "the Portfolio's match"


def test_use_in_plan_keeps_the_pilots_per_request_tokens() -> None:
    """The Live pilot page's "Use in plan" (sandbox pilot of 20 requests) hands over one token count per result."""
    import time

    from tests.pilot.page_support import page

    at = page().run()
    next(c for c in at.checkbox if c.label.startswith("Submit ")).check().run()
    next(b for b in at.button if b.label == "Submit pilot").click().run()
    deadline = time.monotonic() + 60  # generous: the machine is shared; the sandbox ends a batch in 0.5 s
    while time.monotonic() < deadline and not [b for b in at.button if b.label == "Use in plan"]:
        time.sleep(0.3)
        at.run()
    next(b for b in at.button if b.label == "Use in plan").click().run()
    helpers.assert_clean(at)
    measurement = at.session_state[PILOT_MEASUREMENT]
    samples = at.session_state[PILOT_TOKEN_SAMPLES]
    assert set(samples) == {"input_tokens", "output_tokens"}
    succeeded = len(samples["output_tokens"].values)
    assert 0 < succeeded <= measurement.request_count
    assert sum(samples["output_tokens"].values) / succeeded == pytest.approx(measurement.output_tokens)
    assert sum(samples["input_tokens"].values) / succeeded == pytest.approx(measurement.input_tokens)
