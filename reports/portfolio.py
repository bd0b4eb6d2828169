"""Portfolio and finance exports: CSV (+ assumptions sidecar), Excel, Markdown and a printable HTML report.

Board-ready: plain column headers with units, money rounded to the cent, a totals row, and the assumptions
kept apart from the table (a `-assumptions.txt` sidecar for CSV, their own sheet in Excel), so
`pandas.read_csv` opens the CSV as is. Cash and the economic cost of waiting are separate columns, each
labelled; the two annual figures carry the labels of `costmodel.finance`. Every text cell is neutralised
by `reports.safe` (no export can run a formula). Pure: the date comes in, bytes and text go out.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from costmodel.cost import FORMULAS, MONTHS_PER_YEAR
from costmodel.finance import GROSS_MARGIN_FORMULA, LABEL_12X_THIS_MONTH, LABEL_NEXT_12_MONTHS
from costmodel.formatting import NONE, per_month, share, usd
from costmodel.uncertainty import Range
from reports.safe import csv_text, safe_cell
from reports.view import PortfolioView

__all__ = [
    "EXPORT_COLUMNS",
    "RANGE_COLUMNS",
    "Column",
    "export_assumptions",
    "export_csv",
    "export_excel",
    "export_header",
    "export_report_html",
    "export_report_markdown",
    "headline",
    "headline_ranges",
    "scenario_name",
    "table_records",
    "uncertain_input_rows",
]

Kind = Literal["text", "number", "usd", "share"]


@dataclass(frozen=True)
class Column:
    """One column of the finance table."""

    key: str
    """Record key (snake_case, units in the name)."""
    header: str
    """Plain header, units in brackets."""
    kind: Kind
    """How the cell is written: text, number, money [USD] or share (0–1)."""
    note: str = ""
    """What the column means, for the assumptions (empty: the header says it all)."""


EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("row", "Row", "number"),
    Column("workflow", "Workflow", "text"),
    Column("model", "Model", "text"),
    Column("requests_per_month", "Requests / month", "number"),
    Column("input_tokens", "Input tokens / request", "number"),
    Column("output_tokens", "Output tokens / request", "number"),
    Column("success_rate", "First-pass success (share)", "share"),
    Column("sla_hours", "SLA (hours)", "number"),
    Column("sla_kind", "SLA kind", "text"),
    Column("verdict", "Verdict", "text", "sync, batch or hybrid (the urgent share stays sync)"),
    Column("sync_cost_per_month_usd", "Sync spend / month (USD)", "usd", "cash if everything runs sync"),
    Column(
        "batch_cost_per_month_usd",
        "Batch spend / month, cash (USD)",
        "usd",
        "cash if everything runs by batch: tokens, resubmissions of failures, overheads; waiting excluded",
    ),
    Column("planned_cost_per_month_usd", "Planned spend / month, cash (USD)", "usd", "cash under the verdict"),
    Column("savings_per_month_usd", "Cash savings / month (USD)", "usd", "sync spend − planned spend"),
    Column(
        "waiting_cost_per_month_usd",
        "Waiting cost / month, not cash (USD)",
        "usd",
        "economic cost of waiting for results under the verdict; never paid to Anthropic",
    ),
    Column(
        "net_benefit_per_month_usd",
        "Net benefit / month (USD)",
        "usd",
        "cash savings − waiting cost: what the verdict weighs",
    ),
    Column(
        "savings_per_year_usd",
        f"Cash savings / year, {LABEL_12X_THIS_MONTH} (USD)",
        "usd",
        f"{LABEL_12X_THIS_MONTH}: 12 × the monthly cash savings at today's volume",
    ),
    Column("reason", "Why", "text"),
    Column("problems", "Problems", "text", "why an invalid row is left out of the totals"),
)
"""Columns of the CSV and Excel table, in order."""

RANGE_COLUMNS: tuple[Column, ...] = (
    *(
        Column(
            f"batch_savings_{q}_usd",
            f"Batch savings / month, {q.upper()} (USD)",
            "usd",
            f"sync spend − batch spend (everything by batch), {q.upper()} over the uncertain inputs; "
            "percentiles do not add, so the Total line leaves it empty (the portfolio's range is in the headline)",
        )
        for q in ("p10", "p50", "p90")
    ),
    *(
        Column(
            f"savings_{q}_usd",
            f"Cash savings / month, {q.upper()} (USD)",
            "usd",
            f"sync spend − planned spend under the verdict (rescues included), {q.upper()} over the uncertain inputs; "
            "the Total line leaves it empty (percentiles do not add)",
        )
        for q in ("p10", "p50", "p90")
    ),
    Column("probability_batch_saves", "P(batch saves) (share)", "share", "share of draws where batch costs less"),
)
"""Columns appended to the table when the inputs carry distributions (none for point inputs)."""

_MONEY_FORMAT = '"$"#,##0.00'
_SHARE_FORMAT = "0.0%"


def _unique(lines: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(lines))


def scenario_name(name: str, generated: date) -> str:
    """File stem for downloads and `export`: `field-portfolio-2026-11-21`, the scenario's name made file-safe."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"{safe or 'portfolio'}-{generated.isoformat()}"


def headline(view: PortfolioView) -> list[tuple[str, float | str, Kind]]:
    """The headline figures every export states: (label, value, kind), cash and waiting named apart."""
    p = view.portfolio
    net_benefit_usd = p.savings_per_month_usd - p.waiting_cost_per_month_usd
    figures: list[tuple[str, float | str, Kind]] = [
        ("All-sync spend, cash [USD/month]", p.sync_cost_per_month_usd, "usd"),
        ("Planned spend, cash (each workflow on its verdict) [USD/month]", p.planned_cost_per_month_usd, "usd"),
        ("Cash savings [USD/month]", p.savings_per_month_usd, "usd"),
        ("Savings share of all-sync spend", p.savings_share, "share"),
        ("Cost of waiting, economic, not cash [USD/month]", p.waiting_cost_per_month_usd, "usd"),
        ("Net benefit: cash savings − cost of waiting [USD/month]", net_benefit_usd, "usd"),
        (f"Cash savings per year, {LABEL_12X_THIS_MONTH} [USD]", p.savings_per_year_usd, "usd"),
        (f"Cash savings, {LABEL_NEXT_12_MONTHS} [USD]", p.savings_next_12_months_usd, "usd"),
    ]
    if p.margin is not None:
        m = p.margin
        figures += [
            ("Revenue [USD/month]", m.revenue_per_month_usd, "usd"),
            ("COGS now [USD/month]", m.cogs_before_usd, "usd"),
            ("COGS with the plan [USD/month]", m.cogs_after_usd, "usd"),
            ("Gross margin now", m.gross_margin_before, "share"),
            ("Gross margin with the plan", m.gross_margin_after, "share"),
            ("Gross-margin mode", m.mode_label, "text"),
            ("Gross-margin formula", m.formula, "text"),
        ]
    return figures


def headline_ranges(view: PortfolioView) -> dict[str, tuple[Range, Kind]]:
    """P10/P50/P90 of the headline figures that have one, by `headline` label (empty for point inputs)."""
    r = view.ranges
    if r is None:
        return {}
    found: dict[str, tuple[Range, Kind]] = {
        "All-sync spend, cash [USD/month]": (r.sync_cost_per_month_usd, "usd"),
        "Planned spend, cash (each workflow on its verdict) [USD/month]": (r.planned_cost_per_month_usd, "usd"),
        "Cash savings [USD/month]": (r.savings_per_month_usd, "usd"),
        f"Cash savings per year, {LABEL_12X_THIS_MONTH} [USD]": (r.savings_per_year_usd, "usd"),
    }
    if len(r.projection) >= 12:
        found[f"Cash savings, {LABEL_NEXT_12_MONTHS} [USD]"] = (r.projection[11].cumulative_savings_usd, "usd")
    if r.gross_margin_after is not None:
        found["Gross margin with the plan"] = (r.gross_margin_after, "share")
    return found


def _interval(spread: Range, kind: Kind) -> str:
    """`P10–P90: $a – $b` (`–` where a percentile does not exist)."""
    ends = [NONE if v is None else _figure_text(v, kind) for v in (spread.p10, spread.p90)]
    return f"P10–P90: {ends[0]} – {ends[1]}"


def _ranges_intro(view: PortfolioView) -> list[str]:
    """What the ranges are and the plan's chance of saving, in words (empty for point inputs)."""
    r = view.ranges
    if r is None:
        return []
    lines = [
        f"Ranges: P10 / P50 / P90 over the uncertain inputs ({r.draws:,} draws per workflow, seed {r.seed}; "
        "each workflow stays on its verdict)",
        f"The plan saves cash in {share(r.probability_portfolio_saves)} of draws",
    ]
    if r.monthly_growth is not None:
        lines.append(f"Monthly growth: {r.monthly_growth}")
    return lines


def uncertain_input_rows(view: PortfolioView) -> list[dict[str, Any]]:
    """Each workflow's uncertain inputs: workflow, input in words, field, distribution in words, its short JSON form
    and the P10/P50/P90 drawn (empty for point inputs)."""
    if view.ranges is None:
        return []
    return [
        {
            "workflow": w.workflow_name,
            "input": i.label,
            "field": i.field,
            "distribution": i.distribution,
            "json": json.dumps(i.json_value),
            "drawn": i.drawn,
        }
        for w in view.ranges.workflows
        for i in w.uncertain_inputs
    ]


def _uncertain_lines(view: PortfolioView) -> list[str]:
    return [f"{u['workflow']}: {u['input']}: {u['distribution']}" for u in uncertain_input_rows(view)]


def _figure_text(value: float | str, kind: Kind) -> str:
    if isinstance(value, str):
        return value
    return usd(value) if kind == "usd" else share(value) if kind == "share" else f"{value:,.2f}"


def export_header(view: PortfolioView, *, generated: date) -> list[str]:
    """The assumption lines every export carries: date, price source, finance, cash vs waiting, per workflow."""
    f = view.finance
    inference = (
        usd(f.inference_cogs_per_month_usd)
        if f.inference_cogs_per_month_usd is not None
        else "the portfolio's all-sync spend"
    )
    margin = view.portfolio.margin
    lines = [
        "Batch Planner: portfolio and finance",
        f"Generated: {generated.isoformat()}",
        f"Price source: {view.price_source.label()}",
        f"Revenue: {per_month(f.revenue_per_month_usd)}; COGS: {per_month(f.cogs_per_month_usd)}; "
        f"inference COGS: {inference}",
        f"Volume growth: {share(f.monthly_growth)} per month over {f.projection_months} months; "
        "fixed overheads do not grow",
        "Spend and savings are cash (what Anthropic bills plus overheads); the cost of waiting is an economic "
        "cost, not cash, shown apart; net benefit = cash savings − cost of waiting",
        f"Annual figures: '{LABEL_12X_THIS_MONTH}' = 12 × this month's cash savings; "
        f"'{LABEL_NEXT_12_MONTHS}' = the next 12 months' cash savings at the growth entered",
    ]
    if margin is not None:
        lines.append(f"Gross-margin mode: {margin.mode_label}; {margin.formula}")
    lines.append("Verdicts: sync, batch or hybrid (urgent share sync); planned spend follows the verdict")
    for result in view.results:
        name = result.comparison.workflow_name
        lines += [f"{name}: {a}" for a in result.comparison.assumptions if not a.startswith("model ")]
        lines.append(f"{name}: model {result.comparison.model_id}")
        if result.sla is not None:
            lines.append(f"{name}: SLA plan: {result.sla.reason}")
    sla_assumptions = _unique([a for r in view.results if r.sla is not None for a in r.sla.assumptions])
    lines += [f"SLA model: {a}" for a in sla_assumptions]
    lines += [f"Left out (invalid): {p}" for p in view.problems]
    return _unique(lines)


def table_records(view: PortfolioView) -> list[dict[str, Any]]:
    """The finance table: one record per row (keys of `EXPORT_COLUMNS`), money rounded to the cent [USD]."""
    rows = iter(view.portfolio.rows)  # portfolio rows follow the valid outcomes in order
    spreads = iter(view.ranges.workflows if view.ranges is not None else ())  # so do the ranges
    records = []
    for position, outcome in enumerate(view.outcomes):
        record: dict[str, Any] = {"row": position + 1, "workflow": outcome.name}
        record["problems"] = "; ".join(outcome.problems)
        if outcome.result is None:
            record["verdict"] = "invalid"
        else:
            w, row = outcome.result.workflow, next(rows)
            record.update(
                workflow=row.name,
                model=row.model_id,
                requests_per_month=round(row.requests_per_month, 2),
                input_tokens=w.input_tokens,
                output_tokens=w.output_tokens,
                success_rate=w.success_rate,
                sla_hours=w.sla.sla_hours if w.sla else None,
                sla_kind=w.sla.kind if w.sla else None,
                verdict=row.verdict,
                sync_cost_per_month_usd=row.sync_cost_per_month_usd,
                batch_cost_per_month_usd=row.batch_cost_per_month_usd,
                planned_cost_per_month_usd=row.planned_cost_per_month_usd,
                savings_per_month_usd=row.savings_per_month_usd,
                waiting_cost_per_month_usd=row.waiting_cost_per_month_usd,
                net_benefit_per_month_usd=row.savings_per_month_usd - row.waiting_cost_per_month_usd,
                savings_per_year_usd=row.savings_per_month_usd * MONTHS_PER_YEAR,
                reason=row.reason,
            )
        spread = next(spreads, None) if outcome.result is not None else None
        if spread is not None:
            savings = spread.net_savings_per_month_usd
            record.update(
                batch_savings_p10_usd=savings.p10,
                batch_savings_p50_usd=savings.p50,
                batch_savings_p90_usd=savings.p90,
                probability_batch_saves=spread.probability_batch_saves,
            )
            planned = spread.planned_savings_per_month_usd
            if planned is not None:
                record.update(savings_p10_usd=planned.p10, savings_p50_usd=planned.p50, savings_p90_usd=planned.p90)
        for column in (*EXPORT_COLUMNS, *RANGE_COLUMNS):
            if column.kind == "usd" and record.get(column.key) is not None:
                record[column.key] = round(record[column.key], 2) + 0.0  # no "-0.0"
        records.append(record)
    return records


def _totals(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The totals record: the sum of each money column's rounded cells, as the Excel formulas compute it."""
    totals: dict[str, Any] = {"workflow": "Total"}
    for column in EXPORT_COLUMNS:
        if column.kind == "usd":
            totals[column.key] = round(sum(r.get(column.key) or 0.0 for r in records), 2) + 0.0
    return totals


def _columns(view: PortfolioView) -> tuple[Column, ...]:
    """The table's columns: the range columns follow when the inputs carry distributions."""
    return EXPORT_COLUMNS if view.ranges is None else (*EXPORT_COLUMNS, *RANGE_COLUMNS)


def export_csv(view: PortfolioView, *, generated: date) -> str:
    """The finance table as CSV: one header line, one line per row, a `Total` line; nothing else.

    With distributions, P10/P50/P90 columns follow (empty on the Total line). The assumptions go in the sidecar
    (`export_assumptions`); `generated` is taken for a uniform signature.
    """
    del generated
    records = table_records(view)
    lines = [*records, _totals(records)] if records else []
    columns = _columns(view)
    return csv_text([c.header for c in columns], [[r.get(c.key) for c in columns] for r in lines])


def export_assumptions(view: PortfolioView, *, generated: date) -> str:
    """The CSV's sidecar (`<name>-assumptions.txt`): headline figures, what each column means, the assumptions."""
    header = export_header(view, generated=generated)
    lines = [*header[:3], "", "Headline"]
    spreads = headline_ranges(view)
    lines += [
        f"  {label}: {_figure_text(value, kind)}"
        + (f" ({_interval(spreads[label][0], spreads[label][1])})" if label in spreads else "")
        for label, value, kind in headline(view)
    ]
    if view.ranges is not None:
        lines += ["", "Ranges"] + [f"  {line}" for line in _ranges_intro(view)]
        lines += ["", "Uncertain inputs"] + [f"  {line}" for line in _uncertain_lines(view)]
    lines += ["", "Columns"]
    lines += [f"  {c.header}: {c.note}" for c in _columns(view) if c.note]
    lines += ["  Total: the sum of each money column's rounded cells", "", "Assumptions"]
    lines += [f"  {line}" for line in header[3:]]
    return "\n".join(lines) + "\n"


def _deterministic_zip(data: bytes, generated: date) -> bytes:
    """The workbook's zip with every timestamp set to `generated`, so equal inputs give equal bytes."""
    stamp = (generated.year, generated.month, generated.day, 0, 0, 0)
    iso = f"{generated.isoformat()}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), content)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=stamp), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _range_row(label: str, spread: Range, kind: Kind) -> list[Any]:
    values = [None if v is None else round(v, 2) if kind == "usd" else v for v in (spread.p10, spread.p50, spread.p90)]
    return [safe_cell(label), *values]


def _range_sheets(book: Any, view: PortfolioView) -> list[Any]:
    """The workbook's "Ranges" (P10/P50/P90 of the totals, each workflow and the projection) and "Uncertain inputs"
    (each distribution in words and in its JSON form, with what was drawn) sheets."""
    r = view.ranges
    assert r is not None
    sheet = book.create_sheet("Ranges")
    sheet.append(["Figure", "P10", "P50", "P90"])
    formats: list[Kind] = []
    for label, (spread, kind) in headline_ranges(view).items():
        sheet.append(_range_row(label, spread, kind))
        formats.append(kind)
    for w in r.workflows:
        rows: list[tuple[str, Range, Kind]] = [
            (f"{w.workflow_name}: batch savings (all by batch) [USD/month]", w.net_savings_per_month_usd, "usd"),
            (f"{w.workflow_name}: net benefit (all by batch) [USD/month]", w.net_benefit_per_month_usd, "usd"),
            (f"{w.workflow_name}: cost of waiting (all by batch, not cash) [USD/month]",
             w.waiting_cost_per_month_usd, "usd"),
            (f"{w.workflow_name}: break-even first-pass success", w.break_even_success_rate, "share"),
        ]
        if w.planned_savings_per_month_usd is not None:
            rows.append((f"{w.workflow_name}: planned savings (under the verdict) [USD/month]",
                         w.planned_savings_per_month_usd, "usd"))  # fmt: skip
        if w.miss_probability is not None:
            rows.append((f"{w.workflow_name}: P(miss SLA)", w.miss_probability, "share"))
        for label, spread, kind in rows:
            sheet.append(_range_row(label, spread, kind))
            formats.append(kind)
    for m in r.projection:
        sheet.append(_range_row(f"Month {m.month}: cumulative cash savings [USD]", m.cumulative_savings_usd, "usd"))
        formats.append("usd")
    for row, kind in enumerate(formats, start=2):
        for column in (2, 3, 4):
            sheet.cell(row=row, column=column).number_format = _MONEY_FORMAT if kind == "usd" else _SHARE_FORMAT
    for line in _ranges_intro(view):
        sheet.append([safe_cell(line)])
    sheet.column_dimensions["A"].width = 70
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 16

    inputs = book.create_sheet("Uncertain inputs")
    inputs.append(["Workflow", "Input", "Field", "Distribution", "Scenario-file form (JSON)", "Drawn P10",
                   "Drawn P50", "Drawn P90"])  # fmt: skip
    for u in uncertain_input_rows(view):
        drawn = u["drawn"]
        inputs.append([safe_cell(u["workflow"]), u["input"], u["field"], safe_cell(u["distribution"]),
                       safe_cell(u["json"]), drawn.p10, drawn.p50, drawn.p90])  # fmt: skip
    for letter, width in zip("ABCDE", (26, 30, 22, 50, 40), strict=True):
        inputs.column_dimensions[letter].width = width
    return [sheet, inputs]


def export_excel(view: PortfolioView, *, generated: date) -> bytes:
    """An .xlsx workbook: Portfolio (table, live `=SUM` totals), Summary, Projection, Assumptions; with
    distributions also Ranges and Uncertain inputs (before Assumptions) and P10/P50/P90 columns in the table.

    Money cells carry a dollar format, shares a percent format; the header row is frozen and bold.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    book = Workbook()
    table = book.active
    table.title = "Portfolio"
    columns = _columns(view)
    table.append([c.header for c in columns])
    records = table_records(view)
    for record in records:
        table.append([safe_cell(record.get(c.key)) for c in columns])
    last = len(records) + 1
    if records:
        total_row = last + 1
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            if column.key == "workflow":
                table.cell(row=total_row, column=index, value="Total").font = bold
            elif column.kind == "usd" and column in EXPORT_COLUMNS:  # percentiles do not add
                cell = table.cell(row=total_row, column=index, value=f"=SUM({letter}2:{letter}{last})")
                cell.font = bold
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = table.cell(row=1, column=index)
        head.font = bold
        head.alignment = Alignment(wrap_text=True, vertical="top")
        width = {"text": 22, "number": 12, "usd": 16, "share": 12}[column.kind]
        table.column_dimensions[letter].width = 60 if column.key in ("reason", "problems") else width
        fmt = _MONEY_FORMAT if column.kind == "usd" else _SHARE_FORMAT if column.kind == "share" else None
        if fmt:
            for row in range(2, table.max_row + 1):
                table.cell(row=row, column=index).number_format = fmt
    table.row_dimensions[1].height = 45
    table.freeze_panes = "C2"

    summary = book.create_sheet("Summary")
    summary.append(["Figure", "Value"])
    for label, value, kind in headline(view):
        summary.append([safe_cell(label), round(value, 2) if isinstance(value, float) and kind == "usd" else
                        safe_cell(value)])  # fmt: skip
        if kind in ("usd", "share"):
            fmt = _MONEY_FORMAT if kind == "usd" else _SHARE_FORMAT
            summary.cell(row=summary.max_row, column=2).number_format = fmt
    summary.column_dimensions["A"].width = 62
    summary.column_dimensions["B"].width = 40

    projection = book.create_sheet("Projection")
    projection.append(["Month", "Sync spend (USD)", "Planned spend (USD)", "Cash savings (USD)",
                       "Cumulative cash savings (USD)"])  # fmt: skip
    for m in view.portfolio.projection:
        money = (m.sync_cost_usd, m.planned_cost_usd, m.savings_usd, m.cumulative_savings_usd)
        projection.append([m.month, *(round(v, 2) for v in money)])
    for row in projection.iter_rows(min_row=2, min_col=2):
        for cell in row:
            cell.number_format = _MONEY_FORMAT
    for letter in "BCDE":
        projection.column_dimensions[letter].width = 26

    sheets = [summary, projection]
    if view.ranges is not None:
        sheets += _range_sheets(book, view)

    assumptions = book.create_sheet("Assumptions")
    assumptions.append(["Assumption"])
    for line in export_header(view, generated=generated):
        assumptions.append([safe_cell(line)])
    assumptions.column_dimensions["A"].width = 140
    for sheet in (*sheets, assumptions):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = bold

    book.properties.creator = "Batch Planner"
    out = io.BytesIO()
    book.save(out)
    return _deterministic_zip(out.getvalue(), generated)


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def export_report_markdown(view: PortfolioView, *, generated: date) -> str:
    """A one-page report for finance: headline figures, margin, the table, then assumptions and sources."""
    lines = [
        "# Batch Planner: portfolio report",
        "",
        f"Generated {generated.isoformat()}. Prices: {view.price_source.label()}.",
        "",
        "## Headline",
        "",
    ]
    spreads = headline_ranges(view)
    lines += [
        f"- {label}: **{_md_cell(_figure_text(value, kind))}**"
        + (f" ({_md_cell(_interval(*spreads[label]))})" if label in spreads else "")
        for label, value, kind in headline(view)
    ]
    lines += [f"- {_md_cell(line)}" for line in _ranges_intro(view)]
    if view.portfolio.projection:
        last = view.portfolio.projection[-1]
        lines.append(
            f"- Over {len(view.portfolio.projection)} months at {share(view.finance.monthly_growth)} growth per month: "
            f"{usd(last.cumulative_savings_usd)} cumulative cash savings"
        )
    lines += [
        "",
        "## Workflows",
        "",
        "| # | Workflow | Verdict | Sync $/month | Planned $/month (cash) | Cash savings $/month "
        "| Waiting $/month (not cash) | Why |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for record in table_records(view):
        if record["verdict"] == "invalid":
            lines.append(
                f"| {record['row']} | {_md_cell(record['workflow'])} | invalid | | | | | "
                f"{_md_cell(record['problems'])} |"
            )
        else:
            lines.append(
                f"| {record['row']} | {_md_cell(record['workflow'])} | {record['verdict']} | "
                f"{usd(record['sync_cost_per_month_usd'])} | {usd(record['planned_cost_per_month_usd'])} | "
                f"{usd(record['savings_per_month_usd'])} | {usd(record['waiting_cost_per_month_usd'])} | "
                f"{_md_cell(record['reason'])} |"
            )
    if view.ranges is not None:
        lines += ["", "## Uncertain inputs", ""] + [f"- {_md_cell(line)}" for line in _uncertain_lines(view)]
    lines += ["", "## Assumptions and sources", ""]
    lines += [f"- {_md_cell(line)}" for line in export_header(view, generated=generated)[2:]]
    lines += ["", _FORMULAS, ""]
    return "\n".join(lines)


_FORMULAS = "Formulas: " + "; ".join((*FORMULAS, GROSS_MARGIN_FORMULA)) + "."
"""The core's formulas (`costmodel.cost.FORMULAS`) and the gross margin's, as the reports state them."""

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1a1a1a;max-width:190mm;margin:12mm auto;
font-size:10.5pt}
h1{font-size:17pt;margin:0 0 2mm}h2{font-size:12.5pt;margin:5mm 0 2mm;border-bottom:1px solid #ccc}
.meta{color:#555;margin:0 0 3mm}table{border-collapse:collapse;width:100%}td,th{padding:1mm 2mm;text-align:left;
vertical-align:top;border-bottom:1px solid #eee}td.n{text-align:right;white-space:nowrap}
table.kv th{width:58%;font-weight:normal}table.kv td.n{font-weight:bold}
.bar{height:3.2mm;display:block}.sync{background:#9aa5b1}.plan{background:#2e7d32}
ul.a{font-size:8.5pt;color:#333;columns:2;column-gap:8mm;padding-left:4mm}
@media print{body{margin:0 auto}@page{size:A4;margin:12mm}}
"""


def _projection_svg(view: PortfolioView) -> list[str]:
    """The projection as an inline SVG bar chart: cash savings per month [USD], bars below the line when negative."""
    months = view.portfolio.projection
    if not months:
        return []
    width, height, gap = 640.0, 120.0, 2.0
    top = max([m.savings_usd for m in months] + [0.0])
    bottom = min([m.savings_usd for m in months] + [0.0])
    span = (top - bottom) or 1.0
    zero = height * top / span
    bar = width / len(months)
    rects = [
        f'<rect x="{i * bar + gap / 2:.1f}" y="{zero - max(m.savings_usd, 0.0) * height / span:.1f}" '
        f'width="{bar - gap:.1f}" height="{abs(m.savings_usd) * height / span:.1f}" fill="#2e7d32">'
        f"<title>month {m.month}: {usd(m.savings_usd)}</title></rect>"
        for i, m in enumerate(months)
    ]
    growth = view.finance.monthly_growth
    return [
        f"<h2>Cash savings per month, next {len(months)} months at {share(growth)} growth [USD]</h2>",
        f'<svg role="img" aria-label="cash savings per month" viewBox="0 0 {width:.0f} {height + 16:.0f}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        *rects,
        f'<line x1="0" x2="{width:.0f}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#555" stroke-width="0.5"/>',
        f'<text x="0" y="{height + 13:.0f}" font-size="10">month 1</text>',
        f'<text x="{width:.0f}" y="{height + 13:.0f}" font-size="10" text-anchor="end">month {len(months)}: '
        f"{usd(months[-1].savings_usd)}; cumulative {usd(months[-1].cumulative_savings_usd)}</text>",
        "</svg>",
    ]


def export_report_html(view: PortfolioView, *, generated: date) -> str:
    """A one-page printable HTML report for a CFO: headline figures, a bar chart (sync vs planned spend per
    workflow, table-based, no script), the assumptions, the price source and the date."""
    esc = html.escape
    title = "Batch Planner: portfolio report"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">Generated {generated.isoformat()} · Prices: {esc(view.price_source.label())}</p>',
        '<h2>Headline</h2><table class="kv">',
    ]
    spreads = headline_ranges(view)
    for label, value, kind in headline(view):
        cell = "<td>" if kind == "text" else '<td class="n">'  # words wrap, figures do not
        spread = f'<td class="n">{esc(_interval(*spreads[label]))}</td>' if label in spreads else ""
        parts.append(f"<tr><th>{esc(label)}</th>{cell}{esc(_figure_text(value, kind))}</td>{spread}</tr>")
    parts.append("</table>")
    if view.ranges is not None:
        parts += [f'<p class="meta">{esc(line)}</p>' for line in _ranges_intro(view)]
        parts.append("<h2>Uncertain inputs</h2><ul>")
        parts += [f"<li>{esc(line)}</li>" for line in _uncertain_lines(view)]
        parts.append("</ul>")
    records = [r for r in table_records(view) if r["verdict"] != "invalid"]
    scale = max([r["sync_cost_per_month_usd"] for r in records] + [r["planned_cost_per_month_usd"] for r in records]
                + [0.0]) or 1.0  # fmt: skip
    parts.append(
        "<h2>Spend per workflow [USD/month]</h2><table><tr><th>Workflow</th><th>Verdict</th>"
        '<th style="width:45%">Sync (grey) vs planned cash (green)</th><th>Sync</th><th>Planned</th></tr>'
    )
    for r in records:
        sync_pct = 100 * r["sync_cost_per_month_usd"] / scale
        plan_pct = 100 * max(r["planned_cost_per_month_usd"], 0.0) / scale
        parts.append(
            f"<tr><td>{esc(r['workflow'])}</td><td>{esc(r['verdict'])}</td><td>"
            f'<span class="bar sync" style="width:{sync_pct:.1f}%"></span>'
            f'<span class="bar plan" style="width:{plan_pct:.1f}%"></span></td>'
            f'<td class="n">{usd(r["sync_cost_per_month_usd"])}</td>'
            f'<td class="n">{usd(r["planned_cost_per_month_usd"])}</td></tr>'
        )
    parts.append("</table>")
    parts += _projection_svg(view)
    if view.problems:
        parts.append("<h2>Left out of the totals</h2><ul>")
        parts += [f"<li>{esc(p)}</li>" for p in view.problems]
        parts.append("</ul>")
    parts.append('<h2>Assumptions and sources</h2><ul class="a">')
    parts += [f"<li>{esc(line)}</li>" for line in export_header(view, generated=generated)[2:]]
    parts += ["</ul>", f'<p class="meta">{esc(_FORMULAS)}</p>', "</body></html>", ""]
    return "\n".join(parts)
