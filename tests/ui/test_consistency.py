"""One workflow, every page and command: the same figures, formatted the same way.

Each test here pins an inconsistency users saw (issue 9): P(miss) 0.639 % in `sla`, 0.662 % in
`recommend` and 0.62 % on the page; net savings on one page and $0 in the Portfolio; a SYNC
verdict that still says "submit every 4 h"; "Feasible" beside a negative maximum interval.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from commands import main
from costmodel import formatting
from costmodel.scenario import Scenario, scenario_to_json
from costmodel.workflow import SlaSpec, Workflow
from ui import widgets
from ui.state import SCENARIO

from .helpers import app, assert_clean, metrics, open_sections, run_page, verdict

SOFT_SLA = SlaSpec(
    sla_hours=20.0,
    kind="soft",
    max_miss_probability=0.01,
    median_processing_hours=1.0,
    p90_processing_hours=4.0,
    expired_share=0.005,
)
WORKFLOW = Workflow(
    name="Contract review, soft next-morning SLA",
    model="claude-sonnet-4-6",
    requests_per_day=500,
    input_tokens=15_000,
    output_tokens=800,
    success_rate=0.95,
    sla=SOFT_SLA,
)
"""A soft SLA shorter than one worst-case day: feasible only within its miss budget, with a P(miss) above 0."""


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _workflow_flags(workflow: Workflow) -> list[str]:
    sla = workflow.sla
    assert sla is not None
    assert workflow.requests_per_day is not None
    return [
        "--model", workflow.model, "--requests-per-day", str(workflow.requests_per_day),
        "--input-tokens", str(workflow.input_tokens), "--output-tokens", str(workflow.output_tokens),
        "--success-rate", str(workflow.success_rate), *_sla_flags(sla),
    ]  # fmt: skip


def _sla_flags(sla: SlaSpec) -> list[str]:
    return [
        "--sla-hours", str(sla.sla_hours), "--sla-kind", sla.kind,
        "--max-miss-probability", str(sla.max_miss_probability),
        "--median-processing-hours", str(sla.median_processing_hours),
        "--p90-processing-hours", str(sla.p90_processing_hours), "--expired-share", str(sla.expired_share),
    ]  # fmt: skip


def _pages(workflow: Workflow) -> dict[str, AppTest]:
    scenario = Scenario(name="walk", workflows=(workflow,))
    return {
        page: run_page(f"app_pages/{page}.py", **{SCENARIO: scenario})
        for page in ("sync_vs_batch", "submission_windows", "portfolio")
    }


def test_p_miss_is_the_same_in_sla_recommend_and_every_page(capsys: pytest.CaptureFixture[str]) -> None:
    sla = _cli(capsys, "sla", *_sla_flags(SOFT_SLA), "--requests-per-day", "500")
    recommend = _cli(capsys, "recommend", *_workflow_flags(WORKFLOW))
    assert sla["miss_probability"] > 0
    assert recommend["sla"]["miss_probability"] == sla["miss_probability"]
    assert recommend["sla"]["recommended_interval_hours"] == sla["recommended_interval_hours"]
    pages = _pages(WORKFLOW)
    shown = formatting.probability(sla["miss_probability"])
    assert metrics(pages["submission_windows"])["P(miss SLA)"] == shown
    assert main(["sla", *_sla_flags(SOFT_SLA), "--requests-per-day", "500"]) == 0
    assert re.search(rf"P\(miss SLA\), typical +{re.escape(shown)}\n", capsys.readouterr().out)


def test_a_workflow_walks_through_every_page_and_the_cli_with_the_same_figures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    recommend = _cli(capsys, "recommend", *_workflow_flags(WORKFLOW))
    saved = tmp_path / "walk.json"
    saved.write_text(scenario_to_json(Scenario(name="walk", workflows=(WORKFLOW,))))
    evaluate = _cli(capsys, "evaluate", str(saved))
    row = evaluate["portfolio"]["rows"][0]
    assert row["verdict"] == recommend["verdict"]
    assert row["savings_per_month_usd"] == recommend["planned_savings_per_month_usd"]
    assert evaluate["workflows"][0]["sla"]["miss_probability"] == recommend["sla"]["miss_probability"]
    pages = _pages(WORKFLOW)
    compare = metrics(pages["sync_vs_batch"])
    net = formatting.usd(recommend["comparison"]["net_savings_per_month_usd"])
    planned = formatting.usd(recommend["planned_savings_per_month_usd"])
    assert compare["Net savings"] == net
    assert compare["Planned savings"] == planned
    assert verdict(pages["sync_vs_batch"]) == recommend["verdict"].upper()
    row = next(d for d in pages["portfolio"].dataframe if d.editing_mode == "read_only").value.iloc[0]
    assert row["verdict"] == recommend["verdict"]
    assert formatting.usd(row["net_savings_per_month_usd"]) == net
    assert formatting.usd(row["savings_per_month_usd"]) == planned
    windows = metrics(pages["submission_windows"])
    assert windows["P(miss SLA)"] == formatting.probability(recommend["sla"]["miss_probability"])
    interval = formatting.hours(recommend["sla"]["recommended_interval_hours"])
    assert windows["Longest window within the miss budget"] == interval
    assert f"with {interval} windows" in " ".join(pages["sync_vs_batch"].success[0].value.split("\n"))


def test_net_savings_of_a_sync_verdict_are_not_zero_on_one_page_and_positive_on_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A blocking workflow stays sync although batch would be cheaper: both pages show both figures."""
    blocking = WORKFLOW.model_copy(update={"blocking": True, "sla": None})
    pages = _pages(blocking)
    compare = metrics(pages["sync_vs_batch"])
    assert verdict(pages["sync_vs_batch"]) == "SYNC"
    row = next(d for d in pages["portfolio"].dataframe if d.editing_mode == "read_only").value.iloc[0]
    assert compare["Planned savings"] == formatting.usd(row["savings_per_month_usd"]) == "$0.00"
    assert compare["Net savings"] == formatting.usd(row["net_savings_per_month_usd"])
    assert row["net_savings_per_month_usd"] > 0


def test_a_sync_verdict_never_says_how_often_to_submit(capsys: pytest.CaptureFixture[str]) -> None:
    blocking = WORKFLOW.model_copy(update={"blocking": True, "sla": SlaSpec(sla_hours=30.0)})
    recommend = _cli(capsys, "recommend", *_workflow_flags(blocking), "--blocking")
    assert recommend["verdict"] == "sync"
    assert not [r for r in recommend["reasons"] if "submit every" in r]
    page = _pages(blocking)["sync_vs_batch"]
    assert verdict(page) == "SYNC"
    assert not [b for b in page.warning if "submit every" in str(b.value)]


def test_a_soft_sla_never_shows_a_negative_interval_beside_feasible(capsys: pytest.CaptureFixture[str]) -> None:
    plan = _cli(capsys, "sla", *_sla_flags(SOFT_SLA), "--requests-per-day", "500")
    assert plan["feasible"]
    assert plan["max_interval_hours"] < 0
    assert main(["sla", *_sla_flags(SOFT_SLA), "--requests-per-day", "500"]) == 0
    text = capsys.readouterr().out
    table = text.split("\n\n")[0]
    assert re.search(r"feasible +yes, as a soft SLA \(typical case\)", table)
    assert re.search(r"maximum interval \(worst case\) +none\n", table)
    assert not re.search(r"[−-]\d", table), "no negative interval beside a feasible verdict"
    assert re.search(rf"longest window within the 1.00% miss budget +{plan['recommended_interval_hours']:g} h", table)
    page = _pages(WORKFLOW)["submission_windows"]
    shown = metrics(page)
    assert not [v for v in shown.values() if v.startswith("−")]
    assert shown["Longest window within the miss budget"] == formatting.hours(plan["recommended_interval_hours"])
    assert "Feasible as a soft SLA" in page.success[0].value
    assert not re.search(r"[−-]\d", page.success[0].value), "nor in the reason beside it"
    assert "6 h more than a 20 h SLA allows" in page.success[0].value


def test_an_sla_set_on_submission_windows_reaches_the_verdict_and_the_portfolio() -> None:
    at = app("app.py").run()
    at.switch_page("app_pages/submission_windows.py").run()
    at.number_input(key=widgets.sla_key("sla_hours")).set_value(8.0).run()
    assert_clean(at)
    assert "Not feasible" in at.error[0].value
    at.switch_page("app_pages/sync_vs_batch.py").run()
    assert_clean(at)
    assert verdict(at) == "SYNC"
    reasons = " ".join(str(w.value) for w in at.warning)
    assert "SLA 8 h (hard)" in reasons
    assert "submit every" not in reasons
    at.switch_page("app_pages/portfolio.py").run()
    assert_clean(at)
    row = next(d for d in at.dataframe if d.editing_mode == "read_only").value.iloc[0]
    assert (row["verdict"], row["savings_per_month_usd"]) == ("sync", 0.0)
    assert next(d for d in at.data_editor).value.iloc[0]["sla_hours"] == 8.0


def test_the_sla_is_editable_on_sync_vs_batch_and_reaches_submission_windows() -> None:
    at = app("app.py").run()
    open_sections(at, "sla")
    at.radio(key=widgets.sla_key("kind")).set_value("soft").run()
    at.number_input(key=widgets.sla_key("sla_hours")).set_value(20.0).run()
    assert_clean(at)
    assert "SLA 20 h (soft)" in " ".join(str(b.value) for b in [*at.success, *at.info, *at.warning])
    at.switch_page("app_pages/submission_windows.py").run()
    assert_clean(at)
    assert at.number_input(key=widgets.sla_key("sla_hours")).value == 20.0
    assert at.radio(key=widgets.sla_key("kind")).value == "soft"
    assert "Feasible as a soft SLA" in at.success[0].value


def test_switching_the_sla_off_removes_it_everywhere() -> None:
    at = app("app.py").run()
    open_sections(at, "sla")
    at.toggle(key="wf_has_sla").set_value(False).run()
    assert_clean(at)
    assert "SLA" not in " ".join(str(b.value) for b in [*at.success, *at.info, *at.warning])
    at.switch_page("app_pages/submission_windows.py").run()
    assert_clean(at)
    assert any("has no SLA" in i.value for i in at.info)
