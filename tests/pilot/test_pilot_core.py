"""The pilot's pure modules (pilot.requests, spend, checks, clock, report) and costmodel.measurement:
validation, split, estimate, budget, output checks, report and measurement."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from costmodel.limits import MAX_BATCH_BYTES, MAX_REQUESTS_PER_BATCH
from costmodel.measurement import PilotMeasurement
from costmodel.prices import UnknownModelError
from costmodel.workflow import SlaSpec, Workflow
from pilot.checks import OutputCheck, check_output
from pilot.clock import batch_clock
from pilot.report import ReportAccumulator
from pilot.requests import (
    OFFLINE_ESTIMATE_LABEL,
    PromptTemplate,
    TextRow,
    build_requests,
    split_ranges,
    validate_request_lines,
)
from pilot.spend import budget_decision, estimate_spend


def req(custom_id: object = "a1", **params: object) -> str:
    base: dict[str, object] = {
        "model": "claude-haiku-4-5",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "hi"}],
    }
    for key, value in params.items():
        if value is ...:
            base.pop(key, None)
        else:
            base[key] = value
    return json.dumps({"custom_id": custom_id, "params": base})


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (req("has space"), "custom_id 'has space' is invalid"),
        (req("x" * 65), "is invalid"),
        (req(""), "is invalid"),
        (req("trailing_newline\n"), "is invalid"),
        (req(None), "custom_id is missing"),
        (json.dumps({"custom_id": "a"}), "params is missing"),
        (req(model=...), "params.model is missing"),
        (req(max_tokens=...), "params.max_tokens is missing"),
        (req(max_tokens=0), "max_tokens is 0"),
        (req(max_tokens=-3), "max_tokens is -3"),
        (req(max_tokens=1.5), "whole number"),
        (req(messages=...), "params.messages is missing"),
        (req(messages=[]), "non-empty list"),
        (req(messages=[{"role": "robot", "content": "x"}]), "role must be"),
        (req(messages=[{"role": "user", "content": ""}]), "content is empty"),
        (req(stream=True), "cannot stream"),
        (req(speed="fast"), "fast mode"),
        (json.dumps({"custom_id": "a", "params": {}, "extra": 1}), "unknown field(s) extra"),
    ],
)
def test_each_rule_reports_its_line(line: str, fragment: str) -> None:
    result = validate_request_lines([req("ok1"), "", line])
    assert not result.ok
    assert [p.line for p in result.problems] == [3] * len(result.problems)
    assert any(fragment in p.message for p in result.problems), result.problems
    assert str(result.problems[0]).startswith("line 3: ")


def test_duplicate_custom_id_names_the_first_line() -> None:
    result = validate_request_lines([req("a"), req("b"), req("a")])
    assert [(p.line, "line 1" in p.message) for p in result.problems] == [(3, True)]


def test_valid_file_passes_and_counts_bytes() -> None:
    lines = [req(f"id_{i}") for i in range(5)]
    result = validate_request_lines(lines)
    assert result.ok
    assert [r.custom_id for r in result.requests] == [f"id_{i}" for i in range(5)]
    assert result.total_body_bytes == sum(len(line) + 1 for line in lines)


def test_empty_file_is_a_problem() -> None:
    assert [str(p) for p in validate_request_lines(["", "  "]).problems] == ["the file has no requests"]


def test_split_respects_request_limit_and_default_constants() -> None:
    assert split_ranges([10] * 5, max_requests=2) == [(0, 2), (2, 4), (4, 5)]
    assert split_ranges([10] * (MAX_REQUESTS_PER_BATCH + 1)) == [
        (0, MAX_REQUESTS_PER_BATCH),
        (MAX_REQUESTS_PER_BATCH, MAX_REQUESTS_PER_BATCH + 1),
    ]
    big = MAX_BATCH_BYTES // 3
    assert split_ranges([big, big, big, big]) == [(0, 2), (2, 4)]


@given(st.lists(st.integers(min_value=1, max_value=50), max_size=60), st.integers(1, 7), st.integers(60, 200))
def test_split_property_covers_everything_within_limits(sizes: list[int], max_requests: int, max_bytes: int) -> None:
    ranges = split_ranges(sizes, max_requests=max_requests, max_bytes=max_bytes)
    flat = [i for start, end in ranges for i in range(start, end)]
    assert flat == list(range(len(sizes)))
    for start, end in ranges:
        assert end - start <= max_requests
        assert end - start == 1 or sum(sizes[start:end]) + 15 <= max_bytes


def test_build_requests_from_texts() -> None:
    template = PromptTemplate(
        model="claude-haiku-4-5", max_tokens=10, user_template="Say {text} {not a field}", system="s"
    )
    rows = [TextRow(line=2, text="hello", row_id="c1"), TextRow(line=3, text="bye"), TextRow(line=4, text=None)]
    built = list(build_requests(rows, template))
    assert [(line, r["custom_id"]) for line, r in built] == [(2, "c1"), (3, "row-3"), (4, "row-4")]
    assert built[0][1]["params"]["messages"][0]["content"] == "Say hello {not a field}"
    assert built[0][1]["params"]["system"] == "s"
    problems = validate_request_lines([json.dumps(r) for _, r in built]).problems
    assert [p.line for p in problems] == [3]  # the empty text; numbering here is positional


def test_template_needs_placeholder() -> None:
    with pytest.raises(ValueError, match=r"\{text\}"):
        PromptTemplate(model="m", max_tokens=1, user_template="no placeholder")


def test_estimate_worst_case_and_budget(catalog) -> None:
    lines = [req(f"r{i}", max_tokens=1000) for i in range(10)]
    result = validate_request_lines(lines)
    estimate = estimate_spend(result.requests, catalog)
    pricing = catalog.get("claude-haiku-4-5")
    expected = sum(
        pricing.request_cost_usd("batch", uncached_input_tokens=r.input_tokens_offline, output_tokens=1000)
        for r in result.requests
    )
    assert estimate.worst_case_batch_usd == pytest.approx(expected)
    assert estimate.worst_case_sync_usd == pytest.approx(2 * expected)
    assert estimate.input_tokens_source == OFFLINE_ESTIMATE_LABEL
    assert estimate.max_output_tokens == 10_000
    assert budget_decision(estimate, 5.0).allowed
    refused = budget_decision(estimate, expected * 0.99)
    assert not refused.allowed
    assert "exceeds" in refused.reason
    counted = estimate_spend(result.requests, catalog, counted_input_tokens=[1] * 10)
    assert counted.input_tokens == 10
    assert "token-counting" in counted.input_tokens_source


@pytest.mark.parametrize(
    ("budget_usd", "shown"), [(5.0, "$5.00"), (0.001, "$0.001"), (0.0125, "$0.0125"), (0.0, "$0.00")]
)
def test_budget_is_shown_as_typed(catalog, budget_usd: float, shown: str) -> None:
    estimate = estimate_spend(validate_request_lines([req("a", max_tokens=1000)]).requests, catalog)
    assert f"the {shown} budget" in budget_decision(estimate, budget_usd).reason


def test_cache_control_makes_the_worst_case_dearer(catalog) -> None:
    plain = validate_request_lines([req("a")]).requests
    cached_params = [
        {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}
    ]
    cached = validate_request_lines([req("a", messages=cached_params)]).requests
    assert cached[0].uses_cache_control
    assert estimate_spend(cached, catalog).worst_case_batch_usd > estimate_spend(plain, catalog).worst_case_batch_usd


def test_unknown_model_names_its_line(catalog) -> None:
    requests = validate_request_lines([req("a"), req("b", model="gpt-nothing")]).requests
    with pytest.raises(UnknownModelError, match="line 2"):
        estimate_spend(requests, catalog)


@pytest.mark.parametrize(
    ("check", "text", "usable"),
    [
        (OutputCheck(), "anything", True),
        (OutputCheck(kind="json"), '{"a": 1}', True),
        (OutputCheck(kind="json"), "```json\n[1]\n```", True),
        (OutputCheck(kind="json"), "not json", False),
        (OutputCheck(kind="json_keys", required_keys=("a", "b")), '{"a": 1, "b": 2}', True),
        (OutputCheck(kind="json_keys", required_keys=("a", "b")), '{"a": 1}', False),
        (OutputCheck(kind="json_keys", required_keys=("a",)), "[1]", False),
        (OutputCheck(kind="regex", pattern=r"^OK\b"), "OK done", True),
        (OutputCheck(kind="regex", pattern=r"^OK\b"), "not OK", False),
    ],
)
def test_output_checks(check: OutputCheck, text: str, usable: bool) -> None:
    assert check_output(text, check) is usable


def test_output_check_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="required key"):
        OutputCheck(kind="json_keys")
    with pytest.raises(ValueError, match="regular expression"):
        OutputCheck(kind="regex", pattern="(")


def succeeded(custom_id: str, text: str, *, inp: int = 100, out: int = 20, read: int = 0, write: int = 0) -> dict:
    usage = {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": write,
    }
    message = {"model": "claude-haiku-4-5", "content": [{"type": "text", "text": text}], "usage": usage}
    return {"custom_id": custom_id, "result": {"type": "succeeded", "message": message}}


def errored(custom_id: str, error_type: str) -> dict:
    return {
        "custom_id": custom_id,
        "result": {"type": "errored", "error": {"type": "error", "error": {"type": error_type}}},
    }


def test_report_figures(catalog) -> None:
    acc = ReportAccumulator(catalog, OutputCheck(kind="json"))
    for record in [
        succeeded("a", '{"x": 1}', read=50),
        succeeded("b", '{"x": 2}'),
        succeeded("c", "oops"),
        errored("d", "invalid_request_error"),
        errored("e", "api_error"),
        {"custom_id": "f", "result": {"type": "expired"}},
        {"custom_id": "g", "result": {"type": "canceled"}},
        succeeded("h", '{"x": 3}'),
    ]:
        acc.add(record)
    report = acc.finish(request_count=8, turnaround_hours=[0.5])
    assert report.counts == {"succeeded": 4, "errored": 2, "canceled": 1, "expired": 1}
    assert report.error_types == {"api_error": 1, "invalid_request_error": 1}
    assert report.usable_count == 3
    assert report.first_pass_success_rate == pytest.approx(3 / 8)
    assert report.output_tokens_per_request == pytest.approx(20)
    assert report.cache_read_tokens_per_request == pytest.approx(12.5)
    pricing = catalog.get("claude-haiku-4-5")
    batch = 4 * pricing.request_cost_usd(
        "batch", uncached_input_tokens=100, output_tokens=20
    ) + pricing.request_cost_usd("batch", uncached_input_tokens=0, output_tokens=0, cache_read_tokens=50)
    assert report.batch_cost_usd == pytest.approx(batch)
    assert report.savings_usd == pytest.approx(report.sync_cost_usd - report.batch_cost_usd)
    assert report.savings_usd > 0

    m = report.measurement()
    assert m.success_rate == pytest.approx(3 / 8)
    assert m.expired_share == pytest.approx(1 / 8)
    assert m.billed_failure_share == pytest.approx(1 / 5)  # one of five failures came back billed
    assert m.median_processing_hours == m.p90_processing_hours == 0.5
    assert m.cached_input_tokens == pytest.approx(12.5)


def test_measurement_needs_a_usable_result(catalog) -> None:
    acc = ReportAccumulator(catalog)
    acc.add({"custom_id": "a", "result": {"type": "expired"}})
    with pytest.raises(ValueError, match="no usable results"):
        acc.finish(request_count=1, turnaround_hours=[1.0]).measurement()


def test_apply_to_workflow_copies_and_sets_sla_timing() -> None:
    workflow = Workflow(requests_per_day=500, input_tokens=15_000, output_tokens=800, sla=SlaSpec(sla_hours=30))
    m = PilotMeasurement(
        success_rate=0.9,
        input_tokens=1200,
        output_tokens=300,
        median_processing_hours=0.4,
        p90_processing_hours=0.9,
        expired_share=0.02,
    )
    applied = m.apply_to(workflow)
    assert applied is not workflow
    assert workflow.success_rate == 1.0  # the original is untouched
    assert (applied.success_rate, applied.input_tokens, applied.output_tokens) == (0.9, 1200, 300)
    assert applied.sla is not None
    assert (applied.sla.median_processing_hours, applied.sla.p90_processing_hours, applied.sla.expired_share) == (
        0.4,
        0.9,
        0.02,
    )
    assert applied.sla.sla_hours == 30
    no_sla = m.apply_to(Workflow(requests_per_day=5, input_tokens=1, output_tokens=1))
    assert no_sla.sla is None


def test_apply_to_keeps_cached_tokens_within_input() -> None:
    workflow = Workflow(requests_per_day=5, input_tokens=100, output_tokens=1)
    m = PilotMeasurement(
        input_tokens=50,
        output_tokens=5,
        cached_input_tokens=40,
        batch_cache_hit_rate=0.5,
        median_processing_hours=1,
        p90_processing_hours=1,
    )
    applied = m.apply_to(workflow)
    assert (applied.cached_input_tokens, applied.batch_cache_hit_rate) == (40, 0.5)


def test_batch_clock_is_a_function_of_now() -> None:
    created = datetime(2026, 11, 21, 10, tzinfo=UTC)
    running = batch_clock(created, created + timedelta(hours=6))
    assert (running.elapsed_hours, running.remaining_hours, running.window_share, running.ended) == (6, 18, 0.25, False)
    assert "running 6 h of 24 h (25.0%); ends by 2026-11-22 10:00" in running.describe()
    assert batch_clock(created, created + timedelta(minutes=3)).describe().startswith("running 3 min")
    assert batch_clock(created, created + timedelta(seconds=20)).describe().startswith("running 20 s")


def test_the_pilot_shows_durations_in_the_one_format() -> None:
    """One formatting of each figure: the pilot's durations are `costmodel.formatting.hours`, not a second format."""
    import pilot.clock
    from costmodel.formatting import hours

    assert not hasattr(pilot.clock, "format_hours")
    created = datetime(2026, 11, 21, 10, tzinfo=UTC)
    done = batch_clock(created, created, ended_at=created + timedelta(minutes=95))
    assert done.describe() == f"ended after {hours(95 / 60)} of the 24 h window"
    done = batch_clock(created, created + timedelta(hours=30), ended_at=created + timedelta(minutes=30))
    assert (done.elapsed_hours, done.remaining_hours, done.ended) == (0.5, 0, True)


def test_core_imports_neither_sdk_nor_streamlit() -> None:
    code = (
        "import sys, costmodel.measurement, pilot.requests, pilot.spend, pilot.checks, pilot.clock, pilot.report; "
        "print(any(m.split('.')[0] in ('anthropic', 'streamlit', 'httpx2') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["succeeded", "errored", "expired", "canceled"]),
            st.booleans(),
            st.integers(0, 5_000),
            st.integers(0, 2_000),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_report_invariants(catalog, records: list[tuple[str, bool, int, int]]) -> None:
    acc = ReportAccumulator(catalog, OutputCheck(kind="json"))
    for i, (kind, good, inp, out) in enumerate(records):
        if kind == "succeeded":
            acc.add(succeeded(f"r{i}", '{"ok": 1}' if good else "nope", inp=inp, out=out))
        elif kind == "errored":
            acc.add(errored(f"r{i}", "api_error"))
        else:
            acc.add({"custom_id": f"r{i}", "result": {"type": kind}})
    report = acc.finish(request_count=len(records), turnaround_hours=[0.1])
    assert sum(report.counts.values()) == report.result_count == len(records)
    assert report.usable_count == sum(1 for k, good, _, _ in records if k == "succeeded" and good)
    assert report.first_pass_success_rate == pytest.approx(report.usable_count / len(records))
    assert report.batch_cost_usd <= report.sync_cost_usd + 1e-12
    assert report.savings_usd == pytest.approx(report.sync_cost_usd - report.batch_cost_usd)


def test_catalog_problems_name_unknown_models_and_output_over_the_limit(catalog) -> None:
    from pilot.spend import catalog_problems

    limit = catalog.get("claude-haiku-4-5").max_output_tokens
    requests = validate_request_lines(
        [req("a"), req("b", model="claude-nothing-9"), req("c", max_tokens=limit + 1), req("d", max_tokens=limit)]
    ).requests
    problems = catalog_problems(requests, catalog)
    assert [(p.line, p.message.split(" ")[0]) for p in problems] == [(2, "params.model"), (3, "params.max_tokens")]
    assert f"{limit:,}" in problems[1].message
