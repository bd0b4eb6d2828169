"""One palette and one figure mechanism (issue 9): every chart the app draws takes its colours from
`ui.charts.PALETTE`, and `ui.charts` builds a figure once per distinct inputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from costmodel.sla import SlaInputs
from pilot.ledger import Ledger
from tests.pilot.test_calibrate import _pilot  # the ledger-filling helper of the CLI tests
from ui import charts, usage_figures, windows
from usageimport.summary import PlanVsActualRow

from . import helpers

ALLOWED = set(charts.PALETTE.values())
SPREAD_TAB = ":material/ssid_chart: Uncertainty"


def _colours(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, colour) for every colour-valued property (`color`, `fillcolor`, `bgcolor`, ...) in a figure's dict."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if key == "template":  # Streamlit's theme (placeholder colours the browser swaps), not ours
                continue
            if key.endswith("color") and not isinstance(value, dict):
                for colour in value if isinstance(value, list) else [value]:
                    if isinstance(colour, str):
                        yield where, colour
            else:
                yield from _colours(value, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _colours(item, f"{path}[{i}]")


def _off_palette(spec: dict[str, Any]) -> list[str]:
    return [f"{where}={colour}" for where, colour in _colours(spec) if colour not in ALLOWED]


def _drawn(at: AppTest) -> list[dict[str, Any]]:
    helpers.assert_clean(at)
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _sync_vs_batch() -> list[dict[str, Any]]:
    at = helpers.open_sections(helpers.app().run(), "uncertainty")
    specs = _drawn(at)  # savings curve, waterfall
    at.text_input(key="unc_success_rate").set_value("0.9:0.98").run()
    specs += _drawn(at)  # the band
    at.session_state["compare_tab"] = SPREAD_TAB
    specs += _drawn(at.run())  # histogram, tornado
    at.session_state["compare_tab"] = helpers.ROUTING_TAB
    return specs + _drawn(at.run())  # routing


def _submission_windows() -> list[dict[str, Any]]:
    at = helpers.run_page("app_pages/submission_windows.py", **{windows.CLOCK_KEY: True})
    specs = _drawn(at)  # timeline, calendar
    for tab in windows.CHART_TABS[1:]:  # latency, P(miss): lazy tabs
        at.session_state[windows.CHART_TAB_KEY] = tab
        specs += _drawn(at.run())
    return specs


def _usage() -> list[dict[str, Any]]:
    return _drawn(helpers.run_page("app_pages/usage.py"))


def _portfolio() -> list[dict[str, Any]]:
    return _drawn(helpers.run_page("app_pages/portfolio.py"))


@pytest.mark.parametrize("page", [_sync_vs_batch, _submission_windows, _usage, _portfolio])
def test_every_chart_on_a_page_takes_its_colours_from_the_palette(page: Any) -> None:
    specs = page()
    assert specs, "the page draws charts"
    assert all(any(True for _ in _colours(s)) for s in specs), "each chart sets colours (the test sees them)"
    assert [line for spec in specs for line in _off_palette(spec)] == []


def test_charts_the_pages_do_not_open_by_default_take_the_palette_too(tmp_path: Path) -> None:
    _pilot(Ledger(tmp_path / "ledger.sqlite3"), "p1", [10, 20, 30, 600])
    learned = windows.learned_turnaround(tmp_path / "ledger.sqlite3")
    infeasible = SlaInputs(sla_hours=8)
    from costmodel.sla import plan_submissions

    row = PlanVsActualRow(
        workflow="support", matched_by="tag", key="support", planned_requests_per_month=1000.0,
        actual_requests_per_month=1300.0, planned_spend_per_month_usd=50.0, actual_spend_per_month_usd=70.0,
        planned_batch_share=1.0, volume_deviation=0.3, spend_deviation=0.4, flagged=True,
    )  # fmt: skip
    figures = [
        windows.calibration_figure(learned, SlaInputs(sla_hours=24.0)),
        windows.timeline_figure(infeasible, plan_submissions(infeasible, samples=2_000)),
        usage_figures.plan_vs_actual_figure([row]),
    ]
    assert [line for f in figures for line in _off_palette(f.to_dict())] == []


def test_the_check_sees_a_colour_outside_the_palette() -> None:
    figure = go.Figure({"data": [{"type": "bar", "y": [1], "marker": {"color": ["#1f77b4"]}}]})
    assert _off_palette(figure.to_dict()) == ["data[0].marker.color=#1f77b4"]


def test_a_figure_is_built_once_per_distinct_inputs() -> None:
    built: list[tuple[float, ...]] = []

    def build(values: tuple[float, ...], *, title: str) -> go.Figure:
        built.append(values)
        return go.Figure({"data": [{"type": "scatter", "y": list(values)}], "layout": {"title": {"text": title}}})

    first = charts.figure(build, (1.0, 2.0), title="a")
    assert charts.figure(build, tuple([1.0, 2.0]), title="a") is first, "equal inputs: the same shared object"
    other = charts.figure(build, (1.0, 3.0), title="a")
    assert other is not first
    assert list(other.data[0].y) == [1.0, 3.0]
    assert charts.figure(build, (1.0, 2.0), title="b") is not first, "keyword inputs are part of the key"
    assert built == [(1.0, 2.0), (1.0, 3.0), (1.0, 2.0)]


def test_a_shared_figure_serialises_as_the_builder_made_it() -> None:
    def build(n: int) -> go.Figure:
        return go.Figure({"data": [{"type": "bar", "y": list(range(n))}], "layout": charts.layout()})

    shared = charts.figure(build, 3)
    assert shared.to_dict() == build(3).to_dict()
    assert shared.to_dict() is shared.to_dict(), "made once: st.plotly_chart's per-draw deep copy is skipped"


def test_a_model_holding_a_dict_is_keyed_by_its_contents() -> None:
    from costmodel.usage import WhatIfAssumptions
    from ui.usage_load import sample_files
    from usageimport import analyze, load_files

    log = next(p for p in sample_files() if p.name.startswith("request_log") and p.suffix == ".csv")
    summary = analyze(load_files([log]), as_of=date(2026, 11, 1), assumptions=WhatIfAssumptions()).summary
    again = summary.model_copy(deep=True)
    with pytest.raises(TypeError):
        hash(summary)
    assert charts.figure(usage_figures.actual_vs_whatif_figure, summary) is charts.figure(
        usage_figures.actual_vs_whatif_figure, again
    )


def test_unhashable_inputs_are_named() -> None:
    """A dict is refused with a message naming what the store keys (lists and tuples are keyed item by item)."""
    with pytest.raises(TypeError, match="hashable"):
        charts.figure(usage_figures.plan_vs_actual_figure, {})


def test_only_ui_charts_puts_a_figure_on_a_page() -> None:
    """One mechanism: every page draws through `charts.show` (cached, shared), none calls plotly_chart itself."""
    root = Path(__file__).resolve().parents[2]
    direct = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("ui", "app_pages")
        for path in sorted((root / folder).glob("*.py"))
        if path.name != "charts.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "plotly_chart(" in line
    ]
    assert direct == []
