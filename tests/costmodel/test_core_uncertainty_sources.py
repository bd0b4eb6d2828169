"""Where distributions come from (issue 12): a pilot's or a request log's per-request tokens become `sample`
distributions, the ledger's turnaround fit becomes an uncertain median, and both join a workflow's held inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from costmodel.turnaround import ObservedBatch, fit_turnaround
from costmodel.uncertainty import (
    MAX_SAMPLE_VALUES,
    PointValue,
    Sample,
    Triangular,
    UncertainWorkflow,
    point_of,
    token_samples,
    turnaround_distribution,
    with_distributions,
)
from costmodel.workflow import SlaSpec, Workflow

CONTRACT = Workflow(
    name="Contract review", requests_per_day=500, input_tokens=15_000, output_tokens=800, sla=SlaSpec(sla_hours=24)
)


def test_token_samples_keep_each_request_and_average_to_the_mean() -> None:
    found = token_samples([14_000, 15_000, 16_000], [700, 800, 900, 1_000])
    assert found["input_tokens"] == Sample(values=(14_000, 15_000, 16_000))
    assert point_of(found["output_tokens"]) == pytest.approx(850)


def test_token_samples_of_nothing_is_nothing() -> None:
    assert token_samples([], []) == {}
    assert set(token_samples([], [5.0])) == {"output_tokens"}


def test_token_samples_thin_a_huge_log_evenly_keeping_its_average() -> None:
    values = [float(i % 1000) for i in range(3 * MAX_SAMPLE_VALUES // 2)]  # periodic: a stride would alias
    found = token_samples(values, [])["input_tokens"]
    assert isinstance(found, Sample)
    assert len(found.values) <= MAX_SAMPLE_VALUES
    assert point_of(found) == pytest.approx(sum(values) / len(values), rel=1e-3)


def test_token_samples_reject_negative_or_missing_counts() -> None:
    with pytest.raises(ValueError, match="input tokens"):
        token_samples([100.0, -1.0], [])
    with pytest.raises(ValueError, match="output tokens"):
        token_samples([], [float("nan")])


def _batches(hours: list[float]) -> list[ObservedBatch]:
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    return [
        ObservedBatch(model="claude-sonnet-4-6", created_at=start, ended_at=start + timedelta(hours=h), requests=10)
        for h in hours
    ]


def test_a_fitted_turnaround_gives_an_uncertain_median_within_its_interval() -> None:
    fit = fit_turnaround(_batches([0.2, 0.3, 0.25, 0.5, 0.4, 0.35, 0.6, 0.28, 0.45, 0.3, 0.33, 0.5]))
    assert fit.use_fit
    d = turnaround_distribution(fit)
    assert isinstance(d, Triangular)
    ci = fit.overall.median_ci_hours
    assert ci is not None
    assert (d.lo, d.mode, d.hi) == pytest.approx((ci[0], fit.median_hours, ci[1]))


def test_no_fit_means_no_turnaround_distribution() -> None:
    fit = fit_turnaround(_batches([0.2, 0.3]))
    assert not fit.use_fit
    assert turnaround_distribution(fit) is None


def test_with_distributions_adds_what_fits_and_names_what_does_not() -> None:
    cached = CONTRACT.model_copy(update={"cached_input_tokens": 10_000})
    held = {"success_rate": PointValue(value=0.9)}
    added = {"input_tokens": Sample(values=(9_000.0, 16_000.0)), "output_tokens": Sample(values=(700.0, 900.0))}
    merged, dropped = with_distributions(cached, held, added)
    assert merged == {"success_rate": PointValue(value=0.9), "output_tokens": added["output_tokens"]}
    assert len(dropped) == 1
    assert dropped[0].startswith("input_tokens:")
    assert "cacheable prefix" in dropped[0]
    UncertainWorkflow(workflow=cached, uncertain=merged)  # what is kept validates together


def test_with_distributions_turnaround_needs_an_sla() -> None:
    no_sla = CONTRACT.model_copy(update={"sla": None})
    merged, dropped = with_distributions(no_sla, {}, {"median_processing_hours": Triangular(lo=0.2, mode=0.3, hi=0.5)})
    assert merged == {}
    assert "no SLA" in dropped[0]
