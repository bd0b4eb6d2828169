"""Streamlit helpers for the Live pilot page: target and key, sample set, output check, and renderers.

The key is read from the environment, Streamlit secrets or a masked input, handed to the SDK
and never shown, stored in session state, written to disk or put in the URL.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from costmodel.pilot import (
    BudgetDecision,
    OutputCheck,
    PilotReport,
    PromptTemplate,
    SpendEstimate,
    ValidationResult,
    format_hours,
)
from pilot.ledger import Ledger, default_ledger_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "pilot"
SANDBOX_KEY = "sk-emulator-sandbox"
"""Not a secret: the local emulator accepts any key."""
SANDBOX_TURNAROUND_SECONDS = 15.0
SANDBOX_POLL_SECONDS = 2.0
API_POLL_SECONDS = 60.0
SELECTED_PILOT = "bp_pilot_selected"
"""Session key: the pilot id shown in the Pilots tab (an id, not a secret)."""


@dataclass(frozen=True)
class Target:
    """Where pilots go: the SIMULATED sandbox or Anthropic's API."""

    simulated: bool
    api_key: str | None
    key_source: str

    @property
    def label(self) -> str:
        return "SIMULATED sandbox (local emulator)" if self.simulated else "Anthropic API (real spend)"


@st.cache_resource(show_spinner=False)
def sandbox() -> Any:
    """The page's local emulator (127.0.0.1, any free port), started on first use and kept for the process."""
    from emulator import Emulator, EmulatorConfig

    config = EmulatorConfig(
        seed=0,
        turnaround_seconds=SANDBOX_TURNAROUND_SECONDS,
        result_mix={"succeeded": 0.9, "errored": 0.05, "expired": 0.05},
        bad_output_share=0.05,
    )
    return Emulator(config).start()


def ledger() -> Ledger:
    return Ledger(default_ledger_path())


def _secret_key() -> str | None:
    try:
        value = st.secrets.get("ANTHROPIC_API_KEY")
    except Exception:  # no secrets file: Streamlit raises rather than returning None
        return None
    return str(value) if value else None


def target_picker() -> Target:
    """Radio for sandbox vs API; for the API, the key from env, secrets or a masked field (never echoed)."""
    choice = st.radio(
        "Target",
        ["Simulated sandbox", "Anthropic API"],
        horizontal=True,
        help="The sandbox is a local emulator: nothing is sent to Anthropic, results are made up, nothing is billed.",
    )
    if choice == "Simulated sandbox":
        st.info(
            "**SIMULATED** — pilots go to a local emulator of the Message Batches API on 127.0.0.1. "
            f"Batches end after about {SANDBOX_TURNAROUND_SECONDS:g} s; results and costs are made up.",
            icon=":material/science:",
        )
        return Target(simulated=True, api_key=SANDBOX_KEY, key_source="sandbox")
    env_key = os.environ.get("ANTHROPIC_API_KEY")
    secret_key = _secret_key()
    if env_key:
        st.caption("API key: from the ANTHROPIC_API_KEY environment variable (not shown).")
        return Target(simulated=False, api_key=env_key, key_source="environment")
    if secret_key:
        st.caption("API key: from Streamlit secrets (not shown).")
        return Target(simulated=False, api_key=secret_key, key_source="secrets")
    typed = st.text_input(
        "Anthropic API key",
        type="password",
        help="Used only for this session's requests; never stored, logged or shown.",
        placeholder="sk-ant-...",
    )
    if not typed:
        st.warning("Enter an API key (or set ANTHROPIC_API_KEY) to submit to the real API.", icon=":material/key:")
    return Target(simulated=False, api_key=typed or None, key_source="typed" if typed else "none")


def endpoint_for(target: Target) -> str | None:
    """The base URL for new pilots; starts the sandbox when needed."""
    if target.simulated:
        return str(sandbox().base_url)
    return os.environ.get("ANTHROPIC_BASE_URL") or None


def runner(*, base_url: str | None, api_key: str | None) -> Any:
    from pilot.runner import Runner

    return Runner(ledger(), api_key=api_key, base_url=base_url, attempts=4, timeout_seconds=30.0)


def key_for(pilot_simulated: bool, target: Target) -> str | None:
    return SANDBOX_KEY if pilot_simulated else (None if target.simulated else target.api_key)


def _stash_upload(upload: Any) -> Path:
    """Keep an uploaded file beside the ledger (the pilot copies its requests from it)."""
    data = upload.getvalue()
    suffix = Path(upload.name).suffix.lower() or ".jsonl"
    path = default_ledger_path().parent / "uploads" / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    return path


def source_picker() -> tuple[Path | None, PromptTemplate | None, str | None]:
    """The sample set: a shipped sample or an upload; texts need a template. Returns (path, template, error)."""
    kind = st.radio(
        "Sample set",
        ["Shipped sample: support tickets (JSONL)", "Shipped sample: feedback texts + template", "Upload"],
        horizontal=False,
    )
    if kind.startswith("Shipped sample: support"):
        return SAMPLES / "sample_requests.jsonl", None, None
    if kind.startswith("Shipped sample: feedback"):
        from pilot.files import load_template

        st.caption("12 customer-feedback texts; the template below turns each into one request.")
        st.code((SAMPLES / "sample_template.json").read_text(), language="json")
        return SAMPLES / "sample_texts.csv", load_template(SAMPLES / "sample_template.json"), None
    upload = st.file_uploader("Message Batches JSONL, or texts as CSV/JSONL", type=["jsonl", "csv", "ndjson"])
    if upload is None:
        return None, None, None
    path = _stash_upload(upload)
    if not st.toggle("These are texts: build requests from a prompt template", value=path.suffix == ".csv"):
        return path, None, None
    c1, c2 = st.columns(2)
    model = c1.text_input("Model", value="claude-haiku-4-5")
    max_tokens = c2.number_input("max_tokens", min_value=1, value=300, step=50)
    system = st.text_area("System prompt", value="")
    user_template = st.text_area("User message ({text} is replaced by each row's text)", value="{text}")
    c3, c4 = st.columns(2)
    text_column = c3.text_input("Text column", value="text")
    id_column = c4.text_input("Id column (becomes custom_id)", value="id")
    try:
        template = PromptTemplate(
            model=model,
            max_tokens=int(max_tokens),
            system=system,
            user_template=user_template,
            text_column=text_column,
            id_column=id_column,
        )
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        message = "; ".join(str(e["msg"]) for e in errors()) if callable(errors) else str(exc)
        return path, None, f"Template: {message}"
    return path, template, None


def check_picker() -> OutputCheck | None:
    """The output check that decides "usable"; None (with the error shown) when its settings are invalid."""
    kinds = {
        "API success only": "none",
        "Valid JSON": "json",
        "JSON with keys": "json_keys",
        "Regular expression": "regex",
    }
    label = st.selectbox("Usable means", list(kinds), help="The first-pass success rate counts usable results.")
    keys = pattern = ""
    if kinds[label] == "json_keys":
        keys = st.text_input("Required keys (comma-separated)", value="category, priority")
    if kinds[label] == "regex":
        pattern = st.text_input("Pattern (searched in the output text)", value=r"\S")
    try:
        return OutputCheck(
            kind=kinds[label],  # type: ignore[arg-type]
            required_keys=tuple(k.strip() for k in keys.split(",") if k.strip()),
            pattern=pattern,
        )
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        st.error("; ".join(str(e["msg"]) for e in errors()) if callable(errors) else str(exc))
        return None


def render_problems(result: ValidationResult) -> None:
    st.error(
        f"{len(result.problems)} problem(s): nothing can be submitted until they are fixed.", icon=":material/error:"
    )
    frame = pd.DataFrame([{"line": p.line or None, "problem": p.message} for p in result.problems])
    st.dataframe(frame, hide_index=True, width="stretch")


def render_estimate(estimate: SpendEstimate, decision: BudgetDecision) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Requests", f"{estimate.request_count:,}", help=f"{estimate.batch_count} batch(es)")
    m2.metric("Input tokens", f"{estimate.input_tokens:,}", help=estimate.input_tokens_source)
    m3.metric("Worst case (batch)", f"${estimate.worst_case_batch_usd:,.4f}", help="every request uses its max_tokens")
    m4.metric("Budget", f"${decision.budget_usd:,.2f}")
    st.caption(f"Input tokens: {estimate.input_tokens_source}. Prices: {estimate.price_source}.")
    if decision.allowed:
        st.success(decision.reason.capitalize(), icon=":material/savings:")
    else:
        st.error(f"Refused: {decision.reason}", icon=":material/block:")


def render_status(status: Any) -> None:
    if status.pilot.simulated:
        st.info("**SIMULATED** pilot (local emulator): results and costs are made up.", icon=":material/science:")
    rows = []
    for part, clock in zip(status.parts, status.clocks, strict=True):
        rows.append(
            {
                "batch": part.part,
                "batch id": part.batch_id or "(not sent)",
                "state": part.state,
                "requests": part.request_count,
                "elapsed / 24 h": clock.describe() if clock is not None else "",
                "counts": ", ".join(f"{k} {v}" for k, v in sorted(part.counts.items()) if v),
                "error": part.error or "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    first = next((c for c in status.clocks if c is not None), None)
    if first is not None and not first.ended:
        st.progress(first.window_share, text=first.describe())


def render_report(report: PilotReport) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("First-pass success", f"{report.first_pass_success_rate:.1%}", help=report.output_check)
    turnaround = max(report.turnaround_hours) if report.turnaround_hours else 0.0
    m2.metric("Turnaround", format_hours(turnaround), help="created → ended, longest batch")
    m3.metric("Batch cost", f"${report.batch_cost_usd:,.4f}")
    m4.metric("Savings vs sync", f"${report.savings_usd:,.4f}", f"{report.savings_share:.0%}")
    counts = pd.DataFrame([{"result": k, "count": v} for k, v in report.counts.items()])
    left, right = st.columns(2)
    left.dataframe(counts, hide_index=True, width="stretch")
    errors = pd.DataFrame([{"error type": k, "count": v} for k, v in report.error_types.items()])
    if not errors.empty:
        right.dataframe(errors, hide_index=True, width="stretch")
    st.caption(
        f"Per succeeded request: {report.uncached_input_tokens_per_request:,.0f} uncached input, "
        f"{report.cache_write_tokens_per_request:,.0f} cache-write, {report.cache_read_tokens_per_request:,.0f} "
        f"cache-read and {report.output_tokens_per_request:,.0f} output tokens. Same usage at sync prices: "
        f"${report.sync_cost_usd:,.4f}. {report.output_check}. Prices: {report.price_source}."
    )
