"""Batch Planner: the router and frame. Pages live in pages/; the shared sidebar holds the scenario."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import sidebar

ROOT = Path(__file__).resolve().parent

PAGES = [
    # (file, title, icon, url_path); a page is registered only once its file exists
    ("pages/sync_vs_batch.py", "Sync vs batch", ":material/compare_arrows:", "compare"),
    ("pages/submission_windows.py", "Submission windows", ":material/schedule:", "windows"),
    ("pages/portfolio.py", "Portfolio & finance", ":material/account_balance:", "portfolio"),
    ("pages/pilot.py", "Live pilot", ":material/science:", "pilot"),
    ("pages/usage.py", "Usage import", ":material/upload_file:", "usage"),
    ("pages/assumptions.py", "Assumptions & method", ":material/menu_book:", "method"),
]

st.set_page_config(page_title="Batch Planner", page_icon=":material/savings:", layout="wide")
page = st.navigation(
    [
        st.Page(ROOT / path, title=title, icon=icon, url_path=url, default=(url == "compare"))
        for path, title, icon, url in PAGES
        if (ROOT / path).exists()
    ]
)
sidebar.render()
page.run()
