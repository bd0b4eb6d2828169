"""Streamlit helpers for the Live pilot page: target and key, sample set, output check, and renderers.

What the page may do is the operator's decision (`ui.operator`): out of the box only the SIMULATED
sandbox. A visitor's key is typed into a masked field, held only in this browser session's
memory and handed to the SDK; it is never shown, written to disk, logged or put in the URL.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from costmodel import formatting as fmt
from costmodel.formatting import hours
from pilot.checks import OutputCheck
from pilot.ledger import Ledger, default_ledger_path, open_private, private_dir
from pilot.report import PilotReport
from pilot.requests import PromptTemplate, ValidationResult
from pilot.spend import BudgetDecision, SpendEstimate
from ui import operator, state
from ui.operator import Identity, OperatorSettings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "pilot"
SANDBOX_KEY = "sk-emulator-sandbox"
"""Not a secret: the local emulator accepts any key."""
SANDBOX_POLL_SECONDS = 2.0
API_POLL_SECONDS = 60.0
SANDBOX_BUDGET_MAX_USD = 1_000.0
"""Upper bound of the budget field for sandbox pilots, which spend nothing [USD]."""
API_KEY_FIELD = "bp_pilot_api_key"
"""Session key of the masked key field: the visitor's key lives only here, in this session's memory."""


@dataclass(frozen=True)
class Target:
    """Where new pilots go: the SIMULATED sandbox or Anthropic's API."""

    simulated: bool
    api_key: str | None
    key_source: str
    """sandbox | server | typed | none."""

    @property
    def label(self) -> str:
        return "SIMULATED sandbox (local emulator)" if self.simulated else "Anthropic API (real spend)"


@st.cache_resource(show_spinner=False, max_entries=2)
def _sandbox(turnaround_seconds: float) -> Any:
    from emulator import Emulator, EmulatorConfig

    config = EmulatorConfig(
        seed=0,
        turnaround_seconds=turnaround_seconds,
        result_mix={"succeeded": 0.9, "errored": 0.05, "expired": 0.05},
        bad_output_share=0.05,
    )
    return Emulator(config).start()


def sandbox() -> Any:
    """The page's local emulator (127.0.0.1, any free port), started on first use and kept for the process.

    Its turnaround is the operator's `sandbox_turnaround_seconds` (tests set it short).
    """
    settings, _ = operator.operator_settings()
    return _sandbox(settings.sandbox_turnaround_seconds)


def ledger() -> Ledger:
    return Ledger(default_ledger_path())


def target_picker(settings: OperatorSettings, identity: Identity) -> Target:
    """The sandbox, or (only when the operator allows it) the API with the visitor's own key, never echoed."""
    sandbox_note = (
        "**SIMULATED** — pilots go to a local emulator of the Message Batches API on 127.0.0.1. "
        f"Batches end after about {settings.sandbox_turnaround_seconds:g} s; results and costs are made up."
    )
    if not settings.allow_real_api:
        st.info(sandbox_note, icon=":material/science:")
        st.caption(
            "The real Anthropic API is off on this server: only its operator can enable it "
            '(README, "Run a team server safely").'
        )
        return Target(simulated=True, api_key=SANDBOX_KEY, key_source="sandbox")
    choice = st.radio(
        "Target",
        ["Simulated sandbox", "Anthropic API"],
        horizontal=True,
        help="The sandbox is a local emulator: nothing is sent to Anthropic, results are made up, nothing is billed.",
    )
    if choice == "Simulated sandbox":
        st.info(sandbox_note, icon=":material/science:")
        return Target(simulated=True, api_key=SANDBOX_KEY, key_source="sandbox")
    st.caption(
        f"Operator limits: a budget cap of at most {fmt.usd(settings.max_budget_usd_per_pilot)} per pilot, and "
        f"{fmt.usd(settings.max_spend_usd_per_month)} a month for the worst cases of all real-API pilots on this "
        "server."
    )
    if operator.auth_configured() and not identity.signed_in:
        st.warning(
            "Sign in to use the real API: pilots that spend money belong to a signed-in user.", icon=":material/login:"
        )
        if st.button("Sign in", icon=":material/login:"):
            st.login()
        return Target(simulated=False, api_key=None, key_source="none")
    if settings.allow_server_key:
        server_key = operator.server_api_key()
        if server_key:
            st.caption("API key: the server's own (the operator allows it; not shown).")
            return Target(simulated=False, api_key=server_key, key_source="server")
    typed = st.text_input(
        "Anthropic API key",
        type="password",
        key=API_KEY_FIELD,
        help="Held only in this browser session's memory for its requests; never stored, logged, shown or shared.",
        placeholder="sk-ant-...",
    )
    key, problem = operator.typed_api_key(typed)
    if problem:
        st.error(problem, icon=":material/key_off:")
    elif key is None:
        st.warning(
            "Enter your Anthropic API key to submit to the real API; it stays in this browser session's memory.",
            icon=":material/key:",
        )
    return Target(simulated=False, api_key=key, key_source="typed" if key else "none")


def identity_note(identity: Identity) -> None:
    """Whose pilots these are: the signed-in user (with a way out), or this browser session."""
    if identity.signed_in:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.caption(f"Signed in as {identity.display}: you see and act on your own pilots only.")
        if right.button("Sign out", icon=":material/logout:"):
            st.logout()
        return
    st.caption(
        "Your pilots belong to this browser session: other visitors cannot see them, and a reload starts a new "
        "session that no longer lists them (with sign-in, which the operator can set up, they stay with you)."
    )


def budget_input(target: Target, settings: OperatorSettings) -> float:
    """The visitor's budget cap [USD]; for the real API it can never exceed the operator's per-pilot ceiling."""
    from pilot.spend import DEFAULT_BUDGET_USD

    ceiling = SANDBOX_BUDGET_MAX_USD if target.simulated else settings.max_budget_usd_per_pilot
    key = "bp_pilot_budget_sandbox" if target.simulated else "bp_pilot_budget_api"
    if key in st.session_state and st.session_state[key] > ceiling:
        st.session_state[key] = ceiling  # the operator lowered the ceiling since it was typed
    return float(
        st.number_input(
            "Budget cap [USD]",
            min_value=0.0,
            max_value=ceiling,
            value=min(DEFAULT_BUDGET_USD, ceiling),
            step=1.0,
            key=key,
            help="Refuse if the worst case exceeds it"
            + ("" if target.simulated else f" (the operator's ceiling is {fmt.usd(ceiling)} per pilot)"),
        )
    )


def counted_memo_key(source: Path, template: PromptTemplate | None) -> str:
    """A digest of the sample set and its template: the counted estimate is reused while both are unchanged."""
    digest = hashlib.sha256(Path(source).read_bytes())
    digest.update(template.model_dump_json().encode("utf-8") if template is not None else b"-")
    return digest.hexdigest()


def counted_memo(key: str | None) -> Any:
    """The counted `(validation, estimate)` remembered for `key`, or None."""
    memo = st.session_state.get(state.PILOT_COUNTED)
    return memo[1] if key is not None and memo is not None and memo[0] == key else None


def remember_counted(key: str | None, estimated: Any) -> None:
    """Keep one counted estimate per session (bounded: a new sample set replaces it)."""
    if key is not None:
        st.session_state[state.PILOT_COUNTED] = (key, estimated)


def endpoint_for(target: Target) -> str | None:
    """The base URL for new pilots; starts the sandbox when needed."""
    import os

    if target.simulated:
        return str(sandbox().base_url)
    return os.environ.get("ANTHROPIC_BASE_URL") or None


def runner(*, base_url: str | None, api_key: str | None, owner: str) -> Any:
    """A runner that sees and records only `owner`'s pilots."""
    from pilot.runner import Runner

    return Runner(ledger(), api_key=api_key, base_url=base_url, attempts=4, timeout_seconds=30.0, owner=owner)


def key_for(pilot_simulated: bool, target: Target) -> str | None:
    return SANDBOX_KEY if pilot_simulated else (None if target.simulated else target.api_key)


def uploads_root() -> Path:
    return default_ledger_path().parent / "uploads"


def uploads_dir(owner: str) -> Path:
    """This owner's upload folder (named by a digest, so no e-mail address appears on disk)."""
    return uploads_root() / hashlib.sha256(owner.encode("utf-8")).hexdigest()[:16]


def _stash_upload(upload: Any, owner: str) -> Path:
    """Keep an uploaded file owner-only (0600 in a 0700 folder); the pilot copies its requests from it."""
    data = upload.getvalue()
    suffix = Path(upload.name).suffix.lower() or ".jsonl"
    folder = private_dir(uploads_dir(owner))
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    if not path.exists():
        with open_private(path, "wb") as handle:
            handle.write(data)
    return path


def remove_pilot(pilot_id: str, owner: str) -> None:
    """Delete one of `owner`'s pilots (ledger rows, requests, results) and the upload it came from."""
    with runner(base_url=None, api_key=None, owner=owner) as offline:
        row = offline.ledger.pilot(pilot_id, owner=owner)
        offline.delete_pilot(pilot_id)
    if row is not None and not any(p.source_name == row.source_name for p in ledger().pilots(owner=owner)):
        (uploads_dir(owner) / row.source_name).unlink(missing_ok=True)


_CEILING_LOCK = threading.Lock()
"""Recording a real-API pilot and checking the monthly ceiling happen as one step in this server process."""


def prepare_and_submit(runner: Any, settings: OperatorSettings, prepare: Callable[[], str]) -> str:
    """Record a pilot with `prepare()` (its budget is checked there, once), hold it to the operator's ceilings, send it.

    A real-API pilot over the per-pilot or monthly ceiling is deleted again before anything is sent
    and `BudgetRefused` says why. Returns the pilot id.
    """
    from pilot.runner import BudgetRefused

    with _CEILING_LOCK:
        pilot_id = prepare()
        if not runner.simulated:
            row = runner.ledger.pilot(pilot_id)
            worst_usd = float(row.estimate.get("worst_case_batch_usd", row.budget_usd))
            refusal = (
                f"the budget cap {fmt.usd_small(row.budget_usd)} is over the operator's ceiling of "
                f"{fmt.usd(settings.max_budget_usd_per_pilot)} per pilot; lower it"
                if row.budget_usd > settings.max_budget_usd_per_pilot + 1e-12
                else operator.month_refusal(runner.ledger, settings, worst_usd, datetime.now(UTC), excluding=pilot_id)
            )
            if refusal:
                if runner.status(pilot_id).state == "prepared":
                    runner.delete_pilot(pilot_id)
                raise BudgetRefused(refusal)
    runner.submit(pilot_id)  # exactly once per pilot, however often this runs
    return pilot_id


SANDBOX_GONE = "its sandbox is gone (the app restarted) before the results came back; nothing was billed"


def explain_unreachable(row: Any, status: Any, target: Target) -> str | None:
    """Why this pilot cannot be refreshed from here now (shown on the page), or None when it can.

    A SIMULATED pilot whose sandbox died with an app restart can never finish: its unfinished
    parts are marked failed, so it reads as a clear end state with a way forward, never a hang.
    """
    from pilot.api import endpoint_label

    if row.simulated:
        if row.endpoint == endpoint_label(str(sandbox().base_url)):
            return None
        if status.state not in ("complete", "failed", "withdrawn"):
            book = ledger()
            for part in status.parts:
                if part.state in ("pending", "creating", "submitted", "ended"):
                    book.set_state(
                        row.pilot_id, part.part, "failed", datetime.now(UTC), SANDBOX_GONE, only_from=part.state
                    )
            st.warning(
                f"This SIMULATED pilot ended as failed: {SANDBOX_GONE}. Remove it, and submit the sample "
                "again from the New pilot tab.",
                icon=":material/history:",
            )
        else:
            st.warning(
                "This SIMULATED pilot ran on a sandbox that no longer exists (the app restarted): its batches are "
                "gone. Stored results and the report below are still available.",
                icon=":material/history:",
            )
        return "sandbox gone"
    if target.simulated or not target.api_key:
        st.info(
            "This pilot runs on the Anthropic API: choose **Anthropic API** above and enter your key to refresh, "
            "cancel or retry it. Its stored status and results are shown below.",
            icon=":material/key:",
        )
        return "no key"
    return None


def remove_control(pilot_id: str, owner: str, *, pending: bool) -> None:
    """A "Remove pilot" action (confirmed in a popover); disabled while batches are pending."""
    with st.popover(
        "Remove pilot",
        icon=":material/delete:",
        disabled=pending,
        help="Cancel it first" if pending else "Delete its requests, results and upload from this server",
    ):
        st.write(
            "Deletes this pilot's requests, results and uploaded file from the server. "
            "A measurement already used in the plan stays."
        )
        if st.button("Remove permanently", type="primary", key=f"bp_remove_{pilot_id}"):
            remove_pilot(pilot_id, owner)
            state.select_pilot(None)
            st.rerun()


def retention(settings: OperatorSettings) -> int:
    """Apply the operator's retention (uploads and web pilots older than it are deleted); cheap per page load."""
    book = ledger()
    if not book.exists and not uploads_root().exists():
        return 0

    def remove(pilot_id: str) -> None:
        with runner(base_url=None, api_key=None, owner=book.pilot(pilot_id).owner) as offline:  # type: ignore[union-attr]
            offline.delete_pilot(pilot_id)

    return operator.apply_retention(book, uploads_root(), settings, datetime.now(UTC), remove_pilot=remove)


def source_picker(owner: str) -> tuple[Path | None, PromptTemplate | None, str | None]:
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
    path = _stash_upload(upload, owner)
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
    m1.metric("Requests", fmt.count(estimate.request_count), help=f"{estimate.batch_count} batch(es)")
    m2.metric("Input tokens", fmt.count(estimate.input_tokens), help=estimate.input_tokens_source)
    m3.metric(
        "Worst case (batch)", fmt.usd_small(estimate.worst_case_batch_usd), help="every request uses its max_tokens"
    )
    m4.metric("Budget", fmt.usd_small(decision.budget_usd))
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
    if any(p.state == "creating" for p in status.parts):
        st.info(
            "A create request was sent but its answer never arrived (an interruption or an app restart). "
            "Nothing is sent again until the batch list proves no batch was made; this view checks it on refresh.",
            icon=":material/hourglass_top:",
        )
    first = next((c for c in status.clocks if c is not None), None)
    if first is not None and not first.ended:
        st.progress(first.window_share, text=first.describe())


def render_report(report: PilotReport) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("First-pass success", fmt.share(report.first_pass_success_rate), help=report.output_check)
    turnaround = max(report.turnaround_hours) if report.turnaround_hours else 0.0
    m2.metric("Turnaround", hours(turnaround), help="created → ended, longest batch")
    m3.metric("Batch cost", fmt.usd_small(report.batch_cost_usd))
    m4.metric("Savings vs sync", fmt.usd_small(report.savings_usd), fmt.share(report.savings_share))
    counts = pd.DataFrame([{"result": k, "count": v} for k, v in report.counts.items()])
    left, right = st.columns(2)
    left.dataframe(counts, hide_index=True, width="stretch")
    errors = pd.DataFrame([{"error type": k, "count": v} for k, v in report.error_types.items()])
    if not errors.empty:
        right.dataframe(errors, hide_index=True, width="stretch")
    st.caption(
        f"Per succeeded request: {fmt.count(report.uncached_input_tokens_per_request)} uncached input, "
        f"{fmt.count(report.cache_write_tokens_per_request)} cache-write, "
        f"{fmt.count(report.cache_read_tokens_per_request)} cache-read and "
        f"{fmt.count(report.output_tokens_per_request)} output tokens. Same usage at sync prices: "
        f"{fmt.usd_small(report.sync_cost_usd)}. {report.output_check}. Prices: {report.price_source}."
    )


def _tokens(usage: Any, *names: str) -> float | None:
    """The sum of these usage counts [tokens]; None when one is not a number ≥ 0 (a damaged record is left out)."""
    values = [usage.get(name) or 0 for name in names] if isinstance(usage, dict) else [None]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in values):
        return None
    return float(sum(values))


def token_samples(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Issue 12: the input and output tokens of each succeeded result as `sample` distributions (input = uncached +
    cache writes + cache reads, as the report averages them), for "Use in plan" to hand the planner pages."""
    from costmodel.uncertainty import token_samples as samples_of

    inputs: list[float] = []
    outputs: list[float] = []
    for record in records:
        result = record.get("result")
        if not isinstance(result, dict) or result.get("type") != "succeeded":
            continue
        message = result.get("message")
        usage = message.get("usage") if isinstance(message, dict) else None
        used_input = _tokens(usage, "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        used_output = _tokens(usage, "output_tokens")
        if used_input is not None and used_output is not None:
            inputs.append(used_input)
            outputs.append(used_output)
    return dict(samples_of(inputs, outputs))
