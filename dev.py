#!/usr/bin/env python3
"""Set up and run Batch Planner with nothing but Python 3.11+.

    python3 dev.py app      start the web app (creates .venv and installs on first use)
    python3 dev.py test     run every check: ruff, mypy on the core, the whole pytest suite in two lanes
    python3 dev.py bench    print the benchmark figures (ratios against in-run baselines)

The test lanes run side by side: the fast lane (`pytest`, which leaves out tests marked `browser`) on
every core with pytest-xdist (BATCH_PLANNER_TEST_WORKERS=N to choose), and the browser lane (`pytest -m
browser`: Playwright on the system Chromium against a real `streamlit run`), which spends much of its time
waiting for the server or the browser. Its output is held and printed once the fast lane's has ended.

Any other arguments after `test` go to pytest, in both lanes; after `app` to `streamlit run`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".batch-planner-installed"


def _requirements_digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create `.venv` and install the project with its test extras when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file may be run by an older python3
        sys.exit(f"Batch Planner needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = _requirements_digest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    print("Installing Batch Planner and its dependencies into .venv (first use only) ...", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    project = ["-e", f"{ROOT}[test]"]
    # uv (from PyPI, into the venv) installs the same versions as pip in a fraction of the time (18 s against
    # 76 s here); where it cannot be had or fails, pip does the whole install.
    uv = [str(PY), "-m", "uv", "pip", "install", "-q", "--python", str(PY)]
    if subprocess.call([*pip, "uv"]) != 0 or subprocess.call([*uv, *project]) != 0:
        print("uv was not available; installing with pip instead ...", flush=True)
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, *project], check=True)
    STAMP.write_text(digest)


def run(cmd: list[str]) -> int:
    return subprocess.call(cmd, cwd=ROOT)


BROWSER_TESTS = "tests/browser"
"""Where every test marked `browser` lives."""

BROWSER_LANE_NICENESS = 10
"""How much lower the browser lane's priority is than the fast lane's (POSIX `nice`; its server and browser inherit it).

The fast lane is the one that ends last, and the browser lane spends much of its time waiting; at a lower priority
the browser lane runs in the fast lane's gaps instead of beside its work. Measured here (2 cores, full `dev.py test`,
run alternately): the machine's idle core-seconds over the run went from 13.0 and 12.4 to 7.0 and 5.2."""

PASSED = (0, 5)
"""pytest's exit codes that are no failure: all passed, or nothing selected (arguments naming only browser tests)."""


def run_test_lanes(args: list[str]) -> list[str]:
    """The fast lane on every core and, alongside it, the browser lane; the names of the lanes that failed.

    Run one after the other, each lane left a core idle much of the time: the fast lane while its last tests
    finished, the browser lane while its server or the browser worked alone. Side by side, the suite takes about
    the CPU time the two need (the README gives the figures). The browser lane's output goes to a file and is
    printed, under its own heading, once the fast lane's output has ended.
    """
    pytest = [str(PY), "-m", "pytest"]
    workers = os.environ.get("BATCH_PLANNER_TEST_WORKERS", "auto")
    fast_lane = f"pytest, fast lane (not browser; {workers} workers)"
    browser_lane = "pytest, browser lane (-m browser)"
    # Byte-code caching on (some shells turn it off): each pytest process, xdist worker and app server would
    # otherwise recompile every module and pytest re-rewrite every test module's asserts (~7 s of CPU each).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as held:
        print(f"\n==> {browser_lane}: started alongside the fast lane, its output held until that one ends", flush=True)
        # with no arguments the browser lane collects only tests/browser (where every browser test lives, as a
        # project test checks), not the whole suite's ~2,100 tests, which took its one process ~5 s before a page
        browser = subprocess.Popen(
            [*pytest, "-m", "browser", *(args or [BROWSER_TESTS])],
            cwd=ROOT, env=env, stdout=held, stderr=subprocess.STDOUT,
            preexec_fn=_lower_priority if hasattr(os, "nice") else None,  # Windows takes no preexec_fn
        )  # fmt: skip
        try:
            print(f"\n==> {fast_lane}", flush=True)
            fast_code = subprocess.call([*pytest, "-n", workers, "--dist", "worksteal", *args], cwd=ROOT, env=env)
            browser_code = browser.wait()
        finally:
            if browser.poll() is None:  # interrupted
                stop(browser)
        print(f"\n==> {browser_lane}", flush=True)
        held.seek(0)
        shutil.copyfileobj(held, sys.stdout.buffer)
        sys.stdout.flush()
    return [lane for lane, code in ((fast_lane, fast_code), (browser_lane, browser_code)) if code not in PASSED]


def _lower_priority() -> None:
    """In the browser lane's process, before it starts: lower its priority by BROWSER_LANE_NICENESS."""
    os.nice(BROWSER_LANE_NICENESS)


def stop(process: subprocess.Popen[bytes], *, grace_s: float = 10.0) -> None:
    """End a lane still running when `dev.py test` was interrupted, so that pytest's teardown stops the app server
    and the browser its fixtures started: Ctrl-C in a terminal reached the lane too, so it gets `grace_s` to end
    by itself; then Ctrl-C's signal (an interrupt that reached dev.py alone); it is killed only if that fails."""
    try:
        process.wait(timeout=grace_s)
        return
    except subprocess.TimeoutExpired:
        pass
    process.send_signal(signal.SIGINT if os.name != "nt" else signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test", "bench"}:
        print(__doc__)
        return 2
    ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "app":
        return run([str(PY), "-m", "streamlit", "run", "app.py", *rest])
    if command == "bench":
        return run([str(PY), "-m", "benchmarks", *rest])
    steps = [
        ("ruff", [str(PY), "-m", "ruff", "check", "."]),
        ("mypy (strict, core)", [str(PY), "-m", "mypy", "costmodel"]),
    ]
    failed = []
    for name, cmd in steps:
        print(f"\n==> {name}", flush=True)
        if run(cmd) != 0:
            failed.append(name)
    failed += run_test_lanes(rest)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
        return 1
    print("\nAll checks passed.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # Ctrl-C: the lanes have ended (`stop`); a line, not a traceback
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
