"""Issue 12: an imported request log gives each imported workflow its per-request tokens as sample distributions."""

from __future__ import annotations

import pytest

from costmodel.uncertainty import Sample, UncertainWorkflow, point_of
from costmodel.usage import request_log_samples, workflows_from_usage
from tests.usageimport.test_usage_core import CATALOG, make_columns

MODEL = "claude-sonnet-4-6"


def test_a_request_log_gives_each_workflow_its_requests_tokens() -> None:
    cols = make_columns(
        [
            {"model": MODEL, "tag": "a", "uncached": 1_000, "cr": 500, "out": 100},
            {"model": MODEL, "tag": "b", "uncached": 4_000, "out": 900},
            {"model": MODEL, "tag": "a", "uncached": 2_000, "cw5": 500, "out": 300},
            {"model": MODEL, "tag": "b", "uncached": 6_000, "out": 700, "day": 3},
        ],
        tags=("a", "b"),
    )
    workflows = workflows_from_usage(cols, CATALOG)
    samples = request_log_samples(cols, CATALOG)
    assert len(samples) == len(workflows)
    by_name = {w.name: s for w, s in zip(workflows, samples, strict=True)}
    assert by_name["a"] == {"input_tokens": Sample(values=(1_500.0, 2_500.0)),
                            "output_tokens": Sample(values=(100.0, 300.0))}  # fmt: skip
    assert by_name["b"]["output_tokens"] == Sample(values=(900.0, 700.0))
    for w, s in zip(workflows, samples, strict=True):
        assert point_of(s["input_tokens"]) == pytest.approx(w.input_tokens)
        assert point_of(s["output_tokens"]) == pytest.approx(w.output_tokens)
        UncertainWorkflow(workflow=w, uncertain=s)  # each fits its workflow


def test_rows_that_aggregate_requests_give_no_sample() -> None:
    cols = make_columns(
        [{"model": MODEL, "uncached": 10_000, "out": 900, "requests": 10}, {"model": MODEL, "uncached": 1_000}]
    )
    assert request_log_samples(cols, CATALOG) == ({},)
