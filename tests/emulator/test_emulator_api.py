"""The emulator speaks the Message Batches API as the real anthropic SDK expects."""

from __future__ import annotations

import http.client
import json

import anthropic
import pytest

from emulator import Emulator, ManualClock
from tests.pilot.conftest import FAKE_KEY


def params(text: str = "hi", **extra: object) -> dict:
    return {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": text}], **extra}


def requests(n: int, prefix: str = "q") -> list[dict]:
    return [{"custom_id": f"{prefix}{i}", "params": params(f"text {i}")} for i in range(n)]


@pytest.fixture
def client(emu: Emulator):
    with anthropic.Anthropic(api_key=FAKE_KEY, base_url=emu.base_url, max_retries=0) as c:
        yield c


def test_lifecycle_counts_stay_processing_until_ended(client, emu, clock) -> None:
    batch = client.messages.batches.create(requests=requests(6))
    assert batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 6
    assert batch.results_url is None
    assert (batch.expires_at - batch.created_at).total_seconds() == 24 * 3600
    clock.advance(59)
    assert client.messages.batches.retrieve(batch.id).request_counts.processing == 6
    clock.advance(2)
    ended = client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended"
    assert ended.request_counts.processing == 0
    assert ended.request_counts.succeeded == 6
    assert ended.results_url.endswith(f"/v1/messages/batches/{batch.id}/results")
    results = list(client.messages.batches.results(batch.id))
    assert sorted(r.custom_id for r in results) == sorted(f"q{i}" for i in range(6))
    assert all(r.result.type == "succeeded" and r.result.message.usage.service_tier == "batch" for r in results)


def test_results_are_jsonl_without_blank_lines_in_their_own_order(emu, clock, client) -> None:
    batch = client.messages.batches.create(requests=requests(30))
    clock.advance(61)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        conn.request("GET", f"/v1/messages/batches/{batch.id}/results", headers={"x-api-key": "k"})
        body = conn.getresponse().read().decode()
    finally:
        conn.close()
    lines = body.split("\n")
    assert lines[-1] == ""
    assert all(line.strip() for line in lines[:-1])
    ids = [json.loads(line)["custom_id"] for line in lines[:-1]]
    assert sorted(ids) == sorted(f"q{i}" for i in range(30))
    assert ids != [f"q{i}" for i in range(30)]  # not in request order: match by custom_id


def test_result_mix_and_invalid_params_become_errored(clock) -> None:
    mix = {"succeeded": 0.5, "errored": 0.2, "expired": 0.2, "canceled": 0.1}
    with (
        Emulator(clock=clock, turnaround_seconds=1, result_mix=mix, seed=3) as emu,
        anthropic.Anthropic(api_key="k", base_url=emu.base_url, max_retries=0) as c,
    ):
        reqs = [*requests(200), {"custom_id": "bad", "params": params(stream=True)}]
        batch = c.messages.batches.create(requests=reqs)
        clock.advance(2)
        counts = c.messages.batches.retrieve(batch.id).request_counts
        assert counts.succeeded + counts.errored + counts.expired + counts.canceled == 201
        assert min(counts.succeeded, counts.errored, counts.expired, counts.canceled) > 0
        bad = next(r for r in c.messages.batches.results(batch.id) if r.custom_id == "bad")
        assert bad.result.type == "errored"
        assert bad.result.error.error.type == "invalid_request_error"


def test_same_seed_same_answers(clock) -> None:
    outcomes = []
    ids = []
    for _ in range(2):
        with (
            Emulator(clock=clock, turnaround_seconds=1, result_mix={"succeeded": 1, "expired": 1}, seed=5) as emu,
            anthropic.Anthropic(api_key="k", base_url=emu.base_url, max_retries=0) as c,
        ):
            batch = c.messages.batches.create(requests=requests(20))
            clock.advance(2)
            ids.append(batch.id)
            outcomes.append(sorted((r.custom_id, r.result.type) for r in c.messages.batches.results(batch.id)))
    assert outcomes[0] == outcomes[1]
    assert ids[0] != ids[1]  # ids are never reissued, not even by a restart with the same seed


def test_list_paginates_newest_first(client) -> None:
    ids = [client.messages.batches.create(requests=requests(1)).id for _ in range(5)]
    page = client.messages.batches.list(limit=2)
    assert [b.id for b in page.data] == ids[::-1][:2]
    assert page.has_more is True
    assert [b.id for b in client.messages.batches.list(limit=2)] == ids[::-1]  # auto-pagination


def test_cancel_then_delete(client, clock) -> None:
    batch = client.messages.batches.create(requests=requests(3))
    with pytest.raises(anthropic.BadRequestError):
        client.messages.batches.delete(batch.id)  # still running
    canceled = client.messages.batches.cancel(batch.id)
    assert canceled.processing_status == "canceling"
    assert canceled.cancel_initiated_at is not None
    clock.advance(1)
    ended = client.messages.batches.retrieve(batch.id)
    assert (ended.processing_status, ended.request_counts.canceled) == ("ended", 3)
    assert client.messages.batches.delete(batch.id).type == "message_batch_deleted"
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.retrieve(batch.id)


def test_create_rejects_what_the_api_rejects(client) -> None:
    with pytest.raises(anthropic.BadRequestError, match="duplicate"):
        client.messages.batches.create(requests=[*requests(2), *requests(1)])
    with pytest.raises(anthropic.BadRequestError, match="custom_id"):
        client.messages.batches.create(requests=[{"custom_id": "no spaces", "params": params()}])


def test_auth_accepts_bearer_and_x_api_key_and_rejects_missing_or_wrong(emu) -> None:
    with anthropic.Anthropic(api_key="anything", base_url=emu.base_url, max_retries=0) as c:
        assert c.messages.batches.list().data == []
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        conn.request("GET", "/v1/messages/batches", headers={"x-api-key": "legacy"})
        legacy = conn.getresponse()
        assert (legacy.status, json.loads(legacy.read())["data"]) == (200, [])
        conn.request("GET", "/v1/messages/batches")
        response = conn.getresponse()
        assert response.status == 401
        assert json.loads(response.read())["error"]["type"] == "authentication_error"
    finally:
        conn.close()
    emu.config.api_key = "right"
    with (
        anthropic.Anthropic(api_key="wrong", base_url=emu.base_url, max_retries=0) as c,
        pytest.raises(anthropic.AuthenticationError),
    ):
        c.messages.batches.list()


def test_messages_and_count_tokens(client) -> None:
    count = client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "hello " * 40}]
    )
    assert 40 < count.input_tokens < 200
    message = client.messages.create(**params("hello"))
    assert message.content[0].type == "text"
    assert message.usage.service_tier == "standard"


@pytest.mark.parametrize(
    ("status", "exc"),
    [(429, anthropic.RateLimitError), (500, anthropic.InternalServerError), (529, anthropic.APIStatusError)],
)
def test_injected_status_faults_carry_retry_after(client, emu, status, exc) -> None:
    emu.inject("any", status, retry_after=7)
    with pytest.raises(exc) as info:
        client.messages.batches.list()
    assert info.value.status_code == status
    assert info.value.response.headers["retry-after"] == "7"
    assert client.messages.batches.list().data == []  # one-shot


def test_binds_loopback_only() -> None:
    with Emulator(clock=ManualClock()) as emu:
        assert emu._server.server_address[0] == "127.0.0.1"


def test_command_line_emulator_serves_the_sdk() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--turnaround-seconds", "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("SIMULATED Message Batches API on http://127.0.0.1:")
        base_url = first.split(" on ", 1)[1].split(" ", 1)[0]
        with anthropic.Anthropic(api_key="k", base_url=base_url, max_retries=0) as c:
            batch = c.messages.batches.create(requests=requests(3))
            assert c.messages.batches.retrieve(batch.id).processing_status == "ended"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
