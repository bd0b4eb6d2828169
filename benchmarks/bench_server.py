"""A real server's CPU per rerun: `streamlit run app.py` driven by the system Chromium, as a visitor drives it.

The app's own settings (`.streamlit/config.toml`, which turns off `runner.postScriptGC`) against Streamlit's default
(a full `gc.collect(2)` after every script run, set back on for the baseline through its environment variable), in
the same run: each server gets one visitor who moves the Sync vs batch success-rate slider `RERUNS` times, one
rerun at a time. The figure is the server process's CPU per rerun; its resident memory before and after shows that
nothing builds up without the forced collection. AppTest skips that collection, so `bench_app` cannot show it.
Needs Playwright and Chromium (`/usr/bin/chromium`); without them it reports nothing and says why.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks._harness import Figure, figure

ROOT = Path(__file__).resolve().parent.parent
RERUNS = 30
CHROMIUM = "/usr/bin/chromium"
RUN_COUNTER = """(() => {  // window.__runs: how many script runs the page has seen start
  window.__runs = 0;
  const watch = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) return false;
    new MutationObserver(() => { if (app.getAttribute("data-test-script-state") === "running") window.__runs += 1; })
      .observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
    return true;
  };
  const boot = new MutationObserver(() => { if (watch()) boot.disconnect(); });
  boot.observe(document, {childList: true, subtree: true});
})();"""
IDLE = """(runs) => { const app = document.querySelector("[data-testid='stApp']");
  return !!app && window.__runs > runs && app.getAttribute("data-test-script-state") === "notRunning"
    && app.getAttribute("data-test-connection-state") === "CONNECTED"; }"""
"""The page has seen a run start after `runs` and its script is idle again."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def _server(home: str, extra_env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "BATCH_PLANNER_HOME": home, "ANTHROPIC_API_KEY": "", **extra_env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not start within 60 s")


def _cpu_per_rerun(browser: Any, extra_env: dict[str, str]) -> tuple[float, float, float]:
    """Server CPU per slider rerun [ms], and its resident memory before and after [MB]."""
    with tempfile.TemporaryDirectory() as home:
        proc, url = _server(home, extra_env)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.add_init_script(RUN_COUNTER)
            page.goto(f"{url}/compare")
            page.wait_for_function(IDLE, arg=-1, polling=50, timeout=120_000)  # the first run, seen or not
            thumb = page.locator(".st-key-wf_success_rate input[type='range']")
            thumb.wait_for(timeout=120_000)
            page.wait_for_timeout(1000)  # let the first run's lazy widgets and charts settle
            before_mb, cpu_before = _rss_mb(proc.pid), _process_cpu_seconds(proc.pid)
            for i in range(RERUNS):
                runs = page.evaluate("window.__runs")
                thumb.focus()
                thumb.press("PageDown" if (i // 3) % 2 == 0 else "PageUp")  # 95 → 65 → 95 % and again
                page.wait_for_function(IDLE, arg=runs, polling=50, timeout=60_000)  # this move's rerun is done
                page.wait_for_timeout(300)  # the collection after the run, if any, is over before the next move
            cpu = _process_cpu_seconds(proc.pid) - cpu_before
            page.close()
            return 1000 * cpu / RERUNS, before_mb, _rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def run() -> list[Figure]:
    if not Path(CHROMIUM).exists():
        print("bench_server: no /usr/bin/chromium; install Debian's `chromium` to measure a real server")
        return []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("bench_server: playwright is not installed (`python3 dev.py test` installs it)")
        return []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
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
