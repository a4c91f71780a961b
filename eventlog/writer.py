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
from typing import NamedTuple

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


def _nothing() -> None:
    pass


class AppendRequest:
    """One ``append`` call on its way through the writer. ``release`` wakes its caller."""

    __slots__ = ("error", "expected", "positions", "release", "rows")

    def __init__(self, rows: Sequence[Row], expected: Mapping[str, int] | None) -> None:
        self.rows = rows
        self.expected = expected
        self.positions: list[Position] = []
        self.error: BaseException | None = None
        self.release: Callable[[], None] = _nothing


class SnapshotRequest:
    __slots__ = ("error", "release", "snapshot")

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.error: BaseException | None = None
        self.release: Callable[[], None] = _nothing


Request = AppendRequest | SnapshotRequest


class WriterStatistics(msgspec.Struct, frozen=True):
    """Batches and events committed, duplicates and conflicts seen, the last commit's size and time."""

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
        try:
            try:
                # Fast path: duplicates are rare (a retry, a redelivery), so insert without looking
                # first and let the unique index object.
                plans = self._write(appends, snapshots, existing={})
            except sqlite3.IntegrityError:
                self._rollback()
                ids = [row[0] for r in appends for row in r.rows]
                plans = self._write(appends, snapshots, existing=self._existing(ids))
        except Exception as exc:  # the whole batch failed: nothing of it is in the log
            self._rollback()
            self._failed += 1
            failure = CommitFailed(f"the event log could not commit a batch of {len(batch)} requests: {exc}")
            failure.__cause__ = exc
            for request in batch:
                request.error = failure
            return
        inserted = 0
        for request, plan in zip(appends, plans):
            request.positions, request.error = plan.positions, plan.error
            inserted += plan.inserted
            self._duplicates += len(plan.positions) - plan.inserted
            self._conflicts += plan.error is not None
        self._batches += 1
        self._events += inserted
        self._last = inserted
        self._largest = max(self._largest, inserted)
        self._last_commit_ms = (time.perf_counter() - started) * 1000

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._heads.clear()
        self._next_seq = self._load_next_seq()

    def _write(
        self, appends: list[AppendRequest], snapshots: list[SnapshotRequest], existing: dict[str, Position]
    ) -> list[_Plan]:
        self._conn.execute("BEGIN IMMEDIATE")
        plans = [self._plan(request, existing) for request in appends]
        inserts = [row for plan in plans for row in plan.rows]
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
        return plans

    def _plan(self, request: AppendRequest, existing: dict[str, Position]) -> _Plan:
        """Check one request against the stream heads; give its rows (with seq and version) to insert.

        Advances the in-memory heads; :meth:`_rollback` resets them if the transaction fails.
        """
        heads: dict[str, int] = {}
        positions: list[Position] = []
        rows: list[tuple[object, ...]] = []
        fresh: dict[str, Position] = {}
        seq = self._next_seq
        for row in request.rows:
            event_id, stream = row[0], row[1]
            old = existing.get(event_id)
            if old is not None:
                positions.append(old if old.duplicate else Position(old.seq, old.stream, old.version, event_id, True))
                continue
            head = heads.get(stream)
            if head is None:
                head = self._head(stream)
                if request.expected is not None and request.expected.get(stream, head) != head:
                    return _Plan([], [], VersionConflict(stream, request.expected[stream], head))
            head += 1
            heads[stream] = head
            position = Position(seq, stream, head, event_id)
            fresh[event_id] = position
            positions.append(position)
            rows.append((seq, event_id, stream, head, *row[2:]))
            seq += 1
        self._next_seq = seq
        self._heads.update(heads)
        existing.update(fresh)  # a later request of the same batch with these ids is a duplicate
        return _Plan(rows, positions, None)


class _Plan(NamedTuple):
    rows: list[tuple[object, ...]]
    positions: list[Position]
    error: VersionConflict | None

    @property
    def inserted(self) -> int:
        return len(self.rows)


def check_rows(rows: Sequence[Row]) -> None:
    """Refuse a batch that names one event id twice (a caller's bug, not a retry)."""
    seen: set[str] = set()
    for row in rows:
        if row[0] in seen:
            raise EventLogError(f"event id {row[0]!r} appears twice in one append")
        seen.add(row[0])
