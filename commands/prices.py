"""Refreshing the price catalog's data from the internet: the one network edge, shared by the CLI and the sidebar."""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING, Any

from costmodel.limits import DEFAULT_BATCH_DISCOUNT

if TYPE_CHECKING:
    from costmodel.prices import Catalog

__all__ = ["catalog", "refresh_prices"]


@functools.cache
def catalog(as_of: date, batch_discount: float = DEFAULT_BATCH_DISCOUNT, include_retired: bool = False) -> Catalog:
    """The price catalog a command prices with: built once per process and arguments (the core keeps no cache, so
    a command that prices several times, e.g. `evaluate` with ranges, builds it once); `refresh_prices` empties it."""
    from costmodel.prices import load_catalog

    return load_catalog(as_of=as_of, batch_discount=batch_discount, include_retired=include_retired)


def refresh_prices(*, timeout_seconds: float = 10.0, updater: Any = None) -> str | None:
    """Opt-in runtime refresh of genai-prices' data (`UpdatePrices`); None on success, else a one-line reason.

    The edge of the app: it reaches the internet. On failure the bundled snapshot stays in use, and the
    price source says which data priced the figures. `load_catalog` builds from the refreshed snapshot.
    """
    from genai_prices import UpdatePrices

    instance = updater if updater is not None else UpdatePrices()
    try:
        instance.start(wait=False)
        if not instance.wait(timeout=timeout_seconds):
            return f"price refresh did not finish within {timeout_seconds:g} s; using the bundled price data"
    except Exception as exc:  # any fetch failure: offline, proxy, HTTP error, bad payload
        return f"price refresh failed ({type(exc).__name__}: {exc}); using the bundled price data"
    finally:
        instance.stop()
    catalog.cache_clear()  # the next catalog builds from the refreshed snapshot
    return None
