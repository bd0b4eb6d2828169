"""Fixtures for the reports tests: the field portfolio (the catalog is tests/conftest.py's)."""

from __future__ import annotations

import pytest

from commands.files import load_scenario
from costmodel.scenario import Scenario
from tests.costmodel.core_support import PRESETS


@pytest.fixture(scope="module")
def field() -> Scenario:
    """The field portfolio preset: seven workflows and finance inputs with revenue."""
    return load_scenario(PRESETS / "portfolio.json")
