"""Usage import: real usage in (samples, uploads, Admin API) → actual spend, batch what-if, plan vs actual."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from costmodel import formatting
from costmodel.scenario import ScenarioError, scenario_from_json
from costmodel.usage import UsageError, request_log_samples, scenario_from_usage
from costmodel.workflow import WorkflowError
from ui import charts, data, state, usage_figures, usage_load
from usageimport.analysis import analyze, default_as_of
from usageimport.report import day_label, groups_csv, plan_csv, usage_assumptions

st.title(":material/upload_file: Usage import")
st.caption(
    "Last month's bill, not a guess: import Anthropic usage and see per model and workflow what it cost, "
    "what the same standard-tier traffic would have cost on batch, and how the plan compares."
)
today = data.today()

# 1. where the usage comes from
injected = st.session_state.get(state.USAGE_PATHS)
if injected:
    st.info(f"Files: {', '.join(Path(p).name for p in injected)}", icon=":material/description:")
    loaded = usage_load.load_paths(injected)
else:
    source = st.radio("Usage from", ["Sample files", "Upload files", "Admin API"], horizontal=True, key="bp_usage_src")
    loaded = None
    if source == "Sample files":
        samples = {p.name: p for p in usage_load.sample_files()}
        # open on a month of request logs so a first visit shows what the page does
        first_visit = [n for n in samples if n.startswith("request_log") and n.endswith(".csv")][:1]
        picked = st.multiselect(
            "Sample exports (one per format)", list(samples), default=first_visit, key="bp_usage_samples"
        )
        loaded = usage_load.load_paths([samples[n] for n in picked]) if picked else None
    elif source == "Upload files":
        uploads = st.file_uploader(
            "Console usage/cost CSV, Admin API report JSON, or a request log (CSV/JSONL)",
            type=["csv", "json", "jsonl", "ndjson"],
            accept_multiple_files=True,
            key="bp_usage_uploads",
        )
        loaded = usage_load.load_uploads(uploads) if uploads else None
    else:
        usage_load.fetch_form(today)
        fetched = st.session_state.get(state.USAGE_FETCHED)
        loaded = usage_load.LoadedUsage(fetched, label="Admin API") if fetched is not None else None

if loaded is None:
    st.info("Pick a sample, upload your exports, or fetch from the Admin API to begin.", icon=":material/info:")
    st.stop()
for problem in loaded.problems:
    st.error(problem, icon=":material/error:")
if loaded.result is None:
    st.stop()
result = loaded.result
state.set_request_log_arrivals(result.request_quarters, label=loaded.label)  # the windows page's clock arrivals
columns = result.usage_columns()

# 2. what-if inputs → one validated model
with st.expander("Batch what-if assumptions", expanded=True, icon=":material/tune:"):
    assumptions = usage_load.assumption_widgets(columns.model_names, columns.tag_names)
if assumptions is None:
    st.stop()

# 3. one core call
as_of = default_as_of(result, today)
analysis = analyze(result, as_of=as_of, assumptions=assumptions, catalog=data.catalog(as_of, include_retired=True))
summary = analysis.summary

# 4. render
st.caption(
    f"Imported {', '.join(result.sources)}: {result.usage_rows:,} usage rows, {result.billed_rows:,} cost rows"
    + (f", {day_label(summary.first_day)} … {day_label(summary.last_day)}" if summary.first_day is not None else "")
)
if result.skipped_count:
    st.warning(f"{result.skipped_count:,} rows skipped: see why below.", icon=":material/warning:")
    with st.expander(f"Skipped rows ({result.skipped_count:,})"):
        st.dataframe(
            usage_figures.skipped_frame([(k.source, k.line, k.column, k.reason) for k in result.skipped]),
            hide_index=True,
        )
for name, rows in sorted(summary.unknown_models.items()):
    st.warning(f"Unknown model {name!r}: {rows:,} rows not priced and not in the totals.", icon=":material/help:")
if summary.fast_rows or summary.geo_rows:
    st.caption(
        f"Fast mode: {summary.fast_rows:,} rows at fast rates, never moved to batch · "
        f"inference_geo us: {summary.geo_rows:,} rows at 1.1× on tokens"
    )
for warning in analysis.warnings():  # what the import cannot know: tier unknown, unpriced fast/geo rows
    st.warning(warning, icon=":material/warning:")
if result.other_tier_values:
    st.info(
        "Other service tiers, priced at standard rates and never moved to batch: "
        + ", ".join(f"{k!r} ({v:,} rows)" for k, v in result.other_tier_values.items())
    )

total = summary.total
row = st.container(horizontal=True)  # the tiles in one block (st.columns(n) is n + 1)
usd, share = formatting.usd, formatting.share
row.metric("Actual spend", usd(total.actual_usd), help="catalog prices, each row at its own tier", border=True)
row.metric("Batch what-if", usd(total.whatif_usd), help="standard traffic moved to batch", border=True)
row.metric("Savings", usd(total.savings_usd), f"{share(total.savings_share)} of actual", border=True)
if total.billed_usd is not None:
    row.metric("Billed (cost report)", usd(total.billed_usd),
               f"{formatting.usd_change(total.billed_difference_usd)} vs catalog",
               delta_color="off", border=True)  # fmt: skip
else:
    row.metric("Already on batch", usd(total.batch_usd), help="never discounted again", border=True)
if summary.unknown_tier_rows:
    row.metric("Tier unknown", formatting.usd(summary.unknown_tier_usd),
               f"{formatting.share(summary.unknown_tier_share)} of spend", delta_color="off", border=True,
               help="rows with no service tier: priced at standard rates, not discounted, not moved")  # fmt: skip

# Lazy tabs: charts and tables draw only while their tab is open; the plan's inputs always run,
# since the exports tab needs the plan comparison
charts_tab, tables, plan_tab, exports = st.tabs(
    ["Charts", "Tables", "Plan vs actual", "Exports & scenario"], key="bp_usage_tab", on_change="rerun"
)
if charts_tab.open is not False:
    with charts_tab:
        charts.show(usage_figures.daily_spend_figure, summary, key="bp_usage_daily")
        charts.show(usage_figures.actual_vs_whatif_figure, summary, key="bp_usage_models")
if tables.open:
    with tables:
        st.subheader("Per model")
        st.dataframe(usage_figures.groups_frame([*summary.by_model, total]), hide_index=True)
        st.subheader("Per service tier")
        st.dataframe(usage_figures.groups_frame(summary.by_tier), hide_index=True)
        if summary.by_tag:
            st.subheader("Per workflow tag")
            st.dataframe(usage_figures.groups_frame(summary.by_tag), hide_index=True)
with plan_tab:
    plan_source = st.radio("Plan", ["Current planner scenario", "Scenario file"], horizontal=True, key="bp_usage_plan")
    plan = state.get_scenario()
    if plan_source == "Scenario file":
        upload = st.file_uploader("Scenario JSON", type=["json"], key="bp_usage_plan_file")
        plan = None
        if upload is not None:
            try:
                plan = scenario_from_json(upload.getvalue(), source=upload.name)
            except ScenarioError as exc:
                for line in exc.problems:
                    st.error(line)
    plan_rows = None
    if plan is not None:
        try:
            plan_rows = analysis.plan_vs_actual(plan.workflows)
        except (UsageError, WorkflowError) as exc:
            st.error(str(exc), icon=":material/error:")
    if plan_rows and plan_tab.open:
        st.caption(f"“{plan.name}” against the import, both per month; ⚠ = more than 20 % off.")  # type: ignore[union-attr]
        charts.show(usage_figures.plan_vs_actual_figure, tuple(plan_rows), key="bp_usage_plan_chart")
        st.dataframe(usage_figures.plan_frame(plan_rows), hide_index=True)
with exports:
    st.caption("The CSVs open as is in a spreadsheet or pandas; price source and assumptions are in the text file.")
    st.download_button("Totals (CSV)", lambda: groups_csv(analysis), "usage_totals.csv", "text/csv",
                       on_click="ignore", icon=":material/download:")  # fmt: skip
    if plan_rows:
        st.download_button("Plan vs actual (CSV)", lambda: plan_csv(analysis, plan_rows), "plan_vs_actual.csv",
                           "text/csv", on_click="ignore")  # fmt: skip
    st.download_button("Assumptions and price source (text)", lambda: usage_assumptions(analysis),
                       "usage_assumptions.txt", "text/plain", on_click="ignore", icon=":material/notes:")  # fmt: skip
    if st.button("Use as scenario", icon=":material/input:", help="Volumes and average tokens per workflow"):
        try:
            imported = scenario_from_usage(
                columns, analysis.catalog, name=f"Imported usage {day_label(summary.first_day)}",
                description=f"built from {', '.join(result.sources)}",
            )  # fmt: skip
        except (UsageError, WorkflowError) as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            per_request = request_log_samples(columns, analysis.catalog)  # a request log's tokens, as ranges
            state.set_imported_scenario(imported, {i: s for i, s in enumerate(per_request) if s})
            st.success(
                f"Scenario with {len(imported.workflows)} workflows ready: the planner pages can load it.",
                icon=":material/check_circle:",
            )

st.caption(f"Prices: {summary.price_source}")
with st.expander("Assumptions"):
    st.markdown("\n".join(f"- {a}" for a in analysis.assumptions()))
