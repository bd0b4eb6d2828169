"""Charts: one palette, one style, and one way to put a figure on a page.

- **Palette** (`PALETTE`): the same thing has the same colour on every page: sync is grey, batch is
  Anthropic orange, good (saves, meets the SLA) is green, bad (costs more, misses) is red, so is a deadline or SLA
  limit (beyond it is a miss), a reference
  line (median, p90, chosen interval, zero) is neutral grey, context (arrivals, connectors) is muted grey, a P10-P90
  band is translucent batch orange, and a marker's outline is white.
- **Style** (`LAYOUT`, `layout()`): one height, margin and hover mode; a builder overrides only what differs.
- **Showing** (`show()`): a figure is built once per distinct inputs and shared by every session (`ui.data.shared`,
  a bounded store held by Streamlit's `cache_resource`, so clearing Streamlit's caches clears it); a rerun that changes
  nothing in a chart's inputs skips plotly's validation and its deep copy into a plain dict, which are most of a
  small figure's cost. Builders stay plain functions of their inputs (testable without Streamlit) and never
  mutate a figure they return, so a shared figure is never changed under another session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ui import data

__all__ = ["LAYOUT", "PALETTE", "layout", "show"]

_RED = "#c62828"
PALETTE = {
    "sync": "#8c8c8c",
    "batch": "#d97757",
    "good": "#2e7d32",
    "bad": _RED,
    "deadline": _RED,
    "neutral": "#7f7f7f",
    "muted": "#c7c7c7",
    "band": "rgba(217, 119, 87, 0.22)",
    "outline": "#ffffff",
}
"""Role → colour, for every chart in the app."""

LAYOUT: dict[str, Any] = {"height": 360, "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "hovermode": "x unified"}
"""The shared layout of every chart (a builder overrides what differs, e.g. the height of a long bar chart)."""


def layout(**overrides: Any) -> dict[str, Any]:
    """`LAYOUT` with `overrides` on top (plotly layout keys)."""
    return {**LAYOUT, **overrides}


class _Shown(go.Figure):
    """A built figure as the store keeps it: its plain-dict form (what `st.plotly_chart` serialises on every
    draw, a deep copy of the whole figure and template) is made once. Shared figures are never mutated, so
    the dict stays true."""

    _as_dict: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        if self._as_dict is None:
            self._as_dict = super().to_dict()
        return self._as_dict


def _built(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    figure = build(*args, **kwargs)
    if type(figure) is go.Figure:
        figure.__class__ = _Shown  # same layout, one method more: no second validation of the figure
    return figure


def figure(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`build(*args, **kwargs)` from the shared store (`ui.data.shared`): built once per distinct inputs, then the
    same object."""
    return data.shared(_built, build, *args, **kwargs)


def show(build: Callable[..., Any], *args: Any, key: str, container: Any = None, **kwargs: Any) -> Any:
    """Draw `build(*args, **kwargs)` (a plotly figure, or None for "nothing to draw") with `st.plotly_chart` in
    `container` (default: the current one) under element `key`; returns the figure.

    The inputs are the cache key, so a chart changes exactly when its inputs do: numbers, strings, tuples and frozen
    pydantic models (hashed by Python in microseconds; a model holding a dict or list is keyed by its JSON)."""
    shown = figure(build, *args, **kwargs)
    if shown is not None:
        (container or st).plotly_chart(shown, key=key)
    return shown
