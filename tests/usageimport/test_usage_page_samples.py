"""Issue 12 on Usage: "Use as scenario" from a request log carries each workflow's per-request tokens, and loading
the imported scenario (sidebar) holds them as the workflows' uncertain inputs."""

from __future__ import annotations

from costmodel.uncertainty import Sample, point_of
from tests.ui.conftest import _clear_streamlit_caches  # noqa: F401  (autouse: empty caches per test)
from tests.ui.helpers import app, assert_clean
from tests.usageimport.test_usage_page import ROOT, clean, page
from ui.state import IMPORTED_SCENARIO, IMPORTED_UNCERTAINTY, UNCERTAINTY


def test_a_request_log_scenario_carries_its_token_samples_into_the_plan() -> None:
    at = page([ROOT / "data/usage/request_log_2026-10.jsonl"])
    next(b for b in at.button if b.label == "Use as scenario").click().run()
    clean(at)
    scenario = at.session_state[IMPORTED_SCENARIO]
    held = at.session_state[IMPORTED_UNCERTAINTY]
    assert set(held) == set(range(len(scenario.workflows)))
    for index, w in enumerate(scenario.workflows):
        assert isinstance(held[index]["output_tokens"], Sample)
        assert point_of(held[index]["output_tokens"]) == w.output_tokens

    frame = app()
    frame.session_state[IMPORTED_SCENARIO] = scenario
    frame.session_state[IMPORTED_UNCERTAINTY] = held
    frame.run()
    next(b for b in frame.sidebar.button if b.label == "Load imported usage as scenario").click().run()
    assert_clean(frame)
    assert frame.session_state[UNCERTAINTY] == held
