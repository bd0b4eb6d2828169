"""Charts: one palette, one style, and one way to put a figure on a page.

- **Palette** (`PALETTE`): the same thing has the same colour on every page: sync is grey, batch is
  Anthropic orange, good (saves, meets the SLA) is green, bad (costs more, misses) is red, a reference
  line (median, p90, chosen interval) is neutral grey, and a P10-P90 band is translucent batch orange.
- **Style** (`LAYOUT`, `layout()`): one height, margin and hover mode; a builder overrides only what differs.
- **Showing** (`show()`): a figure is built once per distinct inputs and shared by every session (Streamlit's
  `cache_resource`); a rerun that changes nothing in a chart's inputs skips plotly's validation, which is most
  of a small figure's cost. Builders stay plain functions of their inputs (testable without Streamlit) and
  never mutate a figure they return, so a shared figure is never changed under another session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

__all__ = ["LAYOUT", "PALETTE", "layout", "show"]

PALETTE = {
    "sync": "#8c8c8c",
    "batch": "#d97757",
    "good": "#2e7d32",
    "bad": "#c62828",
    "neutral": "#7f7f7f",
    "muted": "#c7c7c7",
    "band": "rgba(217, 119, 87, 0.22)",
}
"""Role → colour, for every chart in the app."""

LAYOUT: dict[str, Any] = {"height": 360, "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "hovermode": "x unified"}
"""The shared layout of every chart (a builder overrides what differs, e.g. the height of a long bar chart)."""


def layout(**overrides: Any) -> dict[str, Any]:
    """`LAYOUT` with `overrides` on top (plotly layout keys)."""
    return {**LAYOUT, **overrides}


@st.cache_resource(show_spinner=False, max_entries=128)  # shared, never mutated: see the module docstring
def _built(name: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...], _build: Callable[..., Any]) -> Any:
    """The figure `_build(*args, **kwargs)`, cached on the builder's name and the inputs (hashed by Streamlit)."""
    return _build(*args, **dict(kwargs))


def show(build: Callable[..., Any], *args: Any, key: str, container: Any = None, **kwargs: Any) -> Any:
    """Draw `build(*args, **kwargs)` (a plotly figure, or None for "nothing to draw") with `st.plotly_chart` in
    `container` (default: the current one) under widget `key`; returns the figure.

    The inputs must be hashable by Streamlit (numbers, strings, tuples, frozen pydantic models): they are the
    cache key, so a chart changes exactly when its inputs do."""
    name = f"{build.__module__}.{build.__qualname__}"
    figure = _built(name, args, tuple(sorted(kwargs.items())), build)
    if figure is not None:
        (container or st).plotly_chart(figure, key=key)
    return figure
