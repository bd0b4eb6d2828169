"""Assumptions & method: the formulas, the defaults and where each comes from, and a glossary."""

from __future__ import annotations

import streamlit as st

from costmodel import cost, limits, sla
from costmodel import formatting as fmt
from costmodel.finance import FinanceInputs
from costmodel.prices import CustomPrices
from costmodel.workflow import LOW_VOLUME_REQUESTS_PER_DAY, SlaSpec, Workflow
from ui import data, glossary, state

st.title(":material/menu_book: Assumptions & method")
st.caption(
    "How every number in Batch Planner is computed, which defaults it starts from, and where they come from. "
    "The model is documented in DESIGN.md; the API facts in ANTHROPIC_BATCH_API.md."
)
source = data.catalog(batch_discount=state.get_scenario().batch_discount).source

st.header("Sources", divider="gray")
st.markdown(
    f"""
- **Prices**: {source.label()}. Batch rates are the published ones where a model has them; otherwise batch =
  standard × (1 − discount), default discount {fmt.share(limits.DEFAULT_BATCH_DISCOUNT)}, and the output says so.
  Every price can be overridden with *Custom prices*.
- **API limits** (checked against Anthropic's documentation on {limits.LIMITS_AS_OF.isoformat()}): at most
  {limits.MAX_REQUESTS_PER_BATCH:,} requests and {limits.MAX_BATCH_BYTES // 2**20} MB per batch; every batch
  ends within {limits.WORST_CASE_PROCESSING_HOURS:g} h (requests not processed by then expire and are not
  billed); results stay downloadable {limits.RESULTS_RETENTION_DAYS} days.
- **Anthropic documentation facts**: batches are 50 % of standard prices for input, output and cache tokens;
  batch cache hits are best effort (30–98 %), with the 1-hour TTL recommended; `errored`, `canceled` and
  `expired` requests are not billed; streaming and fast mode are unavailable in batches; an N-turn client tool
  loop is N batch round trips.
- **Field rules made quantitative** (DESIGN.md): blocking or streaming work stays sync; below
  {LOW_VOLUME_REQUESTS_PER_DAY:g} requests/day batching rarely pays for its overhead; a hard SLA shorter than
  W + D + M cannot be guaranteed; negative net savings mean sync.
- **Typical turnaround** defaults (median {SlaSpec.model_fields["median_processing_hours"].default:g} h, p90
  {SlaSpec.model_fields["p90_processing_hours"].default:g} h, expired share
  {fmt.share(SlaSpec.model_fields["expired_share"].default)}) are published observations, labelled as assumptions
  until a live pilot measures them.
"""
)

st.header("Cost model", divider="gray")
st.code(cost.__doc__ or "", language="text")
st.markdown("**Formulas behind the headline numbers**\n" + "\n".join(f"- `{f}`" for f in cost.FORMULAS))
st.markdown(
    "The **break-even first-pass success rate** is the `s` where net savings reach 0, found by bisection on "
    "(0, 1]; when savings never change sign the page says *always pays* or *never pays*."
)

st.header("Submission windows", divider="gray")
st.code(sla.__doc__ or "", language="text")

st.header("Glossary and defaults", divider="gray")
st.caption("Straight from the model's field docstrings; units in the Unit column.")
tabs = st.tabs(["Workflow", "SLA", "Custom prices", "Finance"])
for tab, (model_cls, prefix) in zip(
    tabs,
    [(Workflow, ""), (SlaSpec, "sla."), (CustomPrices, "custom_prices."), (FinanceInputs, "finance.")],
    strict=True,
):
    tab.dataframe(glossary.field_rows(model_cls, prefix=prefix), hide_index=True, width="stretch")
