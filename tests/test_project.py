"""The project's promises to a newcomer: two set-up commands in the README, CI runs the test one."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's Set up section needs a bash code block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def _dev_script() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    return dev


def test_readme_gives_exactly_two_setup_commands_app_and_test() -> None:
    commands = _setup_commands()
    assert commands == ["python3 dev.py app", "python3 dev.py test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = _setup_commands()[1]
    assert any(line.strip() == test_command for line in ci.splitlines()), ci


def test_dev_script_knows_both_commands_and_the_benchmarks() -> None:
    dev = (ROOT / "dev.py").read_text()
    for command in ("app", "test", "bench"):
        assert f'"{command}"' in dev


def test_every_shell_package_is_installed_by_the_project() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests"}}
    for package in packages:
        assert f"{package}*" in included, f"{package} is not installed by pyproject.toml"


def test_tests_mirror_the_packages() -> None:
    """tests/<package>/ for each package's tests (ui/ holds the AppTest tests of ui/ and app_pages/); tests/browser/
    is the browser lane."""
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    folders = {p.name for p in (ROOT / "tests").iterdir() if (p / "__init__.py").exists()}
    assert folders - {"browser"} <= packages, f"test folders that name no package: {sorted(folders - packages)}"


def test_every_browser_test_lives_where_the_browser_lane_collects() -> None:
    """`dev.py test` collects only tests/browser for the browser lane: a browser test elsewhere would never run."""
    dev = _dev_script()
    lane = ROOT / dev.BROWSER_TESTS
    assert lane.is_dir()
    outside = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*.py")
        if lane not in path.parents and re.search(r"\bmark\.browser\b", path.read_text())
    ]
    assert outside == [], f"browser tests outside {dev.BROWSER_TESTS}: {outside}"


def test_the_server_runs_no_full_garbage_collection_after_each_script_run() -> None:
    """Streamlit's default (`runner.postScriptGC`) runs `gc.collect(2)` after every rerun: with the app's modules
    loaded, 100–250 ms of CPU holding the GIL per rerun on a 2-core machine, 4× the rerun itself (`python -m
    benchmarks --only app` measures both; `--only server` a real server's CPU per rerun with and without it).
    AppTest skips it, so only the server's own settings can say so."""
    from streamlit import config as streamlit_config

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["runner"]["postScriptGC"] is False
    assert "runner.postScriptGC" in streamlit_config._config_options_template  # still an option of this Streamlit


def test_readme_names_every_cli_command() -> None:
    import argparse

    from commands.plan import build_parser

    readme = (ROOT / "README.md").read_text()
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert {"compare", "sla", "recommend", "models", "evaluate", "export", "pilot", "usage"} <= set(sub.choices)
    for command in sub.choices:  # read from the one parser: a new command is checked without touching this test
        assert f"python -m costmodel {command}" in readme, command


def test_no_legacy_pages_folder_beside_the_app() -> None:
    """A `pages/` folder next to app.py switches Streamlit into its legacy multipage mode for the first run
    after a server start: a deep link such as /method then shows a "Page not found" dialog."""
    assert not (ROOT / "pages").exists()
    assert (ROOT / "app_pages").is_dir()


def test_no_test_reaches_a_host_other_than_this_machine() -> None:
    """The root conftest refuses, in every test process, any name lookup or connection off loopback, so a test
    whose safety check it relied on passes by accident fails at once (one did: a pilot ceiling check that depended
    on the month sent a fake-key pilot towards api.anthropic.com and retried for a minute)."""
    import socket
    import time

    from tests.conftest import OffMachine

    started = time.monotonic()
    for target in [("api.anthropic.com", 443), ("8.8.8.8", 53), ("2001:4860:4860::8888", 53)]:
        with pytest.raises(OffMachine, match="only localhost"):
            socket.create_connection(target, timeout=5)
    assert time.monotonic() - started < 1.0, "refused at once, not after a network timeout"
    with socket.socket() as server:  # loopback still works: the emulator and the app are reached this way
        server.bind(("127.0.0.1", 0))
        server.listen(2)  # the backlog completes both connections; nothing needs to accept them
        socket.create_connection(server.getsockname(), timeout=5).close()
        socket.create_connection(("localhost", server.getsockname()[1]), timeout=5).close()


def test_apptests_scan_the_installed_components_once_per_process() -> None:
    """Each new AppTest's first run scanned every installed distribution's metadata for Streamlit components (about
    0.3 s, most of a typical AppTest); the root conftest keeps the scan's result for the process, as a server does."""
    manifest_scanner = pytest.importorskip("streamlit.components.v2.manifest_scanner")
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import streamlit as st

        st.write("hello")

    for _ in range(3):
        AppTest.from_function(page).run()
    assert manifest_scanner.scan_component_manifests.cache_info().misses <= 1  # type: ignore[attr-defined]


def test_apptests_compile_each_script_once_per_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest gives every run a new script cache; the root conftest keeps each script's bytecode for the process,
    as a server does, and compiles a changed script anew (its size or modification time differs)."""
    import builtins

    from streamlit.testing.v1 import AppTest

    script = tmp_path / "page.py"
    script.write_text("import streamlit as st\nst.write('first')\n")
    compiled: list[str] = []
    compile_source = builtins.compile

    def counting(source: Any, filename: Any, *args: Any, **kwargs: Any) -> Any:
        if str(filename) == str(script):
            compiled.append(str(filename))
        return compile_source(source, filename, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", counting)
    for _ in range(3):
        at = AppTest.from_file(str(script)).run()
        assert at.markdown[0].value == "first"
    assert len(compiled) == 1, f"compiled {len(compiled)} times for 3 runs of one version"

    script.write_text("import streamlit as st\nst.write('second, longer')\n")
    at = AppTest.from_file(str(script)).run()
    assert at.markdown[0].value == "second, longer", "a changed script runs its new version"
    assert len(compiled) == 2


def test_the_browser_lane_runs_alongside_the_fast_lane_and_its_output_and_failure_are_reported(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """`dev.py test` starts the browser lane before the fast lane and runs them side by side (one after the other,
    each left a core idle much of the time); the browser lane's output comes whole, after the fast lane's, and a
    failure of either lane is reported."""
    import subprocess
    import sys

    dev = _dev_script()
    started: list[str] = []
    real_popen = subprocess.Popen

    def lane(cmd: list[str]) -> str:
        return "browser" if "browser" in cmd else "fast"

    def popen(cmd: list[str], **kwargs: Any) -> Any:
        started.append(f"{lane(cmd)} started")
        code = "import os, sys; print('browser lane says', os.nice(0)); sys.exit(1)"  # a failing browser lane
        return real_popen(
            [sys.executable, "-c", code],
            stdout=kwargs["stdout"], stderr=kwargs["stderr"], preexec_fn=kwargs.get("preexec_fn"),
        )  # fmt: skip

    def call(cmd: list[str], **kwargs: Any) -> int:
        started.append(f"{lane(cmd)} started")
        print("fast lane says", flush=True)
        return 0

    monkeypatch.setattr(dev.subprocess, "Popen", popen)
    monkeypatch.setattr(dev.subprocess, "call", call)
    failed = dev.run_test_lanes([])
    assert started == ["browser started", "fast started"], "the browser lane starts first and runs alongside"
    assert failed == ["pytest, browser lane (-m browser)"]
    out = capfd.readouterr().out
    assert out.index("fast lane says") < out.index("browser lane says"), out
    assert out.rindex("==> pytest, browser lane") < out.index("browser lane says"), "under its own heading"
    if hasattr(os, "nice"):  # the browser lane runs at a lower priority than the fast lane (this process)
        lane_niceness = int(out.split("browser lane says", 1)[1].split()[0])
        assert lane_niceness == min(os.nice(0) + dev.BROWSER_LANE_NICENESS, 19)


@pytest.mark.parametrize("ctrl_c_reached_the_lane", [True, False])
def test_an_interrupted_run_lets_the_browser_lane_clean_up(tmp_path: Path, ctrl_c_reached_the_lane: bool) -> None:
    """A lane still running when `dev.py test` is interrupted ends as pytest ends on Ctrl-C, so its fixtures stop
    the app server and the browser they started: it is neither killed outright (which left them behind) nor sent a
    second Ctrl-C that would cut its teardown short."""
    import signal
    import subprocess
    import sys

    dev = _dev_script()
    marker = tmp_path / "cleaned-up"
    code = (  # a terminal's Python turns Ctrl-C into KeyboardInterrupt (a test worker may ignore SIGINT)
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "try:\n    print('ready', flush=True)\n    time.sleep(60)\n"
        "except KeyboardInterrupt:\n"
        "    print('tearing down', flush=True)\n"
        "    try:\n        time.sleep(0.5)\n"  # a teardown that takes a moment, as stopping a server does
        "    except KeyboardInterrupt:\n        sys.exit(3)\n"  # a second Ctrl-C cut the teardown short
        f"    open({str(marker)!r}, 'w').close()\n"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        if ctrl_c_reached_the_lane:
            process.send_signal(signal.SIGINT)
            assert process.stdout.readline() == b"tearing down\n"
        dev.stop(process, grace_s=2.0 if ctrl_c_reached_the_lane else 0.1)
    assert marker.exists(), f"the lane's own clean-up did not run (exit code {process.returncode})"
