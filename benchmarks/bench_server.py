"""A real server's CPU per rerun: `streamlit run app.py` driven by the system Chromium, as a visitor drives it.

The app's own settings (`.streamlit/config.toml`, which turns off `runner.postScriptGC`) against Streamlit's default
(a full `gc.collect(2)` after every script run, set back on for the baseline through its environment variable), in
the same run: each server gets one visitor who moves the Sync vs batch success-rate slider `RERUNS` times, one
rerun at a time. The figure is the server process's CPU per rerun; its resident memory before and after shows that
nothing builds up without the forced collection. AppTest skips that collection, so `bench_app` cannot show it.
Driven by the browser tests' own harness (server, page and rerun waits); needs Playwright and Chromium
(`/usr/bin/chromium`), and without them it reports nothing and says why.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._harness import Figure, figure

RERUNS = 30
CHROMIUM = "/usr/bin/chromium"


def _process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def _cpu_per_rerun(browser: Any, extra_env: dict[str, str]) -> tuple[float, float, float]:
    """Server CPU per slider rerun [ms], and its resident memory before and after [MB]: the browser tests' own
    server and page harness (`tests/browser/conftest.py`), one rerun at a time as `rerun` waits for each."""
    from tests.browser.conftest import new_context, rerun, streamlit_process, wait_for_app

    with tempfile.TemporaryDirectory() as home, streamlit_process(
        Path(home), BATCH_PLANNER_HOME=home, ANTHROPIC_API_KEY="", **extra_env
    ) as (url, proc), new_context(browser) as context:
        page = context.new_page()
        page.goto(f"{url}/compare")
        thumb = page.locator(".st-key-wf_success_rate input[type='range']")
        thumb.wait_for()
        wait_for_app(page)
        before_mb, cpu_before = _rss_mb(proc.pid), _process_cpu_seconds(proc.pid)
        for i in range(RERUNS):
            with rerun(page):  # waits for the page to be idle, then for this move's rerun to start and end
                thumb.focus()
                thumb.press("PageDown" if (i // 3) % 2 == 0 else "PageUp")  # 95 → 65 → 95 % and again
        wait_for_app(page)  # the collection after the last run, if any, is over
        cpu = _process_cpu_seconds(proc.pid) - cpu_before
        return 1000 * cpu / RERUNS, before_mb, _rss_mb(proc.pid)


def run() -> list[Figure]:
    if not Path(CHROMIUM).exists():
        print("bench_server: no /usr/bin/chromium; install Debian's `chromium` to measure a real server")
        return []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("bench_server: playwright is not installed (`python3 dev.py test` installs it)")
        return []
    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            default_ms, default_before, default_after = _cpu_per_rerun(
                browser, {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"}
            )
            ours_ms, ours_before, ours_after = _cpu_per_rerun(browser, {})
        finally:
            browser.close()
    return [
        figure(
            "real server: CPU per Sync vs batch slider rerun (this app's settings)",
            ours_ms,
            "ms",
            "Streamlit's default (full GC after each run)",
            default_ms,
            note=f"{RERUNS} reruns each; resident memory {ours_before:.0f} → {ours_after:.0f} MB "
            f"(default: {default_before:.0f} → {default_after:.0f} MB)",
        )
    ]
