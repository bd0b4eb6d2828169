"""Admin API fetch against the local emulator: paging, date range, retries on 429/500, the key kept secret."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from costmodel.usage import WhatIfAssumptions
from emulator.admin_api import AdminApiEmulator
from tests.usage import samples
from usageimport import ImportResult, analyze
from usageimport.fetch import FetchError, fetch_into, fetch_reports
from usageimport.tables import UsageImportError

START, END = date(2026, 10, 1), date(2026, 10, 31)
KEY = "sk-ant-admin01-SECRET-test-key-0123456789"


@pytest.fixture(scope="module")
def daily() -> list[dict[str, object]]:
    return samples.daily_usage()


@pytest.fixture
def api(daily: list[dict[str, object]]) -> Iterator[AdminApiEmulator]:
    with AdminApiEmulator(
        usage_buckets=samples.usage_buckets(daily),
        cost_buckets=samples.cost_buckets(daily, samples.row_prices(daily)),
        admin_key=KEY,
        page_size=5,
    ) as emulator:
        yield emulator


def fetch(api: AdminApiEmulator, sleeps: list[float] | None = None, **kwargs: object) -> object:
    return fetch_reports(
        admin_key=KEY,
        start=kwargs.pop("start", START),  # type: ignore[arg-type]
        end=kwargs.pop("end", END),  # type: ignore[arg-type]
        base_url=api.base_url,
        sleep=(sleeps if sleeps is not None else []).append,
        **kwargs,  # type: ignore[arg-type]
    )


def test_pages_are_followed_and_totals_match_saved_reports(
    api: AdminApiEmulator, daily: list[dict[str, object]]
) -> None:
    reports = fetch(api)
    assert len(reports.usage_pages) == 7  # type: ignore[attr-defined]  # 31 days, 5 per page
    assert len(reports.cost_pages) == 7  # type: ignore[attr-defined]
    pages = [r.query.get("page", [None])[0] for r in api.requests if r.endpoint == "usage"]
    assert pages == [None, "page_5", "page_10", "page_15", "page_20", "page_25", "page_30"]
    first = api.requests[0].query
    assert first["group_by[]"] == ["model", "service_tier"]
    assert first["bucket_width"] == ["1d"]
    assert first["starting_at"] == ["2026-10-01T00:00:00Z"]
    assert first["ending_at"] == ["2026-11-01T00:00:00Z"]
    result = ImportResult()
    fetch_into(result, reports)  # type: ignore[arg-type]
    summary = analyze(result, as_of=date(2026, 11, 1), assumptions=WhatIfAssumptions()).summary
    expected = sum(samples.row_prices(daily).values())
    assert summary.total.actual_usd == pytest.approx(expected, abs=0.005)
    assert summary.total.billed_usd == pytest.approx(expected, abs=0.005)


def test_date_range_limits_the_buckets(api: AdminApiEmulator) -> None:
    reports = fetch(api, start=date(2026, 10, 3), end=date(2026, 10, 4), include_cost=False)
    buckets = [b for p in reports.usage_pages for b in p["data"]]  # type: ignore[attr-defined]
    assert [b["starting_at"][:10] for b in buckets] == ["2026-10-03", "2026-10-04"]
    assert not reports.cost_pages  # type: ignore[attr-defined]


def test_429_with_retry_after_and_500_are_retried(api: AdminApiEmulator) -> None:
    api.fail_next("usage", status=429, retry_after=2.5)
    api.fail_next("cost", status=500)
    sleeps: list[float] = []
    reports = fetch(api, sleeps)
    assert reports.retries == 2  # type: ignore[attr-defined]
    assert sleeps == [2.5, 0.5]  # retry-after honoured; then exponential backoff from 0.5 s
    statuses = [(r.endpoint, r.status) for r in api.requests]
    assert statuses[:2] == [("usage", 429), ("usage", 200)]
    assert ("cost", 500) in statuses


def test_gives_up_after_max_retries_with_a_clear_message(api: AdminApiEmulator) -> None:
    api.fail_next("usage", status=503, times=10)
    sleeps: list[float] = []
    with pytest.raises(FetchError, match="HTTP 503 api_error") as info:
        fetch(api, sleeps, max_retries=3)
    assert sleeps == [0.5, 1.0, 2.0]
    assert KEY not in str(info.value)


def test_wrong_key_is_a_401_without_the_key_in_the_message(api: AdminApiEmulator) -> None:
    wrong = "sk-ant-admin01-WRONG-key"
    with pytest.raises(FetchError) as info:
        fetch_reports(admin_key=wrong, start=START, end=END, base_url=api.base_url, sleep=lambda s: None)
    text = str(info.value)
    assert "401" in text
    assert "sk-ant-admin" in text  # the hint names the key's prefix …
    assert wrong not in text
    assert "WRONG" not in text


def test_unreachable_host_is_a_clear_error() -> None:
    with AdminApiEmulator() as api:
        url = api.base_url
    with pytest.raises(FetchError, match="cannot reach the Admin API"):
        fetch_reports(admin_key=KEY, start=START, end=END, base_url=url, max_retries=1, sleep=lambda s: None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"admin_key": ""}, "no admin key"),
        ({"end": date(2026, 9, 1)}, "before the start date"),
        ({"start": date(2001, 1, 1)}, "fetch at most 400 days at a time"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"admin_key": KEY, "start": START, "end": END, "base_url": "http://127.0.0.1:9"}
    with pytest.raises(FetchError, match=message):
        fetch_reports(**{**args, **kwargs})  # type: ignore[arg-type]


WRONG_SHAPES = [
    [1, 2],
    ["a", "b"],
    {"data": 5, "has_more": False},
    {"data": [5], "has_more": False},
    {"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": 5}], "has_more": False},
    {"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": ["x"]}], "has_more": False},
    {"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": [{"cache_creation": 7}]}], "has_more": False},
    {"data": [{"starting_at": "2026-10-01T00:00:00Z", "results": [{"server_tool_use": [1]}]}], "has_more": False},
]


@pytest.mark.parametrize("body", WRONG_SHAPES, ids=range(len(WRONG_SHAPES)))
def test_a_report_of_the_wrong_shape_is_a_clear_error(api: AdminApiEmulator, body: object) -> None:
    api.fail_next("usage", status=200, body=body)

    def fetch_and_import() -> None:
        fetch_into(ImportResult(), fetch(api))  # type: ignore[arg-type]

    with pytest.raises(UsageImportError) as info:
        fetch_and_import()
    text = str(info.value)
    assert "usage" in text
    assert any(word in text for word in ("not a JSON object", "page 1", "data"))


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_a_key_with_a_pasted_line_ending_is_stripped(api: AdminApiEmulator, ending: str) -> None:
    reports = fetch_reports(admin_key=KEY + ending, start=START, end=END, base_url=api.base_url, sleep=lambda s: None)
    assert reports.usage_pages
    assert all(r.authorized for r in api.requests)


def test_a_key_with_a_line_break_inside_never_reaches_the_wire_or_the_message(api: AdminApiEmulator) -> None:
    broken = KEY[:14] + "\r\n" + KEY[14:]
    with pytest.raises(FetchError) as info:
        fetch_reports(admin_key=broken, start=START, end=END, base_url=api.base_url, sleep=lambda s: None)
    assert "SECRET" not in str(info.value)
    assert "U+000D at position 15" in str(info.value)
    assert api.requests == []
