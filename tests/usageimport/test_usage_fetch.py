"""Admin API fetch against the local emulator: paging, date range, retries on 429/500, the key kept secret."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from costmodel.usage import WhatIfAssumptions
from emulator.admin_api import AdminApiEmulator
from tests.usageimport import samples
from usageimport import ImportResult, analyze
from usageimport.fetch import LEGACY_NOTE, FetchError, fetch_into, fetch_reports, normalize_page
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
    assert first["group_by[]"] == ["model", "service_tier", "context_window", "inference_geo", "speed"]
    assert {(r.api, r.beta) for r in api.requests} == {("analytics", "analytics-usage-cost-2026-08-24")}
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


def _bucket(day: int, results: list[dict[str, object]]) -> dict[str, object]:
    return {
        "starting_at": f"2026-10-{day:02d}T00:00:00Z",
        "ending_at": f"2026-10-{day + 1:02d}T00:00:00Z",
        "results": results,
    }


def _result(model: str, **extra: object) -> dict[str, object]:
    return {
        "model": model,
        "service_tier": "standard",
        "uncached_input_tokens": 1_000_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "cache_read_input_tokens": 0,
        "output_tokens": 0,
        "server_tool_use": {"web_search_requests": 0},
        **extra,
    }


# Opus 4.6 fast mode is 6x standard ($30/MTok input); inference_geo us is 1.1x on tokens (pricing page, 2026-11-30)
MODIFIED = [
    _bucket(
        1,
        [
            _result("claude-opus-4-6", speed="fast", inference_geo="global"),
            _result("claude-opus-4-6", speed="standard", inference_geo="global"),
            _result("claude-sonnet-4-6", speed="standard", inference_geo="us"),
        ],
    )
]


def _summary(reports: object) -> object:
    result = ImportResult()
    fetch_into(result, reports)  # type: ignore[arg-type]
    return result, analyze(result, as_of=date(2026, 11, 30), assumptions=WhatIfAssumptions()).summary


def test_the_analytics_api_groups_by_speed_and_geo_so_fast_and_us_rows_are_priced_as_such() -> None:
    with AdminApiEmulator(usage_buckets=MODIFIED, admin_key=KEY) as api:
        reports = fetch(api, include_cost=False)
    assert reports.usage_api == "analytics"  # type: ignore[attr-defined]
    result, summary = _summary(reports)
    assert summary.total.actual_usd == pytest.approx(30.0 + 5.0 + 3.3)  # type: ignore[attr-defined]
    assert summary.fast_rows == 1  # type: ignore[attr-defined]
    assert summary.geo_rows == 1  # type: ignore[attr-defined]
    assert LEGACY_NOTE not in result.warnings  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [404, 403, 400])
def test_falls_back_to_the_legacy_reports_when_analytics_is_not_enabled(status: int) -> None:
    with AdminApiEmulator(
        usage_buckets=MODIFIED, admin_key=KEY, analytics=False, analytics_disabled_status=status
    ) as api:
        reports = fetch(api, include_cost=False)
        calls = [(r.api, r.status) for r in api.requests]
        legacy_groups = next(r.query["group_by[]"] for r in api.requests if r.api == "legacy")
    assert calls == [("analytics", status), ("legacy", 200)]
    assert legacy_groups == ["model", "service_tier", "context_window"]
    assert reports.usage_api == "legacy"  # type: ignore[attr-defined]
    result, summary = _summary(reports)
    # the legacy report cannot tell fast or US rows apart: standard prices, and a note that says so
    assert summary.total.actual_usd == pytest.approx(2 * 5.0 + 3.0)  # type: ignore[attr-defined]
    assert LEGACY_NOTE in result.warnings  # type: ignore[attr-defined]
    assert any("(legacy," in s for s in result.sources)  # type: ignore[attr-defined]


def test_a_400_that_is_not_about_enabling_is_an_error_not_a_fallback(api: AdminApiEmulator) -> None:
    api.fail_next("usage", status=400)
    with pytest.raises(FetchError, match="HTTP 400"):
        fetch(api)
    assert {r.api for r in api.requests} == {"analytics"}


def test_cost_falls_back_too(daily: list[dict[str, object]]) -> None:
    with AdminApiEmulator(
        usage_buckets=samples.usage_buckets(daily),
        cost_buckets=samples.cost_buckets(daily, samples.row_prices(daily)),
        admin_key=KEY,
        analytics=False,
    ) as api:
        reports = fetch(api)
    assert reports.cost_api == "legacy"  # type: ignore[attr-defined]
    _, summary = _summary(reports)
    assert summary.total.billed_usd == pytest.approx(sum(samples.row_prices(daily).values()), abs=0.005)  # type: ignore[attr-defined]


def test_flat_analytics_rows_are_regrouped_into_buckets() -> None:
    flat = {
        "data": [
            {"starting_at": "2026-10-01T00:00:00Z", "model": "claude-sonnet-4-6", "usage": {"output_tokens": 5}},
            {"starting_at": "2026-10-01T00:00:00Z", "model": "claude-opus-4-6", "output_tokens": 7},
            {"starting_at": "2026-10-02T00:00:00Z", "model": "claude-opus-4-6", "output_tokens": 9},
        ],
        "has_more": False,
    }
    page = normalize_page(flat)
    assert [b["starting_at"][:10] for b in page["data"]] == ["2026-10-01", "2026-10-02"]
    assert page["data"][0]["results"] == [
        {"output_tokens": 5, "model": "claude-sonnet-4-6"},
        {"model": "claude-opus-4-6", "output_tokens": 7},
    ]
    for wrong in WRONG_SHAPES:
        if isinstance(wrong, dict):
            assert normalize_page(wrong) == wrong  # left for the importer to name what is wrong
