"""Headline tiles: one tile type and one way to draw a row of them, for every page.

A row is one horizontal container holding its metrics (one block), where `st.columns(n)` is n + 1 blocks:
Streamlit's per-block cost is most of a rerun on a page of tiles. Tiles in a row share its width and wrap on a
narrow screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

__all__ = ["PER_ROW", "Headline", "rows"]

PER_ROW = 5
"""Tiles per row on a wide screen [tiles]."""


@dataclass(frozen=True)
class Headline:
    """One metric tile: label, value, the formula behind it, and an optional delta line."""

    label: str
    value: str
    help: str
    delta: str | None = None
    inverse: bool = False
    """Whether a negative delta is good news (a cost that falls)."""


def rows(
    tiles: Sequence[Headline], *, per_row: int | None = PER_ROW, container: Any = None, border: bool = False
) -> None:
    """Draw `tiles` as metrics, `per_row` to a row (None: all in one row that wraps), in `container` (default: the
    current one)."""
    place = container or st
    per_row = per_row or max(1, len(tiles))
    for start in range(0, len(tiles), per_row):
        row = place.container(horizontal=True)
        for tile in tiles[start : start + per_row]:
            row.metric(
                tile.label,
                tile.value,
                tile.delta,
                delta_color="inverse" if tile.inverse else "normal",
                help=tile.help,
                border=border,
            )
