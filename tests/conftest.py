"""Fixtures for every test: nothing a test does reads or writes the user's own Batch Planner data."""

from __future__ import annotations

from pathlib import Path

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
