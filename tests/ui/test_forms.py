"""One form mechanism (issue 9): `ui.forms` seeds, refills, writes back and links the workflow form, the Uncertainty
boxes and the Portfolio page alike, and only `ui.state` names the Portfolio's session keys."""

from __future__ import annotations

import ast
from pathlib import Path

from costmodel.finance import FinanceInputs
from costmodel.scenario import Scenario
from costmodel.workflow import Workflow
from ui import forms, portfolio, ranges, sharing, widgets
from ui.state import SCENARIO

from .conftest import ROOT
from .helpers import app, assert_clean, open_sections
from .test_portfolio_page import edit, load_field_portfolio

PAGE = "app_pages/portfolio.py"
OTHER = "app_pages/submission_windows.py"
COMPARE = "app_pages/sync_vs_batch.py"
LINK_CALLS = {"read_params", "write_params", "params_changed"}


def _token(at, key: str) -> str:  # type: ignore[no-untyped-def]
    token = at.query_params[key]
    return token[0] if isinstance(token, list) else token


def test_a_form_seeds_on_a_new_source_refills_what_was_dropped_and_reads_back_its_fields() -> None:
    finance = FinanceInputs(revenue_per_month_usd=100_000, monthly_growth=0.05)
    workflow = Workflow(name="w", requests_per_day=10, input_tokens=1, output_tokens=1)
    scenario = Scenario(name="one", workflows=(workflow,), finance=finance)
    session: dict[str, object] = {}
    assert portfolio.FORM.seed(scenario, session=session)
    assert session[portfolio.FINANCE_KEYS["growth_percent"]] == 5.0, "per cent in the widget"
    assert not portfolio.FORM.seed(scenario, session=session), "the same source seeds nothing"
    session[portfolio.FINANCE_KEYS["revenue"]] = 7.0  # typed by the user
    del session[portfolio.FINANCE_KEYS["months"]]  # dropped by Streamlit while another page ran
    portfolio.FORM.refill(session=session)
    assert session[portfolio.FINANCE_KEYS["revenue"]] == 7.0, "a kept widget is not overwritten"
    assert session[portfolio.FINANCE_KEYS["months"]] == finance.projection_months
    read = portfolio.FORM.read("finance", session)
    assert read["revenue_per_month_usd"] == 7.0
    assert read["monthly_growth"] == 0.05, "read back in the model's units"


def test_the_workflow_form_is_declared_on_the_same_mechanism() -> None:
    assert isinstance(widgets.FORM, forms.Form)
    assert isinstance(portfolio.FORM, forms.Form)
    assert isinstance(ranges.FORM, forms.Form)
    assert (widgets.FORM.link, portfolio.FORM.link, ranges.FORM.link) == ("w", "portfolio", "u")
    workflow = Workflow(name="w", requests_per_day=10, input_tokens=1, output_tokens=1, success_rate=1e-9)
    from ui.data import catalog

    values = widgets.FORM.widget_values(workflow, catalog=catalog())
    assert values[widgets.KEY_PREFIX + "success_rate"] > 0, "a tiny share does not round to an invalid 0"
    assert set(values) == set(widgets.FORM.keys)


def test_a_finance_edit_is_kept_at_once_goes_into_the_link_and_survives_another_page_while_a_row_is_invalid() -> None:
    """Like the workflow form's fields: a valid input replaces the scenario's part at once and goes into the link.
    Before, a finance edit reached neither the scenario nor the link while any table row was unusable."""
    at = app("app.py").run()
    at.switch_page(PAGE).run()
    at = load_field_portfolio(at)
    at = edit(at, {1: {"output_tokens": -1.0}})  # an unusable row: the table is not the scenario until fixed
    at.number_input(key=portfolio.FINANCE_KEYS["revenue"]).set_value(55_000.0).run()
    assert_clean(at)
    kept = at.session_state[SCENARIO]
    assert kept.finance.revenue_per_month_usd == 55_000.0, "the valid finance edit is the scenario's at once"
    assert kept.workflows[1].output_tokens > 0, "the unusable row changed no workflow"
    linked = sharing.decode(Scenario, _token(at, "portfolio"))
    assert linked.finance.revenue_per_month_usd == 55_000.0, "and it is in the page's link"
    assert linked.workflows == kept.workflows
    at.switch_page(OTHER).run()
    assert_clean(at)
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert at.number_input(key=portfolio.FINANCE_KEYS["revenue"]).value == 55_000.0
    assert "row 2 (Nightly test generation): output_tokens" in at.error[0].value, "the invalid edit came back too"


def _session_key_literals(path: Path) -> list[str]:
    """String constants in `path` that are session keys of the Portfolio (widget `pf_*` or page state `bp_*`)."""
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(("pf_", "bp_portf"))
    ]


def test_only_ui_state_names_the_portfolios_session_keys() -> None:
    files = [*sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "app_pages").glob("*.py")), ROOT / "app.py"]
    named = {p.relative_to(ROOT).as_posix(): _session_key_literals(p) for p in files if p.name != "state.py"}
    assert {path: keys for path, keys in named.items() if keys} == {}
    assert _session_key_literals(ROOT / "ui" / "state.py"), "ui/state.py names them (the test can see a key)"


def _link_calls(path: Path) -> list[str]:
    """The `ui.sharing` link reads/writes `path` makes itself (`sharing.read_params(...)` and the like)."""
    return [
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "sharing"
        and node.func.attr in LINK_CALLS
    ]


def test_only_ui_forms_reads_and_writes_the_pages_links() -> None:
    """A page or ui module that seeds from a link or writes one by itself is a second form mechanism."""
    files = [*sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "app_pages").glob("*.py")), ROOT / "app.py"]
    calls = {p.relative_to(ROOT).as_posix(): _link_calls(p) for p in files if p.name not in {"forms.py", "sharing.py"}}
    assert {path: found for path, found in calls.items() if found} == {}
    assert _link_calls(ROOT / "ui" / "forms.py"), "ui/forms.py makes them (the test can see a call)"


def test_an_uncertainty_range_is_kept_by_the_one_rule_and_survives_another_page() -> None:
    """Like every form: a valid range is in force and in `?u=` at once; bad text after it changes neither (the
    section says what is wrong); another page and back, the box shows the range in force. Before, bad text dropped
    `?u=` while the range stayed in force (and in a saved file)."""
    at = open_sections(app().run(), "uncertainty")
    at.text_input(key="unc_output_tokens").set_value("600:1100").run()
    assert_clean(at)
    kept = sharing.decode(ranges.SharedUncertainty, _token(at, "u")).uncertain["output_tokens"]
    at.text_input(key="unc_output_tokens").set_value("600:lots").run()
    assert_clean(at)
    assert any("Output tokens" in e.value for e in at.error), "the bad text is reported"
    assert "u" in at.query_params, "an invalid edit leaves the link as it was"
    assert sharing.decode(ranges.SharedUncertainty, _token(at, "u")).uncertain["output_tokens"] == kept
    at.switch_page(OTHER).run()
    assert_clean(at)
    at.switch_page(COMPARE).run()
    at = open_sections(at, "uncertainty")
    assert_clean(at)
    assert at.text_input(key="unc_output_tokens").value == "600:1100"
    assert sharing.decode(ranges.SharedUncertainty, _token(at, "u")).uncertain["output_tokens"] == kept


def _compare_stopped_before_keep() -> None:
    """The workflow form as Sync vs batch draws it, with a switch that stops the run after the form and before the
    page keeps its result: what Streamlit does when the user's next change arrives mid-run."""
    import streamlit as st

    from ui import data, state, widgets

    index = state.get_workflow_index()
    workflow = widgets.workflow_form(state.get_scenario().workflows[index], catalog=data.catalog())
    if st.session_state.get("test_stop_before_keep"):
        st.stop()
    if workflow is not None:
        widgets.keep(index, workflow)


def test_a_run_stopped_between_the_form_and_its_write_back_does_not_undo_the_users_next_change() -> None:
    """Two quick slider moves: the first move's run is stopped by the second before the page keeps its result.
    Before, the form had already taken the first move as its source while the scenario still held the old value,
    so the next run saw "the scenario changed underneath the form", re-seeded every widget from it and threw the
    second move away: the slider snapped back and the numbers never changed (a browser test caught it under load)."""
    from streamlit.testing.v1 import AppTest

    from .helpers import TIMEOUT_S

    at = AppTest.from_function(_compare_stopped_before_keep, default_timeout=TIMEOUT_S).run()
    assert_clean(at)
    key = widgets.KEY_PREFIX + "success_rate"
    start = at.session_state[SCENARIO].workflows[0].success_rate
    first, second = 100 * start - 10, 100 * start - 20
    at.session_state["test_stop_before_keep"] = True
    at.slider(key=key).set_value(first).run()
    at.session_state["test_stop_before_keep"] = False
    at.slider(key=key).set_value(second).run()
    assert_clean(at)
    assert at.slider(key=key).value == second, "the second move stays on the slider"
    assert at.session_state[SCENARIO].workflows[0].success_rate == second / 100, "and it is the scenario's"


def test_a_rerun_that_carries_this_sessions_previous_link_is_not_taken_for_a_shared_one() -> None:
    """Two quick slider moves: the browser sends the second before it has heard of the link the first one's run
    wrote, so that rerun carries the session's previous `?w=`. Before, only the last link written counted as the
    session's own, the previous one won as "a shared link", and the page snapped back to it (a browser test caught
    it under load: the slider back at 95 %, the numbers unchanged, the address at 85 %)."""
    at = app().run()
    key = widgets.KEY_PREFIX + "success_rate"
    start = at.session_state[SCENARIO].workflows[0].success_rate
    previous = _token(at, "w")
    at.slider(key=key).set_value(100 * start - 10).run()
    assert _token(at, "w") != previous, "the first move is in the link"
    at.query_params["w"] = previous  # the address the browser still shows when it sends the second move
    at.slider(key=key).set_value(100 * start - 20).run()
    assert_clean(at)
    assert at.slider(key=key).value == 100 * start - 20, "the second move stays on the slider"
    assert at.session_state[SCENARIO].workflows[0].success_rate == start - 0.2
    assert sharing.decode(Workflow, _token(at, "w")).success_rate == start - 0.2, "and the address says so"


def _field_names_a_section_returns(function: ast.FunctionDef) -> set[str]:
    """Workflow field names a section function puts in what it returns: dict literal keys and `out["name"] = ...`."""
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Dict):
            names |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        stored = isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
        if stored and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):  # type: ignore[attr-defined]
            names.add(node.slice.value)  # type: ignore[attr-defined]
    return names


def test_no_section_of_the_workflow_form_reads_a_one_field_widget_itself() -> None:
    """Each section only draws its widgets; the form reads every one-field widget back through its `Field` (one
    conversion each way: per cent ↔ share and the like). Before, every section turned its widgets' values into
    workflow fields by hand, beside the form's own declaration of the same fields."""
    tree = ast.parse((ROOT / "ui" / "widgets.py").read_text(encoding="utf-8"))
    one_field = {f.path for f in widgets.FORM.fields}
    sections = [
        node for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.endswith(("_section", "_row"))
    ]  # fmt: skip
    assert len(sections) >= 10, "the test can see the sections"
    read_by_hand = {s.name: sorted(_field_names_a_section_returns(s) & one_field) for s in sections}
    assert {name: fields for name, fields in read_by_hand.items() if fields} == {}
