"""`python -m costmodel export`: the Portfolio page's builders on a scenario file, byte for byte."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from commands.files import load_scenario
from costmodel.scenario import Scenario
from reports.view import PortfolioView
from tests.costmodel.core_support import AS_OF, AS_OF_FLAG, PRESETS, run_cli
from tests.reports.reports_support import HOSTILE
from ui import data
from ui import portfolio as page

PRESET = PRESETS / "portfolio.json"
FORMATS = {"csv": page.export_csv, "xlsx": page.export_excel, "md": page.export_report_markdown,
           "html": page.export_report_html}  # fmt: skip


@pytest.fixture(scope="module")
def page_view(field: Scenario) -> PortfolioView:
    """The view exactly as the Portfolio page builds it on first load: editor table → rows → evaluation."""
    catalog = data.catalog(as_of=AS_OF, batch_discount=field.batch_discount)
    rows = page.frame_to_rows(page.workflows_to_frame(field.workflows), field.workflows)
    finance = page.finance_from_widgets(page.finance_widget_values(field.finance))
    return page.evaluate_rows(rows, catalog, finance)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_command_writes_what_the_page_downloads(
    fmt: str, page_view: PortfolioView, field: Scenario, tmp_path: Path, capsys: Any
) -> None:
    target = tmp_path / f"out.{fmt}"
    code, out, err = run_cli(capsys, "export", str(PRESET), "--format", fmt, "--output", str(target), *AS_OF_FLAG)
    assert (code, err) == (0, "")
    page_bytes = FORMATS[fmt](page_view, generated=AS_OF)
    assert target.read_bytes() == (page_bytes if isinstance(page_bytes, bytes) else page_bytes.encode())
    written = out.split()
    assert written[0] == str(target)
    if fmt == "csv":
        sidecar = tmp_path / "out-assumptions.txt"
        assert written == [str(target), str(sidecar)]
        assert sidecar.read_text() == page.export_assumptions(page_view, generated=AS_OF)
        assert len(pd.read_csv(target)) == len(field.workflows) + 1


def test_default_file_is_named_after_the_scenario(tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(PRESET).model_copy(update={"name": "Q3 board pack"})
    source = tmp_path / "scenario.json"
    source.write_text(scenario.model_dump_json())
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "export", str(source), "--format", "html", *AS_OF_FLAG, "--json")
    assert code == 0
    assert json.loads(out)["files"] == ["q3-board-pack-2026-11-21.html"]
    assert (tmp_path / "q3-board-pack-2026-11-21.html").read_text().startswith("<!DOCTYPE html>")


def test_a_hostile_workflow_name_from_a_scenario_file_stays_text(tmp_path: Path, capsys: Any) -> None:
    scenario = load_scenario(PRESET)
    renamed = (scenario.workflows[0].model_copy(update={"name": HOSTILE}), *scenario.workflows[1:])
    source = tmp_path / "scenario.json"
    source.write_text(scenario.model_copy(update={"workflows": renamed}).model_dump_json())
    target = tmp_path / "x.csv"
    assert run_cli(capsys, "export", str(source), "--format", "csv", "--output", str(target), *AS_OF_FLAG)[0] == 0
    frame = pd.read_csv(io.StringIO(target.read_text()))
    assert frame["Workflow"].iloc[0] == "'" + HOSTILE


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["export", "/no/such.json", "--format", "csv"], 2, "/no/such.json: no such file; check the path"),
        (["export", str(PRESET), "--format", "pdf"], 2, "invalid choice"),
        (["export", str(PRESET)], 2, "--format"),
        (["export", str(PRESET), "--format", "md", "--output", "/no/such/dir/x.md"], 1, "cannot write"),
    ],
)
def test_bad_input_is_one_line_and_a_failed_write_exits_1(argv: list[str], code: int, needle: str, capsys: Any) -> None:
    got, _out, err = run_cli(capsys, *argv, *AS_OF_FLAG)
    assert got == code
    assert needle in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_output_folder_is_bad_input(tmp_path: Path, capsys: Any) -> None:
    code, _, err = run_cli(capsys, "export", str(PRESET), "--format", "xlsx", "--output", str(tmp_path), *AS_OF_FLAG)
    assert code == 2
    assert "is a folder" in err


def test_a_scenario_with_distributions_exports_its_ranges(tmp_path: Path, capsys: Any) -> None:
    # Before: the command read the file's distributions and dropped them (point figures only), while the
    # Portfolio page's downloads of the same scenario carried the ranges.
    raw = json.loads(PRESET.read_text())
    raw["workflows"][0]["success_rate"] = {"beta": [190, 200]}
    source = tmp_path / "uncertain.json"
    source.write_text(json.dumps(raw))
    target = tmp_path / "out.md"
    code, _, err = run_cli(capsys, "export", str(source), "--format", "md", "--output", str(target), *AS_OF_FLAG)
    assert (code, err) == (0, "")
    report = target.read_text()
    assert "190/200" in report
    assert "P10" in report
