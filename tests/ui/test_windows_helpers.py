"""ui.windows: workflow → SlaInputs, the timeline, headline tiles and figures, without Streamlit."""

from __future__ import annotations

import math

import pytest

from costmodel import formatting
from costmodel.measurement import PilotMeasurement
from costmodel.sla import CLOCK_FRIENDLY_INTERVALS_HOURS, SlaInputs, plan_submissions, typical_case_charts
from costmodel.workflow import SlaSpec, Workflow
from ui import charts, windows

WORKFLOW = Workflow(name="contract review", requests_per_day=500, input_tokens=15_000, output_tokens=800)


def test_the_recommended_choice_is_not_none_so_the_selectbox_shows_it() -> None:
    assert windows.RECOMMENDED is not None
    assert windows.INTERVAL_OPTIONS[0] == windows.RECOMMENDED
    assert windows.interval_label(windows.RECOMMENDED) == "recommended"
    assert windows.interval_label(6.0) == "every 6 h"


def test_interval_options_add_an_unusual_interval_from_a_link() -> None:
    assert windows.interval_options(4.0) == list(windows.INTERVAL_OPTIONS)
    options = windows.interval_options(5.0)
    assert options[0] == windows.RECOMMENDED
    assert 5.0 in options
    assert options[1:] == sorted(options[1:])


def test_timeline_for_the_design_check_figure() -> None:
    """S = 30 h → 4 h windows: 12 submissions in 48 h, each usable 24 h after it is sent, 2 h early."""
    inputs = SlaInputs(sla_hours=30)
    bars = windows.timeline(inputs, 4.0)
    assert len(bars) == 12
    first = bars[0]
    assert (first.collect_start_hours, first.submit_hours, first.worst_done_hours, first.deadline_hours) == (
        0.0,
        4.0,
        28.0,
        30.0,
    )
    assert all(b.meets_sla for b in bars)


def test_timeline_marks_misses_when_the_interval_is_too_long() -> None:
    bars = windows.timeline(SlaInputs(sla_hours=30, downstream_hours=1), 8.0)
    assert not any(b.meets_sla for b in bars)  # 8 + 24 + 1 = 33 h > 30 h


def test_timeline_rejects_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval_hours"):
        windows.timeline(SlaInputs(sla_hours=30), 0.0)


def test_headline_shows_the_plan_numbers_and_formula() -> None:
    inputs = SlaInputs(sla_hours=30, requests_per_day=6_000)
    tiles = {t.label: t for t in windows.headline(plan_submissions(inputs, samples=5_000), inputs)}
    assert tiles["Recommended interval"].value == "4 h"
    assert tiles["Submissions per day"].value == "6"
    assert tiles["Requests per submission"].value == "1,000"
    assert tiles["Worst-case latency"].value == "28 h"
    assert "S − R·W − D − M" in tiles["Maximum interval"].help
    assert "P(miss SLA)" in tiles
    plan = plan_submissions(inputs, samples=5_000)
    assert plan.typical is not None
    typical = (plan.typical.p50_hours, plan.typical.p90_hours, plan.typical.p99_hours)
    assert tiles["Typical p50 / p90 / p99"].value == " / ".join(formatting.hours(h) for h in typical), (
        "one tile, as the CLI prints the typical case"
    )


def test_headline_of_an_infeasible_plan_has_dashes_not_numbers() -> None:
    inputs = SlaInputs(sla_hours=8)
    tiles = {t.label: t.value for t in windows.headline(plan_submissions(inputs, samples=5_000), inputs)}
    assert tiles["Recommended interval"] == "–"
    assert tiles["Submissions per day"] == "–"
    assert "P(miss SLA)" not in tiles


def test_input_warnings_flag_p90_below_median() -> None:
    assert windows.input_warnings(SlaInputs(sla_hours=30, requests_per_day=10)) == []
    bad = SlaInputs(sla_hours=30, requests_per_day=10, median_processing_hours=2, p90_processing_hours=1)
    assert any("p90" in line for line in windows.input_warnings(bad))


def test_latency_histogram_shares_sum_to_one() -> None:
    inputs = SlaInputs(sla_hours=30)
    _, histogram = typical_case_charts(inputs, 4.0, samples=20_000)
    assert histogram is not None
    assert len(histogram.centres_hours) == len(histogram.shares)
    assert histogram.width_hours > 0
    assert sum(histogram.shares) + histogram.beyond_share == pytest.approx(1.0)
    assert histogram.centres_hours[-1] + histogram.width_hours / 2 >= inputs.sla_hours


def test_the_curve_passes_through_the_plans_p_miss() -> None:
    """One simulation, one seed: the chart's point at the plan's interval is the tile's P(miss)."""
    inputs = SlaInputs(
        sla_hours=20, kind="soft", median_processing_hours=1, p90_processing_hours=4, expired_share=0.005
    )
    plan = plan_submissions(inputs)
    assert plan.typical is not None
    points, _ = windows.typical_case_charts(inputs, plan)
    at_plan = next(p for p in points if p.interval_hours == plan.interval_hours)
    assert at_plan.miss_probability == plan.typical.miss_probability


def test_figures_for_a_feasible_plan() -> None:
    inputs = SlaInputs(sla_hours=30, kind="soft", requests_per_day=1_000)
    plan = plan_submissions(inputs, samples=5_000)
    timeline = windows.timeline_figure(inputs, plan)
    assert len(timeline.data[0].y) == 12
    assert "every 4 h" in timeline.layout.title.text
    points, histogram = typical_case_charts(inputs, plan.interval_hours, samples=5_000)
    latency = windows.latency_figure(inputs, plan, histogram)
    assert latency is not None
    assert any(a.text.startswith("SLA 30") for a in latency.layout.annotations)
    assert [p.interval_hours for p in points] == sorted(CLOCK_FRIENDLY_INTERVALS_HOURS)
    curve = windows.miss_curve_figure(inputs, plan, points)
    recommended = [t for t in curve.data if t.name and t.name.startswith("recommended")]
    assert recommended[0].x == (4.0,)
    assert any("miss budget" in a.text for a in curve.layout.annotations)


def test_figures_for_an_infeasible_plan() -> None:
    inputs = SlaInputs(sla_hours=8)
    plan = plan_submissions(inputs, samples=5_000)
    timeline = windows.timeline_figure(inputs, plan)
    assert "illustration" in timeline.layout.title.text
    assert set(timeline.data[1].marker.color) == {charts.PALETTE["bad"]}  # every submission misses in the worst case
    points, histogram = typical_case_charts(inputs, plan.interval_hours, samples=2_000)
    assert histogram is None
    assert windows.latency_figure(inputs, plan, histogram) is None
    curve = windows.miss_curve_figure(inputs, plan, points)
    assert not any(t.name and t.name.startswith("recommended") for t in curve.data)
    assert any(s.type == "rect" and math.isclose(s.x0, 0.25) for s in curve.layout.shapes)


def test_verdict_text_names_the_verdict_and_keeps_the_reason() -> None:
    feasible = plan_submissions(SlaInputs(sla_hours=30), samples=2_000)
    assert windows.verdict_text(feasible).startswith("**Feasible.** With 1 round(s)")
    soft = plan_submissions(SlaInputs(sla_hours=8, kind="soft"), samples=2_000)
    assert windows.verdict_text(soft).startswith("**Feasible as a soft SLA")
    hard = plan_submissions(SlaInputs(sla_hours=8), samples=2_000)
    assert windows.verdict_text(hard).startswith("**Not feasible.** Not guaranteed")


PILOT = PilotMeasurement(
    input_tokens=1_000,
    output_tokens=100,
    median_processing_hours=0.5,
    p90_processing_hours=2.0,
    expired_share=0.01,
    request_count=400,
    batch_count=4,
)


def test_plan_inputs_are_the_verdicts_inputs_at_the_chosen_interval() -> None:
    workflow = WORKFLOW.model_copy(
        update={"sla": SlaSpec(sla_hours=72, kind="soft", downstream_hours=3), "urgent_share": 0.2, "tool_turns": 3}
    )
    inputs = windows.plan_inputs(workflow, 6.0)
    assert inputs is not None
    assert (inputs.sla_hours, inputs.kind, inputs.downstream_hours) == (72, "soft", 3)
    assert inputs.requests_per_day == pytest.approx(400), "the urgent share stays sync"
    assert inputs.batch_rounds == 3
    assert inputs.interval_hours == 6.0
    assert windows.plan_inputs(workflow, windows.RECOMMENDED).interval_hours is None  # type: ignore[union-attr]
    assert windows.plan_inputs(WORKFLOW, None) is None, "no SLA, nothing to plan"


def test_pilot_turnaround_replaces_the_typical_case_assumptions() -> None:
    workflow = WORKFLOW.model_copy(update={"sla": SlaSpec(sla_hours=50, downstream_hours=3)})
    measured = windows.with_pilot_turnaround(workflow, PILOT)
    assert measured.sla is not None
    sla = measured.sla
    assert (sla.median_processing_hours, sla.p90_processing_hours, sla.expired_share) == (0.5, 2.0, 0.01)
    assert (sla.sla_hours, sla.downstream_hours, measured.input_tokens) == (50, 3, workflow.input_tokens)
    assert not windows.uses_pilot_turnaround(workflow, PILOT)
    assert windows.uses_pilot_turnaround(measured, PILOT)
    assert windows.typical_case_note(workflow, PILOT).startswith("Typical-case assumptions")
    assert "measured by the pilot (4 batch(es), 400 requests)" in windows.typical_case_note(measured, PILOT)
    assert windows.with_pilot_turnaround(WORKFLOW, PILOT) == WORKFLOW, "a pilot cannot decide an SLA"
