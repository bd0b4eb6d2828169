"""The one workflow form: every workflow input as a what-if control, read back into one validated `Workflow`.

Every page that edits a workflow (Sync vs batch, Submission windows) draws this form with its own
*layout*, a list of sections. The mechanism is `ui.forms` (shared with the Portfolio page); this module
declares the workflow's fields (`FORM`) and sections:

- **seed**: widgets are filled from the workflow whenever it changes underneath the form (a preset, a
  loaded file, a shared link, an applied pilot measurement, an edit on another page);
- **refill**: widgets Streamlit dropped while another page ran are refilled from the last workflow the
  form produced, so nothing typed is lost;
- **write back** (`keep`): a valid result replaces the scenario's workflow at once and goes into the
  page's link (`?w=`); an invalid one changes nothing and is shown next to its inputs.

Widgets keep stable keys (`wf_<field>`, `wf_sla.<field>` for the SLA) so tests and the browser can find
them. Validation errors are shown inside the section that holds the offending input, one line per problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from pydantic import ValidationError

from costmodel.errors import problem_lines
from costmodel.prices import Catalog, CustomPrices
from costmodel.workflow import SlaSpec, Workflow
from ui import forms, sharing, state

__all__ = [
    "COMPARE_LAYOUT",
    "DEFAULT_SLA",
    "KEY_PREFIX",
    "WINDOWS_LAYOUT",
    "field_help",
    "keep",
    "routing_inputs",
    "sla_key",
    "take_shared_link",
    "workflow_form",
]

KEY_PREFIX = "wf_"
"""Widget keys are `wf_<workflow field>` (plus `wf_price_mode`, `wf_volume_unit`, `wf_volume`, `wf_cp_*`,
`wf_has_sla` and `wf_sla.<SLA field>`)."""
_LAYOUT = state.FORM_LAYOUT

DEFAULT_SLA = SlaSpec(sla_hours=30.0)
"""The SLA a workflow gets when the user switches its SLA on: one worst-case day plus a working margin."""

CATALOG, CUSTOM = "Catalog model", "Custom prices"
PER_DAY, PER_MONTH = "per day", "per month"
_PERCENT_FIELDS = ("cache_hit_rate", "batch_cache_hit_rate", "success_rate", "billed_failure_share", "urgent_share")
_SLA_SCALE = {"max_miss_probability": 100.0, "expired_share": 100.0, "median_processing_hours": 60.0,
              "p90_processing_hours": 60.0}  # fmt: skip
"""SLA fields shown in friendlier units: shares in per cent, turnaround in minutes (widget = value × scale)."""
_SLA_FIELDS = ("sla_hours", "kind", "max_miss_probability", "safety_margin_hours", "downstream_hours")
_TIMING_FIELDS = ("median_processing_hours", "p90_processing_hours", "expired_share", "avg_request_bytes")
_CUSTOM_PRICE_FIELDS = (
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "cache_write_5m_usd_per_mtok",
    "cache_write_1h_usd_per_mtok",
    "cache_read_usd_per_mtok",
)
_SECTIONS: dict[str, tuple[str, ...]] = {
    "model": ("model", "price_mode", "custom_prices", *_CUSTOM_PRICE_FIELDS, "batch_discount", "max_output_tokens"),
    "volume": (
        "volume",
        "volume_unit",
        "requests_per_day",
        "requests_per_month",
        "days_per_month",
        "input_tokens",
        "output_tokens",
    ),
    "arrivals": ("volume", "volume_unit", "requests_per_day", "requests_per_month", "days_per_month", "urgent_share"),
    "caching": ("cached_input_tokens", "cache_hit_rate", "batch_cache_hit_rate", "sync_cache_ttl", "batch_cache_ttl"),
    "failures": ("success_rate", "billed_failure_share", "retry_route", "max_batch_rounds", "failures_on_sync_too"),
    "rounds": ("retry_route", "max_batch_rounds", "tool_turns"),
    "sla": ("has_sla", "sla", *_SLA_FIELDS),
    "timing": _TIMING_FIELDS,
    "overheads": (
        "refinement_hours",
        "amortize_months",
        "ops_hours_per_month",
        "hourly_rate_usd",
        "delay_cost_per_item_hour_usd",
        "batch_wait_hours",
    ),
    "constraints": ("blocking", "streaming", "urgent_share"),
    "modifiers": (
        "tool_turns",
        "tool_choice",
        "thinking_tokens",
        "web_searches_per_request",
        "code_execution_hours_per_request",
        "inference_geo",
        "speed",
        "batch_output_beta",
    ),
}
"""Section → the fields (and widget names) it holds. A field may sit in sections of different pages."""
_COMPOSITE_FIELDS = frozenset({"custom_prices", "requests_per_day", "requests_per_month", "sla"})
"""Workflow fields drawn by several widgets (prices, volume + unit, the SLA) rather than one of their own."""
_WIDGET_FIELDS = tuple(
    dict.fromkeys(
        f for fields in _SECTIONS.values() for f in fields if f in Workflow.model_fields and f not in _COMPOSITE_FIELDS
    )
)
"""Workflow fields with a widget of their own, keyed `wf_<field>`."""
_ALL_KEYS = [
    *(KEY_PREFIX + name for name in _WIDGET_FIELDS),
    *(KEY_PREFIX + name for name in ("price_mode", "volume_unit", "volume", "cp_batch_discount", "has_sla")),
    *(KEY_PREFIX + "cp_" + name for name in _CUSTOM_PRICE_FIELDS),
    *(KEY_PREFIX + "sla." + name for name in (*_SLA_FIELDS, *_TIMING_FIELDS)),
]

Layout = Sequence[tuple[str, bool]]
"""A page's form: (section, open at first) in drawing order."""
COMPARE_LAYOUT: Layout = (
    ("model", True), ("volume", True), ("failures", True), ("sla", False), ("timing", False), ("caching", False),
    ("overheads", False), ("constraints", False), ("modifiers", False),
)  # fmt: skip
"""Sync vs batch: the whole workflow."""
WINDOWS_LAYOUT: Layout = (("sla", True), ("rounds", True), ("arrivals", True), ("timing", False))
"""Submission windows: the SLA, what sets the rounds, the arrivals, and the typical turnaround."""


def sla_key(name: str) -> str:
    """Widget key of an SLA field: `wf_sla.sla_hours`."""
    return f"{KEY_PREFIX}sla.{name}"


def field_help(name: str) -> str:
    """The core's docstring of a workflow field, for tooltips (one source of truth for meanings and units)."""
    name = name.removeprefix("cp_").removeprefix("sla.")
    field = Workflow.model_fields.get(name) or CustomPrices.model_fields.get(name) or SlaSpec.model_fields.get(name)
    return (field.description or "") if field is not None else ""


def _k(name: str) -> str:
    return KEY_PREFIX + name


def _pct(share: float) -> float:
    return round(share * 100.0, 9)  # 9 places: a link's 1e-9 success rate must not round to an invalid 0


def _derived_values(base: Workflow, *, catalog: Catalog) -> dict[str, Any]:
    """Widget key → value for the widgets that stand for several fields: price mode and custom prices, volume and
    its unit, the SLA switch and the SLA's fields (the default SLA's while the workflow has none)."""
    values: dict[str, Any] = {_k("price_mode"): CUSTOM if base.custom_prices is not None else CATALOG}
    by_day = base.requests_per_day is not None
    values[_k("volume_unit")] = PER_DAY if by_day else PER_MONTH
    values[_k("volume")] = float(base.requests_per_day if by_day else base.monthly_requests)
    prices = base.custom_prices or _prices_like(base.model, catalog)
    for name in _CUSTOM_PRICE_FIELDS:
        values[_k("cp_" + name)] = getattr(prices, name)
    values[_k("cp_batch_discount")] = _pct(prices.batch_discount)
    values[_k("has_sla")] = base.sla is not None
    sla = base.sla or DEFAULT_SLA
    for name in (*_SLA_FIELDS, *_TIMING_FIELDS):
        value = getattr(sla, name)
        values[sla_key(name)] = round(value * _SLA_SCALE[name], 6) if name in _SLA_SCALE else value
    return values


FORM: forms.Form[Workflow] = forms.Form(
    Workflow,
    source=state.FORM_SOURCE,
    link="w",
    fields=[
        forms.Field(_k(name), name, scale=100.0, digits=9) if name in _PERCENT_FIELDS else forms.Field(_k(name), name)
        for name in _WIDGET_FIELDS
    ],
    derived=_derived_values,
    derived_keys=[k for k in _ALL_KEYS if k.removeprefix(KEY_PREFIX) not in _WIDGET_FIELDS],
)
"""The workflow form: a widget per simple field (shares in per cent, 9 places so a link's 1e-9 success rate does
not round to an invalid 0), and the composite widgets."""


_SECTION_KEYS = {
    section: [k for k in _ALL_KEYS if k.removeprefix(KEY_PREFIX).removeprefix("cp_").removeprefix("sla.") in fields]
    for section, fields in _SECTIONS.items()
}
"""Section → the widget keys it draws (worked out once: the form asks on every rerun)."""


def _section_keys(section: str) -> list[str]:
    return _SECTION_KEYS[section]


_SECTION_FIELD_KEYS = {
    section: [_k(name) for name in fields if name in _WIDGET_FIELDS] for section, fields in _SECTIONS.items()
}
"""Section → the keys of its one-field widgets, whose values the form reads back itself (`FORM.read`)."""


def _prices_like(model_id: str, catalog: Catalog) -> CustomPrices:
    """Custom prices pre-filled from a catalog model, so switching to custom starts from real numbers."""
    p = catalog.find(model_id)
    if p is None:
        return CustomPrices(input_usd_per_mtok=3.0, output_usd_per_mtok=15.0)
    return CustomPrices(
        input_usd_per_mtok=p.sync.input_usd_per_mtok,
        output_usd_per_mtok=p.sync.output_usd_per_mtok,
        batch_discount=p.batch_discount,
        max_output_tokens=p.max_output_tokens,
    )


def _value(name: str, fallback: Any) -> dict[str, Any]:
    """`value=` only for a widget without state yet (passing both would make Streamlit warn)."""
    return {} if _k(name) in st.session_state else {"value": fallback}


def _percent_slider(label: str, name: str, *, min_pct: float = 0.0, fallback: float = 0.0, **kw: Any) -> float:
    current = st.session_state.get(_k(name), fallback)
    # The range follows the data: a measured 0.3 % success rate must show, not crash the slider.
    low = min(min_pct, current) if isinstance(current, int | float) and current > 0 else min_pct
    pct = st.slider(
        label,
        min_value=low,
        max_value=100.0,
        step=0.5 if low == min_pct else 0.01,
        format="%.1f%%" if low == min_pct else "%.2f%%",
        key=_k(name),
        help=field_help(name),
        **_value(name, fallback),
        **kw,
    )
    return pct / 100.0


def _number(label: str, name: str, *, step: float, fmt: str = "%.0f", fallback: float = 0.0, **kw: Any) -> float:
    kw.setdefault("min_value", 0.0)
    kw.setdefault("help", field_help(name))
    return st.number_input(label, step=step, format=fmt, key=_k(name), **_value(name, fallback), **kw)


def _optional_price(label: str, name: str, derived: str) -> float | None:
    """A custom cache price; empty means Anthropic's multiplier of the input price (`derived`)."""
    return st.number_input(
        label, min_value=0.0, value=None, step=0.05, format="%.2f", key=_k("cp_" + name),
        placeholder=derived, help=field_help(name),
    )  # fmt: skip


def _model_section(base: Workflow, catalog: Catalog) -> dict[str, Any]:
    mode = st.segmented_control(
        "Prices", [CATALOG, CUSTOM], key=_k("price_mode"), required=True, **_value("price_mode", CATALOG)
    )
    ids = catalog.ids()
    if base.model not in ids:
        ids = [*ids, base.model]  # keep an unknown model visible; pricing then says what is wrong

    def name_of(model_id: str) -> str:
        found = catalog.find(model_id)
        if found is None:
            return f"{model_id} (not in the price catalog)"
        return f"{found.display_name}  ·  {model_id}" + ("  (retired)" if found.retired else "")

    model = st.selectbox(
        "Model", ids, key=_k("model"), format_func=name_of, help=field_help("model"), **_value("model", base.model)
    )
    out: dict[str, Any] = {"custom_prices": None}  # the model itself is a one-field widget: the form reads it
    if mode == CUSTOM:
        c1, c2 = st.columns(2)
        with c1:
            i = _number("Input $/MTok", "cp_input_usd_per_mtok", step=0.25, fmt="%.2f", fallback=3.0)
            w5 = _optional_price("Cache write 5 min $/MTok", "cache_write_5m_usd_per_mtok", "1.25 × input")
            r = _optional_price("Cache read $/MTok", "cache_read_usd_per_mtok", "0.1 × input")
        with c2:
            o = _number("Output $/MTok", "cp_output_usd_per_mtok", step=1.0, fmt="%.2f", fallback=15.0)
            w1 = _optional_price("Cache write 1 h $/MTok", "cache_write_1h_usd_per_mtok", "2 × input")
            d = _percent_slider("Batch discount", "cp_batch_discount", fallback=50.0)
        keep = (
            base.custom_prices.max_output_tokens
            if base.custom_prices
            else _prices_like(model, catalog).max_output_tokens
        )
        out["custom_prices"] = {
            "input_usd_per_mtok": i,
            "output_usd_per_mtok": o,
            "cache_write_5m_usd_per_mtok": w5,
            "cache_write_1h_usd_per_mtok": w1,
            "cache_read_usd_per_mtok": r,
            "batch_discount": d,
            "max_output_tokens": keep,
        }
    return out


def _volume_row() -> dict[str, Any]:
    """Requests per day or per month (one number and its unit), and running days."""
    with st.container(horizontal=True, vertical_alignment="bottom"):  # one block, where columns are four
        volume = st.number_input("Requests", min_value=0.0, step=100.0, format="%.0f", key=_k("volume"))
        unit = st.radio("Volume unit", [PER_DAY, PER_MONTH], key=_k("volume_unit"), label_visibility="hidden")
        _number("Days/mo", "days_per_month", step=1.0, fmt="%.0f", min_value=1.0, max_value=31.0)
    per_day = unit == PER_DAY
    return {"requests_per_day": volume if per_day else None, "requests_per_month": None if per_day else volume}


def _volume_section() -> dict[str, Any]:
    out = _volume_row()
    with st.container(horizontal=True):
        _number("Input tokens / request", "input_tokens", step=100.0)
        _number("Output tokens / request", "output_tokens", step=50.0)
    return out


def _caching_section() -> dict[str, Any]:
    _number("Cacheable prefix tokens", "cached_input_tokens", step=100.0)
    c1, c2 = st.columns(2)
    with c1:
        _percent_slider("Cache hit rate, sync", "cache_hit_rate")
        st.segmented_control(
            "Sync caching", ["auto", "none", "5m", "1h"], key=_k("sync_cache_ttl"), required=True,
            help=field_help("sync_cache_ttl"),
        )  # fmt: skip
    with c2:
        _percent_slider("Cache hit rate, batch", "batch_cache_hit_rate")
        st.segmented_control(
            "Batch caching", ["auto", "none", "5m", "1h"], key=_k("batch_cache_ttl"), required=True,
            help=field_help("batch_cache_ttl"),
        )  # fmt: skip
    return {}


def _failures_section() -> dict[str, Any]:
    _percent_slider("First-pass success rate", "success_rate", min_pct=0.5, fallback=100.0)
    _percent_slider("Billed share of a failed attempt", "billed_failure_share")
    with st.container(horizontal=True):
        route = st.radio(
            "Retry route", ["sync", "batch"], key=_k("retry_route"), horizontal=True, help=field_help("retry_route")
        )
        st.number_input(
            "Batch rounds in total", min_value=1, max_value=10, step=1, key=_k("max_batch_rounds"),
            disabled=route == "sync", help=field_help("max_batch_rounds"),
        )  # fmt: skip
    st.toggle("Failures happen on sync too", key=_k("failures_on_sync_too"), help=field_help("failures_on_sync_too"))
    return {}


def _overheads_section() -> dict[str, Any]:
    c1, c2 = st.columns(2)
    with c1:
        _number("Prompt refinement, h (one-off)", "refinement_hours", step=1.0, fmt="%g")
        _number("Operations, h/month", "ops_hours_per_month", step=0.5, fmt="%g")
        _number("Cost of waiting, $/item-hour", "delay_cost_per_item_hour_usd", step=0.01, fmt="%.3f")
    with c2:
        _number("Amortise over, months", "amortize_months", step=1.0, fmt="%g", min_value=1.0)
        _number("Hourly rate, $/h", "hourly_rate_usd", step=10.0)
        _number("Extra latency on batch, h", "batch_wait_hours", step=0.5, fmt="%g")
    return {}


def _constraints_section() -> dict[str, Any]:
    c1, c2 = st.columns(2)
    c1.toggle("Blocking (someone waits)", key=_k("blocking"), help=field_help("blocking"))
    c2.toggle("Must stream", key=_k("streaming"), help=field_help("streaming"))
    _percent_slider("Urgent share (stays sync)", "urgent_share")
    return {}


def _modifiers_section() -> dict[str, Any]:
    """The whole bill: steps per item, tools, thinking, server tools, data residency, fast mode, the 300k beta."""
    c1, c2 = st.columns(2)
    with c1:
        st.number_input(
            "Steps per item (tool turns, stages)", min_value=1, max_value=50, step=1, key=_k("tool_turns"),
            help=field_help("tool_turns"),
        )  # fmt: skip
        _number("Thinking tokens / request", "thinking_tokens", step=100.0)
        _number("Web searches / request", "web_searches_per_request", step=1.0, fmt="%g")
        st.radio(
            "Inference geo", ["global", "us"], key=_k("inference_geo"), horizontal=True,
            help=field_help("inference_geo"),
        )  # fmt: skip
    with c2:
        st.selectbox(
            "Tool choice", ["off", "auto", "none", "any", "tool"], key=_k("tool_choice"),
            help=field_help("tool_choice"),
        )  # fmt: skip
        _number("Code execution h / request", "code_execution_hours_per_request", step=0.01, fmt="%.3f")
        st.radio("Speed", ["standard", "fast"], key=_k("speed"), horizontal=True, help=field_help("speed"))
        st.toggle("Batch 300k-output beta", key=_k("batch_output_beta"), help=field_help("batch_output_beta"))
    return {}


def _sla_number(label: str, name: str, **kw: Any) -> float:
    return st.number_input(label, key=sla_key(name), help=field_help(name), **kw)


def _sla_section() -> dict[str, Any]:
    on = st.toggle("This workflow has an SLA", key=_k("has_sla"), help=field_help("sla"))
    if not on:
        st.caption("No deadline: the verdict weighs cost only. Switch on to set the SLA and plan submission windows.")
        return {"sla": None}
    with st.container(horizontal=True, vertical_alignment="bottom"):  # two rows: 2 blocks where columns were 3
        hours = _sla_number("SLA [h]", "sla_hours", min_value=0.25, max_value=24.0 * 60, step=1.0)
        kind = st.radio("SLA kind", ("hard", "soft"), key=sla_key("kind"), horizontal=True, help=field_help("kind"))
        miss = _sla_number(
            "Acceptable misses [%]", "max_miss_probability", min_value=0.0, max_value=100.0, step=0.1, format="%.2f",
            disabled=kind == "hard",
        )  # fmt: skip
    with st.container(horizontal=True):
        margin = _sla_number("Safety margin [h]", "safety_margin_hours", min_value=0.0, max_value=168.0, step=0.5)
        downstream = _sla_number("Downstream time [h]", "downstream_hours", min_value=0.0, max_value=168.0, step=0.5)
    return {
        "sla": {
            "sla_hours": hours,
            "kind": kind,
            "max_miss_probability": miss / _SLA_SCALE["max_miss_probability"],
            "safety_margin_hours": margin,
            "downstream_hours": downstream,
        }
    }


def _has_sla() -> bool:
    """The SLA switch as drawn on this run, else (its section closed) whether the form's workflow has an SLA."""
    state = st.session_state
    return bool(state[_k("has_sla")]) if _k("has_sla") in state else _form_sla_on()


def _form_sla_on() -> bool:
    source = FORM.source()
    return source is not None and source.sla is not None


def _timing_section() -> dict[str, Any]:
    if not _has_sla():
        st.caption("Turnaround matters only for an SLA: switch the SLA on first.")
        return {}
    a, b = st.columns(2)
    median = a.number_input(
        "Median turnaround [min]", min_value=0.1, max_value=24.0 * 60, step=5.0, format="%.1f",
        key=sla_key("median_processing_hours"), help=field_help("median_processing_hours"),
    )  # fmt: skip
    p90 = b.number_input(
        "p90 turnaround [min]", min_value=0.1, max_value=24.0 * 60, step=5.0, format="%.1f",
        key=sla_key("p90_processing_hours"), help=field_help("p90_processing_hours"),
    )  # fmt: skip
    expired = a.number_input(
        "Expired share [%]", min_value=0.0, max_value=100.0, step=0.05, format="%.2f", key=sla_key("expired_share"),
        help=field_help("expired_share"),
    )  # fmt: skip
    size = b.number_input(
        "Average request size [bytes]", min_value=1.0, step=1000.0, format="%.0f", key=sla_key("avg_request_bytes"),
        help=field_help("avg_request_bytes"),
    )  # fmt: skip
    return {
        "sla": {
            "median_processing_hours": median / _SLA_SCALE["median_processing_hours"],
            "p90_processing_hours": p90 / _SLA_SCALE["p90_processing_hours"],
            "expired_share": expired / _SLA_SCALE["expired_share"],
            "avg_request_bytes": size,
        }
    }


def _rounds_section() -> dict[str, Any]:
    row = st.container(horizontal=True)
    route = row.radio(
        "Retry route", ["sync", "batch"], key=_k("retry_route"), horizontal=True, help=field_help("retry_route")
    )
    row.number_input(
        "Batch rounds in total", min_value=1, max_value=10, step=1, key=_k("max_batch_rounds"),
        disabled=route == "sync", help=field_help("max_batch_rounds"),
    )  # fmt: skip
    row.number_input(
        "Client tool turns", min_value=1, max_value=50, step=1, key=_k("tool_turns"), help=field_help("tool_turns")
    )
    return {}


def _arrivals_section() -> dict[str, Any]:
    out = _volume_row()
    _percent_slider("Urgent share (stays sync, never batched)", "urgent_share")
    return out


_DRAW: dict[str, tuple[str, Callable[..., dict[str, Any]]]] = {
    "model": (":material/memory: Model & prices", lambda base, catalog: _model_section(base, catalog)),
    "volume": (":material/stacked_bar_chart: Volume & tokens", lambda base, catalog: _volume_section()),
    "arrivals": (":material/stacked_bar_chart: Arrivals", lambda base, catalog: _arrivals_section()),
    "failures": (":material/replay: First-pass success & retries", lambda base, catalog: _failures_section()),
    "rounds": (":material/replay: Batch rounds (retries × tool turns)", lambda base, catalog: _rounds_section()),
    "sla": (":material/timer: SLA (deadline, hard or soft, margin)", lambda base, catalog: _sla_section()),
    "timing": (
        ":material/hourglass_top: Typical turnaround (assumptions until a pilot measures them)",
        lambda base, catalog: _timing_section(),
    ),
    "caching": (":material/cached: Prompt caching", lambda base, catalog: _caching_section()),
    "overheads": (":material/schedule: Overheads & cost of waiting", lambda base, catalog: _overheads_section()),
    "constraints": (
        ":material/rule: Constraints (blocking, streaming, urgency)",
        lambda base, catalog: _constraints_section(),
    ),
    "modifiers": (
        ":material/receipt_long: Bill modifiers (steps, tools, thinking, web search, code, geo, fast mode)",
        lambda base, catalog: _modifiers_section(),
    ),
}
"""Section → (expander title, draw(base, catalog) → the values of its widgets that stand for several fields: prices,
volume and unit, the SLA). A one-field widget's value is read back by the form (`FORM.read`), never by its section."""


def _section_of(line: str, sections: Sequence[str]) -> str | None:
    head = line.split(":", 1)[0]
    leaf = head.split("=", 1)[0].strip().split(".")[-1]
    for section in sections:
        if leaf in _SECTIONS[section]:
            return section
    # Model-level checks name their fields in the message: the first one named is the one to change.
    first: tuple[int, str] | None = None
    for section in sections:
        for f in _SECTIONS[section]:
            found = re.search(rf"\b{f}\b", line)
            if found and (first is None or found.start() < first[0]):
                first = (found.start(), section)
    return first[1] if first else None


def _merge(values: dict[str, Any], part: dict[str, Any]) -> None:
    """Add a section's values; the SLA's fields come from two sections and merge into one dict."""
    for name, value in part.items():
        if name == "sla" and isinstance(value, dict) and isinstance(values.get("sla"), dict):
            values["sla"] = {**values["sla"], **value}
        else:
            values[name] = value


def workflow_form(base: Workflow, *, catalog: Catalog, layout: Layout = COMPARE_LAYOUT) -> Workflow | None:
    """Draw `layout`'s sections seeded from `base`; return the validated workflow, or None after showing the errors.

    Fields the layout does not show, or whose section is closed, keep `base`'s values.
    """
    state = st.session_state
    sections = [name for name, _ in layout]
    FORM.seed(base, catalog=catalog)
    adopt = state.get(_LAYOUT) != tuple(sections)
    state[_LAYOUT] = tuple(sections)
    values: dict[str, Any] = {}
    slots: dict[str, Any] = {}
    titles: dict[str, str] = {}
    for section, expanded in layout:
        title, draw = _DRAW[section]
        titles[section] = title.split(" ", 1)[1]
        # Closed sections run nothing (lazy expander); their fields keep the last valid workflow's values.
        box = st.expander(title, expanded=expanded, key=f"wf_open_{section}", on_change="rerun")
        with box:
            if box.open is False:
                for key in _section_keys(section):  # stale widget values would win over the workflow on reopening
                    if key in state:
                        del state[key]
                continue
            # Widgets Streamlit dropped while another page ran come back from the form's last workflow; on the
            # first run after another layout, kept ones are adopted (that page drew them as other widgets).
            FORM.refill(_section_keys(section), adopt=adopt, catalog=catalog)
            _merge(values, draw(base, catalog))
            values.update(FORM.read(keys=_SECTION_FIELD_KEYS[section]))
            slots[section] = box  # an error is appended to the section's end, where it belongs (no placeholder)
    general = st.empty()
    data = base.model_dump()
    if isinstance(values.get("sla"), dict):  # the SLA section or the timing section drew SLA fields
        values["sla"] = {**(data["sla"] or DEFAULT_SLA.model_dump()), **values["sla"]}
    data.update(values)
    try:
        workflow = Workflow.model_validate(data)
    except ValidationError as exc:
        by_section: dict[str | None, list[str]] = {}
        for line in (line.removeprefix("input: ") for line in problem_lines(exc)):
            by_section.setdefault(_section_of(line, sections), []).append(line)
        elsewhere: list[str] = []
        for section, lines in by_section.items():
            if section in slots:
                slots[section].error("\n".join(f"- {line}" for line in lines), icon=":material/error:")
            else:  # no section, or a closed one: say where to look
                elsewhere += [f"- {line}" + (f" (in *{titles[section]}*)" if section else "") for line in lines]
        if elsewhere:
            general.error("\n".join(elsewhere), icon=":material/error:")
        return None
    # Not the form's source yet: `keep` makes it the source and the scenario's in one step. Were it the source
    # here, a run stopped before the page keeps it (the user's next change arriving) would leave source and
    # scenario apart, and the next run would re-seed every widget from the scenario: the change snaps back.
    return workflow


def take_shared_link(index: int) -> None:
    """A shared link (`?w=` workflow, `?a=` assumptions) the session did not write wins over the scenario."""
    shared_assumptions = forms.take_link(sharing.SharedAssumptions, "a")
    if shared_assumptions is not None:
        state.set_scenario(state.get_scenario().model_copy(update=shared_assumptions.model_dump()))
    shared = FORM.take_link()
    if shared is not None:
        state.set_workflow(index, shared)


def keep(index: int, workflow: Workflow, *, link: bool = True) -> None:
    """The one write-back rule: a valid form result replaces the scenario's workflow at once, and the page's
    link carries it (`link=False` on an untouched first visit: see the windows page)."""
    assumptions = sharing.SharedAssumptions(batch_discount=state.get_scenario().batch_discount)
    FORM.keep(workflow, lambda kept: state.set_workflow(index, kept), link=link, also={"a": assumptions.for_link()})


def routing_inputs(workflow: Workflow, *, catalog: Catalog) -> dict[str, Any] | None:
    """Quality bar, models to compare and per-model success rates → keyword arguments for `route_models`.

    Returns None (after saying why) when no model is selected. Rates outside (0, 100] % are reported next
    to the table and left out, so invalid rows never reach the core. The rates editor sits in a lazy expander
    (drawn only while open); the rates set in it are kept in the session (`state.ROUTE_RATES`) and seed it
    when it opens again, so closing it changes nothing.
    """
    ids = catalog.ids()
    default = list(dict.fromkeys([m for m in (workflow.model, *ids[:3]) if m in ids]))
    row = st.container(horizontal=True)
    chosen = row.multiselect(
        "Models to compare",
        ids,
        key="route_models",
        format_func=lambda m: catalog.get(m).display_name,
        **({} if "route_models" in st.session_state else {"default": default}),
    )
    bar = row.slider(
        "Quality bar (min success rate)", 0.0, 100.0, key="route_quality_bar", step=1.0, format="%.0f%%",
        help="Options whose first-pass success rate is below this are shown faded and never chosen",
        **({} if "route_quality_bar" in st.session_state else {"value": 0.0}),
    )  # fmt: skip
    if not chosen:
        st.info("Pick at least one model to compare.")
        return None
    kept: dict[str, float | None] = st.session_state.get(state.ROUTE_RATES) or {}
    shown = {m: kept.get(m, _pct(workflow.success_rate)) for m in chosen}
    box = st.expander(
        "Per-model first-pass success rates (edit to compare a cheaper, weaker model)",
        key="route_rates_open",
        on_change="rerun",
    )
    if box.open:
        import pandas as pd  # only the open editor needs a DataFrame

        table = pd.DataFrame(
            {"Model": [catalog.get(m).display_name for m in chosen], "Success rate %": list(shown.values())},
            index=chosen,
        )
        with box:
            edited = st.data_editor(
                table,
                key=f"route_rates_{len(chosen)}",
                disabled=["Model"],
                hide_index=True,
                column_config={
                    "Success rate %": st.column_config.NumberColumn(
                        min_value=0.5, max_value=100.0, step=0.5, format="%.1f%%"
                    )
                },
            )
        shown = dict(zip(chosen, edited["Success rate %"].tolist(), strict=True))
        own = _pct(workflow.success_rate)  # rows left at the workflow's rate follow it when it changes
        others = {m: v for m, v in kept.items() if m not in shown}
        st.session_state[state.ROUTE_RATES] = {**others, **{m: v for m, v in shown.items() if v != own}}
    rates: dict[str, float] = {}
    problems: list[str] = []
    for model_id, pct in shown.items():
        if pct is None or pct != pct:  # cleared cell (None or NaN): use the workflow's rate
            continue
        if not 0 < pct <= 100:
            problems.append(f"{catalog.get(model_id).display_name}: success rate {pct:g} % must be in (0, 100]")
            continue
        rates[model_id] = pct / 100.0
    if problems:
        st.error("\n".join(f"- {p}" for p in problems))
    return {"success_rates": rates, "quality_bar": bar / 100.0, "model_ids": chosen}
