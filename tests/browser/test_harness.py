"""The browser harness itself: a missing Chromium skips locally and fails under CI (no browser needed here)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import require_chromium


def test_found_browser_is_used() -> None:
    assert require_chromium("/usr/bin/chromium", ci=True) == "/usr/bin/chromium"


def test_missing_browser_skips_locally() -> None:
    with pytest.raises(pytest.skip.Exception, match="Chromium not found"):
        require_chromium(None, ci=False)


def test_missing_browser_fails_under_ci() -> None:
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_chromium(None, ci=True)
