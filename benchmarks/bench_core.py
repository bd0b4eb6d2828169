"""Core speed: `import costmodel`, a 1,000,000-variant what-if sweep, and the 1,000,000-item latency simulation.

Figures:
- `import costmodel` (and the core modules) in a fresh interpreter vs `import pandas` alone;
- costing 1,000,000 workflow variants (success rate, billed failure share, batch rounds, tokens,
  caching, volume) vectorised through `ModelPricing.request_cost_usd` and
  `costmodel.cost.expected_item_costs` vs pricing each variant with `genai_prices.calc_price`
  (one sync and one batch call per variant), timed on a sample and scaled; the two must agree
  to the cent on the sample's monthly totals before any figure is reported;
- `costmodel.sla.simulate_latency` over 1,000,000 items vs drawing 1,000,000 lognormal numbers
  with numpy alone (the floor for any simulation of that size).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from benchmarks._harness import Figure, best_time, figure, subprocess_import_seconds

VARIANTS = 1_000_000
SAMPLE = 2_000
SIM_ITEMS = 1_000_000
AS_OF = date(2026, 11, 21)
MODEL = "claude-sonnet-4-5"  # has a long-context tier (200k), so the sweep crosses it
CORE_MODULES = (
    "costmodel.cost, costmodel.sla, costmodel.recommend, costmodel.finance, costmodel.scenario, commands.plan"
)


def _import_figures() -> list[Figure]:
    empty = subprocess_import_seconds("pass")
    pandas = subprocess_import_seconds("import pandas")
    bare = subprocess_import_seconds("import costmodel")
    core = subprocess_import_seconds(f"import costmodel, {CORE_MODULES}")
    note = f"fresh interpreter, best of 5, start-up included in both (an empty interpreter: {empty:.3f} s)"
    return [
        figure("import costmodel", bare, "s", "import pandas", pandas, note),
        figure("import costmodel + cost/sla/recommend/finance/scenario/cli", core, "s", "import pandas", pandas, note),
    ]


def _variants(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """A what-if grid drawn at random: whole token counts, as a request log would have them."""
    rng = np.random.default_rng(seed)
    long = rng.random(n) < 0.05  # some variants above the 200k long-context threshold
    input_tokens = np.where(long, rng.integers(200_001, 400_000, n), rng.integers(500, 60_000, n))
    prefix = np.floor(input_tokens * rng.random(n) * 0.8)
    sync_hits = np.floor(prefix * rng.choice([0.0, 0.5, 0.9], n))
    batch_hits = np.floor(prefix * rng.choice([0.0, 0.3, 0.6], n))
    return {
        "input": input_tokens.astype(np.float64),
        "prefix": prefix,
        "sync_read": sync_hits,
        "sync_write_5m": prefix - sync_hits,
        "batch_read": batch_hits,
        "batch_write_1h": prefix - batch_hits,
        "output": rng.integers(50, 8_000, n).astype(np.float64),
        "success_rate": rng.uniform(0.5, 1.0, n),
        "billed_failure_share": rng.choice([0.0, 0.5, 1.0], n),
        "rounds": rng.integers(1, 4, n),
        "requests_per_month": rng.integers(100, 200_000, n).astype(np.float64),
    }


def _vectorised(pricing: object, v: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Monthly sync and batch totals for every variant [USD/month]."""
    from costmodel.cost import expected_item_costs

    c_sync = pricing.request_cost_usd(  # type: ignore[attr-defined]
        "sync",
        uncached_input_tokens=v["input"] - v["prefix"],
        output_tokens=v["output"],
        cache_write_5m_tokens=v["sync_write_5m"],
        cache_read_tokens=v["sync_read"],
    )
    c_batch = pricing.request_cost_usd(  # type: ignore[attr-defined]
        "batch",
        uncached_input_tokens=v["input"] - v["prefix"],
        output_tokens=v["output"],
        cache_write_1h_tokens=v["batch_write_1h"],
        cache_read_tokens=v["batch_read"],
    )
    sync_item, batch_item = expected_item_costs(
        c_sync,
        c_batch,
        success_rate=v["success_rate"],
        billed_failure_share=v["billed_failure_share"],
        retry_route="batch",
        max_batch_rounds=v["rounds"],
    )
    n = v["requests_per_month"]
    return n * sync_item, n * batch_item


def _calc_price_totals(v: dict[str, np.ndarray], count: int) -> tuple[list[float], list[float]]:
    """The same totals with genai-prices pricing each request (one sync, one batch call per variant)."""
    from genai_prices import Usage, calc_price

    from costmodel.cost import expected_item_costs

    when = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=UTC)
    batch_context = {"processing": "batch"}
    sync_totals, batch_totals = [], []
    for i in range(count):
        total_input = int(v["input"][i])
        sync_usage = Usage(
            input_tokens=total_input,
            cache_write_tokens=int(v["sync_write_5m"][i]),
            cache_read_tokens=int(v["sync_read"][i]),
            output_tokens=int(v["output"][i]),
        )
        batch_usage = Usage(
            input_tokens=total_input,
            cache_write_tokens=int(v["batch_write_1h"][i]),
            cache_write_1h_tokens=int(v["batch_write_1h"][i]),
            cache_read_tokens=int(v["batch_read"][i]),
            output_tokens=int(v["output"][i]),
        )
        c_sync = float(calc_price(sync_usage, MODEL, provider_id="anthropic", genai_request_timestamp=when).total_price)
        c_batch = float(
            calc_price(
                batch_usage, MODEL, provider_id="anthropic", genai_request_timestamp=when, price_context=batch_context
            ).total_price
        )
        sync_item, batch_item = expected_item_costs(
            c_sync,
            c_batch,
            success_rate=float(v["success_rate"][i]),
            billed_failure_share=float(v["billed_failure_share"][i]),
            retry_route="batch",
            max_batch_rounds=int(v["rounds"][i]),
        )
        n = float(v["requests_per_month"][i])
        sync_totals.append(n * sync_item)
        batch_totals.append(n * batch_item)
    return sync_totals, batch_totals


def _sweep_figures() -> list[Figure]:
    from costmodel.prices import load_catalog

    pricing = load_catalog(as_of=AS_OF).get(MODEL)
    assert pricing.batch_rate_published, f"{MODEL} should have a published batch rate for this comparison"
    v = _variants(VARIANTS)
    sync_totals, batch_totals = _vectorised(pricing, v)

    sample = {k: a[:SAMPLE] for k, a in v.items()}
    ref_sync, ref_batch = _calc_price_totals(sample, SAMPLE)
    worst = max(
        float(np.max(np.abs(sync_totals[:SAMPLE] - np.array(ref_sync)))),
        float(np.max(np.abs(batch_totals[:SAMPLE] - np.array(ref_batch)))),
    )
    if worst >= 0.005:
        raise AssertionError(f"vectorised totals differ from genai_prices.calc_price by ${worst:.4f} on the sample")
    long_share = float(np.mean(v["input"][:SAMPLE] > 200_000))

    vectorised = best_time(lambda: _vectorised(pricing, v), repeat=5)
    per_sample = best_time(lambda: _calc_price_totals(sample, SAMPLE), repeat=2)
    scaled = per_sample * VARIANTS / SAMPLE
    return [
        figure(
            "cost 1,000,000 workflow variants, vectorised",
            vectorised,
            "s",
            "genai_prices.calc_price per variant",
            scaled,
            f"calc_price timed on {SAMPLE:,} variants (2 calls each) and scaled ×{VARIANTS // SAMPLE}; "
            f"totals agree to ${worst:.2e} on the sample ({long_share:.0%} long-context)",
        )
    ]


def _simulation_figures() -> list[Figure]:
    from costmodel.sla import SlaInputs, simulate_latency

    inputs = SlaInputs(sla_hours=30, requests_per_day=500)
    latency = simulate_latency(inputs, 4.0, samples=SIM_ITEMS)
    assert latency.shape == (SIM_ITEMS,)
    sigma = np.log(inputs.p90_processing_hours / inputs.median_processing_hours) / 1.2815515655446004
    mu = float(np.log(inputs.median_processing_hours))

    def numpy_only() -> object:
        return np.random.default_rng(1).lognormal(mu, sigma, SIM_ITEMS)

    simulated = best_time(lambda: simulate_latency(inputs, 4.0, samples=SIM_ITEMS), repeat=5)
    floor = best_time(numpy_only, repeat=5)
    return [
        figure(
            "simulate 1,000,000 items' latency (1 round, 4 h windows)",
            simulated,
            "s",
            "numpy: 1,000,000 lognormal draws",
            floor,
            "simulation draws arrival offsets, turnaround, expiry and one more turnaround per item",
        )
    ]


def run() -> list[Figure]:
    return [*_import_figures(), *_sweep_figures(), *_simulation_figures()]
