"""First-pass success counts each custom_id once: the rate stays in [0, 1] whatever the results file holds."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pilot.checks import OutputCheck
from pilot.report import ReportAccumulator

IDS = [f"r{i}" for i in range(8)]


def record(custom_id: Any, kind: str) -> dict[str, Any]:
    result: dict[str, Any] = {"type": kind}
    if kind == "succeeded":
        result["message"] = {
            "model": "claude-haiku-4-5",
            "content": [{"type": "text", "text": '{"ok": 1}'}],
            "usage": {"input_tokens": 10, "output_tokens": 5},
        }
    return {"custom_id": custom_id, "result": result}


records = st.one_of(
    st.builds(record, st.sampled_from(IDS), st.sampled_from(["succeeded", "errored", "expired", "canceled"])),
    st.builds(record, st.one_of(st.none(), st.integers()), st.just("succeeded")),  # no usable custom_id
    st.just({"result": "not an object", "custom_id": "r0"}),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(records, max_size=40), st.integers(min_value=0, max_value=len(IDS)))
def test_rate_stays_a_share_and_each_custom_id_counts_once(catalog, items, request_count) -> None:
    acc = ReportAccumulator(catalog, OutputCheck(kind="json"))
    for item in items:
        acc.add(item)
    report = acc.finish(request_count=request_count, turnaround_hours=[0.1])
    readable = [r for r in items if isinstance(r.get("custom_id"), str) and isinstance(r.get("result"), dict)]
    first = {}
    for r in readable:
        first.setdefault(r["custom_id"], r)
    assert report.result_count == len(first)
    assert report.duplicate_results == len(readable) - len(first)
    assert report.skipped_lines == len(items) - len(readable)
    assert report.usable_count == sum(1 for r in first.values() if r["result"]["type"] == "succeeded")
    assert 0.0 <= report.first_pass_success_rate <= 1.0
    assert sum(report.counts.values()) == report.result_count


def test_the_same_results_three_times_measure_as_once(catalog) -> None:
    once = ReportAccumulator(catalog)
    thrice = ReportAccumulator(catalog)
    items = [record(c, "succeeded" if i % 2 else "errored") for i, c in enumerate(IDS)]
    for item in items:
        once.add(item)
    for item in items * 3:
        thrice.add(item)
    a = once.finish(request_count=len(IDS), turnaround_hours=[0.1])
    b = thrice.finish(request_count=len(IDS), turnaround_hours=[0.1])
    assert b.model_dump(exclude={"duplicate_results"}) == a.model_dump(exclude={"duplicate_results"})
    assert b.duplicate_results == 2 * len(IDS)
    assert b.first_pass_success_rate == 0.5
