"""Uncertain inputs on the Sync vs batch page: a range (or a pilot's k/n) instead of a number, and the ranges it gives.

The user types a distribution in the CLI's syntax (`0.9:0.98`, `0.9:0.95:0.98`, `190/200`); an empty box is a
point (the form's value). The Monte Carlo, the band, the histogram and the tornado come from the core
(`costmodel.uncertainty`, `costmodel.sensitivity`), cached here on their inputs so a rerun costs no draws.
The link carries the distributions as `?u=` (the workflow itself stays in `?w=`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st
from pydantic import ValidationError, field_serializer

from costmodel import formatting as fmt
from costmodel._base import StrictModel
from costmodel.errors import problem_lines
from costmodel.prices import ModelPricing
from costmodel.recommend import Verdict
from costmodel.sensitivity import Tornado, tornado
from costmodel.uncertainty import (
    UNCERTAIN_FIELDS,
    Distribution,
    Histogram,
    PointValue,
    Range,
    Sample,
    SavingsBand,
    UncertainField,
    UncertainWorkflow,
    WorkflowRanges,
    describe,
    net_savings_histogram,
    parse_distribution,
    ranges_of,
    savings_band,
    simulate,
    to_json_value,
    to_text,
)
from costmodel.workflow import Workflow
from ui import forms, state
from ui.data import shared

__all__ = [
    "FORM",
    "KEY_PREFIX",
    "OPEN_KEY",
    "RangeView",
    "SharedUncertainty",
    "UncertaintyBoxes",
    "headline",
    "input_lines",
    "interval",
    "probability_line",
    "ranges_line",
    "take_shared_link",
    "uncertainty_inputs",
    "verdict_reasons",
    "view_of",
]

KEY_PREFIX = "unc_"
"""Widget keys: `unc_<field>` (text in the CLI's distribution syntax)."""
OPEN_KEY = "wf_open_uncertainty"
"""The Uncertainty section's expander (open/closed), named like the workflow form's sections."""
_LABELS = {
    "success_rate": ("First-pass success rate", "share, e.g. 0.90:0.98, or a pilot's usable/requests: 190/200"),
    "batch_cache_hit_rate": ("Batch cache-hit rate", "share, e.g. 0.3:0.9 (Anthropic documents 30-98 %)"),
    "input_tokens": ("Input tokens / request", "e.g. 12000:18000"),
    "output_tokens": ("Output tokens / request", "e.g. 600:1100"),
    "requests_per_day": ("Requests per day", "e.g. 400:600"),
    "requests_per_month": ("Requests per month", "e.g. 12000:18000"),
}
"""Field → (label, placeholder): the inputs the page offers as ranges."""


class SharedUncertainty(StrictModel):
    """What a link carries beside the workflow: its uncertain inputs (`?u=`)."""

    uncertain: dict[UncertainField, Distribution]
    """Distribution of each uncertain input, by workflow field name (short JSON form in the link)."""

    @field_serializer("uncertain")
    def _short_form(self, uncertain: dict[str, Any]) -> dict[str, Any]:
        return {name: to_json_value(d) for name, d in uncertain.items()}


class UncertaintyBoxes(StrictModel):
    """What the Uncertainty boxes show: the uncertain inputs in force for one workflow of the scenario (the form's
    source: another workflow, or inputs changed underneath, re-seed the boxes)."""

    workflow: int
    """The workflow's index in the scenario."""
    uncertain: dict[UncertainField, Distribution]
    """Distribution of each uncertain input in force, by workflow field name (samples and the learned turnaround
    included, though no box shows them)."""


def _texts(boxes: UncertaintyBoxes, *, fields: tuple[str, ...]) -> dict[str, str]:
    """The text of each box in `fields`: its distribution in the CLI's syntax, empty for a point or a sample."""
    return {
        KEY_PREFIX + field: "" if (d := boxes.uncertain.get(field)) is None or isinstance(d, Sample) else to_text(d)
        for field in fields
    }


def _to_link(boxes: UncertaintyBoxes) -> SharedUncertainty | None:
    """`?u=` for the inputs in force: absent when every input is a point."""
    if not any(not isinstance(d, PointValue) for d in boxes.uncertain.values()):
        return None
    return SharedUncertainty(uncertain=dict(boxes.uncertain))


FORM: forms.Form[UncertaintyBoxes] = forms.Form(
    UncertaintyBoxes,
    source=state.UNCERTAINTY_FORM,
    link="u",
    derived=_texts,
    derived_keys=[KEY_PREFIX + field for field in _LABELS],
    to_link=_to_link,
)
"""The Uncertainty section on the one form mechanism (`ui.forms`): seeded from the inputs in force, refilled after
another page, kept and linked (`?u=`) by the one write-back rule."""


def _fields(workflow: Workflow) -> tuple[str, ...]:
    volume = "requests_per_day" if workflow.requests_per_day is not None else "requests_per_month"
    return ("success_rate", "batch_cache_hit_rate", "input_tokens", "output_tokens", volume)


def take_shared_link(index: int) -> None:
    """A link's `?u=` the session did not write replaces the workflow's uncertain inputs (the boxes re-seed)."""
    shared = forms.take_link(SharedUncertainty, FORM.link)
    if shared is not None:
        state.set_uncertainty(index, dict(shared.uncertain))
        st.session_state[OPEN_KEY] = True  # show what the link holds


def _keep(index: int, uncertain: dict[str, Any]) -> None:
    """The one write-back rule: valid inputs are the workflow's at once and go into `?u=`."""
    kept = UncertaintyBoxes(workflow=index, uncertain=uncertain)
    FORM.keep(kept, lambda boxes: state.set_uncertainty(index, dict(boxes.uncertain)))


def _with(workflow: Workflow, found: dict[str, Any]) -> tuple[UncertainWorkflow | None, list[str]]:
    """The workflow with its distributions (None when every input is a point), or the problems, one line each."""
    if not found:
        return None, []
    try:
        uncertain = UncertainWorkflow(workflow=workflow, uncertain=found)
    except ValidationError as exc:
        return None, [line.removeprefix("uncertain.") for line in problem_lines(exc)]
    return (uncertain if uncertain.is_uncertain else None), []


def _kept(workflow: Workflow, stored: dict[str, Any]) -> dict[str, Any]:
    """The held distributions no box edits: samples (a file, a pilot, a request log) and, with an SLA, the learned
    turnaround (Submission windows)."""
    return {
        k: v
        for k, v in stored.items()
        if isinstance(v, Sample) or (k == "median_processing_hours" and workflow.sla is not None)
    }


def uncertainty_inputs(index: int, workflow: Workflow) -> UncertainWorkflow | None:
    """The "Uncertainty" section: a box per input; returns the workflow with its distributions, or None when every
    input is a point. Bad text is a one-line error in the section, and the point figures stand.

    The section is lazy: closed, it draws nothing and the distributions it last held stay in force.
    """
    stored = state.get_uncertainty(index)
    box = st.expander(
        ":material/ssid_chart: Uncertainty (ranges instead of single numbers)",
        expanded=False,  # constant (a changing default would make a new widget); links open it by state
        key=OPEN_KEY,
        on_change="rerun",
    )
    if box.open is False:
        for field in _LABELS:  # reopening refills the boxes from what is in force
            st.session_state.pop(KEY_PREFIX + field, None)
        uncertain, problems = _with(workflow, stored)
        if problems:
            st.error("\n".join(f"- {p}" for p in problems) + " (in *Uncertainty*)", icon=":material/error:")
            return None
        _keep(index, stored)
        return uncertain
    with box:
        boxes = _fields(workflow)
        FORM.seed(UncertaintyBoxes(workflow=index, uncertain=stored), fields=boxes)
        FORM.refill([KEY_PREFIX + field for field in boxes], fields=boxes)
        st.caption(
            "Leave a box empty for the form's value. A range gives P10-P90 beside each figure (the median is the "
            "headline), a band around the savings curve, a histogram and what drives the result."
        )
        found = _kept(workflow, stored)
        if found:
            st.caption(
                "Kept from a file, a pilot, a request log or the ledger (no box shows them): "
                + "; ".join(
                    f"{UNCERTAIN_FIELDS[k].label}: {describe(v, UNCERTAIN_FIELDS[k])}" for k, v in found.items()
                )
                + "."
            )
        left_out = {k: v for k, v in stored.items() if k not in boxes and k not in found}
        if left_out:  # e.g. a link's monthly volume range on a workflow whose volume is per day
            _, why = _with(workflow, left_out)
            st.warning(
                "Left out, no box takes them here:\n" + "\n".join(f"- {line}" for line in why or sorted(left_out)),
                icon=":material/link_off:",
            )
        problems: list[str] = []
        c1, c2 = st.columns(2)
        for i, field in enumerate(boxes):
            label, placeholder = _LABELS[field]
            text = (c1 if i % 2 == 0 else c2).text_input(label, key=KEY_PREFIX + field, placeholder=placeholder)
            if not text.strip():
                continue
            try:
                found[field] = parse_distribution(text)
            except ValueError as exc:
                problems.append(f"{label}: {exc}")
        uncertain, more = _with(workflow, found) if not problems else (None, [])
        if problems or more:
            st.error("\n".join(f"- {p}" for p in problems + more), icon=":material/error:")
            return None
        _keep(index, found)
        if uncertain is not None:
            st.caption(
                "With a range, the point figures use its centre (a range's midpoint, the mode, k/n) instead of the "
                "form's value."
            )
        return uncertain


@dataclass(frozen=True)
class RangeView:
    """Everything the page draws from one simulation."""

    ranges: WorkflowRanges
    """P10/P50/P90 of the headline figures, P(batch saves), the uncertain inputs."""
    band: SavingsBand
    """The savings curve with its P10-P90 band."""
    histogram: Histogram
    """Net savings across the draws."""
    tornado: Tornado
    """Inputs ranked by how much they move net savings; its reason names the decisive one."""


def _simulated(
    uncertain: UncertainWorkflow, pricing: ModelPricing, verdict: Verdict | None, rescue_probability: float
) -> RangeView:
    sim = simulate(uncertain, pricing)
    figures = ranges_of(sim, verdict=verdict, rescue_probability=rescue_probability)
    return RangeView(figures, savings_band(sim), net_savings_histogram(sim), tornado(sim))


def view_of(
    uncertain: UncertainWorkflow,
    pricing: ModelPricing,
    *,
    verdict: Verdict | None = None,
    rescue_probability: float = 0.0,
) -> RangeView:
    """The Monte Carlo's figures, kept in the one shared store on the inputs (`ui.data.shared`: the same inputs never
    draw twice, and a rerun reads the view itself, where `st.cache_data` unpickled a copy of its arrays each time).

    `verdict` (the point verdict) and the guard's `rescue_probability` add the planned savings' range.
    Raises WorkflowError when a draw could not be priced (e.g. output above the model's limit).
    """
    return shared(_simulated, uncertain, pricing, verdict, rescue_probability)


def interval(r: Range | None, *, as_share: bool = False) -> str | None:
    """`P10-P90: $a – $b` beside a metric (None without a range, or when it collapses to one value)."""
    if r is None or r.p10 is None or r.p90 is None or r.p10 == r.p90:
        return None
    show = fmt.share if as_share else fmt.usd
    return f"P10–P90: {show(r.p10)} – {show(r.p90)}"


def input_lines(ranges: WorkflowRanges) -> list[str]:
    """One line per uncertain input: its distribution and the P10-P90 drawn."""
    lines = []
    for u in ranges.uncertain_inputs:
        spec = UNCERTAIN_FIELDS[u.field]
        drawn = (
            f"P10–P90 {spec.format(u.drawn.p10)} – {spec.format(u.drawn.p90)}"
            if u.drawn.p10 is not None and u.drawn.p90 is not None
            else ""
        )
        lines.append(f"**{u.label}**: {u.distribution}; {drawn}")
    return lines


def probability_line(ranges: WorkflowRanges) -> str:
    """P(batch saves money) and P(the verdict flips), in words."""
    return (
        f"P(batch saves money) = {fmt.share(ranges.probability_batch_saves)}; the verdict's economics point "
        f"the other way in {fmt.share(ranges.probability_verdict_flips)} of {ranges.draws:,} draws"
    )


def headline(point: float | str, spread: Range | None) -> float | str:
    """The figure a tile shows: the median of the draws when the figure has a range, else the point figure."""
    return spread.p50 if spread is not None and spread.p50 is not None and not isinstance(point, str) else point


def verdict_reasons(view: RangeView | None) -> list[str]:
    """What the ranges add to the verdict's reasons: the decisive input, and how likely batch saves money."""
    if view is None:
        return []
    lines = [view.tornado.reason] if view.tornado.reason else []
    return [*lines, ranges_line(view.ranges)]


def ranges_line(ranges: WorkflowRanges) -> str:
    """Net savings P10-P90 and P(batch saves money), for the verdict box."""
    net = ranges.net_savings_per_month_usd
    spread = interval(net) or f"{fmt.usd(net.p50)}"
    return f"net savings {spread} per month; {probability_line(ranges)}"
