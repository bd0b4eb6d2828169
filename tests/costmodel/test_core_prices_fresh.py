"""Fresh, dated prices: the price data's own date beside the evaluation date, a warning when it is old, and an
opt-in runtime refresh that fails gracefully offline and that the catalog honours (issue 10).

No test reaches the network: the refresh is driven through a stand-in updater or an installed snapshot.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from commands import main
from commands.prices import refresh_prices
from costmodel.prices import STALE_PRICE_DATA_DAYS, load_catalog
from tests.costmodel.core_support import AS_OF, AS_OF_FLAG


def test_price_source_shows_the_data_date_beside_the_evaluation_date() -> None:
    source = load_catalog(as_of=AS_OF).source
    assert source.data_date is not None
    assert source.data_date <= AS_OF
    assert source.data_origin == "bundled snapshot"
    assert f"bundled snapshot dated {source.data_date.isoformat()}" in source.label()
    assert f"prices as of {AS_OF.isoformat()}" in source.label()


def test_no_warning_for_recent_data_and_a_warning_past_30_days() -> None:
    fresh = load_catalog(as_of=AS_OF).source
    assert fresh.data_date is not None
    assert fresh.stale_warning is None
    later = fresh.data_date + timedelta(days=STALE_PRICE_DATA_DAYS + 40)
    old = load_catalog(as_of=later).source
    assert old.data_age_days is not None
    assert old.data_age_days > STALE_PRICE_DATA_DAYS
    assert old.stale_warning is not None
    assert "--refresh-prices" in old.stale_warning


def test_stale_data_warns_in_the_comparison(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["compare", "--model", "claude-sonnet-4-6", "--requests-per-day", "500", "--input-tokens", "1000",
                 "--output-tokens", "100", "--as-of", "2027-06-01", "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert any("price data may be stale" in w for w in data["warnings"])
    assert data["price_data_date"] is not None


class _OfflineUpdater:
    """Stands in for genai_prices.UpdatePrices when the internet is unreachable."""

    def __init__(self) -> None:
        self.stopped = False

    def start(self, *, wait: bool | float = False) -> None:
        pass

    def wait(self, timeout: float | None = None) -> bool:
        raise OSError("network unreachable")

    def stop(self) -> None:
        self.stopped = True


def test_refresh_fails_gracefully_offline() -> None:
    updater = _OfflineUpdater()
    problem = refresh_prices(updater=updater)
    assert problem is not None
    assert problem.startswith("price refresh failed (OSError: network unreachable)")
    assert "bundled price data" in problem
    assert updater.stopped


def test_refresh_flag_warns_and_still_prices(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import genai_prices

    monkeypatch.setattr(genai_prices, "UpdatePrices", _OfflineUpdater)
    code = main(["compare", "--model", "claude-sonnet-4-6", "--requests-per-day", "500", "--input-tokens", "1000",
                 "--output-tokens", "100", "--refresh-prices", *AS_OF_FLAG])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "warning: price refresh failed" in captured.err
    assert "Sync vs batch" in captured.out


def test_catalog_honours_a_refreshed_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    from genai_prices import data_snapshot

    bundled = data_snapshot.get_snapshot()
    before = load_catalog(as_of=AS_OF).get("claude-sonnet-4-6")
    providers = copy.deepcopy(bundled.providers)
    anthropic = next(p for p in providers if p.id == "anthropic")
    model = next(m for m in anthropic.models if m.id == "claude-sonnet-4-6")

    def double_input(price: Any) -> None:  # on the deep copy: the bundled data stays as it is
        given = price.input_mtok
        twice = type(given)(base=given.base * 2, tiers=given.tiers) if hasattr(given, "tiers") else given * 2
        object.__setattr__(price, "input_mtok", twice)

    for conditional in model.prices if isinstance(model.prices, list) else [model.prices]:
        double_input(getattr(conditional, "prices", conditional))
    refreshed = data_snapshot.DataSnapshot(providers, from_auto_update=True, timestamp=datetime(2026, 11, 20, 9))
    monkeypatch.setattr(data_snapshot, "_custom_snapshot", refreshed)
    after = load_catalog(as_of=AS_OF)
    assert after.get("claude-sonnet-4-6").sync.input_usd_per_mtok == pytest.approx(2 * before.sync.input_usd_per_mtok)
    assert after.source.data_origin == "runtime refresh"
    assert after.source.data_date == date(2026, 11, 20)
    monkeypatch.setattr(data_snapshot, "_custom_snapshot", None)
    assert load_catalog(as_of=AS_OF).get("claude-sonnet-4-6").sync == before.sync


def _every_start_date(value: object, seen: set[int]) -> list[date]:
    """Reference: every `start_date` anywhere in a genai-prices structure (every field of every dataclass)."""
    if value is None or isinstance(value, str | int | float | bool | date) or id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, list | tuple):
        return [d for item in value for d in _every_start_date(item, seen)]
    fields = getattr(type(value), "__dataclass_fields__", None) or {}
    found = [value.start_date] if isinstance(getattr(value, "start_date", None), date) else []  # type: ignore[attr-defined]
    return found + [d for name in fields if name != "start_date" for d in _every_start_date(getattr(value, name), seen)]


def test_the_price_data_date_walk_finds_every_dated_price_change() -> None:
    """`constraint_dates` follows only the fields that lead to dates; it must miss none the snapshot holds."""
    from costmodel.prices import _snapshot, constraint_dates

    providers = list(_snapshot().providers)
    want = sorted(_every_start_date(providers, set()))
    assert want, "the bundled snapshot dates its price changes"
    assert sorted(constraint_dates(providers)) == want
