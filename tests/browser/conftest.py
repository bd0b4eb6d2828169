"""Real-browser fixtures, modelled on Streamlit's e2e harness (e2e_playwright/conftest.py).

One `streamlit run` server per session on a free localhost port, polled on `/_stcore/health`;
one headless system Chromium with one browser context; fresh pages per test that wait until the script has finished.
Without Chromium the tests skip with a visible reason, except under `CI=true`, where that fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import is_loopback

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-gpu-compositing",  # with the next: raster in the renderer, not a software GPU process (less CPU)
    "--disable-software-rasterizer",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # nothing but this machine resolves, so no page can reach another host even when it asks (`new_context` fails
    # the test that asked)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
SERVER_START_TIMEOUT_S = 60.0
SCRIPT_DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def chromium_path() -> str | None:
    """The system Chromium, if installed."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not become healthy in {SERVER_START_TIMEOUT_S:g} s:\n{log.read_text()}")


def require_chromium(path: str | None, *, ci: bool) -> str:
    """`path`, or skip with a visible reason; under CI a missing browser is a failure, never a skip."""
    if path is not None:
        return path
    reason = "system Chromium not found (/usr/bin/chromium); install Debian's `chromium` to run browser tests"
    if ci:
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return require_chromium(chromium_path(), ci=os.environ.get("CI", "").lower() == "true")


@contextlib.contextmanager
def streamlit_server(log_dir: Path, **env_overrides: str) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port; yields its base URL once healthy."""
    with streamlit_process(log_dir, **env_overrides) as (url, _):
        yield url


@contextlib.contextmanager
def streamlit_process(log_dir: Path, **env_overrides: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit_server`, also yielding the server's process (`bench_server` reads its CPU and memory)."""
    port = _free_port()
    log = log_dir / "server.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env_overrides}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none",
            ],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


SANDBOX_TURNAROUND_SECONDS = 2.0
"""The session server's sandbox ends a batch this fast (an operator setting), so no test waits on the clock."""


@pytest.fixture(scope="session")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BATCH_PLANNER_HOME of the session's server: its pilot ledger and uploads, for tests to inspect."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, app_home: Path) -> Iterator[str]:
    """Base URL of one `streamlit run app.py` for the whole session (own data folder, fast sandbox, no server key)."""
    with streamlit_server(
        tmp_path_factory.mktemp("streamlit"),
        BATCH_PLANNER_HOME=str(app_home),
        BATCH_PLANNER_SANDBOX_TURNAROUND_SECONDS=f"{SANDBOX_TURNAROUND_SECONDS:g}",
        ANTHROPIC_API_KEY="",
    ) as url:
        yield url


_SESSIONS_OPENED: list[str] = []
"""Pages `open_app` opened on the session's server (a new Streamlit session each)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `first_session` run first, so they can have the session server's first session."""
    items.sort(key=lambda item: item.get_closest_marker("first_session") is None)  # stable: others keep their order


@pytest.fixture
def first_session_url(app_url: str, tmp_path: Path) -> Iterator[str]:
    """A server's base URL on which no session has been opened yet: the session server when this test runs before
    any other opened a page (as the `first_session` marker orders it), else a server of its own."""
    if not _SESSIONS_OPENED:
        _SESSIONS_OPENED.append("first session")
        yield app_url
        return
    with streamlit_server(tmp_path) as url:
        yield url


EXPECT_TIMEOUT_MS = 60_000
"""Generous, and free when things pass: a page's first run imports the app and loads the price catalog, and
the browser then renders its charts (over 20 s seen on a 2-core machine shared with other test runs)."""


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


RUN_WATCH = """(() => {
  const runs = window.__bpRuns = {started: 0, finished: 0, state: null, at: performance.now(), sent: 0, sentAt: 0,
                                  heardAt: 0};
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => { runs.heardAt = performance.now(); });
    }
    send(data) {
      runs.sent += 1;
      runs.sentAt = performance.now();
      return super.send(data);
    }
  };
  const look = (app) => {
    const state = app.getAttribute("data-test-script-state");
    if (state === runs.state) return;
    if (state === "running") runs.started += 1;
    if (state === "notRunning") runs.finished += 1;
    runs.state = state;
    runs.at = performance.now();
  };
  const watch = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) return false;
    look(app);
    new MutationObserver(() => look(app)).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
    return true;
  };
  const boot = new MutationObserver(() => { if (watch()) boot.disconnect(); });
  boot.observe(document, {childList: true, subtree: true});
})();"""
"""Watches the app in the page (`window.__bpRuns`): every change of stApp's script state, with its time, and the
app's websocket traffic (messages sent to the server, when the server last spoke)."""

QUIET_MS = 300
"""Idle means: the script is not running and its state has not changed for this long (a rerun the last run
asked for, a debounced widget or a fragment tick starts well within it)."""


def off_machine(url: str) -> bool:
    """A request for `url` would leave this machine (data:, blob: and about: URLs never do)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and not is_loopback(parts.hostname)


@contextlib.contextmanager
def new_context(browser: object, **options: object) -> Iterator[Any]:
    """A fresh browser context (own cookies, own Streamlit session) whose pages count their script runs.

    Closed on exit, which fails if any of its pages asked a host other than this machine for anything (a font, an
    icon, a script): the app must work on a team server with no internet, and tell no one else who opened it."""
    with _watched_context(browser, **options) as (ctx, outside):
        yield ctx
    _assert_on_machine(outside)


def _assert_on_machine(outside: list[str]) -> None:
    assert not outside, f"the app made the browser ask hosts other than this machine for: {sorted(set(outside))}"


@contextlib.contextmanager
def _watched_context(browser: object, **options: object) -> Iterator[tuple[Any, list[str]]]:
    """A browser context that counts its pages' script runs, and the list of off-machine URLs it asked for.

    It asks for reduced motion, as a user may: the app's loading skeletons and spinners then stop animating, which
    otherwise keeps Chromium repainting on a 2-core machine (measured: about a sixth less CPU per page load)."""
    settings: dict[str, object] = {"viewport": {"width": 1600, "height": 1100}, "reduced_motion": "reduce", **options}
    ctx = browser.new_context(**settings)  # type: ignore[attr-defined]
    ctx.set_default_timeout(EXPECT_TIMEOUT_MS)
    ctx.add_init_script(RUN_WATCH)
    outside: list[str] = []
    ctx.on("request", lambda request: outside.append(request.url) if off_machine(request.url) else None)
    try:
        yield ctx, outside
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def _session_context(browser: object) -> Iterator[tuple[Any, list[str]]]:
    with _watched_context(browser, accept_downloads=True) as watched:
        yield watched


@pytest.fixture
def context(_session_context: tuple[Any, list[str]]) -> Iterator[object]:
    """The session's browser context, downloads allowed; every page in it is a Streamlit session of its own.

    Shared by the tests (its cache keeps the app's scripts compiled, so a page loads on less CPU than in a fresh
    context); the pages a test opens are closed after it, and it fails if they asked any host but this machine for
    anything. A test that needs other cookies (a colleague's browser) opens its own with `new_context`."""
    ctx, outside = _session_context
    outside.clear()
    before = set(ctx.pages)
    yield ctx
    for page in [p for p in ctx.pages if p not in before]:
        page.close()
    _assert_on_machine(outside)


@pytest.fixture
def open_app(context: object, app_url: str):  # type: ignore[no-untyped-def]
    """`open_app(path="")` → a page at `app_url/path` whose script has finished running."""

    def _open(path: str = "", *, page: object | None = None):  # type: ignore[no-untyped-def]
        p = page or context.new_page()  # type: ignore[attr-defined]
        _SESSIONS_OPENED.append(path)
        p.goto(f"{app_url}/{path.lstrip('/')}")
        from playwright.sync_api import expect

        expect(p.locator("[data-testid='stMain'] h1").first).to_be_attached(timeout=60_000)  # first run done once
        wait_for_app(p, timeout_ms=60_000)
        return p

    return _open


def wait_for_app(page: object, *, timeout_ms: float = EXPECT_TIMEOUT_MS) -> None:
    """Wait until the app is idle: connected, its script not running, no state change and no message for QUIET_MS.

    Call it before every interaction, so a click never lands on an element a rerun is about to replace.
    """
    page.wait_for_function(  # type: ignore[attr-defined]
        """(quiet) => {
          const runs = window.__bpRuns, app = document.querySelector("[data-testid='stApp']");
          return !!runs && !!app && app.getAttribute("data-test-connection-state") === "CONNECTED"
            && runs.state === "notRunning" && performance.now() - Math.max(runs.at, runs.heardAt) >= quiet;
        }""",
        arg=QUIET_MS,
        polling=50,
        timeout=timeout_ms,
    )


def runs_started(page: object) -> int:
    """How many script runs this page has started (full runs and fragment runs)."""
    return int(page.evaluate("window.__bpRuns.started"))  # type: ignore[attr-defined]


@contextlib.contextmanager
def rerun(page: object, *, timeout_ms: float = EXPECT_TIMEOUT_MS) -> Iterator[None]:
    """Around an interaction that makes the app rerun: wait for idle first, then for a new run to start and end.

    Unlike a fixed sleep, this cannot return before the server has even begun the rerun the interaction asked for.
    """
    wait_for_app(page, timeout_ms=timeout_ms)
    before = page.evaluate("[window.__bpRuns.started, window.__bpRuns.sent]")  # type: ignore[attr-defined]
    yield
    page.wait_for_function(  # type: ignore[attr-defined]
        """([started, sent]) => {
          const runs = window.__bpRuns;  // a run seen starting, or (should the browser batch the state flips of a
          return runs.started > started  // quick run into one render) the server answering the interaction
            || (runs.sent > sent && runs.heardAt > runs.sentAt);
        }""",
        arg=before,
        polling=50,
        timeout=timeout_ms,
    )
    wait_for_app(page, timeout_ms=timeout_ms)
