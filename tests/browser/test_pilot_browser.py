"""The live pilot in a real browser: what AppTest cannot see is the polling fragment's timer.

Submit the shipped sample to the page's SIMULATED sandbox, watch the status refresh on its own until
the batch ends, use the measurement in the plan, and apply it on the Sync vs batch page. Runs on the
session's server, whose sandbox ends a batch in about two seconds (an operator setting).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import SANDBOX_TURNAROUND_SECONDS, rerun, wait_for_app

pytestmark = pytest.mark.browser


def test_sandbox_pilot_polls_to_completion_and_feeds_the_plan(open_app, app_home: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = open_app("pilot")
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text("Live pilot")
    expect(page.get_by_text("SIMULATED").first).to_be_visible()
    expect(page.get_by_text("The real Anthropic API is off on this server")).to_be_visible()  # safe by default

    with rerun(page):
        page.get_by_text(re.compile(r"^Submit \d+ requests to the SIMULATED")).click()
    with rerun(page):
        page.get_by_role("button", name=re.compile("Submit pilot")).click()
    expect(page.get_by_text(re.compile(r"Submitted pilot pilot-"))).to_be_visible()

    wait_for_app(page)
    page.get_by_role("tab", name="Pilots").click()
    # no clicks from here on: only the fragment's timer can bring the results in
    use_in_plan = page.get_by_role("button", name=re.compile("Use in plan"))
    expect(use_in_plan).to_be_visible(timeout=(SANDBOX_TURNAROUND_SECONDS + 30) * 1000)
    expect(page.get_by_text("First-pass success", exact=True)).to_be_visible()
    with rerun(page):
        use_in_plan.click()
    expect(page.get_by_text(re.compile(r"planner pages now offer this pilot"))).to_be_visible()

    # the key the sandbox used is never written into the ledger or results; those files are owner-only
    written = [p for p in app_home.rglob("*") if p.is_file()]
    assert written, "the pilot wrote nothing to its ledger"
    for path in written:
        assert b"sk-emulator-sandbox" not in path.read_bytes(), path
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"

    with rerun(page):
        page.get_by_role("link", name="Sync vs batch").click()
    with rerun(page):
        page.get_by_role("button", name=re.compile("Apply pilot measurement")).click()
    expect(page.get_by_text(re.compile(r"This measurement is simulated"))).to_be_visible()  # labelled as such
    with rerun(page):
        page.get_by_role("button", name=re.compile("Apply these changes")).click()
    expect(page.get_by_role("button", name=re.compile("Apply these changes"))).to_have_count(0)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
