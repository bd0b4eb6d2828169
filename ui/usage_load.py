"""Usage import page, input side: where the usage comes from (samples, uploads, Admin API) and the what-if widgets.

Its session keys are named in `ui.state` (`USAGE_PATHS`, `USAGE_FETCHED`, `USAGE_FETCH_ERROR`, `USAGE_ADMIN_BASE_URL`):
set `state.USAGE_PATHS` to drive the page without an upload (AppTests; the sample picker sets it too).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from costmodel.errors import unreadable_file
from costmodel.usage import WhatIfAssumptions
from ui import state
from usageimport import ImportResult, UsageImportError, load_files

__all__ = [
    "SAMPLES_DIR",
    "LoadedUsage",
    "assumption_widgets",
    "fetch_form",
    "load_paths",
    "load_uploads",
    "sample_files",
]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "data" / "usage"
_KEY_WIDGET = "bp_usage_admin_key"


class LoadedUsage:
    """An import ready for the core, or the problems that stopped it."""

    def __init__(self, result: ImportResult | None, problems: Sequence[str] = (), label: str = "") -> None:
        self.result = result
        self.problems = list(problems)
        self.label = label


def sample_files() -> list[Path]:
    """The shipped sample exports, one per format."""
    return sorted(p for p in SAMPLES_DIR.iterdir() if p.suffix in {".csv", ".json", ".jsonl"})


@st.cache_data(show_spinner="Reading usage files …", max_entries=8)
def _load_cached(paths: tuple[str, ...], stamps: tuple[float, ...]) -> ImportResult | list[str]:
    del stamps  # part of the cache key only: a changed file is read again
    try:
        return load_files(paths)
    except UsageImportError as exc:
        return exc.problems


def load_paths(paths: Sequence[str | Path]) -> LoadedUsage:
    """Import files from disk (samples or paths put in session state), cached on path and mtime."""
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        return LoadedUsage(None, [unreadable_file(Path(p).name) for p in missing])
    stamps = tuple(Path(p).stat().st_mtime for p in paths)
    loaded = _load_cached(tuple(str(p) for p in paths), stamps)
    if isinstance(loaded, list):
        return LoadedUsage(None, loaded)
    return LoadedUsage(loaded, label=", ".join(Path(p).name for p in paths))


@st.cache_data(show_spinner="Reading uploaded files …", max_entries=4)
def _load_bytes(files: tuple[tuple[str, bytes], ...], digest: str) -> ImportResult | list[str]:
    del digest
    with tempfile.TemporaryDirectory(prefix="bp-usage-") as folder:
        paths = []
        for i, (name, content) in enumerate(files):
            path = Path(folder) / f"{i}-{Path(name).name}"
            path.write_bytes(content)
            paths.append(path)
        try:
            return load_files(paths, names=[name for name, _ in files])
        except UsageImportError as exc:
            return exc.problems


def load_uploads(uploads: Sequence[object]) -> LoadedUsage:
    """Import uploaded files (Streamlit `UploadedFile`s); read through a temporary folder, then deleted."""
    files = tuple((str(getattr(u, "name", "upload")), bytes(u.getvalue())) for u in uploads)  # type: ignore[attr-defined]
    digest = hashlib.sha256(b"".join(name.encode() + content for name, content in files)).hexdigest()
    loaded = _load_bytes(files, digest)
    if isinstance(loaded, list):
        return LoadedUsage(None, loaded)
    return LoadedUsage(loaded, label=", ".join(name for name, _ in files))


def _fetch_now(start_key: str, end_key: str) -> None:
    """Form callback: fetch with the key typed in, then forget it (the field is cleared before the rerun)."""
    from usageimport.fetch import DEFAULT_BASE_URL, fetch_into, fetch_reports

    key = str(st.session_state.get(_KEY_WIDGET, "")).strip()
    st.session_state[_KEY_WIDGET] = ""
    st.session_state.pop(state.USAGE_FETCH_ERROR, None)
    try:
        reports = fetch_reports(
            admin_key=key,
            start=st.session_state[start_key],
            end=st.session_state[end_key],
            base_url=st.session_state.get(state.USAGE_ADMIN_BASE_URL) or DEFAULT_BASE_URL,
        )
        result = ImportResult()
        fetch_into(result, reports)
    except UsageImportError as exc:  # a FetchError, or a report of the wrong shape
        st.session_state[state.USAGE_FETCH_ERROR] = exc.problems
        return
    finally:
        del key
    st.session_state[state.USAGE_FETCHED] = result


def fetch_form(today: date) -> None:
    """Admin key (password field, cleared after use), date range, and a Fetch button."""
    with st.form("bp_usage_fetch"):
        st.text_input(
            "Admin API key",
            type="password",
            key=_KEY_WIDGET,
            placeholder="sk-ant-admin…",
            help="Used for this fetch only: never stored, logged or shown.",
        )
        c1, c2 = st.columns(2)
        first = today.replace(day=1)
        c1.date_input("First day (UTC)", value=(first - timedelta(days=1)).replace(day=1), key="bp_usage_start")
        c2.date_input("Last day (UTC)", value=first - timedelta(days=1), key="bp_usage_end")
        st.form_submit_button(
            "Fetch usage and cost reports",
            icon=":material/cloud_download:",
            on_click=_fetch_now,
            args=("bp_usage_start", "bp_usage_end"),
        )
    for line in st.session_state.get(state.USAGE_FETCH_ERROR, []):
        st.error(line, icon=":material/error:")


def assumption_widgets(model_ids: Sequence[str], tag_names: Sequence[str]) -> WhatIfAssumptions | None:
    """The batch what-if inputs; None (with errors shown) when they do not validate."""
    from pydantic import ValidationError

    top = st.container(horizontal=True)  # a row is one block (st.columns(n) is n + 1)
    share = top.slider("Batchable share of standard traffic [%]", 0, 100, 100, key="bp_usage_share")
    success = top.slider("Batch first-pass success rate [%]", 1.0, 100.0, 100.0, step=0.5, key="bp_usage_success")
    bottom = st.container(horizontal=True)
    billed = bottom.slider("Billed share of a failed attempt [%]", 0, 100, 100, key="bp_usage_billed")
    route = bottom.radio("Failures rerun", ["sync", "batch"], horizontal=True, key="bp_usage_route")
    rounds = bottom.number_input("Batch rounds in total", 1, 10, 1, key="bp_usage_rounds", disabled=route == "sync")
    by_model: dict[str, float] = {}
    by_tag: dict[str, float] = {}
    with st.expander("Batchable share per model or workflow tag"):
        st.caption("Pick the models or tags whose share differs from the overall one (what could wait up to 24 h).")
        for kind, names, target in (("model", model_ids, by_model), ("tag", tag_names, by_tag)):
            if not names:
                continue
            for name in st.multiselect(f"Own share for these {kind}s", list(names), key=f"bp_usage_pick_{kind}"):
                target[name] = st.slider(f"{name} [%]", 0, 100, share, key=f"bp_usage_{kind}_{name}") / 100
    try:
        return WhatIfAssumptions(
            batchable_share=share / 100,
            batchable_share_by_model=by_model,
            batchable_share_by_tag=by_tag,
            success_rate=success / 100,
            billed_failure_share=billed / 100,
            retry_route=route,
            max_batch_rounds=int(rounds),
        )
    except ValidationError as exc:
        from costmodel.errors import problem_lines

        for line in problem_lines(exc):
            st.error(line)
        return None
