"""End-to-end pilot runs: the real anthropic SDK against the emulator over loopback, faults included."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from costmodel.workflow import SlaSpec, Workflow
from pilot.api import PermanentApiError
from pilot.checks import OutputCheck
from pilot.runner import BudgetRefused, ValidationFailed
from tests.pilot.conftest import FAKE_KEY, SAMPLES, write_requests

N = 40


def stored_ids(runner: Any, pilot_id: str) -> Counter[str]:
    return Counter(r["custom_id"] for r in runner.iter_results(pilot_id))


def input_ids(path: Path) -> set[str]:
    return {json.loads(line)["custom_id"] for line in path.read_text().splitlines() if line.strip()}


def run_through(runner: Any, emu: Any, clock: Any, source: Path, catalog: Any, **prepare: Any) -> str:
    """prepare → submit → (time passes) → wait → download; returns the pilot id."""
    pilot_id = runner.prepare(source, catalog, **prepare)
    runner.submit(pilot_id)
    clock.advance(emu.config.turnaround_seconds + 1)
    status = runner.wait(pilot_id, poll_seconds=1)
    assert status.state == "ended", status.state
    runner.download(pilot_id)
    return pilot_id


def assert_each_once(runner: Any, pilot_id: str, source: Path) -> None:
    counts = stored_ids(runner, pilot_id)
    assert set(counts) == input_ids(source)
    assert max(counts.values()) == 1


def test_happy_path_submit_wait_results_report_measurement(make_runner, emu, clock, tmp_path, catalog) -> None:
    emu.config.result_mix = {"succeeded": 0.8, "errored": 0.1, "expired": 0.1}
    emu.config.bad_output_share = 0.2
    runner = make_runner()
    source = SAMPLES / "sample_requests.jsonl"
    check = OutputCheck(kind="json_keys", required_keys=("category", "priority"))
    pilot_id = runner.prepare(source, catalog, check=check)
    assert runner.status(pilot_id).state == "prepared"
    assert emu.batch_ids() == []  # preparing sends nothing
    status = runner.submit(pilot_id)
    assert status.state == "in_progress"
    assert runner.refresh(pilot_id).pending
    clock.advance(61)
    status = runner.wait(pilot_id, poll_seconds=60)
    assert status.state == "ended"
    assert sum(status.parts[0].counts.values()) == 20
    runner.download(pilot_id)
    assert runner.status(pilot_id).state == "complete"
    assert_each_once(runner, pilot_id, source)

    report = runner.report(pilot_id, catalog)
    assert report.request_count == report.result_count == 20
    assert sum(report.counts.values()) == 20
    usable = sum(
        1
        for r in runner.iter_results(pilot_id)
        if r["result"]["type"] == "succeeded" and "category" in r["result"]["message"]["content"][0]["text"]
    )
    assert report.usable_count == usable
    assert report.first_pass_success_rate == pytest.approx(usable / 20)
    assert report.turnaround_hours == (pytest.approx(60 / 3600),)
    assert 0 < report.batch_cost_usd < report.sync_cost_usd
    assert runner.ledger.pilot(pilot_id).report["usable_count"] == usable

    workflow = Workflow(requests_per_day=500, input_tokens=15_000, output_tokens=800, sla=SlaSpec(sla_hours=30))
    applied = report.measurement().apply_to(workflow)
    assert applied.success_rate == pytest.approx(usable / 20)
    assert applied.output_tokens == pytest.approx(report.output_tokens_per_request)
    assert applied.sla.median_processing_hours == pytest.approx(60 / 3600)


def test_texts_and_template_run(make_runner, emu, clock, catalog) -> None:
    from pilot.files import load_template

    runner = make_runner()
    template = load_template(SAMPLES / "sample_template.json")
    pilot_id = runner.prepare(SAMPLES / "sample_texts.csv", catalog, template=template)
    runner.submit(pilot_id)
    clock.advance(61)
    runner.wait(pilot_id, poll_seconds=1)
    runner.download(pilot_id)
    assert set(stored_ids(runner, pilot_id)) == {f"c-{i:03d}" for i in range(1, 13)}


def test_budget_refusal_records_and_sends_nothing(make_runner, emu, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "big.jsonl", 50, max_tokens=60_000, model="claude-opus-4-6")
    runner = make_runner()
    with pytest.raises(BudgetRefused, match=r"exceeds the \$5\.00 budget"):
        runner.prepare(source, catalog)
    assert runner.ledger.pilots() == []
    assert emu.batch_ids() == []
    assert runner.prepare(source, catalog, budget_usd=1_000.0)  # a higher cap allows it


def test_invalid_input_is_refused_with_line_numbers(make_runner, emu, tmp_path, catalog) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(write_requests(tmp_path / "ok.jsonl", 2).read_text() + '{"custom_id": "r00000", "params": {}}\n')
    with pytest.raises(ValidationFailed) as info:
        make_runner().prepare(source, catalog)
    assert {p.line for p in info.value.result.problems} == {3}
    assert emu.batch_ids() == []


# --- transient faults: each survives with every custom_id stored exactly once and one batch -------------

TRANSIENT = [
    ("retrieve", 429),
    ("retrieve", 500),
    ("retrieve", 529),
    ("retrieve", "drop"),
    ("create", 429),
    ("create", 529),
    ("results", 429),
    ("results", 500),
    ("results", 529),
    ("results", "drop"),
]


@pytest.mark.parametrize(("endpoint", "fault"), TRANSIENT, ids=[f"{e}-{f}" for e, f in TRANSIENT])
def test_transient_fault_survived_nothing_lost(make_runner, emu, clock, tmp_path, catalog, endpoint, fault) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    emu.config.results_chunk_lines = 7
    emu.inject(endpoint, fault, times=2, retry_after=3, after_lines=13)
    runner = make_runner()
    pilot_id = run_through(runner, emu, clock, source, catalog)
    assert len(emu.batch_ids()) == 1
    assert_each_once(runner, pilot_id, source)
    if endpoint != "list":  # list is used only when reconciling, which these runs never need
        assert len(runner.sleeps) >= 2, "the fault was never hit"
    if fault in (429, 529, 500):
        assert 3 in runner.sleeps  # retry-after honoured


def test_results_drop_twice_then_crash_mid_line_resumes(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    runner = make_runner()
    pilot_id = runner.prepare(source, catalog)
    runner.submit(pilot_id)
    clock.advance(61)
    runner.wait(pilot_id, poll_seconds=1)
    # simulate a crash that left half a line behind
    path = runner.ledger.results_path(pilot_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"custom_id":"r00003","result":{"type":"succ')
    emu.inject("results", "drop", times=2, after_lines=5)
    runner.download(pilot_id)
    assert_each_once(runner, pilot_id, source)


def test_create_500_is_reconciled_then_resent_once(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    emu.inject("create", 500)
    runner = make_runner(reconcile_grace_seconds=120)
    pilot_id = runner.prepare(source, catalog)
    status = runner.submit(pilot_id)
    assert status.state == "submitting"  # outcome unknown: nothing resent yet
    assert emu.batch_ids() == []
    clock.advance(130)  # past the grace: the list still shows no batch, so it is safe to send
    assert runner.refresh(pilot_id).state == "in_progress"
    assert len(emu.batch_ids()) == 1
    clock.advance(61)
    runner.wait(pilot_id, poll_seconds=1)
    runner.download(pilot_id)
    assert_each_once(runner, pilot_id, source)


@pytest.mark.parametrize("fault", ["slow_create", "drop"])
def test_create_lost_after_batch_exists_is_reconciled_without_resend(
    make_runner, emu, clock, tmp_path, catalog, fault
) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    write_requests(tmp_path / "other.jsonl", N, prefix="o")
    # an unrelated batch of the same size made earlier by someone else must not be mistaken for ours
    other = make_runner(ledger_path=tmp_path / "other" / "ledger.sqlite3")
    other.submit(other.prepare(tmp_path / "other.jsonl", catalog))
    clock.advance(3600)
    emu.inject("create", fault, delay_seconds=1.0)
    runner = make_runner(create_timeout_seconds=0.3, reconcile_window_seconds=600)
    pilot_id = runner.prepare(source, catalog)
    status = runner.submit(pilot_id)
    # the listed batch is ours only once its results prove it: until it ends, nothing is recorded or resent
    assert status.state == "submitting"
    assert status.parts[0].batch_id is None
    assert len(emu.batch_ids()) == 2  # the other one and ours: nothing resent
    events = [kind for _, _, kind, _ in runner.ledger.events(pilot_id)]
    assert "create_error" in events
    clock.advance(61)
    assert runner.wait(pilot_id, poll_seconds=1).parts[0].batch_id == emu.batch_ids()[1]
    assert len(emu.batch_ids()) == 2
    runner.download(pilot_id)
    assert_each_once(runner, pilot_id, source)


def test_reconcile_survives_a_flaky_batch_list(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    emu.inject("create", "slow_create", delay_seconds=1.0)
    emu.inject("list", 529, times=2, retry_after=3)
    runner = make_runner(create_timeout_seconds=0.3)
    pilot_id = runner.prepare(source, catalog)
    assert runner.submit(pilot_id).state == "submitting"  # listed, not yet proven ours
    assert runner.sleeps == [3, 3]
    assert len(emu.batch_ids()) == 1
    clock.advance(61)
    assert runner.wait(pilot_id, poll_seconds=1).state == "ended"
    assert len(emu.batch_ids()) == 1
    runner.download(pilot_id)
    assert_each_once(runner, pilot_id, source)


def test_unknown_outcome_is_never_resent_within_grace(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    emu.inject("create", 500)
    runner = make_runner(reconcile_grace_seconds=300)
    pilot_id = runner.prepare(source, catalog)
    runner.submit(pilot_id)
    for _ in range(3):  # reruns, refreshes and a second runner inside the grace period send nothing
        clock.advance(60)
        runner.submit(pilot_id)
        make_runner(reconcile_grace_seconds=300).refresh(pilot_id)
    assert emu.batch_ids() == []
    assert runner.status(pilot_id).state == "submitting"


# --- permanent errors: stop with a message that says what to do ----------------------------------------

PERMANENT = [
    (401, "ANTHROPIC_API_KEY"),
    (403, "workspace with batch access"),
    (400, "pilot validate"),
    (413, "split the input"),
]


@pytest.mark.parametrize(("status", "advice"), PERMANENT, ids=[str(s) for s, _ in PERMANENT])
def test_permanent_create_error_stops_clearly(make_runner, emu, tmp_path, catalog, status, advice) -> None:
    source = write_requests(tmp_path / "in.jsonl", 5)
    emu.inject("create", status)
    runner = make_runner()
    pilot_id = runner.prepare(source, catalog)
    with pytest.raises(PermanentApiError, match=advice):
        runner.submit(pilot_id)
    status_now = runner.status(pilot_id)
    assert status_now.state == "failed"
    assert advice in status_now.parts[0].error
    assert emu.batch_ids() == []
    assert runner.sleeps == []  # no retries


def test_wrong_key_on_status_is_permanent(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", 5)
    runner = make_runner()
    pilot_id = runner.prepare(source, catalog)
    runner.submit(pilot_id)
    emu.config.api_key = "sk-ant-some-other-key"
    with pytest.raises(PermanentApiError, match="401"):
        make_runner().refresh(pilot_id)


# --- restarts, races, cancel, retry ----------------------------------------------------------------------


def test_restart_in_the_middle_of_polling(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    first = make_runner()
    pilot_id = first.prepare(source, catalog)
    first.submit(pilot_id)
    first.refresh(pilot_id)
    first.close()  # the process dies while polling
    clock.advance(61)
    second = make_runner()  # a new process: new client, new Ledger object, same file
    assert second.wait(pilot_id, poll_seconds=1).state == "ended"
    second.download(pilot_id)
    assert len(emu.batch_ids()) == 1
    assert_each_once(second, pilot_id, source)


def test_double_submission_race_threads_create_one_batch(make_runner, emu, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    emu.inject("create", "slow_create", delay_seconds=0.5)  # widen the window while the first create runs
    runners = [make_runner() for _ in range(4)]
    pilot_ids = [r.prepare(source, catalog) for r in runners]  # a double click on "prepare" as well
    assert len(set(pilot_ids)) == 1
    barrier = threading.Barrier(len(runners))
    errors: list[BaseException] = []

    def go(runner: Any) -> None:
        try:
            barrier.wait()
            runner.submit(pilot_ids[0])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert errors == []
    assert len(emu.batch_ids()) == 1
    assert runners[0].status(pilot_ids[0]).parts[0].batch_id == emu.batch_ids()[0]


def test_cancel(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    runner = make_runner()
    pilot_id = runner.prepare(source, catalog)
    runner.submit(pilot_id)
    clock.advance(5)
    status = runner.cancel(pilot_id)
    assert status.state in ("in_progress", "ended")
    status = runner.wait(pilot_id, poll_seconds=1)
    assert status.state == "ended"
    assert status.parts[0].counts["canceled"] == N
    runner.download(pilot_id)
    assert_each_once(runner, pilot_id, source)
    assert {r["result"]["type"] for r in runner.iter_results(pilot_id)} == {"canceled"}


def test_cancel_before_sending_withdraws(make_runner, emu, tmp_path, catalog) -> None:
    runner = make_runner()
    pilot_id = runner.prepare(write_requests(tmp_path / "in.jsonl", 3), catalog)
    assert runner.cancel(pilot_id).state == "withdrawn"
    runner.submit(pilot_id)
    assert emu.batch_ids() == []


def test_retry_failed_makes_a_pilot_of_only_failed_and_expired(make_runner, emu, clock, tmp_path, catalog) -> None:
    emu.config.result_mix = {"succeeded": 0.5, "errored": 0.25, "expired": 0.25}
    emu.config.bad_output_share = 0.3
    source = write_requests(tmp_path / "in.jsonl", N)
    runner = make_runner()
    pilot_id = run_through(
        runner, emu, clock, source, catalog, check=OutputCheck(kind="json_keys", required_keys=("summary",))
    )
    failed = {
        r["custom_id"]
        for r in runner.iter_results(pilot_id)
        if r["result"]["type"] in ("errored", "expired")
        or (r["result"]["type"] == "succeeded" and not r["result"]["message"]["content"][0]["text"].startswith("{"))
    }
    assert 0 < len(failed) < N
    retry_id = runner.retry_failed(pilot_id, catalog)
    assert retry_id != pilot_id
    assert runner.ledger.pilot(retry_id).parent_pilot_id == pilot_id
    retry_source = runner.ledger.requests_path(retry_id)
    assert input_ids(retry_source) == failed
    emu.config.result_mix = {"succeeded": 1.0}
    emu.config.bad_output_share = 0.0
    runner.submit(retry_id)
    clock.advance(61)
    runner.wait(retry_id, poll_seconds=1)
    runner.download(retry_id)
    assert set(stored_ids(runner, retry_id)) == failed
    assert len(emu.batch_ids()) == 2


def test_split_over_the_request_limit_makes_several_batches(
    make_runner, emu, clock, tmp_path, catalog, monkeypatch
) -> None:
    import pilot.requests
    import pilot.spend

    original = pilot.requests.split_ranges
    for module in (pilot.requests, pilot.spend):
        monkeypatch.setattr(module, "split_ranges", lambda sizes, **kw: original(sizes, max_requests=15))
    source = write_requests(tmp_path / "in.jsonl", N)
    runner = make_runner()
    pilot_id = run_through(runner, emu, clock, source, catalog)
    assert len(runner.status(pilot_id).parts) == 3
    assert len(emu.batch_ids()) == 3
    assert_each_once(runner, pilot_id, source)
    report = runner.report(pilot_id, catalog)
    assert len(report.turnaround_hours) == 3


def test_no_file_the_pilot_wrote_contains_the_key(make_runner, emu, clock, tmp_path, catalog) -> None:
    logs: list[str] = []
    emu.config.result_mix = {"succeeded": 0.7, "errored": 0.3}
    source = write_requests(tmp_path / "in.jsonl", N)
    runner = make_runner(log=logs.append)
    emu.inject("retrieve", 429, retry_after=1)
    emu.inject("results", "drop", after_lines=3)
    pilot_id = run_through(runner, emu, clock, source, catalog)
    runner.report(pilot_id, catalog)
    runner.retry_failed(pilot_id, catalog)
    assert emu.seen_keys == {FAKE_KEY}  # the key really was used, so the scan below means something
    home = runner.ledger.path.parent
    written = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "results.jsonl" for p in written)
    assert any(p.name.startswith("ledger.sqlite3") for p in written)
    for path in written:
        data = path.read_bytes()
        assert FAKE_KEY.encode() not in data, path
        assert b"PILOTKEY" not in data, path
    assert logs
    assert not any("PILOTKEY" in line for line in logs)
    assert all("PILOTKEY" not in p.endpoint for p in runner.ledger.pilots())


def test_estimate_with_the_token_counting_endpoint(make_runner, emu, catalog) -> None:
    from pilot.requests import COUNT_TOKENS_LABEL, OFFLINE_ESTIMATE_LABEL

    runner = make_runner()
    source = SAMPLES / "sample_requests.jsonl"
    _, offline = runner.estimate(source, catalog)
    _, counted = runner.estimate(source, catalog, count_tokens=True)
    assert offline.input_tokens_source == OFFLINE_ESTIMATE_LABEL
    assert counted.input_tokens_source == COUNT_TOKENS_LABEL
    assert sum(1 for m, p in emu.request_log if p == "/v1/messages/count_tokens") == 20
    assert counted.input_tokens != offline.input_tokens
    assert emu.batch_ids() == []  # counting tokens creates nothing


def test_a_failed_part_stops_the_rest_of_a_split_pilot(make_runner, emu, clock, tmp_path, catalog, monkeypatch) -> None:
    import pilot.requests
    import pilot.spend

    original = pilot.requests.split_ranges
    for module in (pilot.requests, pilot.spend):
        monkeypatch.setattr(module, "split_ranges", lambda sizes, **kw: original(sizes, max_requests=15))
    emu.inject("create", 413)
    runner = make_runner()
    pilot_id = runner.prepare(write_requests(tmp_path / "in.jsonl", N), catalog)
    with pytest.raises(PermanentApiError, match="413"):
        runner.submit(pilot_id)
    assert runner.refresh(pilot_id).state == "failed"
    assert emu.batch_ids() == []  # refreshing never sends the remaining parts of a failed pilot


def test_estimate_refuses_lines_the_catalog_rejects(make_runner, emu, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    lines = source.read_text().splitlines()
    lines[1] = lines[1].replace("claude-haiku-4-5", "claude-unknown-1")
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed) as info:
        make_runner().prepare(source, catalog)
    assert [p.line for p in info.value.result.problems] == [2]
    assert emu.batch_ids() == []
