"""What drives the savings (tornado, the verdict's reason) and how big a pilot must be (issue 12)."""

from __future__ import annotations

import re

import pytest

from costmodel.cost import compare
from costmodel.prices import Catalog
from costmodel.samplesize import pilot_size_advice, requests_for_half_width
from costmodel.sensitivity import tornado
from costmodel.uncertainty import Simulation, UncertainWorkflow, simulate
from costmodel.workflow import resolve_pricing
from tests.costmodel.core_support import check_workflow

# $100/h × 3.249 h/month of operations puts the seed workload's break-even at s = 0.88:
# 15,000 × (0.057·s − 0.0285) = 324.90 ⇒ s = 0.88
BREAK_EVEN_88 = {"hourly_rate_usd": 100.0, "ops_hours_per_month": 3.249}


def _sim(catalog: Catalog, uncertain: dict[str, str], **overrides: float) -> Simulation:
    uw = UncertainWorkflow(workflow=check_workflow(**overrides), uncertain=uncertain)
    return simulate(uw, resolve_pricing(uw.workflow, catalog))


def test_break_even_of_the_fixture_is_88_percent(catalog: Catalog) -> None:
    w = check_workflow(**BREAK_EVEN_88)
    assert compare(w, resolve_pricing(w, catalog)).break_even.success_rate == pytest.approx(0.88, abs=1e-6)


def test_the_reason_names_the_pilots_success_rate_against_the_break_even(catalog: Catalog) -> None:
    sim = _sim(catalog, {"success_rate": "190/200"}, **BREAK_EVEN_88)
    t = tornado(sim)
    assert [b.field for b in t.bars] == ["success_rate"]
    # Beta(191, 11): P10 ≈ 0.924, P90 ≈ 0.965
    assert t.reason == "batch pays unless first-pass success falls below 88.0%; your pilot puts it at 92.4%–96.5%"


def test_bars_are_ranked_by_swing_and_swing_each_input_alone(catalog: Catalog) -> None:
    uncertain = {"success_rate": "0.93:0.97", "output_tokens": "600:1100", "requests_per_day": "300:700"}
    sim = _sim(catalog, uncertain, **BREAK_EVEN_88)
    t = tornado(sim)
    assert [b.field for b in t.bars] == ["requests_per_day", "output_tokens", "success_rate"]
    swings = [b.swing_usd for b in t.bars]
    assert swings == sorted(swings, reverse=True)
    volume = t.bars[0]
    assert volume.low_value == pytest.approx(340, abs=6)
    assert volume.high_value == pytest.approx(660, abs=6)
    # by hand at the medians s ≈ 0.95, output ≈ 850: 30·v·(s·C_s − C_b) − 324.90, C_s = $0.05775, C_b = C_s/2
    c_sync = (15_000 * 3 + 850 * 15) / 1e6
    by_hand = 30 * volume.low_value * (0.95 * c_sync - c_sync / 2) - 324.90
    assert volume.net_savings_at_low_usd == pytest.approx(by_hand, abs=1.0)
    assert t.reason is not None
    assert t.reason.startswith("batch pays unless daily volume falls below ")
    assert re.search(r"; your range puts it at 3\d\d–6\d\d requests/day$", t.reason)


def test_reason_when_batch_pays_across_the_whole_range(catalog: Catalog) -> None:
    t = tornado(_sim(catalog, {"output_tokens": "600:1100"}))
    assert t.reason is not None
    assert re.fullmatch(
        r"batch pays whatever output tokens per request is \(your range puts it at 6[45]\d–1,0[45]\d tokens\), "
        r"the other inputs at their medians",
        t.reason,
    )


def test_reason_when_batch_pays_only_above_a_threshold(catalog: Catalog) -> None:
    t = tornado(_sim(catalog, {"success_rate": "0.8:0.9"}, **BREAK_EVEN_88))
    assert t.reason == "batch pays only if first-pass success rises above 88.0%; your range puts it at 80.9%–89.0%"


def test_no_uncertain_input_no_bars(catalog: Catalog) -> None:
    t = tornado(_sim(catalog, {}))
    assert t.bars == ()
    assert t.reason is None


# --- pilot size -----------------------------------------------------------------------------------------


def test_pilot_size_for_two_points_at_95_percent_matches_the_normal_approximation() -> None:
    # 1.645² · 0.95 · 0.05 / 0.02² = 321.3 → 322; the check: about 320, within 10 %
    n = pilot_size_advice(0.95, half_width=0.02).requests_for_precision
    assert n == 322
    assert abs(n - 320) / 320 < 0.10


@pytest.mark.parametrize(("p", "x", "want"), [(0.5, 0.05, 271), (0.9, 0.01, 2435), (0.99, 0.02, 67)])
def test_pilot_size_by_hand(p: float, x: float, want: int) -> None:
    assert requests_for_half_width(p, x) == want


def test_pilot_size_to_decide_near_the_break_even() -> None:
    advice = pilot_size_advice(0.92, half_width=0.02, break_even_success_rate=0.90, requests_already=200)
    # the 90 % interval must clear 0.90: x = 0.02 → same as the precision figure, 1.645²·0.92·0.08/0.02² = 497.8
    assert advice.requests_to_decide == advice.requests_for_precision == 498
    assert "about 498 requests (298 more than your 200)" in advice.statement
    far = pilot_size_advice(0.95, break_even_success_rate=0.5)
    assert far.requests_to_decide is not None
    assert far.requests_to_decide < 10
    close = pilot_size_advice(0.9, break_even_success_rate=0.9004)
    assert close.requests_to_decide is None
    assert "too close" in close.statement


@pytest.mark.parametrize(("p", "x"), [(0.95, 0.0), (0.95, 1.5), (1.2, 0.02), (-0.1, 0.02)])
def test_pilot_size_refuses_nonsense(p: float, x: float) -> None:
    with pytest.raises(ValueError, match="give"):
        pilot_size_advice(p, half_width=x)
