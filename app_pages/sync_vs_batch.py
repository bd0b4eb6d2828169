"""Sync vs batch: one workflow's inputs → what batch costs and saves per month, and the verdict."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from costmodel import formatting as fmt
from costmodel.cost import effective_pricing, savings_curve
from costmodel.errors import problem_lines
from costmodel.recommend import evaluate_workflow
from costmodel.routing import route_models
from costmodel.workflow import WorkflowError, resolve_pricing
from ui import confirm, data, figures, price_table, state, widgets

PRICES_TAB = ":material/sell: Prices & one request"
VERDICT_BOX = {"batch": st.success, "hybrid": st.info, "sync": st.warning}

st.title(":material/compare_arrows: Sync vs batch")
st.caption(
    "What moving this workflow to the Message Batches API (half price, results within 24 h) really saves "
    "after resubmissions, overheads and the cost of waiting."
)

index = state.get_workflow_index()
widgets.take_shared_link(index)
scenario = state.get_scenario()
catalog = data.catalog(batch_discount=scenario.batch_discount, include_retired=state.show_retired_models())

headline = st.container()  # filled once the inputs below are read: metrics span the full width
inputs, results = st.columns([1, 1.6], gap="large")
with inputs:
    if len(scenario.workflows) > 1:
        names = [f"{i + 1}. {w.name}" for i, w in enumerate(scenario.workflows)]
        index = names.index(st.selectbox(f"Workflow in “{scenario.name}”", names, index=index))
        state.set_workflow_index(index)
    confirm.pilot_measurement_offer(index, scenario.workflows[index])
    scenario = state.get_scenario()
    if scenario.workflows[index].description:
        st.caption(scenario.workflows[index].description)
    assumed = st.container()  # what the closed sections hold, filled once the workflow is priced
    workflow = widgets.workflow_form(scenario.workflows[index], catalog=catalog)

with headline:
    if workflow is None:
        st.error("Some inputs are invalid: fix the lines marked in red below to see the numbers.")
        st.stop()
    widgets.keep(index, workflow)
    try:
        result = evaluate_workflow(workflow, catalog)
        pricing = resolve_pricing(workflow, catalog)
    except WorkflowError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    except ValidationError as exc:  # a valid workflow the SLA model cannot take (e.g. more than 100 rounds)
        st.error("\n".join(f"- {line}" for line in problem_lines(exc)), icon=":material/error:")
        st.stop()
    c, rec = result.comparison, result.recommendation
    with assumed:
        confirm.preset_assumptions_note(index, workflow, overhead_per_month_usd=c.overhead_per_month_usd)

    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Sync spend", fmt.usd(c.sync_cost_per_month_usd), help="cash per month, one clean pass", border=True)
    m2.metric(
        "Batch spend",
        fmt.usd(c.batch_cost_per_month_usd),
        help="cash per month: tokens, fees, resubmissions and overheads (the cost of waiting is not cash: own tile)",
        border=True,
    )
    m3.metric(
        "Net savings",
        fmt.usd(c.net_savings_per_month_usd),
        f"{fmt.share(c.savings_share)} of sync",
        help=f"sync − batch spend per month, if all of it ran on batch; {fmt.usd(c.net_savings_per_year_usd)} per year",
        border=True,
    )
    m4.metric(
        "Planned savings",
        fmt.usd(rec.planned_savings_per_month_usd),
        f"under the {rec.verdict} verdict",
        delta_color="off",
        help="sync spend − spend under the verdict, per month (the Portfolio's figure): $0 when the verdict is sync",
        border=True,
    )
    be = c.break_even
    shown = fmt.share(be.success_rate) if be.success_rate is not None else be.status.replace("_", " ")
    m5.metric(
        "Break-even rate",
        shown,
        help=f"First-pass success rate where batch costs as much as sync: {be.statement}",
        border=True,
    )
    w1, w2, _ = st.columns([1, 1, 3])
    w1.metric(
        "Cost of waiting",
        fmt.usd(c.waiting_cost_per_month_usd),
        help="economic, not cash: what the extra latency on batch costs per month (Overheads & cost of waiting)",
        border=True,
    )
    w2.metric(
        "Net benefit",
        fmt.usd(c.net_benefit_per_month_usd),
        "what the verdict weighs",
        delta_color="off",
        help="cash savings − cost of waiting, per month: the figure the verdict weighs",
        border=True,
    )

with results:
    VERDICT_BOX[rec.verdict](
        f"**Verdict: {rec.verdict.upper()}**\n\n" + "\n".join(f"- {r}" for r in rec.reasons),
        icon=":material/gavel:",
    )

    # Lazy tabs: only the open one runs, so a rerun draws two charts, not three.
    breakdown, routing, prices = st.tabs(
        [":material/waterfall_chart: Cost breakdown", ":material/alt_route: Model routing", PRICES_TAB],
        key="compare_tab",
        on_change="rerun",
    )
    if breakdown.open is not False:
        with breakdown:
            left, right = st.columns(2)
            rates, savings = savings_curve(workflow, pricing)
            left.plotly_chart(
                figures.savings_curve_figure(
                    rates,
                    savings,
                    current_rate=workflow.success_rate,
                    current_savings_usd=c.net_savings_per_month_usd,
                    break_even=be,
                ),
                key="savings_curve",
            )
            right.plotly_chart(figures.waterfall_figure(c.waterfall), key="waterfall")
    if routing.open:
        with routing:
            route = widgets.routing_inputs(workflow, catalog=catalog)
            if route is not None:
                routed = route_models(workflow, catalog, **route)
                if routed.cheapest is not None:
                    best = routed.cheapest
                    st.markdown(
                        f"Cheapest option meeting the {routed.quality_bar:.0%} quality bar: **{best.display_name} "
                        f"on {best.api}** at **${best.cost_per_month_usd:,.2f}/month** "
                        f"(success rate {best.success_rate:.0%})."
                    )
                else:
                    st.warning("No model meets the quality bar: lower it or raise a model's success rate.")
                st.plotly_chart(figures.routing_figure(routed), key="routing")
                for line in routed.skipped:
                    st.caption(f"Skipped {line}")
                st.caption(
                    "Routing assumes failures recur on sync too (each option retries until success), so options "
                    "compare like for like."
                )

    if prices.open:
        with prices:
            price_table.render_prices(effective_pricing(workflow, pricing), c.request_costs, steps=c.steps_per_item)

    with st.expander("Assumptions, formulas and price source", icon=":material/info:"):
        st.markdown("**Assumptions**\n" + "\n".join(f"- {a}" for a in c.assumptions))
        st.markdown("**Formulas**\n" + "\n".join(f"- `{f}`" for f in c.formulas))
        st.caption(f"Prices: {c.price_source.label()}. Method and glossary: *Assumptions & method* page.")
    st.caption(
        ":material/link: This page's address carries these inputs: copy it from the address bar to share exactly "
        "these numbers."
    )
