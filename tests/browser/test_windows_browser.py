"""Submission windows in a real browser: the clock deadline and the guard settle (no endless rerun) and link."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SCRIPT_DONE, wait_for_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_the_clock_deadline_and_the_guard_settle_and_go_into_the_link(open_app) -> None:  # type: ignore[no-untyped-def]
    page = open_app("windows")
    page.get_by_text("Plan against a clock deadline").click()
    wait_for_app(page)
    box = page.locator("[data-testid='stMetric']").filter(has_text="Guaranteed (worst case)")
    expect(box).to_be_visible()
    page.get_by_text("Rescue to sync at a cutoff").click()
    wait_for_app(page)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="P(item rescued)").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]c="))
    # settled: still idle a while later (a widget value written back each run would rerun forever)
    page.wait_for_timeout(1500)
    expect(page.locator(SCRIPT_DONE)).to_be_attached(timeout=5_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
