"""Shared AppTest support for the Live pilot page: a fast sandbox stopped afterwards, empty caches, page sessions.

Import `fresh_page_state` into a test module (it is autouse there) and build sessions with `page()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "live_pilot.py")
SANDBOX_TURNAROUND_SECONDS = "0.5"
"""The operator setting tests use: the sandbox ends a batch in half a second."""


@pytest.fixture(autouse=True)
def fresh_page_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty caches, a fast sandbox (an operator setting), no operator opt-ins; the sandbox is stopped afterwards."""
    from ui import operator, pilot_panel

    monkeypatch.setenv("BATCH_PLANNER_SANDBOX_TURNAROUND_SECONDS", SANDBOX_TURNAROUND_SECONDS)
    for name in ("ALLOW_REAL_API", "ALLOW_SERVER_KEY", "MAX_BUDGET_USD_PER_PILOT", "MAX_SPEND_USD_PER_MONTH"):
        monkeypatch.delenv(f"BATCH_PLANNER_{name}", raising=False)
    monkeypatch.setattr(pilot_panel, "SANDBOX_POLL_SECONDS", 0.2)
    operator._last_retention.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    started: list[Any] = []
    original = pilot_panel.sandbox

    def tracking_sandbox() -> Any:
        emu = original()
        if emu not in started:
            started.append(emu)
        return emu

    monkeypatch.setattr(pilot_panel, "sandbox", tracking_sandbox)
    yield
    for emu in started:
        emu.stop()
    st.cache_data.clear()
    st.cache_resource.clear()


def page(*, owner: str | None = None) -> AppTest:
    """A fresh browser session on the page; `owner` pins its session owner id (else a random one)."""
    at = AppTest.from_file(PAGE, default_timeout=30)
    if owner is not None:
        at.session_state["bp_pilot_owner"] = owner
    return at


def shown_text(at: AppTest) -> list[str]:
    """Every text the page shows the visitor (markdown, captions, alerts, labels of widgets)."""
    texts = [
        str(e.value) for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.success) for e in kind
    ]
    texts += [str(w.label) for kind in (at.button, at.checkbox, at.text_input) for w in kind]
    return texts
