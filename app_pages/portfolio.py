"""Portfolio & finance: every workflow's verdict and spend, totals, gross margin, projection and exports."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from costmodel.errors import problem_lines
from costmodel.finance import MARGIN_MODE_LABELS
from reports.view import with_ranges
from ui import charts, confirm, data, portfolio, state, tiles

KEY = state.PORTFOLIO_WIDGET.format

st.title("Portfolio & finance")
st.caption(
    "What does batch save across the portfolio? Edit the workflows below (add or delete rows); each row gets "
    "its verdict and spend, and the totals feed the gross margin and a 12-month projection."
)

top_left, top_right = st.columns([3, 1], vertical_alignment="bottom")
with top_right:
    confirm.ask(
        "Load the field portfolio",
        key=KEY("load_field"),
        question="Replace this table and its finance inputs with the field portfolio?",
        confirm="Replace the table",
        on_confirm=lambda: (state.clear_uncertainty(), state.set_scenario(data.presets()["portfolio"])),
        icon=":material/playlist_add:",
        help="Pre-merge check, nightly test generation, weekly security audit, overnight report, "
        "contract review, claims triage and support analytics, with finance figures. Asks first.",
    )
first_visit = portfolio.FORM.source() is None
shared = portfolio.FORM.take_link()
if shared is not None:
    state.set_scenario(shared)  # a shared link wins over the session's scenario
scenario = state.get_scenario()

frame, base = portfolio.prepare_table(st.session_state, scenario)
top_left.text_input(
    "Scenario name",
    max_chars=portfolio.NAME_MAX_CHARS,
    key=portfolio.NAME_KEY,
    help="Rename the scenario: the downloads and the saved scenario are named after it.",
)
name, name_problem = portfolio.scenario_name_from_widget(st.session_state.get(portfolio.NAME_KEY))
if name_problem:
    top_left.error(name_problem, icon=":material/error:")
if scenario.description:
    top_left.caption(scenario.description)
catalog = data.catalog(batch_discount=scenario.batch_discount)
model_ids = list(dict.fromkeys([*catalog.ids(), *(w.model for w in base)]))
edited = st.data_editor(
    frame,
    num_rows="dynamic",
    key=portfolio.EDITOR_KEY,
    column_config=portfolio.editor_column_config(model_ids),
    width="stretch",
)
rows = portfolio.table_rows(st.session_state, edited, base)

results_area = st.container()

st.subheader("Gross margin and projection")
k = portfolio.FINANCE_KEYS
# One horizontal row, not five columns: one block instead of six on every rerun (Streamlit's per-block cost).
finance_row = st.container(horizontal=True)
finance_row.number_input(
    "Revenue [$/month]", min_value=0.0, step=10_000.0, format="%.0f", key=k["revenue"], help="0 = no margin view."
)
finance_row.number_input(
    "COGS [$/month]",
    min_value=0.0,
    step=1_000.0,
    format="%.0f",
    key=k["cogs"],
    help="Cost of goods sold, inference included.",
)
finance_row.number_input(
    "Inference COGS [$/month]",
    min_value=0.0,
    step=1_000.0,
    format="%.0f",
    value=None,
    key=k["inference"],
    placeholder="portfolio all-sync spend",
    help="Empty = the portfolio's all-sync spend.",
)
finance_row.number_input("Volume growth [%/month]", min_value=-50.0, max_value=500.0, step=1.0, key=k["growth_percent"])
finance_row.number_input("Months", min_value=1, max_value=60, step=1, key=k["months"])
try:
    finance = portfolio.finance_from_widgets(st.session_state)  # the form's finance fields, validated
except ValidationError as exc:
    st.error("; ".join(problem_lines(exc)) + ". Showing the last valid finance inputs.", icon=":material/error:")
    finance = scenario.finance
st.radio(
    "Gross-margin mode",
    options=list(MARGIN_MODE_LABELS),
    format_func=MARGIN_MODE_LABELS.__getitem__,
    key=k["margin_mode"],
    horizontal=True,
    help="Modelled (default): COGS falls by the dollars this portfolio saves. Share of inference: the portfolio's "
    "savings share applied to all inference COGS, an extrapolation to spend the portfolio did not model.",
)
capacity = portfolio.capacity_from_widget(st.session_state.get(portfolio.TIER_KEY), scenario.capacity)

portfolio.remember(st.session_state, edited)
view = portfolio.evaluate_rows_cached(
    rows,
    finance,
    batch_discount=scenario.batch_discount,
    capacity=capacity,
    guard=scenario.deadline_guard,
    prices_key=catalog.source.label(),
)
totals = view.portfolio
held = {i: state.get_uncertainty(i) for i in range(len(scenario.workflows))}
uncertain, dropped = portfolio.uncertain_workflows(view.results, scenario, held)
ranges = portfolio.portfolio_ranges_cached(uncertain, view.results, finance, scenario.batch_discount)
edited_scenario = portfolio.edited_scenario(scenario, rows, finance, name=name, capacity=capacity)
kept = portfolio.kept_scenario(
    scenario, edited_scenario, finance, name=name, capacity=capacity, table_complete=not view.problems
)
# The one write-back rule: what is valid is the scenario at once (other pages, Save) and goes into the link.
# Writing the URL on a session's very first run of a deep link makes Streamlit show a spurious "Page not found"
# dialog (streamlit#9992), so an untouched page waits for the first change.
portfolio.keep(kept, link=shared is not None or not first_visit)

with results_area:
    if view.problems:
        st.error(
            "Left out of the totals until fixed:\n\n"
            + "\n".join(f"- {p}" for p in view.problems)
            + "\n\nUntil then the scenario (the other pages, *Save scenario*) and this page's link keep the last "
            "complete table.",
            icon=":material/error:",
        )
    elif edited_scenario is None:
        st.info("The table is empty: the scenario keeps its last workflows until you add a row.")
    st.dataframe(
        portfolio.results_table(view),
        column_config=portfolio.results_column_config(),
        hide_index=True,
        key=KEY("results"),
    )
    tiles.rows(portfolio.total_tiles(totals), per_row=None)  # one row that wraps: one block, not rows of columns
    if ranges is not None:
        st.caption(
            f"**P10–P90** over the uncertain inputs ({ranges.draws:,} draws, each row on its verdict): "
            + "; ".join(portfolio.range_lines(ranges))
            + "."
        )
    if dropped:
        st.caption(
            "Uncertain inputs not applied to rows edited away from them: " + ", ".join(dropped) + " (point figures)."
        )

if totals.margin is None:
    st.info("Enter monthly revenue to see the gross-margin impact.")
else:
    tiles.rows(portfolio.margin_tiles(totals.margin), per_row=None)
    st.caption(f"Margin mode: {totals.margin.mode_label}. {totals.margin.formula}.")
    margin_range = None if ranges is None else portfolio.margin_range_line(ranges)
    if margin_range:
        st.caption(margin_range + ".")
charts.show(portfolio.projection_figure, portfolio.projection_points(totals.projection), key=KEY("projection"))
if ranges is not None:
    charts.show(portfolio.fan_figure, portfolio.fan_points(ranges), ranges.draws, key=KEY("projection_fan"))

st.subheader("Capacity: tier, shared queue and spend cap")
st.selectbox(
    "Rate-limit tier",
    options=portfolio.tier_options(scenario.capacity),
    format_func=lambda t: "not given (checked against scale, the largest)" if t == portfolio.TIER_NOT_GIVEN else t,
    key=portfolio.TIER_KEY,
    help="The organisation's usage tier: its batch processing-queue limit is shared by every batch workflow, "
    "and its monthly spend cap pauses the whole API when reached.",
)
portfolio.show_capacity(totals)

st.subheader("Exports")
today = data.today()
exported = with_ranges(view, ranges)  # the downloads carry the P10–P90 shown above and the uncertain inputs
stem = portfolio.scenario_name(kept.name, today)
st.caption(
    f"Files are named after the scenario: `{stem}.*`. The CSV opens as is in a spreadsheet or pandas; its "
    f"assumptions are in the sidecar text file, on their own sheet in Excel, and in both reports. "
    f"Prices: {view.price_source.label()}."
)
EXPORTS = (  # label, builder, file name, mime, icon, key: built only when clicked
    ("Download CSV", portfolio.export_csv, f"{stem}.csv", "text/csv", ":material/download:", KEY("csv")),
    ("Download CSV assumptions (text)", portfolio.export_assumptions, f"{stem}-assumptions.txt", "text/plain",
     ":material/notes:", KEY("csv_notes")),
    ("Download Excel", portfolio.export_excel, f"{stem}.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ":material/table:", KEY("xlsx")),
    ("Download report (HTML, printable)", portfolio.export_report_html, f"{stem}.html", "text/html", ":material/print:",
     KEY("html")),
    ("Download report (Markdown)", portfolio.export_report_markdown, f"{stem}.md", "text/markdown",
     ":material/description:", KEY("report")),
)  # fmt: skip
exports_row = st.container(horizontal=True)
for label, build, file_name, mime, icon, key in EXPORTS:
    exports_row.download_button(
        label,
        lambda build=build: build(exported, generated=today),
        file_name=file_name,
        mime=mime,
        on_click="ignore",
        icon=icon,
        key=key,
    )
assumptions = st.expander("Assumptions and price source", key=KEY("assumptions"), on_change="rerun")
if assumptions.open:  # built only while open (a closed expander runs nothing)
    assumptions.markdown("\n".join(f"- {line}" for line in portfolio.export_header(view, generated=today)[2:]))
