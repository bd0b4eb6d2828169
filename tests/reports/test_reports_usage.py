"""The Usage page's CSV downloads cannot run code either: a hostile `workflow` tag in a usage log stays text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from costmodel.usage import WhatIfAssumptions
from costmodel.workflow import Workflow
from reports.safe import FORMULA_TRIGGERS
from tests.costmodel.core_support import AS_OF
from tests.reports.reports_support import HOSTILE
from usageimport.analysis import Analysis, analyze, load_files
from usageimport.report import groups_csv, plan_csv, usage_assumptions

LOG_HEADER = "timestamp,model,workflow,service_tier,input_tokens,cache_creation_input_tokens,cache_read_input_tokens,"


def _analysis(tmp_path: Path) -> Analysis:
    log = tmp_path / "request_log.csv"
    quoted = HOSTILE.replace('"', '""')
    log.write_text(
        f"{LOG_HEADER}output_tokens\n"
        f'2026-10-05T03:32:53Z,claude-sonnet-4-5-20250929,"{quoted}",standard,1385,0,12000,749\n'
        "2026-10-06T03:32:53Z,claude-haiku-4-5-20251001,@claims,batch,3136,0,0,131\n"
    )
    return analyze(load_files([log]), as_of=AS_OF, assumptions=WhatIfAssumptions())


def _text_cells(text: str) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    return [c for c in cells if c and not c.lstrip("-").replace(".", "", 1).replace("e", "", 1).isdigit()]


def test_usage_totals_csv_quotes_formula_tags_and_pandas_opens_it(tmp_path: Path) -> None:
    text = groups_csv(_analysis(tmp_path))
    cells = _text_cells(text)
    assert "'" + HOSTILE in cells
    assert "'@claims" in cells
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns)[:2] == ["group", "key"]
    assert frame["actual_usd"].dtype == float


def test_plan_vs_actual_csv_quotes_formula_names(tmp_path: Path) -> None:
    analysis = _analysis(tmp_path)
    plan = [Workflow(name="+cmd", requests_per_day=10, input_tokens=1_000, output_tokens=100)]
    text = plan_csv(analysis, analysis.plan_vs_actual(plan))
    cells = _text_cells(text)
    assert "'+cmd" in cells
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert len(pd.read_csv(io.StringIO(text))) == 1


def test_usage_assumptions_sidecar_names_the_price_source(tmp_path: Path) -> None:
    analysis = _analysis(tmp_path)
    text = usage_assumptions(analysis)
    assert f"prices: {analysis.summary.price_source}" in text
    assert all(a in text for a in analysis.assumptions())
