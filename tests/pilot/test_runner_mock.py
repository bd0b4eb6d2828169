"""The runner through its HTTP seam: an `httpx2.MockTransport` plays an API misbehaving in ways the emulator cannot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx2
import pytest

from pilot.ledger import Ledger, LedgerError
from pilot.runner import Runner
from tests.pilot.conftest import FAKE_KEY, write_requests

BASE_URL = "http://127.0.0.1:9"  # never contacted: the mock transport answers
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class FakeApi:
    """A tiny Batches API on a mock transport; `reissue_id` makes every create answer with the same id."""

    def __init__(self, *, server_now: datetime, reissue_id: str | None = None) -> None:
        self.server_now = server_now
        self.reissue_id = reissue_id
        self.batches: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.create_answers: list[int] = []
        """Statuses to answer the next creates with (the batch is made first for 500)."""

    def _batch_json(self, batch_id: str) -> dict[str, Any]:
        b = self.batches[batch_id]
        ended = self.server_now >= b["created"] + timedelta(seconds=60)
        n = len(b["custom_ids"])
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else n,
                "succeeded": n if ended else 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": b["created"].isoformat().replace("+00:00", "Z"),
            "expires_at": (b["created"] + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
            "ended_at": (b["created"] + timedelta(seconds=60)).isoformat().replace("+00:00", "Z") if ended else None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": f"{BASE_URL}/v1/messages/batches/{batch_id}/results" if ended else None,
        }

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        self.calls.append((request.method, path))
        headers = {"date": format_datetime(self.server_now, usegmt=True), "request-id": "req_mock"}
        if request.method == "POST" and path == "/v1/messages/batches":
            body = json.loads(request.content)
            batch_id = self.reissue_id or f"msgbatch_mock{len(self.batches):04d}"
            self.batches[batch_id] = {
                "created": self.server_now,
                "custom_ids": [r["custom_id"] for r in body["requests"]],
            }
            status = self.create_answers.pop(0) if self.create_answers else 200
            if status != 200:
                error = {"type": "error", "error": {"type": "api_error", "message": "simulated"}}
                return httpx2.Response(status, json=error, headers=headers)
            return httpx2.Response(200, json=self._batch_json(batch_id), headers=headers)
        if request.method == "GET" and path == "/v1/messages/batches":
            data = [self._batch_json(i) for i in reversed(self.batches)]
            page = {"data": data, "has_more": False, "first_id": None, "last_id": None}
            return httpx2.Response(200, json=page, headers=headers)
        batch_id = path.split("/")[4]
        if path.endswith("/results"):
            lines = [
                json.dumps({"custom_id": c, "result": {"type": "succeeded", "message": _message()}})
                for c in self.batches[batch_id]["custom_ids"]
            ]
            return httpx2.Response(200, content=("\n".join(lines) + "\n").encode(), headers=headers)
        return httpx2.Response(200, json=self._batch_json(batch_id), headers=headers)


def _message() -> dict[str, Any]:
    return {
        "id": "msg_mock",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": "{}"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def make_runner(api: FakeApi, tmp_path: Any, *, local_now: datetime, logs: list[str] | None = None) -> Runner:
    clock = {"now": local_now}

    def sleep(seconds: float) -> None:
        clock["now"] += timedelta(seconds=seconds)
        api.server_now += timedelta(seconds=seconds)

    runner = Runner(
        Ledger(tmp_path / "home" / "ledger.sqlite3"),
        api_key=FAKE_KEY,
        base_url=BASE_URL,
        now=lambda: clock["now"],
        sleep=sleep,
        create_timeout_seconds=5.0,
        reconcile_grace_seconds=120.0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(api.handler)),
        log=(logs.append if logs is not None else None),
    )
    return runner


def test_a_reissued_batch_id_is_a_clear_failure_never_a_crash_or_a_second_send(tmp_path, catalog) -> None:
    api = FakeApi(server_now=START, reissue_id="msgbatch_same")
    logs: list[str] = []
    runner = make_runner(api, tmp_path, local_now=START, logs=logs)
    first = runner.prepare(write_requests(tmp_path / "a.jsonl", 4, prefix="a"), catalog)
    assert runner.submit(first).parts[0].batch_id == "msgbatch_same"
    second = runner.prepare(write_requests(tmp_path / "b.jsonl", 4, prefix="b"), catalog)
    with pytest.raises(LedgerError, match=r"already holds for pilot .* reissues batch ids"):
        runner.submit(second)
    status = runner.status(second)
    assert status.state == "failed"
    assert "reissues batch ids" in status.parts[0].error
    creates = sum(1 for m, p in api.calls if (m, p) == ("POST", "/v1/messages/batches"))
    assert runner.wait(second, poll_seconds=2, max_wait_seconds=0).state == "failed"
    runner.submit(second)  # nothing pending: nothing sent
    assert sum(1 for m, p in api.calls if (m, p) == ("POST", "/v1/messages/batches")) == creates == 2
    assert len(logs) <= 2


@pytest.mark.parametrize("skew_hours", [2.0, -2.0, 0.0])
def test_reconcile_uses_the_servers_date_not_the_local_clock(tmp_path, catalog, skew_hours) -> None:
    api = FakeApi(server_now=START)
    api.create_answers = [500]  # the batch was made, the answer says 500
    runner = make_runner(api, tmp_path, local_now=START + timedelta(hours=skew_hours))
    pilot_id = runner.prepare(write_requests(tmp_path / "a.jsonl", 4), catalog)
    assert runner.submit(pilot_id).state == "submitting"  # a candidate, not yet proven
    runner.sleep(61)
    status = runner.refresh(pilot_id)
    assert status.parts[0].batch_id == "msgbatch_mock0000"
    runner.sleep(600)
    runner.refresh(pilot_id)
    assert len(api.batches) == 1  # never sent twice


def test_injected_http_client_is_left_open_for_its_owner(tmp_path, catalog) -> None:
    api = FakeApi(server_now=START)
    runner = make_runner(api, tmp_path, local_now=START)
    http_client = runner._http_client
    runner.submit(runner.prepare(write_requests(tmp_path / "a.jsonl", 2), catalog))
    runner.close()
    assert not http_client.is_closed
    http_client.close()
