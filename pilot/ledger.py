"""The pilot ledger: one SQLite file recording every pilot, its batches and their history.

Written before any create call and after every step, so a crash, a closed tab or a second
process resumes from it. Each batch part moves through a small state machine; the move
`pending → creating` is an atomic claim (`BEGIN IMMEDIATE`), so only one caller ever sends
a part's create request. Nothing here stores an API key: the ledger never sees one.

Part states: pending → creating → submitted → ended → downloaded; creating → pending (the
create certainly failed); any → failed (a permanent error); pending → withdrawn (cancelled
before it was sent).

Owners: each pilot belongs to an owner (`"local"` for the command line; a signed-in user or a
browser session on the web page). Lookups given an owner see only that owner's pilots.

Files: the ledger, its directories and every file a pilot writes are created owner-only
(0600 files, 0700 directories) whatever the umask, since they may hold confidential prompts.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pilot.errors import PilotError

__all__ = [
    "LOCAL_OWNER",
    "BatchPart",
    "Ledger",
    "LedgerError",
    "PilotRow",
    "default_ledger_path",
    "open_private",
    "private_dir",
]

LOCAL_OWNER = "local"
"""The owner of pilots made from the command line (the whole local ledger is theirs)."""
LOCK_TIMEOUT_SECONDS = 3.0
"""How long a call waits for another process's write lock before saying the ledger is busy [s]."""


class LedgerError(PilotError):
    """The ledger file cannot be used (locked by another process, not a ledger, a batch id clash)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS pilots (
    pilot_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    label TEXT NOT NULL,
    source_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    request_count INTEGER NOT NULL,
    endpoint TEXT NOT NULL,
    simulated INTEGER NOT NULL,
    budget_usd REAL NOT NULL,
    estimate_json TEXT NOT NULL,
    check_json TEXT NOT NULL,
    parent_pilot_id TEXT,
    report_json TEXT,
    owner TEXT NOT NULL DEFAULT 'local'
);
CREATE TABLE IF NOT EXISTS parts (
    pilot_id TEXT NOT NULL REFERENCES pilots(pilot_id),
    part INTEGER NOT NULL,
    start_index INTEGER NOT NULL,
    end_index INTEGER NOT NULL,
    first_custom_id TEXT NOT NULL,
    last_custom_id TEXT NOT NULL,
    state TEXT NOT NULL,
    claim_token TEXT,
    claimed_at TEXT,
    batch_id TEXT UNIQUE,
    batch_created_at TEXT,
    ended_at TEXT,
    processing_status TEXT,
    counts_json TEXT,
    error TEXT,
    PRIMARY KEY (pilot_id, part)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pilot_id TEXT NOT NULL,
    part INTEGER,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


def default_ledger_path() -> Path:
    """The default ledger file [path].

    `$BATCH_PLANNER_HOME/ledger.sqlite3`, else `$XDG_DATA_HOME/batch-planner/ledger.sqlite3`,
    else `~/.local/share/batch-planner/ledger.sqlite3`.
    """
    home = os.environ.get("BATCH_PLANNER_HOME")
    if home:
        return Path(home) / "ledger.sqlite3"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "batch-planner" / "ledger.sqlite3"


def private_dir(path: Path, *, tighten_existing: bool = True) -> Path:
    """Create `path` (and missing parents) as 0700 directories whatever the umask.

    An existing `path` is made 0700 too when `tighten_existing` (a directory of our own, such as
    a pilot's); the ledger's own folder is left as it is when it already exists, since a user
    may point the ledger into a shared folder (/tmp, a home directory) that must keep its mode.
    """
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
        os.chmod(directory, 0o700)
    if not missing and tighten_existing:
        os.chmod(path, 0o700)
    return path


def open_private(path: Path, mode: str = "w", *, encoding: str | None = "utf-8") -> Any:
    """`open(path, mode)` for a file that is created 0600 whatever the umask (text modes take `encoding`)."""
    flags = os.O_CREAT | (os.O_RDWR if "+" in mode else os.O_WRONLY)
    if mode.startswith("w"):
        flags |= os.O_TRUNC
    elif mode.startswith("a"):
        flags |= os.O_APPEND
    elif not mode.startswith("r"):
        raise ValueError(f"mode {mode!r}: use w, a or r+")
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    if "b" in mode:
        return os.fdopen(fd, mode)
    return os.fdopen(fd, mode, encoding=encoding)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class BatchPart:
    """One batch of a pilot (a pilot over the API's limits has several)."""

    pilot_id: str
    part: int
    start_index: int
    """First request (0-based, into the pilot's requests file)."""
    end_index: int
    """One past the last request."""
    first_custom_id: str
    last_custom_id: str
    state: str
    claim_token: str | None
    claimed_at: datetime | None
    batch_id: str | None
    batch_created_at: datetime | None
    ended_at: datetime | None
    processing_status: str | None
    counts: dict[str, int]
    error: str | None

    @property
    def request_count(self) -> int:
        return self.end_index - self.start_index


@dataclass(frozen=True)
class PilotRow:
    """One pilot as recorded."""

    pilot_id: str
    created_at: datetime
    label: str
    source_name: str
    content_hash: str
    request_count: int
    endpoint: str
    simulated: bool
    budget_usd: float
    estimate: dict[str, Any]
    check: dict[str, Any]
    parent_pilot_id: str | None
    report: dict[str, Any] | None
    owner: str = LOCAL_OWNER
    """Who may see and act on the pilot: "local" (the CLI), a signed-in user or a browser session."""


_PILOT_COLUMNS = (
    "pilot_id, created_at, label, source_name, content_hash, request_count, endpoint, simulated, budget_usd, "
    "estimate_json, check_json, parent_pilot_id, report_json, owner"
)


class Ledger:
    """The SQLite ledger at `path`; files of each pilot live in `pilots/<pilot_id>/` beside it.

    Every method opens its own short connection, so one `Ledger` may be used from several
    threads and several processes may share the file.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._ready = False

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def pilot_dir(self, pilot_id: str) -> Path:
        return self.path.parent / "pilots" / pilot_id

    def requests_path(self, pilot_id: str) -> Path:
        return self.pilot_dir(pilot_id) / "requests.jsonl"

    def results_path(self, pilot_id: str) -> Path:
        return self.pilot_dir(pilot_id) / "results.jsonl"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A short connection; sqlite's locked / not-a-database errors become one-line `LedgerError`s."""
        try:
            if not self._ready:
                private_dir(self.path.parent, tighten_existing=False)
                if not self.path.exists():
                    os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
                with contextlib.suppress(PermissionError):  # another user's file: sqlite says what it can do
                    os.chmod(self.path, 0o600)
            conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
        except OSError as exc:
            raise LedgerError(f"ledger at {self.path} cannot be opened ({exc.strerror}); check the path") from None
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            conn.row_factory = sqlite3.Row
            if not self._ready:
                self._prepare(conn)
            yield conn
        except sqlite3.Error as exc:  # a constraint clash included: a one-line LedgerError, never a traceback
            raise self._error(exc) from None
        finally:
            conn.close()

    def _error(self, exc: sqlite3.Error) -> LedgerError:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return LedgerError(
                f"ledger at {self.path} is locked by another process; try again in a moment "
                "(or close the other `pilot` command or app using it)"
            )
        if "not a database" in text or "malformed" in text or "encrypted" in text:
            return LedgerError(
                f"{self.path} is not a Batch Planner ledger (or it is damaged); "
                "point --ledger (or BATCH_PLANNER_HOME) at another file"
            )
        return LedgerError(f"ledger at {self.path}: {exc}; check the file or use another ledger")

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Check the file is a ledger, create the tables, and migrate older ledgers (the owner column)."""
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables - {"sqlite_sequence"} and "pilots" not in tables:
            raise LedgerError(
                f"{self.path} is not a Batch Planner ledger (it holds other tables); "
                "point --ledger (or BATCH_PLANNER_HOME) at another file"
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        columns = {r["name"] for r in conn.execute("PRAGMA table_info(pilots)")}
        if "content_hash" not in columns:
            raise LedgerError(
                f"{self.path} is not a Batch Planner ledger (its pilots table is another program's); "
                "point --ledger (or BATCH_PLANNER_HOME) at another file"
            )
        if "owner" not in columns:
            with contextlib.suppress(sqlite3.OperationalError):  # another process migrated it just now
                conn.execute(f"ALTER TABLE pilots ADD COLUMN owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}'")
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            with contextlib.suppress(FileNotFoundError, PermissionError):
                os.chmod(side, 0o600)
        self._ready = True

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- pilots -----------------------------------------------------------------------------------

    def add_pilot(
        self, row: PilotRow, parts: list[tuple[int, int, str, str]], *, reuse_within_seconds: float = 0.0
    ) -> str:
        """Record a prepared pilot and its parts `(start, end, first_custom_id, last_custom_id)`; returns its id.

        In the same transaction, an existing pilot of the same owner, content and endpoint is
        returned instead when none of it was sent yet, or it was recorded less than
        `reuse_within_seconds` ago (a double click, a rerun, a second process started at the same moment).
        """
        with self._transaction() as conn:
            since = _iso(row.created_at - timedelta(seconds=reuse_within_seconds))
            existing = conn.execute(
                "SELECT p.pilot_id FROM pilots p WHERE p.content_hash = ? AND p.endpoint = ? AND p.owner = ? "
                "AND (p.created_at >= ? "
                "OR NOT EXISTS (SELECT 1 FROM parts q WHERE q.pilot_id = p.pilot_id AND q.state != 'pending')) "
                "ORDER BY p.created_at DESC LIMIT 1",
                (row.content_hash, row.endpoint, row.owner, since),
            ).fetchone()
            if existing is not None:
                return str(existing["pilot_id"])
            conn.execute(
                f"INSERT INTO pilots ({_PILOT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.pilot_id,
                    _iso(row.created_at),
                    row.label,
                    row.source_name,
                    row.content_hash,
                    row.request_count,
                    row.endpoint,
                    int(row.simulated),
                    row.budget_usd,
                    json.dumps(row.estimate),
                    json.dumps(row.check),
                    row.parent_pilot_id,
                    None,
                    row.owner,
                ),
            )
            for i, (start, end, first, last) in enumerate(parts):
                conn.execute(
                    "INSERT INTO parts (pilot_id, part, start_index, end_index, first_custom_id, last_custom_id,"
                    " state, counts_json) VALUES (?,?,?,?,?,?,'pending','{}')",
                    (row.pilot_id, i, start, end, first, last),
                )
            self._event(conn, row.pilot_id, None, row.created_at, "prepared", f"{row.request_count} requests")
            return row.pilot_id

    def _pilot(self, r: sqlite3.Row) -> PilotRow:
        return PilotRow(
            pilot_id=r["pilot_id"],
            created_at=datetime.fromisoformat(r["created_at"]),
            label=r["label"],
            source_name=r["source_name"],
            content_hash=r["content_hash"],
            request_count=r["request_count"],
            endpoint=r["endpoint"],
            simulated=bool(r["simulated"]),
            budget_usd=r["budget_usd"],
            estimate=json.loads(r["estimate_json"]),
            check=json.loads(r["check_json"]),
            parent_pilot_id=r["parent_pilot_id"],
            report=json.loads(r["report_json"]) if r["report_json"] else None,
            owner=r["owner"],
        )

    def pilot(self, pilot_id: str, owner: str | None = None) -> PilotRow | None:
        """The pilot `pilot_id`; None when unknown or (with `owner`) another owner's."""
        if not self.exists:
            return None
        with self._connect() as conn:
            r = conn.execute("SELECT * FROM pilots WHERE pilot_id = ?", (pilot_id,)).fetchone()
        if r is None or (owner is not None and r["owner"] != owner):
            return None
        return self._pilot(r)

    def pilots(self, owner: str | None = None) -> list[PilotRow]:
        """Every pilot (of `owner`, when given), newest first; empty when the ledger file does not exist yet."""
        if not self.exists:
            return []
        with self._connect() as conn:
            if owner is None:
                rows = conn.execute("SELECT * FROM pilots ORDER BY created_at DESC, rowid DESC").fetchall()
            else:
                rows = conn.execute(
                    "SELECT * FROM pilots WHERE owner = ? ORDER BY created_at DESC, rowid DESC", (owner,)
                ).fetchall()
        return [self._pilot(r) for r in rows]

    def pilots_older_than(self, cutoff: datetime, owner: str | None = None) -> list[PilotRow]:
        """Pilots (of `owner`, when given) recorded before `cutoff`, oldest first: candidates for retention."""
        return sorted(
            (p for p in self.pilots(owner) if p.created_at < cutoff), key=lambda p: (p.created_at, p.pilot_id)
        )

    def retry_of(self, parent_pilot_id: str) -> str | None:
        """The newest pilot recorded as a retry of `parent_pilot_id`, if any."""
        if not self.exists:
            return None
        with self._connect() as conn:
            r = conn.execute(
                "SELECT pilot_id FROM pilots WHERE parent_pilot_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (parent_pilot_id,),
            ).fetchone()
        return str(r["pilot_id"]) if r else None

    def remove_pilot(self, pilot_id: str) -> bool:
        """Delete a pilot's rows (pilot, parts, events) and its files directory; False if it was unknown.

        The caller decides whether removal is safe (nothing in flight); see `Runner.delete_pilot`.
        """
        with self._transaction() as conn:
            cur = conn.execute("DELETE FROM pilots WHERE pilot_id = ?", (pilot_id,))
            conn.execute("DELETE FROM parts WHERE pilot_id = ?", (pilot_id,))
            conn.execute("DELETE FROM events WHERE pilot_id = ?", (pilot_id,))
            removed = cur.rowcount == 1
        shutil.rmtree(self.pilot_dir(pilot_id), ignore_errors=True)
        return removed

    def set_report(self, pilot_id: str, report: dict[str, Any], now: datetime) -> None:
        with self._transaction() as conn:
            conn.execute("UPDATE pilots SET report_json = ? WHERE pilot_id = ?", (json.dumps(report), pilot_id))
            self._event(conn, pilot_id, None, now, "report", "measured figures stored")

    # --- parts ------------------------------------------------------------------------------------

    def _part(self, r: sqlite3.Row) -> BatchPart:
        return BatchPart(
            pilot_id=r["pilot_id"],
            part=r["part"],
            start_index=r["start_index"],
            end_index=r["end_index"],
            first_custom_id=r["first_custom_id"],
            last_custom_id=r["last_custom_id"],
            state=r["state"],
            claim_token=r["claim_token"],
            claimed_at=_parse(r["claimed_at"]),
            batch_id=r["batch_id"],
            batch_created_at=_parse(r["batch_created_at"]),
            ended_at=_parse(r["ended_at"]),
            processing_status=r["processing_status"],
            counts=json.loads(r["counts_json"] or "{}"),
            error=r["error"],
        )

    def parts(self, pilot_id: str) -> list[BatchPart]:
        if not self.exists:
            return []
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM parts WHERE pilot_id = ? ORDER BY part", (pilot_id,)).fetchall()
        return [self._part(r) for r in rows]

    def part(self, pilot_id: str, part: int) -> BatchPart:
        with self._connect() as conn:
            r = conn.execute("SELECT * FROM parts WHERE pilot_id = ? AND part = ?", (pilot_id, part)).fetchone()
        if r is None:
            raise KeyError(f"{pilot_id} part {part}")
        return self._part(r)

    def known_batch_ids(self) -> set[str]:
        with self._connect() as conn:
            rows = conn.execute("SELECT batch_id FROM parts WHERE batch_id IS NOT NULL").fetchall()
        return {r["batch_id"] for r in rows}

    def claim(self, pilot_id: str, part: int, token: str, now: datetime) -> bool:
        """Atomically move a part `pending → creating` for the caller holding `token`; False if not pending."""
        with self._transaction() as conn:
            cur = conn.execute(
                "UPDATE parts SET state = 'creating', claim_token = ?, claimed_at = ? "
                "WHERE pilot_id = ? AND part = ? AND state = 'pending'",
                (token, _iso(now), pilot_id, part),
            )
            if cur.rowcount != 1:
                return False
            self._event(conn, pilot_id, part, now, "creating", "create request about to be sent")
            return True

    def release(self, pilot_id: str, part: int, token: str, now: datetime, reason: str) -> bool:
        """`creating → pending` when the create certainly did not make a batch; only the claim holder may."""
        with self._transaction() as conn:
            cur = conn.execute(
                "UPDATE parts SET state = 'pending', claim_token = NULL, claimed_at = NULL "
                "WHERE pilot_id = ? AND part = ? AND state = 'creating' AND batch_id IS NULL AND claim_token = ?",
                (pilot_id, part, token),
            )
            if cur.rowcount == 1:
                self._event(conn, pilot_id, part, now, "released", reason)
            return cur.rowcount == 1

    def record_batch(
        self, pilot_id: str, part: int, batch_id: str, created_at: datetime, now: datetime, how: str
    ) -> bool:
        """`creating → submitted` with the batch id; False if the part already has a batch.

        A batch id the ledger already holds for another part (an endpoint that reissues ids, such
        as an emulator restarted without its state) marks this part failed and raises `LedgerError`:
        the part is never sent again, and nothing crashes on the unique constraint.
        """
        clash = None
        with self._transaction() as conn:
            holder = conn.execute("SELECT pilot_id, part FROM parts WHERE batch_id = ?", (batch_id,)).fetchone()
            if holder is not None and (holder["pilot_id"], holder["part"]) != (pilot_id, part):
                clash = (
                    f"the API answered with batch id {batch_id}, which this ledger already holds for pilot "
                    f"{holder['pilot_id']} (part {holder['part']}): the endpoint reissues batch ids (an emulator "
                    "restarted?); this part is marked failed and will not be sent again — use a fresh ledger "
                    "(--ledger or BATCH_PLANNER_HOME) for this endpoint"
                )
                conn.execute(
                    "UPDATE parts SET state = 'failed', error = ? "
                    "WHERE pilot_id = ? AND part = ? AND state = 'creating'",
                    (clash, pilot_id, part),
                )
                self._event(conn, pilot_id, part, now, "failed", clash)
                recorded = False
            else:
                cur = conn.execute(
                    "UPDATE parts SET state = 'submitted', batch_id = ?, batch_created_at = ?, "
                    "processing_status = 'in_progress', error = NULL "
                    "WHERE pilot_id = ? AND part = ? AND state = 'creating' AND batch_id IS NULL",
                    (batch_id, _iso(created_at), pilot_id, part),
                )
                recorded = cur.rowcount == 1
                if recorded:
                    self._event(conn, pilot_id, part, now, "submitted", f"{batch_id} ({how})")
        if clash is not None:
            raise LedgerError(clash)
        return recorded

    def update_status(
        self,
        pilot_id: str,
        part: int,
        *,
        processing_status: str,
        counts: dict[str, int],
        ended_at: datetime | None,
        now: datetime,
    ) -> None:
        with self._transaction() as conn:
            r = conn.execute(
                "SELECT state, processing_status FROM parts WHERE pilot_id = ? AND part = ?", (pilot_id, part)
            ).fetchone()
            new_state = r["state"]
            if processing_status == "ended" and r["state"] == "submitted":
                new_state = "ended"
            conn.execute(
                "UPDATE parts SET processing_status = ?, counts_json = ?, ended_at = ?, state = ? "
                "WHERE pilot_id = ? AND part = ?",
                (
                    processing_status,
                    json.dumps(counts),
                    _iso(ended_at) if ended_at else None,
                    new_state,
                    pilot_id,
                    part,
                ),
            )
            if r["processing_status"] != processing_status:
                self._event(conn, pilot_id, part, now, processing_status, json.dumps(counts))

    def set_state(self, pilot_id: str, part: int, state: str, now: datetime, detail: str, *, only_from: str) -> bool:
        """Move a part to `state` if it is in `only_from`; records `detail` as the error for `failed`."""
        with self._transaction() as conn:
            cur = conn.execute(
                "UPDATE parts SET state = ?, error = CASE WHEN ? = 'failed' THEN ? ELSE error END "
                "WHERE pilot_id = ? AND part = ? AND state = ?",
                (state, state, detail, pilot_id, part, only_from),
            )
            if cur.rowcount == 1:
                self._event(conn, pilot_id, part, now, state, detail)
            return cur.rowcount == 1

    def add_event(self, pilot_id: str, part: int | None, now: datetime, kind: str, detail: str) -> None:
        with self._transaction() as conn:
            self._event(conn, pilot_id, part, now, kind, detail)

    def events(self, pilot_id: str) -> list[tuple[datetime, int | None, str, str]]:
        if not self.exists:
            return []
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT at, part, kind, detail FROM events WHERE pilot_id = ? ORDER BY id", (pilot_id,)
            ).fetchall()
        return [(datetime.fromisoformat(r["at"]), r["part"], r["kind"], r["detail"]) for r in rows]

    @staticmethod
    def _event(
        conn: sqlite3.Connection, pilot_id: str, part: int | None, now: datetime, kind: str, detail: str
    ) -> None:
        conn.execute(
            "INSERT INTO events (pilot_id, part, at, kind, detail) VALUES (?,?,?,?,?)",
            (pilot_id, part, _iso(now), kind, detail),
        )
