"""Owner-scoped pilots, owner-only files, removal, and ledgers that are locked, corrupt or old."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pilot.errors import PilotError
from pilot.ledger import Ledger, LedgerError
from tests.pilot.conftest import write_requests

N = 6


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_another_owners_pilot_behaves_like_an_unknown_id(make_runner, emu, clock, tmp_path, catalog) -> None:
    source = write_requests(tmp_path / "in.jsonl", N)
    alice = make_runner(owner="alice")
    bob = make_runner(owner="bob")
    cli = make_runner()
    mine = alice.prepare(source, catalog)
    assert alice.ledger.pilot(mine).owner == "alice"
    # same content for bob: his own pilot, never alice's (prepare reuse is per owner)
    theirs = bob.prepare(source, catalog)
    assert theirs != mine
    alice.submit(mine)
    clock.advance(61)
    alice.wait(mine, poll_seconds=1)
    alice.download(mine)

    unknown = f"no pilot {mine!r}"
    for call in (
        lambda: bob.status(mine),
        lambda: bob.refresh(mine),
        lambda: bob.wait(mine, poll_seconds=1),
        lambda: bob.download(mine),
        lambda: list(bob.iter_results(mine)),
        lambda: bob.report(mine, catalog),
        lambda: bob.cancel(mine),
        lambda: bob.retry_failed(mine, catalog),
        lambda: bob.failed_custom_ids(mine),
        lambda: bob.submit(mine),
        lambda: bob.delete_pilot(mine),
    ):
        with pytest.raises(PilotError, match=unknown):
            call()
    assert bob.resolve("latest") == theirs
    assert [p.pilot_id for p in bob.pilots()] == [theirs]
    assert alice.resolve("latest") == mine
    assert {p.pilot_id for p in cli.pilots()} == {mine, theirs}  # the command line sees the whole ledger
    assert cli.status(mine).state == "complete"
    assert alice.ledger.pilot(mine, owner="bob") is None
    assert [p.pilot_id for p in alice.ledger.pilots(owner="alice")] == [mine]
    assert len(emu.batch_ids()) == 1  # bob's calls sent nothing


def test_cli_pilots_are_recorded_as_local(make_runner, tmp_path, catalog) -> None:
    runner = make_runner()
    pilot_id = runner.prepare(write_requests(tmp_path / "in.jsonl", N), catalog)
    assert runner.ledger.pilot(pilot_id).owner == "local"
    assert runner.ledger.pilots(owner="local")[0].pilot_id == pilot_id


def test_old_ledger_without_owner_column_is_migrated(make_runner, tmp_path, catalog) -> None:
    path = tmp_path / "old" / "ledger.sqlite3"
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE pilots (pilot_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, label TEXT NOT NULL,
            source_name TEXT NOT NULL, content_hash TEXT NOT NULL, request_count INTEGER NOT NULL,
            endpoint TEXT NOT NULL, simulated INTEGER NOT NULL, budget_usd REAL NOT NULL,
            estimate_json TEXT NOT NULL, check_json TEXT NOT NULL, parent_pilot_id TEXT, report_json TEXT);
        INSERT INTO pilots VALUES ('pilot-old', '2026-11-01T00:00:00+00:00', 'old', 'old.jsonl', 'h', 1,
            'http://127.0.0.1:1', 1, 5.0, '{}', '{}', NULL, NULL);
        """
    )
    conn.commit()
    conn.close()
    ledger = Ledger(path)
    [old] = ledger.pilots()
    assert (old.pilot_id, old.owner) == ("pilot-old", "local")
    runner = make_runner(ledger_path=path, owner="web-1")
    new = runner.prepare(write_requests(tmp_path / "in.jsonl", N), catalog)
    assert [p.pilot_id for p in Ledger(path).pilots(owner="web-1")] == [new]
    assert {p.pilot_id for p in Ledger(path).pilots()} == {new, "pilot-old"}


def test_delete_pilot_removes_rows_and_files_only_when_nothing_is_in_flight(
    make_runner, emu, clock, tmp_path, catalog
) -> None:
    runner = make_runner(owner="alice")
    never_sent = runner.prepare(write_requests(tmp_path / "a.jsonl", N), catalog)
    runner.delete_pilot(never_sent)
    assert runner.ledger.pilot(never_sent) is None
    assert runner.ledger.parts(never_sent) == []
    assert runner.ledger.events(never_sent) == []
    assert not runner.ledger.pilot_dir(never_sent).exists()

    sent = runner.prepare(write_requests(tmp_path / "b.jsonl", N, prefix="b"), catalog)
    runner.submit(sent)
    with pytest.raises(PilotError, match="cancel it and wait for it to end"):
        runner.delete_pilot(sent)
    assert runner.ledger.requests_path(sent).exists()
    clock.advance(61)
    runner.wait(sent, poll_seconds=1)
    runner.download(sent)
    assert runner.ledger.results_path(sent).exists()
    runner.delete_pilot(sent)
    assert runner.pilots() == []
    assert not runner.ledger.pilot_dir(sent).exists()


def test_pilots_older_than_lists_retention_candidates(make_runner, clock, tmp_path, catalog) -> None:
    runner = make_runner(owner="alice")
    first = runner.prepare(write_requests(tmp_path / "a.jsonl", N), catalog)
    clock.advance(3 * 86400)
    second = runner.prepare(write_requests(tmp_path / "b.jsonl", N, prefix="b"), catalog)
    now = datetime.fromtimestamp(clock(), UTC)
    assert [p.pilot_id for p in runner.ledger.pilots_older_than(now - timedelta(days=1))] == [first]
    assert [p.pilot_id for p in runner.ledger.pilots_older_than(now + timedelta(seconds=1))] == [first, second]
    assert runner.ledger.pilots_older_than(now, owner="bob") == []


def test_ledger_and_pilot_files_are_owner_only_whatever_the_umask(make_runner, emu, clock, tmp_path, catalog) -> None:
    old = os.umask(0o000)
    try:
        runner = make_runner(ledger_path=tmp_path / "open" / "home" / "ledger.sqlite3")
        source = write_requests(tmp_path / "in.jsonl", N)
        emu.config.result_mix = {"succeeded": 0.5, "errored": 0.5}
        pilot_id = runner.prepare(source, catalog)
        runner.submit(pilot_id)
        clock.advance(61)
        runner.wait(pilot_id, poll_seconds=1)
        runner.download(pilot_id)
        runner.retry_failed(pilot_id, catalog)
    finally:
        os.umask(old)
    home = runner.ledger.path.parent
    files = [p for p in home.rglob("*") if p.is_file()]
    dirs = [home, *(p for p in home.rglob("*") if p.is_dir())]
    assert {p.name for p in files} >= {"ledger.sqlite3", "requests.jsonl", "results.jsonl", "retry-requests.jsonl"}
    assert {str(p): oct(mode(p)) for p in files} == {str(p): "0o600" for p in files}
    assert {str(p): oct(mode(p)) for p in dirs} == {str(p): "0o700" for p in dirs}


def test_a_ledger_in_a_shared_folder_leaves_the_folder_mode_alone(tmp_path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    Ledger(shared / "ledger.sqlite3").add_event("p", None, datetime.now(UTC), "x", "y")
    assert mode(shared) == 0o1777
    assert mode(shared / "ledger.sqlite3") == 0o600


def test_a_locked_ledger_says_so_within_seconds(tmp_path, monkeypatch) -> None:
    from pilot import ledger

    assert 0 < ledger.LOCK_TIMEOUT_SECONDS <= 5  # what a user waits at most
    monkeypatch.setattr(ledger, "LOCK_TIMEOUT_SECONDS", 0.2)  # the same wait, shorter, so the suite does not idle
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).pilots()  # nothing yet
    Ledger(path).add_event("p", None, datetime.now(UTC), "x", "y")  # creates the file
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(LedgerError, match=r"is locked by another process; try again"):
            Ledger(path).add_event("p", None, datetime.now(UTC), "x", "y")
        assert time.monotonic() - started < 10
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    "content",
    [b"this is not sqlite at all\n" * 50, b"\x00" * 4096, b"SQLite format 3\x00" + b"\xff" * 2000],
    ids=["text", "nul", "damaged-header"],
)
def test_a_file_that_is_not_a_ledger_is_named_clearly(tmp_path, content) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(content)
    with pytest.raises(LedgerError, match="not a Batch Planner ledger"):
        Ledger(path).pilots()
    assert path.read_bytes() == content  # never overwritten


def test_another_programs_database_is_not_taken_over(tmp_path) -> None:
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="not a Batch Planner ledger"):
        Ledger(path).pilots()
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert tables == {"customers"}


def test_ledger_error_is_a_pilot_error_with_one_line(tmp_path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_text("junk" * 300)
    with pytest.raises(PilotError) as info:
        Ledger(path).pilot("x")
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_concurrent_ledger_users_wait_for_a_short_lock(tmp_path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).add_event("p", None, datetime.now(UTC), "x", "y")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.5, lambda: (holder.execute("ROLLBACK"), holder.close()))
    timer.start()
    try:
        Ledger(path).add_event("p", None, datetime.now(UTC), "x", json.dumps({"ok": True}))
    finally:
        timer.join()
    assert len(Ledger(path).events("p")) == 2


def test_a_constraint_clash_is_a_ledger_error_not_a_traceback(make_runner, tmp_path, catalog) -> None:
    from dataclasses import replace

    runner = make_runner()
    pilot_id = runner.prepare(write_requests(tmp_path / "a.jsonl", N), catalog)
    row = replace(runner.ledger.pilot(pilot_id), content_hash="another", endpoint="http://127.0.0.1:1")
    with pytest.raises(LedgerError, match="UNIQUE constraint failed"):
        runner.ledger.add_pilot(row, [(0, N, "r00000", "r00005")])
