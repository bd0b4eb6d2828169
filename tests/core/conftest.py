"""Fixtures for the core tests."""

from __future__ import annotations

import pytest

from costmodel.prices import Catalog, load_catalog
from tests.core.core_support import AS_OF


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(as_of=AS_OF)


@pytest.fixture(scope="session")
def full_catalog() -> Catalog:
    return load_catalog(as_of=AS_OF, include_retired=True)
