"""The single writer thread: group commit.

Appenders on the trio side put a request on a thread-safe queue and wait. The
writer thread takes every request that is queued (up to a batch limit), checks
and inserts them in **one** transaction, commits, and then releases every
waiting appender of that batch with **one** hop back into trio
(``TrioToken.run_sync_soon``). While one batch is being fsynced, the next one
fills up, so the cost of a durable commit is shared by everyone who arrived
during the previous one.

Each request is atomic on its own: a request whose expected version is stale
fails alone (:class:`~eventlog.errors.VersionConflict`) and the rest of its
batch commits. Checks happen in memory, against stream heads this thread owns
(it is the only writer), so the insert is a single ``executemany``.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import msgspec

from eventlog.errors import CommitFailed, EventLogError, VersionConflict
from eventlog.records import Position, Snapshot

__all__ = ["AppendRequest", "Row", "SnapshotRequest", "Writer", "WriterStatistics"]

# (event_id, stream, type, ts, cid, causation, chat_id, user_id, payload)
Row = tuple[str, str, str, float, str, str | None, int | None, int | None, bytes]

_MAX_BATCH_EVENTS = 5000
_MAX_CACHED_HEADS = 200_000
_SQL_INSERT = (
    "INSERT INTO events (seq, event_id, stream, version, type, ts, cid, causation, chat_id, user_id, payload)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(eq=False)
class AppendRequest:
    rows: Sequence[Row]
    expected: Mapping[str, int] | None
    positions: list[Position] = field(default_factory=list)
    error: BaseException | None = None
    release: Callable[[], None] = lambda: None


@dataclass(eq=False)
class SnapshotRequest:
    snapshot: Snapshot
    error: BaseException | None = None
    release: Callable[[], None] = lambda: None


Request = AppendRequest | SnapshotRequest


class WriterStatistics(msgspec.Struct, frozen=True):
    queued: int
    batches: int
    events: int
    duplicates: int
    conflicts: int
    failed_commits: int
    largest_batch: int
    last_batch: int
    last_commit_ms: float
    head_seq: int


class Writer:
    """Owns the write connection and the thread that commits. Not for direct use: see ``SQLiteEventLog``."""

    def __init__(self, conn: sqlite3.Connection, deliver: Callable[[list[Request]], None]) -> None:
        self._conn = conn
        self._deliver = deliver
        self._queue: queue.SimpleQueue[Request | None] = queue.SimpleQueue()
        self._heads: dict[str, int] = {}
        self._next_seq = self._load_next_seq()
        self._batches = 0
        self._events = 0
        self._duplicates = 0
        self._conflicts = 0
        self._failed = 0
        self._largest = 0
        self._last = 0
        self._last_commit_ms = 0.0
        self._thread = threading.Thread(target=self._run, name="eventlog-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, request: Request) -> None:
        self._queue.put(request)

    def stop(self) -> None:
        """Finish what is queued, then end the thread (blocking)."""
        self._queue.put(None)
        self._thread.join()

    def statistics(self) -> WriterStatistics:
        return WriterStatistics(
            queued=self._queue.qsize(),
            batches=self._batches,
            events=self._events,
            duplicates=self._duplicates,
            conflicts=self._conflicts,
            failed_commits=self._failed,
            largest_batch=self._largest,
            last_batch=self._last,
            last_commit_ms=self._last_commit_ms,
            head_seq=self._next_seq - 1,
        )

    def _load_next_seq(self) -> int:
        (top,) = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(top) + 1

    def _head(self, stream: str) -> int:
        head = self._heads.get(stream)
        if head is None:
            (found,) = self._conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?", (stream,)
            ).fetchone()
            head = int(found)
            if len(self._heads) >= _MAX_CACHED_HEADS:
                self._heads.clear()
            self._heads[stream] = head
        return head

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch: list[Request] = [first]
            size = len(first.rows) if isinstance(first, AppendRequest) else 1
            while size < _MAX_BATCH_EVENTS:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
                size += len(more.rows) if isinstance(more, AppendRequest) else 1
            self._commit(batch)
            self._deliver(batch)

    def _existing(self, ids: list[str]) -> dict[str, Position]:
        found: dict[str, Position] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for seq, event_id, stream, version in self._conn.execute(
                f"SELECT seq, event_id, stream, version FROM events WHERE event_id IN ({marks})", chunk
            ):
                found[event_id] = Position(seq, stream, version, event_id, duplicate=True)
        return found

    def _commit(self, batch: list[Request]) -> None:
        started = time.perf_counter()
        appends = [r for r in batch if isinstance(r, AppendRequest)]
        snapshots = [r for r in batch if isinstance(r, SnapshotRequest)]
        next_seq_before = self._next_seq
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            existing = self._existing([row[0] for r in appends for row in r.rows])
            inserts: list[tuple[object, ...]] = []
            for request in appends:
                inserts.extend(self._plan(request, existing))
            if inserts:
                self._conn.executemany(_SQL_INSERT, inserts)
            for snap in snapshots:
                s = snap.snapshot
                self._conn.execute(
                    "INSERT INTO snapshots (stream, version, state, ts) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(stream) DO UPDATE SET version = excluded.version,"
                    " state = excluded.state, ts = excluded.ts WHERE excluded.version >= snapshots.version",
                    (s.stream, s.version, s.state, s.ts),
                )
            self._conn.execute("COMMIT")
        except Exception as exc:  # the whole batch failed: nothing of it is in the log
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._heads.clear()
            self._next_seq = next_seq_before
            try:
                self._next_seq = self._load_next_seq()
            except sqlite3.Error:
                pass
            self._failed += 1
            failure = CommitFailed(f"the event log could not commit a batch of {len(batch)} requests: {exc}")
            failure.__cause__ = exc
            for request in batch:
                request.error = failure
                if isinstance(request, AppendRequest):
                    request.positions.clear()
            return
        self._batches += 1
        count = len(inserts)
        self._events += count
        self._last = count
        self._largest = max(self._largest, count)
        self._last_commit_ms = (time.perf_counter() - started) * 1000

    def _plan(self, request: AppendRequest, existing: dict[str, Position]) -> list[tuple[object, ...]]:
        """Check one request against the heads and return its rows (with seq and version) to insert."""
        heads: dict[str, int] = {}
        positions: list[Position] = []
        rows: list[tuple[object, ...]] = []
        seq = self._next_seq
        fresh: dict[str, Position] = {}
        for row in request.rows:
            event_id, stream = row[0], row[1]
            old = existing.get(event_id) or fresh.get(event_id)
            if old is not None:
                positions.append(old)
                continue
            if stream not in heads:
                heads[stream] = self._head(stream)
                if request.expected is not None and stream in request.expected:
                    wanted = request.expected[stream]
                    if wanted != heads[stream]:
                        self._conflicts += 1
                        request.error = VersionConflict(stream, wanted, heads[stream])
                        return []
            heads[stream] += 1
            position = Position(seq, stream, heads[stream], event_id)
            fresh[event_id] = position
            positions.append(position)
            rows.append((seq, event_id, stream, heads[stream], *row[2:]))
            seq += 1
        self._next_seq = seq
        self._heads.update(heads)
        existing.update({k: Position(p.seq, p.stream, p.version, p.event_id, duplicate=True) for k, p in fresh.items()})
        self._duplicates += len(positions) - len(rows)
        request.positions = positions
        return rows


def check_rows(rows: Sequence[Row]) -> None:
    """Refuse a batch that names one event id twice (a caller's bug, not a retry)."""
    seen: set[str] = set()
    for row in rows:
        if row[0] in seen:
            raise EventLogError(f"event id {row[0]!r} appears twice in one append")
        seen.add(row[0])
