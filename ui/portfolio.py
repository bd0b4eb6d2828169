"""Shell helpers for the portfolio page: table ↔ workflows, per-row evaluation, figures and exports.

The data editor is an input boundary (STYLE.md rule 7): every row is validated into a
`Workflow` here, each problem is named by its row, and only valid rows reach the core. The
evaluation (`evaluate_rows`, `PortfolioView`) and the export builders live in the pure `reports`
package, shared with `python -m costmodel export`; they are re-exported here for the page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

import streamlit as st
from pydantic import ValidationError

from costmodel import formatting as fmt
from costmodel.capacity import TIERS, CapacitySettings
from costmodel.errors import problem_lines
from costmodel.finance import (
    LABEL_12X_THIS_MONTH,
    LABEL_NEXT_12_MONTHS,
    FinanceInputs,
    MarginImpact,
    Portfolio,
    ProjectionMonth,
    build_portfolio,
)
from costmodel.scenario import Scenario
from costmodel.sla import SIMULATION_SAMPLES
from costmodel.uncertainty import UncertainWorkflow
from costmodel.workflow import SlaSpec, Workflow
from reports.portfolio import (
    export_assumptions,
    export_csv,
    export_excel,
    export_header,
    export_report_html,
    export_report_markdown,
    scenario_name,
)
from reports.view import PortfolioView, RowInput, RowOutcome, evaluate_rows
from ui import forms
from ui import state as state_keys
from ui.charts import PALETTE, layout
from ui.data import shared
from ui.tiles import Headline
from ui.widgets import field_help

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go
    import pyarrow as pa

    from costmodel.guard import GuardSettings
    from costmodel.recommend import WorkflowResult
    from costmodel.uncertainty import PortfolioRanges, Range

__all__ = [
    "COLUMNS",
    "EDITABLE_COLUMNS",
    "FORM",
    "NEW_ROW",
    "PortfolioView",
    "RowInput",
    "RowOutcome",
    "capacity_from_widget",
    "edited_scenario",
    "evaluate_rows",
    "evaluate_rows_cached",
    "export_assumptions",
    "export_csv",
    "export_excel",
    "export_header",
    "export_report_html",
    "export_report_markdown",
    "fan_figure",
    "fan_points",
    "finance_from_widgets",
    "finance_widget_values",
    "frame_to_rows",
    "keep",
    "kept_scenario",
    "margin_range_line",
    "margin_tiles",
    "portfolio_ranges_cached",
    "prepare_table",
    "projection_figure",
    "projection_points",
    "range_lines",
    "rebase",
    "remember",
    "results_table",
    "scenario_name",
    "scenario_name_from_widget",
    "table_rows",
    "tier_options",
    "total_tiles",
    "uncertain_workflows",
    "workflows_to_frame",
]

PAGE_SLA_SAMPLES = SIMULATION_SAMPLES
"""Simulated items per workflow SLA plan: the core's one count, so a row's P(miss) and verdict match the other pages."""

COLUMNS: dict[str, str] = {
    "name": "Workflow",
    "model": "Model",
    "requests_per_day": "Requests/day",
    "days_per_month": "Days/month",
    "input_tokens": "Input tokens",
    "output_tokens": "Output tokens",
    "success_rate": "First-pass success",
    "sla_hours": "SLA [h]",
    "sla_kind": "SLA kind",
    "blocking": "Blocking",
    "urgent_share": "Urgent share",
}
"""Editor column → header. Every other workflow field is kept from the row's underlying workflow."""
EDITABLE_COLUMNS = tuple(COLUMNS)

NEW_ROW = Workflow(name="new workflow", requests_per_day=1_000, input_tokens=2_000, output_tokens=500)
"""The workflow behind a row added in the editor: its hidden fields (overheads, caching…) start here."""

REQUIRED_COLUMNS = ("name", "model", "requests_per_day", "input_tokens", "output_tokens")
"""Cells a row cannot do without; blank ones are problems named by their row."""
DEFAULTED_COLUMNS = ("days_per_month", "success_rate", "blocking", "urgent_share")
"""Cells that, left blank, keep the underlying workflow's value (an added row: `NEW_ROW`'s)."""

_FIELD_HELP = {**{field: f"column '{label}'" for field, label in COLUMNS.items()}, "kind": "column 'SLA kind'"}


def workflows_to_frame(workflows: Sequence[Workflow]) -> pd.DataFrame:
    """The editor's table: one row per workflow, the editable columns only, shares as fractions."""
    import pandas as pd

    rows = [
        {
            "name": w.name,
            "model": w.model,
            "requests_per_day": float(w.daily_requests),
            "days_per_month": float(w.days_per_month),
            "input_tokens": float(w.input_tokens),
            "output_tokens": float(w.output_tokens),
            "success_rate": float(w.success_rate),
            "sla_hours": float(w.sla.sla_hours) if w.sla else None,
            "sla_kind": w.sla.kind if w.sla else None,
            "blocking": bool(w.blocking),
            "urgent_share": float(w.urgent_share),
        }
        for w in workflows
    ]
    frame = pd.DataFrame(rows, columns=list(EDITABLE_COLUMNS))
    # Arrow-backed, nullable columns (added rows start blank): the editor sends the table as Arrow on every rerun,
    # and converting these is about half the cost of converting NumPy and Python-string columns.
    return frame.astype({c: _ARROW_TYPES.get(c, "double[pyarrow]") for c in EDITABLE_COLUMNS})


_ARROW_TYPES = {"name": "string[pyarrow]", "model": "string[pyarrow]", "sla_kind": "string[pyarrow]",
                "blocking": "bool[pyarrow]"}  # fmt: skip
"""Editor column → its pandas dtype where it is not `double[pyarrow]`."""


def _cell(value: Any) -> Any:
    """A table cell as a plain Python value; blanks (None, NaN, NA, '') become None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    try:
        if value != value:  # NaN and pandas NA
            return None
    except (TypeError, ValueError):
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalar → Python
    return value


def _row_label(position: int, name: Any) -> str:
    return f"row {position + 1} ({name})" if name else f"row {position + 1}"


def frame_to_rows(frame: pd.DataFrame, base: Sequence[Workflow]) -> list[RowInput]:
    """Validate every editor row into a Workflow; rows whose index is not in `base` start from `NEW_ROW`.

    The editor keeps an edited row's index, so index `i < len(base)` is `base[i]` with edits.
    """
    rows = []
    count = len(frame)
    columns = {c: frame[c].tolist() if c in frame.columns else [None] * count for c in EDITABLE_COLUMNS}  # no per-row
    for position, index in enumerate(frame.index.tolist()):  # Series: plain Python values, fast on every rerun
        cells = {column: _cell(values[position]) for column, values in columns.items()}
        underlying = base[index] if isinstance(index, int) and 0 <= index < len(base) else NEW_ROW
        data = underlying.model_dump(exclude={"requests_per_month", "sla"})
        problems: list[str] = []
        for column in REQUIRED_COLUMNS:
            if cells[column] is None:
                problems.append(f"{column}: empty; fill in column '{COLUMNS[column]}'")
            data[column] = cells[column] if cells[column] is not None else data[column]
        for column in DEFAULTED_COLUMNS:  # a blank optional cell keeps the row's underlying value
            if cells[column] is not None:
                data[column] = cells[column]
        if (
            underlying.requests_per_month is not None
            and cells["requests_per_day"] == float(underlying.daily_requests)
            and data["days_per_month"] == underlying.days_per_month
        ):  # volume untouched: keep the workflow's own monthly figure rather than a rounded daily one
            data.update(requests_per_day=None, requests_per_month=underlying.requests_per_month)
        if cells["sla_hours"] is not None:
            spec = (underlying.sla or SlaSpec(sla_hours=1.0)).model_dump()
            spec.update(sla_hours=cells["sla_hours"], kind=cells["sla_kind"] or "hard")
            data["sla"] = spec
        elif cells["sla_kind"] is not None:
            problems.append("sla_hours: empty while SLA kind is set; give the SLA in hours or clear the kind")
        workflow: Workflow | None = None
        try:
            workflow = Workflow.model_validate(data)
        except ValidationError as exc:
            problems += problem_lines(exc, field_help=_FIELD_HELP)
        name = str(cells["name"] or "")
        rows.append(
            RowInput(
                label=_row_label(position, name),
                name=name,
                workflow=None if problems else workflow,
                problems=tuple(dict.fromkeys(problems)),
            )
        )
    return rows


RESULT_COLUMNS = {
    "row": "Row",
    "name": "Workflow",
    "verdict": "Verdict",
    "sync_cost_per_month_usd": "Sync $/month",
    "batch_cost_per_month_usd": "Batch cash $/month",
    "net_savings_per_month_usd": "Net savings $/month",
    "planned_cost_per_month_usd": "Planned cash $/month",
    "savings_per_month_usd": "Planned cash savings $/month",
    "waiting_cost_per_month_usd": "Cost of waiting $/month (not cash)",
    "net_benefit_per_month_usd": "Net benefit $/month (batch: cash − waiting)",
    "reason": "Why",
    "problems": "Problems",
}
"""Results table column → header (money in USD per month, unrounded; the page formats it). Cash and the
economic cost of waiting are separate columns; the net benefit is all-batch cash savings − waiting."""


def results_table(view: PortfolioView) -> pa.Table:
    """One row per editor row: verdict and spend, or `invalid` with its problems (money null when invalid).

    An Arrow table, which `st.dataframe` sends as is: no pandas frame built and converted on every rerun."""
    import pyarrow as pa

    by_name = iter(view.portfolio.rows)
    records = []
    for position, outcome in enumerate(view.outcomes):
        record: dict[str, Any] = {"row": position + 1, "problems": "; ".join(outcome.problems)}
        if outcome.result is None:
            record.update(name=outcome.name, verdict="invalid")
        else:
            row = next(by_name)  # portfolio rows follow the valid outcomes in order
            record.update(
                name=row.name,
                verdict=row.verdict,
                sync_cost_per_month_usd=row.sync_cost_per_month_usd,
                batch_cost_per_month_usd=row.batch_cost_per_month_usd,
                net_savings_per_month_usd=outcome.result.comparison.net_savings_per_month_usd,
                planned_cost_per_month_usd=row.planned_cost_per_month_usd,
                savings_per_month_usd=row.savings_per_month_usd,
                waiting_cost_per_month_usd=row.waiting_cost_per_month_usd,
                net_benefit_per_month_usd=outcome.result.comparison.net_benefit_per_month_usd,
                reason=row.reason,
            )
        records.append(record)
    def kind(column: str) -> pa.DataType:
        return pa.float64() if column.endswith("_usd") else pa.int64() if column == "row" else pa.string()

    return pa.table({c: pa.array([r.get(c) for r in records], type=kind(c)) for c in RESULT_COLUMNS})


ProjectionPoint = tuple[int, float, float, float]
"""(month, all-sync spend, planned spend, cumulative savings [USD]): one month of the projection chart."""


def projection_points(projection: Sequence[ProjectionMonth]) -> tuple[ProjectionPoint, ...]:
    """The projection chart's inputs as plain numbers (its cache key: cheap to hash on every rerun)."""
    return tuple((m.month, m.sync_cost_usd, m.planned_cost_usd, m.cumulative_savings_usd) for m in projection)


def projection_figure(points: Sequence[ProjectionPoint]) -> go.Figure:
    """Monthly all-sync vs planned spend (bars) and cumulative savings (line, right axis) [USD]."""
    import plotly.graph_objects as go

    months = [p[0] for p in points]
    data = [
        {"type": "bar", "name": "all sync", "x": months, "y": [p[1] for p in points],
         "marker": {"color": PALETTE["sync"]}},
        {"type": "bar", "name": "planned", "x": months, "y": [p[2] for p in points],
         "marker": {"color": PALETTE["batch"]}},
        {"type": "scatter", "name": "cumulative savings", "x": months, "mode": "lines+markers", "yaxis": "y2",
         "y": [p[3] for p in points], "marker": {"color": PALETTE["good"]}},
    ]  # fmt: skip
    figure_layout = layout(
        title={"text": f"{len(months)}-month projection: all sync vs planned spend"},
        barmode="group",
        xaxis={"title": {"text": "month"}, "dtick": 1},
        yaxis={"title": {"text": "spend [USD/month]"}, "tickprefix": "$", "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "cumulative savings [USD]"},
            "overlaying": "y",
            "side": "right",
            "tickprefix": "$",
            "rangemode": "tozero",
            "showgrid": False,
        },
        legend={"orientation": "h", "y": -0.2},
        height=380,
        margin={"t": 50, "b": 10},
    )
    return go.Figure({"data": data, "layout": figure_layout})


def edited_scenario(
    scenario: Scenario,
    rows: Sequence[RowInput],
    finance: FinanceInputs,
    *,
    name: str | None = None,
    capacity: CapacitySettings | None = None,
) -> Scenario | None:
    """The scenario as edited: its valid rows, the finance inputs, and its name and tier when given; None when no
    row is valid."""
    workflows = tuple(row.workflow for row in rows if row.workflow is not None)
    if not workflows:
        return None
    update: dict[str, Any] = {"workflows": workflows, "finance": finance}
    if name is not None:
        update["name"] = name
    if capacity is not None:
        update["capacity"] = capacity
    return scenario.model_copy(update=update)


NAME_KEY = state_keys.PORTFOLIO_WIDGET.format("scenario_name")
"""The scenario-name text input's widget key."""
TIER_KEY = state_keys.PORTFOLIO_WIDGET.format("tier")
"""The tier selectbox's widget key."""
TIER_NOT_GIVEN = "not given"
"""The tier option for a scenario without `capacity.tier` (checked against the largest published tier)."""
NAME_MAX_CHARS = 120
"""Longest scenario name (costmodel.scenario.Scenario.name) [characters]."""


def scenario_name_from_widget(text: str | None) -> tuple[str | None, str | None]:
    """(name, None) for a usable scenario name, else (None, a one-line problem); surrounding spaces are dropped."""
    name = (text or "").strip()
    if not name:
        return None, "Scenario name: empty; type a name (it names the downloads). The last name is kept."
    if len(name) > NAME_MAX_CHARS:
        return None, f"Scenario name: {len(name)} characters; shorten it to {NAME_MAX_CHARS} or fewer."
    return name, None


def tier_options(capacity: CapacitySettings) -> list[str]:
    """Tier choices: not given, the published tiers, and `custom` only when the scenario carries custom limits."""
    return [TIER_NOT_GIVEN, *TIERS, *(["custom"] if capacity.tier == "custom" else [])]


def capacity_from_widget(value: str | None, capacity: CapacitySettings) -> CapacitySettings:
    """The scenario's capacity block with the tier chosen; its typed queue limit and spend cap stay."""
    tier = None if value in (None, TIER_NOT_GIVEN) else value
    if tier == capacity.tier:
        return capacity
    return CapacitySettings.model_validate({**capacity.model_dump(), "tier": tier})


# ---------------------------------------------------------------- headline figures


def total_tiles(portfolio: Portfolio) -> list[Headline]:
    """Portfolio totals as metric tiles (label, value, formula); savings carry their share as the delta."""
    p = portfolio
    return [
        Headline("All-sync spend", fmt.per_month(p.sync_cost_per_month_usd), "Σ sync spend of the valid rows"),
        Headline(
            "Planned spend",
            fmt.per_month(p.planned_cost_per_month_usd),
            "Σ spend under each row's verdict (sync, batch or hybrid)",
        ),
        Headline(
            "Savings",
            fmt.per_month(p.savings_per_month_usd),
            "all-sync − planned",
            delta=f"{fmt.share(p.savings_share)} of sync spend",
        ),
        Headline(
            f"Savings, {LABEL_12X_THIS_MONTH}",
            fmt.usd(p.savings_per_year_usd),
            "12 × this month's cash savings; the growth entered is not applied",
        ),
        Headline(
            f"Savings, {LABEL_NEXT_12_MONTHS}",
            fmt.usd(p.savings_next_12_months_usd),
            "Σ cash savings of months 1-12, volume growing by the monthly growth entered (as in the exports)",
        ),
        Headline(
            "Cost of waiting (not cash)",
            fmt.per_month(p.waiting_cost_per_month_usd),
            "Σ economic cost of waiting under each row's verdict; not on any invoice",
        ),
        Headline(
            "Net benefit",
            fmt.per_month(p.savings_per_month_usd - p.waiting_cost_per_month_usd),
            "cash savings − cost of waiting",
        ),
    ]


def margin_tiles(margin: MarginImpact) -> list[Headline]:
    """Gross margin before and after the plan, and the inference COGS it changes."""
    m = margin
    return [
        Headline("Gross margin now", fmt.share(m.gross_margin_before), "(revenue − COGS) / revenue"),
        Headline(
            "Gross margin with the plan",
            fmt.share(m.gross_margin_after),
            "(revenue − COGS after the plan) / revenue",
            delta=f"{(m.gross_margin_after - m.gross_margin_before) * 100:+.1f} pp",
        ),
        Headline(
            "Inference COGS with the plan",
            fmt.per_month(m.inference_after_usd),
            "inference COGS × (1 − portfolio savings share)",
            # ASCII minus: Streamlit reads the delta's direction from a leading "-"
            delta=f"-{fmt.per_month(m.inference_before_usd - m.inference_after_usd)}",
            inverse=True,
        ),
    ]


# ---------------------------------------------------------------- page state

EDITOR_KEY = state_keys.PORTFOLIO_WIDGET.format("editor")
"""The data editor's widget key (its session value is the edit state)."""
FRAME_KEY = state_keys.PORTFOLIO_FRAME
BASE_KEY = state_keys.PORTFOLIO_BASE
LAST_KEY = state_keys.PORTFOLIO_LAST
ROWS_KEY = state_keys.PORTFOLIO_ROWS

FINANCE_KEYS = {
    name: state_keys.PORTFOLIO_WIDGET.format(key)
    for name, key in {
        "revenue": "revenue_per_month_usd",
        "cogs": "cogs_per_month_usd",
        "inference": "inference_cogs_per_month_usd",
        "growth_percent": "monthly_growth_percent",
        "months": "projection_months",
        "margin_mode": "margin_mode",
    }.items()
}
"""Finance widget → session-state key."""

FORM: forms.Form[Scenario] = forms.Form(
    Scenario,
    source=state_keys.PORTFOLIO_SOURCE,
    link="portfolio",
    fields=[
        forms.Field(NAME_KEY, "name"),
        forms.Field(TIER_KEY, "capacity.tier", to_widget=lambda tier: tier or TIER_NOT_GIVEN),
        forms.Field(FINANCE_KEYS["revenue"], "finance.revenue_per_month_usd", cast=float),
        forms.Field(FINANCE_KEYS["cogs"], "finance.cogs_per_month_usd", cast=float),
        forms.Field(FINANCE_KEYS["inference"], "finance.inference_cogs_per_month_usd", cast=float),
        forms.Field(FINANCE_KEYS["growth_percent"], "finance.monthly_growth", scale=100.0, cast=float),
        forms.Field(FINANCE_KEYS["months"], "finance.projection_months", cast=int),
        forms.Field(FINANCE_KEYS["margin_mode"], "finance.margin_mode"),
    ],
)
"""The Portfolio page's form over the scenario: its name, tier and finance inputs (growth in per cent). The table
is its editor's: seeded with the form, refilled from the table as last edited (`LAST_KEY`, invalid rows kept)."""


def rebase(frame: pd.DataFrame, base: Sequence[Workflow]) -> tuple[pd.DataFrame, tuple[Workflow, ...]]:
    """An edited table as a fresh editor input: a 0..n-1 index and the workflow under each row."""
    workflows = tuple(base[i] if isinstance(i, int) and 0 <= i < len(base) else NEW_ROW for i in frame.index)
    return frame.reset_index(drop=True), workflows


def prepare_table(state: MutableMapping[str, Any], scenario: Scenario) -> tuple[pd.DataFrame, tuple[Workflow, ...]]:
    """Seed or refill the page before it is drawn; the editor's input table and the workflows under it.

    A scenario the form did not produce (a preset, a file, a link, another page's edit) re-seeds the widgets and
    rebuilds the table. Coming back from another page (Streamlit dropped the widgets' and the editor's state), the
    widgets are refilled from the scenario the page last kept and the table from its last edits.
    """
    if FORM.seed(scenario, session=state):
        state[BASE_KEY] = scenario.workflows
        state[FRAME_KEY] = workflows_to_frame(scenario.workflows)
        state.pop(LAST_KEY, None)
    else:
        FORM.refill(session=state)
        last = state.get(LAST_KEY)
        if EDITOR_KEY not in state and last is not None:
            state[FRAME_KEY], state[BASE_KEY] = rebase(last, state[BASE_KEY])
    return state[FRAME_KEY], state[BASE_KEY]


def table_rows(state: MutableMapping[str, Any], edited: pd.DataFrame, base: Sequence[Workflow]) -> list[RowInput]:
    """`frame_to_rows(edited, base)`, reused while the table under the editor, its edits and `base` are unchanged
    (a finance, name or tier edit reruns the page without touching the table)."""
    import json

    edits = json.dumps(state.get(EDITOR_KEY), sort_keys=True, default=str)
    memo = state.get(ROWS_KEY)
    if memo is not None and memo[0] is state.get(FRAME_KEY) and memo[1] is base and memo[2] == edits:
        return list(memo[3])
    rows = frame_to_rows(edited, base)
    state[ROWS_KEY] = (state.get(FRAME_KEY), base, edits, tuple(rows))
    return rows


def remember(state: MutableMapping[str, Any], edited: pd.DataFrame) -> None:
    """Keep the table as edited (invalid rows too), to restore it after a visit to another page."""
    state[LAST_KEY] = edited


def kept_scenario(
    scenario: Scenario, edited: Scenario | None, finance: FinanceInputs, *, name: str | None,
    capacity: CapacitySettings, table_complete: bool,
) -> Scenario:  # fmt: skip
    """What the page writes back: the edited scenario when the table is complete; otherwise its valid parts only
    (finance, name, tier) over the scenario's last complete table, so an unusable row changes no workflow."""
    if table_complete and edited is not None:
        return edited
    update: dict[str, Any] = {"finance": finance, "capacity": capacity, **({"name": name} if name else {})}
    return scenario.model_copy(update=update)


def keep(scenario: Scenario, *, link: bool) -> None:
    """The one write-back rule (`ui.forms`): the page's valid result is the scenario every page uses at once, and
    goes into its link (`?portfolio=`), without rebuilding the editor from it (the editor's edits already hold it)."""

    def apply(kept: Scenario) -> None:
        if state_keys.get_scenario() != kept:
            state_keys.set_scenario(kept)

    FORM.keep(scenario, apply, link=link)


def finance_widget_values(finance: FinanceInputs) -> dict[str, Any]:
    """Session-state values that show `finance` in the page's widgets (growth in per cent)."""
    return FORM.widget_values_under("finance", finance)


def finance_from_widgets(state: Any) -> FinanceInputs:
    """The validated finance model from the widgets' session state; raises pydantic's ValidationError."""
    return FinanceInputs.model_validate(FORM.read("finance", state))


_TABLE_NOTES = {
    "requests_per_day": "In the table, always per day.",
    "success_rate": "Typed as a share: 0.95 = 95 %.",
    "urgent_share": "Typed as a share: 0.2 = 20 %.",
    "sla_hours": "Empty: no deadline.",
    "output_tokens": "The table has no thinking column: set a workflow's thinking on Sync vs batch (Bill modifiers).",
}
"""What the table adds to a field's own description (its units as typed here, what a blank cell means)."""


def column_help(column: str) -> str:
    """A column's tooltip: the core's description of its field (what the workflow form shows too), then the table's
    note; one meaning per field on every page."""
    own = field_help("kind" if column == "sla_kind" else column)
    return " ".join(part for part in (own, _TABLE_NOTES.get(column, "")) if part)


def editor_column_config(model_ids: Sequence[str]) -> dict[str, Any]:
    """Column types, ranges and help for the data editor (the browser enforces them; validation still runs)."""
    import streamlit as st

    c = st.column_config
    return {
        "name": c.TextColumn(
            COLUMNS["name"], required=True, max_chars=120, width="medium", help=column_help("name")
        ),
        "model": c.SelectboxColumn(
            COLUMNS["model"], options=list(model_ids), required=True, width="medium", help=column_help("model")
        ),
        "requests_per_day": c.NumberColumn(
            COLUMNS["requests_per_day"],
            min_value=0.0,
            format="%.0f",
            help=column_help("requests_per_day"),
        ),
        "days_per_month": c.NumberColumn(
            COLUMNS["days_per_month"],
            min_value=0.1,
            max_value=31.0,
            format="%.1f",
            help=column_help("days_per_month"),
        ),
        "input_tokens": c.NumberColumn(
            COLUMNS["input_tokens"],
            min_value=0.0,
            format="%.0f",
            help=column_help("input_tokens"),
        ),
        "output_tokens": c.NumberColumn(
            COLUMNS["output_tokens"],
            min_value=0.0,
            format="%.0f",
            help=column_help("output_tokens"),
        ),
        "success_rate": c.NumberColumn(
            COLUMNS["success_rate"],
            min_value=0.001,
            max_value=1.0,
            format="percent",
            help=column_help("success_rate"),
        ),
        "sla_hours": c.NumberColumn(
            COLUMNS["sla_hours"], min_value=0.25, format="%.2f", help=column_help("sla_hours")
        ),
        "sla_kind": c.SelectboxColumn(
            COLUMNS["sla_kind"],
            options=["hard", "soft"],
            help=column_help("sla_kind"),
        ),
        "blocking": c.CheckboxColumn(COLUMNS["blocking"], help=column_help("blocking")),
        "urgent_share": c.NumberColumn(
            COLUMNS["urgent_share"],
            min_value=0.0,
            max_value=1.0,
            format="percent",
            help=column_help("urgent_share"),
        ),
    }


def results_column_config() -> dict[str, Any]:
    """Headers and money formats for the results table."""
    import streamlit as st

    c = st.column_config
    config: dict[str, Any] = {key: c.TextColumn(label) for key, label in RESULT_COLUMNS.items()}
    config["row"] = c.NumberColumn(RESULT_COLUMNS["row"], format="%d", width="small")
    for key in RESULT_COLUMNS:
        if key.endswith("_usd"):
            config[key] = c.NumberColumn(RESULT_COLUMNS[key], format="dollar")
    config["name"] = c.TextColumn(RESULT_COLUMNS["name"], width="medium")
    config["reason"] = c.TextColumn(RESULT_COLUMNS["reason"], width="large")
    return config


def show_capacity(totals: Portfolio) -> None:
    """The shared processing-queue figure (with fixes when it overflows) and the spend-cap warning with its day."""
    queue = totals.queue
    if queue is not None:
        figure = (
            f"**Shared processing queue ({queue.tier}):** worst case {queue.worst_case_in_flight_requests:,.0f} "
            f"requests in flight (typical {queue.typical_in_flight_requests:,.0f}) against a limit of "
            f"{queue.queue_limit_requests:,.0f}: {queue.reason}."
        )
        if queue.queue_feasible:
            st.info(figure, icon=":material/check_circle:")
        else:
            st.warning(
                figure + "\n\nFixes:\n" + "\n".join(f"- {fix}" for fix in queue.fixes), icon=":material/warning:"
            )
    cap = totals.spend_cap_warning
    if cap is None:
        st.caption("Planned spend stays within the tier's monthly spend cap.")
    else:
        st.warning(f"**Spend cap reached on day {cap.cap_reached_on_day}:** {cap.message}.", icon=":material/warning:")


# ---------------------------------------------------------------- ranges (issue 12): uncertain inputs


def uncertain_workflows(
    results: Sequence[WorkflowResult], scenario: Scenario, held: Mapping[int, Mapping[str, Any]]
) -> tuple[list[UncertainWorkflow], list[str]]:
    """Each evaluated row with the distributions held for its scenario workflow (`ui.state` keeps them by index).

    A distribution applies to a row whose workflow is still the one it was given for, at its point values; a row
    edited away from it keeps its point figures, and its name is returned so the page can say so.
    """
    candidates: dict[int, UncertainWorkflow] = {}
    for index, spread in held.items():
        if spread and 0 <= index < len(scenario.workflows):
            try:
                candidates[index] = UncertainWorkflow(workflow=scenario.workflows[index], uncertain=dict(spread))
            except ValidationError:
                continue  # the page that took the distribution reports its problems
    used: set[int] = set()
    uncertain = []
    for result in results:
        match = next((i for i, u in candidates.items() if i not in used and u.workflow == result.workflow), None)
        if match is not None:
            used.add(match)
        uncertain.append(candidates[match] if match is not None else UncertainWorkflow(workflow=result.workflow))
    dropped = [candidates[i].workflow.name for i in candidates if i not in used and candidates[i].is_uncertain]
    return uncertain, dropped


def _range_usd(r: Range, *, monthly: bool = True) -> str:
    if r.p10 is None or r.p90 is None:
        return fmt.NONE
    return f"{fmt.usd(r.p10)}–{(fmt.per_month if monthly else fmt.usd)(r.p90)}"


def range_lines(ranges: PortfolioRanges) -> list[str]:
    """P10–P90 of the totals, in words, for beside the tiles."""
    lines = [
        f"All-sync spend {_range_usd(ranges.sync_cost_per_month_usd)}",
        f"planned spend {_range_usd(ranges.planned_cost_per_month_usd)}",
        f"savings {_range_usd(ranges.savings_per_month_usd)}",
        f"savings, {LABEL_12X_THIS_MONTH}, {_range_usd(ranges.savings_per_year_usd, monthly=False)}",
        f"the plan saves in {fmt.share(ranges.probability_portfolio_saves)} of draws",
    ]
    return lines


def margin_range_line(ranges: PortfolioRanges) -> str | None:
    """Gross margin with the plan, P10–P90; None without revenue."""
    m = ranges.gross_margin_after
    if m is None or m.p10 is None or m.p90 is None:
        return None
    return f"Gross margin with the plan, P10–P90 over the uncertain inputs: {fmt.share(m.p10)}–{fmt.share(m.p90)}"


FanPoint = tuple[int, float | None, float | None, float | None]
"""(month, P10, P50, P90 of the cumulative savings [USD]): one month of the fan chart."""


def fan_points(ranges: PortfolioRanges) -> tuple[FanPoint, ...]:
    """The fan chart's inputs from the ranges, as plain numbers (the chart's cache key)."""
    return tuple(
        (m.month, m.cumulative_savings_usd.p10, m.cumulative_savings_usd.p50, m.cumulative_savings_usd.p90)
        for m in ranges.projection
    )


def fan_figure(points: Sequence[FanPoint], draws: int) -> go.Figure:
    """The projection's cumulative savings as a fan over `draws` draws: P10–P90 band and the P50 line [USD]."""
    import plotly.graph_objects as go

    months = [p[0] for p in points]
    data = [
        {"type": "scatter", "name": "P90", "x": months, "y": [p[3] for p in points], "mode": "lines",
         "line": {"width": 0}, "showlegend": False},
        {"type": "scatter", "name": "P10–P90", "x": months, "y": [p[1] for p in points], "mode": "lines",
         "line": {"width": 0}, "fill": "tonexty", "fillcolor": PALETTE["band"]},
        {"type": "scatter", "name": "cumulative savings P50", "x": months, "y": [p[2] for p in points],
         "mode": "lines+markers", "marker": {"color": PALETTE["batch"]}},
    ]  # fmt: skip
    figure_layout = layout(
        title={"text": f"Cumulative savings, P10–P90 over {draws:,} draws"},
        xaxis={"title": {"text": "month"}, "dtick": 1},
        yaxis={"title": {"text": "cumulative savings [USD]"}, "tickprefix": "$"},
        legend={"orientation": "h", "y": -0.2},
        height=340,
        margin={"t": 50, "b": 10},
    )
    return go.Figure({"data": data, "layout": figure_layout})


def _ranges_uncached(
    uncertain: Sequence[UncertainWorkflow], results: Sequence[WorkflowResult], finance: FinanceInputs,
    batch_discount: float,
) -> PortfolioRanges:
    from costmodel.uncertainty import portfolio_ranges
    from costmodel.workflow import resolve_pricing
    from ui.data import catalog

    prices = catalog(batch_discount=batch_discount)
    return portfolio_ranges(uncertain, results, [resolve_pricing(r.workflow, prices) for r in results], finance)


def portfolio_ranges_cached(
    uncertain: Sequence[UncertainWorkflow], results: Sequence[WorkflowResult], finance: FinanceInputs,
    batch_discount: float,
) -> PortfolioRanges | None:  # fmt: skip
    """The Monte Carlo ranges, kept in the one shared store on their inputs (`ui.data.shared`: the same inputs never
    draw twice, and a rerun gets the ranges themselves); None when every input is a point."""
    if not any(u.is_uncertain for u in uncertain):
        return None
    return shared(_ranges_uncached, tuple(uncertain), tuple(results), finance, batch_discount)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the evaluation, cached on its inputs


def _view_of(
    rows: tuple[RowInput, ...],
    batch_discount: float,
    capacity: CapacitySettings,
    guard: GuardSettings | None,
    prices_key: str,
) -> PortfolioView:
    """`evaluate_rows` without finance (the caller totals with it); `prices_key` (the evaluation date and price
    source) only keys the shared store."""
    from ui.data import catalog

    del prices_key  # only part of the key
    return evaluate_rows(
        list(rows), catalog(batch_discount=batch_discount), FinanceInputs(), capacity=capacity, guard=guard
    )


def evaluate_rows_cached(
    rows: Sequence[RowInput],
    finance: FinanceInputs,
    *,
    batch_discount: float,
    capacity: CapacitySettings,
    guard: GuardSettings | None,
    prices_key: str,
) -> PortfolioView:
    """The page's evaluation (`evaluate_rows` against `ui.data.catalog(batch_discount=...)`), built once per
    distinct rows (`ui.data.shared`), so a rerun that changes nothing the rows depend on (a finance edit) runs no SLA
    simulation. `prices_key` names the catalog (evaluation date and price source): a new day or refreshed prices
    evaluate afresh."""
    evaluated = shared(_view_of, tuple(rows), batch_discount, capacity, guard, prices_key)
    totals = build_portfolio(evaluated.results, finance, capacity=capacity)  # what evaluate_rows totals with
    return dataclasses.replace(evaluated, portfolio=totals, finance=finance)
