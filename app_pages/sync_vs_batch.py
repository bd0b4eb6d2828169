"""Sync vs batch: one workflow's inputs → what batch costs and saves per month, and the verdict."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from costmodel import formatting as fmt
from costmodel.cost import effective_pricing
from costmodel.errors import problem_lines
from costmodel.workflow import WorkflowError, resolve_pricing
from ui import charts, confirm, data, figures, price_table, ranges, state, widgets
from ui.tiles import PER_ROW

PRICES_TAB = ":material/sell: Prices & one request"
RANGES_TAB = ":material/ssid_chart: Uncertainty"
VERDICT_BOX = {"batch": st.success, "hybrid": st.info, "sync": st.warning}

st.title(":material/compare_arrows: Sync vs batch")
st.caption(
    "What moving this workflow to the Message Batches API (half price, results within 24 h) really saves "
    "after resubmissions, overheads and the cost of waiting."
)

index = state.get_workflow_index()
widgets.take_shared_link(index)
ranges.take_shared_link(index)
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
    uncertain = ranges.uncertainty_inputs(index, workflow) if workflow is not None else None

with headline:
    if workflow is None:
        st.error("Some inputs are invalid: fix the lines marked in red below to see the numbers.")
        st.stop()
    widgets.keep(index, workflow)
    point = uncertain.workflow if uncertain is not None else workflow  # a range's centre stands for its input
    view = None
    try:
        result = data.evaluated(
            point,
            as_of=data.today(),
            batch_discount=scenario.batch_discount,
            include_retired=state.show_retired_models(),
        )
        pricing = resolve_pricing(point, catalog)
        view = None if uncertain is None else ranges.view_of(
            uncertain, pricing, verdict=result.recommendation.verdict, rescue_probability=result.rescue_probability
        )
    except WorkflowError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    except ValidationError as exc:  # a valid workflow the SLA model cannot take (e.g. more than 100 rounds)
        st.error("\n".join(f"- {line}" for line in problem_lines(exc)), icon=":material/error:")
        st.stop()
    c, rec = result.comparison, result.recommendation
    with assumed:
        confirm.preset_assumptions_note(index, workflow, overhead_per_month_usd=c.overhead_per_month_usd)

    r = view.ranges if view is not None else None
    be = c.break_even
    be_shown = fmt.share(be.success_rate) if be.success_rate is not None else be.status.replace("_", " ")
    if r is not None and r.break_even_success_rate.p50 is not None:
        be_shown = fmt.share(r.break_even_success_rate.p50)
    tiles = [
        ("Sync spend", r and r.sync_cost_per_month_usd, c.sync_cost_per_month_usd, None,
         "cash per month, one clean pass"),
        ("Batch spend", r and r.batch_cost_per_month_usd, c.batch_cost_per_month_usd, None,
         "cash per month: tokens, fees, resubmissions and overheads (the cost of waiting is not cash: own tile)"),
        ("Net savings", r and r.net_savings_per_month_usd, c.net_savings_per_month_usd,
         f"{fmt.share(c.savings_share)} of sync",
         f"sync − batch spend per month, if all of it ran on batch; {fmt.usd(c.net_savings_per_year_usd)} per year"),
        ("Planned savings", r and r.planned_savings_per_month_usd, rec.planned_savings_per_month_usd,
         f"under the {rec.verdict} verdict",
         "sync spend − spend under the verdict, per month (the Portfolio's figure): $0 when the verdict is sync"),
        ("Break-even rate", r and r.break_even_success_rate, be_shown, None,
         f"First-pass success rate where batch costs as much as sync: {be.statement}"),
        ("Cost of waiting", r and r.waiting_cost_per_month_usd, c.waiting_cost_per_month_usd, None,
         "economic, not cash: what the extra latency on batch costs per month (Overheads & cost of waiting)"),
        ("Net benefit", r and r.net_benefit_per_month_usd, c.net_benefit_per_month_usd, "what the verdict weighs",
         "cash savings − cost of waiting, per month: the figure the verdict weighs"),
    ]  # fmt: skip
    if r is not None:
        tiles.append(("P(batch saves)", None, fmt.share(r.probability_batch_saves), f"{r.draws:,} draws",
                      "share of Monte Carlo draws in which batch costs less than sync (cash)"))  # fmt: skip
    rows = [st.container(horizontal=True) for _ in range(0, len(tiles), PER_ROW)]  # 2 blocks; 2 st.columns(5): 12
    for i, (label, spread, figure, note, about) in enumerate(tiles):
        shown = ranges.headline(figure, spread)
        interval = ranges.interval(spread, as_share=label == "Break-even rate")
        rows[i // PER_ROW].metric(
            label,
            shown if isinstance(shown, str) else fmt.usd(shown),
            interval or note,
            delta_color="normal" if label == "Net savings" and interval is None else "off",
            delta_arrow="off" if interval else "auto",
            help=about + ("; the headline is the median of the draws" if interval else ""),
            border=True,
        )

with results:
    reasons = [*rec.reasons, *ranges.verdict_reasons(view)]
    VERDICT_BOX[rec.verdict](
        f"**Verdict: {rec.verdict.upper()}**\n\n" + "\n".join(f"- {line}" for line in reasons),
        icon=":material/gavel:",
    )

    # Lazy tabs: only the open one runs, so a rerun draws two charts, not three.
    breakdown, routing, prices, spread = st.tabs(
        [":material/waterfall_chart: Cost breakdown", ":material/alt_route: Model routing", PRICES_TAB, RANGES_TAB],
        key="compare_tab",
        on_change="rerun",
    )
    if breakdown.open is not False:
        with breakdown:
            pair = st.container(horizontal=True)  # side by side in one block (st.columns(2) is three)
            if view is not None:
                charts.show(
                    figures.savings_band_figure,
                    view.band,
                    current_rate=point.success_rate,
                    break_even=be,
                    key="savings_curve",
                    container=pair,
                )
            else:  # the curve is net benefit, computed where the figure is cached
                charts.show(
                    figures.net_benefit_curve_figure,
                    point,
                    pricing,
                    current_savings_usd=c.net_benefit_per_month_usd,
                    break_even=be,
                    key="savings_curve",
                    container=pair,
                )
            charts.show(figures.waterfall_figure, tuple(c.waterfall), key="waterfall", container=pair)
    if routing.open:
        with routing:
            route = widgets.routing_inputs(point, catalog=catalog)  # the headline's workflow: ranges at centre
            if route is not None:
                routed = data.routed(
                    point,
                    as_of=data.today(),
                    batch_discount=scenario.batch_discount,
                    include_retired=state.show_retired_models(),
                    success_rates=tuple(sorted(route["success_rates"].items())),
                    quality_bar=route["quality_bar"],
                    model_ids=tuple(route["model_ids"]),
                )
                if routed.cheapest is not None:
                    best = routed.cheapest
                    st.markdown(
                        f"Cheapest option meeting the {fmt.share(routed.quality_bar)} quality bar: "
                        f"**{best.display_name} on {best.api}** at **{fmt.per_month(best.cost_per_month_usd)}** "
                        f"(success rate {fmt.share(best.success_rate)})."
                    )
                else:
                    st.warning("No model meets the quality bar: lower it or raise a model's success rate.")
                charts.show(figures.routing_figure, routed, key="routing")
                for line in routed.skipped:
                    st.caption(f"Skipped {line}")
                st.caption(
                    "Routing assumes failures recur on sync too (each option retries until success), so options "
                    "compare like for like."
                    + (" Inputs given as ranges are priced at their centre, as in the headline; their spread is on "
                       "the Uncertainty tab." if view is not None else "")
                )  # fmt: skip

    if prices.open:
        with prices:
            price_table.render_prices(effective_pricing(point, pricing), c.request_costs, steps=c.steps_per_item)

    if spread.open:
        with spread:
            if view is None:
                st.info(
                    "Every input is a single number. Give a range in the *Uncertainty* section (left) to see how "
                    "sure the figures are, what drives them, and P(batch saves money).",
                    icon=":material/ssid_chart:",
                )
            else:
                st.markdown(ranges.probability_line(view.ranges))
                pair = st.container(horizontal=True)
                charts.show(figures.histogram_figure, view.histogram, key="net_savings_histogram", container=pair)
                charts.show(figures.tornado_figure, view.tornado, key="tornado", container=pair)
                st.markdown("\n".join(f"- {line}" for line in ranges.input_lines(view.ranges)))

    with st.expander("Assumptions, formulas and price source", icon=":material/info:"):
        st.markdown(
            "**Assumptions**\n" + "\n".join(f"- {a}" for a in c.assumptions)
            + "\n\n**Formulas**\n" + "\n".join(f"- `{f}`" for f in c.formulas)
        )
        st.caption(f"Prices: {c.price_source.label()}. Method and glossary: *Assumptions & method* page.")
    st.caption(
        ":material/link: This page's address carries these inputs: copy it from the address bar to share exactly "
        "these numbers."
    )
