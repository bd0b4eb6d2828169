"""Batch Planner: the router and frame. Pages live in app_pages/; the shared sidebar holds the scenario."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import sidebar

ROOT = Path(__file__).resolve().parent
LANDING_URL = "compare"

PAGES = [
    # (file, title, icon, url_path); a page is registered only once its file exists
    ("app_pages/sync_vs_batch.py", "Sync vs batch", ":material/compare_arrows:", LANDING_URL),
    ("app_pages/submission_windows.py", "Submission windows", ":material/schedule:", "windows"),
    ("app_pages/portfolio.py", "Portfolio & finance", ":material/account_balance:", "portfolio"),
    ("app_pages/live_pilot.py", "Live pilot", ":material/science:", "pilot"),
    ("app_pages/usage.py", "Usage import", ":material/upload_file:", "usage"),
    ("app_pages/assumptions.py", "Assumptions & method", ":material/menu_book:", "method"),
]

# The favicon is a file the app serves (as a data URL): a Material icon here would make every visitor's browser fetch
# it from fonts.gstatic.com, which a team server without internet cannot reach and should not tell who opened it.
FAVICON = ROOT / "ui" / "favicon.svg"
st.set_page_config(page_title="Batch Planner", page_icon=FAVICON, layout="wide")
pages = {
    url: st.Page(ROOT / path, title=title, icon=icon, url_path=url)
    for path, title, icon, url in PAGES
    if (ROOT / path).exists()
}


def _home() -> None:
    # Streamlit serves the default page at "/" and nowhere else, so the landing page gets its own stable
    # address (/compare) and "/" forwards there, keeping any shared inputs in the query string.
    st.switch_page(pages[LANDING_URL], query_params=st.query_params.to_dict())


home = st.Page(_home, title="Batch Planner", url_path="home", default=True, visibility="hidden")
page = st.navigation([home, *pages.values()])
sidebar.render()
page.run()
