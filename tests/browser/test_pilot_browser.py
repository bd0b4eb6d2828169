"""The live pilot in a real browser: what AppTest cannot see is the polling fragment's timer.

Submit the shipped sample to the page's SIMULATED sandbox, watch the status refresh on its own until
the batch ends, use the measurement in the plan, and apply it on the Sync vs batch page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import streamlit_server, wait_for_app

pytestmark = pytest.mark.browser

SANDBOX_BATCH_SECONDS = 15
"""ui.pilot_panel.SANDBOX_TURNAROUND_SECONDS: the sandbox ends a batch after about this long."""


def test_sandbox_pilot_polls_to_completion_and_feeds_the_plan(context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    home = tmp_path / "home"
    home.mkdir()
    with streamlit_server(tmp_path, BATCH_PLANNER_HOME=str(home), ANTHROPIC_API_KEY="") as url:
        page = context.new_page()
        page.goto(f"{url}/pilot")
        expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text("Live pilot")
        wait_for_app(page)
        expect(page.get_by_text("SIMULATED").first).to_be_visible()

        page.get_by_text(re.compile(r"^Submit \d+ requests to the SIMULATED")).click()
        wait_for_app(page)
        page.get_by_role("button", name=re.compile("Submit pilot")).click()
        expect(page.get_by_text(re.compile(r"Submitted pilot pilot-"))).to_be_visible()

        page.get_by_role("tab", name="Pilots").click()
        wait_for_app(page)
        # no clicks from here on: only the fragment's timer can bring the results in
        use_in_plan = page.get_by_role("button", name=re.compile("Use in plan"))
        expect(use_in_plan).to_be_visible(timeout=(SANDBOX_BATCH_SECONDS + 45) * 1000)
        expect(page.get_by_text("First-pass success", exact=True)).to_be_visible()
        use_in_plan.click()
        expect(page.get_by_text(re.compile(r"planner pages now offer this pilot"))).to_be_visible()

        # the key the sandbox used is never written into the ledger or results
        written = [p for p in home.rglob("*") if p.is_file()]
        assert written, "the pilot wrote nothing to its ledger"
        for path in written:
            assert b"sk-emulator-sandbox" not in path.read_bytes(), path

        page.get_by_role("link", name="Sync vs batch").click()
        wait_for_app(page)
        page.get_by_role("button", name=re.compile("Apply pilot measurement")).click()
        expect(page.get_by_text(re.compile(r"Pilot measurement applied"))).to_be_visible()
        wait_for_app(page)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
