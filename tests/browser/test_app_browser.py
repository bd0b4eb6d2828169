"""What only a real browser can see: metrics and charts on screen, slider drags, shared URLs, navigation, downloads."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ROOT, new_context, rerun, wait_for_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

NAV = {  # page file → (url_path, title in the sidebar navigation), as registered in app.py
    "app_pages/sync_vs_batch.py": ("compare", "Sync vs batch"),
    "app_pages/submission_windows.py": ("windows", "Submission windows"),
    "app_pages/portfolio.py": ("portfolio", "Portfolio & finance"),
    "app_pages/live_pilot.py": ("pilot", "Live pilot"),
    "app_pages/usage.py": ("usage", "Usage import"),
    "app_pages/assumptions.py": ("method", "Assumptions & method"),
}


def metric(page, label: str):  # type: ignore[no-untyped-def]
    """The value element of the metric labelled `label`."""
    box = page.locator("[data-testid='stMetric']").filter(has_text=label)
    return box.locator("[data-testid='stMetricValue']")


def headline(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        label: metric(page, label).inner_text()
        for label in ("Sync spend", "Batch spend", "Net savings", "Break-even rate")
    }


def lower_success_rate(page, pages: int) -> None:  # type: ignore[no-untyped-def]
    """Move the first-pass success rate slider down by `pages` × 10 points (PageDown), then wait for the rerun."""
    thumb = page.locator(".st-key-wf_success_rate input[type='range']")
    with rerun(page):
        thumb.focus()
        for _ in range(pages):
            thumb.press("PageDown")


def test_root_forwards_to_the_landing_page_then_every_page_opens_and_the_portfolio_csv_downloads(open_app) -> None:  # type: ignore[no-untyped-def]
    """One visit, as a new user makes it: the landing page's metrics and charts, the routing tab, then every page by
    the sidebar (each renders, no exception, no "Page not found"), downloading the Portfolio's CSV on the way."""
    root = open_app("")
    expect(root).to_have_url(re.compile(r"/compare\?w="))  # forwarded, and the address carries the workflow
    expect(root.locator("h1")).to_contain_text("Sync vs batch")
    expect(root.get_by_text("Page not found")).to_have_count(0)
    # the app's own favicon, served with the page (the context fails the test if anything came from elsewhere)
    expect(root.locator("link[rel='shortcut icon']")).to_have_attribute("href", re.compile(r"^data:image/svg"))
    for label in ("Sync spend", "Batch spend", "Net savings", "Break-even rate"):
        expect(metric(root, label)).to_have_text(re.compile(r"\S"))
    expect(metric(root, "Sync spend")).to_have_text(re.compile(r"^\$[\d,]+\.\d\d$"))
    expect(root.get_by_text("Verdict: BATCH")).to_be_visible()
    charts = root.locator("[data-testid='stPlotlyChart'] .main-svg")
    expect(charts.first).to_be_visible()
    expect(root.locator("[data-testid='stPlotlyChart']")).to_have_count(2)
    expect(root.get_by_text("Net savings vs first-pass success rate")).to_be_visible()
    wait_for_app(root)
    root.get_by_role("tab", name="Model routing").click()
    expect(root.get_by_text("Model × API: monthly cost")).to_be_visible()

    present = [(url, title) for path, (url, title) in NAV.items() if (ROOT / path).exists()]
    nav = root.locator("[data-testid='stSidebarNav']")
    for url, title in [*present[1:], present[0]]:  # start away from the landing page, come back last
        with rerun(root):
            nav.get_by_role("link", name=title).click()
        expect(root).to_have_url(re.compile(rf"/{url}(\?|$)" if url != "compare" else r"/(compare)?(\?|$)"))
        expect(root.locator("h1").first).to_be_visible()
        expect(root.locator("[data-testid='stException']")).to_have_count(0)
        expect(root.get_by_text("Page not found")).to_have_count(0)
        if url == "portfolio":
            download_portfolio_csv(root)


def download_portfolio_csv(page) -> None:  # type: ignore[no-untyped-def]
    """The Portfolio page's CSV download: the data file, header first, at least one workflow row."""
    # the CSV itself by its key: "CSV assumptions (text)" and other exports also say CSV
    button = page.locator(".st-key-pf_csv [data-testid='stDownloadButton']")
    expect(button).to_have_count(1)
    expect(button).to_have_text(re.compile(r"Download CSV$"))
    wait_for_app(page)
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert len(text.splitlines()) >= 2, "a header and at least one workflow row"
    assert text.startswith("Row,Workflow,"), "the data file with its header first, not the assumptions sidecar"


def test_moving_the_slider_changes_the_numbers_the_sidebar_saves_them_and_the_link_reproduces_them(  # type: ignore[no-untyped-def]
    open_app, browser
) -> None:
    from costmodel.scenario import scenario_from_json

    page = open_app("compare")
    expect(page).to_have_url(re.compile(r"/compare\?w="))
    before = metric(page, "Net savings").inner_text()
    lower_success_rate(page, 2)  # 95 % → 75 % in two quick moves; the saved file must carry the change
    expect(metric(page, "Net savings")).not_to_have_text(before)
    thumb_value = page.locator(".st-key-wf_success_rate [data-testid='stSliderThumbValue']")
    expect(thumb_value).not_to_have_text("95.0%")
    shown = thumb_value.inner_text()
    button = page.locator("[data-testid='stSidebar'] [data-testid='stDownloadButton']").filter(has_text="Save scenario")
    expect(button).to_have_count(1)
    wait_for_app(page)  # a click during a rerun can land on the button being replaced and start no download
    with page.expect_download(timeout=45_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".json")
    saved = scenario_from_json(Path(download.path()).read_bytes())
    assert saved.name == "Contract review"
    assert f"{100 * saved.workflows[0].success_rate:.1f}%" == shown

    # the address now carries both changes: a colleague opening it sees the same numbers
    sync_before = metric(page, "Sync spend").inner_text()
    volume = page.locator(".st-key-wf_volume input")
    with rerun(page):
        volume.fill("1234")
        volume.press("Enter")
    expect(metric(page, "Sync spend")).not_to_have_text(sync_before)  # the rerun with both changes is done
    expect(page).to_have_url(re.compile(r"[?&]w="))
    shown_figures = headline(page)
    shared = page.url
    assert parse_qs(urlparse(shared).query)["w"][0]

    with new_context(browser) as elsewhere:  # a new session, as for a colleague
        other = elsewhere.new_page()
        other.goto(shared)
        wait_for_app(other, timeout_ms=60_000)
        for label, value in shown_figures.items():
            expect(metric(other, label)).to_have_text(value)
        expect(other.locator(".st-key-wf_volume input")).to_have_value("1234")
        expect(other.locator(".st-key-wf_success_rate [data-testid='stSliderThumbValue']")).to_have_text(shown)


@pytest.mark.first_session
def test_deep_link_as_a_servers_first_session_opens_its_page(context, first_session_url: str) -> None:  # type: ignore[no-untyped-def]
    """The first session after a server start, opened at a page's own address (a bookmark after a restart)."""
    page = context.new_page()
    page.goto(f"{first_session_url}/method")
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text("Assumptions & method")
    wait_for_app(page, timeout_ms=60_000)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/method(\?|$)"))
