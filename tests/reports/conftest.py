"""Fixtures for the reports tests: the core's catalog (same price date) and the field portfolio."""

from __future__ import annotations

import pytest

from commands.files import load_scenario
from costmodel.scenario import Scenario
from tests.core.conftest import catalog
from tests.core.core_support import PRESETS

__all__ = ["catalog", "field"]


@pytest.fixture(scope="module")
def field() -> Scenario:
    """The field portfolio preset: seven workflows and finance inputs with revenue."""
    return load_scenario(PRESETS / "portfolio.json")
