"""AppTest of app_pages/usage.py: empty page, every sample format, messy and bad files, scenario, plan, Admin API fetch.

Uploads are awkward in AppTest, so the page is driven two ways: the sample picker (shipped files)
and session-state injection of file paths (`ui.state.USAGE_PATHS`) for test fixtures.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from emulator.admin_api import AdminApiEmulator
from tests.ui.conftest import _clear_streamlit_caches  # noqa: F401  (autouse: empty caches per test)
from tests.usageimport import samples
from ui.state import IMPORTED_SCENARIO, USAGE_PATHS
from ui.state import USAGE_ADMIN_BASE_URL as ADMIN_BASE_URL
from ui.usage_load import sample_files

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "usage.py")


def page(paths: list[Path] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    if paths is not None:
        at.session_state[USAGE_PATHS] = [str(p) for p in paths]
    return at.run()


def open_tab(at: AppTest, label: str) -> AppTest:
    """Switch the page's lazy tabs (only the open tab draws its charts and tables)."""
    at.session_state["bp_usage_tab"] = label
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_first_visit_opens_on_a_sample_month() -> None:
    at = page()
    clean(at)
    assert at.multiselect(key="bp_usage_samples").value == ["request_log_2026-10.csv"]
    assert "Actual spend" in metric_values(at)


def test_only_the_open_tab_draws_its_tables() -> None:
    at = page([ROOT / "data/usage/request_log_2026-10.csv"])
    clean(at)
    assert len(at.get("plotly_chart")) == 2
    assert not at.dataframe
    at = open_tab(at, "Tables")
    clean(at)
    assert not at.get("plotly_chart")
    assert len(at.dataframe) >= 2


def test_renders_without_any_usage() -> None:
    at = page()
    at.multiselect(key="bp_usage_samples").set_value([]).run()
    clean(at)
    assert any("to begin" in i.value for i in at.info)
    assert not at.metric


@pytest.mark.parametrize("name", [p.name for p in sample_files()])
def test_each_sample_format_via_the_picker(name: str) -> None:
    at = page()
    at.multiselect(key="bp_usage_samples").set_value([name]).run()
    clean(at)
    shown = metric_values(at)
    assert "Actual spend" in shown
    if "cost" in name:
        assert shown["Billed (cost report)"].startswith("$")
    else:
        assert shown["Actual spend"] != "$0.00"
        assert shown["Savings"] != "$0.00"
    assert any("Prices: genai-prices" in c.value for c in at.caption)


def test_usage_and_cost_together_show_billed_difference() -> None:
    at = page([ROOT / "data/usage/console_usage_2026-10.csv", ROOT / "data/usage/console_cost_2026-10.csv"])
    clean(at)
    assert metric_values(at)["Billed (cost report)"] == "$1,608.44"
    assert metric_values(at)["Actual spend"] == "$1,608.43"


def test_batchable_share_slider_changes_the_whatif() -> None:
    at = page([ROOT / "data/usage/request_log_2026-10.csv"])
    before = metric_values(at)["Savings"]
    at.slider(key="bp_usage_share").set_value(0).run()
    clean(at)
    assert before != "$0.00"
    assert metric_values(at)["Savings"] == "$0.00"


def test_messy_file_shows_skipped_rows_and_unknown_models(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(
        "\ufeffmodel,timestamp,extra,input_tokens,output_tokens\n"
        'claude-haiku-4-5,2026-10-01T00:00:00Z,x,"1,000",10\n'
        "\n"
        "gpt-9,2026-10-01T00:00:00Z,x,1000,10\n"
        "claude-haiku-4-5,2026-10-02T00:00:00Z,x,abc,10\n"
        "claude-haiku-4-5,2026-10-0",
        encoding="utf-8",
    )
    at = page([path])
    clean(at)
    warnings = [w.value for w in at.warning]
    assert "2 rows skipped: see why below." in warnings
    assert any("Unknown model 'gpt-9'" in w for w in warnings)
    skipped = at.dataframe[0].value
    assert sorted(skipped["line"].tolist()) == [5, 6]


def test_bad_file_shows_the_error_in_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("date,model,input_tokens\n2026-10-01,x,1\n", encoding="utf-8")
    at = page([path])
    clean(at)
    assert any("bad.csv: no output token column" in e.value for e in at.error)
    assert not at.metric


def test_use_as_scenario_from_a_request_log() -> None:
    at = page([ROOT / "data/usage/request_log_2026-10.jsonl"])
    next(b for b in at.button if b.label == "Use as scenario").click().run()
    clean(at)
    scenario = at.session_state[IMPORTED_SCENARIO]
    assert {w.name for w in scenario.workflows} == set(samples.TAGS)
    assert any("Scenario with 3 workflows ready" in s.value for s in at.success)


def test_use_as_scenario_without_request_counts_explains_why() -> None:
    at = page([ROOT / "data/usage/admin_usage_report_2026-10.json"])
    next(b for b in at.button if b.label == "Use as scenario").click().run()
    clean(at)
    assert any("does not count requests" in e.value for e in at.error)
    assert IMPORTED_SCENARIO not in at.session_state


def test_plan_vs_actual_against_the_current_scenario() -> None:
    at = open_tab(page([ROOT / "data/usage/request_log_2026-10.csv"]), "Plan vs actual")
    clean(at)
    frames = [f.value for f in at.dataframe]
    plan = next(f for f in frames if "off > 20 %" in f.columns)
    assert len(plan) >= 1


def fetch_october(api: AdminApiEmulator, key: str) -> AppTest:
    """The page fetching October 2026 from the emulator with `key` typed in."""
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state[ADMIN_BASE_URL] = api.base_url
    at.run()
    at.radio(key="bp_usage_src").set_value("Admin API").run()
    at.text_input(key="bp_usage_admin_key").input(key)
    at.date_input(key="bp_usage_start").set_value(date(2026, 10, 1))
    at.date_input(key="bp_usage_end").set_value(date(2026, 10, 31))
    return next(b for b in at.button if b.label == "Fetch usage and cost reports").click().run()


def test_fetch_from_the_admin_api_emulator_forgets_the_key() -> None:
    key = "sk-ant-admin01-PAGE-SECRET-42"
    daily = samples.daily_usage()
    with AdminApiEmulator(usage_buckets=samples.usage_buckets(daily), admin_key=key) as api:
        at = fetch_october(api, key)
    clean(at)
    assert metric_values(at)["Actual spend"] == f"${sum(samples.row_prices(daily).values()):,.2f}"
    assert at.text_input(key="bp_usage_admin_key").value == ""
    state_dump = json.dumps({k: repr(at.session_state[k]) for k in at.session_state}, default=str)
    assert "SECRET" not in state_dump


def test_fetch_error_is_shown_in_place() -> None:
    with AdminApiEmulator(admin_key="sk-ant-admin01-right") as api:
        at = AppTest.from_file(PAGE, default_timeout=30)
        at.session_state[ADMIN_BASE_URL] = api.base_url
        at.run()
        at.radio(key="bp_usage_src").set_value("Admin API").run()
        at.text_input(key="bp_usage_admin_key").input("sk-ant-admin01-wrong")
        next(b for b in at.button if b.label == "Fetch usage and cost reports").click().run()
    clean(at)
    assert any("401" in e.value for e in at.error)


def test_upload_of_messy_and_good_files_together(tmp_path: Path) -> None:
    at = page()
    at.radio(key="bp_usage_src").set_value("Upload files").run()
    good = (ROOT / "data/usage/request_log_2026-10.csv").read_bytes()
    messy = '\ufefftimestamp,model,output_tokens,input_tokens\n2026-10-01T00:00:00Z,claude-haiku-4-5,1,"2,000"\n'
    at.file_uploader(key="bp_usage_uploads").set_value(
        [("log.csv", good, "text/csv"), ("messy.csv", messy.encode(), "text/csv")]
    ).run()
    clean(at)
    assert any("log.csv (request log), messy.csv (request log): 1,501 usage rows" in c.value for c in at.caption)


def test_bad_upload_names_the_file() -> None:
    at = page()
    at.radio(key="bp_usage_src").set_value("Upload files").run()
    at.file_uploader(key="bp_usage_uploads").set_value(("broken.jsonl", b"", "application/json")).run()
    clean(at)
    assert [e.value for e in at.error] == ["broken.jsonl: the file is empty"]


def test_plan_from_a_scenario_file_flags_drift(tmp_path: Path) -> None:
    from costmodel.prices import load_catalog
    from costmodel.scenario import scenario_to_json
    from costmodel.usage import scenario_from_usage
    from usageimport import load_files

    columns = load_files([ROOT / "data/usage/request_log_2026-10.csv"]).usage_columns()
    scenario = scenario_from_usage(columns, load_catalog(as_of=date(2026, 10, 31), include_retired=True), name="Plan")
    doubled = scenario.model_copy(
        update={
            "workflows": tuple(
                w.model_copy(update={"requests_per_month": 2 * w.monthly_requests}) for w in scenario.workflows
            )
        }
    )
    at = open_tab(page([ROOT / "data/usage/request_log_2026-10.csv"]), "Plan vs actual")
    at.radio(key="bp_usage_plan").set_value("Scenario file").run()
    at.file_uploader(key="bp_usage_plan_file").set_value(
        ("plan.json", scenario_to_json(doubled).encode(), "application/json")
    ).run()
    clean(at)
    assert not at.error, [e.value for e in at.error]
    plan = next(f.value for f in at.dataframe if "off > 20 %" in f.value.columns)
    assert plan["off > 20 %"].tolist() == [True, True, True]
    assert plan["volume Δ %"].tolist() == pytest.approx([-50, -50, -50])


def test_a_typed_admin_key_with_a_control_character_is_refused_without_echoing_it() -> None:
    key = "sk-ant-admin01-PAGE-SECRET-42"
    with AdminApiEmulator(admin_key=key) as api:
        at = AppTest.from_file(PAGE, default_timeout=30)
        at.session_state[ADMIN_BASE_URL] = api.base_url
        at.run()
        at.radio(key="bp_usage_src").set_value("Admin API").run()
        at.text_input(key="bp_usage_admin_key").input(key[:14] + "\x1b" + key[14:])
        next(b for b in at.button if b.label == "Fetch usage and cost reports").click().run()
        assert api.requests == []
    clean(at)
    shown = " ".join(str(e.value) for e in at.error)
    assert "U+001B at position 15" in shown
    assert "SECRET" not in shown


def test_rows_without_a_service_tier_are_shown_apart_with_their_share(tmp_path: Path) -> None:
    path = tmp_path / "no_tier.csv"
    path.write_text(
        "date,model,service_tier,input_tokens,output_tokens\n"
        "2026-10-01,claude-sonnet-4-6,standard,1000000,0\n"
        "2026-10-01,claude-sonnet-4-6,,3000000,0\n"
    )
    at = page([path])
    clean(at)
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("tier unknown: 1 row (75.0% of spend") for w in warnings), warnings
    assert "Tier unknown" in metric_values(at)
    assert metric_values(at)["Tier unknown"] == "$9.00"


def test_fast_and_us_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "modes.csv"
    path.write_text(
        "date,model,service_tier,speed,inference_geo,input_tokens,output_tokens\n"
        "2026-10-01,claude-opus-4-6,standard,fast,global,1000000,0\n"
        "2026-10-01,claude-sonnet-4-6,standard,standard,us,1000000,0\n"
    )
    at = page([path])
    clean(at)
    assert any("Fast mode: 1 rows at fast rates" in c.value for c in at.caption)
    assert metric_values(at)["Actual spend"] == "$33.30"


def test_a_fetch_that_fell_back_to_the_legacy_report_says_what_it_cannot_show() -> None:
    key = "sk-ant-admin01-PAGE-legacy"
    buckets = samples.usage_buckets(samples.daily_usage())
    with AdminApiEmulator(usage_buckets=buckets, admin_key=key, analytics=False) as api:
        at = fetch_october(api, key)
    clean(at)
    assert any("legacy usage report" in w.value and "speed or inference_geo" in w.value for w in at.warning)
    assert {r.api for r in api.requests} == {"analytics", "legacy"}
