"""Ranges instead of false precision: uncertain workflow inputs and a seeded, vectorised Monte Carlo.

An input in `UNCERTAIN_FIELDS` may be a distribution instead of a number. Written as JSON (scenario
files) or on the command line:

    0.95                          a point (a plain number still means a point)
    {"range": [0.9, 0.98]}        uniform between lo and hi          CLI: 0.9:0.98
    {"triangular": [lo, mode, hi]} triangular                        CLI: lo:mode:hi
    {"beta": [190, 200]}          a pilot's k usable of n: Beta(k+1, n−k+1)   CLI: 190/200
    {"sample": [812, 640, ...]}   observations (e.g. output tokens per request from a pilot or a
                                  request log): the input is their average, as uncertain as a
                                  sample mean is (normal approximation, sd/√n)

Glossary:
- draw: one joint sample of every uncertain input. Sync and batch are costed on the same draw
  (common random numbers), so a saving is never the difference of two unrelated samples.
- `P10`, `P50`, `P90`: 10th, 50th (median) and 90th percentiles across draws.
- Each uncertain input has its own random stream (`seed`, field index): declaring one more
  uncertain input does not reshuffle the others.

The cost formula is the core's, never restated: attempt costs come from `cost.request_costs` (called
at the knots of each input's piecewise-linear curve, see `attempt_costs`), monthly figures from
`cost.monthly_figures` fed the draws as numpy arrays (it calls `expected_item_costs` elementwise). With
only point inputs every range is the point figure of `compare`, to the cent.

Portfolio ranges keep each workflow's verdict at its point figures (the plan you commit to) and let
spend vary around it; `probability_verdict_flips` says how often the economics would point the
other way. Money is USD per month unless the name says otherwise.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError, model_validator

from costmodel import formatting
from costmodel._base import MAX_MAGNITUDE, StrictModel
from costmodel.cost import Comparison, compare, monthly_figures, request_costs
from costmodel.prices import ModelPricing
from costmodel.scenario import Scenario
from costmodel.sla import Z90
from costmodel.workflow import Workflow, WorkflowError

if TYPE_CHECKING:
    from costmodel.finance import FinanceInputs
    from costmodel.recommend import Verdict, WorkflowResult
    from costmodel.sla import SlaPlan
    from costmodel.turnaround import TurnaroundFit

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "UNCERTAIN_FIELDS",
    "Distribution",
    "FieldSpec",
    "Histogram",
    "PortfolioRanges",
    "Range",
    "SavingsBand",
    "UncertainInput",
    "UncertainScenario",
    "UncertainWorkflow",
    "WorkflowRanges",
    "describe",
    "draw",
    "net_savings_histogram",
    "parse_distribution",
    "planned_spend",
    "point_of",
    "portfolio_ranges",
    "savings_band",
    "simulate",
    "split_uncertain",
    "to_json_value",
    "to_text",
    "token_samples",
    "turnaround_distribution",
    "uncertain_scenario_from_json",
    "uncertain_scenario_to_json",
    "with_distributions",
    "workflow_ranges",
]

Array = npt.NDArray[np.float64]

DEFAULT_DRAWS = 10_000
"""Draws per workflow: P10/P90 of a smooth figure move by well under 1 % between seeds [draws]."""
DEFAULT_SEED = 20261130
"""Fixed seed: the same inputs always give the same ranges."""
MAX_SAMPLE_VALUES = 1_000_000
"""Most observations one `sample` distribution may hold [values]."""


# --- which inputs may be uncertain -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One input that may be uncertain: its words, its bounds and how to print a value."""

    label: str
    """Words for the input in sentences, e.g. `first-pass success rate`."""
    lo: float
    """Smallest allowed value."""
    hi: float
    """Largest allowed value."""
    lo_open: bool = False
    """True when `lo` itself is not allowed (a success rate of 0)."""
    unit: Literal["share", "tokens", "requests/day", "requests/month", "hours"] = "share"
    """How values print: `share` as %, the rest as numbers with the unit."""

    def format(self, value: float) -> str:
        """The value as a reader would say it (`91.0%`, `1,100 tokens`, `30 min`); shares and durations as
        costmodel.formatting."""
        if self.unit == "share":
            return formatting.share(value)
        if self.unit == "hours":
            return formatting.hours(value)
        return f"{value:,.0f} {self.unit}"


UNCERTAIN_FIELDS: dict[str, FieldSpec] = {
    "success_rate": FieldSpec("first-pass success", 0.0, 1.0, lo_open=True),
    "cache_hit_rate": FieldSpec("the sync cache-hit rate", 0.0, 1.0),
    "batch_cache_hit_rate": FieldSpec("the batch cache-hit rate", 0.0, 1.0),
    "billed_failure_share": FieldSpec("the billed share of failed attempts", 0.0, 1.0),
    "input_tokens": FieldSpec("input tokens per request", 0.0, MAX_MAGNITUDE, unit="tokens"),
    "output_tokens": FieldSpec("output tokens per request", 0.0, MAX_MAGNITUDE, unit="tokens"),
    "requests_per_day": FieldSpec("daily volume", 0.0, MAX_MAGNITUDE, unit="requests/day"),
    "requests_per_month": FieldSpec("monthly volume", 0.0, MAX_MAGNITUDE, unit="requests/month"),
    "median_processing_hours": FieldSpec("median batch turnaround", 0.0, MAX_MAGNITUDE, lo_open=True, unit="hours"),
    "monthly_growth": FieldSpec("monthly growth", -0.5, 5.0),
}
"""Inputs that may be given as distributions, by model field name. `median_processing_hours` is the
SLA's (its p90 scales with it); `monthly_growth` is the portfolio's (finance)."""
WORKFLOW_FIELDS = tuple(k for k in UNCERTAIN_FIELDS if k not in ("median_processing_hours", "monthly_growth"))
ATTEMPT_COST_FIELDS = ("input_tokens", "output_tokens", "cache_hit_rate", "batch_cache_hit_rate")
VOLUME_FIELDS = ("requests_per_day", "requests_per_month")


# --- distributions -------------------------------------------------------------------------------


class PointValue(StrictModel):
    """A known value."""

    kind: Literal["point"] = "point"
    """Discriminator."""
    value: float = Field(allow_inf_nan=False)
    """The value."""


class UniformRange(StrictModel):
    """Anywhere between `lo` and `hi`, equally likely."""

    kind: Literal["range"] = "range"
    """Discriminator."""
    lo: float = Field(allow_inf_nan=False)
    """Lower end."""
    hi: float = Field(allow_inf_nan=False)
    """Upper end (≥ lo)."""

    @model_validator(mode="after")
    def _ordered(self) -> UniformRange:
        if self.hi < self.lo:
            raise ValueError(f"range {to_text(self)} runs backwards: give the lower end first")
        return self


class Triangular(StrictModel):
    """Between `lo` and `hi`, most likely near `mode`."""

    kind: Literal["triangular"] = "triangular"
    """Discriminator."""
    lo: float = Field(allow_inf_nan=False)
    """Lower end."""
    mode: float = Field(allow_inf_nan=False)
    """Most likely value."""
    hi: float = Field(allow_inf_nan=False)
    """Upper end."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.lo <= self.mode <= self.hi:
            raise ValueError(f"triangular {to_text(self)}: give lo ≤ most likely ≤ hi")
        return self


class PilotCounts(StrictModel):
    """A pilot's `usable` of `requests`: the success rate's posterior Beta(k+1, n−k+1) (uniform prior)."""

    kind: Literal["beta"] = "beta"
    """Discriminator."""
    usable: int = Field(ge=0, le=10**9)
    """k: requests whose first result was usable [requests]."""
    requests: int = Field(ge=1, le=10**9)
    """n: requests in the pilot [requests]."""

    @model_validator(mode="after")
    def _k_within_n(self) -> PilotCounts:
        if self.usable > self.requests:
            raise ValueError(f"pilot {to_text(self)}: usable results cannot exceed requests")
        return self


class Sample(StrictModel):
    """Observations whose average is the input (tokens per request from a pilot or a request log)."""

    kind: Literal["sample"] = "sample"
    """Discriminator."""
    values: tuple[Annotated[float, Field(allow_inf_nan=False)], ...] = Field(
        min_length=1, max_length=MAX_SAMPLE_VALUES
    )
    """The observations."""


DISTRIBUTION_HELP = (
    'give a number, lo:hi, lo:mode:hi, k/n (pilot counts), or JSON {"range": [lo, hi]}, '
    '{"triangular": [lo, mode, hi]}, {"beta": [k, n]}, {"sample": [v, ...]}'
)
_COMPACT_ARITY = {"range": ("lo", "hi"), "triangular": ("lo", "mode", "hi"), "beta": ("usable", "requests")}


def _compact(value: Any) -> Any:
    """Accept the short forms (number, `lo:hi`, `k/n`, `{"range": [lo, hi]}` …) as well as the long one."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a distribution: {DISTRIBUTION_HELP}")
    if isinstance(value, int | float):
        return {"kind": "point", "value": value}
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, dict) and "kind" not in value:
        if len(value) != 1:
            raise ValueError(f"a distribution has exactly one key: {DISTRIBUTION_HELP}")
        key, arg = next(iter(value.items()))
        if key == "point":
            return {"kind": "point", "value": arg}
        if key == "sample":
            return {"kind": "sample", "values": arg}
        names = _COMPACT_ARITY.get(key)
        if names is None:
            raise ValueError(f"unknown distribution {key!r}: {DISTRIBUTION_HELP}")
        if not isinstance(arg, list | tuple) or len(arg) != len(names):
            raise ValueError(f"{key} takes a list of {len(names)} numbers [{', '.join(names)}]")
        return {"kind": key, **dict(zip(names, arg, strict=True))}
    return value


def _parse_text(text: str) -> dict[str, Any]:
    t = text.strip().replace(" ", "")
    try:
        if "/" in t:
            k, n = t.split("/")
            return {"kind": "beta", "usable": int(k), "requests": int(n)}
        parts = [float(p) for p in t.split(":")]
    except ValueError:
        raise ValueError(f"cannot read {text!r}: {DISTRIBUTION_HELP}") from None
    if len(parts) == 1:
        return {"kind": "point", "value": parts[0]}
    if len(parts) == 2:
        return {"kind": "range", "lo": parts[0], "hi": parts[1]}
    if len(parts) == 3:
        return {"kind": "triangular", "lo": parts[0], "mode": parts[1], "hi": parts[2]}
    raise ValueError(f"cannot read {text!r}: {DISTRIBUTION_HELP}")


Distribution = Annotated[
    PointValue | UniformRange | Triangular | PilotCounts | Sample,
    Field(discriminator="kind"),
    BeforeValidator(_compact),
]
"""Any distribution, from its long or short form."""
_DISTRIBUTION: TypeAdapter[PointValue | UniformRange | Triangular | PilotCounts | Sample] = TypeAdapter(Distribution)


def parse_distribution(text: str) -> PointValue | UniformRange | Triangular | PilotCounts | Sample:
    """A distribution from CLI text (`0.95`, `0.9:0.98`, `0.9:0.95:0.98`, `190/200`); ValueError says how to fix."""
    try:
        return _DISTRIBUTION.validate_python(text)
    except ValidationError as exc:
        from costmodel.errors import problem_lines

        tags = ("input: ", "point: ", "range: ", "triangular: ", "beta: ", "sample: ")
        lines = [line.removeprefix(next((t for t in tags if line.startswith(t)), "")) for line in problem_lines(exc)]
        raise ValueError("; ".join(lines)) from None


def point_of(d: Any) -> float:
    """The value a point plan uses: the point, a range's midpoint, the mode, k/n, or the sample mean."""
    if isinstance(d, PointValue):
        return d.value
    if isinstance(d, UniformRange):
        return (d.lo + d.hi) / 2
    if isinstance(d, Triangular):
        return d.mode
    if isinstance(d, PilotCounts):
        # the measured rate; a pilot with nothing usable keeps the posterior mean so that s > 0
        return d.usable / d.requests if d.usable else (d.usable + 1) / (d.requests + 2)
    return float(np.mean(d.values))


def _sample_sd_of_mean(d: Sample) -> float:
    n = len(d.values)
    return float(np.std(d.values, ddof=1) / math.sqrt(n)) if n > 1 else 0.0


def support(d: Any) -> tuple[float, float]:
    """Smallest and largest value a draw can take (a sample's mean: ± 6 standard errors)."""
    if isinstance(d, PointValue):
        return d.value, d.value
    if isinstance(d, UniformRange | Triangular):
        return d.lo, d.hi
    if isinstance(d, PilotCounts):
        return 0.0, 1.0
    mean, sd = point_of(d), _sample_sd_of_mean(d)
    return mean - 6 * sd, mean + 6 * sd


def draw(d: Any, rng: np.random.Generator, size: int) -> Array:
    """`size` draws of the distribution."""
    if isinstance(d, PointValue):
        return np.full(size, d.value)
    if isinstance(d, UniformRange):
        return d.lo + (d.hi - d.lo) * rng.random(size)
    if isinstance(d, Triangular):
        if d.lo == d.hi:
            return np.full(size, d.lo)
        return rng.triangular(d.lo, d.mode, d.hi, size)
    if isinstance(d, PilotCounts):
        return rng.beta(d.usable + 1, d.requests - d.usable + 1, size)
    return point_of(d) + _sample_sd_of_mean(d) * rng.standard_normal(size)


Z10 = -Z90
"""Standard normal quantile at 0.1."""


def quantiles(d: Any) -> tuple[float, float, float] | None:
    """P10, P50, P90 of a distribution in closed form (None for pilot counts: those come from the draws)."""
    if isinstance(d, PointValue):
        return d.value, d.value, d.value
    if isinstance(d, UniformRange):
        return tuple(d.lo + q * (d.hi - d.lo) for q in (0.1, 0.5, 0.9))  # type: ignore[return-value]
    if isinstance(d, Triangular):
        width = d.hi - d.lo
        if width == 0:
            return d.lo, d.lo, d.lo
        c, left, right = (d.mode - d.lo) / width, d.mode - d.lo, d.hi - d.mode
        return tuple(  # type: ignore[return-value]
            d.lo + math.sqrt(q * width * left) if q < c else d.hi - math.sqrt((1 - q) * width * right)
            for q in (0.1, 0.5, 0.9)
        )
    if isinstance(d, Sample):
        mean, sd = point_of(d), _sample_sd_of_mean(d)
        return mean + Z10 * sd, mean, mean - Z10 * sd
    return None


def describe(d: Any, spec: FieldSpec | None = None) -> str:
    """The distribution in words, e.g. `pilot 190/200 usable: Beta(191, 11)`."""
    fmt = spec.format if spec is not None else (lambda v: f"{v:g}")
    if isinstance(d, PointValue):
        return f"point {fmt(d.value)}"
    if isinstance(d, UniformRange):
        return f"range {fmt(d.lo)} – {fmt(d.hi)} (uniform)"
    if isinstance(d, Triangular):
        return f"triangular {fmt(d.lo)} – {fmt(d.hi)}, most likely {fmt(d.mode)}"
    if isinstance(d, PilotCounts):
        return f"pilot {d.usable}/{d.requests} usable: Beta({d.usable + 1}, {d.requests - d.usable + 1})"
    return f"average of {len(d.values):,} observations: {fmt(point_of(d))} ± {fmt(_sample_sd_of_mean(d))} (1 sd)"


def to_text(d: Any) -> str:
    """The distribution in the command line's syntax, what `parse_distribution` reads back (`0.95`, `0.9:0.98`,
    `600:800:1100`, `190/200`); a sample, which has no short syntax, reads `sample of N values`."""
    short = to_json_value(d)  # the short JSON form's numbers, in order, joined as the CLI writes them
    if not isinstance(short, dict):
        return f"{short:g}"
    ((kind, numbers),) = short.items()
    if kind == "sample":
        return f"sample of {len(numbers):,} values"
    return ("/" if kind == "beta" else ":").join(f"{n:g}" for n in numbers)


def to_json_value(d: Any) -> Any:
    """The short JSON form (what scenario files hold)."""
    if isinstance(d, PointValue):
        return d.value
    if isinstance(d, UniformRange):
        return {"range": [d.lo, d.hi]}
    if isinstance(d, Triangular):
        return {"triangular": [d.lo, d.mode, d.hi]}
    if isinstance(d, PilotCounts):
        return {"beta": [d.usable, d.requests]}
    return {"sample": list(d.values)}


# --- a workflow with uncertain inputs ------------------------------------------------------------

UncertainField = Literal[
    "success_rate",
    "cache_hit_rate",
    "batch_cache_hit_rate",
    "billed_failure_share",
    "input_tokens",
    "output_tokens",
    "requests_per_day",
    "requests_per_month",
    "median_processing_hours",
]


def _with_points(workflow: Mapping[str, Any], uncertain: Mapping[str, Any]) -> dict[str, Any]:
    """The workflow's fields with each uncertain input replaced by its distribution's point value."""
    data = dict(workflow)
    for name, raw in uncertain.items():
        try:
            value = point_of(_DISTRIBUTION.validate_python(raw))
        except ValidationError:
            continue  # reported with its field name by the model's own validation
        if name == "median_processing_hours":
            sla = data.get("sla")
            if isinstance(sla, Mapping):
                old = float(sla.get("median_processing_hours", 0.25))
                p90 = float(sla.get("p90_processing_hours", 1.0))
                # the turnaround's shape stays: p90 moves with the median
                scale = value / old if old > 0 else 1.0
                data["sla"] = {**sla, "median_processing_hours": value, "p90_processing_hours": p90 * scale}
        elif name in WORKFLOW_FIELDS and not (name in VOLUME_FIELDS and data.get(name) is None):
            data[name] = value
    return data


def bounds_problem(name: str, d: Any) -> str | None:
    """What is wrong with `d` as the distribution of input `name` on its own (None: nothing)."""
    spec = UNCERTAIN_FIELDS[name]
    if isinstance(d, PilotCounts) and spec.unit != "share":
        return "pilot counts k/n describe a share; give a range or a sample instead"
    # a Beta lives on (0, 1); a sample's mean lies within its values
    lo, hi = (min(d.values), max(d.values)) if isinstance(d, Sample) else support(d)
    bad_lo = not isinstance(d, PilotCounts) and (lo <= spec.lo if spec.lo_open else lo < spec.lo)
    if bad_lo or hi > spec.hi:
        allowed = f"{'(' if spec.lo_open else '['}{spec.lo:g}, {spec.hi:g}]"
        return f"{describe(d)} goes outside {allowed}; narrow it"
    return None


class UncertainWorkflow(StrictModel):
    """A point workflow plus the inputs that are uncertain; the workflow carries their point values."""

    workflow: Workflow
    """The workflow at point values (a distribution's midpoint, mode, k/n or sample mean)."""
    uncertain: dict[UncertainField, Distribution] = Field(default_factory=dict)
    """Distribution of each uncertain input, by workflow field name."""

    @model_validator(mode="before")
    @classmethod
    def _points_into_workflow(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not isinstance(data.get("uncertain"), Mapping):
            return data
        workflow = data.get("workflow")
        if isinstance(workflow, Workflow):
            workflow = workflow.model_dump()
        if isinstance(workflow, Mapping):
            return {**data, "workflow": _with_points(workflow, data["uncertain"])}
        return data

    @model_validator(mode="after")
    def _within_bounds(self) -> UncertainWorkflow:
        w = self.workflow
        for name, d in self.uncertain.items():
            problem = bounds_problem(name, d)
            if problem:
                raise ValueError(f"{name}: {problem}")
            lo = min(d.values) if isinstance(d, Sample) else support(d)[0]
            if name == "median_processing_hours" and w.sla is None:
                raise ValueError("median_processing_hours: the workflow has no SLA to apply a turnaround to")
            if name in VOLUME_FIELDS and getattr(w, name) is None:
                other = "requests_per_month" if name == "requests_per_day" else "requests_per_day"
                raise ValueError(f"{name}: the workflow's volume is given as {other}; make that one uncertain")
            if name == "input_tokens" and lo < w.cached_input_tokens:
                raise ValueError(
                    f"input_tokens: {describe(d)} reaches below the cacheable prefix "
                    f"({w.cached_input_tokens:,.0f} tokens), which is part of the input; raise its lower end"
                )
        return self

    @property
    def is_uncertain(self) -> bool:
        """True when any input is a distribution other than a point."""
        return any(not isinstance(d, PointValue) for d in self.uncertain.values())


def split_uncertain(workflow_data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A workflow's JSON object with inline distributions → (plain workflow fields, distributions by field).

    `{"success_rate": {"beta": [190, 200]}, "sla": {"median_processing_hours": "0.2:0.6"}}`: every
    uncertain input that is not a plain number moves to the second mapping (its point stays in the first).
    """
    plain = dict(workflow_data)
    uncertain: dict[str, Any] = {}
    for name in WORKFLOW_FIELDS:
        if name in plain and not _is_number(plain[name]):
            uncertain[name] = plain.pop(name)
    sla = plain.get("sla")
    if isinstance(sla, Mapping) and "median_processing_hours" in sla and not _is_number(sla["median_processing_hours"]):
        uncertain["median_processing_hours"] = sla["median_processing_hours"]
        plain["sla"] = {k: v for k, v in sla.items() if k != "median_processing_hours"}
    return _with_points(plain, uncertain) if uncertain else plain, uncertain


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


# --- the simulation --------------------------------------------------------------------------------


class Range(StrictModel):
    """P10, P50 and P90 of one figure across the draws (None where the figure does not exist, e.g. never pays)."""

    p10: float | None
    """10th percentile."""
    p50: float | None
    """Median: the headline."""
    p90: float | None
    """90th percentile."""

    @classmethod
    def of(cls, values: Any, *, order_statistic: bool = False) -> Range:
        """Percentiles of an array (or one repeated value); `order_statistic` picks draws, never between two
        (for figures that may be infinite, like a break-even that never comes)."""
        a = np.asarray(values, dtype=float)
        if a.ndim == 0:
            v = float(a)
            return cls(p10=v, p50=v, p90=v)
        q = np.percentile(a, [10, 50, 90], method="inverted_cdf" if order_statistic else "linear")
        return cls(**{k: float(v) if np.isfinite(v) else None for k, v in zip(("p10", "p50", "p90"), q, strict=True)})

    def shifted(self, amount: float) -> Range:
        """Every percentile + amount."""
        return Range(**{k: None if v is None else v + amount for k, v in self.model_dump().items()})

    def scaled(self, factor: float) -> Range:
        """Every percentile × factor (e.g. 12 for a year)."""
        return Range(**{k: None if v is None else v * factor for k, v in self.model_dump().items()})


class UncertainInput(StrictModel):
    """One uncertain input as the simulation drew it."""

    field: str
    """Model field name."""
    label: str
    """In words."""
    distribution: str
    """The distribution in words."""
    json_value: Any
    """The distribution in its short JSON form."""
    drawn: Range
    """P10/P50/P90 of the draws."""


@dataclass(frozen=True)
class Outcome:
    """Monthly figures for a batch of input values (one per draw, or a tornado's swings), as arrays [USD/month]."""

    sync_total: Array
    """Sync cash total."""
    batch_tokens: Array
    """Batch cash for requests, resubmissions included."""
    waiting: Array
    """Cost of waiting (economic, not cash)."""
    batch_total: Array
    """Batch cash total: requests + overheads."""
    net_savings: Array
    """Cash savings: sync total − batch total."""
    net_benefit: Array
    """What the verdict weighs: cash savings − cost of waiting."""
    overhead: float
    """Fixed overheads (not uncertain)."""
    rescue_all: Array
    """What running every batched item sync instead would add: N·(sync item − batch item) (cash; the deadline
    guard rescues a share of it)."""


KNOT_DEPTH = 12
"""Halvings before a stretch of an attempt-cost curve that is still not straight is priced draw by draw."""
KNOT_RTOL = 1e-12


def _attempt_cost_at(workflow: Workflow, pricing: ModelPricing, field: str, x: float) -> Array:
    """(C_sync, C_batch) from the core's `request_costs` with one input at `x` [USD]."""
    rc = request_costs(workflow.model_copy(update={field: float(x)}), pricing)
    return np.array([rc.sync_usd, rc.batch_usd])


def _attempt_cost_curve(
    workflow: Workflow, pricing: ModelPricing, field: str, x: Array, *, base: Array | None = None
) -> Array:
    """(C_sync, C_batch) at every value in `x`, shape (2, len(x)) [USD].

    Attempt costs are piecewise linear in tokens and hit rates: the cheapest caching strategy is the
    lowest of three lines (concave: any bend lifts the midpoint off the chord) and a long-context tier
    is one jump up. So the core's `request_costs` is called at the ends and at midpoints, halving only
    stretches whose midpoint leaves the chord, and straight stretches are interpolated. Values in a
    stretch still not straight after `KNOT_DEPTH` halvings (a jump) are priced one by one.
    """
    lo, hi = float(np.min(x)), float(np.max(x))
    cost = functools.partial(_attempt_cost_at, workflow, pricing, field)
    if hi <= lo:
        return np.repeat(cost(lo)[:, None], len(x), axis=1)
    knots: dict[float, Array] = {lo: cost(lo), hi: cost(hi)}
    here = float(getattr(workflow, field))
    if base is not None and lo < here < hi:
        knots[here] = base  # the workflow's own value, already priced: the first chord test is free
    unresolved: list[tuple[float, float]] = []
    todo = [(lo, hi, 0)]
    while todo:
        a, b, depth = todo.pop()
        m = here if a < here < b and here in knots else (a + b) / 2
        if m not in knots:
            knots[m] = cost(m)
        on_chord = knots[a] + (knots[b] - knots[a]) * (m - a) / (b - a)
        if np.all(np.abs(knots[m] - on_chord) <= KNOT_RTOL * np.maximum(1e-9, np.abs(knots[m]))):
            continue
        if depth >= KNOT_DEPTH:
            unresolved.append((a, b))
            continue
        todo += [(a, m, depth + 1), (m, b, depth + 1)]
    xs = np.array(sorted(knots))
    ys = np.array([knots[k] for k in xs]).T
    if not unresolved and len(knots) <= 3 and len(todo) == 0 and _collinear(xs, ys):
        slope = (ys[:, -1] - ys[:, 0]) / (xs[-1] - xs[0])
        out = ys[:, :1] + slope[:, None] * (x - xs[0])[None, :]
    else:
        out = np.vstack([np.interp(x, xs, ys[0]), np.interp(x, xs, ys[1])])
    for a, b in unresolved:
        inside = np.nonzero((x > a) & (x < b))[0]
        for i in inside:
            out[:, i] = cost(float(x[i]))
    return np.asarray(out, dtype=float)


def _collinear(xs: Array, ys: Array) -> bool:
    """True when every knot lies on the chord of the first and last (a straight curve)."""
    chord = ys[:, :1] + (ys[:, -1:] - ys[:, :1]) * ((xs - xs[0]) / (xs[-1] - xs[0]))[None, :]
    return bool(np.all(np.abs(ys - chord) <= KNOT_RTOL * np.maximum(1e-9, np.abs(ys))))


def attempt_costs(
    workflow: Workflow, pricing: ModelPricing, point: Comparison, values: Mapping[str, Any]
) -> tuple[Any, Any]:
    """`C_sync`, `C_batch` for arrays of tokens and hit rates, from the core's `request_costs` [USD].

    Each input moves the attempt costs on its own (tokens and each API's hit rate price different
    token kinds), so the effects add: C = C₀ + Σ_i (C(x_i) − C₀). The sum is checked against the core
    on a joint draw; where inputs interact (a long-context tier), every draw is priced by the core.
    """
    fields = [k for k in ATTEMPT_COST_FIELDS if k in values]
    if not fields:
        return point.request_costs.sync_usd, point.request_costs.batch_usd
    # `point` is compare(workflow): its attempt costs are the curves' common point
    base = np.array([point.request_costs.sync_usd, point.request_costs.batch_usd])
    arrays = {k: np.atleast_1d(np.asarray(values[k], dtype=float)) for k in fields}
    size = max(a.size for a in arrays.values())
    total = np.repeat(base[:, None], size, axis=1)
    for k in fields:
        curve = _attempt_cost_curve(workflow, pricing, k, np.broadcast_to(arrays[k], (size,)), base=base)
        total = total + (curve - base[:, None])
    if len(fields) > 1:
        checks = range(min(size, 1))
        exact = {i: _joint_cost(workflow, pricing, {k: float(np.broadcast_to(arrays[k], (size,))[i]) for k in fields})
                 for i in checks}  # fmt: skip
        if any(np.any(np.abs(exact[i] - total[:, i]) > 1e-9 * np.abs(exact[i])) for i in checks):
            for i in range(size):
                total[:, i] = _joint_cost(
                    workflow, pricing, {k: float(np.broadcast_to(arrays[k], (size,))[i]) for k in fields}
                )
    shape = np.broadcast_shapes(*(np.shape(values[k]) for k in fields))
    return total[0].reshape(shape), total[1].reshape(shape)


def _joint_cost(workflow: Workflow, pricing: ModelPricing, update: Mapping[str, float]) -> Array:
    rc = request_costs(workflow.model_copy(update=dict(update)), pricing)
    return np.array([rc.sync_usd, rc.batch_usd])


def evaluate(
    workflow: Workflow,
    pricing: ModelPricing,
    point: Comparison,
    values: Mapping[str, Any],
    *,
    attempt: tuple[Any, Any] | None = None,
) -> Outcome:
    """Monthly figures at arrays of input values (missing inputs at the workflow's point values).

    `attempt`: (C_sync, C_batch) already priced for these values. The monthly formula is the core's
    own (`cost.monthly_figures`, as `compare` uses it), fed the arrays through an unvalidated copy of the
    workflow; the last three lines are `compare`'s.
    """
    c_sync, c_batch = attempt if attempt is not None else attempt_costs(workflow, pricing, point, values)
    shaped = workflow.model_copy(
        update={k: values[k] for k in ("billed_failure_share", *VOLUME_FIELDS) if k in values}
    )
    sync_item, batch_item, sync_total, batch_tokens, overhead, waiting = monthly_figures(
        shaped, c_sync, c_batch, values.get("success_rate", workflow.success_rate)
    )
    batch_total = batch_tokens + overhead
    net = sync_total - batch_total
    benefit = net - waiting
    rescue_all = shaped.monthly_requests * (sync_item - batch_item)
    shape = np.broadcast(sync_total, batch_tokens, waiting, benefit, rescue_all).shape

    def full(a: Any) -> Array:
        return np.broadcast_to(np.asarray(a, dtype=float), shape)

    return Outcome(
        sync_total=full(sync_total),
        batch_tokens=full(batch_tokens),
        waiting=full(waiting),
        batch_total=full(batch_total),
        net_savings=full(net),
        net_benefit=full(benefit),
        overhead=float(overhead),
        rescue_all=full(rescue_all),
    )


@dataclass(frozen=True)
class Simulation:
    """Every draw of one workflow: the inputs drawn and the outcome on each."""

    uncertain: UncertainWorkflow
    pricing: ModelPricing
    point: Comparison
    values: dict[str, Array]
    attempt: tuple[Any, Any]
    outcome: Outcome
    seed: int
    draws: int


def _field_rng(seed: int, name: str, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, salt, list(UNCERTAIN_FIELDS).index(name)])


def simulate(
    uncertain: UncertainWorkflow,
    pricing: ModelPricing,
    *,
    point: Comparison | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    stream: int = 0,
) -> Simulation:
    """Draw every uncertain input `draws` times and cost each draw (sync and batch on the same draw).

    `point` is `compare(uncertain.workflow, pricing)` when the caller already has it.
    `stream` separates workflows of one portfolio (their inputs are drawn independently).
    Raises WorkflowError when a draw could exceed the model's output limit.
    """
    w = uncertain.workflow
    point = point or compare(w, pricing)
    out = uncertain.uncertain.get("output_tokens")
    if out is not None:
        batch_limit = getattr(pricing, "max_output_tokens_batch", None) if w.batch_output_beta else None
        limit = batch_limit or pricing.max_output_tokens
        if support(out)[1] + w.thinking_tokens > limit:
            raise WorkflowError(
                f"output_tokens: {describe(out)} reaches above {pricing.display_name}'s limit of "
                f"{limit:,} output tokens per request (thinking included); lower its upper end"
            )
    values: dict[str, Array] = {}
    for name, d in uncertain.uncertain.items():
        if isinstance(d, PointValue):
            continue
        spec = UNCERTAIN_FIELDS[name]
        a = draw(d, _field_rng(seed, name, stream), draws)
        floor = w.cached_input_tokens if name == "input_tokens" else spec.lo
        # a sample mean's normal tail and a Beta's far left stay inside the field's bounds
        values[name] = np.clip(a, np.nextafter(floor, np.inf) if spec.lo_open else floor, spec.hi)
    model_values = {k: v for k, v in values.items() if k != "median_processing_hours"}
    attempt = attempt_costs(w, pricing, point, model_values)
    return Simulation(
        uncertain=uncertain,
        pricing=pricing,
        point=point,
        values=values,
        attempt=attempt,
        outcome=evaluate(w, pricing, point, model_values, attempt=attempt),
        seed=seed,
        draws=draws,
    )


# --- break-even and SLA risk under uncertainty -------------------------------------------------------

BREAK_EVEN_GRID = 17
BREAK_EVEN_STEPS = 30
"""Most Illinois steps within the grid's bracket (the loop ends once every draw's net benefit is within tolerance)."""


def _break_even_draws(sim: Simulation, count: int) -> Array:
    """Break-even success rate on each of the first `count` draws [share]; 0: batch always pays, +inf: never.

    Like `cost.break_even_success_rate` on the net benefit: a grid scan finds the highest crossing, then
    the root is refined in its bracket; the attempt costs of each draw are priced once.
    """
    size = min(count, sim.draws)
    keep = {k: v[:size] for k, v in sim.values.items() if k in ("billed_failure_share", *VOLUME_FIELDS)}
    shaped = sim.uncertain.workflow.model_copy(update=keep)
    c_sync, c_batch = (np.broadcast_to(np.asarray(c, dtype=float), (sim.draws,))[:size] for c in sim.attempt)

    def benefit(s: Any, shaped: Workflow, c_sync: Any, c_batch: Any) -> Array:
        _, _, sync_total, batch_tokens, overhead, waiting = monthly_figures(shaped, c_sync, c_batch, s)
        return np.asarray(sync_total - (batch_tokens + overhead) - waiting, dtype=float)

    grid = (1e-6 + (1 - 1e-6) * np.arange(BREAK_EVEN_GRID) / (BREAK_EVEN_GRID - 1))[:, None]
    values = np.broadcast_to(benefit(grid, shaped, c_sync, c_batch), (BREAK_EVEN_GRID, size))
    tol = 1e-9 * np.maximum(1.0, np.abs(values[-1]))
    pays = values >= -tol
    result = np.full(size, np.nan)
    result[pays.all(axis=0)] = 0.0
    result[(~pays).all(axis=0)] = np.inf
    cols = np.nonzero(np.isnan(result))[0]
    if cols.size:
        changes = pays[1:, cols] != pays[:-1, cols]
        highest = BREAK_EVEN_GRID - 2 - np.argmax(changes[::-1], axis=0)
        a, b = grid[highest, 0], grid[highest + 1, 0]
        fa, fb = values[highest, cols], values[highest + 1, cols]
        sub = shaped.model_copy(update={k: v[cols] for k, v in keep.items()})
        # Illinois (regula falsi that halves a stale end): one step where the curve is straight in s (retries
        # by sync), a few where it bends; the bracket never loses the root
        kept = np.zeros(cols.size)
        c = (a + b) / 2
        for _ in range(BREAK_EVEN_STEPS):
            span = fb - fa
            c = np.where(span != 0, (a * fb - b * fa) / np.where(span != 0, span, 1.0), (a + b) / 2)
            fc = benefit(c, sub, c_sync[cols], c_batch[cols])
            left = np.sign(fc) == np.sign(fa)
            fb = np.where(left & (kept == 1), fb / 2, fb)
            fa = np.where(~left & (kept == -1), fa / 2, fa)
            a, fa = np.where(left, c, a), np.where(left, fc, fa)
            b, fb = np.where(left, b, c), np.where(left, fb, fc)
            kept = np.where(left, 1, -1)
            if np.all(np.abs(fc) <= tol[cols]):
                break
        result[cols] = c
    return result


def _miss_probability(sim: Simulation, plan: SlaPlan | None) -> Range | None:
    """P(miss SLA) at the plan's interval; with an uncertain turnaround, at its P10/P50/P90.

    P(miss) rises with the turnaround's scale, so its percentiles are P(miss) at the turnaround's.
    """
    if plan is None or plan.typical is None or plan.interval_hours is None:
        return None
    turnaround = sim.values.get("median_processing_hours")
    if turnaround is None:
        return Range.of(plan.typical.miss_probability)
    from costmodel.recommend import sla_inputs_for
    from costmodel.sla import simulate_latency

    inputs = sla_inputs_for(sim.uncertain.workflow)
    assert inputs is not None
    m0, p0 = inputs.median_processing_hours, inputs.p90_processing_hours
    misses = []
    for median in np.percentile(turnaround, [10, 50, 90]):
        scaled = inputs.model_copy(
            update={"median_processing_hours": float(median), "p90_processing_hours": p0 * float(median) / m0}
        )
        latency = simulate_latency(scaled, plan.interval_hours, samples=plan.typical.samples)
        misses.append(float(np.mean(latency > inputs.sla_hours)))
    return Range(p10=misses[0], p50=misses[1], p90=misses[2])


# --- per-workflow ranges -----------------------------------------------------------------------------


class WorkflowRanges(StrictModel):
    """P10/P50/P90 of one workflow's headline figures, with the uncertain inputs behind them."""

    workflow_name: str
    """Workflow label."""
    draws: int
    """Monte Carlo draws [draws]."""
    seed: int
    """Random seed (same inputs, same ranges)."""
    uncertain_inputs: tuple[UncertainInput, ...]
    """Each uncertain input, its distribution and what was drawn."""
    sync_cost_per_month_usd: Range
    """All-sync spend [USD/month]."""
    batch_tokens_per_month_usd: Range
    """Batch token spend incl. resubmissions [USD/month]."""
    batch_cost_per_month_usd: Range
    """Batch total, as `Comparison.batch_cost_per_month_usd` [USD/month]."""
    net_savings_per_month_usd: Range
    """Sync total − batch total [USD/month]."""
    net_savings_per_year_usd: Range
    """Net savings × 12 [USD/year]."""
    net_benefit_per_month_usd: Range
    """Cash savings − cost of waiting: what the verdict weighs [USD/month]."""
    waiting_cost_per_month_usd: Range
    """Cost of waiting if all of it ran on batch, as `Comparison.waiting_cost_per_month_usd` (economic) [USD/month]."""
    planned_savings_per_month_usd: Range | None = None
    """Sync total − spend under the verdict, rescues included, as `Recommendation.planned_savings_per_month_usd`
    (None when no verdict was given) [USD/month]."""
    savings_share: Range
    """Net savings / sync total [share]."""
    break_even_success_rate: Range
    """First-pass success rate where batch stops paying (0: always pays; None: never pays) [share]."""
    miss_probability: Range | None
    """Typical-case P(miss SLA) at the plan's interval, when the workflow has an SLA [share]."""
    probability_batch_saves: float
    """Share of draws where batch costs less than sync [share]."""
    probability_verdict_flips: float
    """Share of draws on the other side of zero than the point figure the verdict weighs [share]."""


BREAK_EVEN_DRAWS = 1_000
"""Draws the break-even's own percentiles rest on (each needs a root search; its P10/P90 move ~1 % of s)."""


def _constant(a: Any) -> float | None:
    """The value of an array whose draws are all equal, else None."""
    if np.ndim(a) == 0:
        return float(a)
    lo = float(np.min(a))
    return lo if lo == float(np.max(a)) else None


def _percentiles(arrays: Mapping[str, Any]) -> dict[str, Range]:
    """P10/P50/P90 of several same-length arrays in one pass (constant arrays cost no partition)."""
    constants = {k: _constant(a) for k, a in arrays.items()}
    out = {k: Range.of(v) for k, v in constants.items() if v is not None}
    rows = [k for k in arrays if k not in out]
    if rows:
        # one sort of every row beats numpy's multi-point selection here; interpolation as percentile's "linear"
        ordered = np.sort(np.vstack([arrays[k] for k in rows]), axis=1)
        h = (ordered.shape[1] - 1) * np.array([0.1, 0.5, 0.9])
        lo = np.floor(h).astype(int)
        hi = np.minimum(lo + 1, ordered.shape[1] - 1)
        q = ordered[:, lo] + (h - lo) * (ordered[:, hi] - ordered[:, lo])
        for i, k in enumerate(rows):
            p10, p50, p90 = (float(v) if np.isfinite(v) else None for v in q[i])
            out[k] = Range(p10=p10, p50=p50, p90=p90)
    return out


def ranges_of(
    sim: Simulation, *, sla_plan: SlaPlan | None = None, verdict: Verdict | None = None, rescue_probability: float = 0.0
) -> WorkflowRanges:
    """The ranges of a simulation.

    `verdict` (the point verdict, kept fixed) adds the savings under it; `rescue_probability` is the deadline
    guard's P(rescued) at the plan (0 without a guard), see `planned_spend`.
    """
    o, point = sim.outcome, sim.point
    sync, waiting = _constant(o.sync_total), _constant(o.waiting)
    closed: dict[str, tuple[float, float, float] | None] = {
        k: quantiles(d) for k, d in sim.uncertain.uncertain.items()
    }
    figures: dict[str, Any] = {
        "sync_cost_per_month_usd": o.sync_total,
        "batch_tokens_per_month_usd": o.batch_tokens,
        "waiting_cost_per_month_usd": o.waiting,
        # an input's percentiles in closed form where there is one (the draws agree to sampling error)
        **{f"input:{k}": v for k, v in sim.values.items() if closed.get(k) is None},
    }
    if sync is None:
        figures["net_savings_per_month_usd"] = o.net_savings
        share = np.divide(o.net_savings, o.sync_total, out=np.zeros_like(o.net_savings), where=o.sync_total > 0)
        figures["savings_share"] = share
    if waiting is None:
        figures["net_benefit_per_month_usd"] = o.net_benefit
    if verdict is not None:
        planned, _ = planned_spend(sim, verdict, rescue_probability=rescue_probability)
        figures["planned_savings_per_month_usd"] = o.sync_total - planned
    ranges = _percentiles(figures)
    # figures that move with another one by a constant shift or scale take its percentiles (no partition)
    tokens = ranges["batch_tokens_per_month_usd"]
    ranges["batch_cost_per_month_usd"] = tokens.shifted(o.overhead)
    if sync is not None:
        # net = sync − batch total: a falling function of the batch total, so P10 ↔ P90
        batch = ranges["batch_cost_per_month_usd"]
        ranges["net_savings_per_month_usd"] = Range(p10=sync - batch.p90, p50=sync - batch.p50, p90=sync - batch.p10)  # type: ignore[operator]
        ranges["savings_share"] = ranges["net_savings_per_month_usd"].scaled(1 / sync) if sync > 0 else Range.of(0.0)
    net = ranges["net_savings_per_month_usd"]
    ranges["net_savings_per_year_usd"] = net.scaled(12)
    if waiting is not None:
        ranges["net_benefit_per_month_usd"] = net.shifted(-waiting)
    if any(k not in ("success_rate", "median_processing_hours") for k in sim.values):
        be_range = Range.of(_break_even_draws(sim, BREAK_EVEN_DRAWS), order_statistic=True)
    else:
        # the break-even depends on everything but the success rate: with only s uncertain it is the point's
        b = point.break_even
        be_value = b.success_rate if b.status == "crosses" else (0.0 if b.status == "always_pays" else None)
        be_range = Range(p10=be_value, p50=be_value, p90=be_value)
    inputs = tuple(
        UncertainInput(
            field=name,
            label=UNCERTAIN_FIELDS[name].label,
            distribution=describe(d, UNCERTAIN_FIELDS[name]),
            json_value=to_json_value(d),
            drawn=ranges.get(f"input:{name}") or Range(p10=closed[name][0], p50=closed[name][1], p90=closed[name][2]),  # type: ignore[index]
        )
        for name, d in sim.uncertain.uncertain.items()
    )
    return WorkflowRanges(
        workflow_name=sim.uncertain.workflow.name,
        draws=sim.draws,
        seed=sim.seed,
        uncertain_inputs=inputs,
        **{k: v for k, v in ranges.items() if not k.startswith("input:")},
        break_even_success_rate=be_range,
        miss_probability=_miss_probability(sim, sla_plan),
        probability_batch_saves=float(np.mean(o.net_savings > 0)),
        probability_verdict_flips=float(np.mean((o.net_benefit > 0) != (point.net_benefit_per_month_usd > 0))),
    )


def workflow_ranges(
    uncertain: UncertainWorkflow,
    pricing: ModelPricing,
    *,
    sla_plan: SlaPlan | None = None,
    verdict: Verdict | None = None,
    rescue_probability: float = 0.0,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> WorkflowRanges:
    """P10/P50/P90 of a workflow's figures, P(batch saves) and P(the verdict flips) (arguments as `ranges_of`)."""
    sim = simulate(uncertain, pricing, draws=draws, seed=seed)
    return ranges_of(sim, sla_plan=sla_plan, verdict=verdict, rescue_probability=rescue_probability)


# --- portfolio ---------------------------------------------------------------------------------------


class ProjectionMonthRange(StrictModel):
    """One month of the projection, as ranges (for a fan chart)."""

    month: int
    """1-based month index."""
    savings_usd: Range
    """Savings that month [USD]."""
    cumulative_savings_usd: Range
    """Savings to date [USD]."""


class PortfolioRanges(StrictModel):
    """P10/P50/P90 of the portfolio's totals under each workflow's verdict (fixed at its point figures)."""

    draws: int
    """Monte Carlo draws [draws]."""
    seed: int
    """Random seed."""
    sync_cost_per_month_usd: Range
    """All-sync total [USD/month]."""
    planned_cost_per_month_usd: Range
    """Total under the verdicts [USD/month]."""
    savings_per_month_usd: Range
    """Total savings [USD/month]."""
    savings_per_year_usd: Range
    """× 12 [USD/year]."""
    projection: tuple[ProjectionMonthRange, ...]
    """Month by month with growth (itself possibly uncertain)."""
    gross_margin_after: Range | None
    """Gross margin with the plan, when revenue is given [share]."""
    probability_portfolio_saves: float
    """Share of draws where the plan costs less than all-sync [share]."""
    monthly_growth: str | None
    """The growth distribution in words, when growth is uncertain."""
    workflows: tuple[WorkflowRanges, ...]
    """Per workflow."""


def _item(a: Any, i: int) -> float:
    """Draw `i` of a figure (a 0-d array is the same on every draw)."""
    return float(a if np.ndim(a) == 0 else a[i])


def planned_spend(sim: Simulation, verdict: Verdict, *, rescue_probability: float = 0.0) -> tuple[Array, float]:
    """Cash spend under a verdict on each draw, and its fixed part [USD/month]: `recommend`'s planned cost, per draw.

    sync: the sync total. batch: the batch total plus the deadline guard's rescues, `p·N·(C_s − C_b)` with `N`,
    `C_s`, `C_b` (requests, expected sync / batch cost per item) from the draw. hybrid: the recommender's own
    formula (`recommend.hybrid_cost`) plus `(1 − u)` of the rescues. Assumption: `p` (`rescue_probability`, the
    guard's P(rescued) at the plan's point figures) depends on the turnaround and the schedule, not on tokens,
    volume or success rates, so it is held fixed while each draw's volume and item costs scale the rescue spend;
    with an uncertain turnaround the rescue share does not move with it (a stated understatement of the spread).
    """
    from costmodel.recommend import hybrid_cost

    o = sim.outcome
    rescues = rescue_probability * o.rescue_all
    if verdict == "sync":
        return o.sync_total, 0.0
    if verdict == "batch":
        return np.asarray(o.batch_total + rescues, dtype=float), o.overhead
    # the recommender's own hybrid formula, fed arrays through an unvalidated copy of the comparison
    arrays = sim.point.model_copy(
        update={
            "sync_cost_per_month_usd": o.sync_total,
            "batch_tokens_per_month_usd": o.batch_tokens,
            "waiting_cost_per_month_usd": o.waiting,
            "batch_cost_per_month_usd": o.batch_total,
        }
    )
    workflow = sim.uncertain.workflow
    cash, _ = hybrid_cost(workflow, arrays)
    spend = np.asarray(cash + (1 - workflow.urgent_share) * rescues, dtype=float)
    return np.broadcast_to(spend, o.sync_total.shape), o.overhead


def portfolio_ranges(
    uncertain: Sequence[UncertainWorkflow],
    results: Sequence[WorkflowResult],
    pricings: Sequence[ModelPricing],
    finance: FinanceInputs | None = None,
    *,
    monthly_growth: Any = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> PortfolioRanges:
    """Portfolio totals, projection and margin as ranges; each workflow's inputs drawn independently.

    `results` are the point evaluations (`evaluate_workflow`), in the same order; their verdicts fix
    each workflow's plan, and spend varies around it. `monthly_growth` may be a distribution.
    """
    from costmodel.finance import FinanceInputs, build_portfolio

    finance = finance or FinanceInputs()
    if any(u.workflow != r.workflow for u, r in zip(uncertain, results, strict=True)):
        raise ValueError("each result must be the evaluation of its uncertain workflow's point workflow")
    sims = [
        simulate(u, p, point=r.comparison, draws=draws, seed=seed, stream=i + 1)
        for i, (u, r, p) in enumerate(zip(uncertain, results, pricings, strict=True))
    ]
    sync_total: Any = 0.0
    planned_total: Any = 0.0
    fixed = 0.0
    planned_each = []
    for sim, result in zip(sims, results, strict=True):
        planned, fixed_part = planned_spend(
            sim, result.recommendation.verdict, rescue_probability=result.rescue_probability
        )
        planned_each.append(planned)
        sync_total = sync_total + sim.outcome.sync_total
        planned_total = planned_total + planned
        fixed += fixed_part
    sync_total = np.broadcast_to(np.asarray(sync_total, dtype=float), (draws,))
    planned_total = np.broadcast_to(np.asarray(planned_total, dtype=float), (draws,))
    savings = sync_total - planned_total

    growth_dist = None if monthly_growth is None else _DISTRIBUTION.validate_python(monthly_growth)
    if growth_dist is not None and not isinstance(growth_dist, PointValue):
        spec = UNCERTAIN_FIELDS["monthly_growth"]
        growth: Any = np.clip(draw(growth_dist, _field_rng(seed, "monthly_growth"), draws), spec.lo, spec.hi)
    else:
        growth = finance.monthly_growth if growth_dist is None else growth_dist.value
    totals = _percentiles({"sync": sync_total, "planned": planned_total, "savings": savings})
    months = range(1, finance.projection_months + 1)
    projection = []
    if np.ndim(growth) == 0:
        # month m saves (S + F)·g_m − F with g_m = (1 + growth)^(m−1) > 0: rising in this month's savings S,
        # so each month's percentiles (and the running total's) are the savings' own, shifted and scaled
        s, cumulative_factor = totals["savings"], 0.0
        for month in months:
            factor = (1 + growth) ** (month - 1)
            cumulative_factor += factor
            projection.append(
                ProjectionMonthRange(
                    month=month,
                    savings_usd=s.shifted(fixed).scaled(factor).shifted(-fixed),
                    cumulative_savings_usd=s.shifted(fixed).scaled(cumulative_factor).shifted(-month * fixed),
                )
            )
    else:
        rows: dict[str, Any] = {}
        cumulative: Any = 0.0
        for month in months:
            factor = (1 + growth) ** (month - 1)
            rows[f"saved:{month}"] = sync_total * factor - ((planned_total - fixed) * factor + fixed)
            cumulative = cumulative + rows[f"saved:{month}"]
            rows[f"cumulative:{month}"] = cumulative
        q = _percentiles(rows)
        projection = [
            ProjectionMonthRange(month=m, savings_usd=q[f"saved:{m}"], cumulative_savings_usd=q[f"cumulative:{m}"])
            for m in months
        ]

    margin = None
    if finance.revenue_per_month_usd > 0:
        # the finance model's own margin, on the draws at the savings' P10/P50/P90 (margin rises with savings)
        order = np.argsort(savings, kind="stable")
        picks = [order[min(draws - 1, max(0, math.ceil(q / 100 * draws) - 1))] for q in (10, 50, 90)]
        margins = []
        for i in picks:
            at_draw = [
                r.model_copy(
                    update={
                        "comparison": r.comparison.model_copy(
                            update={
                                "sync_cost_per_month_usd": _item(s.outcome.sync_total, i),
                                "batch_cost_per_month_usd": _item(s.outcome.batch_total, i),
                            }
                        ),
                        "recommendation": r.recommendation.model_copy(
                            update={
                                "planned_cost_per_month_usd": _item(p, i),
                                "planned_savings_per_month_usd": _item(s.outcome.sync_total - p, i),
                            }
                        ),
                    }
                )
                for r, s, p in zip(results, sims, planned_each, strict=True)
            ]
            m = build_portfolio(at_draw, finance.model_copy(update={"projection_months": 1})).margin
            margins.append(None if m is None else m.gross_margin_after)
        margin = Range(p10=margins[0], p50=margins[1], p90=margins[2])

    return PortfolioRanges(
        draws=draws,
        seed=seed,
        sync_cost_per_month_usd=totals["sync"],
        planned_cost_per_month_usd=totals["planned"],
        savings_per_month_usd=totals["savings"],
        savings_per_year_usd=totals["savings"].scaled(12),
        projection=tuple(projection),
        gross_margin_after=margin,
        probability_portfolio_saves=float(np.mean(savings > 0)),
        monthly_growth=(
            None
            if growth_dist is None or isinstance(growth_dist, PointValue)
            else describe(growth_dist, UNCERTAIN_FIELDS["monthly_growth"])
        ),
        workflows=tuple(
            ranges_of(s, sla_plan=r.sla, verdict=r.recommendation.verdict, rescue_probability=r.rescue_probability)
            for s, r in zip(sims, results, strict=True)
        ),
    )


def distributions_json(uncertain: Mapping[str, Any]) -> str:
    """The uncertain inputs as short-form JSON (for exports)."""
    return json.dumps({k: to_json_value(v) for k, v in uncertain.items()})


# --- where distributions come from: a pilot, a request log, the ledger's turnaround fit ---------------------


def _thinned(values: Sequence[float] | Array, what: str) -> tuple[float, ...]:
    """The observations as floats; more than `MAX_SAMPLE_VALUES` are cut to that many evenly spaced quantiles."""
    a = np.asarray(values, dtype=float)
    if a.size and (not np.all(np.isfinite(a)) or float(a.min()) < 0):
        raise ValueError(f"{what}: every per-request count must be a number ≥ 0; check the source's usage fields")
    if a.size > MAX_SAMPLE_VALUES:  # evenly spaced order statistics: the same distribution, whatever the order
        a = np.sort(a)[np.linspace(0, a.size - 1, MAX_SAMPLE_VALUES).round().astype(int)]
    return tuple(float(v) for v in a)


def token_samples(input_tokens: Sequence[float] | Array, output_tokens: Sequence[float] | Array) -> dict[str, Sample]:
    """Per-request token counts (a pilot's succeeded results, a request log's rows) as `sample` distributions of
    input and output tokens per request [tokens]; an empty list gives none. A log longer than `MAX_SAMPLE_VALUES`
    keeps that many evenly spaced quantiles of its counts, which keeps its distribution and average.

    Raises ValueError naming the count when one is negative or not a number.
    """
    found: dict[str, Sample] = {}
    for name, values, what in (("input_tokens", input_tokens, "input tokens"),
                               ("output_tokens", output_tokens, "output tokens")):  # fmt: skip
        kept = _thinned(values, what)
        if kept:
            found[name] = Sample(values=kept)
    return found


def turnaround_distribution(fit: TurnaroundFit) -> Triangular | None:
    """The median batch turnaround the ledger's fit supports, as a distribution [h]: triangular over the fit's
    95 % bootstrap interval of the median, most likely at the fitted median (the p90 moves with it, see
    `UNCERTAIN_FIELDS`). None when the fit does not replace the defaults (too few batches) or has no interval."""
    ci = fit.overall.median_ci_hours
    if not fit.use_fit or ci is None or ci[0] <= 0:
        return None
    lo, hi = ci
    return Triangular(lo=lo, mode=min(max(fit.median_hours, lo), hi), hi=hi)


def with_distributions(
    workflow: Workflow, held: Mapping[str, Any], added: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """`held` (a workflow's uncertain inputs) with each of `added` that fits `workflow`, and one line per distribution
    left out, naming its field and why (`input_tokens: … reaches below the cacheable prefix …`)."""
    from costmodel.errors import problem_lines

    merged = dict(held)
    dropped: list[str] = []
    for name, d in added.items():
        try:
            UncertainWorkflow(workflow=workflow, uncertain={**merged, name: d})
        except ValidationError as exc:
            dropped += [line.removeprefix("input: ").removeprefix("uncertain.") for line in problem_lines(exc)]
            continue
        merged[name] = d
    return merged, dropped


# --- scenario files with inline distributions ---------------------------------------------------------


class UncertainScenario(StrictModel):
    """A scenario whose workflow (and growth) inputs may be distributions, read from one JSON file."""

    scenario: Scenario
    """The scenario at point values."""
    workflows: tuple[UncertainWorkflow, ...]
    """Each workflow with its uncertain inputs, in scenario order."""
    monthly_growth: Distribution | None = None
    """The portfolio's growth, when it is a distribution."""

    @property
    def is_uncertain(self) -> bool:
        """True when any input is a distribution other than a point."""
        growth = self.monthly_growth is not None and not isinstance(self.monthly_growth, PointValue)
        return growth or any(w.is_uncertain for w in self.workflows)


def uncertain_scenario_to_json(scenario: Scenario, uncertain: Mapping[int, Mapping[str, Any]]) -> str:
    """The scenario file with each workflow's uncertain inputs inline (`uncertain[i]`: field → distribution), in the
    short JSON form `uncertain_scenario_from_json` reads back; points stay plain numbers.

    Raises ValueError for a field that cannot be uncertain or a workflow index the scenario does not have.
    """
    data = scenario.model_dump(mode="json")
    for index, spread in uncertain.items():
        if not 0 <= index < len(data["workflows"]):
            raise ValueError(f"workflow {index}: the scenario has {len(data['workflows'])} workflow(s)")
        workflow = data["workflows"][index]
        for name, d in spread.items():
            if name not in UNCERTAIN_FIELDS or name == "monthly_growth":
                raise ValueError(f"{name}: not an input that may be uncertain ({', '.join(WORKFLOW_FIELDS)})")
            value = to_json_value(_DISTRIBUTION.validate_python(d))
            if name == "median_processing_hours":
                if workflow.get("sla") is None:
                    raise ValueError("median_processing_hours: the workflow has no SLA to apply a turnaround to")
                workflow["sla"]["median_processing_hours"] = value
            else:
                workflow[name] = value
    return json.dumps(data, indent=2) + "\n"


def uncertain_scenario_from_json(text: str | bytes, *, source: str = "scenario") -> UncertainScenario:
    """A scenario file whose inputs may be inline distributions, e.g. `"success_rate": {"beta": [190, 200]}`.

    Raises ScenarioError with one line per problem; a file without distributions reads as `scenario_from_json`.
    """
    from costmodel import safejson
    from costmodel.errors import problem_lines
    from costmodel.scenario import ScenarioError, scenario_from_json

    try:
        data = safejson.loads(text)
    except (safejson.JsonInputError, json.JSONDecodeError, UnicodeDecodeError):
        return UncertainScenario(scenario=scenario_from_json(text, source=source), workflows=())  # its own message
    if isinstance(data, dict) and "workflows" not in data and "input_tokens" in data:
        data = {"name": data.get("name", "workflow"), "workflows": [data]}
    uncertain: list[dict[str, Any]] = []
    growth: Any = None
    if isinstance(data, dict) and isinstance(data.get("workflows"), list):
        plain_workflows = []
        for w in data["workflows"]:
            plain, spread = split_uncertain(w) if isinstance(w, dict) else (w, {})
            plain_workflows.append(plain)
            uncertain.append(spread)
        data = {**data, "workflows": plain_workflows}
        finance = data.get("finance")
        if isinstance(finance, dict) and not _is_number(finance.get("monthly_growth")):
            growth = finance["monthly_growth"]
            try:
                point = point_of(_DISTRIBUTION.validate_python(growth))
            except ValidationError as exc:
                raise ScenarioError(source, [f"finance.monthly_growth: {line.removeprefix('input: ')}"
                                             for line in problem_lines(exc)]) from None  # fmt: skip
            data["finance"] = {**finance, "monthly_growth": point}
    scenario = scenario_from_json(json.dumps(data), source=source)
    problems: list[str] = []
    workflows = []
    for i, (w, spread) in enumerate(zip(scenario.workflows, uncertain, strict=True)):
        try:
            workflows.append(UncertainWorkflow(workflow=w, uncertain=spread))
        except ValidationError as exc:
            problems += [f"workflows[{i}].{line.removeprefix('input: ').removeprefix('uncertain.')}"
                         for line in problem_lines(exc)]  # fmt: skip
    if growth is not None:
        growth_problem = bounds_problem("monthly_growth", _DISTRIBUTION.validate_python(growth))
        if growth_problem:
            problems.append(f"finance.monthly_growth: {growth_problem}")
    if problems:
        raise ScenarioError(source, problems)
    return UncertainScenario(
        scenario=scenario,
        workflows=tuple(workflows),
        monthly_growth=None if growth is None else _DISTRIBUTION.validate_python(growth),
    )


# --- chart data (pure): a band around the savings curve, a histogram of net savings ----------------------

BAND_DRAWS = 1_000
"""Draws behind each point of the savings band [draws]."""


class SavingsBand(StrictModel):
    """Net benefit against the first-pass success rate, with the other inputs' uncertainty as a band."""

    success_rates: tuple[float, ...]
    """First-pass success rates on (0, 1] [share]."""
    p10_usd: tuple[float, ...]
    """P10 of the net benefit at each rate, the other uncertain inputs drawn [USD/month]."""
    p50_usd: tuple[float, ...]
    """Median [USD/month]."""
    p90_usd: tuple[float, ...]
    """P90 [USD/month]."""


def savings_band(sim: Simulation, *, points: int = 101, draws: int = BAND_DRAWS) -> SavingsBand:
    """The savings-vs-success-rate curve (`cost.savings_curve`'s figure) with a P10–P90 band from the other inputs.

    Without other uncertain inputs the band is the curve itself.
    """
    rates = np.maximum(1e-3, np.arange(points) / (points - 1))[:, None]
    size = min(draws, sim.draws)
    keep = {k: v[:size][None, :] for k, v in sim.values.items() if k not in ("success_rate", "median_processing_hours")}
    attempt = tuple(np.broadcast_to(np.asarray(c, dtype=float), (sim.draws,))[:size][None, :] for c in sim.attempt)
    values = evaluate(sim.uncertain.workflow, sim.pricing, sim.point, {**keep, "success_rate": rates},
                      attempt=(attempt[0], attempt[1])).net_benefit  # fmt: skip
    grid = np.broadcast_to(values, (points, size))
    q = np.percentile(grid, [10, 50, 90], axis=1)
    return SavingsBand(
        success_rates=tuple(float(r) for r in rates[:, 0]),
        p10_usd=tuple(float(v) for v in q[0]),
        p50_usd=tuple(float(v) for v in q[1]),
        p90_usd=tuple(float(v) for v in q[2]),
    )


class Histogram(StrictModel):
    """Counts of draws per bin."""

    edges_usd: tuple[float, ...]
    """Bin edges, one more than counts [USD/month]."""
    counts: tuple[int, ...]
    """Draws in each bin [draws]."""


def net_savings_histogram(sim: Simulation, *, bins: int = 40) -> Histogram:
    """A histogram of net savings (cash) across the draws."""
    values = np.broadcast_to(np.asarray(sim.outcome.net_savings, dtype=float), (sim.draws,))
    counts, edges = np.histogram(values, bins=bins)
    return Histogram(edges_usd=tuple(float(e) for e in edges), counts=tuple(int(c) for c in counts))
