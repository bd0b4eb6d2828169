"""Running a pilot: prepare → submit → refresh/wait → download → report, with the ledger as the source of truth.

Money rules kept here:
- a pilot whose worst case exceeds its budget is refused before anything is recorded or sent;
- each batch part is created by exactly one caller (the ledger claim), with SDK retries off;
- a create the API answered with 4xx (429 included) or 529 created nothing: it is sent again
  after the retry-after, and the batch list is never consulted (any batch there is someone else's);
- a create whose outcome is unknown (timeout, dropped connection, other 5xx) is reconciled
  against `batches.list()` on the server's clock (`Date`, `created_at`), and a listed batch is
  recorded only when its results prove it ours (its custom_ids are exactly the part's); with
  no candidate, the part is resent only after `reconcile_grace_seconds`, when a late-created
  batch would have shown up; a batch never proven ours is never recorded, cancelled or counted;
- results stream to `results.jsonl` line by line; each custom_id is stored at most once,
  unreadable lines are skipped and counted, and a result that never arrived stays missing
  (fetched again by the next download), never recorded as errored.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from costmodel import formatting as fmt
from costmodel.prices import Catalog
from pilot.api import (
    PermanentApiError,
    TransientApiError,
    classify,
    endpoint_label,
    is_simulated,
    make_client,
    with_retries,
)
from pilot.checks import OutputCheck
from pilot.clock import BatchClock, batch_clock
from pilot.errors import PilotError
from pilot.files import numbered_request_lines, validate_source
from pilot.ledger import LOCAL_OWNER, BatchPart, Ledger, PilotRow, open_private, private_dir
from pilot.report import PilotReport, ReportAccumulator
from pilot.requests import PromptTemplate, ValidationResult
from pilot.spend import (
    DEFAULT_BUDGET_USD,
    SpendEstimate,
    budget_decision,
    catalog_problems,
    estimate_spend,
    offline_gap_problems,
)

__all__ = [
    "BudgetRefused",
    "PilotError",
    "PilotStatus",
    "Runner",
    "ValidationFailed",
]

FAILED_TYPES = frozenset({"errored", "expired"})
"""Result types `retry-failed` resends (plus succeeded results that failed the output check)."""


class ValidationFailed(PilotError):
    """The sample set has problems; nothing was recorded or sent."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__(f"{len(result.problems)} problem(s) in the sample set; nothing was submitted")
        self.result = result


class BudgetRefused(PilotError):
    """The worst case exceeds the budget; nothing was recorded or sent."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PilotStatus:
    """A pilot and its parts as the ledger knows them, with clocks computed from `now`."""

    pilot: PilotRow
    parts: list[BatchPart]
    clocks: list[BatchClock | None]
    state: str
    """prepared | submitting | in_progress | ended | complete | failed | withdrawn."""

    @property
    def pending(self) -> bool:
        """True while something is still to happen without the user (creation or processing)."""
        return self.state in ("submitting", "in_progress")

    @property
    def label(self) -> str:
        return "SIMULATED (local emulator)" if self.pilot.simulated else "Anthropic API"

    def as_dict(self) -> dict[str, Any]:
        return {
            "pilot_id": self.pilot.pilot_id,
            "state": self.state,
            "target": self.label,
            "endpoint": self.pilot.endpoint,
            "simulated": self.pilot.simulated,
            "request_count": self.pilot.request_count,
            "budget_usd": self.pilot.budget_usd,
            "worst_case_batch_usd": self.pilot.estimate.get("worst_case_batch_usd"),
            "batches": [
                {
                    "part": p.part,
                    "state": p.state,
                    "batch_id": p.batch_id,
                    "processing_status": p.processing_status,
                    "request_count": p.request_count,
                    "request_counts": p.counts,
                    "created_at": p.batch_created_at.isoformat() if p.batch_created_at else None,
                    "ended_at": p.ended_at.isoformat() if p.ended_at else None,
                    "elapsed_hours": c.elapsed_hours if c else None,
                    "remaining_hours": c.remaining_hours if c else None,
                    "error": p.error,
                }
                for p, c in zip(self.parts, self.clocks, strict=True)
            ],
        }


def overall_state(parts: list[BatchPart]) -> str:
    states = {p.state for p in parts}
    if "failed" in states:
        return "failed"
    if states <= {"withdrawn"}:
        return "withdrawn"
    if "creating" in states:
        return "submitting"
    if "submitted" in states:
        return "in_progress"
    if states <= {"pending", "withdrawn"}:
        return "prepared"
    if "pending" in states:
        return "submitting"
    if states <= {"downloaded", "withdrawn"}:
        return "complete"
    return "ended"


class Runner:
    """Pilot operations against one ledger and one endpoint. Clock, sleep and HTTP client are injectable.

    `owner` scopes every lookup: with an owner, only that owner's pilots exist for this runner
    (another owner's pilot id behaves exactly like an unknown id) and new pilots are recorded
    with it. `owner=None` (the command line) sees the whole ledger and records "local".
    `http_client` (an `httpx2.Client`) is handed to the SDK, e.g. one on a `MockTransport` in tests.
    """

    def __init__(
        self,
        ledger: Ledger,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        now: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
        timeout_seconds: float = 60.0,
        create_timeout_seconds: float = 120.0,
        reconcile_grace_seconds: float = 300.0,
        reconcile_window_seconds: float = 120.0,
        attempts: int = 6,
        reuse_within_seconds: float = 120.0,
        log: Callable[[str], None] | None = None,
        owner: str | None = None,
        http_client: Any = None,
        quiet_seconds: float = 60.0,
    ) -> None:
        if reconcile_grace_seconds < create_timeout_seconds:
            raise ValueError(
                "reconcile_grace_seconds must be at least create_timeout_seconds: a create still in flight "
                "elsewhere must have ended before its part may be sent again"
            )
        self.ledger = ledger
        self._api_key = api_key
        self.endpoint = endpoint_label(base_url)
        self.now = now
        self.sleep = sleep
        self.timeout_seconds = timeout_seconds
        self.create_timeout_seconds = create_timeout_seconds
        self.reconcile_grace_seconds = reconcile_grace_seconds
        self.reconcile_window_seconds = reconcile_window_seconds
        self.attempts = attempts
        self.reuse_within_seconds = reuse_within_seconds
        self.log = log or (lambda message: None)
        self.owner = owner
        self.quiet_seconds = quiet_seconds
        self._said: dict[str, datetime] = {}
        self._foreign: dict[tuple[str, int], set[str]] = {}
        """Batch ids shown not to be a (pilot, part)'s: another part's candidate may still be one of them."""
        self._http_client = http_client
        self._client: Any = None

    # --- plumbing ---------------------------------------------------------------------------------

    @property
    def simulated(self) -> bool:
        return is_simulated(self.endpoint)

    def client(self) -> Any:
        if self._client is None:
            if not self._api_key:
                raise PilotError(
                    "no API key: set ANTHROPIC_API_KEY (or enter it on the page); "
                    "to rehearse without one, run `python -m emulator` and set ANTHROPIC_BASE_URL to it"
                )
            self._client = make_client(
                api_key=self._api_key,
                base_url=self.endpoint,
                timeout=self.timeout_seconds,
                http_client=self._http_client,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None and self._http_client is None:  # an injected HTTP client is its owner's to close
            self._client.close()
        self._client = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, fn: Callable[[], Any], what: str) -> Any:
        return with_retries(fn, what=what, sleep=self.sleep, attempts=self.attempts, on_retry=self.log)

    def _pilot(self, pilot_id: str) -> PilotRow:
        row = self.ledger.pilot(pilot_id, owner=self.owner)
        if row is None:
            raise PilotError(f"no pilot {pilot_id!r} in {self.ledger.path}; `pilot list` shows the pilots")
        return row

    def pilots(self) -> list[PilotRow]:
        """The pilots this runner may see (its owner's, or all for the command line), newest first."""
        return self.ledger.pilots(owner=self.owner)

    def resolve(self, pilot_ref: str) -> str:
        """A pilot id from an id or `latest`."""
        if pilot_ref == "latest":
            pilots = self.pilots()
            if not pilots:
                raise PilotError(f"no pilots in {self.ledger.path} yet")
            return pilots[0].pilot_id
        return self._pilot(pilot_ref).pilot_id

    def delete_pilot(self, pilot_id: str) -> None:
        """Remove a pilot's ledger rows and files (requests, results, retry inputs).

        Only for a pilot with nothing in flight: never sent, withdrawn, failed before sending,
        or ended. A batch still being created or processed must be cancelled and end first,
        so its spend stays on the record.
        """
        self._pilot(pilot_id)
        busy = [p for p in self.ledger.parts(pilot_id) if p.state in ("creating", "submitted")]
        if busy:
            raise PilotError(
                f"pilot {pilot_id} still has {len(busy)} batch(es) being created or processed; "
                "cancel it and wait for it to end before deleting it"
            )
        self.ledger.remove_pilot(pilot_id)

    # --- prepare ----------------------------------------------------------------------------------

    def validate(self, source: Path | str, template: PromptTemplate | None = None) -> ValidationResult:
        return validate_source(source, template)

    def count_input_tokens(self, source: Path | str, template: PromptTemplate | None = None) -> list[int]:
        """Input tokens per request from Anthropic's free counting endpoint (needs a key)."""
        client = self.client()
        counts = []
        keys = ("model", "messages", "system", "tools", "tool_choice", "thinking")
        for _, line in numbered_request_lines(source, template):
            if not line.strip():
                continue
            params = json.loads(line)["params"]
            kwargs = {k: params[k] for k in keys if k in params}
            result = self._retry(lambda kw=kwargs: client.messages.count_tokens(**kw), "count tokens")
            counts.append(int(result.input_tokens))
        return counts

    def estimate(
        self,
        source: Path | str,
        catalog: Catalog,
        *,
        template: PromptTemplate | None = None,
        count_tokens: bool = False,
    ) -> tuple[ValidationResult, SpendEstimate]:
        """Validate then estimate; raises ValidationFailed when any problem remains.

        Without `count_tokens`, a request whose content has no offline ceiling (an image or document by
        URL or file id, a PDF) is a problem: the API's count is then the only bound there is.
        """
        result = self.validate(source, template)
        if result.ok:
            result.problems = catalog_problems(result.requests, catalog)
        if result.ok and not count_tokens:
            result.problems = offline_gap_problems(result.requests)
        if not result.ok:
            raise ValidationFailed(result)
        counted = self.count_input_tokens(source, template) if count_tokens else None
        try:
            estimate = estimate_spend(result.requests, catalog, counted_input_tokens=counted)
        except LookupError as exc:
            raise PilotError(str(exc).strip("'\"")) from None
        return result, estimate

    def prepare(
        self,
        source: Path | str,
        catalog: Catalog,
        *,
        template: PromptTemplate | None = None,
        budget_usd: float = DEFAULT_BUDGET_USD,
        check: OutputCheck | None = None,
        label: str = "",
        count_tokens: bool = False,
        parent_pilot_id: str | None = None,
        estimated: tuple[ValidationResult, SpendEstimate] | None = None,
    ) -> str:
        """Validate, estimate, apply the budget and record the pilot (nothing is sent). Returns its id.

        `estimated` is what `estimate()` already returned for this source (the page shows it before
        the user confirms): validation and estimate then happen once, and the budget is checked
        against the very figures the user saw.

        A second call with the same content and endpoint returns the same pilot instead of a
        duplicate while none of it was sent, or within `reuse_within_seconds` of the first.
        """
        result, estimate = estimated or self.estimate(source, catalog, template=template, count_tokens=count_tokens)
        decision = budget_decision(estimate, budget_usd)
        if not decision.allowed:
            raise BudgetRefused(decision.reason)
        lines = [line.strip() for _, line in numbered_request_lines(source, template) if line.strip()]
        body = ("\n".join(lines) + "\n").encode("utf-8")
        content_hash = hashlib.sha256(body).hexdigest()
        now = self.now()
        pilot_id = f"pilot-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        requests_path = self.ledger.requests_path(pilot_id)
        private_dir(requests_path.parent)
        with open_private(requests_path, "wb") as handle:  # before the ledger row: a recorded pilot has its requests
            handle.write(body)
        parts = [
            (start, end, result.requests[start].custom_id, result.requests[end - 1].custom_id)
            for start, end in result.batches()
        ]
        recorded = self.ledger.add_pilot(
            PilotRow(
                pilot_id=pilot_id,
                created_at=now,
                label=label or Path(source).name,
                source_name=Path(source).name,
                content_hash=content_hash,
                request_count=len(result.requests),
                endpoint=self.endpoint,
                simulated=self.simulated,
                budget_usd=budget_usd,
                estimate=estimate.model_dump(mode="json"),
                check=(check or OutputCheck()).model_dump(mode="json"),
                parent_pilot_id=parent_pilot_id,
                report=None,
                owner=self.owner or LOCAL_OWNER,
            ),
            parts,
            reuse_within_seconds=self.reuse_within_seconds,
        )
        if recorded != pilot_id:
            shutil.rmtree(self.ledger.pilot_dir(pilot_id), ignore_errors=True)
        return str(recorded)

    # --- submit -----------------------------------------------------------------------------------

    def _part_requests(self, pilot_id: str, part: BatchPart) -> list[dict[str, Any]]:
        out = []
        with self.ledger.requests_path(pilot_id).open(encoding="utf-8") as handle:
            for i, line in enumerate(handle):
                if i >= part.end_index:
                    break
                if i >= part.start_index:
                    out.append(json.loads(line))
        return out

    def _check_endpoint(self, pilot: PilotRow) -> None:
        if pilot.endpoint != self.endpoint:
            raise PilotError(
                f"pilot {pilot.pilot_id} belongs to {pilot.endpoint}, but this runner targets {self.endpoint}; "
                "set ANTHROPIC_BASE_URL to the pilot's endpoint"
            )

    def submit(self, pilot_id: str) -> PilotStatus:
        """Create the pilot's batches (each exactly once); safe to call again, from any process."""
        pilot = self._pilot(pilot_id)
        self._check_endpoint(pilot)
        worst = float(pilot.estimate.get("worst_case_batch_usd", float("inf")))
        if worst > pilot.budget_usd:
            raise BudgetRefused(
                f"worst case {fmt.usd_small(worst)} exceeds the pilot's {fmt.usd_small(pilot.budget_usd)} budget"
            )
        for part in self.ledger.parts(pilot_id):
            if part.state in ("pending", "creating"):
                self._submit_part(pilot_id, part.part)
        return self.status(pilot_id)

    def _submit_part(self, pilot_id: str, part_no: int) -> None:
        for attempt in range(self.attempts):
            token = uuid.uuid4().hex
            if not self.ledger.claim(pilot_id, part_no, token, self.now()):
                part = self.ledger.part(pilot_id, part_no)
                if part.state == "creating":
                    # Another caller (or a crashed one) holds the claim: only reconcile, never send.
                    self._reconcile(pilot_id, part, token=None)
                return
            part = self.ledger.part(pilot_id, part_no)
            requests = self._part_requests(pilot_id, part)
            client = self.client().with_options(max_retries=0, timeout=self.create_timeout_seconds)
            try:
                batch = client.messages.batches.create(requests=requests)
            except Exception as exc:
                c = classify(exc)
                if c is None:
                    raise
                if not c.transient:
                    self.ledger.set_state(pilot_id, part_no, "failed", self.now(), c.message, only_from="creating")
                    raise PermanentApiError(f"create batch: {c.message}") from None
                self.ledger.add_event(pilot_id, part_no, self.now(), "create_error", c.message)
                if not _nothing_created(c):
                    self.log(f"create batch: {c.message}; checking the batch list before anything is resent")
                    self._reconcile(pilot_id, part, token=token)
                    return  # recorded, or left `creating`: later calls reconcile and, after the grace, resend
                # The API answered that it created nothing (4xx incl. 429, or 529 overloaded): never
                # reconcile here, since any batch in the list would be someone else's.
                self.ledger.release(pilot_id, part_no, token, self.now(), c.message)
                delay = c.retry_after_seconds or min(60.0, 2.0 * 2**attempt)
                self.log(f"create batch: {c.message}; nothing was created; sending again in {delay:.1f} s")
                self.sleep(delay)
                continue
            self.ledger.record_batch(pilot_id, part_no, batch.id, batch.created_at, self.now(), "create call answered")
            return
        raise TransientApiError("create batch: the API kept refusing; run `pilot submit` again to resume")

    def _say(self, key: str, message: str) -> None:
        """Log `message` unless the same kind of message (`key`) was logged in the last `quiet_seconds`."""
        now = self.now()
        last = self._said.get(key)
        if last is None or abs((now - last).total_seconds()) >= self.quiet_seconds:
            self._said[key] = now
            self.log(message)

    def _reconcile(self, pilot_id: str, part: BatchPart, *, token: str | None) -> bool:
        """Settle a create whose outcome is unknown; True when the part now has a batch.

        A candidate is a batch in the list (newest first) that is in no ledger entry, holds the
        part's request count and was created, on the SERVER's clock, between the claim and the
        end of the create call (± `reconcile_window_seconds`). The server's time of the claim is
        the list response's `Date` minus the time elapsed locally since the claim, so a local
        clock that is off by hours changes nothing. A candidate is recorded only once its results
        hold exactly the part's custom_ids (proof it is ours); while candidates are processing
        nothing is recorded, cancelled or resent. With no candidate at all, the part is released
        (and sent again) once `reconcile_grace_seconds` have passed since the claim.
        """
        claimed_at = part.claimed_at or self.now()
        elapsed = max(0.0, (self.now() - claimed_at).total_seconds())
        client = self.client()
        # batches already shown to be someone else's (by any process): never downloaded again
        foreign = self._foreign.setdefault((pilot_id, part.part), set())
        foreign.update(
            detail.split(":", 1)[0]
            for _, event_part, kind, detail in self.ledger.events(pilot_id)
            if kind == "not_ours" and event_part == part.part
        )

        def find() -> list[Any]:
            raw = client.messages.batches.with_raw_response.list(limit=100)
            server_now = _server_time(raw.headers) or self.now()
            server_claim = server_now - timedelta(seconds=elapsed)
            earliest = server_claim - timedelta(seconds=self.reconcile_window_seconds)
            latest = server_claim + timedelta(seconds=self.create_timeout_seconds + self.reconcile_window_seconds)
            known = self.ledger.known_batch_ids()
            found = []
            for batch in raw.parse():
                if batch.created_at < earliest:
                    break
                if batch.created_at > latest or batch.id in known or batch.id in foreign:
                    continue
                if sum(batch.request_counts.to_dict().values()) == part.request_count:
                    found.append(batch)
            return found

        candidates = self._retry(find, "reconcile with the batch list")
        expected = set(self._expected_ids(pilot_id, part))
        unproven = []
        for batch in candidates:
            verdict = self._ownership(batch, expected)
            if verdict == "ours":
                note = "found in the batch list after an unanswered create; its results hold exactly our custom_ids"
                if self.ledger.record_batch(pilot_id, part.part, batch.id, batch.created_at, self.now(), note):
                    self.log(f"reconciled: batch {batch.id} is ours (its custom_ids match); nothing resent")
                return True
            if verdict == "foreign":
                foreign.add(batch.id)
                self.ledger.add_event(
                    pilot_id, part.part, self.now(), "not_ours", f"{batch.id}: its results hold other custom_ids"
                )
            else:
                unproven.append(batch)
        if unproven:
            ids = ", ".join(b.id for b in unproven)
            self._say(
                f"unproven:{pilot_id}:{part.part}",
                f"create outcome unknown; batch(es) {ids} of the same size may be ours: their custom_ids can be "
                "checked once they end, so nothing is recorded, cancelled or resent until then",
            )
            return False
        if elapsed >= self.reconcile_grace_seconds:
            holder = token or part.claim_token
            if any(kind == "cancel_requested" for _, p, kind, _ in self.ledger.events(pilot_id) if p == part.part):
                detail = "cancelled; no batch was created"
                if self.ledger.set_state(pilot_id, part.part, "withdrawn", self.now(), detail, only_from="creating"):
                    self.log("no batch was created; the part was cancelled, so it is withdrawn, not sent")
                return False
            if holder and self.ledger.release(
                pilot_id, part.part, holder, self.now(), "no batch of ours in the list after the grace period"
            ):
                self.log("no batch was created; the part will be sent again")
                if token is None:
                    self._submit_part(pilot_id, part.part)
                    return True
        else:
            self._say(
                f"grace:{pilot_id}:{part.part}",
                f"create outcome unknown and no batch of ours in the list yet; nothing is resent for another "
                f"{self.reconcile_grace_seconds - elapsed:.0f} s",
            )
        return False

    def _ownership(self, batch: Any, expected: set[str]) -> str:
        """Whose `batch` is: "ours" when it ended and its results hold exactly `expected`, "foreign"
        when they hold any other custom_id, else "unknown" (still processing, or results cut short)."""
        if batch.processing_status != "ended":
            return "unknown"
        seen: set[str] = set()
        try:
            decoder = self.client().messages.batches.results(batch.id)
            try:
                for record in _result_records(decoder.http_response.iter_bytes(), Counter()):
                    if record["custom_id"] not in expected:
                        return "foreign"
                    seen.add(record["custom_id"])
            finally:
                decoder.close()
        except Exception as exc:
            if classify(exc) is None:
                raise
            return "unknown"  # the list is asked again on the next refresh
        return "ours" if seen == expected else "unknown"

    # --- status -----------------------------------------------------------------------------------

    def status(self, pilot_id: str) -> PilotStatus:
        pilot = self._pilot(pilot_id)
        parts = self.ledger.parts(pilot_id)
        now = self.now()
        clocks = [
            batch_clock(p.batch_created_at, now, ended_at=p.ended_at) if p.batch_created_at else None for p in parts
        ]
        return PilotStatus(pilot=pilot, parts=parts, clocks=clocks, state=overall_state(parts))

    def refresh(self, pilot_id: str) -> PilotStatus:
        """Ask the API about every sent, unfinished part; finish unresolved creates first."""
        pilot = self._pilot(pilot_id)
        self._check_endpoint(pilot)
        for part in self.ledger.parts(pilot_id):
            if part.state == "creating":
                self._reconcile(pilot_id, part, token=None)
        parts = self.ledger.parts(pilot_id)
        states = {p.state for p in parts}
        if states & {"creating", "submitted", "ended", "downloaded"} and not states & {"failed", "withdrawn"}:
            # The user confirmed this pilot: finish sending parts an interruption left unsent.
            for part in parts:
                if part.state == "pending":
                    self._submit_part(pilot_id, part.part)
        client = self.client()
        for part in self.ledger.parts(pilot_id):
            if part.state != "submitted" or part.batch_id is None:
                continue
            batch = self._retry(
                lambda bid=part.batch_id: client.messages.batches.retrieve(bid), f"status of {part.batch_id}"
            )
            self.ledger.update_status(
                pilot_id,
                part.part,
                processing_status=batch.processing_status,
                counts=batch.request_counts.to_dict(),
                ended_at=batch.ended_at,
                now=self.now(),
            )
        return self.status(pilot_id)

    def wait(
        self,
        pilot_id: str,
        *,
        poll_seconds: float = 60.0,
        max_wait_seconds: float | None = None,
        on_progress: Callable[[PilotStatus], None] | None = None,
    ) -> PilotStatus:
        """Poll until nothing is pending (or `max_wait_seconds` passes); resumable from any process."""
        started = time.monotonic()
        while True:
            status = self.refresh(pilot_id)
            if on_progress is not None:
                on_progress(status)
            if not status.pending:
                return status
            if max_wait_seconds is not None and time.monotonic() - started >= max_wait_seconds:
                return status
            self.sleep(poll_seconds)

    def cancel(self, pilot_id: str) -> PilotStatus:
        """Cancel sent, unfinished batches and withdraw parts not yet sent.

        A part whose create outcome is unknown has no batch proven ours, so nothing is cancelled
        for it; the cancel is recorded instead, and such a part is withdrawn, never sent again,
        once reconciling finds no batch of ours.
        """
        pilot = self._pilot(pilot_id)
        self._check_endpoint(pilot)
        for part in self.ledger.parts(pilot_id):
            if part.state == "pending":
                self.ledger.set_state(
                    pilot_id, part.part, "withdrawn", self.now(), "cancelled before sending", only_from="pending"
                )
            elif part.state == "creating":
                self.ledger.add_event(pilot_id, part.part, self.now(), "cancel_requested", "create outcome unknown")
                self.log(
                    f"part {part.part}: its create outcome is unknown and no batch is proven ours, so nothing is "
                    "cancelled for it; it will not be sent again"
                )
        for part in self.ledger.parts(pilot_id):
            if part.state == "submitted" and part.batch_id:
                batches = self.client().messages.batches
                self._retry(lambda bid=part.batch_id, b=batches: b.cancel(bid), f"cancel {part.batch_id}")
                self.ledger.add_event(pilot_id, part.part, self.now(), "cancel", "cancel requested")
        return self.refresh(pilot_id) if any(p.batch_id for p in self.ledger.parts(pilot_id)) else self.status(pilot_id)

    # --- results ----------------------------------------------------------------------------------

    def _expected_ids(self, pilot_id: str, part: BatchPart) -> Iterator[str]:
        """The part's custom_ids, read line by line (never the whole request set in memory)."""
        with self.ledger.requests_path(pilot_id).open(encoding="utf-8") as handle:
            for i, line in enumerate(handle):
                if i >= part.end_index:
                    break
                if i >= part.start_index:
                    yield json.loads(line)["custom_id"]

    def _pilot_ids(self, pilot_id: str) -> set[str]:
        """Every custom_id the pilot sent or will send."""
        with self.ledger.requests_path(pilot_id).open(encoding="utf-8") as handle:
            return {json.loads(line)["custom_id"] for line in handle if line.strip()}

    def _clean_results_file(self, pilot_id: str, path: Path) -> set[str]:
        """The custom_ids stored in `path`, after dropping what must not be there.

        Unreadable lines (garbage, NUL blocks, no custom_id, a half line left by a crash),
        repeated custom_ids and custom_ids the pilot never sent are removed (the file is
        rewritten owner-only, atomically) and counted in a `results_file_repaired` event.
        """
        if not path.exists():
            return set()
        os.chmod(path, 0o600)
        wanted = self._pilot_ids(pilot_id)

        def kept(problems: Counter[str]) -> Iterator[dict[str, Any]]:
            seen: set[str] = set()
            with path.open("rb") as handle:
                for record in _result_records(handle, problems):
                    custom_id = record["custom_id"]
                    if custom_id not in wanted:
                        problems["skipped_lines"] += 1
                    elif custom_id in seen:
                        problems["duplicate_lines"] += 1
                    else:
                        seen.add(custom_id)
                        yield record

        problems: Counter[str] = Counter()
        seen = {record["custom_id"] for record in kept(problems)}  # first pass: only ids in memory
        if problems or _ends_mid_line(path):
            temporary = path.with_name(path.name + ".tmp")
            with open_private(temporary, "wb") as out:
                out.writelines(_dump(record) for record in kept(Counter()))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        if problems:
            self.ledger.add_event(pilot_id, None, self.now(), "results_file_repaired", json.dumps(dict(problems)))
        return seen

    def download(self, pilot_id: str) -> Path:
        """Stream every ended part's results to `results.jsonl`, resuming after any interruption.

        Results a cut stream did not deliver stay missing (never recorded as errored): the part
        stays `ended` and the next `download` asks for them again. A part becomes `downloaded`
        only when every one of its custom_ids has a stored result.
        """
        pilot = self._pilot(pilot_id)
        self._check_endpoint(pilot)
        path = self.ledger.results_path(pilot_id)
        private_dir(path.parent)
        seen = self._clean_results_file(pilot_id, path)
        for part in self.ledger.parts(pilot_id):
            if part.state == "ended" and part.batch_id:
                self._download_part(pilot_id, part, path, seen)
        return path

    def _download_part(self, pilot_id: str, part: BatchPart, path: Path, seen: set[str]) -> None:
        expected = set(self._expected_ids(pilot_id, part))
        client = self.client()
        assert part.batch_id is not None
        batch_id: str = part.batch_id
        problems: Counter[str] = Counter()
        with open_private(path, "a") as out:

            def stream() -> None:
                decoder = client.messages.batches.results(batch_id)
                try:
                    for record in _result_records(decoder.http_response.iter_bytes(65536), problems):
                        custom_id = record["custom_id"]
                        if custom_id in seen:
                            problems["duplicate_lines"] += 1
                        elif custom_id not in expected:
                            problems["unexpected_results"] += 1
                        else:
                            out.write(_dump(record).decode("utf-8"))
                            seen.add(custom_id)
                finally:
                    decoder.close()
                    out.flush()

            for _ in range(3):
                if expected <= seen:
                    break
                self._retry(stream, f"results of {batch_id}")
            os.fsync(out.fileno())
        if problems:
            self.ledger.add_event(pilot_id, part.part, self.now(), "results_stream_problems", json.dumps(problems))
            self._say(
                f"stream:{pilot_id}",
                f"results of {batch_id}: skipped {problems['skipped_lines']} unreadable line(s), "
                f"{problems['duplicate_lines']} repeated and {problems['unexpected_results']} unexpected result(s)",
            )
        missing = len(expected - seen)
        if missing:
            # Never recorded as errored: a result that did not arrive is not a failed request.
            message = (
                f"results of {batch_id}: {missing} of {len(expected)} not received (the stream was cut); "
                "run `pilot results` again to fetch them"
            )
            self.ledger.add_event(pilot_id, part.part, self.now(), "missing_results", message)
            self.log(message)
            return
        self.ledger.set_state(pilot_id, part.part, "downloaded", self.now(), "results stored", only_from="ended")

    def download_problems(self, pilot_id: str) -> dict[str, int]:
        """Lines skipped so far while downloading or repairing the results file, by kind [lines]."""
        self._pilot(pilot_id)
        totals: Counter[str] = Counter()
        for _, _, kind, detail in self.ledger.events(pilot_id):
            if kind in ("results_stream_problems", "results_file_repaired"):
                with contextlib.suppress(ValueError, TypeError):
                    totals.update({str(k): int(v) for k, v in json.loads(detail).items()})
        return {key: totals[key] for key in ("skipped_lines", "duplicate_lines", "unexpected_results")}

    def iter_results(self, pilot_id: str) -> Iterator[dict[str, Any]]:
        """Stored result records, one per custom_id the pilot sent (unreadable and repeated lines skipped)."""
        self._pilot(pilot_id)
        path = self.ledger.results_path(pilot_id)
        if not path.exists():
            return
        wanted = self._pilot_ids(pilot_id)
        seen: set[str] = set()
        with path.open("rb") as handle:
            for record in _result_records(handle, Counter()):
                custom_id = record["custom_id"]
                if custom_id in wanted and custom_id not in seen:
                    seen.add(custom_id)
                    yield record

    def report(self, pilot_id: str, catalog: Catalog) -> PilotReport:
        """Measure the pilot from its stored results (download first); stores the figures in the ledger.

        Each custom_id counts once; lines that cannot be read, or belong to no request of the
        pilot, are skipped and counted in the report, so the success rate stays in [0, 1].
        """
        status = self.status(pilot_id)
        if status.state != "complete":
            raise PilotError(f"pilot {pilot_id} is {status.state}: wait for it to end and download its results first")
        check = OutputCheck.model_validate(status.pilot.check)
        acc = ReportAccumulator(catalog, check)
        wanted = self._pilot_ids(pilot_id)
        problems: Counter[str] = Counter()
        path = self.ledger.results_path(pilot_id)
        if path.exists():
            with path.open("rb") as handle:
                for record in _result_records(handle, problems):
                    if record["custom_id"] in wanted:
                        acc.add(record)
                    else:
                        acc.skip()
        for _ in range(problems["skipped_lines"]):
            acc.skip()
        turnaround = [
            c.elapsed_hours for p, c in zip(status.parts, status.clocks, strict=True) if c is not None and c.ended
        ]
        sent = sum(p.request_count for p in status.parts if p.batch_id)
        report = acc.finish(request_count=sent, turnaround_hours=turnaround)
        self.ledger.set_report(pilot_id, report.model_dump(mode="json"), self.now())
        return report

    def failed_custom_ids(self, pilot_id: str) -> set[str]:
        """custom_ids whose stored result was errored or expired, or succeeded but failed the output check.

        Requests without a stored result (a download still incomplete) are never among them.
        """
        from pilot.checks import check_output, result_text

        pilot = self._pilot(pilot_id)
        check = OutputCheck.model_validate(pilot.check)
        failed: set[str] = set()
        for record in self.iter_results(pilot_id):
            kind = record["result"].get("type")
            if kind in FAILED_TYPES or (kind == "succeeded" and not check_output(result_text(record), check)):
                failed.add(record["custom_id"])
        return failed

    def retry_failed(self, pilot_id: str, catalog: Catalog, *, budget_usd: float = DEFAULT_BUDGET_USD) -> str:
        """A new prepared pilot holding only the failed and expired requests of `pilot_id`.

        Idempotent: when `pilot_id` already has a retry pilot (not withdrawn), that one is returned.
        """
        status = self.status(pilot_id)
        existing = self.ledger.retry_of(pilot_id)
        if (
            existing is not None
            and self.ledger.pilot(existing, owner=self.owner) is not None
            and self.status(existing).state != "withdrawn"
        ):
            self.log(f"pilot {pilot_id} already has a retry pilot: {existing}")
            return existing
        if status.state != "complete":
            raise PilotError(f"pilot {pilot_id} is {status.state}: download its results before retrying failures")
        failed = self.failed_custom_ids(pilot_id)
        if not failed:
            raise PilotError(f"pilot {pilot_id} has no failed or expired requests to retry")
        source = self.ledger.pilot_dir(pilot_id) / "retry-requests.jsonl"
        with (
            self.ledger.requests_path(pilot_id).open(encoding="utf-8") as src,
            open_private(source, "w") as dst,
        ):
            for line in src:
                if json.loads(line)["custom_id"] in failed:
                    dst.write(line)
        check = OutputCheck.model_validate(status.pilot.check)
        return self.prepare(
            source,
            catalog,
            budget_usd=budget_usd,
            check=check,
            label=f"retry of {pilot_id}",
            parent_pilot_id=pilot_id,
        )


def _nothing_created(c: Any) -> bool:
    """True when the API answered a create with a status that says no batch was made (4xx, 529)."""
    return bool(c.response_received and c.status is not None and (c.status < 500 or c.status == 529))


def _server_time(headers: Any) -> datetime | None:
    """The server's clock from a response's `Date` header; None when absent or unreadable."""
    value = headers.get("date") if headers is not None else None
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _result_records(chunks: Iterable[bytes], problems: Counter[str]) -> Iterator[dict[str, Any]]:
    """Result records from JSONL bytes (any chunking); unreadable complete lines are counted as skipped.

    A record is an object with a string `custom_id` and an object `result` with a string `type`.
    A final line without its newline (a cut stream, a crash mid-write) is dropped silently:
    it is re-read on the next download.
    """
    pending: list[bytes] = []  # the current line's pieces so far: a long line costs linear time, not quadratic
    for chunk in chunks:
        pieces = chunk.split(b"\n")
        if len(pieces) == 1:
            pending.append(chunk)
            continue
        lines = [b"".join([*pending, pieces[0]]), *pieces[1:-1]]
        pending = [pieces[-1]] if pieces[-1] else []
        for line in lines:
            if not line.strip(b" \t\r\x00"):
                if line:
                    problems["skipped_lines"] += 1
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                record = None
            result = record.get("result") if isinstance(record, dict) else None
            if (
                isinstance(record, dict)
                and isinstance(record.get("custom_id"), str)
                and isinstance(result, dict)
                and isinstance(result.get("type"), str)
            ):
                yield record
            else:
                problems["skipped_lines"] += 1


def _dump(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8")


def _ends_mid_line(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"
