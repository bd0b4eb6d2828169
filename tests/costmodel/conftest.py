"""Fixtures for the core tests (the price catalog on the fixed test date is `catalog` in tests/conftest.py)."""
