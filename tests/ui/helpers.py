"""Shared helpers for AppTests: build apps, read metrics and the verdict."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import ROOT

TIMEOUT_S = 30


def app(script: str = "app.py") -> AppTest:
    """An AppTest of `script` (relative to the repo root), not yet run."""
    return AppTest.from_file(str(ROOT / script), default_timeout=TIMEOUT_S)


def run_page(script: str, **session: object) -> AppTest:
    """Run `script` once with `session` preset in session state, and check it raised nothing."""
    at = app(script)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert_clean(at)
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label → displayed value."""
    return {m.label: m.value for m in at.metric}


def verdict(at: AppTest) -> str:
    """The verdict word shown on the Sync vs batch page (BATCH, SYNC or HYBRID), or '' when absent."""
    for box in [*at.success, *at.warning, *at.info]:
        if str(box.value).startswith("**Verdict: "):
            return str(box.value).split("**Verdict: ", 1)[1].split("**", 1)[0]
    return ""


def assert_clean(at: AppTest) -> None:
    """No exception element on the page."""
    assert not at.exception, [e.value for e in at.exception]


SECTIONS = (
    "model", "volume", "arrivals", "failures", "rounds", "sla", "timing", "caching", "overheads", "constraints",
    "modifiers", "uncertainty",
)  # fmt: skip
ROUTING_TAB = ":material/alt_route: Model routing"


def open_sections(at: AppTest, *sections: str) -> AppTest:
    """Open input sections of the workflow form (closed ones run lazily: their widgets do not exist)."""
    for section in sections:
        assert section in SECTIONS, section
        at.session_state[f"wf_open_{section}"] = True
    return at.run()


def open_routing(at: AppTest) -> AppTest:
    """Switch the Sync vs batch page to its Model routing tab."""
    at.session_state["compare_tab"] = ROUTING_TAB
    return at.run()
