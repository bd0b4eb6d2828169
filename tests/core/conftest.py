"""Fixtures for the core tests."""

from __future__ import annotations

import pytest

from costmodel.prices import Catalog, load_catalog
from tests.core.core_support import AS_OF


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The planning catalog on the fixed test date."""
    return load_catalog(as_of=AS_OF)
