"""usageimport parsers: every format, messy files, line/column messages, chunking invariance."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.usage import TIER_BATCH, TIER_STANDARD, WhatIfAssumptions
from tests.usageimport import samples
from usageimport import ImportResult, UsageImportError, analyze, load_files
from usageimport.csvfiles import read_csv

AS_OF = date(2026, 11, 1)
DATA = Path(__file__).resolve().parents[2] / "data" / "usage"


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return samples.write_all(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="module")
def daily_reference() -> float:
    return sum(samples.row_prices(samples.daily_usage()).values())


def total(paths: list[Path], **kwargs: object) -> float:
    result = load_files(paths)
    return analyze(result, as_of=AS_OF, assumptions=WhatIfAssumptions(**kwargs)).summary.total.actual_usd  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["console_usage", "admin_usage"])
def test_daily_usage_formats_match_independent_prices(
    sample_files: dict[str, Path], daily_reference: float, name: str
) -> None:
    assert total([sample_files[name]]) == pytest.approx(daily_reference, abs=0.005)


@pytest.mark.parametrize("name", ["console_cost", "admin_cost"])
def test_cost_formats_give_billed_amounts(sample_files: dict[str, Path], daily_reference: float, name: str) -> None:
    result = load_files([sample_files["console_usage"], sample_files[name]])
    summary = analyze(result, as_of=AS_OF, assumptions=WhatIfAssumptions()).summary
    assert summary.total.billed_usd == pytest.approx(daily_reference, abs=0.01 * result.billed_rows)
    assert abs(summary.total.billed_difference_usd or 0) < 0.01 * result.billed_rows
    assert {g.key for g in summary.by_model if g.billed_usd} == {
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-opus-4-1",
    }


def test_request_logs_csv_and_jsonl_agree_with_genai_prices_row_by_row(sample_files: dict[str, Path]) -> None:
    from genai_prices import Usage, calc_price

    expected = 0.0
    for r in samples.request_log():
        cw, cr = int(r["cache_creation_input_tokens"]), int(r["cache_read_input_tokens"])  # type: ignore[call-overload]
        usage = Usage(
            input_tokens=int(r["input_tokens"]) + cw + cr,  # type: ignore[call-overload]
            cache_write_tokens=cw,
            cache_read_tokens=cr,
            output_tokens=int(r["output_tokens"]),  # type: ignore[call-overload]
        )
        ctx = {"processing": "batch"} if r["service_tier"] == "batch" else None
        expected += float(calc_price(usage, str(r["model"]), provider_id="anthropic", price_context=ctx).total_price)  # type: ignore[arg-type]
    assert total([sample_files["log_csv"]]) == pytest.approx(expected, abs=0.005)
    assert total([sample_files["log_jsonl"]]) == pytest.approx(expected, abs=0.005)


def test_shipped_samples_are_current_and_importable(sample_files: dict[str, Path]) -> None:
    for name, path in sample_files.items():
        shipped = DATA / path.name
        assert shipped.read_bytes() == path.read_bytes(), (
            f"regenerate data/usage ({name}): python -m tests.usageimport.samples"
        )


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


LOG_HEADER = (
    "timestamp,model,workflow,service_tier,input_tokens,cache_creation_input_tokens,cache_read_input_tokens,"
    "output_tokens"
)
CLEAN_ROWS = [
    "2026-10-01T10:00:00Z,claude-sonnet-4-6,a,standard,1000,0,0,100",
    "2026-10-02T10:00:00Z,claude-sonnet-4-6,a,batch,2000,0,0,200",
    "2026-10-03T10:00:00Z,claude-haiku-4-5,b,standard,3000,0,500,300",
]


def clean_log(tmp_path: Path) -> Path:
    return write(tmp_path, "clean.csv", "\n".join([LOG_HEADER, *CLEAN_ROWS]) + "\n")


def test_messy_log_equals_clean_log(tmp_path: Path) -> None:
    """BOM, reordered and extra columns, blank lines, thousands separators, CRLF: same totals as the clean file."""
    messy = (
        "\ufeffoutput_tokens,extra,Model,Time Stamp,input_tokens,cache_read_input_tokens,workflow,"
        "service_tier,notes\r\n"
        "\r\n"
        '100,x,claude-sonnet-4-6,2026-10-01T10:00:00Z,"1,000",0,a,standard,"hello, world"\r\n'
        "200,y,claude-sonnet-4-6,2026-10-02T10:00:00Z,2000,0,a,batch,\r\n"
        "\r\n"
        '300,z,claude-haiku-4-5,2026-10-03T10:00:00Z,"3,000",500,b,standard,\r\n'
        "\r\n"
    )
    messy_path = write(tmp_path, "messy.csv", messy)
    result = load_files([messy_path])
    assert result.usage_rows == 3
    assert result.skipped_count == 0
    assert result.blank_lines == 3
    assert total([messy_path]) == pytest.approx(total([clean_log(tmp_path)]))


def test_truncated_last_line_is_skipped_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.csv", "\n".join([LOG_HEADER, *CLEAN_ROWS, "2026-10-04T10:00:00Z,claude-sonn"]))
    result = load_files([path])
    assert result.usage_rows == 3
    assert result.skipped_count == 1
    assert result.skipped[0].line == 5
    assert "truncated" in result.skipped[0].message()


def test_bad_values_name_the_line_and_column(tmp_path: Path) -> None:
    rows = [
        *CLEAN_ROWS,
        "2026-10-04T10:00:00Z,claude-sonnet-4-6,a,standard,abc,0,0,100",
        "not-a-date,claude-sonnet-4-6,a,standard,1,0,0,100",
        "2026-10-05T10:00:00Z,,a,standard,1,0,0,100",
        "2026-10-05T10:00:00Z,claude-sonnet-4-6,a,standard,1,0,0,-5",
    ]
    result = load_files([write(tmp_path, "bad.csv", "\n".join([LOG_HEADER, *rows]) + "\n")])
    assert result.usage_rows == 3
    messages = sorted(s.message() for s in result.skipped)
    assert messages == [
        "bad.csv line 5, column input_tokens: 'abc' is not a number",
        "bad.csv line 6, column timestamp: 'not-a-date' is not a date",
        "bad.csv line 7, column model: no model",
        "bad.csv line 8, column output_tokens: -5 is negative",
    ]


def test_unknown_models_and_already_batch_rows(tmp_path: Path) -> None:
    rows = [*CLEAN_ROWS, "2026-10-04T10:00:00Z,gpt-9,c,standard,1000,0,0,100"]
    result = load_files([write(tmp_path, "mixed.csv", "\n".join([LOG_HEADER, *rows]) + "\n")])
    analysis = analyze(result, as_of=AS_OF, assumptions=WhatIfAssumptions())
    assert analysis.summary.unknown_models == {"gpt-9": 1}
    cols = result.usage_columns()
    assert cols.tier_codes.tolist() == [TIER_STANDARD, TIER_BATCH, TIER_STANDARD, TIER_STANDARD]
    batch = analysis.priced.columns.tier_codes == TIER_BATCH
    assert np.array_equal(analysis.priced.whatif_usd[batch], analysis.priced.actual_usd[batch])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("a,b,c\n1,2,3\n", "no date or timestamp column"),
        ("date,model\n2026-10-01,x\n", "no output token column"),
        ("timestamp,model,output_tokens\n2026-10-01,x,1\n", "no input token column"),
    ],
)
def test_bad_files_give_one_clear_message(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(UsageImportError) as info:
        load_files([write(tmp_path, "bad.csv", text)])
    assert any(expected in p and p.startswith("bad.csv") for p in info.value.problems), info.value.problems


def test_lines_with_more_fields_than_the_header_are_skipped(tmp_path: Path) -> None:
    shifted = "2026-10-04T10:00:00Z,claude-sonnet-4-6,a,standard,1,000,0,0,100"  # unquoted thousands separator
    result = load_files([write(tmp_path, "shift.csv", "\n".join([LOG_HEADER, *CLEAN_ROWS, shifted]) + "\n")])
    assert result.usage_rows == 3
    assert [s.message() for s in result.skipped] == [
        "shift.csv line 5: more fields than the header (an unquoted comma, e.g. in 1,000?)"
    ]


def test_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageImportError, match="not UTF-8"):
        load_files(
            [write(tmp_path, "latin.csv", "timestamp,model,input_tokens,output_tokens\n2026-10-01,é,1,1\n", "latin-1")]
        )


def test_cost_csv_aliases_cents_and_dollar_signs(tmp_path: Path) -> None:
    usd = write(
        tmp_path, "cost.csv", 'Date,Model,Service Tier,Cost (USD)\n2026-10-01,claude-sonnet-4-6,standard,"$1,234.50"\n'
    )
    cents = write(tmp_path, "cents.csv", "date,model,amount_cents\n2026-10-01,claude-sonnet-4-6,123450\n")
    for path in (usd, cents):
        result = load_files([path])
        billed = result.billed_columns()
        assert billed is not None
        assert billed.amount_usd.tolist() == [1234.5]


def test_usage_report_json_pages_and_jsonl_pages(tmp_path: Path) -> None:
    pages = samples.paginate(samples.usage_buckets(samples.daily_usage()))
    as_list = write(tmp_path, "pages.json", json.dumps(pages))
    as_lines = write(tmp_path, "pages.jsonl", "\n".join(json.dumps(p) for p in pages) + "\n")
    assert total([as_list]) == pytest.approx(total([as_lines]))
    assert load_files([as_list]).usage_rows == len(samples.daily_usage())


def test_jsonl_log_with_truncated_last_line(tmp_path: Path) -> None:
    line = {
        "timestamp": "2026-10-01T00:00:00Z",
        "model": "claude-haiku-4-5",
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    text = json.dumps(line) + "\n\n" + json.dumps(line) + "\n" + json.dumps(line)[:30]
    result = load_files([write(tmp_path, "log.jsonl", text)])
    assert result.usage_rows == 2
    assert result.blank_lines == 1
    assert [s.message() for s in result.skipped] == ["log.jsonl line 4: truncated line: not complete JSON"]


def test_unknown_service_tiers_are_counted(tmp_path: Path) -> None:
    rows = [CLEAN_ROWS[0].replace("standard", "priority"), CLEAN_ROWS[1].replace("batch", "flex")]
    result = load_files([write(tmp_path, "tiers.csv", "\n".join([LOG_HEADER, *rows]) + "\n")])
    assert result.other_tier_values == {"priority": 1, "flex": 1}


def big_log(tmp_path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    models = np.array(["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-5", "mystery-model"])
    lines = [LOG_HEADER]
    for i in range(n):
        lines.append(
            f"2026-10-{1 + i % 28:02d}T00:00:00Z,{models[rng.integers(0, 4)]},t{i % 3},"
            f"{'batch' if rng.random() < 0.3 else 'standard'},{rng.integers(0, 50_000)},"
            f"{rng.integers(0, 2_000)},{rng.integers(0, 9_000)},{rng.integers(0, 3_000)}"
        )
    return write(tmp_path, f"big{seed}.csv", "\n".join(lines) + "\n")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.sampled_from([1, 3]) | st.integers(20, 150), seed=st.integers(0, 3))
def test_totals_are_invariant_under_chunk_size(tmp_path: Path, chunk: int, seed: int) -> None:
    """100 rows (every model, tag and tier, 28 days) read in chunks of one row up to all of them at once."""
    path = tmp_path / f"big{seed}.csv"
    if not path.exists():
        big_log(tmp_path, 100, seed)
    whole, chunked = ImportResult(), ImportResult()
    read_csv(path, whole, chunk_rows=10_000)
    read_csv(path, chunked, chunk_rows=chunk)
    a = analyze(whole, as_of=AS_OF, assumptions=WhatIfAssumptions()).summary
    b = analyze(chunked, as_of=AS_OF, assumptions=WhatIfAssumptions()).summary
    assert b.total.actual_usd == pytest.approx(a.total.actual_usd, rel=1e-12)
    assert b.total.whatif_usd == pytest.approx(a.total.whatif_usd, rel=1e-12)
    assert b.unknown_models == a.unknown_models
    assert [g.key for g in b.by_tag] == [g.key for g in a.by_tag]


def test_report_context_window_selects_long_context_prices(tmp_path: Path) -> None:
    def page_with(window: str) -> Path:
        bucket = {
            "starting_at": "2026-10-01T00:00:00Z",
            "ending_at": "2026-10-02T00:00:00Z",
            "results": [
                {
                    "model": "claude-sonnet-4-5",
                    "service_tier": "standard",
                    "context_window": window,
                    "uncached_input_tokens": 1_000_000,
                    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                    "cache_read_input_tokens": 0,
                    "output_tokens": 0,
                    "server_tool_use": {"web_search_requests": 0},
                }
            ],
        }
        return write(tmp_path, f"{window}.json", json.dumps({"data": [bucket], "has_more": False, "next_page": None}))

    base = total([page_with("0-200k")])
    long = total([page_with("200k-1M")])
    assert base == pytest.approx(3.0)  # $3/MTok below the threshold …
    assert long == pytest.approx(6.0)  # … $6/MTok on every token of a long request


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("usage_date_utc,model_version,usage_input_tokens_no_cache,usage_output_tokens", "usage_export"),
        ("date,model,input_tokens,output_tokens", "usage_export"),
        ("timestamp,model,usage_input_tokens,usage_output_tokens", "request_log"),
        ("created_at,model,input_tokens,output_tokens,request_count", "usage_export"),
        ("usage_date_utc,model_version,usage_type,cost_usd", "cost_export"),
    ],
)
def test_csv_kind_is_detected_from_the_header(header: str, kind: str) -> None:
    from usageimport.csvfiles import detect_csv_kind

    assert detect_csv_kind(header.split(",")) == kind


def test_jsonl_log_bad_middle_line_is_skipped_with_the_parser_reason(tmp_path: Path) -> None:
    good = json.dumps(
        {"timestamp": "2026-10-01T00:00:00Z", "model": "claude-haiku-4-5", "output_tokens": 5, "input_tokens": 1}
    )
    result = load_files([write(tmp_path, "log.jsonl", "\n".join([good, "{oops", good, "[1, 2]", good]) + "\n")])
    assert result.usage_rows == 3
    assert [s.message() for s in result.skipped] == [
        "log.jsonl line 2: not valid JSON (Expecting property name enclosed in double quotes)",
        "log.jsonl line 4: not a JSON object",
    ]


HEADER = "timestamp,model,workflow,input_tokens,output_tokens\n"


def test_dates_spanning_centuries_are_skipped_with_a_reason_not_analysed(tmp_path: Path) -> None:
    path = tmp_path / "span.csv"
    path.write_text(
        HEADER
        + "0001-01-01T00:00:00Z,claude-sonnet-4-5,a,100,10\n"
        + "9999-12-31T00:00:00Z,claude-sonnet-4-5,a,100,10\n"
        + "2026-10-02T00:00:00Z,claude-sonnet-4-5,a,100,10\n"
    )
    result = load_files([path])
    assert result.usage_rows == 1
    reason = "is outside 2020-01-01 … 2100-12-31 (a typo or a placeholder date?)"
    assert [s.message() for s in result.skipped] == [
        f"span.csv line 2, column timestamp: 0001-01-01 {reason}",
        f"span.csv line 3, column timestamp: 9999-12-31 {reason}",
    ]


def test_a_span_over_400_days_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    row = "T00:00:00Z,claude-sonnet-4-5,a,1,1\n"
    path.write_text(HEADER + "2021-01-01" + row + "2099-06-30" + row)
    with pytest.raises(UsageImportError) as info:
        load_files([path])
    days = (date(2099, 6, 30) - date(2021, 1, 1)).days + 1  # first and last day both count
    assert info.value.problems == [
        f"the usage spans {days:,} days (2021-01-01 … 2099-06-30); import at most 400 days at a time: split the "
        "files by date, or check the dates for typos"
    ]


def test_a_year_of_usage_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "year.csv"
    row = "T00:00:00Z,claude-sonnet-4-5,a,1,1\n"
    path.write_text(HEADER + "2025-11-01" + row + "2026-10-31" + row)
    assert load_files([path]).usage_rows == 2


def test_fields_over_128_kib_are_named_not_echoed(tmp_path: Path) -> None:
    huge = "a" * 140_000
    header = tmp_path / "header.csv"
    header.write_text(f'timestamp,model,input_tokens,output_tokens,"{huge}"\n2026-10-01,claude-sonnet-4-5,1,1,x\n')
    with pytest.raises(UsageImportError, match="a field is longer than 131,072 characters") as info:
        load_files([header])
    assert huge not in str(info.value)
    cells = tmp_path / "cells.csv"
    cells.write_text(
        HEADER
        + f'2026-10-01T00:00:00Z,"{huge}",a,1,1\n'
        + f"2026-10-01T00:00:00Z,claude-sonnet-4-5,{huge},1,1\n"
        + f"2026-10-01T00:00:00Z,claude-sonnet-4-5,a,1,{'9' * 140_000}x\n"
        + "2026-10-01T00:00:00Z,claude-sonnet-4-5,a,1,1\n"
    )
    result = load_files([cells])
    assert result.usage_rows == 1
    messages = [s.message() for s in result.skipped]
    assert messages[:2] == [
        "cells.csv line 2, column model: model is 140,000 characters (at most 200)",
        "cells.csv line 3, column workflow: tag is 140,000 characters (at most 200)",
    ]
    assert "is not a number" in messages[2]
    assert all(len(m) < 200 for m in messages)
    assert all(len(name) <= 200 for name in result.usage_columns().model_names)


def test_numbers_too_large_to_sum_are_skipped_not_overflowed(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(
        HEADER
        + "2026-10-01T00:00:00Z,claude-sonnet-4-5,a,1e308,1e308\n"
        + "2026-10-01T00:00:00Z,claude-sonnet-4-5,a,inf,1\n"
        + "2026-10-01T00:00:00Z,claude-sonnet-4-5,a,1000,10\n"
    )
    result = load_files([path])
    assert result.usage_rows == 1
    assert "1e+308 is too large (at most 1e+15)" in result.skipped[0].message()
    total = analyze(result, as_of=AS_OF, assumptions=WhatIfAssumptions()).summary.total.actual_usd
    assert np.isfinite(total)
    assert total > 0
