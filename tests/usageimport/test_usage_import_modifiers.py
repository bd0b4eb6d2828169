"""Imports that know what they cannot know: a missing service tier, speed, inference_geo, context windows.

Prices from Anthropic's pricing page (checked 2026-11-30): Sonnet 4.6 $3/MTok input (batch half); Opus 4.6
fast mode 6× standard; `inference_geo: us` 1.1× on tokens; Haiku 5.5 $0.10/MTok input up to 100k input
tokens per request and $0.50/MTok beyond (the report's `context_window` group says which).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from costmodel.usage import WhatIfAssumptions
from usageimport import analyze, load_files

AS_OF = date(2026, 11, 30)


def summary_of(path: Path):  # type: ignore[no-untyped-def]
    return analyze(load_files([path]), as_of=AS_OF, assumptions=WhatIfAssumptions(batchable_share=1.0)).summary


def test_a_csv_without_a_tier_column_is_tier_unknown_not_standard(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("date,model,input_tokens,output_tokens\n2026-10-01,claude-sonnet-4-6,1000000,0\n")
    s = summary_of(path)
    assert s.total.actual_usd == pytest.approx(3.0)
    assert s.total.whatif_usd == pytest.approx(3.0)  # not discounted a second time
    assert s.unknown_tier_rows == 1
    assert s.unknown_tier_share == pytest.approx(1.0)
    assert any("tier unknown" in w for w in s.warnings)


def test_empty_tier_cells_are_counted_apart_with_their_share_of_spend(tmp_path: Path) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(
        "date,model,service_tier,input_tokens,output_tokens\n"
        "2026-10-01,claude-sonnet-4-6,standard,1000000,0\n"
        "2026-10-01,claude-sonnet-4-6,,3000000,0\n"
    )
    s = summary_of(path)
    assert s.total.actual_usd == pytest.approx(12.0)
    assert s.total.whatif_usd == pytest.approx(1.5 + 9.0)
    assert s.unknown_tier_usd == pytest.approx(9.0)
    assert s.unknown_tier_share == pytest.approx(0.75)


def _page(tmp_path: Path, results: list[dict[str, object]]) -> Path:
    bucket = {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": results}
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"data": [bucket], "has_more": False, "next_page": None}))
    return path


def _row(**extra: object) -> dict[str, object]:
    return {"service_tier": "standard", "uncached_input_tokens": 1_000_000, "output_tokens": 0, **extra}


def test_report_rows_with_speed_fast_and_inference_geo_us_are_priced_as_such(tmp_path: Path) -> None:
    s = summary_of(
        _page(
            tmp_path,
            [
                _row(model="claude-opus-4-6", speed="fast"),
                _row(model="claude-sonnet-4-6", inference_geo="us"),
                _row(model="claude-sonnet-4-6", inference_geo="global"),
            ],
        )
    )
    assert s.total.actual_usd == pytest.approx(30.0 + 3.3 + 3.0)
    assert s.total.whatif_usd == pytest.approx(30.0 + 1.65 + 1.5)  # the fast row stays where it is
    assert s.fast_rows == 1
    assert s.geo_rows == 1


@pytest.mark.parametrize(("window", "usd"), [("0-100k", 0.1), ("100k-1M", 0.5)])
def test_haiku_5_5_context_window_group_selects_its_100k_step(tmp_path: Path, window: str, usd: float) -> None:
    s = summary_of(_page(tmp_path, [_row(model="claude-haiku-5-5", context_window=window)]))
    assert s.total.actual_usd == pytest.approx(usd)


def test_report_rows_grouped_without_service_tier_are_tier_unknown(tmp_path: Path) -> None:
    row = _row(model="claude-sonnet-4-6")
    del row["service_tier"]
    s = summary_of(_page(tmp_path, [row]))
    assert s.unknown_tier_rows == 1
    assert s.total.savings_usd == 0


def test_the_exports_sidecar_carries_the_tier_unknown_warning(tmp_path: Path) -> None:
    from usageimport.report import groups_csv, usage_assumptions

    path = tmp_path / "usage.csv"
    path.write_text("date,model,input_tokens,output_tokens\n2026-10-01,claude-sonnet-4-6,1000000,0\n")
    analysis = analyze(load_files([path]), as_of=AS_OF, assumptions=WhatIfAssumptions())
    sidecar = usage_assumptions(analysis).splitlines()
    assert sidecar[1].startswith("warning: tier unknown: 1 row (100.0% of spend, $3.00)")
    assert "tier,unknown,1," in groups_csv(analysis)


def test_the_per_model_chart_counts_tier_unknown_spend_as_not_on_batch(tmp_path: Path) -> None:
    from ui.usage_figures import actual_vs_whatif_figure

    path = tmp_path / "usage.csv"
    path.write_text("date,model,input_tokens,output_tokens\n2026-10-01,claude-sonnet-4-6,1000000,0\n")
    bars = {t.name: list(t.y) for t in actual_vs_whatif_figure(summary_of(path)).data}
    assert bars["actual: not on batch"] == [pytest.approx(3.0)]
    assert bars["batch what-if"] == [pytest.approx(3.0)]  # not moved


def test_saved_analytics_pages_of_flat_rows_import_as_usage_and_cost(tmp_path: Path) -> None:
    day = "2026-10-01T00:00:00Z"
    usage = {
        "data": [
            {"starting_at": day, "model": "claude-sonnet-4-6", "service_tier": "batch", "usage": _row()},
            {"starting_at": day, "model": "claude-opus-4-6", "service_tier": "standard", "speed": "fast", **_row()},
        ],
        "has_more": False,
    }
    cost = {"data": [{"starting_at": day, "model": "claude-sonnet-4-6", "amount": "150", "currency": "USD"}]}
    (tmp_path / "usage.json").write_text(json.dumps(usage))
    (tmp_path / "cost.json").write_text(json.dumps({**cost, "has_more": False}))
    result = load_files([tmp_path / "usage.json", tmp_path / "cost.json"])
    s = analyze(result, as_of=AS_OF, assumptions=WhatIfAssumptions()).summary
    assert result.usage_rows == 2
    assert s.total.actual_usd == pytest.approx(1.5 + 30.0)  # Sonnet 4.6 on batch; Opus 4.6 fast
    assert s.total.billed_usd == pytest.approx(1.5)  # 150 cents
