"""The fault and abuse suite for the pilot's money promises (issue 8), against the emulator over loopback.

Every scenario drives the real `anthropic` SDK. Each one is an entry of `SCENARIOS`, so the
README's figure is a count: scenarios survived N/N. Every scenario ends with the same two
audits: no batch recorded for our pilots holds another team's requests (foreign batches
adopted: 0), and no custom_id is stored twice or sent in two batches (duplicates: 0).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from pilot.checks import OutputCheck
from pilot.errors import PilotError
from tests.pilot.conftest import FAKE_KEY, write_requests

N = 20
TEAM_PREFIX = "t"
"""custom_ids of the teammate who shares the workspace key."""


@dataclass
class World:
    """One scenario's setting: the emulator, its clock, our runner factory and the teammate's client."""

    emu: Emulator
    clock: Any
    make_runner: Callable[..., Any]
    catalog: Any
    tmp_path: Path
    ours: list[tuple[Any, str]] = field(default_factory=list)
    """(runner, pilot id) of every pilot the scenario made, for the audits."""
    patch: Callable[..., None] = setattr
    """`monkeypatch.setattr`, for scenarios that change a limit."""

    def source(self, n: int = N, prefix: str = "r") -> Path:
        return write_requests(self.tmp_path / f"{prefix}{n}.jsonl", n, prefix=prefix)

    def pilot(self, runner: Any, n: int = N, **prepare: Any) -> str:
        pilot_id = runner.prepare(self.source(n), self.catalog, **prepare)
        self.ours.append((runner, pilot_id))
        return pilot_id

    def teammate_batch(self, n: int = N) -> str:
        """A same-size batch the teammate creates with their own client on the shared key."""
        import anthropic

        requests = [
            {
                "custom_id": f"{TEAM_PREFIX}{i:05d}",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 50,
                    "messages": [{"role": "user", "content": "x"}],
                },
            }
            for i in range(n)
        ]
        with anthropic.Anthropic(api_key=FAKE_KEY, base_url=self.emu.base_url, max_retries=0) as client:
            return str(client.messages.batches.create(requests=requests).id)

    def team_batches(self) -> list[str]:
        return [b for b in self.emu.batch_ids() if self.emu.describe(b)["custom_ids"][0].startswith(TEAM_PREFIX)]

    def our_batches(self) -> list[str]:
        return [b for b in self.emu.batch_ids() if b not in self.team_batches()]

    def finish(self, runner: Any, pilot_id: str) -> None:
        """Let the batches end, then wait and download."""
        self.clock.advance(self.emu.config.turnaround_seconds + 1)
        runner.wait(pilot_id, poll_seconds=1)
        runner.download(pilot_id)


def audit(world: World) -> None:
    """Foreign batches adopted 0, teammates' batches never cancelled, duplicates 0."""
    sent = Counter(frozenset(world.emu.describe(b)["custom_ids"]) for b in world.our_batches())
    for runner, pilot_id in world.ours:
        pilot = runner.ledger.pilot(pilot_id)
        if pilot is None:
            continue
        lines = runner.ledger.requests_path(pilot_id).read_text().splitlines()
        mine = {json.loads(line)["custom_id"] for line in lines}
        for part in runner.ledger.parts(pilot_id):
            if part.batch_id:
                held = set(world.emu.describe(part.batch_id)["custom_ids"])
                assert held <= mine, f"{pilot_id} adopted a foreign batch {part.batch_id}"
        stored = Counter(r["custom_id"] for r in runner.iter_results(pilot_id))
        assert all(v == 1 for v in stored.values()), f"{pilot_id}: a custom_id stored twice"
        assert set(stored) <= mine
        for part in runner.ledger.parts(pilot_id):
            ids = frozenset(json.loads(line)["custom_id"] for line in lines[part.start_index : part.end_index])
            assert sent[ids] <= 1, f"{pilot_id} part {part.part} was sent in two batches"
    for batch_id in world.team_batches():
        assert not world.emu.describe(batch_id)["cancel_requested"], "a teammate's batch was cancelled"


# --- exactly-once that cannot adopt a stranger's batch ---------------------------------------------------


def _refused_create_never_adopts(world: World, status: int) -> None:
    """A 429 or 529 on create says nothing was created: no reconciling, so a teammate's batch is never ours."""
    theirs = world.teammate_batch()
    world.emu.inject("create", status, retry_after=2)
    runner = world.make_runner()
    pilot_id = world.pilot(runner)
    part = runner.submit(pilot_id).parts[0]
    assert part.batch_id is not None
    assert part.batch_id != theirs
    assert not any(p == "/v1/messages/batches" and m == "GET" for m, p in world.emu.request_log)  # never listed
    runner.cancel(pilot_id)
    assert world.emu.describe(part.batch_id)["cancel_requested"]
    assert not world.emu.describe(theirs)["cancel_requested"]
    world.finish(runner, pilot_id)
    assert runner.report(pilot_id, world.catalog).result_count == N


def scenario_create_429_with_a_teammates_batch_in_the_window(world: World) -> None:
    _refused_create_never_adopts(world, 429)


def scenario_create_529_with_a_teammates_batch_in_the_window(world: World) -> None:
    _refused_create_never_adopts(world, 529)


def scenario_create_500_with_a_teammates_batch_still_processing(world: World) -> None:
    """500 is ambiguous; the teammate's batch is a candidate we cannot prove, so we neither adopt nor resend."""
    theirs = world.teammate_batch()
    world.emu.inject("create", 500)
    runner = world.make_runner(reconcile_grace_seconds=120)
    pilot_id = world.pilot(runner)
    assert runner.submit(pilot_id).state == "submitting"
    assert runner.status(pilot_id).parts[0].batch_id is None
    world.clock.advance(61)  # their batch ends: its results show other custom_ids, so it is not ours
    runner.refresh(pilot_id)
    assert runner.status(pilot_id).parts[0].batch_id is None
    world.clock.advance(70)  # past the grace with no batch of ours: sent again, once
    status = runner.refresh(pilot_id)
    assert status.state == "in_progress"
    assert status.parts[0].batch_id not in (None, theirs)
    world.finish(runner, pilot_id)
    report = runner.report(pilot_id, world.catalog)
    assert report.result_count == report.request_count == N
    assert len(world.our_batches()) == 1


def scenario_cancel_during_an_unknown_create_never_touches_theirs_nor_sends_later(world: World) -> None:
    theirs = world.teammate_batch()
    world.emu.inject("create", 500)
    runner = world.make_runner(reconcile_grace_seconds=120)
    pilot_id = world.pilot(runner)
    runner.submit(pilot_id)
    runner.cancel(pilot_id)  # nothing of ours is proven: nothing is cancelled
    assert not world.emu.describe(theirs)["cancel_requested"]
    world.clock.advance(61)
    runner.refresh(pilot_id)  # theirs ended: not ours
    world.clock.advance(70)  # past the grace: no batch of ours, and the user cancelled, so nothing is sent
    assert runner.refresh(pilot_id).state == "withdrawn"
    runner.submit(pilot_id)
    assert world.our_batches() == []


def scenario_create_lost_while_a_teammate_creates_the_same_size(world: World) -> None:
    """Two unproven candidates in the window (theirs and ours); results' custom_ids decide, not closeness in time."""
    runner = world.make_runner()
    pilot_id = world.pilot(runner)
    theirs = world.teammate_batch()  # the same second as ours, on the shared key
    world.emu.inject("create", "drop")
    assert runner.submit(pilot_id).parts[0].batch_id is None  # both candidates still processing: unproven
    world.clock.advance(61)
    part = runner.refresh(pilot_id).parts[0]
    assert part.batch_id is not None
    assert part.batch_id != theirs
    world.finish(runner, pilot_id)
    assert len(world.our_batches()) == 1


def scenario_split_pilot_whose_two_creates_are_both_lost(world: World) -> None:
    """Two parts of one size, both answers lost: each part's batch is told apart by its own custom_ids."""
    import pilot.requests
    import pilot.spend

    original = pilot.requests.split_ranges
    core_split = lambda sizes, **kw: original(sizes, max_requests=N // 2)  # noqa: E731
    for module in (pilot.requests, pilot.spend):
        world.patch(module, "split_ranges", core_split)
    world.emu.inject("create", "drop", times=2)
    runner = world.make_runner()
    pilot_id = world.pilot(runner)
    assert [p.batch_id for p in runner.submit(pilot_id).parts] == [None, None]
    world.clock.advance(61)
    runner.refresh(pilot_id)
    world.clock.advance(400)  # past the grace: a part that missed its batch would be sent again now
    status = runner.refresh(pilot_id)
    assert all(p.batch_id for p in status.parts)
    assert len(world.our_batches()) == 2
    runner.download(pilot_id)
    assert runner.report(pilot_id, world.catalog).result_count == N


def _clock_skew(world: World, skew_seconds: float) -> None:
    world.emu.inject("create", "drop")  # the batch is created, the answer is lost
    runner = world.make_runner(now=lambda: datetime.fromtimestamp(world.clock() + skew_seconds, UTC))
    pilot_id = world.pilot(runner)
    runner.submit(pilot_id)
    world.clock.advance(61)
    runner.refresh(pilot_id)
    world.clock.advance(400)  # well past the grace: a missed batch would be sent a second time now
    status = runner.refresh(pilot_id)
    assert status.parts[0].batch_id is not None
    assert len(world.our_batches()) == 1
    runner.download(pilot_id)
    assert runner.status(pilot_id).state == "complete"


def scenario_local_clock_an_hour_ahead_never_sends_twice(world: World) -> None:
    _clock_skew(world, 3900.0)


def scenario_local_clock_an_hour_behind_never_sends_twice(world: World) -> None:
    _clock_skew(world, -3900.0)


def scenario_emulator_restart_never_reissues_a_batch_id(world: World) -> None:
    runner = world.make_runner()
    first = world.pilot(runner)
    runner.submit(first)
    port, seed = world.emu.port, world.emu.config.seed
    world.emu.stop()
    with Emulator(port=port, seed=seed, clock=world.clock, turnaround_seconds=60) as again:
        world.emu = again
        second = runner.prepare(world.source(N, prefix="s"), world.catalog)
        world.ours.append((runner, second))
        status = runner.submit(second)
        assert status.state == "in_progress"
        assert status.parts[0].batch_id != runner.status(first).parts[0].batch_id
        world.finish(runner, second)
        assert runner.status(second).state == "complete"
        world.ours.remove((runner, first))  # its batch died with the first emulator


def scenario_waiting_on_an_unknown_create_logs_sparingly_and_sends_once(world: World) -> None:
    """The rehearsal's `pilot wait` printed ~150 lines over 5 minutes: a few lines, then one send."""
    logs: list[str] = []
    world.emu.inject("create", 500)
    runner = world.make_runner(log=logs.append, sleep=world.clock.advance, reconcile_grace_seconds=300)
    pilot_id = world.pilot(runner)
    runner.submit(pilot_id)
    assert runner.wait(pilot_id, poll_seconds=2).state == "ended"
    assert len(world.our_batches()) == 1
    assert len(logs) <= 12, logs
    runner.download(pilot_id)


# --- results that cannot lie ---------------------------------------------------------------------------


def scenario_results_stream_cut_leaves_the_rest_missing_not_errored(world: World) -> None:
    runner = world.make_runner()
    pilot_id = world.pilot(runner, check=OutputCheck(kind="json"))
    runner.submit(pilot_id)
    world.clock.advance(61)
    runner.wait(pilot_id, poll_seconds=1)
    world.emu.inject("results", "cut", times=100, after_lines=5)
    runner.download(pilot_id)
    stored = list(runner.iter_results(pilot_id))
    assert len(stored) == 5
    assert {r["result"]["type"] for r in stored} == {"succeeded"}
    assert runner.status(pilot_id).state == "ended"  # not complete: 15 results are still to come
    with pytest.raises(PilotError, match="ended"):
        runner.report(pilot_id, world.catalog)
    with pytest.raises(PilotError, match="ended"):
        runner.retry_failed(pilot_id, world.catalog)  # never pays again for results that merely did not arrive
    assert runner.failed_custom_ids(pilot_id) == set()
    world.emu.clear_faults()
    runner.wait(pilot_id, poll_seconds=1)
    runner.download(pilot_id)
    report = runner.report(pilot_id, world.catalog)
    assert report.first_pass_success_rate == 1.0
    assert report.result_count == N


def _bad_line_in_the_stream(world: World, fault: str) -> None:
    runner = world.make_runner()
    pilot_id = world.pilot(runner)
    runner.submit(pilot_id)
    world.emu.inject("results", fault, times=100, after_lines=3)
    world.finish(runner, pilot_id)
    assert runner.status(pilot_id).state == "complete"
    report = runner.report(pilot_id, world.catalog)
    assert report.result_count == N
    assert 0.0 <= report.first_pass_success_rate <= 1.0
    assert report.skipped_lines == report.duplicate_results == 0  # dropped while streaming: never stored
    problems = runner.download_problems(pilot_id)
    if fault == "duplicate":
        assert problems["duplicate_lines"] >= N
    else:
        assert problems["skipped_lines"] >= 1


def scenario_results_stream_with_a_garbage_line(world: World) -> None:
    _bad_line_in_the_stream(world, "garbage")


def scenario_results_stream_with_a_nul_block(world: World) -> None:
    _bad_line_in_the_stream(world, "nul")


def scenario_results_stream_with_a_line_without_custom_id(world: World) -> None:
    _bad_line_in_the_stream(world, "no_custom_id")


def scenario_results_stream_with_every_line_twice(world: World) -> None:
    _bad_line_in_the_stream(world, "duplicate")


def scenario_partial_results_file_with_garbage_duplicates_and_nul(world: World) -> None:
    runner = world.make_runner()
    pilot_id = world.pilot(runner)
    runner.submit(pilot_id)
    world.clock.advance(61)
    runner.wait(pilot_id, poll_seconds=1)
    world.emu.inject("results", "cut", times=100, after_lines=4)
    runner.download(pilot_id)
    world.emu.clear_faults()
    path = runner.ledger.results_path(pilot_id)
    good = path.read_bytes().splitlines(keepends=True)
    assert len(good) == 4
    damaged = [
        good[0],
        b"not json at all\n",
        good[0],  # a duplicate
        b"\x00" * 300 + b"\n",
        b'{"result": {"type": "succeeded"}}\n',
        b'["a list"]\n',
        *good[1:],
        good[1],
        b'{"custom_id": "r00001", "result": "not an object"}\n',
        b'{"custom_id":"r0000',  # a half line from a crash
    ]
    path.write_bytes(b"".join(damaged))
    runner.download(pilot_id)  # never blocked by what is on disk
    assert runner.status(pilot_id).state == "complete"
    report = runner.report(pilot_id, world.catalog)
    assert report.result_count == N
    assert 0.0 <= report.first_pass_success_rate <= 1.0
    assert Counter(r["custom_id"] for r in runner.iter_results(pilot_id)).most_common(1)[0][1] == 1


def scenario_report_counts_each_custom_id_once(world: World) -> None:
    """Duplicates that reach the file anyway (another tool appended) never push success above 1."""
    runner = world.make_runner()
    pilot_id = world.pilot(runner)
    runner.submit(pilot_id)
    world.finish(runner, pilot_id)
    path = runner.ledger.results_path(pilot_id)
    path.write_bytes(path.read_bytes() * 3)
    report = runner.report(pilot_id, world.catalog)
    assert report.first_pass_success_rate == 1.0
    assert report.result_count == N
    assert report.usable_count == N


def scenario_retry_failed_twice_makes_one_retry(world: World) -> None:
    world.emu.config.result_mix = {"succeeded": 0.5, "errored": 0.5}
    runner = world.make_runner()
    pilot_id = world.pilot(runner)
    runner.submit(pilot_id)
    world.finish(runner, pilot_id)
    retry = runner.retry_failed(pilot_id, world.catalog)
    world.ours.append((runner, retry))
    runner.submit(retry)
    world.clock.advance(600)  # long after: no double-click window explains a second call
    assert runner.retry_failed(pilot_id, world.catalog) == retry
    assert [p.pilot_id for p in runner.pilots() if p.parent_pilot_id == pilot_id] == [retry]
    assert len(world.our_batches()) == 2


SCENARIOS: dict[str, Callable[[World], None]] = {
    name.removeprefix("scenario_"): fn for name, fn in sorted(globals().items()) if name.startswith("scenario_")
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_fault_scenario(name, make_runner, emu, clock, tmp_path, catalog, monkeypatch) -> None:
    world = World(
        emu=emu, clock=clock, make_runner=make_runner, catalog=catalog, tmp_path=tmp_path, patch=monkeypatch.setattr
    )
    SCENARIOS[name](world)
    audit(world)


def test_the_suite_has_the_scenarios_the_readme_counts() -> None:
    assert len(SCENARIOS) == 18
