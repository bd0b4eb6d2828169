"""Per-page rerun latency of the Streamlit app, measured with AppTest.

For each page: open it through the router, then time N reruns each preceded by a widget change
(the page's main slider or number input, nudged back and forth by one step). The figure is the
median rerun time; its baseline is the same measurement on a one-slider script in the same run,
so AppTest's own overhead and the machine's speed show up in both. Target: median < 50 ms per page.
"""

from __future__ import annotations

import logging
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import Figure, figure

ROOT = Path(__file__).resolve().parent.parent
RERUNS = 15
TARGET_MS = 50.0
PREFERRED_WIDGET = {"app_pages/sync_vs_batch.py": "wf_success_rate"}
"""The input users move most on a page; other pages use their first main-area slider or number input."""
ROUTING_TAB = ":material/alt_route: Model routing"
"""The Sync vs batch page's second tab, measured separately: it adds the model × API comparison."""
BASELINE_SCRIPT = "import streamlit as st\nst.slider('x', 0.0, 100.0, 50.0, key='x')\n"


def _widget(at: Any, page: str) -> Any | None:
    key = PREFERRED_WIDGET.get(page)
    if key is not None:
        return at.slider(key=key)
    for kind in ("slider", "number_input"):
        for w in getattr(at.main, kind):
            if not w.disabled and isinstance(w.value, int | float):
                return w
    return None


def _other_value(widget: Any) -> float:
    """One step away from the widget's value, staying inside its range."""
    step = getattr(widget, "step", None) or 1
    value = widget.value
    top = getattr(widget, "max", None)
    return type(value)(value - step if top is not None and value + step > top else value + step)


def median_rerun_ms(at: Any, page: str | None, reruns: int = RERUNS) -> tuple[float, str]:
    """Median wall time of `reruns` reruns after a widget change [ms], and which widget was changed."""
    times = []
    widget = _widget(at, page or "")
    label = "no widget (plain rerun)" if widget is None else (widget.key or widget.label)
    values = None if widget is None else (_other_value(widget), widget.value)
    for i in range(reruns):
        widget = _widget(at, page or "")
        if widget is not None and values is not None:
            widget.set_value(values[i % 2])
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
    return statistics.median(times), label


def pages() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))


def run() -> list[Figure]:
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's bare-mode warnings are noise here
    baseline = AppTest.from_string(BASELINE_SCRIPT, default_timeout=60).run()
    baseline_ms, _ = median_rerun_ms(baseline, None)
    figures = []
    runs = [(page, None) for page in pages()]
    if (ROOT / "app_pages" / "sync_vs_batch.py").exists():
        runs.append(("app_pages/sync_vs_batch.py", ROUTING_TAB))
    landing_ms = None
    for page, tab in runs:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        at.switch_page(page).run()
        if tab is not None:
            at.session_state["compare_tab"] = tab
        at.run()  # warm: first-run imports and cached loaders are not what a user waits for on a rerun
        value_ms, widget = median_rerun_ms(at, page)
        if page.endswith("sync_vs_batch.py") and tab is None:
            landing_ms = value_ms
        verdict = "ok" if value_ms < TARGET_MS else f"OVER the {TARGET_MS:g} ms target"
        figures.append(
            figure(
                f"app rerun after a widget change: {Path(page).stem}" + (" (routing tab)" if tab else ""),
                value_ms,
                "ms",
                "one-slider script rerun (AppTest)",
                baseline_ms,
                note=f"median of {RERUNS}, widget {widget}; {verdict}",
            )
        )
    if landing_ms is not None:
        figures.append(post_run_collection(landing_ms))
    return figures


def post_run_collection(rerun_ms: float) -> Figure:
    """What Streamlit's default `runner.postScriptGC` would add to each rerun on a server: a full `gc.collect(2)`
    in a process that has served every page (off in .streamlit/config.toml; AppTest never runs it)."""
    import gc

    times = []
    for _ in range(5):
        start = time.perf_counter()
        gc.collect(2)
        times.append((time.perf_counter() - start) * 1000)
    return figure(
        "full garbage collection a server ran after every rerun (Streamlit's default, now off)",
        statistics.median(times),
        "ms",
        "the Sync vs batch rerun it followed",
        rerun_ms,
        note=f"median of 5, {len(gc.get_objects()):,} objects tracked after every page ran",
    )
