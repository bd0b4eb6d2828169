"""The price catalog at the command line's edge: the core builds one per call and keeps none, so a command builds
its catalog once per process and arguments (`commands.prices.catalog`) however often it prices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import costmodel.prices
from commands.prices import catalog
from tests.commands.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every catalog the core builds during the test, by its arguments."""
    seen: list[tuple[Any, ...]] = []
    real = costmodel.prices.load_catalog

    def counting(**kwargs: Any) -> Any:
        seen.append(tuple(sorted(kwargs.items())))
        return real(**kwargs)

    monkeypatch.setattr(costmodel.prices, "load_catalog", counting)
    catalog.cache_clear()
    yield seen
    catalog.cache_clear()


def test_the_core_builds_a_fresh_catalog_on_every_call() -> None:
    from datetime import date

    first = costmodel.prices.load_catalog(as_of=date(2026, 11, 30))
    second = costmodel.prices.load_catalog(as_of=date(2026, 11, 30))
    assert first == second
    assert first is not second, "the core keeps no cache: the edges do"


def test_evaluate_with_ranges_builds_its_catalog_once(builds: list[tuple[Any, ...]], tmp_path: Path) -> None:
    data = json.loads((ROOT / "data" / "presets" / "contract-review.json").read_text())
    data["workflows"][0]["success_rate"] = {"beta": [190, 200]}
    path = tmp_path / "ranged.json"
    path.write_text(json.dumps(data))
    code, out, err = run_cli(["evaluate", str(path), "--draws", "1000", "--as-of", "2026-11-30", "--json"])
    assert code == 0, err
    assert "probability_portfolio_saves" in json.loads(out)["portfolio"]
    assert len(builds) == 1, builds
    code, _, err = run_cli(["evaluate", str(path), "--draws", "1000", "--as-of", "2026-11-30", "--json"])
    assert code == 0, err
    assert len(builds) == 1, "the same process and arguments reuse the command's catalog"
