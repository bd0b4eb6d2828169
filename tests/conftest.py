"""Fixtures for every test: nothing a test does reads or writes the user's own Batch Planner data, and nothing a
test does in this process reaches any host but this machine."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from costmodel.prices import Catalog, load_catalog
from tests.costmodel.core_support import AS_OF


@pytest.fixture(autouse=True)
def _private_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh BATCH_PLANNER_HOME per test: pages that read the default ledger (the windows page's learned
    turnaround, the Live pilot page) and commands without --ledger see an empty one, never the machine's."""
    home = tmp_path_factory.mktemp("bp-home")
    monkeypatch.setenv("BATCH_PLANNER_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The planning catalog on the fixed test date (AS_OF), built once per test process and shared."""
    return load_catalog(as_of=AS_OF)


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class OffMachine(BaseException):
    """A test tried to reach a host other than this machine (the real API, a CDN, a DNS server).

    Not an `Exception`: the SDK's and the pilot's retry loops catch those and would retry for a minute; this one goes
    straight up and fails the test."""


def is_loopback(host: object) -> bool:
    """`host` (a name, an address, or None for a local socket) is this machine."""
    if host is None or (isinstance(host, str) and host.lower() in LOOPBACK_NAMES):
        return True
    try:
        return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host)).is_loopback
    except ValueError:
        return False


def _refuse_unless_loopback(host: object) -> None:
    if is_loopback(host):
        return
    raise OffMachine(f"tests may reach only localhost; refused {host!r} (use the emulator over loopback)")


@pytest.fixture(autouse=True, scope="session")
def _only_loopback() -> Iterator[None]:
    """Every name lookup and connection this process makes must stay on loopback: a test that would send a pilot
    to api.anthropic.com (say, because a ceiling check it relied on passed) fails at once and says so, instead of
    retrying against the network for a minute or, on a machine with network, reaching the real API."""
    lookup, connect, connect_ex = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex

    def guarded_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_unless_loopback(host)
        return lookup(host, *args, **kwargs)

    def guarded(original: Any) -> Any:
        def method(self: socket.socket, address: Any) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                _refuse_unless_loopback(address[0])
            return original(self, address)

        return method

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", guarded_lookup)
        patch.setattr(socket.socket, "connect", guarded(connect))
        patch.setattr(socket.socket, "connect_ex", guarded(connect_ex))
        yield


@pytest.fixture(autouse=True, scope="session")
def _components_scanned_once() -> Iterator[None]:
    """Streamlit scans every installed distribution's metadata for v2 components on each new AppTest's first run
    (about 0.3 s, most of a typical AppTest); a server scans once per process. The installed packages do not change
    during a test run, so the scan's result is kept for the process: the components found are the same."""
    import functools

    try:
        from streamlit.components.v2 import manifest_scanner

        scan = manifest_scanner.scan_component_manifests
    except (ImportError, AttributeError):  # another Streamlit release: its AppTests scan as they do
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests", functools.cache(scan))
        yield


@pytest.fixture(autouse=True, scope="session")
def _scripts_compiled_once_per_version() -> Iterator[None]:
    """AppTest gives every run a new, empty script cache, so each run read and compiled app.py and its page again
    (a server compiles each once). Here the bytecode is kept for the process per file and version (path, size,
    modification time) and per the magic setting it was compiled under: a changed file compiles anew."""
    import os

    try:
        from streamlit import config
        from streamlit.runtime.scriptrunner.script_cache import ScriptCache

        compile_script = ScriptCache.get_bytecode
    except (ImportError, AttributeError):  # another Streamlit release: its AppTests compile as they do
        yield
        return
    compiled: dict[tuple[str, int, int, bool], Any] = {}

    def get_bytecode(self: ScriptCache, script_path: str) -> Any:
        path = os.path.abspath(script_path)
        try:
            stat = os.stat(path)
        except OSError:
            return compile_script(self, script_path)  # missing: Streamlit's own error
        key = (path, stat.st_size, stat.st_mtime_ns, bool(config.get_option("runner.magicEnabled")))
        if key not in compiled:
            compiled[key] = compile_script(self, script_path)
        return compiled[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScriptCache, "get_bytecode", get_bytecode)
        yield

