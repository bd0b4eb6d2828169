"""Cached loaders at the edge: the price catalog and the preset scenarios, and `shared`, the one store for results
built from hashable inputs (figures, the Portfolio's evaluation). The math stays uncached."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st
from pydantic import BaseModel

from commands import clock
from costmodel.limits import DEFAULT_BATCH_DISCOUNT
from costmodel.prices import Catalog, load_catalog
from costmodel.recommend import WorkflowResult, evaluate_workflow
from costmodel.routing import RoutingResult, route_models
from costmodel.scenario import Scenario, scenario_from_json
from costmodel.workflow import Workflow

ROOT = Path(__file__).resolve().parent.parent
PRESETS_DIR = ROOT / "data" / "presets"
DEFAULT_PRESET = "contract-review"


def today() -> date:
    """The shell's clock: prices are resolved for today's date (`commands.clock.today`, the commands' own)."""
    return clock.today()


def catalog(
    as_of: date | None = None, batch_discount: float = DEFAULT_BATCH_DISCOUNT, include_retired: bool = False
) -> Catalog:
    """The Anthropic price catalog for `as_of` (default today), built once per process; retired models only when
    `include_retired` (a plan on a hidden one still prices, and warns). However it is asked for (today left out or
    given, defaults left out or spelled), the same inputs give the same catalog object: Streamlit's cache keys on
    the arguments as written, so the sidebar, the page and the evaluation each built their own before."""
    return _catalog(as_of or today(), float(batch_discount), bool(include_retired))


@st.cache_resource(show_spinner=False, max_entries=16)  # a shared link picks the discount: keep the cache bounded
def _catalog(as_of: date, batch_discount: float, include_retired: bool) -> Catalog:
    return load_catalog(as_of=as_of, batch_discount=batch_discount, include_retired=include_retired)


def evaluated(
    workflow: Workflow,
    *,
    as_of: date,
    batch_discount: float = DEFAULT_BATCH_DISCOUNT,
    include_retired: bool = False,
) -> WorkflowResult:
    """`evaluate_workflow` on the catalog `catalog(batch_discount=..., include_retired=...)` gives, kept in the shared
    store (`shared`) on the workflow: a rerun that changes nothing in it (a tab, a chart option, a page visit) skips
    pricing and the SLA simulation (the same seed and sample count as everywhere, so the figures are the uncached
    ones). `as_of` is in the key so a result never outlives the day its prices were resolved for; refreshed prices
    empty the store (`clear_shared`)."""
    return shared(_evaluate, workflow, as_of, batch_discount, include_retired)


def _evaluate(workflow: Workflow, as_of: date, batch_discount: float, include_retired: bool) -> WorkflowResult:
    return evaluate_workflow(
        workflow, catalog(as_of=as_of, batch_discount=batch_discount, include_retired=include_retired)
    )


def routed(
    workflow: Workflow,
    *,
    as_of: date,
    batch_discount: float,
    include_retired: bool,
    success_rates: tuple[tuple[str, float], ...],
    quality_bar: float,
    model_ids: tuple[str, ...],
) -> RoutingResult:
    """`route_models` on the catalog for `as_of`, kept in the shared store like `evaluated`: a rerun of the routing
    tab that changes none of its inputs (a slider elsewhere, a chart option) prices no model again."""
    return shared(_route, workflow, as_of, batch_discount, include_retired, success_rates, quality_bar, model_ids)


def _route(
    workflow: Workflow, as_of: date, batch_discount: float, include_retired: bool,
    success_rates: tuple[tuple[str, float], ...], quality_bar: float, model_ids: tuple[str, ...],
) -> RoutingResult:  # fmt: skip
    catalog_for_date = catalog(as_of=as_of, batch_discount=batch_discount, include_retired=include_retired)
    return route_models(
        workflow, catalog_for_date, success_rates=dict(success_rates), quality_bar=quality_bar,
        model_ids=list(model_ids),
    )  # fmt: skip


@st.cache_resource(show_spinner=False)  # frozen scenarios, shared: the sidebar reads them on every rerun
def presets() -> dict[str, Scenario]:
    """Preset scenarios from data/presets, keyed by file stem, portfolio last."""
    found = {p.stem: scenario_from_json(p.read_bytes(), source=str(p)) for p in sorted(PRESETS_DIR.glob("*.json"))}
    return dict(sorted(found.items(), key=lambda kv: (kv[0] == "portfolio", kv[1].name)))


MAX_SHARED = 128
"""Results kept in the shared store; the least recently used goes first [results]."""


class _Store:
    """Results keyed on (builder, inputs) with Python's own hashing: a tuple of a few hundred floats or a frozen
    model hashes in microseconds, where Streamlit's cache hasher takes milliseconds and `st.cache_data` also copies
    the result on every read."""

    def __init__(self) -> None:
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        result = build()
        with self._lock:
            self._results[key] = result
            while len(self._results) > MAX_SHARED:
                self._results.popitem(last=False)
        return result


@st.cache_resource(show_spinner=False)  # one store per process, shared by every session; cleared with the caches
def _store() -> _Store:
    return _Store()


def _key_part(value: Any) -> Hashable:
    """`value` itself when Python can hash it; a frozen model holding a dict or list by its JSON (slower, exact); a
    tuple or list of either, item by item."""
    try:
        hash(value)
    except TypeError:
        if isinstance(value, BaseModel):
            return (type(value).__qualname__, value.model_dump_json())
        if isinstance(value, tuple | list):
            return (type(value).__qualname__, tuple(_key_part(item) for item in value))
        raise TypeError(
            f"shared results: inputs must be hashable, pydantic models, or tuples and lists of them, not {type(value)}"
        ) from None
    return value


def prices_refreshed() -> None:
    """After a price refresh: the next catalog builds from the new snapshot, and every result built on the old one
    goes (the shared store is emptied)."""
    _catalog.clear()
    clear_shared()


def clear_shared() -> None:
    """Empty the shared store (refreshed prices: every result built on the old catalog goes)."""
    _store.clear()


def shared(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`build(*args, **kwargs)`, built once per distinct inputs and then the same object for every session and rerun.

    For results nobody mutates (frozen models, figures): the inputs are the key, so a result changes exactly when its
    inputs do."""
    key = (
        build.__module__,
        build.__qualname__,
        tuple(_key_part(a) for a in args),
        tuple(sorted((k, _key_part(v)) for k, v in kwargs.items())),
    )
    return _store().get(key, lambda: build(*args, **kwargs))
