"""Submission windows in a real browser: the clock deadline and the guard settle (no endless rerun) and link."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import rerun, runs_started, wait_for_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_the_clock_deadline_and_the_guard_settle_and_go_into_the_link(open_app) -> None:  # type: ignore[no-untyped-def]
    page = open_app("windows")
    with rerun(page):
        page.get_by_text("Plan against a clock deadline").click()
    box = page.locator("[data-testid='stMetric']").filter(has_text="Guaranteed (worst case)")
    expect(box).to_be_visible()
    with rerun(page):
        page.get_by_text("Rescue to sync at a cutoff").click()
    expect(page.locator("[data-testid='stMetric']").filter(has_text="P(item rescued)").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]c="))
    # settled: no run starts in a while (a widget value written back each run would rerun forever)
    wait_for_app(page)
    runs = runs_started(page)
    page.wait_for_timeout(1500)
    assert runs_started(page) == runs, "the page keeps rerunning on its own"
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
