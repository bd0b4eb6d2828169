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
NOT_YET_ON_FORMS = {"app_pages/submission_windows.py"}
"""Files that still read or write a link by themselves (shrinks to nothing)."""


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
    by_themselves = {path for path, found in calls.items() if found}
    assert by_themselves - NOT_YET_ON_FORMS == set()
    assert by_themselves >= NOT_YET_ON_FORMS, "a file on ui/forms.py now: take it off the list"


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
